// RUN: m3sat-opt %s -m3sat-expose-routing | FileCheck %s

// A token-routed layer returns its top-k experts and weights as two extra
// results named after the layer; a static layer is left alone.
// CHECK-LABEL: func @task
// CHECK-SAME: -> (tensor<1x3x2xf32> {m3sat.name = "y"}, tensor<3x2xi64> {m3sat.name = "m3sat.routing.block0.moe.indices"}, tensor<3x2xf32> {m3sat.name = "m3sat.routing.block0.moe.weights"})
// CHECK-SAME: m3sat.routing_layers = [{experts = 4 : i64, k = 2 : i64, name = "block0.moe"}]
// CHECK: %[[Y:.*]] = m3sat.moe_ffn %{{.*}} routed by %[[L:[^ ]*]]
// CHECK: %[[I:.*]], %[[W:.*]] = m3sat.route %[[L]] k = 2 normalize
// CHECK-DAG: %[[IR:.*]] = tensor.collapse_shape %[[I]]
// CHECK-DAG: %[[WR:.*]] = tensor.collapse_shape %[[W]]
// CHECK: %[[Z:.*]] = m3sat.moe_ffn %[[Y]] static
// CHECK: return %[[Z]], %[[IR]], %[[WR]]
func.func @task(%x: tensor<1x3x2xf32>, %logits: tensor<1x3x4xf32>,
                %w1: tensor<4x5x2xf32>, %w2: tensor<4x2x5xf32>)
    -> (tensor<1x3x2xf32> {m3sat.name = "y"}) attributes {m3sat.task = "seg"} {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2 normalize
       : (tensor<1x3x2xf32>, tensor<1x3x4xf32>, tensor<4x5x2xf32>, tensor<4x2x5xf32>) -> tensor<1x3x2xf32> loc("block0.moe")
  %z = m3sat.moe_ffn %y static <experts = [1], weights = [1.0]> fc1(%w1) fc2(%w2)
       : (tensor<1x3x2xf32>, tensor<4x5x2xf32>, tensor<4x2x5xf32>) -> tensor<1x3x2xf32> loc("block1.moe")
  return %z : tensor<1x3x2xf32>
}
