// RUN: m3sat-opt %s -m3sat-convolutions-to-blas | FileCheck %s
// RUN: m3sat-opt %s '-m3sat-convolutions-to-blas=parallel=false' | FileCheck %s --check-prefix=SEQ

#img = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>
#flt = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, d6)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>

// A generalized 3x3 convolution of a padded [2, 10, 12, 16] image into a
// zero-filled [2, 8, 10, 4] output: the fill goes (accumulate 0) and the
// parts the runtime asks for run in one scf.parallel, each calling
// m3sat_sconv(part, parts, N, OH, OW, F, C, KH, KW, image, its N/H/W
// strides, filter, ..., output, ..., accumulate).
// CHECK-LABEL: func @conv_3x3_zero
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[OH:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[OW:.*]] = arith.constant 10 : index
// CHECK-DAG: %[[F:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[K:.*]] = arith.constant 3 : index
// CHECK: %[[PARTS:.*]] = call @m3sat_sconv_parts(%[[N]], %[[OH]], %[[OW]], %[[F]], %[[C]], %[[K]], %[[K]])
// CHECK: scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%[[PARTS]])
// CHECK: call @m3sat_sconv(%[[P]], %[[PARTS]], %[[N]], %[[OH]], %[[OW]], %[[F]], %[[C]], %[[K]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]])
// CHECK-NOT: linalg.generic
// CHECK: return
// SEQ-LABEL: func @conv_3x3_zero
// SEQ-NOT: m3sat_sconv_parts
// SEQ: scf.for
// SEQ: call @m3sat_sconv(
func.func @conv_3x3_zero(%img: memref<2x10x12x16xf32>, %w: memref<4x3x3x16xf32>,
                         %o: memref<2x8x10x4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%o : memref<2x8x10x4xf32>)
  linalg.generic {indexing_maps = [#img, #flt, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%img, %w : memref<2x10x12x16xf32>, memref<4x3x3x16xf32>)
      outs(%o : memref<2x8x10x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %s = arith.addf %acc, %m fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  }
  return
}

// The named op into an output that holds a bias (no zero fill): the
// convolution adds to it (accumulate 1). The image is a view with a row
// pitch of 12 pixels inside a larger buffer: its strides are passed on.
// CHECK-LABEL: func @conv_named_bias
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:4, %[[STRIDES:.*]]:4 = memref.extract_strided_metadata %arg0
// CHECK: call @m3sat_sconv({{.*}}, %[[STRIDES]]#0, %[[STRIDES]]#1, %[[STRIDES]]#2, {{.*}}, %[[ONE]])
// CHECK-NOT: linalg.conv_2d
func.func @conv_named_bias(%img: memref<1x6x6x8xf32, strided<[864, 96, 8, 1], offset: 13>>,
                           %w: memref<5x3x3x8xf32>, %o: memref<1x4x4x5xf32>) {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w : memref<1x6x6x8xf32, strided<[864, 96, 8, 1], offset: 13>>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>)
  return
}

// Loops in another order (the window loops first): still a convolution.
// CHECK-LABEL: func @conv_interchanged
// CHECK: call @m3sat_sconv(
// CHECK-NOT: linalg.generic
#img2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d2, d3 + d0, d4 + d1, d6)>
#flt2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d5, d0, d1, d6)>
#out2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d2, d3, d4, d5)>
func.func @conv_interchanged(%img: memref<1x6x6x8xf32>, %w: memref<5x3x3x8xf32>,
                             %o: memref<1x4x4x5xf32>) {
  linalg.generic {indexing_maps = [#img2, #flt2, #out2],
                  iterator_types = ["reduction", "reduction", "parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%img, %w : memref<1x6x6x8xf32>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone: a strided convolution, a dilated one, channels that are not
// contiguous, a body that is not a multiply-add, and tensors.
// CHECK-LABEL: func @not_convertible
// CHECK-NOT: m3sat_sconv
// CHECK: linalg.conv_2d_nhwc_fhwc {{.*}}strides = dense<2>
// CHECK: linalg.conv_2d_nhwc_fhwc {{.*}}dilations = dense<2>
// CHECK: linalg.generic
// CHECK: strided<[576, 96, 16, 2]>
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK: linalg.conv_2d_nhwc_fhwc {{.*}}tensor<
// CHECK-NOT: m3sat_sconv
// CHECK: return
func.func @not_convertible(%img: memref<1x9x9x8xf32>, %w: memref<5x3x3x8xf32>,
                           %o: memref<1x4x4x5xf32>,
                           %cols: memref<1x6x6x8xf32, strided<[576, 96, 16, 2]>>,
                           %t: tensor<1x6x6x8xf32>, %tw: tensor<5x3x3x8xf32>,
                           %to: tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32> {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%img, %w : memref<1x9x9x8xf32>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>)
  %sub = memref.subview %img[0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1]
      : memref<1x9x9x8xf32> to memref<1x8x8x8xf32, strided<[648, 72, 8, 1]>>
  linalg.conv_2d_nhwc_fhwc {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%sub, %w : memref<1x8x8x8xf32, strided<[648, 72, 8, 1]>>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>)
  linalg.generic {indexing_maps = [#img, #flt, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%cols, %w : memref<1x6x6x8xf32, strided<[576, 96, 16, 2]>>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#img, #flt, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%img, %w : memref<1x9x9x8xf32>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.maximumf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#img, #flt, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%img, %w : memref<1x9x9x8xf32>, memref<5x3x3x8xf32>)
      outs(%o : memref<1x4x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.subf %acc, %m : f32
    linalg.yield %s : f32
  }
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%t, %tw : tensor<1x6x6x8xf32>, tensor<5x3x3x8xf32>)
      outs(%to : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  return %r : tensor<1x4x4x5xf32>
}
