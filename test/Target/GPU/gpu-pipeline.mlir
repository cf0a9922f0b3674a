// RUN: m3sat-opt %s --m3sat-gpu-pipeline=gemm-library=none | FileCheck %s
// RUN: m3sat-opt %s --m3sat-gpu-pipeline="chip=sm_80 gemm-library=none" | FileCheck %s --check-prefix=SM80
// RUN: m3sat-opt %s --m3sat-gpu-pipeline=gemm-library=none | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVMIR
// RUN: m3sat-opt %s --m3sat-gpu-pipeline | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=CUBLAS

// With gemm-library=none (generated kernels only): the task function
// becomes host code in the LLVM dialect that takes bare
// pointers (the task ABI), allocates its temporary on the device, and
// launches kernels whose PTX targets sm_90: a fill, a matmul with the
// reduction loop inside each thread, and tanh.
// The temporary is allocated before the first kernel; the three launches
// are asynchronous on one stream, with no host wait between them; the host
// waits once, where the temporary is freed.
// CHECK-LABEL: llvm.func @task(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: %[[STREAM:.*]] = llvm.call @mgpuStreamCreate
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @{{.*}}::@{{.*}} blocks in
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr>
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr>
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: llvm.call @mgpuMemFree
// CHECK-NEXT: llvm.call @mgpuStreamSynchronize
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: llvm.return
// CHECK: gpu.binary @{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90">, {{.*}}assembly = "{{.*}}.target sm_90{{.*}}.entry
// SM80: .target sm_80

// In LLVM IR (as the task library is built): the launches call
// mgpuLaunchKernel on the stream and nothing waits for them until the end.
// LLVMIR-LABEL: define void @task(
// LLVMIR: call ptr @mgpuMemAlloc
// LLVMIR: call void @mgpuStreamSynchronize
// LLVMIR-NOT: mgpuStreamSynchronize
// LLVMIR: call void @mgpuLaunchKernel(
// LLVMIR-NOT: mgpuStreamSynchronize
// LLVMIR: call void @mgpuLaunchKernel(
// LLVMIR-NOT: mgpuStreamSynchronize
// LLVMIR: call void @mgpuLaunchKernel(
// LLVMIR-NOT: mgpuStreamSynchronize
// LLVMIR: call void @mgpuMemFree
// LLVMIR-NEXT: call void @mgpuStreamSynchronize
// LLVMIR-NOT: mgpuStreamSynchronize
// LLVMIR: ret void
// By default (gemm-library=cublas) the matmul is a call of the runtime's
// m3sat_gpu_sgemm on device addresses (row-major 2x8 times 8x4, no
// accumulation: its zero fill went), queued on the stream after the
// allocation's wait, with no host wait before tanh's kernel.
// CUBLAS-LABEL: define void @task(
// CUBLAS: call ptr @mgpuMemAlloc
// CUBLAS: call void @mgpuStreamSynchronize
// CUBLAS-NOT: mgpuStreamSynchronize
// CUBLAS: call void @m3sat_gpu_sgemm(i64 0, i64 0, i64 2, i64 4, i64 8, i64 %{{.*}}, i64 8, i64 0, i64 %{{.*}}, i64 4, i64 0, i64 %{{.*}}, i64 4, i64 0, i64 1, i64 0, i64 0)
// CUBLAS-NOT: mgpuStreamSynchronize
// CUBLAS: call void @mgpuLaunchKernel(
// CUBLAS-NOT: mgpuLaunchKernel
// CUBLAS: call void @mgpuMemFree
// CUBLAS-NEXT: call void @mgpuStreamSynchronize
// CUBLAS: ret void
func.func @task(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>)
                      outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  %flat = tensor.collapse_shape %mm [[0, 1]] : tensor<2x4xf32> into tensor<8xf32>
  %t = tosa.tanh %flat : (tensor<8xf32>) -> tensor<8xf32>
  %back = tensor.expand_shape %t [[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
  return %back : tensor<2x4xf32>
}
