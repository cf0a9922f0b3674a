// RUN: m3sat-opt %s --m3sat-hls-pipeline | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-pipeline | m3sat-translate --emit-hls-cpp /dev/stdin | FileCheck %s --check-prefix=CPP

// Tensors become out-param buffers and loops over them, in func, scf,
// memref, arith and math only: no views, copies or deallocations left.
// CHECK-LABEL: func.func @task
// CHECK-SAME: (%{{.*}}: memref<2x8xf32>, %{{.*}}: memref<8x4xf32>, %[[OUT:.*]]: memref<2x4xf32>)
// CHECK-NOT: linalg.
// CHECK-NOT: tosa.
// CHECK-NOT: tensor.
// CHECK-NOT: bufferization.
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.subview
// CHECK-NOT: memref.collapse_shape
// CHECK-NOT: memref.dealloc
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: {m3sat.hls.pipeline_ii = 1 : i64}
// CHECK: math.tanh
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: return
// CPP: void task(const m3sat_act_t arg0[2][8], const m3sat_act_t arg1[8][4], m3sat_act_t arg2[2][4]) {
// CPP: m3sat_hls::tanh(
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
