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

// The C ABI that generated code calls (Sgemm.cpp, Winograd.cpp), for the
// runtime's other kernels and the unit tests.
extern "C" {
int64_t m3sat_sgemm_parts(int64_t m, int64_t n, int64_t k);
int64_t m3sat_sconv_parts(int64_t n, int64_t oh, int64_t ow, int64_t f,
                          int64_t c, int64_t kh, int64_t kw);
void m3sat_sconv(int64_t part, int64_t parts, int64_t n, int64_t oh, int64_t ow,
                 int64_t f, int64_t c, int64_t kh, int64_t kw, intptr_t in,
                 int64_t inN, int64_t inH, int64_t inW, intptr_t filter,
                 int64_t filterF, int64_t filterH, int64_t filterW,
                 intptr_t out, int64_t outN, int64_t outH, int64_t outW,
                 int64_t accumulate);
int64_t m3sat_swinograd_parts(int64_t n, int64_t oh, int64_t ow, int64_t f,
                              int64_t c, int64_t kh, int64_t kw, int64_t tile);
void m3sat_swinograd(int64_t part, int64_t parts, int64_t n, int64_t oh,
                     int64_t ow, int64_t f, int64_t c, int64_t kh, int64_t kw,
                     intptr_t in, int64_t inN, int64_t inH, int64_t inW,
                     intptr_t filter, int64_t filterF, int64_t filterH,
                     int64_t filterW, intptr_t out, int64_t outN, int64_t outH,
                     int64_t outW, int64_t accumulate, int64_t tile,
                     intptr_t u);
intptr_t m3sat_swinograd_filter_buffer(int64_t f, int64_t c, int64_t tile);
void m3sat_swinograd_filter(int64_t part, int64_t parts, int64_t f, int64_t c,
                            int64_t kh, int64_t kw, intptr_t filter,
                            int64_t filterF, int64_t filterH, int64_t filterW,
                            int64_t tile, intptr_t u);
}

#endif // M3SAT_LIB_RUNTIME_SGEMM_H
