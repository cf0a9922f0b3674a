//===- TaskRuntime.cpp - the C ABI of a CPU task library ------------------===//
//
// Implements m3sat_runtime.h. m3sat-compile links this file's archive into
// every CPU task library next to the generated code, which provides the
// entry table below. Tasks of one OUT_DIR opened together share one mapping
// of the bundle, so switching tasks loads no weight twice.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/m3sat_runtime.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

// Provided by the generated code of the task library.
extern "C" {
extern void (*const m3sat_entries[])(void **);
extern const uint32_t m3sat_entry_count;
extern const char m3sat_code_id[];
}

using namespace m3sat;

struct m3sat_model {
  std::shared_ptr<MappedBundle> bundle;
  const bundle::Task *task = nullptr;
  void (*entry)(void **) = nullptr;
  /// Inputs, then weights (fixed), then outputs.
  std::vector<void *> arguments;
};

namespace {

/// Bundles mapped by this process, by path: a second task of the same
/// OUT_DIR reuses the mapping.
std::shared_ptr<MappedBundle> openShared(const std::string &path,
                                         std::string &error) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<MappedBundle>> open;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<MappedBundle> existing = open[path].lock())
    return existing;
  std::shared_ptr<MappedBundle> mapped = MappedBundle::open(path, error);
  if (mapped)
    open[path] = mapped;
  return mapped;
}

void setError(char *error, size_t size, const std::string &message) {
  if (error && size)
    std::snprintf(error, size, "%s", message.c_str());
}

const bundle::TensorSpec *spec(const m3sat_model *model, int i, bool input) {
  if (!model || i < 0)
    return nullptr;
  const auto *specs = input ? model->task->inputs() : model->task->outputs();
  if (static_cast<flatbuffers::uoffset_t>(i) >= specs->size())
    return nullptr;
  return specs->Get(i);
}

} // namespace

extern "C" m3sat_model *m3sat_create(const char *outDir, const char *task,
                                     char *error, size_t errorSize) {
  if (!outDir) {
    setError(error, errorSize, "m3sat_create: no OUT_DIR given");
    return nullptr;
  }
  std::string path = std::string(outDir) + "/bundle.m3b";
  std::string message;
  std::shared_ptr<MappedBundle> mapped = openShared(path, message);
  if (!mapped) {
    setError(error, errorSize, message);
    return nullptr;
  }
  const bundle::Bundle &root = mapped->root();
  if (root.code_id()->str() != m3sat_code_id) {
    setError(error, errorSize,
             path + ": field 'code_id' does not match the task library "
                    "(bundle and library come from different compilations)");
    return nullptr;
  }
  const bundle::Task *found = nullptr;
  std::string names;
  for (const bundle::Task *candidate : *root.tasks()) {
    names += (names.empty() ? "" : ", ") + candidate->name()->str();
    if (!task || candidate->name()->str() == task) {
      found = candidate;
      break;
    }
  }
  if (!found) {
    setError(error, errorSize,
             path + ": unknown task '" + task + "' (tasks: " + names + ")");
    return nullptr;
  }
  if (found->entry() >= m3sat_entry_count) {
    setError(error, errorSize,
             path + ": task '" + found->name()->str() +
                 "': field 'entry' is outside the task library");
    return nullptr;
  }
  auto *model = new m3sat_model();
  model->bundle = mapped;
  model->task = found;
  model->entry = m3sat_entries[found->entry()];
  model->arguments.assign(found->inputs()->size(), nullptr);
  for (uint32_t index : *found->weights()) {
    const bundle::Buffer *buffer = root.buffers()->Get(index);
    model->arguments.push_back(
        const_cast<uint8_t *>(mapped->weights() + buffer->offset()));
  }
  model->arguments.resize(model->arguments.size() + found->outputs()->size());
  return model;
}

extern "C" int m3sat_num_inputs(const m3sat_model *model) {
  return model ? static_cast<int>(model->task->inputs()->size()) : 0;
}

extern "C" int m3sat_num_outputs(const m3sat_model *model) {
  return model ? static_cast<int>(model->task->outputs()->size()) : 0;
}

#define M3SAT_SPEC_QUERIES(KIND, INPUT)                                        \
  extern "C" const char *m3sat_##KIND##_name(const m3sat_model *model,         \
                                             int i) {                          \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? s->name()->c_str() : nullptr;                                   \
  }                                                                            \
  extern "C" int m3sat_##KIND##_dtype(const m3sat_model *model, int i) {       \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? static_cast<int>(s->dtype()) : -1;                                                \
  }                                                                            \
  extern "C" int m3sat_##KIND##_rank(const m3sat_model *model, int i) {        \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? static_cast<int>(s->shape()->size()) : -1;                      \
  }                                                                            \
  extern "C" const int64_t *m3sat_##KIND##_shape(const m3sat_model *model,     \
                                                 int i) {                      \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? s->shape()->data() : nullptr;                                   \
  }

M3SAT_SPEC_QUERIES(input, true)
M3SAT_SPEC_QUERIES(output, false)

extern "C" int m3sat_num_tasks(const m3sat_model *model) {
  return model ? static_cast<int>(model->bundle->root().tasks()->size()) : 0;
}

extern "C" const char *m3sat_task_name(const m3sat_model *model, int i) {
  if (!model || i < 0 || i >= m3sat_num_tasks(model))
    return nullptr;
  return model->bundle->root().tasks()->Get(i)->name()->c_str();
}

extern "C" int m3sat_run(m3sat_model *model, const void *const *inputs,
                         void *const *outputs) {
  if (!model)
    return 1;
  size_t numInputs = model->task->inputs()->size();
  size_t numOutputs = model->task->outputs()->size();
  // A task whose outputs are all constant takes no input.
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    return 1;
  size_t firstOutput = model->arguments.size() - numOutputs;
  for (size_t i = 0; i < numInputs; ++i) {
    if (!inputs[i])
      return 1;
    model->arguments[i] = const_cast<void *>(inputs[i]);
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    if (!outputs[i])
      return 1;
    model->arguments[firstOutput + i] = outputs[i];
  }
  model->entry(model->arguments.data());
  return 0;
}

extern "C" void m3sat_destroy(m3sat_model *model) { delete model; }
