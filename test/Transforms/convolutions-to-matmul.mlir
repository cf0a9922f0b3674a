// RUN: m3sat-opt %s -m3sat-convolutions-to-matmul | FileCheck %s

// A ViT patch embedding (kernel = stride = 4): an im2col copy of the
// patches, then one contraction over kh*kw*c = 48 (no convolution left).
// CHECK-LABEL: func @patch_embed
// CHECK-NOT: linalg.conv_2d
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x16x48xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[COLS]], %{{.*}} : tensor<1x16x48xf32>, tensor<8x48xf32>)
// CHECK-NOT: linalg.conv_2d
func.func @patch_embed(%img: tensor<1x16x16x3xf32>, %w: tensor<8x4x4x3xf32>,
                       %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<4> : tensor<2xi64>}
      ins(%img, %w : tensor<1x16x16x3xf32>, tensor<8x4x4x3xf32>)
      outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}
