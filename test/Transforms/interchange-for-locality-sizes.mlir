// RUN: m3sat-opt %s -m3sat-interchange-for-locality | FileCheck %s

// A Resize step along H in NHWC (m3sat-sink-transposes' form): four
// tables of 6 entries indexed by the H loop, one [1, 6, 5, 8] output with
// channels innermost. Votes count elements: the output's 240 outweigh the
// tables' 24, so no interchange (one vote per operand made H innermost,
// writing the output with a stride of 40 floats).
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[NHWC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @resize_step
// CHECK: linalg.generic {indexing_maps = [#[[H]], #[[H]], #[[H]], #[[H]], #[[NHWC]]]
func.func @resize_step(%src: tensor<1x4x5x8xf32>, %i0: tensor<6xi32>, %i1: tensor<6xi32>,
                       %w0: tensor<6xf32>, %w1: tensor<6xf32>) -> tensor<1x6x5x8xf32> {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<1x6x5x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (h)>, affine_map<(n, h, w, c) -> (h)>,
                                        affine_map<(n, h, w, c) -> (h)>, affine_map<(n, h, w, c) -> (h)>,
                                        affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%i0, %i1, %w0, %w1 : tensor<6xi32>, tensor<6xi32>, tensor<6xf32>, tensor<6xf32>) outs(%e : tensor<1x6x5x8xf32>) {
  ^bb0(%a: i32, %b: i32, %wa: f32, %wb: f32, %out: f32):
    %w = linalg.index 2 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %ib = arith.index_cast %b : i32 to index
    %va = tensor.extract %src[%c0, %ia, %w, %c] : tensor<1x4x5x8xf32>
    %vb = tensor.extract %src[%c0, %ib, %w, %c] : tensor<1x4x5x8xf32>
    %pa = arith.mulf %va, %wa : f32
    %pb = arith.mulf %vb, %wb : f32
    %s = arith.addf %pa, %pb : f32
    linalg.yield %s : f32
  } -> tensor<1x6x5x8xf32>
  return %r : tensor<1x6x5x8xf32>
}
