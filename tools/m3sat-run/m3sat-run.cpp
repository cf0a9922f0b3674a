//===- m3sat-run.cpp - run a compiled m3sat task --------------------------===//
//
// m3sat-run OUT_DIR [--task=T] --input NAME=FILE.npy ... --output-dir DIR
//           [--repeat N]
//
// Verifies OUT_DIR/bundle.m3b, loads the task library through its C ABI,
// checks every input against the task's declared names, dtypes and shapes,
// runs the task (N times, printing latency statistics when N > 1) and writes
// DIR/<output name>.npy atomically. Any error is one line and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/m3sat_runtime.h"
#include "m3sat/Support/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace m3sat;
namespace cl = llvm::cl;

static cl::opt<std::string> outDir(cl::Positional, cl::desc("<OUT_DIR>"),
                                   cl::Required);
static cl::opt<std::string> taskName("task", cl::desc("Task to run "
                                                      "(default: the first)"),
                                     cl::value_desc("name"));
static cl::list<std::string>
    inputs("input", cl::desc("An input as NAME=FILE.npy (repeatable)"),
           cl::value_desc("NAME=FILE.npy"));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Where to write outputs"),
                                      cl::value_desc("DIR"), cl::Required);
static cl::opt<unsigned> repeat("repeat",
                                cl::desc("Run N times and print latency "
                                         "statistics"),
                                cl::init(1), cl::value_desc("N"));

namespace {

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "m3sat-run: error: " << message << "\n";
  std::exit(1);
}

/// How each bundle dtype is written to .npy, its name, and the .npy
/// descriptors accepted for it (integers are signless: either signedness).
struct DTypeInfo {
  const char *descr;
  const char *name;
  std::vector<std::string> accepted;
};

const DTypeInfo &dtypeInfo(int dtype) {
  static const std::map<int, DTypeInfo> infos = {
      {M3SAT_F32, {"<f4", "float32", {"<f4"}}},
      {M3SAT_I64, {"<i8", "int64", {"<i8", "<u8"}}},
      {M3SAT_I32, {"<i4", "int32", {"<i4", "<u4"}}},
      {M3SAT_F16, {"<f2", "float16", {"<f2"}}},
      {M3SAT_I1, {"|b1", "bool", {"|b1"}}},
      {M3SAT_I8, {"|i1", "int8", {"|i1", "|u1"}}},
      {M3SAT_I16, {"<i2", "int16", {"<i2", "<u2"}}},
      {M3SAT_F64, {"<f8", "float64", {"<f8"}}}};
  static const DTypeInfo unknown = {"?", "?", {}};
  auto it = infos.find(dtype);
  return it == infos.end() ? unknown : it->second;
}

const char *dtypeDescr(int dtype) { return dtypeInfo(dtype).descr; }
const char *dtypeName(int dtype) { return dtypeInfo(dtype).name; }

/// The C ABI, resolved from the task library.
struct TaskLibrary {
  decltype(&m3sat_create) create;
  decltype(&m3sat_num_inputs) numInputs;
  decltype(&m3sat_num_outputs) numOutputs;
  decltype(&m3sat_input_name) inputName;
  decltype(&m3sat_input_dtype) inputDtype;
  decltype(&m3sat_input_rank) inputRank;
  decltype(&m3sat_input_shape) inputShape;
  decltype(&m3sat_output_name) outputName;
  decltype(&m3sat_output_dtype) outputDtype;
  decltype(&m3sat_output_rank) outputRank;
  decltype(&m3sat_output_shape) outputShape;
  decltype(&m3sat_run) run;
  decltype(&m3sat_destroy) destroy;
};

template <typename T> void resolve(void *handle, const char *name, T &fn,
                                   const std::string &path) {
  fn = reinterpret_cast<T>(dlsym(handle, name));
  if (!fn)
    fail(path + ": task library lacks the C ABI symbol '" + name + "'");
}

TaskLibrary loadLibrary(const std::string &path) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    fail(path + ": cannot load task library: " + dlerror());
  TaskLibrary lib;
  resolve(handle, "m3sat_create", lib.create, path);
  resolve(handle, "m3sat_num_inputs", lib.numInputs, path);
  resolve(handle, "m3sat_num_outputs", lib.numOutputs, path);
  resolve(handle, "m3sat_input_name", lib.inputName, path);
  resolve(handle, "m3sat_input_dtype", lib.inputDtype, path);
  resolve(handle, "m3sat_input_rank", lib.inputRank, path);
  resolve(handle, "m3sat_input_shape", lib.inputShape, path);
  resolve(handle, "m3sat_output_name", lib.outputName, path);
  resolve(handle, "m3sat_output_dtype", lib.outputDtype, path);
  resolve(handle, "m3sat_output_rank", lib.outputRank, path);
  resolve(handle, "m3sat_output_shape", lib.outputShape, path);
  resolve(handle, "m3sat_run", lib.run, path);
  resolve(handle, "m3sat_destroy", lib.destroy, path);
  return lib;
}

double percentile(std::vector<double> sorted, double q) {
  size_t at = static_cast<size_t>(std::lround(q * (sorted.size() - 1)));
  return sorted[std::min(at, sorted.size() - 1)];
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "m3sat task runner\n");
  if (repeat == 0)
    fail("--repeat must be at least 1");

  // The bundle is verified here first, so a corrupt OUT_DIR is reported
  // before any of its code is loaded.
  std::string bundlePath = outDir + "/bundle.m3b";
  std::string error;
  std::shared_ptr<MappedBundle> bundle = MappedBundle::open(bundlePath, error);
  if (!bundle)
    fail(error);
  std::string library = bundle->root().library()->str();
  if (library.empty() || library.find('/') != std::string::npos)
    fail(bundlePath + ": field 'library' is not a file name in OUT_DIR");
  TaskLibrary lib = loadLibrary(outDir + "/" + library);

  char message[1024] = {0};
  m3sat_model *model = lib.create(
      outDir.c_str(), taskName.empty() ? nullptr : taskName.c_str(), message,
      sizeof(message));
  if (!model)
    fail(message);

  // Inputs: every declared one exactly once, with its dtype and shape.
  std::map<std::string, std::string> given;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      fail("--input '" + spec + "' is not NAME=FILE.npy");
    if (!given.emplace(spec.substr(0, eq), spec.substr(eq + 1)).second)
      fail("--input '" + spec.substr(0, eq) + "' given twice");
  }
  int numInputs = lib.numInputs(model);
  std::vector<NpyArray> arrays(numInputs);
  std::vector<const void *> inputPointers(numInputs);
  std::string expected;
  for (int i = 0; i < numInputs; ++i) {
    std::string name = lib.inputName(model, i);
    std::vector<int64_t> shape(lib.inputShape(model, i),
                               lib.inputShape(model, i) +
                                   lib.inputRank(model, i));
    int dtype = lib.inputDtype(model, i);
    std::string want = std::string(dtypeName(dtype)) + " " + formatShape(shape);
    expected += (expected.empty() ? "" : ", ") + name + " " + want;
    auto it = given.find(name);
    if (it == given.end())
      fail("missing --input " + name + "=FILE.npy (" + want + ")");
    if (!readNpy(it->second, arrays[i], error))
      fail(error);
    if (!llvm::is_contained(dtypeInfo(dtype).accepted, arrays[i].descr))
      fail(it->second + ": dtype '" + arrays[i].descr + "' but input '" +
           name + "' needs " + dtypeName(dtype) + " ('" + dtypeDescr(dtype) +
           "')");
    if (arrays[i].shape != shape)
      fail(it->second + ": shape " + formatShape(arrays[i].shape) +
           " but input '" + name + "' needs " + formatShape(shape));
    // Zero-size tensors still get a valid (never read) address.
    static uint64_t empty = 0;
    inputPointers[i] = arrays[i].data.empty()
                           ? static_cast<const void *>(&empty)
                           : arrays[i].data.data();
    given.erase(it);
  }
  if (!given.empty())
    fail("--input '" + given.begin()->first +
         "' is not an input of this task (inputs: " + expected + ")");

  // Outputs: allocated here, written after the runs.
  int numOutputs = lib.numOutputs(model);
  std::vector<NpyArray> outputs(numOutputs);
  std::vector<void *> outputPointers(numOutputs);
  for (int i = 0; i < numOutputs; ++i) {
    outputs[i].descr = dtypeDescr(lib.outputDtype(model, i));
    outputs[i].shape.assign(lib.outputShape(model, i),
                            lib.outputShape(model, i) +
                                lib.outputRank(model, i));
    outputs[i].data.assign(outputs[i].numElements() *
                               npyElementSize(outputs[i].descr),
                           0);
    static uint64_t emptyOutput = 0;
    outputPointers[i] = outputs[i].data.empty()
                            ? static_cast<void *>(&emptyOutput)
                            : outputs[i].data.data();
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    fail(outputDir + ": cannot create output directory: " + ec.message());
  if (!llvm::sys::fs::can_write(outputDir))
    fail(outputDir + ": output directory is not writable");

  std::vector<double> latencies;
  for (unsigned r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (lib.run(model, inputPointers.data(), outputPointers.data()) != 0)
      fail("task run failed");
    auto stop = std::chrono::steady_clock::now();
    latencies.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
  }

  for (int i = 0; i < numOutputs; ++i) {
    std::string name = lib.outputName(model, i);
    if (name.empty() || name.find('/') != std::string::npos || name == "." ||
        name == "..")
      fail(bundlePath + ": output name '" + name + "' is not a file name");
    std::string path = outputDir + "/" + name + ".npy";
    if (!writeNpy(path, outputs[i], error))
      fail(error);
    llvm::outs() << "output " << name << " " << formatShape(outputs[i].shape)
                 << " -> " << path;
    if (outputs[i].descr == "<f4") {
      const float *v = reinterpret_cast<const float *>(outputs[i].data.data());
      int64_t n = outputs[i].numElements();
      double sum = 0, lo = INFINITY, hi = -INFINITY;
      for (int64_t j = 0; j < n; ++j) {
        sum += v[j];
        lo = std::min<double>(lo, v[j]);
        hi = std::max<double>(hi, v[j]);
      }
      llvm::outs() << llvm::format("  min %.6g max %.6g mean %.6g", lo, hi,
                                   n ? sum / n : 0.0);
    }
    llvm::outs() << "\n";
  }
  if (repeat > 1) {
    std::vector<double> sorted = latencies;
    std::sort(sorted.begin(), sorted.end());
    double mean = 0;
    for (double l : latencies)
      mean += l / latencies.size();
    llvm::outs() << llvm::format(
        "latency over %u runs (ms): min %.4f median %.4f mean %.4f p90 %.4f "
        "max %.4f\n",
        unsigned(repeat), sorted.front(), percentile(sorted, 0.5), mean,
        percentile(sorted, 0.9), sorted.back());
  } else {
    llvm::outs() << llvm::format("latency (ms): %.4f\n", latencies.front());
  }
  lib.destroy(model);
  return 0;
}
