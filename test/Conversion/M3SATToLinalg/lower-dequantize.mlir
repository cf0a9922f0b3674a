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

// Token routing: the quantized weights of a grouped matmul are dequantized
// one expert at a time inside its loop, and only for an expert with rows;
// the whole [E, M, K] float tensor is never built.
// CHECK-LABEL: func @grouped
// CHECK-NOT: tensor<4x8x32xf32>
// CHECK: scf.for
// CHECK:   %[[ROWS:.*]] = arith.cmpi sgt
// CHECK:   scf.if %[[ROWS]]
// CHECK:     tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xi8> to tensor<1x8x16xi8>
// CHECK:     linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x32xf32>)
// CHECK:     tensor.collapse_shape {{.*}} into tensor<8x32xf32>
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
