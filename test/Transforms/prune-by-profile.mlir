// The last case is an error, so m3sat-opt fails on the file as a whole.
// RUN: not m3sat-opt %s -split-input-file -m3sat-prune-by-profile="profile=%S/Inputs/usage.json coverage=0.9" 2>/dev/null | FileCheck %s --check-prefix=C90
// RUN: not m3sat-opt %s -split-input-file -m3sat-prune-by-profile="profile=%S/Inputs/usage.json coverage=0.9" 2>&1 >/dev/null | FileCheck %s --check-prefix=DIAG
// RUN: not m3sat-opt %s -split-input-file -m3sat-prune-by-profile="profile=%S/Inputs/usage.json coverage=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=C50
// RUN: not m3sat-opt %s -split-input-file -m3sat-prune-by-profile="profile=%S/Inputs/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING

// Masses 0.5, 6.0, 0.0, 3.5 (of 10): 90% needs experts 1 and 3, which stay
// in id order; the logits and the weights are sliced to them.
// DIAG: remark: {{.*}}profile-guided pruning: layer 'block0.moe' keeps 2 of 4 experts, 0.9500 of the profiled routing mass
// C90-LABEL: func @task
// C90-DAG: %[[L1:.*]] = tensor.extract_slice %[[L:arg1]][0, 0, 1] [1, 3, 1] [1, 1, 1]
// C90-DAG: %[[L3:.*]] = tensor.extract_slice %[[L]][0, 0, 3] [1, 3, 1] [1, 1, 1]
// C90: %[[LK:.*]] = tensor.concat dim(2) %[[L1]], %[[L3]]
// C90: m3sat.moe_ffn %{{.*}} routed by %[[LK]] {{.*}} {m3sat.source_experts = array<i64: 1, 3>, m3sat.source_num_experts = 4 : i64}
// C90-SAME: tensor<1x3x2xf32>, tensor<2x5x2xf32>, tensor<2x2x5xf32>

// 50% is reached by expert 1 alone (k = 1).
// C50: remark: {{.*}}profile-guided pruning: layer 'block0.moe' keeps 1 of 4 experts, 0.6000 of the profiled routing mass

// MISSING: error: {{.*}}missing.json: cannot read profile
func.func @task(%x: tensor<1x3x2xf32>, %logits: tensor<1x3x4xf32>,
                %w1: tensor<4x5x2xf32>, %w2: tensor<4x2x5xf32>)
    -> tensor<1x3x2xf32> attributes {m3sat.task = "seg"} {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 1
       : (tensor<1x3x2xf32>, tensor<1x3x4xf32>, tensor<4x5x2xf32>, tensor<4x2x5xf32>) -> tensor<1x3x2xf32> loc("block0.moe")
  return %y : tensor<1x3x2xf32>
}

// -----

// A layer the profile does not know keeps all its experts, with a warning.
// DIAG: warning: {{.*}}profile {{.*}}usage.json has no usage for layer 'other' of task 'seg': all experts kept
// C90-LABEL: func @unknown_layer
// C90: m3sat.moe_ffn %{{.*}} routed by %{{.*}} fc1(%{{.*}}) fc2(%{{.*}}) :
func.func @unknown_layer(%x: tensor<1x3x2xf32>, %logits: tensor<1x3x4xf32>,
                %w1: tensor<4x5x2xf32>, %w2: tensor<4x2x5xf32>)
    -> tensor<1x3x2xf32> attributes {m3sat.task = "seg"} {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 1
       : (tensor<1x3x2xf32>, tensor<1x3x4xf32>, tensor<4x5x2xf32>, tensor<4x2x5xf32>) -> tensor<1x3x2xf32> loc("other")
  return %y : tensor<1x3x2xf32>
}

// -----

// A profile for another model: the expert counts disagree.
// DIAG: error: {{.*}}profile {{.*}}usage.json: layer 'block0.moe' has 4 experts, the model 8 (profiled on another model?)
func.func @wrong_model(%x: tensor<1x3x2xf32>, %logits: tensor<1x3x8xf32>,
                %w1: tensor<8x5x2xf32>, %w2: tensor<8x2x5xf32>)
    -> tensor<1x3x2xf32> attributes {m3sat.task = "seg"} {
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 1
       : (tensor<1x3x2xf32>, tensor<1x3x8xf32>, tensor<8x5x2xf32>, tensor<8x2x5xf32>) -> tensor<1x3x2xf32> loc("block0.moe")
  return %y : tensor<1x3x2xf32>
}
