// RUN: m3sat-opt %s -m3sat-pointwise-conv-before-resize -split-input-file | FileCheck %s

// A bilinear x2 Resize (half_pixel: the weights of each output position sum
// to 1) along H, then W, of 4 channels, then a 1x1 convolution to 2 with a
// bias: the convolution runs first at 2x2, the Resize interpolates 2
// channels, and the transposes around the old convolution are gone.
// CHECK-LABEL: func @bilinear
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x2x2xf32>
// CHECK: %[[T:.*]] = tosa.transpose %[[X]] {perms = array<i32: 0, 2, 3, 1>}
// CHECK: %[[C:.*]] = tosa.conv2d %[[T]], {{.*}} -> tensor<1x2x2x2xf32>
// CHECK: %[[B:.*]] = tosa.transpose %[[C]] {perms = array<i32: 0, 3, 1, 2>}
// CHECK: %[[H:.*]] = linalg.generic
// CHECK: tensor.extract %[[B]]
// CHECK: -> tensor<1x2x4x2xf32>
// CHECK: %[[W:.*]] = linalg.generic
// CHECK: tensor.extract %[[H]]
// CHECK: -> tensor<1x2x4x4xf32>
// CHECK-NOT: tosa.transpose
// CHECK: return %[[W]]
#h = affine_map<(d0, d1, d2, d3) -> (d2)>
#w = affine_map<(d0, d1, d2, d3) -> (d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @bilinear(%x: tensor<1x4x2x2xf32>, %k: tensor<2x1x1x4xf32>) -> tensor<1x2x4x4xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 0, 1]> : tensor<4xi32>
  %i1 = arith.constant dense<[0, 1, 1, 1]> : tensor<4xi32>
  %w0 = arith.constant dense<[1.0, 0.75, 0.25, 0.0]> : tensor<4xf32>
  %w1 = arith.constant dense<[0.0, 0.25, 0.75, 1.0]> : tensor<4xf32>
  %bias = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x4x4x2xf32>
  %r0 = linalg.generic {indexing_maps = [#h, #h, #h, #h, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0, %i1, %w0, %w1 : tensor<4xi32>, tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) outs(%e0 : tensor<1x4x4x2xf32>) {
  ^bb0(%a: i32, %b: i32, %wa: f32, %wb: f32, %out: f32):
    %c = linalg.index 1 : index
    %wi = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %c, %ia, %wi] : tensor<1x4x2x2xf32>
    %ma = arith.mulf %va, %wa : f32
    %ib = arith.index_cast %b : i32 to index
    %vb = tensor.extract %x[%c0, %c, %ib, %wi] : tensor<1x4x2x2xf32>
    %mb = arith.mulf %vb, %wb : f32
    %s = arith.addf %ma, %mb : f32
    linalg.yield %s : f32
  } -> tensor<1x4x4x2xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %r1 = linalg.generic {indexing_maps = [#w, #w, #w, #w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0, %i1, %w0, %w1 : tensor<4xi32>, tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) outs(%e1 : tensor<1x4x4x4xf32>) {
  ^bb0(%a: i32, %b: i32, %wa: f32, %wb: f32, %out: f32):
    %c = linalg.index 1 : index
    %hi = linalg.index 2 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %r0[%c0, %c, %hi, %ia] : tensor<1x4x4x2xf32>
    %ma = arith.mulf %va, %wa : f32
    %ib = arith.index_cast %b : i32 to index
    %vb = tensor.extract %r0[%c0, %c, %hi, %ib] : tensor<1x4x4x2xf32>
    %mb = arith.mulf %vb, %wb : f32
    %s = arith.addf %ma, %mb : f32
    linalg.yield %s : f32
  } -> tensor<1x4x4x4xf32>
  %t = tosa.transpose %r1 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = tosa.conv2d %t, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<2x1x1x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %o = tosa.transpose %y {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// Nearest (one tap of weight 1) along W of an NHWC map, read directly by
// the convolution: moved, no transposes needed.
// CHECK-LABEL: func @nearest_nhwc
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x2x4xf32>
// CHECK-NOT: tosa.transpose
// CHECK: %[[C:.*]] = tosa.conv2d %[[X]], {{.*}} -> tensor<1x2x2x3xf32>
// CHECK: %[[W:.*]] = linalg.generic
// CHECK: tensor.extract %[[C]]
// CHECK: -> tensor<1x2x4x3xf32>
// CHECK: return %[[W]]
#w = affine_map<(d0, d1, d2, d3) -> (d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @nearest_nhwc(%x: tensor<1x2x2x4xf32>, %k: tensor<3x1x1x4xf32>, %bias: tensor<3xf32>) -> tensor<1x2x4x3xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %r0 = linalg.generic {indexing_maps = [#w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0 : tensor<4xi32>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: i32, %out: f32):
    %hi = linalg.index 1 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %hi, %ia, %c] : tensor<1x2x2x4xf32>
    linalg.yield %va : f32
  } -> tensor<1x2x4x4xf32>
  %y = tosa.conv2d %r0, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x1x1x4xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4x3xf32>
  return %y : tensor<1x2x4x3xf32>
}

// -----

// As many output channels as input channels: nothing to gain, left alone.
// CHECK-LABEL: func @not_fewer_channels
// CHECK: linalg.generic
// CHECK: -> tensor<1x2x4x4xf32>
// CHECK: tosa.conv2d %{{.*}} -> tensor<1x2x4x4xf32>
#w = affine_map<(d0, d1, d2, d3) -> (d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @not_fewer_channels(%x: tensor<1x2x2x4xf32>, %k: tensor<4x1x1x4xf32>, %bias: tensor<4xf32>) -> tensor<1x2x4x4xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %r0 = linalg.generic {indexing_maps = [#w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0 : tensor<4xi32>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: i32, %out: f32):
    %hi = linalg.index 1 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %hi, %ia, %c] : tensor<1x2x2x4xf32>
    linalg.yield %va : f32
  } -> tensor<1x2x4x4xf32>
  %y = tosa.conv2d %r0, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Weights that do not sum to 1 (here 2 per position) with a bias: the bias
// would be scaled by the Resize, so left alone. With a zero bias the same
// map commutes and moves.
// CHECK-LABEL: func @weights_not_one
// CHECK: linalg.generic
// CHECK: -> tensor<1x2x4x4xf32>
// CHECK: tosa.conv2d %{{.*}} -> tensor<1x2x4x3xf32>
// CHECK-LABEL: func @weights_not_one_zero_bias
// CHECK: tosa.conv2d %{{.*}} -> tensor<1x2x2x3xf32>
// CHECK: linalg.generic
// CHECK: -> tensor<1x2x4x3xf32>
#w = affine_map<(d0, d1, d2, d3) -> (d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @weights_not_one(%x: tensor<1x2x2x4xf32>, %k: tensor<3x1x1x4xf32>) -> tensor<1x2x4x3xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
  %w0 = arith.constant dense<2.0> : tensor<4xf32>
  %bias = arith.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %r0 = linalg.generic {indexing_maps = [#w, #w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0, %w0 : tensor<4xi32>, tensor<4xf32>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: i32, %wa: f32, %out: f32):
    %hi = linalg.index 1 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %hi, %ia, %c] : tensor<1x2x2x4xf32>
    %ma = arith.mulf %va, %wa : f32
    linalg.yield %ma : f32
  } -> tensor<1x2x4x4xf32>
  %y = tosa.conv2d %r0, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x1x1x4xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4x3xf32>
  return %y : tensor<1x2x4x3xf32>
}
func.func @weights_not_one_zero_bias(%x: tensor<1x2x2x4xf32>, %k: tensor<3x1x1x4xf32>) -> tensor<1x2x4x3xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
  %w0 = arith.constant dense<2.0> : tensor<4xf32>
  %bias = arith.constant dense<0.0> : tensor<3xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %r0 = linalg.generic {indexing_maps = [#w, #w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0, %w0 : tensor<4xi32>, tensor<4xf32>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: i32, %wa: f32, %out: f32):
    %hi = linalg.index 1 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %hi, %ia, %c] : tensor<1x2x2x4xf32>
    %ma = arith.mulf %va, %wa : f32
    linalg.yield %ma : f32
  } -> tensor<1x2x4x4xf32>
  %y = tosa.conv2d %r0, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x1x1x4xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4x3xf32>
  return %y : tensor<1x2x4x3xf32>
}

// -----

// tf_crop_and_resize's extrapolation (a select of a fill value) is not a
// convex combination: left alone.
// CHECK-LABEL: func @extrapolating
// CHECK: linalg.generic
// CHECK: arith.select
// CHECK: -> tensor<1x2x4x4xf32>
// CHECK: tosa.conv2d %{{.*}} -> tensor<1x2x4x3xf32>
#w = affine_map<(d0, d1, d2, d3) -> (d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @extrapolating(%x: tensor<1x2x2x4xf32>, %k: tensor<3x1x1x4xf32>, %bias: tensor<3xf32>) -> tensor<1x2x4x3xf32> {
  %c0 = arith.constant 0 : index
  %i0 = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
  %m = arith.constant dense<[true, false, false, false]> : tensor<4xi1>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf32>
  %r0 = linalg.generic {indexing_maps = [#w, #w, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%i0, %m : tensor<4xi32>, tensor<4xi1>) outs(%e0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: i32, %mask: i1, %out: f32):
    %hi = linalg.index 1 : index
    %c = linalg.index 3 : index
    %ia = arith.index_cast %a : i32 to index
    %va = tensor.extract %x[%c0, %hi, %ia, %c] : tensor<1x2x2x4xf32>
    %fill = arith.constant 5.0 : f32
    %v = arith.select %mask, %fill, %va : f32
    linalg.yield %v : f32
  } -> tensor<1x2x4x4xf32>
  %y = tosa.conv2d %r0, %k, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x1x1x4xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4x3xf32>
  return %y : tensor<1x2x4x3xf32>
}
