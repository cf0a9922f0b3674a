//===- Sgemm.cpp - the matrix-product kernel of task libraries ------------===//
//
// m3sat_sgemm, called by code that m3sat-contractions-to-blas produced:
// C += op(A) op(B) on row-major f32 matrices. It runs OpenBLAS's
// cblas_sgemm, loaded on first use (libopenblas.so.0, Debian's
// libopenblas0-pthread or -openmp), so that a task library has no link-time
// BLAS dependency; without OpenBLAS a plain blocked loop computes the same
// product, slowly.
//
// OpenBLAS 0.3.21 picks its kernels by CPU model and does not know recent
// AVX-512 CPUs (e.g. AMD Zen 4, which it runs with its AVX2 Haswell
// kernels at half the speed). When the CPU has the AVX-512 subsets the
// SkylakeX kernels use and OPENBLAS_CORETYPE is not set, it is set to
// SkylakeX before OpenBLAS loads.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace {

// CBLAS constants (cblas.h): row-major order, (no) transpose.
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float *,
                            int, const float *, int, float, float *, int);

CblasSgemm loadOpenBLAS() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    setenv("OPENBLAS_CORETYPE", "SkylakeX", /*overwrite=*/0);
#endif
  void *handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return nullptr;
  // One thread per call: the task's own parallel loops run on LLVM's
  // OpenMP pool, and a second pool of spinning BLAS threads would compete
  // with it for the cores.
  using SetThreads = void (*)(int);
  if (auto setThreads = reinterpret_cast<SetThreads>(
          dlsym(handle, "openblas_set_num_threads")))
    setThreads(1);
  return reinterpret_cast<CblasSgemm>(dlsym(handle, "cblas_sgemm"));
}

/// C += op(A) op(B), by loops: the fallback without OpenBLAS.
void plainSgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                const float *a, int64_t lda, const float *b, int64_t ldb,
                float *c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float av = transA ? a[p * lda + i] : a[i * lda + p];
      float *row = c + i * ldc;
      if (!transB) {
        const float *brow = b + p * ldb;
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * brow[j];
      } else {
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * b[j * ldb + p];
      }
    }
}

} // namespace

/// Called by generated code with index-typed arguments: pointers arrive as
/// integers.
extern "C" void m3sat_sgemm(int64_t transA, int64_t transB, int64_t m,
                            int64_t n, int64_t k, intptr_t a, int64_t lda,
                            intptr_t b, int64_t ldb, intptr_t c, int64_t ldc) {
  if (m <= 0 || n <= 0 || k <= 0)
    return;
  static std::once_flag once;
  static CblasSgemm sgemm = nullptr;
  std::call_once(once, [] { sgemm = loadOpenBLAS(); });
  const auto *pa = reinterpret_cast<const float *>(a);
  const auto *pb = reinterpret_cast<const float *>(b);
  auto *pc = reinterpret_cast<float *>(c);
  constexpr int64_t kIntMax = 0x7fffffff;
  if (sgemm && m <= kIntMax && n <= kIntMax && k <= kIntMax && lda <= kIntMax &&
      ldb <= kIntMax && ldc <= kIntMax) {
    sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, int(m),
          int(n), int(k), 1.0f, pa, int(lda), pb, int(ldb), 1.0f, pc, int(ldc));
    return;
  }
  plainSgemm(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc);
}
