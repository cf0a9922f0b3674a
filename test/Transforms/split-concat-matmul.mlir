// RUN: m3sat-opt %s -m3sat-split-concat-matmul -split-input-file | FileCheck %s

// (x || t) W with a constant t: x W[:, 0:4] + t W[:, 4:6].
// CHECK-LABEL: func @task_conditioned_gate
// CHECK-NOT: tosa.concat
// CHECK-DAG: %[[WX:.*]] = tensor.extract_slice %arg1[0, 0, 0] [1, 4, 3] [1, 1, 1]
// CHECK-DAG: %[[WT:.*]] = tensor.extract_slice %arg1[0, 4, 0] [1, 2, 3] [1, 1, 1]
// CHECK-DAG: %[[X:.*]] = tosa.matmul %arg0, %[[WX]]
// CHECK-DAG: %[[T:.*]] = tosa.matmul %[[C:.*]], %[[WT]]
// CHECK: %[[S:.*]] = tosa.add %[[X]], %[[T]]
// CHECK: return %[[S]]
func.func @task_conditioned_gate(%x: tensor<1x5x4xf32>, %w: tensor<1x6x3xf32>) -> tensor<1x5x3xf32> {
  %t = "tosa.const"() {values = dense<0.5> : tensor<1x5x2xf32>} : () -> tensor<1x5x2xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %xt = tosa.concat %x, %t {axis = 2 : i32} : (tensor<1x5x4xf32>, tensor<1x5x2xf32>) -> tensor<1x5x6xf32>
  %y = tosa.matmul %xt, %w, %zp, %zp : (tensor<1x5x6xf32>, tensor<1x6x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x3xf32>
  return %y : tensor<1x5x3xf32>
}

// -----

// No constant part: nothing to gain, left alone.
// CHECK-LABEL: func @all_variable
// CHECK: tosa.concat
// CHECK: tosa.matmul
func.func @all_variable(%x: tensor<1x5x4xf32>, %t: tensor<1x5x2xf32>, %w: tensor<1x6x3xf32>) -> tensor<1x5x3xf32> {
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %xt = tosa.concat %x, %t {axis = 2 : i32} : (tensor<1x5x4xf32>, tensor<1x5x2xf32>) -> tensor<1x5x6xf32>
  %y = tosa.matmul %xt, %w, %zp, %zp : (tensor<1x5x6xf32>, tensor<1x6x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x3xf32>
  return %y : tensor<1x5x3xf32>
}

// -----

// A concatenation along the tokens (not the contraction): left alone.
// CHECK-LABEL: func @token_concat
// CHECK: tosa.concat
func.func @token_concat(%x: tensor<1x5x4xf32>, %w: tensor<1x4x3xf32>) -> tensor<1x6x3xf32> {
  %t = "tosa.const"() {values = dense<0.5> : tensor<1x1x4xf32>} : () -> tensor<1x1x4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %xt = tosa.concat %x, %t {axis = 1 : i32} : (tensor<1x5x4xf32>, tensor<1x1x4xf32>) -> tensor<1x6x4xf32>
  %y = tosa.matmul %xt, %w, %zp, %zp : (tensor<1x6x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x3xf32>
  return %y : tensor<1x6x3xf32>
}
