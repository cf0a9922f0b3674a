//===- m3sat-profile.cpp - measure expert usage ---------------------------===//
//
// m3sat-profile MODEL.onnx (--input NAME=FILE.npy ... | --calibration=SET)
//               [--holdout=F|N] [--tasks=...] [--modalities=...]
//               [--jobs=N] -o usage.json [--svg=usage.svg]
//
// Compiles the tasks with their token-level routing exposed (m3sat-compile
// --expose-routing, into a temporary OUT_DIR), runs each compiled task on
// the calibration samples (Calibration.h: stacked .npy, .npz, a directory;
// --jobs samples side by side, SampleRunner.h) and writes, per task and
// MoE layer, how many token slots chose each expert and the routing mass
// (sum of routing weights) each received, as JSON for `m3sat-compile
// --profile`, plus an SVG heatmap.
//
// Some samples are held out (--holdout, default a fifth): they do not count
// in the usage; their inputs and the unpruned tasks' outputs on them are
// kept next to the JSON (usage.ref/), so that m3sat-compile --profile can
// measure what pruning changes on samples the profile did not see.
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "Plots.h"
#include "SampleRunner.h"
#include "Sweep.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/ImportCLOptions.h"
#include "m3sat/Support/Npy.h"
#include "m3sat/Support/OneLine.h"
#include "m3sat/Support/ToolOptions.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

using namespace m3sat;
namespace cl = llvm::cl;

// First: the options the linked libraries registered, hidden from --help.
static LibraryOptions libraryOptions;

static cl::opt<std::string> model(cl::Positional, cl::desc("<MODEL.onnx>"),
                                  cl::Required);
static cl::list<std::string>
    inputs("input",
           cl::desc("Samples of input NAME: one sample or a stack of them "
                    "(leading axis, or the batch axis when the batch is 1); "
                    "repeat for more"),
           cl::value_desc("NAME=FILE.npy"));
static cl::list<std::string> calibration(
    "calibration",
    cl::desc("A calibration set: an .npz with NAME.npy per input, or a "
             "directory with NAME.npy or NAME/*.npy per input (repeatable)"),
    cl::value_desc("SET.npz|DIR"));
static cl::opt<std::string>
    holdout("holdout",
            cl::desc("Samples held out of the profile to measure pruning on: "
                     "a fraction in [0, 1) or a count (default 0.2)"),
            cl::value_desc("F|N"), cl::init("0.2"));
static cl::list<std::string> tasks("tasks", cl::CommaSeparated,
                                   cl::desc("Tasks to profile (default: all)"),
                                   cl::value_desc("name,..."));
static cl::list<std::string>
    modalities("modalities", cl::CommaSeparated,
               cl::desc("Modalities the device has (default: all)"),
               cl::value_desc("name,..."));
// --input-shape, --bind: passed on to m3sat-compile.
static ImportCLOptions importFlags;
static cl::opt<std::string> output("o", cl::desc("Usage JSON to write"),
                                   cl::value_desc("usage.json"), cl::Required);
static cl::opt<std::string> svg("svg",
                                cl::desc("Heatmap to write (default: the "
                                         "JSON path with .svg)"),
                                cl::value_desc("usage.svg"));

static cl::opt<unsigned>
    jobs("jobs",
         cl::desc("Samples run side by side, each run on one thread (default "
                  "0: one per hardware thread; 1: one at a time, each run on "
                  "the task's whole thread pool); the profile is the same"),
         cl::value_desc("N"), cl::init(0));
static cl::opt<std::string>
    compiled("compiled",
             cl::desc("Profile OUT_DIR, compiled from MODEL with m3sat-compile "
                      "--expose-routing, instead of compiling again"),
             cl::value_desc("OUT_DIR"));
static cl::list<std::string> sweep(
    "sweep", cl::CommaSeparated,
    cl::desc("Coverages to compile and measure on the held-out samples "
             "(writes USAGE.sweep.json, USAGE.sweep.svg, USAGE.cost.svg)"),
    cl::value_desc("C,..."));
static cl::list<std::string> argmaxOutputs(
    "argmax", cl::CommaSeparated,
    cl::desc("With --sweep: outputs whose argmax along AXIS is a class "
             "(default: rank-2 outputs, along axis 1)"),
    cl::value_desc("OUTPUT:AXIS,..."));

namespace {

/// Temporary directories, removed on every exit.
std::vector<std::string> temporaries;

void removeTemporaries() {
  for (const std::string &dir : temporaries)
    llvm::sys::fs::remove_directories(dir);
  temporaries.clear();
}

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "m3sat-profile: error: " << escapeForOneLine(message) << "\n";
  removeTemporaries();
  std::exit(1);
}

std::string absolute(const std::string &path) {
  llvm::SmallString<256> result(path);
  llvm::sys::fs::make_absolute(result);
  return std::string(result);
}

/// `path` without a trailing ".json".
std::string stem(const std::string &path) {
  llvm::StringRef text(path);
  return text.ends_with(".json") ? text.drop_back(5).str() : path;
}

/// A file name for tensor `name` (the `index`-th): the name itself when it
/// is a plain file name, else "tensor<index>".
std::string fileNameFor(const std::string &name, size_t index) {
  bool plain = !name.empty() && name != "." && name != ".." &&
               name.size() < 200 &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) ||
                        c == '_' || c == '-' || c == '.';
               });
  return (plain ? name : "tensor" + std::to_string(index)) + ".npy";
}

/// Usage of one layer of one task, summed over tokens and samples.
struct LayerUsage {
  std::string name;
  int64_t k = 0;
  int64_t tokens = 0;
  std::vector<int64_t> counts;
  std::vector<double> mass;
};

/// Fewest experts whose mass reaches `coverage` of the total.
int64_t expertsToCover(const std::vector<double> &mass, double coverage) {
  std::vector<double> sorted = mass;
  std::sort(sorted.rbegin(), sorted.rend());
  double total = std::accumulate(sorted.begin(), sorted.end(), 0.0), sum = 0;
  int64_t n = 0;
  for (double m : sorted) {
    if (sum >= coverage * total * (1 - 1e-12))
      break;
    sum += m;
    ++n;
  }
  return n;
}

void writeAtomically(const std::string &path, const std::string &text) {
  std::error_code ec;
  llvm::ToolOutputFile out(path + ".tmp", ec, llvm::sys::fs::OF_None);
  if (ec)
    fail(path + ": cannot write: " + ec.message());
  out.os() << text;
  out.os().close();
  if (out.os().has_error())
    fail(path + ": cannot write");
  out.keep();
  if (std::error_code renamed = llvm::sys::fs::rename(path + ".tmp", path))
    fail(path + ": cannot write: " + renamed.message());
}

/// Whether progress is a bar: on a terminal, unless M3SAT_PROGRESS says
/// "bar" or "lines" (for tests and logs); fails on another value.
bool progressBar() {
  std::optional<std::string> choice =
      llvm::sys::Process::GetEnv("M3SAT_PROGRESS");
  if (!choice || choice->empty())
    return llvm::sys::Process::StandardErrIsDisplayed();
  if (*choice != "bar" && *choice != "lines")
    fail("M3SAT_PROGRESS=" + *choice + ": expected bar or lines");
  return *choice == "bar";
}

/// Progress of the runs on stderr, task by task: a bar redrawn in place
/// (progressBar()), else a plain line at every tenth of a task and at its
/// end.
class Progress {
public:
  Progress(int64_t samples, size_t tasks, bool bar)
      : samples(samples), tasks(tasks), start(now()), taskStart(start),
        terminal(bar) {}

  void beginTask(const std::string &name) {
    task = name;
    ++taskIndex;
    done = 0;
    taskStart = now();
    lastDraw = -1;
  }

  void step() {
    ++done;
    double seconds = std::chrono::duration<double>(now() - taskStart).count();
    double rate = seconds > 0 ? done / seconds : 0;
    int64_t remaining = samples - done + (tasks - taskIndex) * samples;
    double left = rate > 0 ? remaining / rate : 0;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "task " << task << " (" << taskIndex << " of " << tasks
       << "): " << done << "/" << samples << " samples, "
       << llvm::format("%.1f", rate) << " samples/s, "
       << llvm::format("%.0f", left) << " s left";
    if (terminal) {
      // At most ten redraws a second.
      if (done != samples && seconds - lastDraw < 0.1)
        return;
      lastDraw = seconds;
      const int width = 30;
      int filled =
          static_cast<int>(width * done / std::max<int64_t>(samples, 1));
      llvm::errs() << "\r[" << std::string(filled, '#')
                   << std::string(width - filled, '.') << "] " << text
                   << "\x1b[K";
      if (done == samples)
        llvm::errs() << "\n";
    } else if (done == samples ||
               done * 10 / samples != (done - 1) * 10 / samples) {
      llvm::errs() << "m3sat-profile: " << text << "\n";
    }
    llvm::errs().flush();
  }

  double seconds() const {
    return std::chrono::duration<double>(now() - start).count();
  }

private:
  static std::chrono::steady_clock::time_point now() {
    return std::chrono::steady_clock::now();
  }
  int64_t samples;
  int64_t tasks, taskIndex = 0, done = 0;
  std::string task;
  std::chrono::steady_clock::time_point start, taskStart;
  bool terminal;
  double lastDraw = -1;
};

/// What one run of a task on one sample leaves for the profile: filled by
/// the worker that ran it, taken in sample order.
struct SampleResult {
  /// The sample's inputs, when they go to the reference files.
  std::map<std::string, NpyArray> inputs;
  std::vector<NpyArray> outputs;
};

/// Adds the routing that `outputs` (described by `infos`) of one run of
/// `task` return to `layers`; "" or a one-line error.
std::string addRouting(const std::string &task,
                       const std::vector<TensorInfo> &infos,
                       const std::vector<NpyArray> &outputs,
                       std::vector<LayerUsage> &layers) {
  std::map<std::string, const NpyArray *> byName;
  for (size_t i = 0; i < outputs.size(); ++i)
    byName[infos[i].name] = &outputs[i];
  for (LayerUsage &layer : layers) {
    auto indices = byName.find("m3sat.routing." + layer.name + ".indices");
    auto weights = byName.find("m3sat.routing." + layer.name + ".weights");
    if (indices == byName.end() || weights == byName.end() ||
        indices->second->descr != "<i8" || weights->second->descr != "<f4")
      return "task '" + task + "' does not return the routing of layer '" +
             layer.name + "'";
    const auto *ids =
        reinterpret_cast<const int64_t *>(indices->second->data.data());
    const auto *ws =
        reinterpret_cast<const float *>(weights->second->data.data());
    int64_t slots = indices->second->numElements();
    layer.tokens += slots / std::max<int64_t>(layer.k, 1);
    for (int64_t i = 0; i < slots; ++i) {
      if (ids[i] < 0 || ids[i] >= static_cast<int64_t>(layer.mass.size()))
        return "layer '" + layer.name + "' routed to expert " +
               std::to_string(ids[i]) + " of " +
               std::to_string(layer.mass.size());
      ++layer.counts[ids[i]];
      layer.mass[ids[i]] += ws[i];
    }
  }
  return "";
}

/// --holdout as a fraction in [0, 1) or a count.
double parseHoldout() {
  double value;
  if (llvm::StringRef(holdout).getAsDouble(value) || !(value >= 0) ||
      std::isinf(value) || (value >= 1 && value != std::floor(value)))
    fail("--holdout=" + holdout +
         ": not a fraction in [0, 1) or a number of samples");
  return value;
}

/// The number of samples --holdout asks for out of `samples`.
int64_t holdoutCount(int64_t samples) {
  double value = parseHoldout();
  if (value < 1) {
    // A fraction: at least one sample when it is not 0 and there are two.
    int64_t count = static_cast<int64_t>(std::floor(value * samples + 0.5));
    if (value > 0 && samples >= 2)
      count = std::max<int64_t>(count, 1);
    return std::min<int64_t>(count, samples - 1);
  }
  if (value > samples - 1)
    fail("--holdout=" + holdout + ": the calibration set has " +
         std::to_string(samples) +
         " samples, and at least one must build the profile");
  return static_cast<int64_t>(value);
}

/// --argmax OUTPUT:AXIS entries by output.
std::map<std::string, int> parseArgmax() {
  std::map<std::string, int> axes;
  for (const std::string &spec : argmaxOutputs) {
    size_t colon = spec.rfind(':');
    unsigned axis;
    if (colon == std::string::npos || colon == 0 ||
        llvm::StringRef(spec).drop_front(colon + 1).getAsInteger(10, axis))
      fail("--argmax '" + spec + "' is not OUTPUT:AXIS");
    axes[spec.substr(0, colon)] = static_cast<int>(axis);
  }
  return axes;
}

/// The calibration set: file headers now (bad files fail before the
/// compile), shapes once the compiled tasks declare their inputs.
void readCalibration(CalibrationSet &set) {
  std::string error;
  if (!inputs.empty() && !calibration.empty())
    fail("--input and --calibration exclude each other");
  for (const std::string &spec : inputs)
    if (!set.addInput(spec, error))
      fail(error);
  for (const std::string &path : calibration)
    if (!set.addSet(path, error))
      fail(error);
  if (set.empty())
    fail("no --input or --calibration given: the profile runs the model on "
         "user inputs");
}

std::string join(const cl::list<std::string> &list) {
  std::string text;
  for (const std::string &item : list)
    text += (text.empty() ? "" : ",") + item;
  return text;
}

/// The m3sat-compile arguments of every compile: the model, the target,
/// --tasks, --modalities and the import flags.
std::vector<std::string> compileArguments() {
  std::vector<std::string> args = {model, "--target=cpu"};
  if (!tasks.empty())
    args.push_back("--tasks=" + join(tasks));
  if (!modalities.empty())
    args.push_back("--modalities=" + join(modalities));
  for (const std::string &arg : importFlags.getArguments())
    args.push_back(arg);
  return args;
}

/// --compiled: an OUT_DIR compiled from this model, with the routing
/// exposed.
void checkCompiled() {
  auto modelFile = llvm::MemoryBuffer::getFile(model);
  if (!modelFile)
    fail(model + ": cannot read: " + modelFile.getError().message());
  std::string error;
  std::shared_ptr<MappedBundle> bundle =
      MappedBundle::open(compiled + "/bundle.m3b", error);
  if (!bundle)
    fail(error);
  llvm::SHA256 hash;
  hash.update((*modelFile)->getBuffer());
  if (bundle->root().model_hash()->str() !=
      llvm::toHex(hash.final(), /*LowerCase=*/true))
    fail("--compiled=" + compiled + ": compiled from another model than " +
         model);
  if (!llvm::sys::fs::exists(compiled + "/routing.json"))
    fail("--compiled=" + compiled +
         ": not compiled with --expose-routing (no routing.json)");
}

/// Compiles the tasks with the routing exposed into `outDir`; false when
/// m3sat-compile failed (it has said what is wrong, in one line).
bool compileInstrumented(const std::string &compiler,
                         const std::string &outDir) {
  std::vector<std::string> args = {compiler};
  for (const std::string &arg : compileArguments())
    args.push_back(arg);
  for (const char *arg : {"--expose-routing", "-o"})
    args.push_back(arg);
  args.push_back(outDir);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string error;
  int status = llvm::sys::ExecuteAndWait(compiler, argRefs, std::nullopt, {}, 0,
                                         0, &error);
  if (status < 0)
    fail(compiler + ": " + (error.empty() ? "did not finish" : error));
  return status == 0;
}

/// The instrumented tasks of an OUT_DIR, opened, in name order (so that
/// runs print the same), with the routing.json that describes them.
struct InstrumentedTasks {
  std::string dir;
  llvm::json::Value routing = nullptr;
  const llvm::json::Object *routingTasks = nullptr;
  std::vector<std::string> names;
  std::map<std::string, std::unique_ptr<LoadedTask>> loaded;
  /// Input name -> (dtype descriptor, shape).
  std::map<std::string, std::pair<std::string, std::vector<int64_t>>> declared;
};

void openTasks(InstrumentedTasks &tasksOut) {
  auto routingFile =
      llvm::MemoryBuffer::getFile(tasksOut.dir + "/routing.json");
  if (!routingFile)
    fail("m3sat-compile wrote no routing.json");
  llvm::Expected<llvm::json::Value> routing =
      llvm::json::parse((*routingFile)->getBuffer());
  if (routing)
    tasksOut.routing = std::move(*routing);
  else
    llvm::consumeError(routing.takeError());
  tasksOut.routingTasks =
      tasksOut.routing.getAsObject()
          ? tasksOut.routing.getAsObject()->getObject("tasks")
          : nullptr;
  if (!tasksOut.routingTasks)
    fail("m3sat-compile wrote a malformed routing.json");
  std::vector<std::string> &names = tasksOut.names;
  for (const auto &entry : *tasksOut.routingTasks)
    if (compiled.empty() || tasks.empty() ||
        llvm::is_contained(tasks, entry.first.str()))
      names.push_back(entry.first.str());
  for (const std::string &task : tasks)
    if (!compiled.empty() && !llvm::is_contained(names, task))
      fail("--tasks: --compiled=" + compiled + " has no task '" + task + "'");
  std::sort(names.begin(), names.end());
  std::string error;
  for (const std::string &task : names) {
    std::unique_ptr<LoadedTask> &loaded = tasksOut.loaded[task];
    loaded = LoadedTask::open(tasksOut.dir, task, error);
    if (!loaded)
      fail(error);
    for (const TensorInfo &info : loaded->inputs())
      tasksOut.declared.emplace(
          info.name, std::make_pair(dtypeDescr(info.dtype), info.shape));
  }
}

/// Binds the calibration set to the tasks' inputs; checks --argmax against
/// their outputs.
void bindCalibration(CalibrationSet &set, const InstrumentedTasks &opened,
                     const std::map<std::string, int> &argmaxAxes) {
  std::string error;
  if (!set.bind(opened.declared, error))
    fail(error);
  for (const auto &[name, axis] : argmaxAxes)
    if (!std::any_of(
            opened.loaded.begin(), opened.loaded.end(), [&](const auto &entry) {
              return llvm::any_of(
                  entry.second->outputs(), [&](const TensorInfo &info) {
                    return info.name == name &&
                           axis < static_cast<int>(info.shape.size());
                  });
            }))
      fail("--argmax " + name + ":" + std::to_string(axis) +
           ": no task has an output '" + name + "' with that axis");
  for (const auto &[name, info] : opened.declared)
    if (!llvm::is_contained(set.names(), name))
      fail("input '" + name + "' (" + info.first + " " +
           formatShape(info.second) + ") has no samples: give --input " + name +
           "=FILE.npy or NAME.npy in the --calibration set");
}

/// Which samples are held out (spread evenly over the set) and which have
/// reference outputs: the held-out ones, or every sample when none is.
struct SampleSplit {
  int64_t numSamples = 0, numHeldOut = 0;
  std::vector<bool> heldOut;
  std::vector<int64_t> referenceIds;
  bool referenceProfiled = false;

  explicit SampleSplit(int64_t samples)
      : numSamples(samples), numHeldOut(holdoutCount(samples)),
        heldOut(samples, false) {
    for (int64_t s = 0; s < numSamples; ++s)
      if ((s + 1) * numHeldOut / numSamples != s * numHeldOut / numSamples) {
        heldOut[s] = true;
        referenceIds.push_back(s);
      }
    referenceProfiled = referenceIds.empty();
    if (referenceProfiled)
      for (int64_t s = 0; s < numSamples; ++s)
        referenceIds.push_back(s);
  }
  bool isReference(int64_t s) const { return heldOut[s] || referenceProfiled; }
};

/// Reference files go to a temporary directory that replaces usage.ref/
/// when everything is written; the JSON names their final paths.
class ReferenceFiles {
public:
  ReferenceFiles() : dir(stem(absolute(output)) + ".ref"), temp(dir + ".tmp") {
    llvm::sys::fs::remove_directories(temp);
    temporaries.push_back(temp);
  }

  /// Writes `array` to `relative`; `path` is where it will be.
  bool write(const std::string &relative, const NpyArray &array,
             std::string &path, std::string &message) const {
    std::string file = temp + "/" + relative;
    if (std::error_code ec = llvm::sys::fs::create_directories(
            llvm::sys::path::parent_path(file))) {
      message = file + ": cannot create directory: " + ec.message();
      return false;
    }
    if (!writeNpy(file, array, message))
      return false;
    path = dir + "/" + relative;
    return true;
  }

  /// Replaces usage.ref/ with what was written.
  void commit() const {
    llvm::sys::fs::remove_directories(dir);
    if (std::error_code ec = llvm::sys::fs::rename(temp, dir))
      fail(dir + ": cannot write: " + ec.message());
  }

private:
  std::string dir, temp;
};

/// What the runs of every task add up to.
struct ProfileResult {
  std::map<std::string, std::vector<LayerUsage>> usage;
  llvm::json::Object jsonTasks;
  std::map<int64_t, llvm::json::Object> referenceInputs;
};

/// The usage of `task`'s MoE layers (routing.json), nothing counted yet.
std::vector<LayerUsage> emptyUsage(const llvm::json::Array &routingLayers) {
  std::vector<LayerUsage> layers;
  for (const llvm::json::Value &value : routingLayers) {
    const llvm::json::Object &layer = *value.getAsObject();
    LayerUsage &entry = layers.emplace_back();
    entry.name = layer.getString("name")->str();
    entry.k = *layer.getInteger("k");
    int64_t experts = *layer.getInteger("experts");
    entry.counts.assign(experts, 0);
    entry.mass.assign(experts, 0.0);
  }
  return layers;
}

/// One task on every sample, samples side by side: runs on the workers
/// (work), adds up and writes reference files in sample order (done).
class TaskProfiler {
public:
  TaskProfiler(const std::string &task, size_t taskIndex,
               const CalibrationSet &set, const SampleSplit &split,
               const ReferenceFiles &files, ProfileResult &result)
      : task(task), set(set), split(split), files(files), result(result),
        layers(result.usage[task]), firstTask(taskIndex == 0),
        results(split.numSamples) {
    taskDir = fileNameFor(task, taskIndex);
    taskDir.resize(taskDir.size() - 4);
  }

  /// Runs every sample on `workers` (the first one opened), then reports.
  void run(std::vector<std::unique_ptr<LoadedTask>> &workers,
           Progress &progress) {
    outputInfos = workers.front()->outputs();
    progress.beginTask(task);
    auto work = [&](LoadedTask &runner, int64_t s, std::string &message) {
      return this->work(runner, s, message);
    };
    auto done = [&](int64_t s, std::string &message) {
      if (!this->done(s, message))
        return false;
      progress.step();
      return true;
    };
    if (std::string problem = runSamples(workers, split.numSamples, work, done);
        !problem.empty())
      fail(problem);
  }

  /// Prints a line per layer; the task's JSON.
  llvm::json::Object report();

private:
  /// On a worker: touches only results[s].
  bool work(LoadedTask &runner, int64_t s, std::string &message) {
    std::map<std::string, NpyArray> arrays;
    std::map<std::string, std::string> sources;
    set.sample(s, arrays, sources);
    SampleResult &sample = results[s];
    if (firstTask && split.isReference(s))
      sample.inputs = arrays;
    if (!runner.setInputArrays(std::move(arrays), sources,
                               /*ignoreExtra=*/true, message) ||
        !runner.run(message))
      return false;
    sample.outputs = runner.outputArrays();
    return true;
  }

  /// In sample order, on the calling thread.
  bool done(int64_t s, std::string &message) {
    SampleResult sample = std::move(results[s]);
    if (!sample.inputs.empty() && !writeInputs(s, sample.inputs, message))
      return false;
    if (!split.heldOut[s]) {
      message = addRouting(task, outputInfos, sample.outputs, layers);
      if (!message.empty())
        return false;
    }
    // The unpruned task's outputs are the reference for pruning.
    return !split.isReference(s) || writeOutputs(s, sample.outputs, message);
  }

  bool writeInputs(int64_t s, const std::map<std::string, NpyArray> &arrays,
                   std::string &message) {
    llvm::json::Object inputFiles;
    size_t index = 0;
    for (const auto &[name, array] : arrays) {
      std::string path;
      if (!files.write(std::to_string(s) + "/inputs/" +
                           fileNameFor(name, index++),
                       array, path, message))
        return false;
      inputFiles[name] = path;
    }
    result.referenceInputs[s] = std::move(inputFiles);
    return true;
  }

  bool writeOutputs(int64_t s, const std::vector<NpyArray> &outputs,
                    std::string &message) {
    llvm::json::Object reference;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string &name = outputInfos[i].name;
      if (llvm::StringRef(name).starts_with("m3sat.routing."))
        continue;
      std::string path;
      if (!files.write(std::to_string(s) + "/outputs/" + taskDir + "/" +
                           fileNameFor(name, i),
                       outputs[i], path, message))
        return false;
      reference[name] = path;
    }
    references[s] = std::move(reference);
    return true;
  }

  const std::string &task;
  const CalibrationSet &set;
  const SampleSplit &split;
  const ReferenceFiles &files;
  ProfileResult &result;
  std::vector<LayerUsage> &layers;
  bool firstTask;
  std::string taskDir;
  std::vector<TensorInfo> outputInfos;
  std::vector<SampleResult> results;
  std::map<int64_t, llvm::json::Object> references;
};

llvm::json::Object TaskProfiler::report() {
  llvm::json::Array jsonLayers;
  for (const LayerUsage &layer : layers) {
    llvm::outs() << llvm::formatv(
        "task {0}, layer {1}: {2} tokens, {3} of {4} experts used; "
        "experts for 90% / 99% / 99.9% of the routing mass: {5} / {6} / "
        "{7}\n",
        task, layer.name, layer.tokens,
        std::count_if(layer.counts.begin(), layer.counts.end(),
                      [](int64_t c) { return c > 0; }),
        layer.counts.size(), expertsToCover(layer.mass, 0.9),
        expertsToCover(layer.mass, 0.99), expertsToCover(layer.mass, 0.999));
    jsonLayers.push_back(llvm::json::Object{
        {"name", layer.name},
        {"experts", static_cast<int64_t>(layer.counts.size())},
        {"k", layer.k},
        {"tokens", layer.tokens},
        {"counts", llvm::json::Array(layer.counts)},
        {"mass", llvm::json::Array(layer.mass)}});
  }
  llvm::json::Array referenceList;
  for (int64_t s : split.referenceIds)
    referenceList.push_back(std::move(references[s]));
  return llvm::json::Object{{"layers", std::move(jsonLayers)},
                            {"reference", std::move(referenceList)}};
}

/// Every task on every sample, `numWorkers` samples side by side; returns
/// the seconds the runs took.
double profileTasks(InstrumentedTasks &opened, const CalibrationSet &set,
                    const SampleSplit &split, const ReferenceFiles &files,
                    unsigned numWorkers, bool bar, ProfileResult &result) {
  Progress progress(split.numSamples, opened.names.size(), bar);
  for (size_t t = 0; t < opened.names.size(); ++t) {
    const std::string &task = opened.names[t];
    result.usage[task] =
        emptyUsage(*opened.routingTasks->get(task)->getAsArray());
    std::vector<std::unique_ptr<LoadedTask>> workers;
    workers.push_back(std::move(opened.loaded[task]));
    if (std::string problem =
            openWorkers(opened.dir, task, numWorkers, workers);
        !problem.empty())
      fail(problem);
    TaskProfiler profiler(task, t, set, split, files, result);
    profiler.run(workers, progress);
    result.jsonTasks[task] = profiler.report();
  }
  return progress.seconds();
}

/// The usage.json document.
llvm::json::Value profileJSON(const SampleSplit &split, ProfileResult &result) {
  // "samples" are those with reference outputs: the held-out ones, or
  // every sample when none is held out ("samples_held_out": false).
  llvm::json::Array jsonSamples;
  for (int64_t s : split.referenceIds)
    jsonSamples.push_back(llvm::json::Object{
        {"index", s}, {"inputs", std::move(result.referenceInputs[s])}});
  return llvm::json::Object{
      {"version", 2},
      {"model", absolute(model)},
      {"calibration",
       llvm::json::Object{{"samples", split.numSamples},
                          {"profiled", split.numSamples - split.numHeldOut},
                          {"held_out", split.numHeldOut}}},
      {"samples_held_out", !split.referenceProfiled},
      {"samples", std::move(jsonSamples)},
      {"tasks", std::move(result.jsonTasks)}};
}

/// Writes the heatmap to `svgPath` (and a PNG where it can); returns what
/// the "wrote" line says of it.
std::string
writeHeatmap(const std::string &svgPath,
             const std::map<std::string, std::vector<LayerUsage>> &usage,
             int64_t profiled) {
  std::vector<HeatmapTask> panels;
  for (const auto &[task, layers] : usage) {
    HeatmapTask &panel = panels.emplace_back();
    panel.name = task;
    for (const LayerUsage &layer : layers) {
      HeatmapLayer &row = panel.layers.emplace_back();
      row.name = layer.name;
      row.counts = layer.counts;
      double total = std::accumulate(layer.mass.begin(), layer.mass.end(), 0.0);
      for (double m : layer.mass)
        row.share.push_back(total > 0 ? m / total : 0);
    }
  }
  writeAtomically(
      svgPath,
      heatmapSvg(panels, "Expert usage of " +
                             llvm::sys::path::filename(model).str() + " (" +
                             std::to_string(profiled) + " profiled samples)"));
  std::string pngNote;
  std::string pngPath = llvm::StringRef(svgPath).ends_with(".svg")
                            ? svgPath.substr(0, svgPath.size() - 4) + ".png"
                            : svgPath + ".png";
  bool png = writePng(svgPath, pngPath, pngNote);
  return svgPath + (png ? " (and " + pngPath + ")" : "; " + pngNote);
}

/// The sweep's options: the profile just written, the same compile flags.
SweepOptions sweepOptions(const std::string &compiler,
                          const std::string &workDir,
                          const std::vector<double> &coverages,
                          const std::map<std::string, int> &argmaxAxes) {
  SweepOptions options;
  options.compiler = compiler;
  options.compileArgs = compileArguments();
  options.usagePath = absolute(output);
  options.coverages = coverages;
  options.argmaxAxes = argmaxAxes;
  options.jobs = jobs;
  options.workDir = workDir;
  options.jsonPath = stem(output) + ".sweep.json";
  options.svgPath = stem(output) + ".sweep.svg";
  options.costSvgPath = stem(output) + ".cost.svg";
  options.modelName = llvm::sys::path::filename(model).str();
  return options;
}

/// m3sat-compile, next to this executable.
std::string siblingCompiler(const char *argv0) {
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&siblingCompiler);
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "m3sat-compile");
  return std::string(compiler);
}

/// A new temporary directory, removed on every exit.
std::string temporaryDirectory() {
  llvm::SmallString<128> work;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("m3sat-profile", work))
    fail("cannot create a temporary directory: " + ec.message());
  temporaries.push_back(std::string(work));
  return std::string(work);
}

/// The last line on stdout: samples, compile and run times.
void printSummary(const SampleSplit &split, size_t numTasks,
                  double compileSeconds, double runSeconds,
                  unsigned numWorkers) {
  std::string compileText;
  if (compiled.empty())
    llvm::raw_string_ostream(compileText)
        << llvm::format("compile %.1f s", compileSeconds);
  else
    compileText = "compiled before";
  llvm::outs() << llvm::format(
      "profiled %lld of %lld samples (%lld held out) on %zu task(s): %s, "
      "runs %.1f s (%.1f samples/s per task, %u side by side)\n",
      (long long)(split.numSamples - split.numHeldOut),
      (long long)split.numSamples, (long long)split.numHeldOut, numTasks,
      compileText.c_str(), runSeconds,
      runSeconds > 0 ? split.numSamples * numTasks / runSeconds : 0.0,
      numWorkers);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  libraryOptions.hideFromHelp();
  cl::ParseCommandLineOptions(argc, argv, "m3sat expert usage profiler\n");

  parseHoldout();
  bool bar = progressBar();
  std::vector<double> coverages;
  if (std::string problem = parseCoverages(sweep, coverages); !problem.empty())
    fail(problem);
  std::map<std::string, int> argmaxAxes = parseArgmax();
  CalibrationSet set;
  readCalibration(set);

  // Compile with the routing exposed, into a temporary OUT_DIR.
  std::string work = temporaryDirectory();
  struct Cleanup {
    ~Cleanup() { removeTemporaries(); }
  } cleanup;
  std::string compiler = siblingCompiler(argv[0]);
  auto compileStart = std::chrono::steady_clock::now();
  InstrumentedTasks opened;
  opened.dir = compiled.empty() ? work : std::string(compiled);
  if (!compiled.empty())
    checkCompiled();
  else if (!compileInstrumented(compiler, work))
    return 1;
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();
  openTasks(opened);
  bindCalibration(set, opened, argmaxAxes);

  SampleSplit split(set.size());
  ReferenceFiles files;
  unsigned numWorkers = workerCount(jobs, split.numSamples);
  ProfileResult result;
  double runSeconds =
      profileTasks(opened, set, split, files, numWorkers, bar, result);

  llvm::json::Value root = profileJSON(split, result);
  std::string svgPath = svg.empty() ? stem(output) + ".svg" : std::string(svg);
  std::string heatmap =
      writeHeatmap(svgPath, result.usage, split.numSamples - split.numHeldOut);
  files.commit();
  writeAtomically(output, llvm::formatv("{0:2}", std::move(root)));
  printSummary(split, opened.names.size(), compileSeconds, runSeconds,
               numWorkers);
  llvm::outs() << "wrote " << output << " and " << heatmap << "\n";

  if (!coverages.empty())
    if (std::string problem =
            runSweep(sweepOptions(compiler, work, coverages, argmaxAxes));
        !problem.empty())
      fail(problem);
  return 0;
}
