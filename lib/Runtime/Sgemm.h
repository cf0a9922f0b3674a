//===- Sgemm.h - the task runtime's single-threaded SGEMM -------*- C++ -*-===//
//
// The matrix-product kernel that m3sat_sgemm, m3sat_sconv and
// m3sat_swinograd run their parts with (Sgemm.cpp): oneDNN's dnnl_sgemm,
// OpenBLAS's cblas_sgemm or a plain loop nest, on the calling thread.
// Internal to the task runtime.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_SGEMM_H
#define M3SAT_LIB_RUNTIME_SGEMM_H

#include <cstdint>

namespace m3sat::runtime {

/// C = beta C + op(A) op(B) on row-major f32 matrices, beta 0 or 1 (with
/// beta 0, C is not read), on the calling thread only.
void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
           float *c, int64_t ldc);

} // namespace m3sat::runtime

#endif // M3SAT_LIB_RUNTIME_SGEMM_H
