// RUN: m3sat-opt %s -m3sat-fuse-static-experts -split-input-file | FileCheck %s

// Two experts (H = 4) become one of hidden 8: fc1 and b1 stacked, fc2 with
// each expert's columns scaled by its weight, b2 the weighted sum.
// CHECK-LABEL: func @two_experts
// CHECK: %[[W1:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [1, 8, 3] : tensor<8x3xf32> into tensor<1x8x3xf32>
// CHECK: %[[SCALE:.*]] = arith.constant dense<[7.500000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: linalg.broadcast ins(%[[SCALE]]
// CHECK: linalg.transpose {{.*}} permutation = [1, 0, 2]
// CHECK: linalg.reduce
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [0], weights = [1.000000e+00]> fc1(%[[W1]], %{{.*}}) fc2(%{{.*}}, %{{.*}}) activation = gelu {m3sat.source_experts = array<i64: 5, 1>}
// CHECK-SAME: (tensor<6x3xf32>, tensor<1x8x3xf32>, tensor<1x8xf32>, tensor<1x3x8xf32>, tensor<1x3xf32>) -> tensor<6x3xf32>
func.func @two_experts(%x: tensor<6x3xf32>, %w1: tensor<2x4x3xf32>, %b1: tensor<2x4xf32>,
    %w2: tensor<2x3x4xf32>, %b2: tensor<2x3xf32>) -> tensor<6x3xf32> {
  %y = m3sat.moe_ffn %x static <experts = [0, 1], weights = [0.75, 0.25]>
         fc1(%w1, %b1) fc2(%w2, %b2) k = 2 activation = gelu {m3sat.source_experts = array<i64: 5, 1>}
       : (tensor<6x3xf32>, tensor<2x4x3xf32>, tensor<2x4xf32>, tensor<2x3x4xf32>, tensor<2x3xf32>) -> tensor<6x3xf32>
  return %y : tensor<6x3xf32>
}

// -----

// Sets that are not pruned yet (or single experts) are left alone.
// CHECK-LABEL: func @not_pruned
// CHECK: static <experts = [1, 0]
// CHECK: static <experts = [0], weights = [5.000000e-01]>
func.func @not_pruned(%x: tensor<6x3xf32>, %w1: tensor<2x4x3xf32>, %w2: tensor<2x3x4xf32>,
    %v1: tensor<1x4x3xf32>, %v2: tensor<1x3x4xf32>) -> (tensor<6x3xf32>, tensor<6x3xf32>) {
  %a = m3sat.moe_ffn %x static <experts = [1, 0], weights = [0.5, 0.5]> fc1(%w1) fc2(%w2) k = 2
       : (tensor<6x3xf32>, tensor<2x4x3xf32>, tensor<2x3x4xf32>) -> tensor<6x3xf32>
  %b = m3sat.moe_ffn %x static <experts = [0], weights = [0.5]> fc1(%v1) fc2(%v2)
       : (tensor<6x3xf32>, tensor<1x4x3xf32>, tensor<1x3x4xf32>) -> tensor<6x3xf32>
  return %a, %b : tensor<6x3xf32>, tensor<6x3xf32>
}
