//===- CudaDriver.h - the task stream, for the GPU libraries ----*- C++ -*-===//
//
// What CudaRuntime.cpp shares with the library calls of GPU task code
// (CudaBlas.cpp): the one stream all task work is ordered on, the error a
// task reports when it finishes, and a copy to the host.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_CUDADRIVER_H
#define M3SAT_LIB_RUNTIME_CUDADRIVER_H

#include <cuda.h>

#include <cstddef>
#include <string>

namespace m3sat {
namespace cuda {

/// The task stream, the driver's context current on this thread; null
/// after recording why no GPU is usable.
CUstream enterTaskStream();

/// Records `message` as the task's failure unless one is recorded already
/// (task_memory::finish reports it).
void recordError(const std::string &message);

/// Waits for the task stream, then copies `size` bytes from `device` to
/// `host`; false after recording the failure (`what` names the copy).
bool copyToHost(void *host, const void *device, size_t size, const char *what);

} // namespace cuda
} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_CUDADRIVER_H
