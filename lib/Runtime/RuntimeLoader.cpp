//===- RuntimeLoader.cpp - the C ABI for applications ---------------------===//
//
// libm3sat_runtime.so, the library an application links (CMake:
// find_package(m3sat) and m3sat::runtime) to open compiled tasks: it
// exports the C ABI of m3sat_runtime.h and forwards every call to the task
// library of the OUT_DIR that m3sat_create opened. m3sat_create verifies
// OUT_DIR/bundle.m3b before any of its code is loaded, loads the library
// the bundle names (once per file; it stays loaded, since OpenMP worker
// threads may still refer to its code) and resolves its C ABI.
//
// Task libraries export the same symbol names; they are linked to bind
// their own calls to them locally (-Bsymbolic-functions), so the
// application's copies here never stand in for them.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/m3sat_runtime.h"

#include "TaskAbi.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

using namespace m3sat;

namespace {

/// The C ABI of one task library.
using TaskLibrary = TaskAbi;

/// Loads `path` once per process and resolves its C ABI; null with
/// `error` set on failure.
const TaskLibrary *loadLibrary(const std::string &path, std::string &error) {
  static std::mutex mutex;
  static std::map<std::string, TaskLibrary> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(path);
  if (it != loaded.end())
    return &it->second;
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = path + ": cannot load task library: " + dlerror();
    return nullptr;
  }
  TaskLibrary library;
  if (const char *missing = library.resolve(handle)) {
    error = path + ": task library lacks the C ABI symbol '" + missing + "'";
    return nullptr;
  }
  return &loaded.emplace(path, library).first->second;
}

void setError(char *error, size_t size, const std::string &message) {
  if (error && size)
    std::snprintf(error, size, "%s", message.c_str());
}

} // namespace

/// What the application holds: the task library's own model (opaque here,
/// of the same C type) and that library's ABI.
struct m3sat_model {
  const TaskLibrary *library;
  m3sat_model *task;
};

extern "C" {

M3SAT_API m3sat_model *m3sat_create(const char *outDir, const char *task,
                                    char *error, size_t errorSize) {
  if (!outDir) {
    setError(error, errorSize, "m3sat_create: no OUT_DIR given");
    return nullptr;
  }
  std::string dir = outDir, message;
  std::string bundlePath = dir + "/bundle.m3b";
  std::shared_ptr<MappedBundle> bundle =
      MappedBundle::open(bundlePath, message);
  if (!bundle) {
    setError(error, errorSize, message);
    return nullptr;
  }
  std::string library = bundle->root().library()->str();
  std::string target = bundle->root().target()->str();
  bundle.reset();
  if (library.empty() || library.find('/') != std::string::npos) {
    setError(error, errorSize,
             bundlePath + ": field 'library' is not a file name in OUT_DIR");
    return nullptr;
  }
  if (target != "cpu" && target != "gpu") {
    setError(error, errorSize,
             bundlePath + ": this OUT_DIR was compiled for --target=" + target +
                 "; only --target=cpu and --target=gpu run here");
    return nullptr;
  }
  const TaskLibrary *abi = loadLibrary(dir + "/" + library, message);
  if (!abi) {
    setError(error, errorSize, message);
    return nullptr;
  }
  m3sat_model *opened = abi->create(outDir, task, error, errorSize);
  if (!opened)
    return nullptr;
  return new m3sat_model{abi, opened};
}

M3SAT_API int m3sat_num_inputs(const m3sat_model *model) {
  return model->library->numInputs(model->task);
}
M3SAT_API int m3sat_num_outputs(const m3sat_model *model) {
  return model->library->numOutputs(model->task);
}
M3SAT_API const char *m3sat_input_name(const m3sat_model *model, int i) {
  return model->library->inputName(model->task, i);
}
M3SAT_API int m3sat_input_dtype(const m3sat_model *model, int i) {
  return model->library->inputDtype(model->task, i);
}
M3SAT_API int m3sat_input_rank(const m3sat_model *model, int i) {
  return model->library->inputRank(model->task, i);
}
M3SAT_API const int64_t *m3sat_input_shape(const m3sat_model *model, int i) {
  return model->library->inputShape(model->task, i);
}
M3SAT_API const char *m3sat_output_name(const m3sat_model *model, int i) {
  return model->library->outputName(model->task, i);
}
M3SAT_API int m3sat_output_dtype(const m3sat_model *model, int i) {
  return model->library->outputDtype(model->task, i);
}
M3SAT_API int m3sat_output_rank(const m3sat_model *model, int i) {
  return model->library->outputRank(model->task, i);
}
M3SAT_API const int64_t *m3sat_output_shape(const m3sat_model *model, int i) {
  return model->library->outputShape(model->task, i);
}
M3SAT_API int m3sat_num_tasks(const m3sat_model *model) {
  return model->library->numTasks(model->task);
}
M3SAT_API const char *m3sat_task_name(const m3sat_model *model, int i) {
  return model->library->taskName(model->task, i);
}
M3SAT_API int m3sat_run(m3sat_model *model, const void *const *inputs,
                        void *const *outputs) {
  return model->library->run(model->task, inputs, outputs);
}
M3SAT_API const char *m3sat_error(const m3sat_model *model) {
  return model->library->lastError ? model->library->lastError(model->task)
                                   : nullptr;
}
M3SAT_API void m3sat_destroy(m3sat_model *model) {
  if (!model)
    return;
  model->library->destroy(model->task);
  delete model;
}

} // extern "C"
