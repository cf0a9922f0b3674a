//===- Sweep.cpp - the pruning trade-off of m3sat-profile -----------------===//

#include "Sweep.h"

#include "Plots.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Npy.h"

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

using namespace m3sat;

namespace {

/// One reference sample: input files, and per task the unpruned outputs.
struct Reference {
  std::map<std::string, std::string> inputs;
  std::map<std::string, std::map<std::string, std::string>> outputs;
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

std::string measure(const std::string &dir, const std::string &task,
                    const std::vector<Reference> &references,
                    const std::map<std::string, int> &argmaxAxes,
                    Deviation &deviation) {
  std::string error;
  std::unique_ptr<LoadedTask> loaded = LoadedTask::open(dir, task, error);
  if (!loaded)
    return error;
  for (const Reference &reference : references) {
    auto refs = reference.outputs.find(task);
    if (refs == reference.outputs.end())
      continue;
    if (!loaded->setInputs(reference.inputs, /*ignoreExtra=*/true, error) ||
        !loaded->run(error))
      return error;
    ++deviation.samples;
    for (size_t i = 0; i < loaded->outputs().size(); ++i) {
      const std::string &name = loaded->outputs()[i].name;
      auto ref = refs->second.find(name);
      if (ref == refs->second.end())
        continue;
      NpyArray want;
      if (!readNpy(ref->second, want, error))
        return error;
      const NpyArray &got = loaded->outputArrays()[i];
      if (want.descr != "<f4" || got.descr != "<f4" || want.shape != got.shape)
        return ref->second + ": reference does not match output '" + name +
               "' (float32 " + formatShape(got.shape) + ")";
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
        continue;
      std::vector<int64_t> x = argmaxAlong(a, got.shape, axis);
      std::vector<int64_t> y = argmaxAlong(b, got.shape, axis);
      auto &[positions, changed] = deviation.argmax[name];
      deviation.axes[name] = axis;
      positions += static_cast<int64_t>(x.size());
      for (size_t j = 0; j < x.size(); ++j)
        changed += x[j] != y[j];
    }
  }
  return "";
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
  // The profile: its layers and reference samples.
  llvm::Expected<llvm::json::Value> usage = readJSON(options.usagePath);
  if (!usage)
    return llvm::toString(usage.takeError());
  const llvm::json::Object &root = *usage->getAsObject();
  const llvm::json::Object &usageTasks = *root.getObject("tasks");
  bool heldOut = root.getBoolean("samples_held_out").value_or(false);
  std::vector<Reference> references;
  for (const llvm::json::Value &sample : *root.getArray("samples")) {
    Reference &reference = references.emplace_back();
    for (const auto &[name, path] : *sample.getAsObject()->getObject("inputs"))
      reference.inputs[name.str()] = path.getAsString()->str();
  }
  std::vector<std::string> taskNames;
  for (const auto &[task, value] : usageTasks) {
    taskNames.push_back(task.str());
    const llvm::json::Array &refs = *value.getAsObject()->getArray("reference");
    for (size_t s = 0; s < refs.size() && s < references.size(); ++s)
      for (const auto &[name, path] : *refs[s].getAsObject())
        references[s].outputs[task.str()][name.str()] =
            path.getAsString()->str();
  }
  std::sort(taskNames.begin(), taskNames.end());

  auto start = std::chrono::steady_clock::now();
  // The unpruned tasks: their cost is what pruning is measured against.
  std::string unprunedDir = options.workDir + "/unpruned";
  llvm::errs() << "m3sat-profile: sweep: compiling the unpruned tasks\n";
  if (std::string error = compile(options, unprunedDir, {}); !error.empty())
    return error;
  llvm::Expected<llvm::json::Value> unprunedReport =
      readJSON(unprunedDir + "/report.json");
  if (!unprunedReport)
    return llvm::toString(unprunedReport.takeError());
  const llvm::json::Object &unprunedRoot = *unprunedReport->getAsObject();
  const llvm::json::Object *modelCost = unprunedRoot.getObject("model");
  const llvm::json::Object *unprunedTasks = unprunedRoot.getObject("tasks");
  if (!modelCost || !unprunedTasks)
    return unprunedDir + "/report.json: fields 'model' and 'tasks' missing";

  std::map<std::string, TaskPoint> unpruned;
  std::map<std::string, std::vector<TaskPoint>> points;
  for (const std::string &task : taskNames) {
    TaskPoint &point = unpruned[task];
    for (const llvm::json::Value &layer :
         *usageTasks.getObject(task)->getArray("layers")) {
      LayerPoint &entry = point.layers.emplace_back();
      entry.name = layer.getAsObject()->getString("name")->str();
      entry.experts = entry.kept =
          layer.getAsObject()->getInteger("experts").value_or(0);
    }
    if (const llvm::json::Object *cost = unprunedTasks->getObject(task))
      readCost(*cost, point);
  }

  for (size_t c = 0; c < options.coverages.size(); ++c) {
    double coverage = options.coverages[c];
    std::string dir = options.workDir + "/coverage" + std::to_string(c);
    llvm::errs() << llvm::format(
        "m3sat-profile: sweep: coverage %g (%zu of %zu), %.0f s so far\n",
        coverage, c + 1, options.coverages.size(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    std::string coverageText;
    llvm::raw_string_ostream(coverageText) << llvm::format("%.17g", coverage);
    if (std::string error = compile(
            options, dir,
            {"--profile=" + options.usagePath, "--coverage=" + coverageText});
        !error.empty())
      return error;
    llvm::Expected<llvm::json::Value> report = readJSON(dir + "/report.json");
    if (!report)
      return llvm::toString(report.takeError());
    const llvm::json::Object *reportTasks =
        report->getAsObject()->getObject("tasks");
    std::string error;
    std::shared_ptr<MappedBundle> bundle =
        MappedBundle::open(dir + "/bundle.m3b", error);
    if (!bundle)
      return error;
    for (const std::string &task : taskNames) {
      TaskPoint point;
      point.coverage = coverage;
      point.layers = unpruned[task].layers;
      for (LayerPoint &layer : point.layers)
        layer.paramBytes = 0;
      // Kept experts, as the bundle records them.
      for (const bundle::Task *entry : *bundle->root().tasks())
        if (entry->name()->str() == task && entry->moe_layers())
          for (const bundle::MoELayer *layer : *entry->moe_layers())
            for (LayerPoint &mine : point.layers)
              if (mine.name == layer->name()->str())
                mine.kept = layer->kept_experts()->size();
      if (reportTasks)
        if (const llvm::json::Object *cost = reportTasks->getObject(task))
          readCost(*cost, point);
      error =
          measure(dir, task, references, options.argmaxAxes, point.deviation);
      if (!error.empty())
        return error;
      points[task].push_back(std::move(point));
    }
    llvm::sys::fs::remove_directories(dir);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  // The table.
  llvm::json::Object jsonTasks;
  std::vector<SweepCurve> curves;
  std::vector<CostGroup> groups;
  for (const std::string &task : taskNames) {
    const TaskPoint &base = unpruned[task];
    int64_t experts = 0;
    for (const LayerPoint &layer : base.layers)
      experts += layer.experts;
    size_t samples =
        points[task].empty() ? 0 : points[task][0].deviation.samples;
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
        {"full model", double(modelCost->getInteger("flops").value_or(0)),
         double(modelCost->getInteger("param_bytes").value_or(0))});
    group.bars.push_back({"task", double(base.flops), double(base.paramBytes)});
    llvm::json::Array jsonPoints;
    for (const TaskPoint &point : points[task]) {
      int64_t kept = 0;
      llvm::json::Array jsonLayers;
      for (const LayerPoint &layer : point.layers) {
        kept += layer.kept;
        jsonLayers.push_back(
            llvm::json::Object{{"name", layer.name},
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
          (std::to_string(point.flops) + " (" +
           percent(point.flops, base.flops) + ")")
              .c_str(),
          d.maxAbs, meanAbs, argmaxText.empty() ? "-" : argmaxText.c_str());
      curve.points.push_back(
          {point.coverage, double(point.paramBytes), d.maxAbs, meanAbs});
      std::string label;
      llvm::raw_string_ostream(label) << llvm::format("C=%g", point.coverage);
      group.bars.push_back(
          {label, double(point.flops), double(point.paramBytes)});
      jsonPoints.push_back(llvm::json::Object{
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
                              {"argmax", std::move(jsonArgmax)}}}});
    }
    jsonTasks[task] = llvm::json::Object{
        {"unpruned", llvm::json::Object{{"param_bytes", base.paramBytes},
                                        {"flops", base.flops},
                                        {"experts", experts}}},
        {"points", std::move(jsonPoints)}};
  }
  llvm::outs() << llvm::format(
      "sweep: %zu coverage(s), %zu task(s) in %.1f s\n",
      options.coverages.size(), taskNames.size(), seconds);

  llvm::json::Object json{
      {"model", options.modelName},
      {"profile", options.usagePath},
      {"samples_held_out", heldOut},
      {"reference_samples", static_cast<int64_t>(references.size())},
      {"full_model",
       llvm::json::Object{
           {"flops", modelCost->getInteger("flops").value_or(0)},
           {"param_bytes", modelCost->getInteger("param_bytes").value_or(0)}}},
      {"tasks", std::move(jsonTasks)}};
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
