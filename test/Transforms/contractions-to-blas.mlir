// RUN: m3sat-opt %s -m3sat-contractions-to-blas -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-contractions-to-blas=parallel=false -split-input-file | FileCheck %s --check-prefix=SEQ
// RUN: m3sat-opt %s -m3sat-contractions-to-blas -canonicalize -split-input-file | FileCheck %s --check-prefix=ACC

// C[m, n] += A[m, k] * B[k, n], loops in i-k-j order: no transposes,
// leading dimensions from the strides; the runtime says into how many parts
// the product splits, and a parallel loop computes the parts.
// C is not known to be zero: accumulate = 1.
// CHECK-DAG: func.func private @m3sat_sgemm(index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-DAG: func.func private @m3sat_sgemm_parts(index, index, index) -> index
// CHECK-LABEL: func @matmul
// CHECK: %[[M:.*]] = memref.dim %arg0, %{{.*}}
// CHECK: %[[K:.*]] = memref.dim %arg0, %{{.*}}
// CHECK: %[[N:.*]] = memref.dim %arg1, %{{.*}}
// CHECK: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[PARTS:.*]] = call @m3sat_sgemm_parts(%[[M]], %[[N]], %[[K]]) : (index, index, index) -> index
// CHECK: scf.parallel (%[[PART:.*]]) = (%{{.*}}) to (%[[PARTS]]) step (%{{.*}}) {
// CHECK: func.call @m3sat_sgemm(%[[PART]], %[[PARTS]], %[[ZERO]], %{{.*}}, %[[M]], %[[N]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}) : (index, index, index, index, index, index, index, index, index, index, index, index, index, index) -> ()
// CHECK-NOT: linalg.generic

// Without parallel: one part, in a sequential loop.
// SEQ-LABEL: func @matmul
// SEQ-NOT: m3sat_sgemm_parts
// SEQ: scf.for %[[PART:.*]] = %{{.*}} to %[[ONE:[^ ]*]] step
// SEQ: func.call @m3sat_sgemm(%[[PART]], %[[ONE]],
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @matmul(%a: memref<128x64xf32>, %b: memref<64x32xf32>, %c: memref<128x32xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Batched, with B read transposed (Q K^T): the batch and the parts in one
// parallel loop around the call, which gets transB = 1.
// CHECK-LABEL: func @batch_transposed
// CHECK: %[[PARTS:.*]] = call @m3sat_sgemm_parts
// CHECK: scf.parallel (%{{.*}}, %[[PART:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[PARTS]])
// CHECK: func.call @m3sat_sgemm(%[[PART]], %[[PARTS]], %c0{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}},
// CHECK-NOT: linalg.batch_matmul
func.func @batch_transposed(%q: memref<3x32x8xf32>, %k: memref<3x32x8xf32>, %s: memref<3x32x32xf32>) {
  linalg.batch_matmul indexing_maps = [
      affine_map<(b, m, n, d) -> (b, m, d)>,
      affine_map<(b, m, n, d) -> (b, n, d)>,
      affine_map<(b, m, n, d) -> (b, m, n)>]
      ins(%q, %k : memref<3x32x8xf32>, memref<3x32x8xf32>) outs(%s : memref<3x32x32xf32>)
  return
}

// -----

// Neither of A's dimensions has unit stride: left alone.
// CHECK-LABEL: func @strided
// CHECK: linalg.matmul
// CHECK-NOT: call
func.func @strided(%a: memref<32x32xf32, strided<[64, 2]>>, %b: memref<32x32xf32>, %c: memref<32x32xf32>) {
  linalg.matmul ins(%a, %b : memref<32x32xf32, strided<[64, 2]>>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  return
}

// -----

// Too small to be worth a call (M*N*K < 4096).
// CHECK-LABEL: func @tiny
// CHECK: linalg.matmul
func.func @tiny(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}

// -----

// A fresh result: zero-filled right before the product (side-effect free
// ops in between). The fill goes and the kernel overwrites C
// (accumulate = 0; constants uniqued by -canonicalize).
// ACC-LABEL: func @zero_filled
// ACC-NOT: linalg.fill
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c0, %intptr_{{[0-9]+}}, %c32)
// ACC-NOT: linalg.fill
// ACC: return %alloc :
func.func @zero_filled(%a: memref<128x64xf32>, %b: memref<64x32xf32>) -> memref<128x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x32xf32>)
  %one = arith.constant 1 : index
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  return %c : memref<128x32xf32>
}

// -----

// The same with the fill generalized (what bufferization leaves after named
// ops were generalized for fusion): a generic without inputs.
// ACC-LABEL: func @zero_filled_generic
// ACC-NOT: linalg.generic
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c0, %intptr_{{[0-9]+}}, %c32)
#id2 = affine_map<(i, j) -> (i, j)>
func.func @zero_filled_generic(%a: memref<128x64xf32>, %b: memref<64x32xf32>) -> memref<128x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<128x32xf32>
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%c : memref<128x32xf32>) {
  ^bb0(%out: f32):
    linalg.yield %zero : f32
  }
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c : memref<128x32xf32>)
  return %c : memref<128x32xf32>
}

// -----

// The fill stays, and C is accumulated into, when: the fill is not +0.0;
// something reads C between fill and product; the fill writes another
// buffer; the product reads C as an input.
// ACC-LABEL: func @fills_kept
// ACC: linalg.fill ins(%cst_0 : f32) outs(%alloc : memref<128x32xf32>)
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c1, %intptr_{{[0-9]+}}, %c{{32|64}})
// ACC: linalg.fill ins(%cst : f32) outs(%[[C2:alloc_[0-9]+]] :
// ACC: memref.load %[[C2]]
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c1, %intptr_{{[0-9]+}}, %c{{32|64}})
// ACC: linalg.fill ins(%cst : f32) outs(%[[OTHER:alloc_[0-9]+]] :
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c1, %intptr_{{[0-9]+}}, %c{{32|64}})
// ACC: linalg.fill ins(%cst : f32) outs(%arg2 :
// ACC: func.call @m3sat_sgemm(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c1, %intptr_{{[0-9]+}}, %c{{32|64}})
func.func @fills_kept(%a: memref<128x64xf32>, %b: memref<64x32xf32>, %sq: memref<64x64xf32>) -> (memref<128x32xf32>, f32, memref<128x32xf32>, memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %negzero = arith.constant -0.0 : f32
  %i = arith.constant 0 : index
  %c1 = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%negzero : f32) outs(%c1 : memref<128x32xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c1 : memref<128x32xf32>)
  %c2 = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<128x32xf32>)
  %seen = memref.load %c2[%i, %i] : memref<128x32xf32>
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c2 : memref<128x32xf32>)
  %other = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%zero : f32) outs(%other : memref<128x32xf32>)
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x32xf32>) outs(%c2 : memref<128x32xf32>)
  linalg.fill ins(%zero : f32) outs(%sq : memref<64x64xf32>)
  linalg.matmul ins(%sq, %sq : memref<64x64xf32>, memref<64x64xf32>) outs(%sq : memref<64x64xf32>)
  return %c1, %seen, %other, %sq : memref<128x32xf32>, f32, memref<128x32xf32>, memref<64x64xf32>
}

// -----

// A product with 4-bit weights dequantized in its body (block scales of 16
// columns, zero points): one m3sat_qgemm call per part, with the codes,
// scales and zero points read in place (row strides from the metadata),
// bits 4, block 16; C was filled with zeros just before: accumulate = 0
// and the fill goes.
// CHECK-DAG: func.func private @m3sat_qgemm(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-DAG: func.func private @m3sat_qgemm_parts(index, index, index) -> index
// CHECK-LABEL: func @quantized
// CHECK-NOT: linalg.fill
// CHECK: %[[M:.*]] = memref.dim %arg0, %{{.*}}
// CHECK: %[[K:.*]] = memref.dim %arg0, %{{.*}}
// CHECK: %[[N:.*]] = memref.dim %arg4, %{{.*}}
// CHECK: %[[PX:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[PW:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: %[[PS:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK: %[[PC:.*]] = memref.extract_aligned_pointer_as_index %arg4
// CHECK: %[[PZ:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK: %[[PARTS:.*]] = call @m3sat_qgemm_parts(%[[M]], %[[N]], %[[K]])
// CHECK: scf.parallel (%[[PART:.*]]) = (%{{.*}}) to (%[[PARTS]])
// CHECK: func.call @m3sat_qgemm(%[[PART]], %[[PARTS]], %[[M]], %[[N]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c4{{(_[0-9]+)?}}, %c16{{(_[0-9]+)?}}, %c0{{(_[0-9]+)?}}, %{{.*}}, %{{.*}})
// CHECK-NOT: linalg.generic
// SEQ-LABEL: func @quantized
// SEQ-NOT: m3sat_qgemm_parts
// SEQ: scf.for
// SEQ: func.call @m3sat_qgemm(
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k floordiv 2)>
#s = affine_map<(m, n, k) -> (n, k floordiv 16)>
#z = affine_map<(m, n, k) -> (n, (k floordiv 16) floordiv 2)>
#o = affine_map<(m, n, k) -> (m, n)>
func.func @quantized(%x: memref<?x32xf32, strided<[32, 1], offset: ?>>, %q: memref<8x16xi8, strided<[16, 1], offset: ?>>, %s: memref<8x2xf32, strided<[2, 1], offset: ?>>, %z: memref<8x1xi8, strided<[1, 1], offset: ?>>, %c: memref<?x8xf32, strided<[8, 1], offset: ?>>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x8xf32, strided<[8, 1], offset: ?>>)
  linalg.generic {indexing_maps = [#x, #w, #s, #z, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %q, %s, %z : memref<?x32xf32, strided<[32, 1], offset: ?>>, memref<8x16xi8, strided<[16, 1], offset: ?>>, memref<8x2xf32, strided<[2, 1], offset: ?>>, memref<8x1xi8, strided<[1, 1], offset: ?>>)
      outs(%c : memref<?x8xf32, strided<[8, 1], offset: ?>>) attrs = {m3sat.quantized_matmul = {bits = 4 : i64, block_size = 16 : i64}} {
  ^bb0(%a: f32, %code: i8, %scale: f32, %zp: i8, %acc: f32):
    %c15 = arith.constant 15 : i32
    %wide = arith.extui %code : i8 to i32
    %low = arith.andi %wide, %c15 : i32
    %zwide = arith.extui %zp : i8 to i32
    %zlow = arith.andi %zwide, %c15 : i32
    %qf = arith.uitofp %low : i32 to f32
    %zf = arith.uitofp %zlow : i32 to f32
    %d = arith.subf %qf, %zf : f32
    %w = arith.mulf %d, %scale : f32
    %p = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %p : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// The same product with its codes read along a strided row: not the
// kernel's layout, so it stays a loop nest.
// CHECK-LABEL: func @quantized_strided
// CHECK-NOT: m3sat_qgemm(
// CHECK: linalg.generic
#x2 = affine_map<(m, n, k) -> (m, k)>
#w2 = affine_map<(m, n, k) -> (n, k)>
#s2 = affine_map<(m, n, k) -> (n)>
#o2 = affine_map<(m, n, k) -> (m, n)>
func.func @quantized_strided(%x: memref<4x32xf32>, %q: memref<8x32xi8, strided<[64, 2]>>, %s: memref<8xf32>, %c: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#x2, #w2, #s2, #o2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %q, %s : memref<4x32xf32>, memref<8x32xi8, strided<[64, 2]>>, memref<8xf32>)
      outs(%c : memref<4x8xf32>) attrs = {m3sat.quantized_matmul = {bits = 8 : i64, block_size = 0 : i64}} {
  ^bb0(%a: f32, %code: i8, %scale: f32, %acc: f32):
    %wide = arith.extui %code : i8 to i32
    %qf = arith.uitofp %wide : i32 to f32
    %zf = arith.constant 128.0 : f32
    %d = arith.subf %qf, %zf : f32
    %w = arith.mulf %d, %scale : f32
    %p = arith.mulf %a, %w : f32
    %sum = arith.addf %acc, %p : f32
    linalg.yield %sum : f32
  }
  return
}
