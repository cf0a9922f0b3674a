// RUN: m3sat-opt %s -m3sat-gpu-merge-kernel-modules | FileCheck %s

// Two outlined kernels with the same function name and each its copy of a
// constant end up in one module: kernels named after their old modules,
// constants prefixed, launches redirected.
// CHECK-LABEL: func.func @task
// CHECK: gpu.launch_func @m3sat_kernels::@task_kernel blocks
// CHECK: gpu.launch_func @m3sat_kernels::@task_kernel_0 blocks
// CHECK: gpu.module @m3sat_kernels
// CHECK-DAG: memref.global "private" constant @task_kernel_cst
// CHECK-DAG: memref.global "private" constant @task_kernel_0_cst
// CHECK-DAG: gpu.func @task_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: memref.get_global @task_kernel_cst
// CHECK-DAG: gpu.func @task_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: memref.get_global @task_kernel_0_cst
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @task(%out: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @task_kernel::@task_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%out : memref<4xf32>)
    gpu.launch_func @task_kernel_0::@task_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%out : memref<4xf32>)
    return
  }
  gpu.module @task_kernel {
    memref.global "private" constant @cst : memref<4xf32> = dense<1.0>
    gpu.func @task_kernel(%out: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %g = memref.get_global @cst : memref<4xf32>
      %v = memref.load %g[%i] : memref<4xf32>
      memref.store %v, %out[%i] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @task_kernel_0 {
    memref.global "private" constant @cst : memref<4xf32> = dense<2.0>
    gpu.func @task_kernel(%out: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %g = memref.get_global @cst : memref<4xf32>
      %v = memref.load %g[%i] : memref<4xf32>
      memref.store %v, %out[%i] : memref<4xf32>
      gpu.return
    }
  }
}
