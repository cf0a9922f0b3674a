//===- CudaBlas.h - cuBLAS, opened at run time ------------------*- C++ -*-===//
//
// The cuBLAS entry points that CudaBlas.cpp calls, resolved with dlopen
// (cuBLAS is not linked at build time). The types are cublas_api.h's in
// plain C: cublasStatus_t and the enums are int, handles and streams
// pointers.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_CUDABLAS_H
#define M3SAT_LIB_RUNTIME_CUDABLAS_H

#include <string>

namespace m3sat {
namespace blas {

struct Cublas {
  int (*create)(void **handle) = nullptr;
  int (*setStream)(void *handle, void *stream) = nullptr;
  int (*setMathMode)(void *handle, int mode) = nullptr;
  const char *(*getStatusString)(int status) = nullptr;
  int (*sgemm)(void *handle, int transa, int transb, int m, int n, int k,
               const float *alpha, const float *a, int lda, const float *b,
               int ldb, const float *beta, float *c, int ldc) = nullptr;
  int (*sgemmStridedBatched)(void *handle, int transa, int transb, int m, int n,
                             int k, const float *alpha, const float *a, int lda,
                             long long strideA, const float *b, int ldb,
                             long long strideB, const float *beta, float *c,
                             int ldc, long long strideC, int batch) = nullptr;
};

/// Opens cuBLAS ($M3SAT_CUBLAS when set, that file only; else
/// libcublas.so.13, .so.12, .so) and resolves `cublas`. False with a
/// one-line `error` naming what was tried. Needs no GPU.
bool openCublas(Cublas &cublas, std::string &error);

} // namespace blas
} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_CUDABLAS_H
