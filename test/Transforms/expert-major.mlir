// RUN: m3sat-opt %s -m3sat-expert-major -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-expert-major=min-tokens=7 -split-input-file | FileCheck %s --check-prefix=MIN

// A token-routed layer becomes route -> dispatch -> grouped matmuls -> combine.
// CHECK-LABEL: func @moe_ffn_2d
// CHECK-SAME: (%[[X:[^:]*]]: tensor<6x8xf32>, %[[L:[^:]*]]: tensor<6x4xf32>, %[[W1:[^:]*]]: tensor<4x16x8xf32>, %[[B1:[^:]*]]: tensor<4x16xf32>, %[[W2:[^:]*]]: tensor<4x8x16xf32>, %[[B2:[^:]*]]: tensor<4x8xf32>)
// CHECK: %[[IDX:.*]], %[[W:.*]] = m3sat.route %[[L]] k = 2 normalize : tensor<6x4xf32> -> tensor<6x2xi64>, tensor<6x2xf32>
// CHECK: %[[ROWS:.*]], %[[PERM:.*]], %[[OFF:.*]] = m3sat.dispatch %[[X]], %[[IDX]] num_experts = 4 : {{.*}} -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
// CHECK: %[[H:.*]] = m3sat.grouped_matmul %[[ROWS]], %[[W1]], %[[OFF]] bias %[[B1]] : {{.*}} -> tensor<12x16xf32>
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[H]] : tensor<12x16xf32>)
// CHECK: math.erf
// CHECK: %[[O:.*]] = m3sat.grouped_matmul %[[A]], %[[W2]], %[[OFF]] bias %[[B2]] : {{.*}} -> tensor<12x8xf32>
// CHECK: %[[Y:.*]] = m3sat.combine %[[O]], %[[PERM]], %[[W]] : {{.*}} -> tensor<6x8xf32>
// CHECK: return %[[Y]]
// MIN-LABEL: func @moe_ffn_2d
// MIN: m3sat.moe_ffn
func.func @moe_ffn_2d(%x: tensor<6x8xf32>, %logits: tensor<6x4xf32>,
    %w1: tensor<4x16x8xf32>, %b1: tensor<4x16xf32>,
    %w2: tensor<4x8x16xf32>, %b2: tensor<4x8xf32>) -> tensor<6x8xf32> {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1, %b1) fc2(%w2, %b2)
         k = 2 activation = gelu normalize
       : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x16xf32>,
          tensor<4x8x16xf32>, tensor<4x8xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// [B, S, D] layers are flattened (8 tokens: above min-tokens=7) to [B*S, D] and expanded back; relu needs
// no erf and identity needs no elementwise op at all.
// CHECK-LABEL: func @moe_ffn_3d
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x4x4xf32> into tensor<8x4xf32>
// CHECK: m3sat.route %{{.*}} k = 1 : tensor<8x4xf32> -> tensor<8x1xi64>, tensor<8x1xf32>
// CHECK-NOT: linalg.generic
// CHECK: m3sat.combine
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [2, 4, 8] : tensor<8x8xf32> into tensor<2x4x8xf32>
// MIN-LABEL: func @moe_ffn_3d
// MIN-NOT: m3sat.moe_ffn
// MIN: m3sat.combine
func.func @moe_ffn_3d(%x: tensor<2x4x8xf32>, %logits: tensor<2x4x4xf32>,
    %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) -> tensor<2x4x8xf32> {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) activation = identity
       : (tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<4x16x8xf32>,
          tensor<4x8x16xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// Static expert sets and dynamic shapes are left alone.
// CHECK-LABEL: func @left_alone
// CHECK-COUNT-2: m3sat.moe_ffn
// CHECK-NOT: m3sat.dispatch
func.func @left_alone(%x: tensor<6x8xf32>, %xd: tensor<?x8xf32>, %ld: tensor<?x4xf32>,
    %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) -> (tensor<6x8xf32>, tensor<?x8xf32>) {
  %y = m3sat.moe_ffn %x static <experts = [3], weights = [1.0]> fc1(%w1) fc2(%w2)
       : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  %z = m3sat.moe_ffn %xd routed by %ld fc1(%w1) fc2(%w2)
       : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<?x8xf32>
  return %y, %z : tensor<6x8xf32>, tensor<?x8xf32>
}
