//===- TaskMemory.h - where task code finds its arguments -------*- C++ -*-===//
//
// The memory the task runtime (TaskRuntime.cpp) gives the generated code.
// A CPU task library links HostMemory.cpp: the code reads the caller's
// buffers and the mapped weights in place. A GPU task library links
// CudaRuntime.cpp: weights are copied to the device once, and inputs and
// outputs are staged through device buffers around each run.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_TASKMEMORY_H
#define M3SAT_LIB_RUNTIME_TASKMEMORY_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace m3sat {
namespace task_memory {

/// True when the code runs in a memory of its own, so that inputs and
/// outputs must be copied (false: host memory, zero copy).
bool isSeparate();

/// Makes the memory usable (for a GPU: loads the driver, creates the
/// context). Returns false with a one-line `error` when it cannot.
bool open(std::string &error);

/// The code's address of a weight whose host bytes are `host[0, size)`:
/// `host` itself, or a device copy shared by every task that asks for the
/// same bytes while one of them holds it. Null with `error` on failure.
void *acquireWeight(const uint8_t *host, size_t size, std::string &error);

/// Drops one hold on the device copy of `host` (from acquireWeight).
void releaseWeight(const uint8_t *host);

/// Device buffers for staged inputs and outputs.
void *allocate(size_t size, std::string &error);
void release(void *buffer);
bool copyIn(void *device, const void *host, size_t size, std::string &error);
bool copyOut(void *host, const void *device, size_t size, std::string &error);

/// Waits for the code to finish and reports the first failure since the
/// last call (a kernel that failed to load or launch, a device fault).
bool finish(std::string &error);

} // namespace task_memory
} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_TASKMEMORY_H
