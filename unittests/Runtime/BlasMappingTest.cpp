//===- BlasMappingTest.cpp - row-major products as column-major calls -----===//
//
// The calls that BlasMapping.h produces are run by a plain column-major
// GEMM written here (what cuBLAS computes, by its definition) and compared
// with a direct row-major product.
//
//===----------------------------------------------------------------------===//

#include "BlasMapping.h"

#include "gtest/gtest.h"

#include <cmath>
#include <vector>

using namespace m3sat::blas;

namespace {

/// cublasSgemmStridedBatched's definition, column-major: element (i, j) of
/// X with leading dimension ld is X[i + j * ld].
void columnMajorGemm(const ColumnMajorCall &call) {
  for (int b = 0; b < call.batch; ++b) {
    const float *x = call.first + b * call.strideFirst;
    const float *y = call.second + b * call.strideSecond;
    float *c = call.c + b * call.strideC;
    for (int j = 0; j < call.n; ++j)
      for (int i = 0; i < call.m; ++i) {
        double sum = 0;
        for (int l = 0; l < call.k; ++l) {
          float xv = call.transFirst ? x[l + i * call.ldFirst]
                                     : x[i + l * call.ldFirst];
          float yv = call.transSecond ? y[j + l * call.ldSecond]
                                      : y[l + j * call.ldSecond];
          sum += double(xv) * yv;
        }
        float &out = c[i + j * call.ldc];
        out = float(sum + call.beta * double(out));
      }
  }
}

/// The row-major product `p` computed directly.
void rowMajorReference(const RowMajorProduct &p) {
  for (int64_t b = 0; b < p.batch; ++b) {
    const float *a = p.a + b * p.strideA, *bm = p.b + b * p.strideB;
    float *c = p.c + b * p.strideC;
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        double sum = p.accumulate ? c[i * p.ldc + j] : 0.0;
        for (int64_t l = 0; l < p.k; ++l) {
          float av = p.transA ? a[l * p.lda + i] : a[i * p.lda + l];
          float bv = p.transB ? bm[j * p.ldb + l] : bm[l * p.ldb + j];
          sum += double(av) * bv;
        }
        c[i * p.ldc + j] = float(sum);
      }
  }
}

/// Distinct, exactly representable values.
std::vector<float> pattern(size_t size, int seed) {
  std::vector<float> values(size);
  for (size_t i = 0; i < size; ++i)
    values[i] = float(int((i * 7 + seed * 13) % 17) - 8) / 4.0f;
  return values;
}

struct Shape {
  int64_t m, n, k, batch;
  bool transA, transB, accumulate;
  /// Extra elements at the end of each stored row (ld > row length).
  int64_t pad;
};

void checkShape(const Shape &s) {
  SCOPED_TRACE(::testing::Message()
               << "m=" << s.m << " n=" << s.n << " k=" << s.k << " batch="
               << s.batch << " transA=" << s.transA << " transB=" << s.transB
               << " accumulate=" << s.accumulate << " pad=" << s.pad);
  RowMajorProduct p;
  p.transA = s.transA;
  p.transB = s.transB;
  p.m = s.m;
  p.n = s.n;
  p.k = s.k;
  p.batch = s.batch;
  p.accumulate = s.accumulate;
  // Stored shapes: A is m x k (k x m transposed), B k x n (n x k).
  int64_t rowsA = s.transA ? s.k : s.m, colsA = s.transA ? s.m : s.k;
  int64_t rowsB = s.transB ? s.n : s.k, colsB = s.transB ? s.k : s.n;
  p.lda = colsA + s.pad;
  p.ldb = colsB + s.pad;
  p.ldc = s.n + s.pad;
  // Batch strides with a gap, so that a wrong stride reads other values.
  p.strideA = rowsA * p.lda + 3;
  p.strideB = rowsB * p.ldb + 5;
  p.strideC = s.m * p.ldc + 2;
  std::vector<float> a = pattern(p.strideA * s.batch, 1);
  std::vector<float> b = pattern(p.strideB * s.batch, 2);
  std::vector<float> expected = pattern(p.strideC * s.batch, 3);
  std::vector<float> actual = expected;
  p.a = a.data();
  p.b = b.data();
  ASSERT_EQ(checkProduct(p), "");

  p.c = expected.data();
  rowMajorReference(p);
  RowMajorProduct q = p;
  q.c = actual.data();
  ColumnMajorCall call = toColumnMajor(q);
  // C^T = op(B)^T op(A)^T: B first, M and N swapped.
  EXPECT_EQ(call.first, b.data());
  EXPECT_EQ(call.second, a.data());
  EXPECT_EQ(call.m, s.n);
  EXPECT_EQ(call.n, s.m);
  EXPECT_EQ(call.beta, s.accumulate ? 1.0f : 0.0f);
  columnMajorGemm(call);
  // Padding and gaps included: what the call must not write stays.
  EXPECT_EQ(actual, expected);
}

TEST(BlasMappingTest, EveryTransposeBatchAndAccumulate) {
  for (bool transA : {false, true})
    for (bool transB : {false, true})
      for (bool accumulate : {false, true})
        for (int64_t batch : {1, 3})
          for (int64_t pad : {0, 2}) {
            checkShape({5, 3, 7, batch, transA, transB, accumulate, pad});
            checkShape({2, 9, 4, batch, transA, transB, accumulate, pad});
            checkShape({1, 6, 3, batch, transA, transB, accumulate, pad});
            checkShape({4, 1, 1, batch, transA, transB, accumulate, pad});
          }
}

TEST(BlasMappingTest, RejectsWhatCublasCannotTake) {
  RowMajorProduct p;
  p.m = 4;
  p.n = 3;
  p.k = 2;
  p.lda = 2;
  p.ldb = 3;
  p.ldc = 3;
  EXPECT_EQ(checkProduct(p), "");
  p.k = int64_t(1) << 31;
  EXPECT_NE(checkProduct(p).find("not in [1, 2^31)"), std::string::npos);
  p.k = 2;
  p.ldc = 2; // shorter than N
  EXPECT_NE(checkProduct(p).find("ldc=2"), std::string::npos);
  p.ldc = 3;
  p.transA = true; // A stored 2 x 4: lda must be at least 4
  EXPECT_NE(checkProduct(p).find("lda=2"), std::string::npos);
}

TEST(BlasMappingTest, ExpertRuns) {
  // Sorted with rows outside every group (-1) before, between and after,
  // and an expert index past the last (clamped).
  std::vector<int64_t> rowExpert = {-1, 0, 0, 2, 2, 2, -1, 3, 5, -1};
  std::vector<ExpertRun> runs =
      expertRuns(rowExpert.data(), rowExpert.size(), 4);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].firstRow, 1);
  EXPECT_EQ(runs[0].rows, 2);
  EXPECT_EQ(runs[0].expert, 0);
  EXPECT_EQ(runs[1].firstRow, 3);
  EXPECT_EQ(runs[1].rows, 3);
  EXPECT_EQ(runs[1].expert, 2);
  EXPECT_EQ(runs[2].firstRow, 7);
  EXPECT_EQ(runs[2].rows, 2);
  EXPECT_EQ(runs[2].expert, 3);
  // Unsorted: one run per change of expert.
  std::vector<int64_t> unsorted = {1, 0, 1, 1};
  EXPECT_EQ(expertRuns(unsorted.data(), unsorted.size(), 2).size(), 3u);
  EXPECT_TRUE(expertRuns(rowExpert.data(), 1, 4).empty());
}

/// The grouped product by its definition (m3sat_gpu_grouped_sgemm).
void groupedReference(const GroupedProduct &g, const int64_t *rowExpert) {
  for (int64_t r = 0; r < g.rows; ++r) {
    if (rowExpert[r] < 0)
      continue;
    const float *w = g.w + std::min(rowExpert[r], g.experts - 1) * g.strideW;
    for (int64_t j = 0; j < g.n; ++j) {
      double sum = g.c[r * g.ldc + j];
      for (int64_t l = 0; l < g.k; ++l) {
        float av = g.transA ? g.a[l * g.lda + r] : g.a[r * g.lda + l];
        float wv = g.transW ? w[j * g.ldw + l] : w[l * g.ldw + j];
        sum += double(av) * wv;
      }
      g.c[r * g.ldc + j] = float(sum);
    }
  }
}

TEST(BlasMappingTest, GroupedProductByRuns) {
  std::vector<int64_t> rowExpert = {-1, 0, 0, 0, 2, 2, -1, 1, 1, 1, 1, -1};
  const int64_t rows = rowExpert.size(), n = 5, k = 3, experts = 3;
  for (bool transA : {false, true})
    for (bool transW : {false, true}) {
      SCOPED_TRACE(::testing::Message()
                   << "transA=" << transA << " transW=" << transW);
      GroupedProduct g;
      g.rows = rows;
      g.n = n;
      g.k = k;
      g.experts = experts;
      g.transA = transA;
      g.lda = (transA ? rows : k) + 1;
      g.transW = transW;
      g.ldw = transW ? k : n;
      g.strideW = k * n + 4;
      g.ldc = n + 2;
      std::vector<float> a = pattern((transA ? k : rows) * g.lda, 4);
      std::vector<float> w = pattern(experts * g.strideW, 5);
      std::vector<float> expected = pattern(rows * g.ldc, 6);
      std::vector<float> actual = expected;
      g.a = a.data();
      g.w = w.data();
      g.c = expected.data();
      groupedReference(g, rowExpert.data());
      g.c = actual.data();
      for (const ExpertRun &run : expertRuns(rowExpert.data(), rows, experts)) {
        RowMajorProduct p = runProduct(g, run);
        ASSERT_EQ(checkProduct(p), "");
        columnMajorGemm(toColumnMajor(p));
      }
      EXPECT_EQ(actual, expected);
    }
}

} // namespace
