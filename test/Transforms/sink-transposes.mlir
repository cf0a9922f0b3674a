// RUN: m3sat-opt %s -m3sat-sink-transposes | FileCheck %s

#t = affine_map<(d0, d1, d2, d3) -> (d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// A head stage of an NCHW model: the NHWC convolution's output goes back
// to NCHW, through a ReLU (clamp) and a Resize step along H (extracts at
// table indices), and into NHWC again for the next convolution. Both
// transposes go; the clamp and the Resize step run in NHWC: the step's
// tables are read along the new loop 1 (H), its linalg.index 1 (C) is now
// loop 3, and it extracts the clamp's NHWC result at (n, index, w, c).
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @stage
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x8xf32>
// CHECK-NOT: tosa.transpose
// CHECK: %[[R:.*]] = tosa.clamp %[[X]] {{.*}} -> tensor<1x4x5x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x6x5x8xf32>
// CHECK: %[[UP:.*]] = linalg.generic {indexing_maps = [#[[H]], #[[H]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<6xi32>, tensor<6xf32>) outs(%[[E]] : tensor<1x6x5x8xf32>)
// CHECK: %[[C:.*]] = linalg.index 3 : index
// CHECK: %[[W:.*]] = linalg.index 2 : index
// CHECK: %[[I:.*]] = arith.index_cast
// CHECK: tensor.extract %[[R]][%{{.*}}, %[[I]], %[[W]], %[[C]]] : tensor<1x4x5x8xf32>
// CHECK-NOT: tosa.transpose
// CHECK: return %[[UP]] : tensor<1x6x5x8xf32>
func.func @stage(%x: tensor<1x4x5x8xf32>, %idx: tensor<6xi32>, %wt: tensor<6xf32>) -> tensor<1x6x5x8xf32> {
  %c0 = arith.constant 0 : index
  %nchw = tosa.transpose %x {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x5x8xf32>) -> tensor<1x8x4x5xf32>
  %relu = tosa.clamp %nchw {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x8x4x5xf32>) -> tensor<1x8x4x5xf32>
  %e = tensor.empty() : tensor<1x8x6x5xf32>
  %up = linalg.generic {indexing_maps = [#t, #t, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%idx, %wt : tensor<6xi32>, tensor<6xf32>) outs(%e : tensor<1x8x6x5xf32>) {
  ^bb0(%i: i32, %w: f32, %out: f32):
    %ch = linalg.index 1 : index
    %col = linalg.index 3 : index
    %ii = arith.index_cast %i : i32 to index
    %v = tensor.extract %relu[%c0, %ch, %ii, %col] : tensor<1x8x4x5xf32>
    %m = arith.mulf %v, %w : f32
    linalg.yield %m : f32
  } -> tensor<1x8x6x5xf32>
  %nhwc = tosa.transpose %up {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x8x6x5xf32>) -> tensor<1x6x5x8xf32>
  return %nhwc : tensor<1x6x5x8xf32>
}

// Left alone: a chain that does not end in the inverse transpose (the
// transpose stays where the NCHW result is returned), and a value used
// twice.
// CHECK-LABEL: func @no_inverse
// CHECK: tosa.transpose %{{.*}} {perms = array<i32: 0, 3, 1, 2>}
// CHECK: tosa.clamp {{.*}} -> tensor<1x8x4x5xf32>
func.func @no_inverse(%x: tensor<1x4x5x8xf32>) -> tensor<1x8x4x5xf32> {
  %nchw = tosa.transpose %x {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x5x8xf32>) -> tensor<1x8x4x5xf32>
  %relu = tosa.clamp %nchw {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x8x4x5xf32>) -> tensor<1x8x4x5xf32>
  return %relu : tensor<1x8x4x5xf32>
}

// CHECK-LABEL: func @two_users
// CHECK-COUNT-2: tosa.transpose
func.func @two_users(%x: tensor<1x4x5x8xf32>) -> (tensor<1x4x5x8xf32>, tensor<1x8x4x5xf32>) {
  %nchw = tosa.transpose %x {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x5x8xf32>) -> tensor<1x8x4x5xf32>
  %relu = tosa.clamp %nchw {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x8x4x5xf32>) -> tensor<1x8x4x5xf32>
  %back = tosa.transpose %relu {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x8x4x5xf32>) -> tensor<1x4x5x8xf32>
  return %back, %relu : tensor<1x4x5x8xf32>, tensor<1x8x4x5xf32>
}
