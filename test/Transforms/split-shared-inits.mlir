// RUN: m3sat-opt %s -m3sat-split-shared-inits | FileCheck %s

// A zero fill that CSE shared between two products: the second gets its
// own fill of its own tensor.empty, so that each bufferizes to its own
// short-lived buffer.
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F0:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E0]]
// CHECK: %[[M0:.*]] = linalg.matmul ins(%arg0, %arg1 {{.*}}) outs(%[[F0]]
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E1]]
// CHECK: linalg.matmul ins(%[[M0]], %arg1 {{.*}}) outs(%[[F1]]
func.func @shared_fill(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m0 = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m1 = linalg.matmul ins(%m0, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m1 : tensor<4x4xf32>
}

// A shared tensor.empty: the second user gets a clone. A user inside a
// loop gets its clone before the loop, not in its body; one user with two
// uses gets one clone.
// CHECK-LABEL: func.func @shared_empty
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E0]]
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: scf.for
// CHECK: tensor.insert_slice %[[E1]] into %[[E1]]
// CHECK-NOT: tensor.empty
// CHECK: return
#map = affine_map<(d0) -> (d0)>
func.func @shared_empty(%a: tensor<8xf32>, %n: index) -> (tensor<8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<8xf32>
  %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> tensor<8xf32> {
    %s = tensor.insert_slice %e into %e[0] [8] [1] : tensor<8xf32> into tensor<8xf32>
    scf.yield %s : tensor<8xf32>
  }
  return %g, %r : tensor<8xf32>, tensor<8xf32>
}
