//===- m3sat-run.cpp - run a compiled m3sat task --------------------------===//
//
// m3sat-run OUT_DIR [--task=T] --input NAME=FILE.npy ... --output-dir DIR
//           [--repeat N] [--warmup N]
//
// Verifies OUT_DIR/bundle.m3b, loads the task library through its C ABI,
// checks every input against the task's declared names, dtypes and shapes,
// runs the task (N times, printing latency statistics when N > 1) and writes
// DIR/<output name>.npy atomically. Any error is one line and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Npy.h"
#include "m3sat/Support/OneLine.h"
#include "m3sat/Support/ToolOptions.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace m3sat;
namespace cl = llvm::cl;

// First: the options the linked libraries registered, hidden from --help.
static LibraryOptions libraryOptions;

static cl::opt<std::string> outDir(cl::Positional, cl::desc("<OUT_DIR>"),
                                   cl::Required);
static cl::opt<std::string> taskName("task",
                                     cl::desc("Task to run "
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
static cl::opt<unsigned> warmup("warmup",
                                cl::desc("Run N untimed times first (the "
                                         "first run loads and JIT-compiles "
                                         "kernels)"),
                                cl::init(0), cl::value_desc("N"));

namespace {

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "m3sat-run: error: " << escapeForOneLine(message) << "\n";
  std::exit(1);
}

double percentile(std::vector<double> sorted, double q) {
  size_t at = static_cast<size_t>(std::lround(q * (sorted.size() - 1)));
  return sorted[std::min(at, sorted.size() - 1)];
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  libraryOptions.hideFromHelp();
  cl::ParseCommandLineOptions(argc, argv, "m3sat task runner\n");
  if (repeat == 0)
    fail("--repeat must be at least 1");

  std::string error;
  std::unique_ptr<LoadedTask> task = LoadedTask::open(outDir, taskName, error);
  if (!task)
    fail(error);

  // Inputs: every declared one exactly once, with its dtype and shape.
  std::map<std::string, std::string> given;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      fail("--input '" + spec + "' is not NAME=FILE.npy");
    if (!given.emplace(spec.substr(0, eq), spec.substr(eq + 1)).second)
      fail("--input '" + spec.substr(0, eq) + "' given twice");
  }
  if (!task->setInputs(given, /*ignoreExtra=*/false, error))
    fail(error);

  // Output names become file names: check them all before writing any.
  for (const TensorInfo &output : task->outputs())
    if (output.name.empty() || output.name.find('/') != std::string::npos ||
        output.name == "." || output.name == "..")
      fail(outDir + "/bundle.m3b: output name '" + output.name +
           "' is not a file name");
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    fail(outputDir + ": cannot create output directory: " + ec.message());
  if (!llvm::sys::fs::can_write(outputDir))
    fail(outputDir + ": output directory is not writable");

  for (unsigned r = 0; r < warmup; ++r)
    if (!task->run(error))
      fail(error);
  std::vector<double> latencies;
  for (unsigned r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (!task->run(error))
      fail(error);
    auto stop = std::chrono::steady_clock::now();
    latencies.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
  }

  const std::vector<NpyArray> &outputs = task->outputArrays();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string &name = task->outputs()[i].name;
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
  return 0;
}
