//===- CudaBlas.cpp - the GPU task runtime's matrix products (cuBLAS) -----===//
//
// m3sat_gpu_sgemm and m3sat_gpu_grouped_sgemm, which code from
// m3sat-gpu-library-gemm calls on the host with device addresses: each
// queues cuBLAS work on the task stream (CudaDriver.h) and returns.
//
// cuBLAS is opened with dlopen on first use, so task libraries build and
// load without it: $M3SAT_CUBLAS when set (that file only), else
// libcublas.so.13, libcublas.so.12, libcublas.so. When none loads, the
// task fails with one line naming what was tried. The few entry points
// used are declared here (cublas_api.h's, with plain C types).
//
// The grouped product waits for the stream once per call: the runs of rows
// with one expert are in device memory (rowExpert), and cuBLAS takes each
// product's sizes from the host. It copies rowExpert back, then queues one
// product per run (at most E for the row-gather form, whose rows are
// sorted by expert).
//
//===----------------------------------------------------------------------===//

#include "CudaBlas.h"

#include "BlasMapping.h"
#include "CudaDriver.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <type_traits>
#include <vector>

using namespace m3sat;

namespace {

// cublas_api.h: CUBLAS_OP_N, CUBLAS_OP_T; CUBLAS_DEFAULT_MATH,
// CUBLAS_TF32_TENSOR_OP_MATH.
enum { OpN = 0, OpT = 1 };
enum { DefaultMath = 0, TF32TensorOpMath = 3 };

std::string statusText(const blas::Cublas &cublas, int status) {
  const char *text = cublas.getStatusString(status);
  return text ? text : "status " + std::to_string(status);
}

} // namespace

bool blas::openCublas(Cublas &cublas, std::string &error) {
  std::vector<std::string> names;
  const char *chosen = std::getenv("M3SAT_CUBLAS");
  if (chosen && *chosen)
    names.push_back(chosen);
  else
    names = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  void *handle = nullptr;
  std::string tried, reason, loaded;
  for (const std::string &name : names) {
    tried += (tried.empty() ? "" : ", ") + name;
    if ((handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL))) {
      loaded = name;
      break;
    }
    const char *text = dlerror();
    reason = text ? text : name + ": cannot load";
  }
  if (!handle) {
    error = "cuBLAS could not be loaded (tried " +
            std::string(chosen && *chosen ? "M3SAT_CUBLAS=" : "") + tried +
            ": " + reason +
            "); set M3SAT_CUBLAS to its path, or compile with "
            "--gpu-gemm-library=none";
    return false;
  }
  auto resolve = [&](auto &pointer, const char *symbol) {
    pointer = reinterpret_cast<std::remove_reference_t<decltype(pointer)>>(
        dlsym(handle, symbol));
    if (!pointer && error.empty())
      error = "cuBLAS (" + loaded + ") lacks " + symbol;
  };
  error.clear();
  resolve(cublas.create, "cublasCreate_v2");
  resolve(cublas.setStream, "cublasSetStream_v2");
  resolve(cublas.setMathMode, "cublasSetMathMode");
  resolve(cublas.getStatusString, "cublasGetStatusString");
  resolve(cublas.sgemm, "cublasSgemm_v2");
  resolve(cublas.sgemmStridedBatched, "cublasSgemmStridedBatched");
  if (!error.empty()) {
    dlclose(handle);
    return false;
  }
  return true;
}

namespace {

/// cuBLAS with one handle on the task stream, created on first use.
struct Library {
  blas::Cublas cublas;
  void *handle = nullptr;
  /// Why cuBLAS is unusable; empty when it is usable.
  std::string unavailable;
  /// One call at a time on the handle (the math mode is per handle).
  std::mutex mutex;
};

/// The library, with the task stream's context current; null after
/// recording why not.
Library *enterLibrary() {
  static Library library;
  static std::once_flag once;
  CUstream stream = cuda::enterTaskStream();
  if (!stream)
    return nullptr;
  std::call_once(once, [stream] {
    blas::Cublas &cublas = library.cublas;
    if (!blas::openCublas(cublas, library.unavailable))
      return;
    // cuBLAS works in the context current on this thread: the driver's.
    if (int status = cublas.create(&library.handle))
      library.unavailable =
          "cublasCreate failed: " + statusText(cublas, status);
    else if ((status = cublas.setStream(library.handle, stream)))
      library.unavailable =
          "cublasSetStream failed: " + statusText(cublas, status);
  });
  if (!library.unavailable.empty()) {
    cuda::recordError(library.unavailable);
    return nullptr;
  }
  return &library;
}

/// Queues `p` on the task stream (the library's mutex held).
bool queueProduct(Library &library, const blas::RowMajorProduct &p, bool tf32) {
  if (std::string why = blas::checkProduct(p); !why.empty()) {
    cuda::recordError("m3sat_gpu_sgemm: cuBLAS cannot take " + why);
    return false;
  }
  const blas::Cublas &cublas = library.cublas;
  if (int status = cublas.setMathMode(library.handle,
                                      tf32 ? TF32TensorOpMath : DefaultMath)) {
    cuda::recordError("cublasSetMathMode failed: " +
                      statusText(cublas, status));
    return false;
  }
  blas::ColumnMajorCall call = blas::toColumnMajor(p);
  const float alpha = 1.0f;
  int opFirst = call.transFirst ? OpT : OpN,
      opSecond = call.transSecond ? OpT : OpN;
  int status =
      call.batch == 1
          ? cublas.sgemm(library.handle, opFirst, opSecond, call.m, call.n,
                         call.k, &alpha, call.first, call.ldFirst, call.second,
                         call.ldSecond, &call.beta, call.c, call.ldc)
          : cublas.sgemmStridedBatched(
                library.handle, opFirst, opSecond, call.m, call.n, call.k,
                &alpha, call.first, call.ldFirst, call.strideFirst, call.second,
                call.ldSecond, call.strideSecond, &call.beta, call.c, call.ldc,
                call.strideC, call.batch);
  if (status) {
    cuda::recordError(std::string(call.batch == 1
                                      ? "cublasSgemm"
                                      : "cublasSgemmStridedBatched") +
                      " failed: " + statusText(cublas, status));
    return false;
  }
  return true;
}

template <typename T> T *devicePointer(int64_t address) {
  return reinterpret_cast<T *>(static_cast<intptr_t>(address));
}

} // namespace

extern "C" void m3sat_gpu_sgemm(int64_t transA, int64_t transB, int64_t m,
                                int64_t n, int64_t k, int64_t a, int64_t lda,
                                int64_t strideA, int64_t b, int64_t ldb,
                                int64_t strideB, int64_t c, int64_t ldc,
                                int64_t strideC, int64_t batch,
                                int64_t accumulate, int64_t tf32) {
  Library *library = enterLibrary();
  if (!library)
    return;
  blas::RowMajorProduct p;
  p.transA = transA;
  p.transB = transB;
  p.m = m;
  p.n = n;
  p.k = k;
  p.a = devicePointer<const float>(a);
  p.lda = lda;
  p.strideA = strideA;
  p.b = devicePointer<const float>(b);
  p.ldb = ldb;
  p.strideB = strideB;
  p.c = devicePointer<float>(c);
  p.ldc = ldc;
  p.strideC = strideC;
  p.batch = batch;
  p.accumulate = accumulate;
  std::lock_guard<std::mutex> lock(library->mutex);
  queueProduct(*library, p, tf32);
}

extern "C" void m3sat_gpu_grouped_sgemm(
    int64_t rows, int64_t n, int64_t k, int64_t experts, int64_t a,
    int64_t transA, int64_t lda, int64_t rowExpert, int64_t w, int64_t transW,
    int64_t ldw, int64_t strideW, int64_t c, int64_t ldc, int64_t tf32) {
  Library *library = enterLibrary();
  if (!library || rows <= 0 || experts <= 0)
    return;
  // The host wait: the products' sizes come from the rows' experts.
  std::vector<int64_t> expertOf(rows);
  if (!cuda::copyToHost(expertOf.data(), devicePointer<const void>(rowExpert),
                        rows * sizeof(int64_t),
                        "copying the rows' experts to the host "
                        "(cuMemcpyDtoH)"))
    return;
  blas::GroupedProduct g;
  g.rows = rows;
  g.n = n;
  g.k = k;
  g.experts = experts;
  g.a = devicePointer<const float>(a);
  g.transA = transA;
  g.lda = lda;
  g.w = devicePointer<const float>(w);
  g.transW = transW;
  g.ldw = ldw;
  g.strideW = strideW;
  g.c = devicePointer<float>(c);
  g.ldc = ldc;
  std::lock_guard<std::mutex> lock(library->mutex);
  for (const blas::ExpertRun &run :
       blas::expertRuns(expertOf.data(), rows, experts))
    if (!queueProduct(*library, blas::runProduct(g, run), tf32))
      return;
}
