//===- CudaRuntime.cpp - the GPU task runtime on the CUDA driver API ------===//
//
// What a GPU task library needs at run time, on the CUDA driver API:
//  - the `mgpu*` functions that MLIR's gpu-to-llvm lowering calls from the
//    host code (module load, kernel launch, streams, device memory);
//  - TaskMemory.h for TaskRuntime.cpp (weights copied to the device once,
//    inputs and outputs staged around each run).
// The driver (libcuda.so.1) is opened with dlopen on first use, so task
// libraries build and load on machines without it; every call then fails
// softly, and m3sat_create reports why no GPU is usable. MLIR's own
// CUDA runtime wrappers are not packaged by Debian, and they abort on
// errors; this file reports them instead.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"
#include "TaskMemory.h"

#include <cuda.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

using namespace m3sat;

namespace {

/// The driver entry points used here, with the symbol each is exported as
/// (the versioned names that cuda.h maps the plain ones to).
#define M3SAT_CUDA_FUNCTIONS(X)                                                \
  X(cuInit, "cuInit")                                                          \
  X(cuGetErrorString, "cuGetErrorString")                                      \
  X(cuDeviceGetCount, "cuDeviceGetCount")                                      \
  X(cuDeviceGet, "cuDeviceGet")                                                \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")                      \
  X(cuCtxSetCurrent, "cuCtxSetCurrent")                                        \
  X(cuCtxSetLimit, "cuCtxSetLimit")                                            \
  X(cuModuleLoadData, "cuModuleLoadData")                                      \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx")                                  \
  X(cuModuleUnload, "cuModuleUnload")                                          \
  X(cuModuleGetFunction, "cuModuleGetFunction")                                \
  X(cuLaunchKernel, "cuLaunchKernel")                                          \
  X(cuStreamCreate, "cuStreamCreate")                                          \
  X(cuStreamSynchronize, "cuStreamSynchronize")                                \
  X(cuMemAlloc, "cuMemAlloc_v2")                                               \
  X(cuMemFree, "cuMemFree_v2")                                                 \
  X(cuMemcpy, "cuMemcpy")                                                      \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2")                                           \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2")                                           \
  X(cuMemsetD32, "cuMemsetD32_v2")                                             \
  X(cuMemsetD16, "cuMemsetD16_v2")

/// The driver, its context on the chosen device, and the one stream all
/// task work is ordered on.
struct Driver {
#define M3SAT_CUDA_POINTER(name, symbol) decltype(&::name) name = nullptr;
  M3SAT_CUDA_FUNCTIONS(M3SAT_CUDA_POINTER)
#undef M3SAT_CUDA_POINTER
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  /// Why the driver is unusable; empty when it is usable.
  std::string unavailable;
};

int defaultDevice = 0;

std::mutex errorMutex;
/// The first failure since the last task_memory::finish().
std::string firstError;

void recordError(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

Driver &loadDriver() {
  static Driver driver;
  static std::once_flag once;
  std::call_once(once, [] {
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *reason = dlerror();
      driver.unavailable = reason ? reason : "libcuda.so.1: cannot load";
      return;
    }
#define M3SAT_CUDA_RESOLVE(name, symbol)                                       \
  driver.name =                                                                \
      reinterpret_cast<decltype(driver.name)>(dlsym(handle, symbol));          \
  if (!driver.name) {                                                          \
    driver.unavailable = "libcuda.so.1 lacks " symbol;                         \
    return;                                                                    \
  }
    M3SAT_CUDA_FUNCTIONS(M3SAT_CUDA_RESOLVE)
#undef M3SAT_CUDA_RESOLVE
    auto check = [&](CUresult result, const char *what) {
      if (result == CUDA_SUCCESS)
        return true;
      const char *text = nullptr;
      driver.cuGetErrorString(result, &text);
      driver.unavailable = std::string(what) + ": " +
                           (text ? text : "error " + std::to_string(result));
      return false;
    };
    int count = 0;
    CUdevice device;
    if (!check(driver.cuInit(0), "cuInit") ||
        !check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount"))
      return;
    if (count <= defaultDevice) {
      driver.unavailable = "the driver sees " + std::to_string(count) +
                           " CUDA device(s); device " +
                           std::to_string(defaultDevice) + " was asked for";
      return;
    }
    if (!check(driver.cuDeviceGet(&device, defaultDevice), "cuDeviceGet") ||
        !check(driver.cuDevicePrimaryCtxRetain(&driver.context, device),
               "cuDevicePrimaryCtxRetain") ||
        !check(driver.cuCtxSetCurrent(driver.context), "cuCtxSetCurrent") ||
        // Buffers that sequential kernels allocate come from the device
        // heap (8 MiB by default).
        !check(driver.cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, 256u << 20),
               "cuCtxSetLimit") ||
        !check(driver.cuStreamCreate(&driver.stream, CU_STREAM_DEFAULT),
               "cuStreamCreate"))
      return;
  });
  return driver;
}

/// The driver with its context current on this thread, or null after
/// recording why not.
Driver *enter() {
  Driver &driver = loadDriver();
  if (!driver.unavailable.empty()) {
    recordError("no CUDA GPU is available (" + driver.unavailable + ")");
    return nullptr;
  }
  driver.cuCtxSetCurrent(driver.context);
  return &driver;
}

/// Records a failed driver call; true when `result` is success.
bool check(Driver &driver, CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  const char *text = nullptr;
  driver.cuGetErrorString(result, &text);
  recordError(std::string(what) +
              " failed: " + (text ? text : "error " + std::to_string(result)));
  return false;
}

CUstream streamOf(Driver &driver, void *stream) {
  return stream ? static_cast<CUstream>(stream) : driver.stream;
}

} // namespace

//===----------------------------------------------------------------------===//
// CudaDriver.h
//===----------------------------------------------------------------------===//

CUstream cuda::enterTaskStream() {
  Driver *driver = enter();
  return driver ? driver->stream : nullptr;
}

void cuda::recordError(const std::string &message) { ::recordError(message); }

bool cuda::copyToHost(void *host, const void *device, size_t size,
                      const char *what) {
  Driver *driver = enter();
  return driver &&
         check(*driver, driver->cuStreamSynchronize(driver->stream),
               "running a kernel (cuStreamSynchronize)") &&
         check(*driver,
               driver->cuMemcpyDtoH(host, reinterpret_cast<CUdeviceptr>(device),
                                    size),
               what);
}

//===----------------------------------------------------------------------===//
// The host-side calls of MLIR's gpu-to-llvm lowering
//===----------------------------------------------------------------------===//

extern "C" void mgpuSetDefaultDevice(int32_t device) { defaultDevice = device; }

extern "C" CUmodule mgpuModuleLoad(void *data, size_t) {
  Driver *driver = enter();
  CUmodule module = nullptr;
  if (driver)
    check(*driver, driver->cuModuleLoadData(&module, data),
          "loading a kernel module (cuModuleLoadData)");
  return module;
}

/// Loads PTX, which the driver compiles for the device at hand.
extern "C" CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  Driver *driver = enter();
  if (!driver)
    return nullptr;
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log)),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUmodule module = nullptr;
  CUresult result =
      driver->cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS && log[0])
    recordError(std::string("the driver could not compile the PTX: ") + log);
  check(*driver, result, "loading PTX (cuModuleLoadDataEx)");
  return module;
}

extern "C" void mgpuModuleUnload(CUmodule module) {
  Driver &driver = loadDriver();
  if (module && driver.unavailable.empty())
    driver.cuModuleUnload(module);
}

extern "C" CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  Driver *driver = enter();
  CUfunction function = nullptr;
  if (driver && module)
    check(*driver, driver->cuModuleGetFunction(&function, module, name),
          "finding a kernel (cuModuleGetFunction)");
  return function;
}

extern "C" void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                 intptr_t gridY, intptr_t gridZ,
                                 intptr_t blockX, intptr_t blockY,
                                 intptr_t blockZ, int32_t smem, void *stream,
                                 void **params, void **extra, size_t) {
  Driver *driver = enter();
  if (!driver)
    return;
  if (!function) {
    recordError("a kernel was launched that did not load");
    return;
  }
  check(*driver,
        driver->cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                               blockZ, smem, streamOf(*driver, stream), params,
                               extra),
        "launching a kernel (cuLaunchKernel)");
}

/// Every task runs on the one stream of the driver: launches stay in order
/// without events, and creating a stream per launch costs nothing.
extern "C" void *mgpuStreamCreate() {
  Driver *driver = enter();
  return driver ? driver->stream : nullptr;
}

extern "C" void mgpuStreamDestroy(void *) {}

extern "C" void mgpuStreamSynchronize(void *stream) {
  if (Driver *driver = enter())
    check(*driver, driver->cuStreamSynchronize(streamOf(*driver, stream)),
          "running a kernel (cuStreamSynchronize)");
}

/// Events order work between streams. With the one stream, work is already
/// in order: an event only stands for "what was queued so far", which
/// waiting for the stream covers. (The asynchronous launches of
/// gpu-async-region join token chains through them.)
extern "C" void *mgpuEventCreate() {
  static char event;
  return &event;
}

extern "C" void mgpuEventDestroy(void *) {}

extern "C" void mgpuEventRecord(void *, void *) {}

extern "C" void mgpuStreamWaitEvent(void *, void *) {}

extern "C" void mgpuEventSynchronize(void *) { mgpuStreamSynchronize(nullptr); }

extern "C" void *mgpuMemAlloc(uint64_t size, void *, bool) {
  Driver *driver = enter();
  CUdeviceptr pointer = 0;
  // A zero-size buffer still gets a distinct address (never read).
  if (driver)
    check(*driver, driver->cuMemAlloc(&pointer, size ? size : 1),
          "allocating device memory (cuMemAlloc)");
  return reinterpret_cast<void *>(pointer);
}

extern "C" void mgpuMemFree(void *pointer, void *stream) {
  Driver *driver = enter();
  if (!driver || !pointer)
    return;
  // Kernels still queued may use the buffer.
  driver->cuStreamSynchronize(streamOf(*driver, stream));
  check(*driver, driver->cuMemFree(reinterpret_cast<CUdeviceptr>(pointer)),
        "freeing device memory (cuMemFree)");
}

extern "C" void mgpuMemcpy(void *dst, void *src, size_t size, void *stream) {
  Driver *driver = enter();
  if (!driver)
    return;
  driver->cuStreamSynchronize(streamOf(*driver, stream));
  check(*driver,
        driver->cuMemcpy(reinterpret_cast<CUdeviceptr>(dst),
                         reinterpret_cast<CUdeviceptr>(src), size),
        "copying device memory (cuMemcpy)");
}

extern "C" void mgpuMemset32(void *dst, unsigned value, size_t count,
                             void *stream) {
  Driver *driver = enter();
  if (!driver)
    return;
  driver->cuStreamSynchronize(streamOf(*driver, stream));
  check(*driver,
        driver->cuMemsetD32(reinterpret_cast<CUdeviceptr>(dst), value, count),
        "setting device memory (cuMemsetD32)");
}

extern "C" void mgpuMemset16(void *dst, unsigned short value, size_t count,
                             void *stream) {
  Driver *driver = enter();
  if (!driver)
    return;
  driver->cuStreamSynchronize(streamOf(*driver, stream));
  check(*driver,
        driver->cuMemsetD16(reinterpret_cast<CUdeviceptr>(dst), value, count),
        "setting device memory (cuMemsetD16)");
}

//===----------------------------------------------------------------------===//
// TaskMemory.h
//===----------------------------------------------------------------------===//

namespace {

/// Device copies of weights, by their host bytes, with their holders.
struct DeviceWeight {
  CUdeviceptr pointer = 0;
  int holders = 0;
};
std::mutex weightMutex;
std::map<const uint8_t *, DeviceWeight> weights;

/// Takes the first recorded failure into `error`.
bool takeError(std::string &error) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    return true;
  error = firstError;
  firstError.clear();
  return false;
}

} // namespace

bool task_memory::isSeparate() { return true; }

bool task_memory::open(std::string &error) {
  Driver &driver = loadDriver();
  if (!driver.unavailable.empty()) {
    error = "no CUDA GPU is available (" + driver.unavailable + ")";
    takeError(error);
    return false;
  }
  // Kernel modules load when the library does; their failures show here.
  return takeError(error);
}

void *task_memory::acquireWeight(const uint8_t *host, size_t size,
                                 std::string &error) {
  std::lock_guard<std::mutex> lock(weightMutex);
  DeviceWeight &weight = weights[host];
  if (!weight.holders) {
    void *device = mgpuMemAlloc(size, nullptr, false);
    Driver *driver = enter();
    if (!device || !driver ||
        !check(*driver,
               driver->cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(device), host,
                                    size),
               "copying weights to the device (cuMemcpyHtoD)")) {
      if (device)
        mgpuMemFree(device, nullptr);
      weights.erase(host);
      takeError(error);
      return nullptr;
    }
    weight.pointer = reinterpret_cast<CUdeviceptr>(device);
  }
  ++weight.holders;
  return reinterpret_cast<void *>(weight.pointer);
}

void task_memory::releaseWeight(const uint8_t *host) {
  std::lock_guard<std::mutex> lock(weightMutex);
  auto it = weights.find(host);
  if (it == weights.end() || --it->second.holders > 0)
    return;
  mgpuMemFree(reinterpret_cast<void *>(it->second.pointer), nullptr);
  weights.erase(it);
}

void *task_memory::allocate(size_t size, std::string &error) {
  void *buffer = mgpuMemAlloc(size, nullptr, false);
  if (!buffer)
    takeError(error);
  return buffer;
}

void task_memory::release(void *buffer) { mgpuMemFree(buffer, nullptr); }

bool task_memory::copyIn(void *device, const void *host, size_t size,
                         std::string &error) {
  Driver *driver = enter();
  if (driver && size)
    check(
        *driver,
        driver->cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(device), host, size),
        "copying an input to the device (cuMemcpyHtoD)");
  return takeError(error);
}

bool task_memory::copyOut(void *host, const void *device, size_t size,
                          std::string &error) {
  Driver *driver = enter();
  if (driver && size)
    check(
        *driver,
        driver->cuMemcpyDtoH(host, reinterpret_cast<CUdeviceptr>(device), size),
        "copying an output from the device (cuMemcpyDtoH)");
  return takeError(error);
}

bool task_memory::finish(std::string &error) {
  mgpuStreamSynchronize(nullptr);
  return takeError(error);
}
