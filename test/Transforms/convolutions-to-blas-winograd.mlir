// RUN: m3sat-opt %s '-m3sat-convolutions-to-blas=winograd-tile=2' | FileCheck %s
// RUN: m3sat-opt %s '-m3sat-convolutions-to-blas=winograd-tile=4' | FileCheck %s --check-prefix=FOUR
// RUN: m3sat-opt %s -m3sat-convolutions-to-blas | FileCheck %s --check-prefix=OFF
// RUN: not m3sat-opt %s '-m3sat-convolutions-to-blas=winograd-tile=3' 2>&1 | FileCheck %s --check-prefix=BAD

// With winograd-tile, a 3x3 convolution of 16 or more channels in and out
// calls m3sat_swinograd (and asks m3sat_swinograd_parts for its parts) with
// the operands m3sat_sconv would get and the tile size after them; a 3x3
// one of fewer output channels and a 1x3 one keep m3sat_sconv. Without the
// option every one calls m3sat_sconv.
// CHECK-LABEL: func @winograd
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[OH:.*]] = arith.constant 7 : index
// CHECK-DAG: %[[OW:.*]] = arith.constant 9 : index
// CHECK-DAG: %[[C:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[K:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[T:.*]] = arith.constant 2 : index
// The filter is transformed once, into the calling thread's buffer, by
// the same parts (its base address and strides are those m3sat_swinograd
// gets), before the convolution's parts read it.
// CHECK: %[[PARTS:.*]] = call @m3sat_swinograd_parts(%[[N]], %[[OH]], %[[OW]], %[[C]], %[[C]], %[[K]], %[[K]], %[[T]])
// CHECK: %[[U:.*]] = call @m3sat_swinograd_filter_buffer(%[[C]], %[[C]], %[[T]])
// CHECK: scf.parallel (%[[FP:.*]]) = (%{{.*}}) to (%[[PARTS]])
// CHECK: call @m3sat_swinograd_filter(%[[FP]], %[[PARTS]], %[[C]], %[[C]], %[[K]], %[[K]], %[[FB:.*]], %[[FF:.*]], %[[FH:.*]], %[[FW:.*]], %[[T]], %[[U]])
// CHECK: scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%[[PARTS]])
// CHECK: call @m3sat_swinograd(%[[P]], %[[PARTS]], %[[N]], %[[OH]], %[[OW]], %[[C]], %[[C]], %[[K]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[FB]], %[[FF]], %[[FH]], %[[FW]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %[[T]], %[[U]])
// CHECK: call @m3sat_sconv_parts(
// CHECK: call @m3sat_sconv(
// CHECK: call @m3sat_sconv_parts(
// CHECK: call @m3sat_sconv(
// CHECK-NOT: m3sat_swinograd
// CHECK: return
// OFF-LABEL: func @winograd
// OFF-NOT: m3sat_swinograd
// OFF-COUNT-3: call @m3sat_sconv(
// OFF-NOT: m3sat_swinograd
// An image of 2x3 tiles of 4x4 is too small for them: tiles of 2x2.
// FOUR-LABEL: func @winograd
// FOUR: %[[T:.*]] = arith.constant 2 : index
// FOUR: call @m3sat_swinograd({{.*}}, %[[T]], %{{.*}})
func.func @winograd(%img: memref<1x9x11x16xf32>, %w: memref<16x3x3x16xf32>,
                    %o: memref<1x7x9x16xf32>, %w15: memref<15x3x3x16xf32>,
                    %o15: memref<1x7x9x15xf32>, %w13: memref<16x1x3x16xf32>,
                    %o13: memref<1x9x9x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%o : memref<1x7x9x16xf32>)
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w : memref<1x9x11x16xf32>, memref<16x3x3x16xf32>)
      outs(%o : memref<1x7x9x16xf32>)
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w15 : memref<1x9x11x16xf32>, memref<15x3x3x16xf32>)
      outs(%o15 : memref<1x7x9x15xf32>)
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w13 : memref<1x9x11x16xf32>, memref<16x1x3x16xf32>)
      outs(%o13 : memref<1x9x9x16xf32>)
  return
}

// An image of 12x12 = 144 tiles of 4x4: with winograd-tile=4 it gets them.
// CHECK-LABEL: func @large
// CHECK: %[[T:.*]] = arith.constant 2 : index
// CHECK: call @m3sat_swinograd({{.*}}, %[[T]], %{{.*}})
// FOUR-LABEL: func @large
// FOUR: %[[T:.*]] = arith.constant 4 : index
// FOUR: call @m3sat_swinograd_parts({{.*}}, %[[T]])
// FOUR: call @m3sat_swinograd_filter_buffer({{.*}}, %[[T]])
// FOUR: call @m3sat_swinograd_filter({{.*}}, %[[T]], %{{.*}})
// FOUR: call @m3sat_swinograd({{.*}}, %[[T]], %{{.*}})
func.func @large(%img: memref<1x50x50x16xf32>, %w: memref<32x3x3x16xf32>,
                 %o: memref<1x48x48x32xf32>) {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %w : memref<1x50x50x16xf32>, memref<32x3x3x16xf32>)
      outs(%o : memref<1x48x48x32xf32>)
  return
}

// BAD: error: m3sat-convolutions-to-blas: winograd-tile must be 0, 2 or 4, not 3
