// RUN: m3sat-opt %s -m3sat-group-tasks -cse | FileCheck %s

// Two tasks share their first op: the group takes the union of the inputs
// (by name), returns both outputs once each, and computes the shared op once.
// CHECK-LABEL: func.func @task_a
// CHECK-LABEL: func.func @task_b
// CHECK-LABEL: func.func @group_a_b
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32> {m3sat.name = "x"}, %[[Z:.*]]: tensor<4xf32> {m3sat.name = "z"})
// CHECK-SAME: -> (tensor<4xf32> {m3sat.name = "ya"}, tensor<4xf32> {m3sat.name = "yb"})
// CHECK-SAME: m3sat.task = "a+b"
// CHECK: %[[S:.*]] = math.exp %[[X]]
// CHECK-NOT: math.exp
// CHECK: %[[A:.*]] = arith.addf %[[S]], %[[S]]
// CHECK: %[[B:.*]] = arith.mulf %[[S]], %[[Z]]
// CHECK: return %[[A]], %[[B]]
func.func @task_a(%x: tensor<4xf32> {m3sat.name = "x"}) -> (tensor<4xf32> {m3sat.name = "ya"})
    attributes {m3sat.task = "a"} {
  %s = math.exp %x : tensor<4xf32>
  %a = arith.addf %s, %s : tensor<4xf32>
  return %a : tensor<4xf32>
}
func.func @task_b(%z: tensor<4xf32> {m3sat.name = "z"}, %x: tensor<4xf32> {m3sat.name = "x"}) -> (tensor<4xf32> {m3sat.name = "yb"})
    attributes {m3sat.task = "b"} {
  %s = math.exp %x : tensor<4xf32>
  %b = arith.mulf %s, %z : tensor<4xf32>
  return %b : tensor<4xf32>
}
