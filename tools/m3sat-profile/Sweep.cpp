//===- Sweep.cpp - the pruning trade-off of m3sat-profile -----------------===//

#include "Sweep.h"

#include "Plots.h"
#include "SampleRunner.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <numeric>

using namespace m3sat;

namespace {

/// One MoE layer of one task, as the profile has it.
struct ProfiledLayer {
  std::string name;
  int64_t experts = 0, k = 0;
  std::vector<double> mass;
};

/// One reference sample, read once for the whole sweep: its inputs, and
/// per task the unpruned outputs by name (and the files they came from).
struct Reference {
  std::map<std::string, NpyArray> inputs;
  std::map<std::string, std::string> sources;
  std::map<std::string, std::map<std::string, NpyArray>> outputs;
  std::map<std::string, std::map<std::string, std::string>> files;
};

/// What the sweep needs of usage.json.
struct Profile {
  bool heldOut = false;
  std::vector<std::string> taskNames;
  std::map<std::string, std::vector<ProfiledLayer>> layers;
  std::vector<Reference> references;
};

/// How far a task's outputs are from the references.
struct Deviation {
  size_t samples = 0;
  double maxAbs = 0, sumAbs = 0, maxRef = 0;
  int64_t count = 0;
  /// Per classification-like output: positions and argmax changes.
  std::map<std::string, std::pair<int64_t, int64_t>> argmax;
  std::map<std::string, int> axes;
};

struct LayerPoint {
  std::string name;
  int64_t experts = 0, kept = 0, paramBytes = 0;
};

/// One task at one coverage.
struct TaskPoint {
  double coverage;
  int64_t flops = 0, paramBytes = 0;
  std::vector<LayerPoint> layers;
  Deviation deviation;
};

/// FLOPs and parameter bytes of the full model.
struct ModelCost {
  int64_t flops = 0, paramBytes = 0;
};

/// Kept experts by task, then layer name.
using KeptExperts =
    std::map<std::string, std::map<std::string, std::vector<int64_t>>>;

/// One compiled OUT_DIR of the sweep: where it is, what it keeps, and its
/// points (in task order) once measured.
struct Compiled {
  std::string dir;
  std::string label; ///< What it was compiled for, for messages.
  KeptExperts kept;
  /// Whether `kept` is what the bundle keeps and the pass's rule says, so
  /// that a coverage the rule gives the same experts can share it.
  bool shareable = false;
  bool measured = false;
  std::vector<TaskPoint> points;
};

std::string lastLine(const std::string &path) {
  auto file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return "";
  llvm::StringRef text = (*file)->getBuffer().rtrim();
  size_t newline = text.rfind('\n');
  return (newline == llvm::StringRef::npos ? text
                                           : text.drop_front(newline + 1))
      .str();
}

llvm::Expected<llvm::json::Value> readJSON(const std::string &path) {
  auto file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return llvm::createStringError(
        path + ": cannot read: " + file.getError().message());
  return llvm::json::parse((*file)->getBuffer());
}

/// Compiles into `dir` (stdout and stderr kept next to it).
std::string compile(const SweepOptions &options, const std::string &dir,
                    const std::vector<std::string> &extra) {
  std::vector<std::string> args = {options.compiler};
  args.insert(args.end(), options.compileArgs.begin(),
              options.compileArgs.end());
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("--report");
  args.push_back("-o");
  args.push_back(dir);
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string out = dir + ".log", err = dir + ".err";
  std::optional<llvm::StringRef> redirects[] = {
      std::nullopt, llvm::StringRef(out), llvm::StringRef(err)};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(options.compiler, refs, std::nullopt,
                                         redirects, 0, 0, &error);
  if (status < 0)
    return options.compiler + ": " + (error.empty() ? "did not finish" : error);
  if (status != 0) {
    std::string line = lastLine(err);
    return line.empty() ? options.compiler + " failed" : line;
  }
  return "";
}

/// Argmax along `axis` of `data` with `shape`, one per other position.
std::vector<int64_t> argmaxAlong(const float *data,
                                 const std::vector<int64_t> &shape, int axis) {
  int64_t outer = 1, inner = 1, n = shape[axis];
  for (int d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  std::vector<int64_t> result(outer * inner, 0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *base = data + o * n * inner + i;
      int64_t best = 0;
      for (int64_t c = 1; c < n; ++c)
        if (base[c * inner] > base[best * inner])
          best = c;
      result[o * inner + i] = best;
    }
  return result;
}

std::string readProfileLayers(const llvm::json::Object &usageTasks,
                              Profile &profile) {
  for (const auto &[task, value] : usageTasks) {
    const llvm::json::Object *entry = value.getAsObject();
    const llvm::json::Array *layers =
        entry ? entry->getArray("layers") : nullptr;
    if (!layers)
      return "task '" + task.str() + "' has no 'layers'";
    profile.taskNames.push_back(task.str());
    for (const llvm::json::Value &layerValue : *layers) {
      const llvm::json::Object *layer = layerValue.getAsObject();
      if (!layer || !layer->getString("name"))
        return "a layer of task '" + task.str() + "' has no 'name'";
      ProfiledLayer &mine = profile.layers[task.str()].emplace_back();
      mine.name = layer->getString("name")->str();
      mine.experts = layer->getInteger("experts").value_or(0);
      mine.k = layer->getInteger("k").value_or(1);
      if (const llvm::json::Array *mass = layer->getArray("mass"))
        for (const llvm::json::Value &m : *mass)
          mine.mass.push_back(m.getAsNumber().value_or(0));
    }
  }
  std::sort(profile.taskNames.begin(), profile.taskNames.end());
  return "";
}

/// Reads the npy file `path` into `array`; "" or a one-line error.
std::string readArray(const llvm::json::Value &path, NpyArray &array,
                      std::string &file) {
  std::optional<llvm::StringRef> text = path.getAsString();
  if (!text)
    return "a reference file name is not a string";
  file = text->str();
  std::string error;
  return readNpy(file, array, error) ? "" : error;
}

/// The reference samples of usage.json, inputs and outputs read once.
std::string readReferences(const llvm::json::Object &root,
                           const llvm::json::Object &usageTasks,
                           Profile &profile) {
  const llvm::json::Array *samples = root.getArray("samples");
  if (!samples)
    return "field 'samples' is missing";
  for (const llvm::json::Value &sample : *samples) {
    Reference &reference = profile.references.emplace_back();
    const llvm::json::Object *inputs =
        sample.getAsObject() ? sample.getAsObject()->getObject("inputs")
                             : nullptr;
    if (!inputs)
      return "a sample has no 'inputs'";
    for (const auto &[name, path] : *inputs)
      if (std::string error = readArray(path, reference.inputs[name.str()],
                                        reference.sources[name.str()]);
          !error.empty())
        return error;
  }
  for (const auto &[task, value] : usageTasks) {
    const llvm::json::Array *refs = value.getAsObject()->getArray("reference");
    for (size_t s = 0; refs && s < refs->size() && s < samples->size(); ++s)
      if (const llvm::json::Object *outputs = (*refs)[s].getAsObject())
        for (const auto &[name, path] : *outputs) {
          Reference &reference = profile.references[s];
          if (std::string error =
                  readArray(path, reference.outputs[task.str()][name.str()],
                            reference.files[task.str()][name.str()]);
              !error.empty())
            return error;
        }
  }
  return "";
}

/// Reads the profile at `path`; "" or a one-line error naming it.
std::string readProfile(const std::string &path, Profile &profile) {
  llvm::Expected<llvm::json::Value> usage = readJSON(path);
  if (!usage)
    return llvm::toString(usage.takeError());
  const llvm::json::Object *root = usage->getAsObject();
  const llvm::json::Object *usageTasks =
      root ? root->getObject("tasks") : nullptr;
  if (!usageTasks)
    return path + ": field 'tasks' is missing";
  profile.heldOut = root->getBoolean("samples_held_out").value_or(false);
  std::string error = readProfileLayers(*usageTasks, profile);
  if (error.empty())
    error = readReferences(*root, *usageTasks, profile);
  return error.empty() ? "" : path + ": " + error;
}

/// The experts m3sat-prune-by-profile keeps of a layer with `mass` and top-k
/// `k` at `coverage`: the fewest (at least k) whose mass reaches `coverage`
/// of the total, heaviest first, ties to the lower id; all of them when
/// nothing was routed. In id order.
std::vector<int64_t> selectExperts(const std::vector<double> &mass, int64_t k,
                                   double coverage) {
  std::vector<int64_t> order(mass.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return mass[a] > mass[b]; });
  double total = std::accumulate(mass.begin(), mass.end(), 0.0);
  if (total <= 0) {
    std::sort(order.begin(), order.end());
    return order;
  }
  std::vector<int64_t> kept;
  double covered = 0;
  for (int64_t e : order) {
    if (covered >= coverage * total * (1 - 1e-12) &&
        static_cast<int64_t>(kept.size()) >= k)
      break;
    kept.push_back(e);
    covered += mass[e];
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

/// What m3sat-compile --profile --coverage=`coverage` keeps of every task,
/// by the pass's rule (a task group "a+b" adds its members' mass).
KeptExperts predictKept(const Profile &profile, double coverage) {
  KeptExperts kept;
  for (const std::string &task : profile.taskNames) {
    llvm::SmallVector<llvm::StringRef> members;
    llvm::StringRef(task).split(members, '+');
    std::map<std::string, ProfiledLayer> merged;
    for (llvm::StringRef member : members) {
      auto layers = profile.layers.find(member.str());
      if (layers == profile.layers.end())
        continue;
      for (const ProfiledLayer &layer : layers->second) {
        ProfiledLayer &sum = merged[layer.name];
        sum.k = layer.k;
        if (sum.mass.size() < layer.mass.size())
          sum.mass.resize(layer.mass.size(), 0.0);
        for (size_t e = 0; e < layer.mass.size(); ++e)
          sum.mass[e] += layer.mass[e];
      }
    }
    for (const auto &[name, layer] : merged)
      kept[task][name] = selectExperts(layer.mass, layer.k, coverage);
  }
  return kept;
}

/// The experts the bundle of `dir` keeps, for the layers `predicted` names.
std::string readKept(const std::string &dir, const KeptExperts &predicted,
                     KeptExperts &kept) {
  std::string error;
  std::shared_ptr<MappedBundle> bundle =
      MappedBundle::open(dir + "/bundle.m3b", error);
  if (!bundle)
    return error;
  for (const bundle::Task *entry : *bundle->root().tasks()) {
    auto task = predicted.find(entry->name()->str());
    if (task == predicted.end() || !entry->moe_layers())
      continue;
    for (const bundle::MoELayer *layer : *entry->moe_layers())
      if (task->second.count(layer->name()->str()))
        kept[task->first][layer->name()->str()].assign(
            layer->kept_experts()->begin(), layer->kept_experts()->end());
  }
  return "";
}

/// Adds how far output `name` (`got`) is from its reference `want` (read
/// from `file`) to `deviation`; "" or a one-line error.
std::string addDeviation(const std::string &name, const NpyArray &got,
                         const NpyArray &want, const std::string &file,
                         const std::map<std::string, int> &argmaxAxes,
                         Deviation &deviation) {
  if (want.descr != "<f4" || got.descr != "<f4" || want.shape != got.shape)
    return file + ": reference does not match output '" + name + "' (float32 " +
           formatShape(got.shape) + ")";
  const auto *a = reinterpret_cast<const float *>(got.data.data());
  const auto *b = reinterpret_cast<const float *>(want.data.data());
  for (int64_t j = 0, n = got.numElements(); j < n; ++j) {
    double diff = std::fabs(double(a[j]) - double(b[j]));
    deviation.maxAbs = std::max(deviation.maxAbs, diff);
    deviation.sumAbs += diff;
    deviation.maxRef = std::max(deviation.maxRef, std::fabs(double(b[j])));
    ++deviation.count;
  }
  int axis = -1;
  auto named = argmaxAxes.find(name);
  if (named != argmaxAxes.end())
    axis = named->second;
  else if (got.shape.size() == 2 && got.shape[1] >= 2)
    axis = 1;
  if (axis < 0 || axis >= static_cast<int>(got.shape.size()))
    return "";
  std::vector<int64_t> x = argmaxAlong(a, got.shape, axis);
  std::vector<int64_t> y = argmaxAlong(b, got.shape, axis);
  auto &[positions, changed] = deviation.argmax[name];
  deviation.axes[name] = axis;
  positions += static_cast<int64_t>(x.size());
  for (size_t j = 0; j < x.size(); ++j)
    changed += x[j] != y[j];
  return "";
}

/// Runs `task` of `dir` on the references that have outputs of it, side by
/// side (`jobs` as m3sat-profile --jobs), and adds up the deviation in
/// reference order.
std::string measure(const std::string &dir, const std::string &task,
                    const std::vector<Reference> &references, unsigned jobs,
                    const std::map<std::string, int> &argmaxAxes,
                    Deviation &deviation) {
  std::vector<const Reference *> used;
  for (const Reference &reference : references)
    if (reference.outputs.count(task))
      used.push_back(&reference);
  if (used.empty())
    return "";
  std::vector<std::unique_ptr<LoadedTask>> workers;
  if (std::string error =
          openWorkers(dir, task, workerCount(jobs, used.size()), workers);
      !error.empty())
    return error;
  std::vector<TensorInfo> infos = workers.front()->outputs();
  std::vector<std::vector<NpyArray>> outputs(used.size());
  auto work = [&](LoadedTask &runner, int64_t s, std::string &error) {
    if (!runner.setInputArrays(used[s]->inputs, used[s]->sources,
                               /*ignoreExtra=*/true, error) ||
        !runner.run(error))
      return false;
    outputs[s] = runner.outputArrays();
    return true;
  };
  auto done = [&](int64_t s, std::string &error) {
    std::vector<NpyArray> got = std::move(outputs[s]);
    ++deviation.samples;
    const auto &wanted = used[s]->outputs.at(task);
    for (size_t i = 0; i < infos.size(); ++i) {
      auto want = wanted.find(infos[i].name);
      if (want == wanted.end())
        continue;
      error = addDeviation(infos[i].name, got[i], want->second,
                           used[s]->files.at(task).at(infos[i].name),
                           argmaxAxes, deviation);
      if (!error.empty())
        return false;
    }
    return true;
  };
  return runSamples(workers, used.size(), work, done);
}

/// Per task in `report.json`: FLOPs and parameter bytes, in total and for
/// the ops named like each MoE layer.
void readCost(const llvm::json::Object &cost, TaskPoint &point) {
  point.flops = cost.getInteger("flops").value_or(0);
  point.paramBytes = cost.getInteger("param_bytes").value_or(0);
  if (const llvm::json::Array *layers = cost.getArray("layers"))
    for (LayerPoint &layer : point.layers)
      for (const llvm::json::Value &value : *layers)
        if (const llvm::json::Object *op = value.getAsObject())
          if (op->getString("name") == llvm::StringRef(layer.name))
            layer.paramBytes += op->getInteger("param_bytes").value_or(0);
}

void writeFile(const std::string &path, const std::string &text,
               std::string &error) {
  std::error_code ec;
  llvm::ToolOutputFile out(path + ".tmp", ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = path + ": cannot write: " + ec.message();
    return;
  }
  out.os() << text;
  out.os().close();
  if (out.os().has_error()) {
    error = path + ": cannot write";
    return;
  }
  out.keep();
  if (std::error_code renamed = llvm::sys::fs::rename(path + ".tmp", path))
    error = path + ": cannot write: " + renamed.message();
}

std::string percent(double part, double whole) {
  std::string out;
  llvm::raw_string_ostream(out)
      << llvm::format("%.1f%%", whole > 0 ? 100 * part / whole : 0.0);
  return out;
}

/// The unpruned tasks' points (their cost; the deviation comes later) and
/// the full model's cost, from `dir`/report.json.
std::string readUnpruned(const std::string &dir, const Profile &profile,
                         std::map<std::string, TaskPoint> &unpruned,
                         ModelCost &model) {
  llvm::Expected<llvm::json::Value> report = readJSON(dir + "/report.json");
  if (!report)
    return llvm::toString(report.takeError());
  const llvm::json::Object *root = report->getAsObject();
  const llvm::json::Object *modelCost =
      root ? root->getObject("model") : nullptr;
  const llvm::json::Object *tasks = root ? root->getObject("tasks") : nullptr;
  if (!modelCost || !tasks)
    return dir + "/report.json: fields 'model' and 'tasks' missing";
  model.flops = modelCost->getInteger("flops").value_or(0);
  model.paramBytes = modelCost->getInteger("param_bytes").value_or(0);
  for (const std::string &task : profile.taskNames) {
    TaskPoint &point = unpruned[task];
    point.coverage = 1;
    for (const ProfiledLayer &layer : profile.layers.at(task)) {
      LayerPoint &entry = point.layers.emplace_back();
      entry.name = layer.name;
      entry.experts = entry.kept = layer.experts;
    }
    if (const llvm::json::Object *cost = tasks->getObject(task))
      readCost(*cost, point);
  }
  return "";
}

/// Measures `compiled` (its OUT_DIR compiled and `kept` read): a point per
/// task with the experts kept, its cost and the deviation.
std::string measureCompiled(const SweepOptions &options, const Profile &profile,
                            const std::map<std::string, TaskPoint> &unpruned,
                            Compiled &compiled) {
  llvm::Expected<llvm::json::Value> report =
      readJSON(compiled.dir + "/report.json");
  if (!report)
    return llvm::toString(report.takeError());
  const llvm::json::Object *reportTasks =
      report->getAsObject() ? report->getAsObject()->getObject("tasks")
                            : nullptr;
  for (const std::string &task : profile.taskNames) {
    TaskPoint &point = compiled.points.emplace_back();
    point.layers = unpruned.at(task).layers;
    for (LayerPoint &layer : point.layers) {
      layer.paramBytes = 0;
      auto kept = compiled.kept[task].find(layer.name);
      if (kept != compiled.kept[task].end())
        layer.kept = kept->second.size();
    }
    if (reportTasks)
      if (const llvm::json::Object *cost = reportTasks->getObject(task))
        readCost(*cost, point);
    if (std::string error =
            measure(compiled.dir, task, profile.references, options.jobs,
                    options.argmaxAxes, point.deviation);
        !error.empty())
      return error;
  }
  compiled.measured = true;
  return "";
}

std::string coverageText(double coverage) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.17g", coverage);
  return text;
}

/// The sweep's OUT_DIRs: the unpruned tasks, then one per distinct set of
/// kept experts. A coverage that keeps what an earlier one (or the
/// unpruned tasks) keeps is not compiled nor measured again.
class SweepCompiles {
public:
  SweepCompiles(const SweepOptions &options, const Profile &profile)
      : options(options), profile(profile),
        start(std::chrono::steady_clock::now()) {}

  /// Compiles and measures the unpruned tasks.
  std::string compileUnpruned(ModelCost &model) {
    llvm::errs() << "m3sat-profile: sweep: compiling the unpruned tasks\n";
    Compiled &compiled = compiles.emplace_back();
    compiled.dir = options.workDir + "/unpruned";
    if (std::string error = compile(options, compiled.dir, {}); !error.empty())
      return error;
    if (std::string error =
            readUnpruned(compiled.dir, profile, unpruned, model);
        !error.empty())
      return error;
    // Keeping every expert, m3sat-prune-by-profile changes nothing: the
    // compile is this one. Measured when a coverage needs it.
    compiled.kept = predictKept(profile, 1.0);
    for (auto &[task, layers] : compiled.kept)
      for (const ProfiledLayer &layer : profile.layers.at(task))
        if (layers.count(layer.name)) {
          layers[layer.name].resize(layer.experts);
          std::iota(layers[layer.name].begin(), layers[layer.name].end(), 0);
        }
    compiled.shareable = true;
    compiled.label = "the unpruned tasks";
    return "";
  }

  /// The points of coverage `c` (the index into options.coverages), one per
  /// task in task order.
  std::string pointsAt(size_t c, std::vector<TaskPoint> &points) {
    double coverage = options.coverages[c];
    KeptExperts predicted = predictKept(profile, coverage);
    Compiled *same = nullptr;
    for (Compiled &compiled : compiles)
      if (compiled.shareable && compiled.kept == predicted)
        same = &compiled;
    llvm::errs() << llvm::format(
        "m3sat-profile: sweep: coverage %g (%zu of %zu), %.0f s so far",
        coverage, c + 1, options.coverages.size(), seconds());
    if (same) {
      llvm::errs() << ": keeps the experts of " << same->label
                   << ", not compiled again\n";
      if (!same->measured)
        if (std::string error =
                measureCompiled(options, profile, unpruned, *same);
            !error.empty())
          return error;
    } else {
      llvm::errs() << "\n";
      if (std::string error = compileCoverage(c, predicted); !error.empty())
        return error;
      same = &compiles.back();
    }
    points = same->points;
    for (TaskPoint &point : points)
      point.coverage = coverage;
    return "";
  }

  const std::map<std::string, TaskPoint> &unprunedPoints() const {
    return unpruned;
  }
  size_t count() const { return compiles.size(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }

private:
  std::string compileCoverage(size_t c, const KeptExperts &predicted) {
    Compiled &compiled = compiles.emplace_back();
    compiled.dir = options.workDir + "/coverage" + std::to_string(c);
    llvm::raw_string_ostream(compiled.label)
        << llvm::format("coverage %g", options.coverages[c]);
    std::string text = coverageText(options.coverages[c]);
    if (std::string error =
            compile(options, compiled.dir,
                    {"--profile=" + options.usagePath, "--coverage=" + text,
                     "--profile-check=false"});
        !error.empty())
      return error;
    if (std::string error = readKept(compiled.dir, predicted, compiled.kept);
        !error.empty())
      return error;
    compiled.shareable = compiled.kept == predicted;
    std::string error = measureCompiled(options, profile, unpruned, compiled);
    llvm::sys::fs::remove_directories(compiled.dir);
    return error;
  }

  const SweepOptions &options;
  const Profile &profile;
  std::chrono::steady_clock::time_point start;
  std::map<std::string, TaskPoint> unpruned;
  std::vector<Compiled> compiles;
};

/// The kept experts, cost and deviation of one point as a table row on
/// stdout; adds it to the plots; returns its JSON.
llvm::json::Value reportPoint(const TaskPoint &point, const TaskPoint &base,
                              int64_t experts, SweepCurve &curve,
                              CostGroup &group) {
  int64_t kept = 0;
  llvm::json::Array jsonLayers;
  for (const LayerPoint &layer : point.layers) {
    kept += layer.kept;
    jsonLayers.push_back(llvm::json::Object{{"name", layer.name},
                                            {"experts", layer.experts},
                                            {"kept", layer.kept},
                                            {"param_bytes", layer.paramBytes}});
  }
  const Deviation &d = point.deviation;
  double meanAbs = d.count ? d.sumAbs / d.count : 0;
  std::string argmaxText;
  llvm::json::Array jsonArgmax;
  for (const auto &[name, counts] : d.argmax) {
    double share = counts.first ? double(counts.second) / counts.first : 0;
    argmaxText += (argmaxText.empty() ? "" : ", ") +
                  percent(counts.second, counts.first) + " (" + name + ")";
    jsonArgmax.push_back(llvm::json::Object{{"output", name},
                                            {"axis", d.axes.at(name)},
                                            {"positions", counts.first},
                                            {"changed", counts.second},
                                            {"changed_share", share}});
  }
  llvm::outs() << llvm::format(
      "  %-9g %-13s %-26s %-26s %-10.3g %-10.3g %s\n", point.coverage,
      (std::to_string(kept) + "/" + std::to_string(experts)).c_str(),
      (std::to_string(point.paramBytes) + " (" +
       percent(point.paramBytes, base.paramBytes) + ")")
          .c_str(),
      (std::to_string(point.flops) + " (" + percent(point.flops, base.flops) +
       ")")
          .c_str(),
      d.maxAbs, meanAbs, argmaxText.empty() ? "-" : argmaxText.c_str());
  curve.points.push_back(
      {point.coverage, double(point.paramBytes), d.maxAbs, meanAbs});
  std::string label;
  llvm::raw_string_ostream(label) << llvm::format("C=%g", point.coverage);
  group.bars.push_back({label, double(point.flops), double(point.paramBytes)});
  return llvm::json::Object{
      {"coverage", point.coverage},
      {"experts", experts},
      {"experts_kept", kept},
      {"param_bytes", point.paramBytes},
      {"flops", point.flops},
      {"layers", std::move(jsonLayers)},
      {"deviation",
       llvm::json::Object{{"samples", static_cast<int64_t>(d.samples)},
                          {"max_abs", d.maxAbs},
                          {"mean_abs", meanAbs},
                          {"max_abs_reference", d.maxRef},
                          {"argmax", std::move(jsonArgmax)}}}};
}

/// The table of one task on stdout, its curve and cost bars; returns its
/// JSON.
llvm::json::Object reportTask(const std::string &task, const TaskPoint &base,
                              const std::vector<TaskPoint> &points,
                              bool heldOut, const ModelCost &model,
                              std::vector<SweepCurve> &curves,
                              std::vector<CostGroup> &groups) {
  int64_t experts = 0;
  for (const LayerPoint &layer : base.layers)
    experts += layer.experts;
  size_t samples = points.empty() ? 0 : points[0].deviation.samples;
  llvm::outs() << llvm::formatv(
      "sweep, task {0}: unpruned {1} parameter bytes, {2} FLOPs; deviation "
      "from the unpruned task on {3} {4} sample(s)\n",
      task, base.paramBytes, base.flops, samples,
      heldOut ? "held-out" : "profiling (none held out)");
  llvm::outs() << llvm::format(
      "  %-9s %-13s %-26s %-26s %-10s %-10s %s\n", "coverage", "experts kept",
      "param bytes kept", "FLOPs", "max abs", "mean abs", "argmax changed");
  SweepCurve &curve = curves.emplace_back();
  curve.task = task;
  curve.unprunedParamBytes = base.paramBytes;
  CostGroup &group = groups.emplace_back();
  group.task = task;
  group.bars.push_back(
      {"full model", double(model.flops), double(model.paramBytes)});
  group.bars.push_back({"task", double(base.flops), double(base.paramBytes)});
  llvm::json::Array jsonPoints;
  for (const TaskPoint &point : points)
    jsonPoints.push_back(reportPoint(point, base, experts, curve, group));
  return llvm::json::Object{
      {"unpruned", llvm::json::Object{{"param_bytes", base.paramBytes},
                                      {"flops", base.flops},
                                      {"experts", experts}}},
      {"points", std::move(jsonPoints)}};
}

/// Writes the JSON and both plots (and PNGs where they can be made).
std::string writeSweepFiles(const SweepOptions &options,
                            llvm::json::Object json,
                            const std::vector<SweepCurve> &curves,
                            const std::vector<CostGroup> &groups) {
  std::string error;
  writeFile(options.svgPath,
            sweepSvg(curves, "Pruning trade-off of " + options.modelName +
                                 ": output deviation against parameters kept"),
            error);
  if (error.empty())
    writeFile(options.costSvgPath,
              costSvg(groups, "Cost of " + options.modelName +
                                  " per task: full model, task, pruned"),
              error);
  if (error.empty())
    writeFile(options.jsonPath,
              llvm::formatv("{0:2}", llvm::json::Value(std::move(json))),
              error);
  if (!error.empty())
    return error;
  std::string written =
      options.jsonPath + ", " + options.svgPath + ", " + options.costSvgPath;
  for (const std::string &svg : {options.svgPath, options.costSvgPath}) {
    std::string png = llvm::StringRef(svg).ends_with(".svg")
                          ? svg.substr(0, svg.size() - 4) + ".png"
                          : svg + ".png";
    std::string note;
    if (writePng(svg, png, note))
      written += ", " + png;
  }
  llvm::outs() << "wrote " << written << "\n";
  return "";
}

} // namespace

std::string m3sat::parseCoverages(const std::vector<std::string> &texts,
                                  std::vector<double> &coverages) {
  for (const std::string &text : texts) {
    double value;
    if (llvm::StringRef(text).trim().getAsDouble(value) ||
        !(value > 0 && value <= 1))
      return "--sweep: '" + text + "' is not a coverage in (0, 1]";
    coverages.push_back(value);
  }
  return "";
}

std::string m3sat::runSweep(const SweepOptions &options) {
  Profile profile;
  if (std::string error = readProfile(options.usagePath, profile);
      !error.empty())
    return error;
  SweepCompiles compiles(options, profile);
  ModelCost model;
  if (std::string error = compiles.compileUnpruned(model); !error.empty())
    return error;
  std::map<std::string, std::vector<TaskPoint>> points;
  for (size_t c = 0; c < options.coverages.size(); ++c) {
    std::vector<TaskPoint> at;
    if (std::string error = compiles.pointsAt(c, at); !error.empty())
      return error;
    for (size_t t = 0; t < profile.taskNames.size(); ++t)
      points[profile.taskNames[t]].push_back(std::move(at[t]));
  }
  double seconds = compiles.seconds();

  llvm::json::Object jsonTasks;
  std::vector<SweepCurve> curves;
  std::vector<CostGroup> groups;
  for (const std::string &task : profile.taskNames)
    jsonTasks[task] =
        reportTask(task, compiles.unprunedPoints().at(task), points[task],
                   profile.heldOut, model, curves, groups);
  llvm::outs() << llvm::format(
      "sweep: %zu coverage(s), %zu task(s) in %.1f s (%zu compile(s))\n",
      options.coverages.size(), profile.taskNames.size(), seconds,
      compiles.count());
  llvm::json::Object json{
      {"model", options.modelName},
      {"profile", options.usagePath},
      {"samples_held_out", profile.heldOut},
      {"reference_samples", static_cast<int64_t>(profile.references.size())},
      {"full_model", llvm::json::Object{{"flops", model.flops},
                                        {"param_bytes", model.paramBytes}}},
      {"tasks", std::move(jsonTasks)}};
  return writeSweepFiles(options, std::move(json), curves, groups);
}
