// REQUIRES: libdevice
// RUN: m3sat-opt %s --m3sat-gpu-pipeline -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not=gpu.launch_func --implicit-check-not=m3sat_gpu_sgemm
// RUN: m3sat-opt %s --m3sat-gpu-pipeline=fuse-attention=false -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNFUSED
// RUN: m3sat-opt %s --m3sat-gpu-pipeline | %python %S/Inputs/print_ptx.py | FileCheck %s --check-prefix=PTX

// One attention block of ViT-Small at batch 1 as the importer writes it
// (6 heads, 197 tokens, head size 64; Q K^T, the scale 1/8 and the softmax
// on [1, 6, 197, 197], then P V). With m3sat-fuse-attention (the GPU
// pipeline's default) it is one kernel: a block per head, a thread per
// query row, writing the task's output directly; no library product.
// CHECK-LABEL: func.func @vit_small
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c6, %c1) threads in (%c197, %c1, %c1) args(%arg3 : memref<6x197x64xf32>
// CHECK: return

// Unfused: the two products through cuBLAS and seven kernels between them
// (the scale, the softmax's maximum, exponentials, sum and division, and
// their fills).
// UNFUSED-LABEL: func.func @vit_small
// UNFUSED: call @m3sat_gpu_sgemm
// UNFUSED-COUNT-7: gpu.launch_func
// UNFUSED-NOT: gpu.launch_func
// UNFUSED: call @m3sat_gpu_sgemm
// UNFUSED-NOT: gpu.launch_func
// UNFUSED: return

// In the kernel's loop over the keys, the query row, the running maximum
// and sum and the output row stay in registers: 64 loads of K^T's column
// and 64 of V's row (each at a constant offset from one address), no
// store and no local memory; two exponentials per key. The 64 outputs are
// stored once, after the loop.
// PTX-LABEL: .entry vit_small_kernel(
// PTX: .maxntid 197, 1, 1
// PTX-NOT: .local
// PTX: [[LOOP:\$L__BB[0-9_]+]]:
// PTX-NOT: st.global
// PTX: ld.global.b32 %r{{[0-9]+}}, [%[[K:rd[0-9]+]]{{(\+-?[0-9]+)?}}];
// PTX-COUNT-63: ld.global.b32 %r{{[0-9]+}}, [%[[K]]{{(\+-?[0-9]+)?}}];
// PTX-NOT: st.global
// PTX: ex2.approx
// PTX-NOT: st.global
// PTX: ex2.approx
// PTX-NOT: st.global
// PTX: ld.global.b32 %r{{[0-9]+}}, [%[[V:rd[0-9]+]]{{(\+-?[0-9]+)?}}];
// PTX-COUNT-63: ld.global.b32 %r{{[0-9]+}}, [%[[V]]{{(\+-?[0-9]+)?}}];
// PTX-NOT: st.global
// PTX: bra {{.*}}[[LOOP]];
// PTX-COUNT-64: st.global.b32
// PTX-NOT: st.global
// PTX: ret;
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @vit_small(%q: tensor<6x197x64xf32>, %kt: tensor<6x64x197xf32>, %v: tensor<6x197x64xf32>) -> tensor<6x197x64xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.125> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %s4 = tosa.const_shape {values = dense<[1, 6, 197, 197]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3 = tosa.const_shape {values = dense<[6, 197, 197]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<6x197x64xf32>, tensor<6x64x197xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<6x197x197xf32>
  %1 = tosa.reshape %0, %s4 : (tensor<6x197x197xf32>, !tosa.shape<4>) -> tensor<1x6x197x197xf32>
  %2 = tosa.mul %1, %scale, %shift : (tensor<1x6x197x197xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x6x197x197xf32>
  %3 = tosa.reduce_max %2 {axis = 3 : i32} : (tensor<1x6x197x197xf32>) -> tensor<1x6x197x1xf32>
  %4 = tosa.sub %2, %3 : (tensor<1x6x197x197xf32>, tensor<1x6x197x1xf32>) -> tensor<1x6x197x197xf32>
  %5 = tosa.exp %4 : (tensor<1x6x197x197xf32>) -> tensor<1x6x197x197xf32>
  %6 = tosa.reduce_sum %5 {axis = 3 : i32} : (tensor<1x6x197x197xf32>) -> tensor<1x6x197x1xf32>
  %7 = tensor.empty() : tensor<1x6x197x197xf32>
  %8 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%5, %6 : tensor<1x6x197x197xf32>, tensor<1x6x197x1xf32>) outs(%7 : tensor<1x6x197x197xf32>) {
  ^bb0(%in: f32, %sum: f32, %out: f32):
    %d = arith.divf %in, %sum : f32
    linalg.yield %d : f32
  } -> tensor<1x6x197x197xf32>
  %9 = tosa.reshape %8, %s3 : (tensor<1x6x197x197xf32>, !tosa.shape<3>) -> tensor<6x197x197xf32>
  %10 = tosa.matmul %9, %v, %zp, %zp : (tensor<6x197x197xf32>, tensor<6x197x64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<6x197x64xf32>
  return %10 : tensor<6x197x64xf32>
}
