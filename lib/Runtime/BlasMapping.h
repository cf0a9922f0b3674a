//===- BlasMapping.h - row-major products as column-major BLAS calls -*- C++
//-*-===//
//
// What CudaBlas.cpp hands cuBLAS, as pure functions (unit-tested on the
// host, BlasMappingTest.cpp):
//  - a row-major product C = op(A) op(B) (+ C) of m3sat_gpu_sgemm becomes
//    the column-major call that computes C^T = op(B)^T op(A)^T: a row-major
//    matrix is its transpose in column-major order, so the operands swap,
//    M and N swap, and each operand keeps its transpose flag and leading
//    dimension;
//  - the rows of a grouped expert product (m3sat_gpu_grouped_sgemm) split
//    into runs of consecutive rows with the same expert, each one product.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_BLASMAPPING_H
#define M3SAT_LIB_RUNTIME_BLASMAPPING_H

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace m3sat {
namespace blas {

/// For each of `batch` products, C = op(A) op(B), or C += op(A) op(B) with
/// `accumulate`: row-major, op(A) m x k, op(B) k x n, C m x n. A matrix with
/// `trans` is stored as its transpose; `ld` is the stride between the rows
/// of what is stored, `stride` the distance between the batch's matrices
/// (all in elements).
struct RowMajorProduct {
  bool transA = false, transB = false;
  int64_t m = 0, n = 0, k = 0;
  const float *a = nullptr;
  int64_t lda = 0, strideA = 0;
  const float *b = nullptr;
  int64_t ldb = 0, strideB = 0;
  float *c = nullptr;
  int64_t ldc = 0, strideC = 0;
  int64_t batch = 1;
  bool accumulate = false;
};

/// A column-major BLAS call (cublasSgemm, cublasSgemmStridedBatched):
/// C = op(first) op(second) + beta C, op(first) m x k, op(second) k x n,
/// C m x n with leading dimension ldc, for each of `batch` matrices.
struct ColumnMajorCall {
  bool transFirst = false, transSecond = false;
  int m = 0, n = 0, k = 0;
  const float *first = nullptr;
  int ldFirst = 0;
  long long strideFirst = 0;
  const float *second = nullptr;
  int ldSecond = 0;
  long long strideSecond = 0;
  float *c = nullptr;
  int ldc = 0;
  long long strideC = 0;
  int batch = 1;
  float beta = 0.0f;
};

/// Why cuBLAS cannot take `p` (a size out of its int range, a leading
/// dimension shorter than a row); empty when it can.
inline std::string checkProduct(const RowMajorProduct &p) {
  auto fits = [](int64_t v) { return v >= 1 && v <= INT_MAX; };
  if (!fits(p.m) || !fits(p.n) || !fits(p.k) || !fits(p.batch))
    return "sizes M=" + std::to_string(p.m) + " N=" + std::to_string(p.n) +
           " K=" + std::to_string(p.k) + " batch=" + std::to_string(p.batch) +
           " are not in [1, 2^31)";
  // Each stored matrix's rows are as long as its columns.
  int64_t colsA = p.transA ? p.m : p.k, colsB = p.transB ? p.k : p.n;
  if (!fits(p.lda) || !fits(p.ldb) || !fits(p.ldc) || p.lda < colsA ||
      p.ldb < colsB || p.ldc < p.n)
    return "leading dimensions lda=" + std::to_string(p.lda) +
           " ldb=" + std::to_string(p.ldb) + " ldc=" + std::to_string(p.ldc) +
           " are shorter than their rows or not in [1, 2^31)";
  return "";
}

/// The column-major call computing `p` (checked with checkProduct): C^T =
/// op(B)^T op(A)^T, B first.
inline ColumnMajorCall toColumnMajor(const RowMajorProduct &p) {
  ColumnMajorCall call;
  call.transFirst = p.transB;
  call.transSecond = p.transA;
  call.m = static_cast<int>(p.n);
  call.n = static_cast<int>(p.m);
  call.k = static_cast<int>(p.k);
  call.first = p.b;
  call.ldFirst = static_cast<int>(p.ldb);
  call.strideFirst = p.strideB;
  call.second = p.a;
  call.ldSecond = static_cast<int>(p.lda);
  call.strideSecond = p.strideA;
  call.c = p.c;
  call.ldc = static_cast<int>(p.ldc);
  call.strideC = p.strideC;
  call.batch = static_cast<int>(p.batch);
  call.beta = p.accumulate ? 1.0f : 0.0f;
  return call;
}

/// The grouped expert product of m3sat_gpu_grouped_sgemm: for each row r
/// with e_r = min(rowExpert[r], experts - 1) >= 0,
/// C[r, :] += A[r, :] op(W[e_r]), op(W[e]) k x n at w + e * strideW.
struct GroupedProduct {
  int64_t rows = 0, n = 0, k = 0, experts = 0;
  const float *a = nullptr;
  bool transA = false;
  int64_t lda = 0;
  const float *w = nullptr;
  bool transW = false;
  int64_t ldw = 0, strideW = 0;
  float *c = nullptr;
  int64_t ldc = 0;
};

/// Consecutive rows [firstRow, firstRow + rows) of one expert.
struct ExpertRun {
  int64_t firstRow = 0, rows = 0, expert = 0;
};

/// The runs of `rowExpert[0, rows)`, rows without an expert (< 0) left
/// out, experts clamped to `experts - 1`. Rows sorted by expert (the
/// row-gather form's) give at most `experts` runs.
inline std::vector<ExpertRun> expertRuns(const int64_t *rowExpert, int64_t rows,
                                         int64_t experts) {
  std::vector<ExpertRun> runs;
  for (int64_t r = 0; r < rows; ++r) {
    if (rowExpert[r] < 0)
      continue;
    int64_t e = std::min(rowExpert[r], experts - 1);
    if (!runs.empty() && runs.back().expert == e &&
        runs.back().firstRow + runs.back().rows == r)
      ++runs.back().rows;
    else
      runs.push_back({r, 1, e});
  }
  return runs;
}

/// The product of one run's rows: C[run] += A[run] op(W[e]).
inline RowMajorProduct runProduct(const GroupedProduct &g,
                                  const ExpertRun &run) {
  RowMajorProduct p;
  p.transA = g.transA;
  p.transB = g.transW;
  p.m = run.rows;
  p.n = g.n;
  p.k = g.k;
  // Row r of op(A) starts r elements in when A is stored transposed.
  p.a = g.a + run.firstRow * (g.transA ? 1 : g.lda);
  p.lda = g.lda;
  p.b = g.w + run.expert * g.strideW;
  p.ldb = g.ldw;
  p.c = g.c + run.firstRow * g.ldc;
  p.ldc = g.ldc;
  p.accumulate = true;
  return p;
}

} // namespace blas
} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_BLASMAPPING_H
