// RUN: m3sat-opt %s -canonicalize -split-input-file | FileCheck %s

// Constant logits fold to constant indices and weights. Row 0: softmax of
// [1, 3, 2, 0] is [0.0871, 0.6439, 0.2369, 0.0321]; row 1 ties go to the
// lower index.
// CHECK-LABEL: func @route_folds
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<{{\[}}[1, 2], [0, 1]]> : tensor<2x2xi64>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[0.643914{{[0-9]*}}, 0.236882{{[0-9]*}}], [2.500000e-01, 2.500000e-01]]> : tensor<2x2xf32>
// CHECK-NOT: m3sat.route
// CHECK: return %[[IDX]], %[[W]]
func.func @route_folds() -> (tensor<2x2xi64>, tensor<2x2xf32>) {
  %logits = arith.constant dense<[[1.0, 3.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<2x4xf32>
  %idx, %w = m3sat.route %logits k = 2 : tensor<2x4xf32> -> tensor<2x2xi64>, tensor<2x2xf32>
  return %idx, %w : tensor<2x2xi64>, tensor<2x2xf32>
}

// -----

// Renormalized: 0.6439 / (0.6439 + 0.2369) and 0.2369 / (0.6439 + 0.2369).
// CHECK-LABEL: func @route_folds_normalized
// CHECK: arith.constant dense<{{\[}}[0.731058{{[0-9]*}}, 0.268941{{[0-9]*}}]]> : tensor<1x2xf32>
func.func @route_folds_normalized() -> (tensor<1x2xi64>, tensor<1x2xf32>) {
  %logits = arith.constant dense<[[1.0, 3.0, 2.0, 0.0]]> : tensor<1x4xf32>
  %idx, %w = m3sat.route %logits k = 2 normalize : tensor<1x4xf32> -> tensor<1x2xi64>, tensor<1x2xf32>
  return %idx, %w : tensor<1x2xi64>, tensor<1x2xf32>
}

// -----

// Routing that depends on the token stays.
// CHECK-LABEL: func @route_dynamic
// CHECK: m3sat.route
func.func @route_dynamic(%logits: tensor<3x4xf32>) -> (tensor<3x2xi64>, tensor<3x2xf32>) {
  %idx, %w = m3sat.route %logits k = 2 : tensor<3x4xf32> -> tensor<3x2xi64>, tensor<3x2xf32>
  return %idx, %w : tensor<3x2xi64>, tensor<3x2xf32>
}

// -----

// Task-level routing: the same constant logits for every token make the
// expert set static, with the softmax weights of the selected experts.
// CHECK-LABEL: func @moe_ffn_static_routing
// CHECK-NOT: routed by
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [1, 2], weights = [0.643914{{[0-9]*}}, 0.236882{{[0-9]*}}]> fc1(%{{.*}}) fc2(%{{.*}}) k = 2 :
func.func @moe_ffn_static_routing(%x: tensor<3x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<3x8xf32> {
  %logits = arith.constant dense<[[1.0, 3.0, 2.0, 0.0], [1.0, 3.0, 2.0, 0.0], [1.0, 3.0, 2.0, 0.0]]> : tensor<3x4xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2
       : (tensor<3x8xf32>, tensor<3x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// A splat constant (the usual result of folding a broadcast) also works; with
// `normalize` the folded weights are renormalized and the flag dropped.
// CHECK-LABEL: func @moe_ffn_splat_normalized
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [0, 1], weights = [5.000000e-01, 5.000000e-01]> fc1(%{{.*}}) fc2(%{{.*}}) k = 2 :
func.func @moe_ffn_splat_normalized(%x: tensor<2x3x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<2x3x8xf32> {
  %logits = arith.constant dense<0.5> : tensor<2x3x4xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2 normalize
       : (tensor<2x3x8xf32>, tensor<2x3x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// Constant logits that differ between tokens keep dynamic routing.
// CHECK-LABEL: func @moe_ffn_token_routing
// CHECK: m3sat.moe_ffn %{{.*}} routed by
func.func @moe_ffn_token_routing(%x: tensor<2x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<2x8xf32> {
  %logits = arith.constant dense<[[1.0, 3.0, 2.0, 0.0], [3.0, 1.0, 2.0, 0.0]]> : tensor<2x4xf32>
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2)
       : (tensor<2x8xf32>, tensor<2x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @moe_attention_static_routing
// softmax([0, 1, 2])[2] = 0.6652.
// CHECK: m3sat.moe_attention %{{.*}} static <experts = [2], weights = [0.665240{{[0-9]*}}]> q(
func.func @moe_attention_static_routing(%x: tensor<1x5x8xf32>, %wq: tensor<3x4x8xf32>,
    %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) -> tensor<1x5x8xf32> {
  %logits = arith.constant dense<[[[0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]]> : tensor<1x5x3xf32>
  %y = m3sat.moe_attention %x routed by %logits q(%wq) kv(%wk, %wv) o(%wo)
       : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>,
          tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// -----

// Task-level routing after the task is bound: constant logits of the task,
// broadcast over the tokens.
// CHECK-LABEL: func @moe_ffn_broadcast_task_logits
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [1], weights = [0.643914{{[0-9]*}}]> fc1(
func.func @moe_ffn_broadcast_task_logits(%x: tensor<2x3x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<2x3x8xf32> {
  %task = arith.constant dense<[1.0, 3.0, 2.0, 0.0]> : tensor<4xf32>
  %init = tensor.empty() : tensor<2x3x4xf32>
  %logits = linalg.broadcast ins(%task : tensor<4xf32>) outs(%init : tensor<2x3x4xf32>) dimensions = [0, 1]
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2)
       : (tensor<2x3x8xf32>, tensor<2x3x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// A broadcast along the expert dimension is not task-level routing.
// CHECK-LABEL: func @moe_ffn_broadcast_over_experts
// CHECK: m3sat.moe_ffn %{{.*}} routed by
func.func @moe_ffn_broadcast_over_experts(%x: tensor<3x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<3x8xf32> {
  %tok = arith.constant dense<[1.0, 3.0, 2.0]> : tensor<3xf32>
  %init = tensor.empty() : tensor<3x4xf32>
  %logits = linalg.broadcast ins(%tok : tensor<3xf32>) outs(%init : tensor<3x4xf32>) dimensions = [1]
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2)
       : (tensor<3x8xf32>, tensor<3x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
