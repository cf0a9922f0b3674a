// RUN: m3sat-opt %s -m3sat-contractions-to-blas -canonicalize -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-contractions-to-blas=epilogues=false -split-input-file | FileCheck %s --check-prefix=OFF

// The elementwise op that reads a product's C moves into the product's
// parts: m3sat_sgemm_epilogue computes D = C * alpha + terms on each band.

// A bias along N (broadcast over M, stride 0 along M and 1 along N), into
// another buffer: alpha 1, one term; the fill of C goes (accumulate 0), the
// generic goes.
// CHECK-DAG: func.func private @m3sat_sgemm_epilogue(index, index, index, index, index, index, index, index, index, index, index, index, index, index, f32, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func @bias
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel
// CHECK: func.call @m3sat_sgemm_epilogue(%{{[^,]+}}, %{{[^,]+}}, %c0, %c0, %c128, %c32, %c64, %{{[^,]+}}, %c64, %{{[^,]+}}, %c32, %c0, %{{[^,]+}}, %c32, %cst, %{{[^,]+}}, %c32, %c1, %[[BIAS:[^,]+]], %c0, %c1, %c0, %c0, %c0)
// CHECK-NOT: linalg.generic
// CHECK: return
// OFF-LABEL: func @bias
// OFF: func.call @m3sat_sgemm(
// OFF: linalg.generic
#id2 = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (0, j)>
func.func @bias(%a: memref<128x64xf32>, %b: memref<64x32xf32>, %bias: memref<1x32xf32>) -> memref<128x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x32xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  %d = memref.alloc() : memref<128x32xf32>
  linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<128x32xf32>, memref<1x32xf32>) outs(%d : memref<128x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return %d : memref<128x32xf32>
}

// -----

// A transformer's residual add after a projection, x + (C + bias), with the
// buffers views of one arena: terms in the order they are added (bias,
// then x), x's strides (32, 1); D is x (the same elements), which is safe
// band by band.
// CHECK-LABEL: func @residual
// CHECK-NOT: linalg.generic
// CHECK: func.call @m3sat_sgemm_epilogue(%{{[^,]+}}, %{{[^,]+}}, %c0, %c0, %c128, %c32, %c64, %{{[^,]+}}, %c64, %{{[^,]+}}, %c32, %c0, %{{[^,]+}}, %c32, %cst, %{{[^,]+}}, %c32, %c2, %{{[^,]+}}, %c0, %c1, %{{[^,]+}}, %c32, %c1)
// CHECK-NOT: linalg.generic
#id3 = affine_map<(b, i, j) -> (b, i, j)>
#row3 = affine_map<(b, i, j) -> (0, 0, j)>
func.func @residual(%arena: memref<65536xi8>, %b: memref<64x32xf32>, %bias: memref<1x1x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %o0 = arith.constant 0 : index
  %o1 = arith.constant 32768 : index
  %o2 = arith.constant 49152 : index
  %a = memref.view %arena[%o0][] : memref<65536xi8> to memref<128x64xf32>
  %c = memref.view %arena[%o1][] : memref<65536xi8> to memref<128x32xf32>
  %x = memref.view %arena[%o2][] : memref<65536xi8> to memref<1x128x32xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x32xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  %c3 = memref.expand_shape %c [[0, 1], [2]] output_shape [1, 128, 32] : memref<128x32xf32> into memref<1x128x32xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %c3, %bias : memref<1x128x32xf32>, memref<1x128x32xf32>, memref<1x1x32xf32>) outs(%x : memref<1x128x32xf32>) {
  ^bb0(%r: f32, %p: f32, %t: f32, %out: f32):
    %s = arith.addf %p, %t : f32
    %y = arith.addf %r, %s : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Attention scores scaled by a constant, read through a reshape: alpha
// 0.125, no terms; the batch of 3 heads is a loop around the call.
// CHECK-LABEL: func @scaled
// CHECK-DAG: %[[EIGHTH:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%{{[^,]+}}, %{{[^)]+}}) = (%c0, %c0) to (%c3,
// CHECK: func.call @m3sat_sgemm_epilogue(%{{[^,]+}}, %{{[^,]+}}, %c0, %c1, %c32, %c32, %c8, %{{[^,]+}}, %c8, %{{[^,]+}}, %c8, %c0, %{{[^,]+}}, %c32, %[[EIGHTH]], %{{[^,]+}}, %c32, %c0, %c0, %c0, %c0, %c0, %c0, %c0)
// CHECK-NOT: linalg.generic
#id4 = affine_map<(a, b, i, j) -> (a, b, i, j)>
func.func @scaled(%q: memref<3x32x8xf32>, %k: memref<3x32x8xf32>, %d: memref<1x3x32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %eighth = arith.constant 0.125 : f32
  %s = memref.alloc() : memref<3x32x32xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<3x32x32xf32>)
  linalg.batch_matmul indexing_maps = [
      affine_map<(b, m, n, d) -> (b, m, d)>,
      affine_map<(b, m, n, d) -> (b, n, d)>,
      affine_map<(b, m, n, d) -> (b, m, n)>]
      ins(%q, %k : memref<3x32x8xf32>, memref<3x32x8xf32>) outs(%s : memref<3x32x32xf32>)
  %s4 = memref.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 3, 32, 32] : memref<3x32x32xf32> into memref<1x3x32x32xf32>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s4 : memref<1x3x32x32xf32>) outs(%d : memref<1x3x32x32xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.mulf %x, %eighth : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Left as a separate loop: D shares bytes with A (other parts still read
// A); the body is not C * alpha + terms (C * C, erf); something with
// memory effects comes between; C is read transposed; three terms.
// CHECK-LABEL: func @kept
// CHECK-NOT: m3sat_sgemm_epilogue
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: m3sat_sgemm_epilogue
#id2 = affine_map<(i, j) -> (i, j)>
#t2 = affine_map<(i, j) -> (j, i)>
func.func @kept(%arena: memref<65536xi8>, %b: memref<64x32xf32>, %e: memref<128x32xf32>, %f: memref<32x128xf32>) -> f32 {
  %o0 = arith.constant 0 : index
  %o1 = arith.constant 32768 : index
  %i = arith.constant 0 : index
  %a = memref.view %arena[%o0][] : memref<65536xi8> to memref<128x64xf32>
  %c = memref.view %arena[%o1][] : memref<65536xi8> to memref<128x32xf32>
  %over = memref.view %arena[%o0][] : memref<65536xi8> to memref<128x32xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x32xf32>) outs(%over : memref<128x32xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x32xf32>) outs(%e : memref<128x32xf32>) {
  ^bb0(%x: f32, %out: f32):
    %sq = arith.mulf %x, %x : f32
    %er = math.erf %sq : f32
    linalg.yield %er : f32
  }
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  %seen = memref.load %c[%i, %i] : memref<128x32xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x32xf32>) outs(%e : memref<128x32xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  linalg.generic {indexing_maps = [#t2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x32xf32>) outs(%f : memref<32x128xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  }
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  linalg.generic {indexing_maps = [#id2, #id2, #id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c, %e, %e, %e : memref<128x32xf32>, memref<128x32xf32>, memref<128x32xf32>, memref<128x32xf32>) outs(%e : memref<128x32xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32, %w: f32, %out: f32):
    %s1 = arith.addf %x, %y : f32
    %s2 = arith.addf %s1, %z : f32
    %s3 = arith.addf %s2, %w : f32
    linalg.yield %s3 : f32
  }
  return %seen : f32
}
