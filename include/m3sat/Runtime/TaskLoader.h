//===- TaskLoader.h - open and run a task of an OUT_DIR ---------*- C++ -*-===//
//
// The host side of the task library's C ABI (m3sat_runtime.h), shared by
// the tools that run compiled tasks (m3sat-run, m3sat-profile, the
// deviation check of m3sat-compile --profile): verify the bundle, load the
// library, check .npy inputs against the declared names, dtypes and shapes,
// run, and hand back the outputs as .npy arrays. Every failure is a
// one-line message.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_RUNTIME_TASKLOADER_H
#define M3SAT_RUNTIME_TASKLOADER_H

#include "m3sat/Support/Npy.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

struct m3sat_model;

namespace m3sat {

class MappedBundle;
struct TaskLibraryABI;

/// Name, bundle dtype (enum m3sat_dtype) and shape of an input or output.
struct TensorInfo {
  std::string name;
  int dtype;
  std::vector<int64_t> shape;
};

/// The .npy descriptor a bundle dtype is written as ("<f4", ...) and its
/// NumPy name ("float32", ...).
const char *dtypeDescr(int dtype);
const char *dtypeName(int dtype);

/// One opened task of an OUT_DIR.
class LoadedTask {
public:
  /// Verifies `outDir`/bundle.m3b, loads its task library and opens `task`
  /// (empty: the first). Returns null with a one-line `error`.
  static std::unique_ptr<LoadedTask>
  open(const std::string &outDir, const std::string &task, std::string &error);
  ~LoadedTask();

  const std::vector<TensorInfo> &inputs() const { return inputInfos; }
  const std::vector<TensorInfo> &outputs() const { return outputInfos; }
  /// Names of every task in the OUT_DIR.
  std::vector<std::string> taskNames() const;

  /// Reads the inputs from .npy files given by input name, checking each
  /// against its declaration. Every input needs a file; a file for a name
  /// that is not an input is an error unless `ignoreExtra`.
  bool setInputs(const std::map<std::string, std::string> &files,
                 bool ignoreExtra, std::string &error);
  /// As setInputs, from arrays in memory by input name; `sources` names
  /// where each array came from (a file, a slice of a stack) in messages.
  bool setInputArrays(std::map<std::string, NpyArray> arrays,
                      const std::map<std::string, std::string> &sources,
                      bool ignoreExtra, std::string &error);
  /// Runs the task on the inputs set last; outputs() then describes
  /// outputArrays().
  bool run(std::string &error);
  const std::vector<NpyArray> &outputArrays() const { return outputData; }

  /// The parallel loops of the runs that the calling thread starts use at
  /// most `threads` threads (OpenMP's omp_set_num_threads, which holds per
  /// calling thread), so that several tasks run side by side, one thread
  /// each, without waking pools for each other. No effect on code without
  /// parallel loops.
  void limitThreads(int threads);

private:
  LoadedTask() = default;

  std::unique_ptr<TaskLibraryABI> abi;
  m3sat_model *model = nullptr;
  std::vector<TensorInfo> inputInfos, outputInfos;
  std::vector<NpyArray> inputData, outputData;
};

} // namespace m3sat

#endif // M3SAT_RUNTIME_TASKLOADER_H
