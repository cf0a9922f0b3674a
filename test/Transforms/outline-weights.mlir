// RUN: m3sat-opt %s -m3sat-outline-weights=min-elements=4 | FileCheck %s

// Large constants of task functions become weight arguments after the
// inputs; identical ones share one; small ones stay in the code.
// CHECK-LABEL: func @task_a
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4xf32> {m3sat.name = "x"},
// CHECK-SAME: %[[W:[^:]*]]: tensor<4xf32> {m3sat.name = "w", m3sat.weight = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>}
// CHECK-SAME: %[[V:[^:]*]]: tensor<4xf32> {m3sat.name = "weight1", m3sat.weight = dense<5.000000e-01> : tensor<4xf32>}
// CHECK: arith.constant dense<2.000000e+00> : tensor<2xf32>
// CHECK: %[[A:.*]] = arith.mulf %[[X]], %[[W]]
// CHECK: %[[B:.*]] = arith.addf %[[A]], %[[W]]
// CHECK: arith.addf %[[B]], %[[V]]
// Functions that are not tasks keep their constants.
// CHECK-LABEL: func @helper
// CHECK: arith.constant dense<1.000000e+00> : tensor<8xf32>
func.func @task_a(%x: tensor<4xf32> {m3sat.name = "x"}) -> tensor<4xf32> attributes {m3sat.task = "a"} {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32> loc("w")
  %w2 = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %v = arith.constant dense<0.5> : tensor<4xf32>
  %small = arith.constant dense<2.0> : tensor<2xf32>
  %a = arith.mulf %x, %w : tensor<4xf32>
  %b = arith.addf %a, %w2 : tensor<4xf32>
  %c = arith.addf %b, %v : tensor<4xf32>
  %unused = arith.addf %small, %small : tensor<2xf32>
  return %c : tensor<4xf32>
}

func.func @helper() -> tensor<8xf32> {
  %c = arith.constant dense<1.0> : tensor<8xf32>
  return %c : tensor<8xf32>
}
