// RUN: m3sat-opt %s | m3sat-opt | FileCheck %s
// RUN: m3sat-opt %s --mlir-print-op-generic | m3sat-opt | FileCheck %s

// CHECK-LABEL: func @moe_ffn_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<6x8xf32>, %[[L:.*]]: tensor<6x4xf32>, %[[W1:.*]]: tensor<4x16x8xf32>, %[[B1:.*]]: tensor<4x16xf32>, %[[W2:.*]]: tensor<4x8x16xf32>, %[[B2:.*]]: tensor<4x8xf32>)
func.func @moe_ffn_dynamic(%x: tensor<6x8xf32>, %logits: tensor<6x4xf32>,
    %w1: tensor<4x16x8xf32>, %b1: tensor<4x16xf32>,
    %w2: tensor<4x8x16xf32>, %b2: tensor<4x8xf32>) -> tensor<6x8xf32> {
  // CHECK: m3sat.moe_ffn %[[X]] routed by %[[L]] fc1(%[[W1]], %[[B1]]) fc2(%[[W2]], %[[B2]]) k = 2 activation = gelu normalize :
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1, %b1) fc2(%w2, %b2)
         k = 2 activation = gelu normalize
       : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x16xf32>,
          tensor<4x8x16xf32>, tensor<4x8xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// Defaults (k = 1, relu) are elided; biases are optional independently.
// CHECK-LABEL: func @moe_ffn_defaults
// CHECK: m3sat.moe_ffn %{{.*}} routed by %{{.*}} fc1(%{{[^,]*}}) fc2(%{{.*}}, %{{.*}}) :
// CHECK-NOT: k =
func.func @moe_ffn_defaults(%x: tensor<2x3x8xf32>, %logits: tensor<2x3x4xf32>,
    %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>, %b2: tensor<4x8xf32>)
    -> tensor<2x3x8xf32> {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2, %b2)
       : (tensor<2x3x8xf32>, tensor<2x3x4xf32>, tensor<4x16x8xf32>,
          tensor<4x8x16xf32>, tensor<4x8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// CHECK-LABEL: func @moe_ffn_static
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [3, 1], weights = [6.250000e-01, 3.750000e-01]> fc1(%{{.*}}) fc2(%{{.*}}) k = 2 activation = silu
func.func @moe_ffn_static(%x: tensor<6x8xf32>, %w1: tensor<4x16x8xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<6x8xf32> {
  %y = m3sat.moe_ffn %x static <experts = [3, 1], weights = [0.625, 0.375]>
         fc1(%w1) fc2(%w2) k = 2 activation = silu
       : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// CHECK-LABEL: func @moe_ffn_dynamic_dims
// CHECK: m3sat.moe_ffn {{.*}} -> tensor<?x8xf32>
func.func @moe_ffn_dynamic_dims(%x: tensor<?x8xf32>, %logits: tensor<?x4xf32>,
    %w1: tensor<4x?x8xf32>, %w2: tensor<4x8x?xf32>) -> tensor<?x8xf32> {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) activation = identity
       : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x?x8xf32>, tensor<4x8x?xf32>)
         -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func @moe_attention
// CHECK: m3sat.moe_attention %{{.*}} routed by %{{.*}} q(%{{.*}}) kv(%{{.*}}, %{{.*}}) o(%{{.*}}, %{{.*}}) k = 2 normalize scale = 1.250000e-01 :
func.func @moe_attention(%x: tensor<1x5x8xf32>, %logits: tensor<1x5x3xf32>,
    %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>,
    %wo: tensor<3x8x4xf32>, %bo: tensor<8xf32>) -> tensor<1x5x8xf32> {
  %y = m3sat.moe_attention %x routed by %logits q(%wq) kv(%wk, %wv) o(%wo, %bo)
         k = 2 normalize scale = 0.125
       : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>,
          tensor<4x8xf32>, tensor<3x8x4xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// CHECK-LABEL: func @moe_attention_static
// CHECK: m3sat.moe_attention %{{.*}} static <experts = [2], weights = [1.000000e+00]> q(%{{.*}}) kv(%{{.*}}, %{{.*}}) o(%{{[^,]*}}) :
func.func @moe_attention_static(%x: tensor<1x5x8xf32>, %wq: tensor<3x4x8xf32>,
    %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>)
    -> tensor<1x5x8xf32> {
  %y = m3sat.moe_attention %x static <experts = [2], weights = [1.0]>
         q(%wq) kv(%wk, %wv) o(%wo)
       : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>,
          tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// CHECK-LABEL: func @route
// CHECK: %{{.*}}, %{{.*}} = m3sat.route %{{.*}} k = 2 normalize : tensor<2x3x4xf32> -> tensor<2x3x2xi64>, tensor<2x3x2xf32>
func.func @route(%logits: tensor<2x3x4xf32>) -> (tensor<2x3x2xi64>, tensor<2x3x2xf32>) {
  %idx, %w = m3sat.route %logits k = 2 normalize
             : tensor<2x3x4xf32> -> tensor<2x3x2xi64>, tensor<2x3x2xf32>
  return %idx, %w : tensor<2x3x2xi64>, tensor<2x3x2xf32>
}

// CHECK-LABEL: func @expert_major
// CHECK: %[[ROWS:.*]], %[[PERM:.*]], %[[OFF:.*]] = m3sat.dispatch %{{.*}}, %{{.*}} num_experts = 4 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
// CHECK: %[[H:.*]] = m3sat.grouped_matmul %[[ROWS]], %{{.*}}, %[[OFF]] bias %{{.*}} : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>, tensor<4x16xf32>) -> tensor<12x16xf32>
// CHECK: %[[O:.*]] = m3sat.grouped_matmul %[[H]], %{{.*}}, %[[OFF]] : (tensor<12x16xf32>, tensor<4x8x16xf32>, tensor<5xi64>) -> tensor<12x8xf32>
// CHECK: m3sat.combine %[[O]], %[[PERM]], %{{.*}} : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
func.func @expert_major(%x: tensor<6x8xf32>, %idx: tensor<6x2xi64>,
    %w: tensor<6x2xf32>, %w1: tensor<4x16x8xf32>, %b1: tensor<4x16xf32>,
    %w2: tensor<4x8x16xf32>) -> tensor<6x8xf32> {
  %rows, %perm, %offsets = m3sat.dispatch %x, %idx num_experts = 4
      : tensor<6x8xf32>, tensor<6x2xi64>
        -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  %h = m3sat.grouped_matmul %rows, %w1, %offsets bias %b1
      : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>, tensor<4x16xf32>)
        -> tensor<12x16xf32>
  %o = m3sat.grouped_matmul %h, %w2, %offsets
      : (tensor<12x16xf32>, tensor<4x8x16xf32>, tensor<5xi64>) -> tensor<12x8xf32>
  %y = m3sat.combine %o, %perm, %w
      : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// The attribute also stands alone, with its dialect prefix.
// CHECK-LABEL: func @expert_set_attr
// CHECK: m3sat.set = #m3sat.expert_set<experts = [0, 5], weights = [5.000000e-01, 2.500000e-01]>
func.func @expert_set_attr() attributes {
    m3sat.set = #m3sat.expert_set<experts = [0, 5], weights = [0.5, 0.25]>} {
  return
}

// Quantized expert weights: per row (implied zero points) and per block
// with zero points.
// CHECK-LABEL: func @dequantize
// CHECK: m3sat.dequantize %{{.*}} scales %{{.*}} bits = 4 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
// CHECK: m3sat.dequantize %{{.*}} scales %{{.*}} zero_points %{{.*}} bits = 8 block_size = 16 : (tensor<2x4x32xi8>, tensor<2x4x2xf32>, tensor<2x4x2xi8>) -> tensor<2x4x32xf32>
func.func @dequantize(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>,
                      %q8: tensor<2x4x32xi8>, %s8: tensor<2x4x2xf32>,
                      %z8: tensor<2x4x2xi8>) -> (tensor<2x4x8xf32>, tensor<2x4x32xf32>) {
  %a = m3sat.dequantize %q scales %s bits = 4
      : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  %b = m3sat.dequantize %q8 scales %s8 zero_points %z8 bits = 8 block_size = 16
      : (tensor<2x4x32xi8>, tensor<2x4x2xf32>, tensor<2x4x2xi8>) -> tensor<2x4x32xf32>
  return %a, %b : tensor<2x4x8xf32>, tensor<2x4x32xf32>
}
