// RUN: m3sat-opt %s -m3sat-transpose-expert-weights -split-input-file -allow-unregistered-dialect | FileCheck %s

// A routed layer with constant weights: each becomes a constant in the
// (in, out) layout (the data transposed at compile time) and a
// linalg.transpose of it; the old constants go.
// CHECK-LABEL: func @routed
// CHECK-DAG: %[[W1T:.*]] = arith.constant dense<{{\[\[\[}}1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00]], {{\[\[}}9.000000e+00, 1.100000e+01, 1.300000e+01, 1.500000e+01], [1.000000e+01, 1.200000e+01, 1.400000e+01, 1.600000e+01]]]> : tensor<2x2x4xf32>
// CHECK-DAG: %[[W2T:.*]] = arith.constant dense<{{\[\[\[}}1.000000e+00, 5.000000e+00], [2.000000e+00, 6.000000e+00], [3.000000e+00, 7.000000e+00], [4.000000e+00, 8.000000e+00]], {{\[\[}}0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]]> : tensor<2x4x2xf32>
// CHECK-NOT: arith.constant
// CHECK: %[[FC1:.*]] = linalg.transpose ins(%[[W1T]] : tensor<2x2x4xf32>) outs(%{{.*}} : tensor<2x4x2xf32>) permutation = [0, 2, 1]
// CHECK: %[[FC2:.*]] = linalg.transpose ins(%[[W2T]] : tensor<2x4x2xf32>) outs(%{{.*}} : tensor<2x2x4xf32>) permutation = [0, 2, 1]
// CHECK: m3sat.moe_ffn %{{.*}} routed by %{{.*}} fc1(%[[FC1]], %{{.*}}) fc2(%[[FC2]])
func.func @routed(%x: tensor<3x2xf32>, %l: tensor<3x2xf32>, %b1: tensor<2x4xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]],
                              [[9.0, 10.0], [11.0, 12.0], [13.0, 14.0], [15.0, 16.0]]]> : tensor<2x4x2xf32>
  %w2 = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]],
                              [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]> : tensor<2x2x4xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1, %b1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x4x2xf32>, tensor<2x4xf32>, tensor<2x2x4xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// One constant shared by two routed layers is transposed once; a constant
// that is also used elsewhere stays for that use.
// CHECK-LABEL: func @shared
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x4x2xf32>
// CHECK-DAG: %[[WT:.*]] = arith.constant dense<{{.*}}> : tensor<2x2x4xf32>
// CHECK-NOT: arith.constant dense
// CHECK: %[[T1:.*]] = linalg.transpose ins(%[[WT]]
// CHECK: m3sat.moe_ffn {{.*}} fc1(%[[T1]]
// CHECK: %[[T2:.*]] = linalg.transpose ins(%[[WT]]
// CHECK: m3sat.moe_ffn {{.*}} fc1(%[[T2]]
// CHECK: "test.use"(%[[W]])
func.func @shared(%x: tensor<3x2xf32>, %l: tensor<3x2xf32>, %w2: tensor<2x2x4xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]],
                              [[9.0, 10.0], [11.0, 12.0], [13.0, 14.0], [15.0, 16.0]]]> : tensor<2x4x2xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x4x2xf32>, tensor<2x2x4xf32>) -> tensor<3x2xf32>
  %z = m3sat.moe_ffn %y routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x4x2xf32>, tensor<2x2x4xf32>) -> tensor<3x2xf32>
  "test.use"(%w1) : (tensor<2x4x2xf32>) -> ()
  return %z : tensor<3x2xf32>
}

// -----

// Weights that are not constants stay; the constant weights of a layer
// with static routing (a fused expert set) are transposed too.
// CHECK-LABEL: func @untouched
// CHECK: %[[C1T:.*]] = arith.constant dense<1.000000e+00> : tensor<2x2x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: m3sat.moe_ffn %{{.*}} routed by %{{.*}} fc1(%{{.*}}) fc2(%{{.*}})
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[C1T]] : tensor<2x2x4xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK-NOT: linalg.transpose
// CHECK: m3sat.moe_ffn %{{.*}} static <{{.*}}> fc1(%[[T]]) fc2(%{{.*}})
// CHECK: return
func.func @untouched(%x: tensor<3x2xf32>, %l: tensor<3x2xf32>, %w1: tensor<2x4x2xf32>, %w2: tensor<2x2x4xf32>) -> tensor<3x2xf32> {
  %c1 = arith.constant dense<1.0> : tensor<2x4x2xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x4x2xf32>, tensor<2x2x4xf32>) -> tensor<3x2xf32>
  %z = m3sat.moe_ffn %y static <experts = [0], weights = [1.0]> fc1(%c1) fc2(%w2)
       : (tensor<3x2xf32>, tensor<2x4x2xf32>, tensor<2x2x4xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// A resource blob stays a resource blob, named after the old one; the
// functions of a module (one per task) that share a weight share its
// transposed blob (one buffer in the bundle), and the old blob goes.
// CHECK-LABEL: func @resource
// CHECK: arith.constant dense_resource<w_in_out> : tensor<1x2x2xf32>
// CHECK-LABEL: func @other_task
// CHECK: arith.constant dense_resource<w_in_out> : tensor<1x2x2xf32>
// CHECK-NOT: w_in_out_
// CHECK: w_in_out: "0x{{........}}0000803F000040400000004000008040"
// CHECK-NOT: w_in_out_
func.func @resource(%x: tensor<3x2xf32>, %l: tensor<3x1xf32>, %w2: tensor<1x2x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense_resource<w> : tensor<1x2x2xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x1xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

func.func @other_task(%x: tensor<3x2xf32>, %l: tensor<3x1xf32>, %w2: tensor<1x2x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense_resource<w> : tensor<1x2x2xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<3x2xf32>, tensor<3x1xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
