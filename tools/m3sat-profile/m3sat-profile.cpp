//===- m3sat-profile.cpp - measure expert usage ---------------------------===//
//
// m3sat-profile MODEL.onnx --input NAME=FILE.npy ... [--tasks=...]
//               [--modalities=...] -o usage.json [--svg=usage.svg]
//
// Compiles the tasks with their token-level routing exposed (m3sat-compile
// --expose-routing, into a temporary OUT_DIR), runs each task on the given
// inputs (repeat --input NAME=... for more samples; every name the same
// number of times) and writes, per task and MoE layer, how many token slots
// chose each expert and the routing mass (sum of routing weights) each
// received, as JSON for `m3sat-compile --profile`, plus an SVG heatmap.
// The task outputs on the samples are kept next to the JSON (usage.ref/) so
// that m3sat-compile --profile can measure what pruning changes.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Npy.h"
#include "m3sat/Support/OneLine.h"
#include "m3sat/Support/ToolOptions.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
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
           cl::desc("An input sample as NAME=FILE.npy (repeat a name for "
                    "more samples)"),
           cl::value_desc("NAME=FILE.npy"));
static cl::list<std::string> tasks("tasks", cl::CommaSeparated,
                                   cl::desc("Tasks to profile (default: all)"),
                                   cl::value_desc("name,..."));
static cl::list<std::string>
    modalities("modalities", cl::CommaSeparated,
               cl::desc("Modalities the device has (default: all)"),
               cl::value_desc("name,..."));
static cl::list<std::string>
    inputShapes("input-shape", cl::desc("As for m3sat-compile (repeatable)"),
                cl::value_desc("NAME=DIMS"));
static cl::list<std::string>
    bindings("bind", cl::desc("As for m3sat-compile (repeatable)"),
             cl::value_desc("NAME=FILE.npy"));
static cl::opt<std::string> output("o", cl::desc("Usage JSON to write"),
                                   cl::value_desc("usage.json"), cl::Required);
static cl::opt<std::string> svg("svg",
                                cl::desc("Heatmap to write (default: the "
                                         "JSON path with .svg)"),
                                cl::value_desc("usage.svg"));

namespace {

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "m3sat-profile: error: " << escapeForOneLine(message) << "\n";
  std::exit(1);
}

std::string absolute(const std::string &path) {
  llvm::SmallString<256> result(path);
  llvm::sys::fs::make_absolute(result);
  return std::string(result);
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

/// One row per (task, layer), one column per expert; darker is more mass.
std::string heatmap(const std::map<std::string, std::vector<LayerUsage>> &all) {
  const int cell = 18, label = 260, top = 40;
  int64_t columns = 1, rows = 0;
  for (const auto &[task, layers] : all)
    for (const LayerUsage &layer : layers) {
      columns = std::max<int64_t>(columns, layer.mass.size());
      ++rows;
    }
  std::string text;
  llvm::raw_string_ostream os(text);
  int64_t width = label + columns * cell + 20, height = top + rows * cell + 40;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
     << "\" height=\"" << height << "\" font-family=\"monospace\" "
     << "font-size=\"11\">\n"
     << "<text x=\"4\" y=\"16\" font-size=\"13\">m3sat-profile: share of "
        "each layer's routing mass per expert</text>\n";
  for (int64_t e = 0; e < columns; ++e)
    os << "<text x=\"" << label + e * cell + 3 << "\" y=\"" << top - 4 << "\">"
       << e << "</text>\n";
  int64_t row = 0;
  for (const auto &[task, layers] : all)
    for (const LayerUsage &layer : layers) {
      int64_t y = top + row++ * cell;
      os << "<text x=\"4\" y=\"" << y + 13 << "\">" << task << " / "
         << layer.name << "</text>\n";
      double total = std::accumulate(layer.mass.begin(), layer.mass.end(), 0.0);
      double peak = *std::max_element(layer.mass.begin(), layer.mass.end());
      for (size_t e = 0; e < layer.mass.size(); ++e) {
        double share = total > 0 ? layer.mass[e] / total : 0;
        double shade = peak > 0 ? layer.mass[e] / peak : 0;
        int level = static_cast<int>(255 - 200 * shade);
        os << "<rect x=\"" << label + e * cell << "\" y=\"" << y
           << "\" width=\"" << cell - 1 << "\" height=\"" << cell - 1
           << "\" fill=\"rgb(" << level << "," << level << ",255)\"><title>"
           << task << " " << layer.name << " expert " << e << ": "
           << llvm::format("%.4f", share) << " of the mass, " << layer.counts[e]
           << " slots</title></rect>\n";
      }
    }
  os << "</svg>\n";
  return text;
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

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  libraryOptions.hideFromHelp();
  cl::ParseCommandLineOptions(argc, argv, "m3sat expert usage profiler\n");

  // Samples: sample i takes the i-th file given for each input name.
  std::map<std::string, std::vector<std::string>> files;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      fail("--input '" + spec + "' is not NAME=FILE.npy");
    files[spec.substr(0, eq)].push_back(absolute(spec.substr(eq + 1)));
  }
  if (files.empty())
    fail("no --input given: the profile runs the model on user inputs");
  size_t numSamples = files.begin()->second.size();
  for (const auto &[name, paths] : files)
    if (paths.size() != numSamples)
      fail("--input " + name + " is given " + std::to_string(paths.size()) +
           " times, --input " + files.begin()->first + " " +
           std::to_string(numSamples) +
           " times: every input needs one file "
           "per sample");
  std::vector<std::map<std::string, std::string>> samples(numSamples);
  for (const auto &[name, paths] : files)
    for (size_t s = 0; s < numSamples; ++s)
      samples[s][name] = paths[s];

  // Compile with the routing exposed, into a temporary OUT_DIR.
  llvm::SmallString<128> work;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("m3sat-profile", work))
    fail("cannot create a temporary directory: " + ec.message());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { llvm::sys::fs::remove_directories(dir); }
  } cleanup{std::string(work)};
  std::string self = llvm::sys::fs::getMainExecutable(argv[0], (void *)&main);
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "m3sat-compile");
  std::vector<std::string> args = {
      std::string(compiler), model, "--target=cpu",
      "--expose-routing",    "-o",  std::string(work)};
  auto join = [](const cl::list<std::string> &list) {
    std::string text;
    for (const std::string &item : list)
      text += (text.empty() ? "" : ",") + item;
    return text;
  };
  if (!tasks.empty())
    args.push_back("--tasks=" + join(tasks));
  if (!modalities.empty())
    args.push_back("--modalities=" + join(modalities));
  for (const std::string &shape : inputShapes)
    args.push_back("--input-shape=" + shape);
  for (const std::string &binding : bindings)
    args.push_back("--bind=" + binding);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string error;
  int status = llvm::sys::ExecuteAndWait(compiler, argRefs, std::nullopt, {}, 0,
                                         0, &error);
  if (status < 0)
    fail(std::string(compiler) + ": " +
         (error.empty() ? "did not finish" : error));
  if (status != 0)
    return 1; // m3sat-compile has said what is wrong, in one line.

  auto routingFile = llvm::MemoryBuffer::getFile(work + "/routing.json");
  if (!routingFile)
    fail("m3sat-compile wrote no routing.json");
  llvm::Expected<llvm::json::Value> routing =
      llvm::json::parse((*routingFile)->getBuffer());
  const llvm::json::Object *routingTasks =
      routing && routing->getAsObject()
          ? routing->getAsObject()->getObject("tasks")
          : nullptr;
  if (!routingTasks)
    fail("m3sat-compile wrote a malformed routing.json");

  std::string refDir = absolute(output);
  if (llvm::StringRef(refDir).ends_with(".json"))
    refDir.resize(refDir.size() - 5);
  refDir += ".ref";
  std::map<std::string, std::vector<LayerUsage>> usage;
  llvm::json::Object jsonTasks;
  // Tasks in name order, so that runs print the same.
  std::vector<std::string> taskNames;
  for (const auto &entry : *routingTasks)
    taskNames.push_back(entry.first.str());
  std::sort(taskNames.begin(), taskNames.end());
  for (const std::string &task : taskNames) {
    const llvm::json::Value &layersValue = *routingTasks->get(task);
    std::vector<LayerUsage> &layers = usage[task];
    for (const llvm::json::Value &value : *layersValue.getAsArray()) {
      const llvm::json::Object &layer = *value.getAsObject();
      LayerUsage entry;
      entry.name = layer.getString("name")->str();
      entry.k = *layer.getInteger("k");
      int64_t experts = *layer.getInteger("experts");
      entry.counts.assign(experts, 0);
      entry.mass.assign(experts, 0.0);
      layers.push_back(std::move(entry));
    }
    std::unique_ptr<LoadedTask> loaded =
        LoadedTask::open(work.str().str(), task, error);
    if (!loaded)
      fail(error);
    llvm::json::Array references;
    for (size_t s = 0; s < numSamples; ++s) {
      if (!loaded->setInputs(samples[s], /*ignoreExtra=*/true, error) ||
          !loaded->run(error))
        fail(error);
      llvm::json::Object reference;
      const std::vector<NpyArray> &arrays = loaded->outputArrays();
      std::map<std::string, const NpyArray *> byName;
      for (size_t i = 0; i < arrays.size(); ++i)
        byName[loaded->outputs()[i].name] = &arrays[i];
      for (LayerUsage &layer : layers) {
        auto indices = byName.find("m3sat.routing." + layer.name + ".indices");
        auto weights = byName.find("m3sat.routing." + layer.name + ".weights");
        if (indices == byName.end() || weights == byName.end() ||
            indices->second->descr != "<i8" || weights->second->descr != "<f4")
          fail("task '" + task + "' does not return the routing of layer '" +
               layer.name + "'");
        const auto *ids =
            reinterpret_cast<const int64_t *>(indices->second->data.data());
        const auto *ws =
            reinterpret_cast<const float *>(weights->second->data.data());
        int64_t slots = indices->second->numElements();
        layer.tokens += slots / std::max<int64_t>(layer.k, 1);
        for (int64_t i = 0; i < slots; ++i) {
          if (ids[i] < 0 || ids[i] >= static_cast<int64_t>(layer.mass.size()))
            fail("layer '" + layer.name + "' routed to expert " +
                 std::to_string(ids[i]) + " of " +
                 std::to_string(layer.mass.size()));
          ++layer.counts[ids[i]];
          layer.mass[ids[i]] += ws[i];
        }
      }
      // The task's own outputs are the reference for pruning.
      std::string dir = refDir + "/" + task + "/" + std::to_string(s);
      if (std::error_code ec = llvm::sys::fs::create_directories(dir))
        fail(dir + ": cannot create directory: " + ec.message());
      for (size_t i = 0; i < arrays.size(); ++i) {
        const std::string &name = loaded->outputs()[i].name;
        if (llvm::StringRef(name).starts_with("m3sat.routing."))
          continue;
        if (name.empty() || name.find('/') != std::string::npos ||
            name == "." || name == "..")
          fail("output name '" + name + "' is not a file name");
        std::string path = dir + "/" + name + ".npy";
        if (!writeNpy(path, arrays[i], error))
          fail(error);
        reference[name] = path;
      }
      references.push_back(std::move(reference));
    }

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
    jsonTasks[task] = llvm::json::Object{{"layers", std::move(jsonLayers)},
                                         {"reference", std::move(references)}};
  }

  llvm::json::Array jsonSamples;
  for (const auto &sample : samples) {
    llvm::json::Object inputsObject;
    for (const auto &[name, path] : sample)
      inputsObject[name] = path;
    jsonSamples.push_back(
        llvm::json::Object{{"inputs", std::move(inputsObject)}});
  }
  llvm::json::Object root{{"version", 1},
                          {"model", absolute(model)},
                          {"samples", std::move(jsonSamples)},
                          {"tasks", std::move(jsonTasks)}};
  std::string svgPath = svg;
  if (svgPath.empty()) {
    svgPath = output;
    if (llvm::StringRef(svgPath).ends_with(".json"))
      svgPath.resize(svgPath.size() - 5);
    svgPath += ".svg";
  }
  writeAtomically(svgPath, heatmap(usage));
  writeAtomically(output,
                  llvm::formatv("{0:2}", llvm::json::Value(std::move(root))));
  llvm::outs() << "wrote " << output << " and " << svgPath << "\n";
  return 0;
}
