// RUN: m3sat-opt %s -m3sat-segment-static-routing -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-segment-static-routing="max-segments=1" -split-input-file | FileCheck %s --check-prefix=ONE

// Tokens 0-2 (one modality) route to experts 0 and 1, tokens 3-4 (another)
// to 3 and 2: one static layer per run of tokens, joined along the tokens.
// CHECK-LABEL: func @two_modalities
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x2xf32>
// CHECK: %[[A:.*]] = tensor.extract_slice %[[X]][0, 0, 0] [1, 3, 2] [1, 1, 1]
// CHECK: %[[YA:.*]] = m3sat.moe_ffn %[[A]] static <experts = [0, 1], weights = [0.731058{{[0-9]*}}, 0.268941{{[0-9]*}}]> fc1(%{{.*}}) fc2(%{{.*}}) k = 2 :
// CHECK-SAME: -> tensor<1x3x2xf32>
// CHECK: %[[B:.*]] = tensor.extract_slice %[[X]][0, 3, 0] [1, 2, 2] [1, 1, 1]
// CHECK: %[[YB:.*]] = m3sat.moe_ffn %[[B]] static <experts = [3, 2], weights = [0.731058{{[0-9]*}}, 0.268941{{[0-9]*}}]>
// CHECK-SAME: -> tensor<1x2x2xf32>
// CHECK: %[[Y:.*]] = tensor.concat dim(1) %[[YA]], %[[YB]] : (tensor<1x3x2xf32>, tensor<1x2x2xf32>) -> tensor<1x5x2xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: routed by
// ONE-LABEL: func @two_modalities
// ONE: m3sat.moe_ffn %{{.*}} routed by
func.func @two_modalities(%x: tensor<1x5x2xf32>, %w1: tensor<4x3x2xf32>,
    %w2: tensor<4x2x3xf32>) -> tensor<1x5x2xf32> {
  %logits = arith.constant dense<[[[2.0, 1.0, 0.0, 0.0], [2.0, 1.0, 0.0, 0.0],
      [2.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0]]]> : tensor<1x5x4xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2 normalize
       : (tensor<1x5x2xf32>, tensor<1x5x4xf32>, tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<1x5x2xf32>
  return %y : tensor<1x5x2xf32>
}

// -----

// Rows that differ but route alike (here: the same top-2 with the same
// renormalized weights, the logits shifted) are one static set; no slices.
// CHECK-LABEL: func @same_route
// CHECK-NOT: extract_slice
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [1, 0], weights = [0.731058{{[0-9]*}}, 0.268941{{[0-9]*}}]> fc1
// CHECK-NOT: concat
// ONE-LABEL: func @same_route
// ONE: m3sat.moe_ffn %{{.*}} static <experts = [1, 0]
func.func @same_route(%x: tensor<2x2xf32>, %w1: tensor<3x3x2xf32>,
    %w2: tensor<3x2x3xf32>) -> tensor<2x2xf32> {
  %logits = arith.constant dense<[[1.0, 2.0, -5.0], [11.0, 12.0, 5.0]]> : tensor<2x3xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2 normalize
       : (tensor<2x2xf32>, tensor<2x3xf32>, tensor<3x3x2xf32>, tensor<3x2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A position whose batch rows route differently, and logits that are not
// constants, stay token-routed.
// CHECK-LABEL: func @batch_differs
// CHECK: m3sat.moe_ffn %{{.*}} routed by
// CHECK: m3sat.moe_ffn %{{.*}} routed by
func.func @batch_differs(%x: tensor<2x1x2xf32>, %l: tensor<2x1x2xf32>, %w1: tensor<2x3x2xf32>,
    %w2: tensor<2x2x3xf32>) -> tensor<2x1x2xf32> {
  %logits = arith.constant dense<[[[1.0, 0.0]], [[0.0, 1.0]]]> : tensor<2x1x2xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 1
       : (tensor<2x1x2xf32>, tensor<2x1x2xf32>, tensor<2x3x2xf32>, tensor<2x2x3xf32>) -> tensor<2x1x2xf32>
  %z = m3sat.moe_ffn %y routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<2x1x2xf32>, tensor<2x1x2xf32>, tensor<2x3x2xf32>, tensor<2x2x3xf32>) -> tensor<2x1x2xf32>
  return %z : tensor<2x1x2xf32>
}

// -----

// Attention runs: queries from the run, keys and values from every token.
// CHECK-LABEL: func @attention
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4xf32>
// CHECK: %[[A:.*]] = tensor.extract_slice %[[X]][0, 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK: %[[YA:.*]] = m3sat.moe_attention %[[A]] static <experts = [1], weights = [{{.*}}]> q(%{{.*}}) kv(%{{.*}}, %{{.*}}) from %[[X]] o(
// CHECK-SAME: -> tensor<1x2x4xf32>
// CHECK: %[[B:.*]] = tensor.extract_slice %[[X]][0, 2, 0] [1, 1, 4] [1, 1, 1]
// CHECK: %[[YB:.*]] = m3sat.moe_attention %[[B]] static <experts = [0], weights = [{{.*}}]> q(%{{.*}}) kv(%{{.*}}, %{{.*}}) from %[[X]] o(
// CHECK: tensor.concat dim(1) %[[YA]], %[[YB]]
func.func @attention(%x: tensor<1x3x4xf32>, %wq: tensor<2x2x4xf32>, %wk: tensor<2x4xf32>,
    %wv: tensor<2x4xf32>, %wo: tensor<2x4x2xf32>) -> tensor<1x3x4xf32> {
  %logits = arith.constant dense<[[[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]]> : tensor<1x3x2xf32>
  %y = m3sat.moe_attention %x routed by %logits q(%wq) kv(%wk, %wv) o(%wo) k = 1
       : (tensor<1x3x4xf32>, tensor<1x3x2xf32>, tensor<2x2x4xf32>, tensor<2x4xf32>,
          tensor<2x4xf32>, tensor<2x4x2xf32>) -> tensor<1x3x4xf32>
  return %y : tensor<1x3x4xf32>
}
