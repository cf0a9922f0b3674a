// RUN: m3sat-opt %s -m3sat-group-tasks -split-input-file -verify-diagnostics

func.func @task_a(%x: tensor<4xf32> {m3sat.name = "x"}) -> tensor<4xf32>
    attributes {m3sat.task = "a"} {
  return %x : tensor<4xf32>
}
// expected-error @+1 {{input 'x' has type 'tensor<5xf32>' here but 'tensor<4xf32>' in another task}}
func.func @task_b(%x: tensor<5xf32> {m3sat.name = "x"}) -> tensor<5xf32>
    attributes {m3sat.task = "b"} {
  return %x : tensor<5xf32>
}

// -----

func.func @task_a(%x: tensor<4xf32> {m3sat.name = "x"}) -> tensor<4xf32>
    attributes {m3sat.task = "a"} {
  return %x : tensor<4xf32>
}
// expected-error @+1 {{task argument #0 has no m3sat.name}}
func.func @task_b(%x: tensor<4xf32>) -> tensor<4xf32>
    attributes {m3sat.task = "b"} {
  return %x : tensor<4xf32>
}
