// RUN: m3sat-opt %s -m3sat-convert-to-linalg -split-input-file | FileCheck %s

// Routing: one loop over tokens; inside, the max and the softmax denominator
// over experts, then one selection loop per k.
// CHECK-LABEL: func @route
// CHECK-NOT: m3sat.
// CHECK: scf.for {{.*}} -> (tensor<6x2xi64>, tensor<6x2xf32>)
// CHECK:   arith.maximumf
// CHECK:   math.exp
// CHECK-COUNT-2: scf.for {{.*}} -> (f32, index)
// CHECK: return
func.func @route(%l: tensor<6x4xf32>) -> (tensor<6x2xi64>, tensor<6x2xf32>) {
  %i, %w = m3sat.route %l k = 2 : tensor<6x4xf32> -> tensor<6x2xi64>, tensor<6x2xf32>
  return %i, %w : tensor<6x2xi64>, tensor<6x2xf32>
}

// -----

// Dispatch is a counting sort: count, prefix sum, place.
// CHECK-LABEL: func @dispatch
// CHECK-NOT: m3sat.
// CHECK: scf.for {{.*}} -> (tensor<4xi64>)
// CHECK: scf.for {{.*}} -> (tensor<5xi64>)
// CHECK: scf.for {{.*}} -> (tensor<12xi64>, tensor<12x8xf32>, tensor<4xi64>)
// CHECK:   tensor.insert_slice {{.*}} into tensor<12x8xf32>
func.func @dispatch(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>)
    -> (tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>) {
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4
      : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  return %s, %p, %o : tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
}

// -----

// One contraction per expert over its row group (dynamic number of rows).
// CHECK-LABEL: func @grouped_matmul
// CHECK: scf.for %[[E:[^ ]*]] = {{.*}} -> (tensor<12x16xf32>)
// CHECK:   %[[ROWS:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, 0] [%{{.*}}, 8] [1, 1] : tensor<12x8xf32> to tensor<?x8xf32>
// CHECK:   %[[W:.*]] = tensor.extract_slice %{{.*}}[%[[E]], 0, 0] [1, 16, 8] [1, 1, 1] : tensor<4x16x8xf32> to tensor<16x8xf32>
// CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[ROWS]], %[[W]] : tensor<?x8xf32>, tensor<16x8xf32>)
// CHECK:   tensor.insert_slice {{.*}} into tensor<12x16xf32>
func.func @grouped_matmul(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>,
    %o: tensor<5xi64>, %b: tensor<4x16xf32>) -> tensor<12x16xf32> {
  %r = m3sat.grouped_matmul %a, %w, %o bias %b
      : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>, tensor<4x16xf32>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}

// -----

// CHECK-LABEL: func @combine
// CHECK: scf.for {{.*}} -> (tensor<6x8xf32>)
// CHECK:   arith.divui
// CHECK:   arith.remui
// CHECK:   tensor.insert_slice {{.*}} into tensor<6x8xf32>
func.func @combine(%r: tensor<12x8xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf32>) -> tensor<6x8xf32> {
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// A static set visits exactly its experts (3 then 1), with constant slices
// and constant weights; no routing code is left.
// CHECK-LABEL: func @static_ffn
// CHECK-DAG: %[[W3:.*]] = arith.constant 6.250000e-01 : f32
// CHECK-DAG: %[[W1:.*]] = arith.constant 3.750000e-01 : f32
// CHECK-NOT: scf.for
// CHECK: tensor.extract_slice %{{.*}}[3, 0, 0] [1, 16, 8]
// CHECK: arith.mulf %{{[^,]*}}, %[[W3]]
// CHECK: tensor.extract_slice %{{.*}}[1, 0, 0] [1, 16, 8]
// CHECK: arith.mulf %{{[^,]*}}, %[[W1]]
// CHECK-NOT: scf.for
// CHECK: return
func.func @static_ffn(%x: tensor<6x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<6x8xf32> {
  %y = m3sat.moe_ffn %x static <experts = [3, 1], weights = [0.625, 0.375]>
         fc1(%w1) fc2(%w2) k = 2
       : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// Token-routed FFN layers go through the expert-major form.
// CHECK-LABEL: func @dynamic_ffn
// CHECK-NOT: m3sat.
// CHECK: scf.for {{.*}} -> (tensor<10x16xf32>)
// CHECK: scf.for {{.*}} -> (tensor<10x8xf32>)
func.func @dynamic_ffn(%x: tensor<1x5x8xf32>, %l: tensor<1x5x4xf32>,
    %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) -> tensor<1x5x8xf32> {
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 2
       : (tensor<1x5x8xf32>, tensor<1x5x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}
