// RUN: m3sat-opt %s -m3sat-transpose-expert-weights -m3sat-convert-to-linalg -canonicalize | FileCheck %s

// Expert weights stored (in, out) by m3sat-transpose-expert-weights: the
// products of a static expert set read the (in, out) constant directly,
// its (k, n) element for output column n (the transpose is never
// computed), so that the CPU's SGEMM gets them as "NN".
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @static_in_out
// CHECK-DAG: %[[W1T:.*]] = arith.constant dense<{{.*}}> : tensor<1x2x4xf32>
// CHECK-DAG: %[[W2T:.*]] = arith.constant dense<{{.*}}> : tensor<1x4x2xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[W1T]][0, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<1x2x4xf32> to tensor<2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[KN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[S1]] : tensor<3x2xf32>, tensor<2x4xf32>)
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[W2T]][0, 0, 0] [1, 4, 2] [1, 1, 1] : tensor<1x4x2xf32> to tensor<4x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[KN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[S2]] : tensor<3x4xf32>, tensor<4x2xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @static_in_out(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]]> : tensor<1x4x2xf32>
  %w2 = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]> : tensor<1x2x4xf32>
  %y = m3sat.moe_ffn %x static <experts = [0], weights = [1.0]> fc1(%w1) fc2(%w2)
       : (tensor<3x2xf32>, tensor<1x4x2xf32>, tensor<1x2x4xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
