// RUN: m3sat-opt %s -m3sat-convert-to-linalg -split-input-file | FileCheck %s

// 4-bit codes with block scales and zero points: one elementwise generic
// that reads byte c / 2 of a row, scale c / 16 and the zero point of that
// block (two per byte), and picks the nibbles from the loop indices.
// CHECK-DAG: #[[CODES:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2 floordiv 2)>
// CHECK-DAG: #[[SCALES:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2 floordiv 16)>
// CHECK-DAG: #[[ZEROS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, (d2 floordiv 16) floordiv 2)>
// CHECK-LABEL: func @block4
// CHECK-NOT: m3sat.dequantize
// CHECK: linalg.generic {indexing_maps = [#[[CODES]], #[[SCALES]], #[[ZEROS]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK:   arith.shrui
// CHECK:   arith.andi
// CHECK:   arith.shrui
// CHECK:   arith.andi
// CHECK:   arith.uitofp
// CHECK:   arith.uitofp
// CHECK:   arith.subf
// CHECK:   arith.mulf
func.func @block4(%q: tensor<2x4x16xi8>, %s: tensor<2x4x2xf32>, %z: tensor<2x4x1xi8>) -> tensor<2x4x32xf32> {
  %w = m3sat.dequantize %q scales %s zero_points %z bits = 4 block_size = 16
      : (tensor<2x4x16xi8>, tensor<2x4x2xf32>, tensor<2x4x1xi8>) -> tensor<2x4x32xf32>
  return %w : tensor<2x4x32xf32>
}

// -----

// 8-bit codes per row without zero points: the zero point is 128.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @row8
// CHECK: %[[ZP:.*]] = arith.constant 1.280000e+02 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #{{.*}}]
// CHECK:   %[[CODE:.*]] = arith.extui
// CHECK-NOT: arith.shrui
// CHECK:   %[[Q:.*]] = arith.uitofp %[[CODE]]
// CHECK:   arith.subf %[[Q]], %[[ZP]]
func.func @row8(%q: tensor<2x4x8xi8>, %s: tensor<2x4xf32>) -> tensor<2x4x8xf32> {
  %w = m3sat.dequantize %q scales %s bits = 8
      : (tensor<2x4x8xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  return %w : tensor<2x4x8xf32>
}

// -----

// Token routing: each expert's product with quantized weights is one
// contraction over (m, n, k) that dequantizes weight (n, k) in its body
// from that expert's codes and scales (m3sat.quantized_matmul, which the
// CPU pipeline runs as m3sat_qgemm), only for an expert with rows; no float
// weights are built, neither [E, N, K] nor one expert's [N, K].
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @grouped
// CHECK-NOT: tensor<4x8x32xf32>
// CHECK-NOT: tensor<8x32xf32>
// CHECK: scf.for
// CHECK:   %[[ROWS:.*]] = arith.cmpi sgt
// CHECK:   scf.if %[[ROWS]]
// CHECK:     %[[CODES:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xi8> to tensor<8x16xi8>
// CHECK:     %[[SCALES:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
// CHECK:     linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[S]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:  ins(%{{.*}}, %[[CODES]], %[[SCALES]] : tensor<?x32xf32>, tensor<8x16xi8>, tensor<8xf32>)
// CHECK-SAME:  attrs = {m3sat.quantized_matmul = {bits = 4 : i64, block_size = 0 : i64}}
// CHECK:       arith.shrui
// CHECK:       arith.andi
// CHECK:       arith.subf
// CHECK:       arith.mulf
// CHECK:       arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK:       arith.addf {{.*}} fastmath<reassoc,contract>
// CHECK:   } else {
// CHECK-NOT: tensor<4x8x32xf32>
// CHECK: return
func.func @grouped(%rows: tensor<12x32xf32>, %q: tensor<4x8x16xi8>, %s: tensor<4x8xf32>, %offsets: tensor<5xi64>) -> tensor<12x8xf32> {
  %w = m3sat.dequantize %q scales %s bits = 4
      : (tensor<4x8x16xi8>, tensor<4x8xf32>) -> tensor<4x8x32xf32>
  %y = m3sat.grouped_matmul %rows, %w, %offsets
      : (tensor<12x32xf32>, tensor<4x8x32xf32>, tensor<5xi64>) -> tensor<12x8xf32>
  return %y : tensor<12x8xf32>
}

// -----

// Static routing: each kept expert's two products dequantize their
// weights in their bodies (8-bit, block scales and zero points: the zero
// point of block k / 16, one per byte).
// CHECK-DAG: #[[BW:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[BS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
// CHECK-LABEL: func @static
// CHECK-NOT: tensor<2x64x32xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BW]], #[[BS]], #[[BS]], #{{.*}}]
// CHECK-SAME: attrs = {m3sat.quantized_matmul = {bits = 8 : i64, block_size = 16 : i64}}
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BW]], #[[BS]], #[[BS]], #{{.*}}]
// CHECK-SAME: attrs = {m3sat.quantized_matmul = {bits = 8 : i64, block_size = 16 : i64}}
// CHECK-NOT: m3sat.dequantize
func.func @static(%x: tensor<1x5x32xf32>, %q1: tensor<2x64x32xi8>, %s1: tensor<2x64x2xf32>, %z1: tensor<2x64x2xi8>, %q2: tensor<2x32x64xi8>, %s2: tensor<2x32x4xf32>, %z2: tensor<2x32x4xi8>) -> tensor<1x5x32xf32> {
  %w1 = m3sat.dequantize %q1 scales %s1 zero_points %z1 bits = 8 block_size = 16
      : (tensor<2x64x32xi8>, tensor<2x64x2xf32>, tensor<2x64x2xi8>) -> tensor<2x64x32xf32>
  %w2 = m3sat.dequantize %q2 scales %s2 zero_points %z2 bits = 8 block_size = 16
      : (tensor<2x32x64xi8>, tensor<2x32x4xf32>, tensor<2x32x4xi8>) -> tensor<2x32x64xf32>
  %y = m3sat.moe_ffn %x static <experts = [1], weights = [1.0]>
         fc1(%w1) fc2(%w2) k = 1 activation = relu
       : (tensor<1x5x32xf32>, tensor<2x64x32xf32>, tensor<2x32x64xf32>) -> tensor<1x5x32xf32>
  return %y : tensor<1x5x32xf32>
}
