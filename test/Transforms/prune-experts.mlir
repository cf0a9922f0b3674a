// RUN: m3sat-opt %s -m3sat-prune-experts -split-input-file | FileCheck %s

// Constant weights are sliced at compile time: experts 3 and 1, in that
// order, become experts 0 and 1 of 2.
// CHECK-LABEL: func @constant_weights
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[}}[{{\[}}3.000000e+00, 3.000000e+00]], {{\[}}[1.000000e+00, 1.000000e+00]]]> : tensor<2x1x2xf32>
// CHECK-DAG: %[[B1:.*]] = arith.constant dense<{{\[}}[3.000000e+01], [1.000000e+01]]> : tensor<2x1xf32>
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [0, 1], weights = [6.250000e-01, 3.750000e-01]> fc1(%[[W1]], %[[B1]]) fc2(%{{.*}}) k = 2 {m3sat.source_experts = array<i64: 3, 1>, m3sat.source_num_experts = 4 : i64}
// CHECK-SAME: tensor<2x1x2xf32>, tensor<2x1xf32>, tensor<2x2x1xf32>
func.func @constant_weights(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[[0.0, 0.0]], [[1.0, 1.0]], [[2.0, 2.0]], [[3.0, 3.0]]]> : tensor<4x1x2xf32>
  %b1 = arith.constant dense<[[0.0], [10.0], [20.0], [30.0]]> : tensor<4x1xf32>
  %w2 = arith.constant dense<1.0> : tensor<4x2x1xf32>
  %y = m3sat.moe_ffn %x static <experts = [3, 1], weights = [0.625, 0.375]>
         fc1(%w1, %b1) fc2(%w2) k = 2
       : (tensor<3x2xf32>, tensor<4x1x2xf32>, tensor<4x1xf32>, tensor<4x2x1xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Weights that are not constants are sliced and concatenated.
// CHECK-LABEL: func @argument_weights
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[WQ:.*]][2, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[WQ]][0, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: %[[Q:.*]] = tensor.concat dim(0) %[[S2]], %[[S0]] : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<2x4x8xf32>
// CHECK: m3sat.moe_attention %{{.*}} static <experts = [0, 1], weights = [{{.*}}]> q(%[[Q]])
func.func @argument_weights(%x: tensor<1x5x8xf32>, %wq: tensor<3x4x8xf32>,
    %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) -> tensor<1x5x8xf32> {
  %y = m3sat.moe_attention %x static <experts = [2, 0], weights = [0.5, 0.5]>
         q(%wq) kv(%wk, %wv) o(%wo) k = 2
       : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>,
          tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// -----

// Dynamic routing, and a static set that already uses every expert in
// order, are left alone.
// CHECK-LABEL: func @nothing_to_prune
// CHECK-NOT: m3sat.source_experts
func.func @nothing_to_prune(%x: tensor<3x2xf32>, %l: tensor<3x2xf32>,
    %w1: tensor<2x1x2xf32>, %w2: tensor<2x2x1xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %a = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)
       : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x1x2xf32>, tensor<2x2x1xf32>) -> tensor<3x2xf32>
  %b = m3sat.moe_ffn %x static <experts = [0, 1], weights = [0.5, 0.5]> fc1(%w1) fc2(%w2) k = 2
       : (tensor<3x2xf32>, tensor<2x1x2xf32>, tensor<2x2x1xf32>) -> tensor<3x2xf32>
  return %a, %b : tensor<3x2xf32>, tensor<3x2xf32>
}
