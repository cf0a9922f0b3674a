// RUN: m3sat-opt %s -m3sat-jit-eval-constants -canonicalize -split-input-file | FileCheck %s

// Task-level routing as a real export leaves it once the task is bound:
// gather the task's embedding row, apply the gate (matmul + bias), broadcast
// over the tokens. The whole chain evaluates at compile time, and the MoE
// layer's routing becomes a static expert set.
// CHECK-LABEL: func @task_routing
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.broadcast
// CHECK: m3sat.moe_ffn %{{.*}} static <experts = [2, 0], weights = [{{.*}}]>
func.func @task_routing(%x: tensor<4x8xf32>, %w1: tensor<3x16x8xf32>, %w2: tensor<3x8x16xf32>)
    -> tensor<4x8xf32> {
  %table = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %gate = arith.constant dense<[[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]]> : tensor<2x3xf32>
  %bias = arith.constant dense<[[0.25, 0.0, -0.5]]> : tensor<1x3xf32>
  %row = tensor.extract_slice %table[0, 0] [1, 2] [1, 1] : tensor<2x2xf32> to tensor<1x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %mm = linalg.matmul ins(%row, %gate : tensor<1x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<1x3xf32>) -> tensor<1x3xf32>
  %logit = arith.addf %mm, %bias : tensor<1x3xf32>
  %flat = tensor.collapse_shape %logit [[0, 1]] : tensor<1x3xf32> into tensor<3xf32>
  %e2 = tensor.empty() : tensor<4x3xf32>
  %logits = linalg.broadcast ins(%flat : tensor<3xf32>) outs(%e2 : tensor<4x3xf32>) dimensions = [0]
  %y = m3sat.moe_ffn %x routed by %logits fc1(%w1) fc2(%w2) k = 2
       : (tensor<4x8xf32>, tensor<4x3xf32>, tensor<3x16x8xf32>, tensor<3x8x16xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Values that depend on inputs stay; fills of empty tensors are not turned
// into stored constants.
// CHECK-LABEL: func @mixed
// CHECK-DAG: %[[C:.*]] = arith.constant dense<[3.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[C]] : tensor<2xf32>
// CHECK: linalg.fill
// CHECK: return
func.func @mixed(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2x2xf32>) {
  %a = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %c = arith.addf %a, %b : tensor<2xf32>
  %s = arith.addf %x, %c : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %s, %f : tensor<2xf32>, tensor<2x2xf32>
}

// -----

// The same constant computation twice (as in a task group, where each
// task's copy of a weight transpose meets the other's): both uses get the
// evaluated value, which the JIT computes once.
// CHECK-LABEL: func @twice
// CHECK-DAG: %[[T:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[A:.*]] = arith.addf %arg0, %[[T]]
// CHECK: %[[B:.*]] = arith.mulf %arg0, %[[T]]
// CHECK: return %[[A]], %[[B]]
func.func @twice(%x: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %e1 = tensor.empty() : tensor<2x2xf32>
  %t1 = linalg.transpose ins(%w : tensor<2x2xf32>) outs(%e1 : tensor<2x2xf32>) permutation = [1, 0]
  %e2 = tensor.empty() : tensor<2x2xf32>
  %t2 = linalg.transpose ins(%w : tensor<2x2xf32>) outs(%e2 : tensor<2x2xf32>) permutation = [1, 0]
  %a = arith.addf %x, %t1 : tensor<2x2xf32>
  %b = arith.mulf %x, %t2 : tensor<2x2xf32>
  return %a, %b : tensor<2x2xf32>, tensor<2x2xf32>
}
