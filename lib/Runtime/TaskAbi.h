//===- TaskAbi.h - the C ABI of a task library, resolved with dlsym -------===//
//
// What the application-facing runtime (RuntimeLoader.cpp, libm3sat_runtime)
// and m3sat-run's loader (TaskLoader.cpp) call in a task library: the
// functions of m3sat_runtime.h, looked up by name in a dlopen'ed handle.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_TASKABI_H
#define M3SAT_LIB_RUNTIME_TASKABI_H

#include "m3sat/Runtime/m3sat_runtime.h"

#include <dlfcn.h>

#include <type_traits>

namespace m3sat {

/// The C ABI of one task library.
struct TaskAbi {
  decltype(&m3sat_create) create = nullptr;
  decltype(&m3sat_num_inputs) numInputs = nullptr;
  decltype(&m3sat_num_outputs) numOutputs = nullptr;
  decltype(&m3sat_input_name) inputName = nullptr;
  decltype(&m3sat_input_dtype) inputDtype = nullptr;
  decltype(&m3sat_input_rank) inputRank = nullptr;
  decltype(&m3sat_input_shape) inputShape = nullptr;
  decltype(&m3sat_output_name) outputName = nullptr;
  decltype(&m3sat_output_dtype) outputDtype = nullptr;
  decltype(&m3sat_output_rank) outputRank = nullptr;
  decltype(&m3sat_output_shape) outputShape = nullptr;
  decltype(&m3sat_num_tasks) numTasks = nullptr;
  decltype(&m3sat_task_name) taskName = nullptr;
  decltype(&m3sat_run) run = nullptr;
  decltype(&m3sat_destroy) destroy = nullptr;
  /// Optional: task libraries older than the GPU target lack it.
  decltype(&m3sat_error) lastError = nullptr;

  /// Resolves the C ABI in `handle`; returns the first required symbol
  /// missing, or null.
  const char *resolve(void *handle) {
    const char *missing = nullptr;
    auto get = [&](const char *name, auto &fn) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(handle, name));
      if (!fn && !missing)
        missing = name;
    };
    get("m3sat_create", create);
    get("m3sat_num_inputs", numInputs);
    get("m3sat_num_outputs", numOutputs);
    get("m3sat_input_name", inputName);
    get("m3sat_input_dtype", inputDtype);
    get("m3sat_input_rank", inputRank);
    get("m3sat_input_shape", inputShape);
    get("m3sat_output_name", outputName);
    get("m3sat_output_dtype", outputDtype);
    get("m3sat_output_rank", outputRank);
    get("m3sat_output_shape", outputShape);
    get("m3sat_num_tasks", numTasks);
    get("m3sat_task_name", taskName);
    get("m3sat_run", run);
    get("m3sat_destroy", destroy);
    lastError =
        reinterpret_cast<decltype(lastError)>(dlsym(handle, "m3sat_error"));
    return missing;
  }
};

} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_TASKABI_H
