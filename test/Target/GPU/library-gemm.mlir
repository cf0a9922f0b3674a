// RUN: m3sat-opt %s --m3sat-gpu-library-gemm | FileCheck %s
// RUN: m3sat-opt %s --m3sat-gpu-library-gemm=library=none | FileCheck %s --check-prefix=NONE
// RUN: m3sat-opt %s --m3sat-gpu-library-gemm=tf32=true | FileCheck %s --check-prefix=TF32

// Row-major products become m3sat_gpu_sgemm(transA, transB, M, N, K, A,
// lda, strideA, B, ldb, strideB, C, ldc, strideC, batch, accumulate, tf32)
// on device addresses; the zero fill before a product goes (accumulate 0).
// NONE-NOT: call
// TF32: call @m3sat_gpu_sgemm({{.*}}, %c1{{[_0-9]*}}) {m3sat.gpu_library}

// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: call @m3sat_gpu_sgemm(%c0{{[_0-9]*}}, %c0{{[_0-9]*}}, %c8{{[_0-9]*}}, %c32{{[_0-9]*}}, %c16{{[_0-9]*}}, %{{.*}}, %c16{{[_0-9]*}}, %c0{{[_0-9]*}}, %{{.*}}, %c32{{[_0-9]*}}, %c0{{[_0-9]*}}, %{{.*}}, %c32{{[_0-9]*}}, %c0{{[_0-9]*}}, %c1{{[_0-9]*}}, %c0{{[_0-9]*}}, %c0{{[_0-9]*}}) {m3sat.gpu_library}
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %o, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// Weights in (out, in): transB 1, ldb K; batch 4 with the strides of each
// operand; C is accumulated (no fill).
// CHECK-LABEL: func.func @batch_transposed
// CHECK: call @m3sat_gpu_sgemm(%c0{{[_0-9]*}}, %c1{{[_0-9]*}}, %c8{{[_0-9]*}}, %c8{{[_0-9]*}}, %c16{{[_0-9]*}}, %{{.*}}, %c16{{[_0-9]*}}, %c128{{[_0-9]*}}, %{{.*}}, %c16{{[_0-9]*}}, %c128{{[_0-9]*}}, %{{.*}}, %c8{{[_0-9]*}}, %c64{{[_0-9]*}}, %c4{{[_0-9]*}}, %c1{{[_0-9]*}}, %c0{{[_0-9]*}})
func.func @batch_transposed(%q: memref<4x8x16xf32>, %k: memref<4x8x16xf32>, %s: memref<4x8x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : memref<4x8x16xf32>, memref<4x8x16xf32>) outs(%s : memref<4x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %o, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// A C with unit stride along M is computed as its transpose: C^T = B^T A^T.
// CHECK-LABEL: func.func @transposed_c
// CHECK: %[[B:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: call @m3sat_gpu_sgemm(%c1{{[_0-9]*}}, %c1{{[_0-9]*}}, %c32{{[_0-9]*}}, %c8{{[_0-9]*}}, %c16{{[_0-9]*}}, %{{.*}}, %c32{{[_0-9]*}}, %c0{{[_0-9]*}}, %{{.*}}, %c16{{[_0-9]*}}, %c0{{[_0-9]*}}, %{{.*}}, %c8{{[_0-9]*}},
func.func @transposed_c(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<32x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d1, d0)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<32x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %o, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// A product that writes one of its inputs stays a kernel.
// CHECK-LABEL: func.func @in_place
// CHECK-NOT: call
// CHECK: linalg.generic
func.func @in_place(%a: memref<8x8xf32>, %b: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<8x8xf32>, memref<8x8xf32>) outs(%a : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %o, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// The row-gather grouped product: m3sat_gpu_grouped_sgemm(rows, N, K, E,
// A, transA, lda, rowExpert, W, transW, ldw, strideW, C, ldc, tf32);
// weights W[e, n, k] are (out, in): transW 1, ldw K.
// CHECK-LABEL: func.func @grouped
// CHECK: call @m3sat_gpu_grouped_sgemm(%c12{{[_0-9]*}}, %c32{{[_0-9]*}}, %c16{{[_0-9]*}}, %c4{{[_0-9]*}}, %{{.*}}, %c0{{[_0-9]*}}, %c16{{[_0-9]*}}, %{{.*}}, %{{.*}}, %c1{{[_0-9]*}}, %c16{{[_0-9]*}}, %c512{{[_0-9]*}}, %{{.*}}, %c32{{[_0-9]*}}, %c0{{[_0-9]*}}) {m3sat.gpu_library}
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @grouped(%lhs: memref<12x16xf32>, %rowExpert: memref<12xi64>, %w: memref<4x32x16xf32>, %out: memref<12x32xf32>) {
  %c0 = arith.constant 0 : i64
  %c3 = arith.constant 3 : i64
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%lhs, %rowExpert : memref<12x16xf32>, memref<12xi64>) outs(%out : memref<12x32xf32>) {
  ^bb0(%in: f32, %e: i64, %o: f32):
    %0 = arith.maxsi %e, %c0 : i64
    %1 = arith.minsi %0, %c3 : i64
    %2 = arith.index_cast %1 : i64 to index
    %3 = linalg.index 1 : index
    %4 = linalg.index 2 : index
    %5 = memref.load %w[%2, %3, %4] : memref<4x32x16xf32>
    %6 = arith.mulf %in, %5 : f32
    %7 = arith.addf %o, %6 : f32
    %8 = arith.cmpi sge, %e, %c0 : i64
    %9 = arith.select %8, %7, %o : f32
    linalg.yield %9 : f32
  }
  return
}

// A clamp to the wrong bound is not the row-gather form: it stays.
// CHECK-LABEL: func.func @grouped_wrong_clamp
// CHECK-NOT: call
// CHECK: linalg.generic
func.func @grouped_wrong_clamp(%lhs: memref<12x16xf32>, %rowExpert: memref<12xi64>, %w: memref<4x32x16xf32>, %out: memref<12x32xf32>) {
  %c0 = arith.constant 0 : i64
  %c2 = arith.constant 2 : i64
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%lhs, %rowExpert : memref<12x16xf32>, memref<12xi64>) outs(%out : memref<12x32xf32>) {
  ^bb0(%in: f32, %e: i64, %o: f32):
    %0 = arith.maxsi %e, %c0 : i64
    %1 = arith.minsi %0, %c2 : i64
    %2 = arith.index_cast %1 : i64 to index
    %3 = linalg.index 1 : index
    %4 = linalg.index 2 : index
    %5 = memref.load %w[%2, %3, %4] : memref<4x32x16xf32>
    %6 = arith.mulf %in, %5 : f32
    %7 = arith.addf %o, %6 : f32
    %8 = arith.cmpi sge, %e, %c0 : i64
    %9 = arith.select %8, %7, %o : f32
    linalg.yield %9 : f32
  }
  return
}
