// RUN: m3sat-opt %s -m3sat-convolutions-to-matmul | FileCheck %s
// RUN: m3sat-opt %s '-m3sat-convolutions-to-matmul=unit-stride=false' | FileCheck %s --check-prefix=KEEP

// Without unit-stride, the unit-stride 3x3 convolution stays (for
// m3sat-convolutions-to-blas); the strided patch embedding still becomes
// im2col and a product.
// KEEP-LABEL: func @patch_embed
// KEEP-NOT: linalg.conv_2d
// KEEP: tensor.collapse_shape
// KEEP-LABEL: func @conv_3x3
// KEEP: linalg.conv_2d_nhwc_fhwc {{.*}}strides = dense<1>
// KEEP-NOT: tensor.collapse_shape
// KEEP-LABEL: func @dilated_3x3

// A ViT patch embedding (kernel = stride = 4): an im2col copy of the
// patches with affine maps over (n, oh, ow, kh, kw, c) (no tensor.extract,
// no div/mod of flattened indices), collapsed to the [1, 16, 48] columns,
// then one contraction over kh*kw*c = 48 (no convolution left).
// CHECK-DAG: #[[IMG4:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 4 + d3, d2 * 4 + d4, d5)>
// CHECK-DAG: #[[ID6:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-DAG: #[[IMG3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK-LABEL: func @patch_embed
// CHECK-NOT: linalg.conv_2d
// CHECK: %[[COPY:.*]] = linalg.generic {indexing_maps = [#[[IMG4]], #[[ID6]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<1x16x16x3xf32>) outs(%{{.*}} : tensor<1x4x4x4x4x3xf32>)
// CHECK-NOT: tensor.extract
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: %[[COLS:.*]] = tensor.collapse_shape %[[COPY]] {{\[\[}}0], [1, 2], [3, 4, 5]] : tensor<1x4x4x4x4x3xf32> into tensor<1x16x48xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[COLS]], %{{.*}} : tensor<1x16x48xf32>, tensor<8x48xf32>)
// CHECK-NOT: linalg.conv_2d
func.func @patch_embed(%img: tensor<1x16x16x3xf32>, %w: tensor<8x4x4x3xf32>,
                       %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<4> : tensor<2xi64>}
      ins(%img, %w : tensor<1x16x16x3xf32>, tensor<8x4x4x3xf32>)
      outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}

// A 3x3 convolution over 16 channels at batch 2 (a head's conv on its
// padded input): image rows oh + kh, columns ow + kw, channels innermost;
// K = 3*3*16 = 144.
// CHECK-LABEL: func @conv_3x3
// CHECK-NOT: linalg.conv_2d
// CHECK: %[[COPY3:.*]] = linalg.generic {indexing_maps = [#[[IMG3]], #[[ID6]]]{{.*}} ins(%{{.*}} : tensor<2x10x10x16xf32>) outs(%{{.*}} : tensor<2x8x8x3x3x16xf32>)
// CHECK: %[[COLS3:.*]] = tensor.collapse_shape %[[COPY3]] {{\[\[}}0], [1, 2], [3, 4, 5]] : tensor<2x8x8x3x3x16xf32> into tensor<2x64x144xf32>
// CHECK: linalg.generic {{.*}} ins(%[[COLS3]], %{{.*}} : tensor<2x64x144xf32>, tensor<4x144xf32>)
func.func @conv_3x3(%img: tensor<2x10x10x16xf32>, %w: tensor<4x3x3x16xf32>,
                       %init: tensor<2x8x8x4xf32>) -> tensor<2x8x8x4xf32> {
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w : tensor<2x10x10x16xf32>, tensor<4x3x3x16xf32>)
      outs(%init : tensor<2x8x8x4xf32>) -> tensor<2x8x8x4xf32>
  return %0 : tensor<2x8x8x4xf32>
}

// Dilated: upstream's im2col does not rewrite it, nor does the affine copy.
// CHECK-LABEL: func @dilated_3x3
// CHECK: linalg.conv_2d_nhwc_fhwc
func.func @dilated_3x3(%img: tensor<1x12x12x16xf32>, %w: tensor<4x3x3x16xf32>,
                       %init: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> {
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w : tensor<1x12x12x16xf32>, tensor<4x3x3x16xf32>)
      outs(%init : tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}
