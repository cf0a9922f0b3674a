//===- TaskCompiler.cpp - model to OUT_DIR --------------------------------===//
//
// The compile driver: load -> specialize -> task table -> backend ->
// bundle. What each target does lives in its backend (Backends/).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TaskCompiler.h"

#include "m3sat/Analysis/CostModel.h"
#include "m3sat/Compiler/TaskTable.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Transforms/RaiseMoE.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat;

std::unique_ptr<TargetBackend>
m3sat::createTargetBackend(const CompileOptions &options) {
  switch (options.target) {
  case Target::CPU:
    return createCPUBackend(options.cpu);
  case Target::GPU:
    return createGPUBackend(options.gpu);
  case Target::HLS:
    return createHLSBackend(options.hls);
  }
  llvm_unreachable("unknown target");
}

namespace {

std::string sha256Hex(StringRef data) {
  llvm::SHA256 hash;
  hash.update(data);
  std::array<uint8_t, 32> digest = hash.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

/// OUT_DIR, created with its missing parents; unless keep() is called, the
/// directories created here go again (a failed compilation leaves no file
/// behind).
class OutputDirectory {
public:
  LogicalResult create(Location loc, const std::string &path) {
    for (StringRef dir = path; !dir.empty() && !llvm::sys::fs::exists(dir);
         dir = llvm::sys::path::parent_path(dir))
      created = dir.str();
    if (std::error_code ec = llvm::sys::fs::create_directories(path))
      return emitError(loc)
             << path << ": cannot create output directory: " << ec.message();
    return success();
  }
  void keep() { created.clear(); }
  ~OutputDirectory() {
    if (!created.empty())
      llvm::sys::fs::remove_directories(created);
  }

private:
  std::string created;
};

/// Writes `text` to `path` atomically; a diagnostic at `loc` on failure.
LogicalResult writeTextFile(Location loc, const std::string &path,
                            StringRef text) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out)
    return emitError(loc) << error;
  out->os() << text;
  out->keep();
  return success();
}

OwningOpRef<ModuleOp> loadModel(MLIRContext &context,
                                const CompileOptions &options,
                                const ModelLoader &loadONNX, Location loc) {
  if (!StringRef(options.modelPath).ends_with(".onnx"))
    return parseSourceFile<ModuleOp>(options.modelPath, &context);
  if (!loadONNX) {
    emitError(loc) << "this build has no ONNX importer";
    return nullptr;
  }
  return loadONNX(options.modelPath, context);
}

/// One function per task, routing folded, weights outlined
/// (m3sat-specialize-pipeline, shaped by the backend).
LogicalResult specialize(ModuleOp module, const CompileOptions &options,
                         const TargetBackend &backend) {
  PassManager pm(module.getContext());
  SpecializePipelineOptions specialize;
  specialize.tasks = options.tasks;
  specialize.modalities = options.modalities;
  specialize.exposeRouting = options.exposeRouting;
  specialize.profile = options.profilePath;
  specialize.coverage = options.coverage;
  specialize.raiseMoE = options.raiseMoE;
  specialize.pointwiseConvBeforeResize = options.pointwiseConvBeforeResize;
  backend.configureSpecialization(specialize);
  buildSpecializePipeline(pm, specialize);
  return pm.run(module);
}

/// --report: the cost of the full model beside each task's (printed now),
/// report.json's "model" and "tasks", and report.txt's per-layer text.
struct CostReport {
  llvm::json::Object json;
  llvm::json::Object tasks;
  std::string layers;

  void add(ModuleOp module, const FunctionCost &full) {
    llvm::outs() << llvm::format("%-28s %16s %16s %16s\n", "cost report",
                                 "FLOPs", "param bytes", "act bytes");
    printRow("full model", full.total, full.total);
    llvm::raw_string_ostream os(layers);
    for (auto func : module.getOps<func::FuncOp>()) {
      auto task = func->getAttrOfType<StringAttr>("m3sat.task");
      if (!task)
        continue;
      FunctionCost cost = functionCost(func);
      printRow(("task " + task.getValue()).str(), cost.total, full.total);
      tasks[task.getValue()] = costToJSON(cost);
      os << "\n";
      printLayerComparison(os, task.getValue(), full, cost);
    }
    json["model"] = costToJSON(full);
    if (llvm::json::Array raised = raiseMoELogJSON(module); !raised.empty())
      json["moe_raising"] = std::move(raised);
  }

  LogicalResult write(Location loc, const std::string &outDir) {
    json["tasks"] = std::move(tasks);
    if (failed(writeTextFile(
            loc, outDir + "/report.json",
            llvm::formatv("{0:2}\n", llvm::json::Value(std::move(json)))
                .str())) ||
        failed(writeTextFile(loc, outDir + "/report.txt",
                             "m3sat cost report: FLOPs, parameter bytes, "
                             "activation bytes per layer\n" +
                                 layers)))
      return failure();
    llvm::outs() << "per layer: " << outDir << "/report.txt\n";
    return success();
  }

private:
  static void printRow(StringRef name, const Cost &cost, const Cost &full) {
    auto pct = [](int64_t part, int64_t whole) {
      return whole ? 100.0 * part / whole : 0.0;
    };
    llvm::outs() << llvm::format(
        "%-28s %16lld %16lld %16lld  (%.1f%% FLOPs, %.1f%% params)\n",
        name.str().c_str(), (long long)cost.flops, (long long)cost.paramBytes,
        (long long)cost.activationBytes, pct(cost.flops, full.flops),
        pct(cost.paramBytes, full.paramBytes));
  }
};

/// routing.json (--expose-routing): the routing layers each task returns,
/// for m3sat-profile.
std::string describeRouting(ModuleOp module) {
  llvm::json::Object routing;
  for (auto func : module.getOps<func::FuncOp>()) {
    auto task = func->getAttrOfType<StringAttr>("m3sat.task");
    if (!task)
      continue;
    llvm::json::Array list;
    if (auto layers = func->getAttrOfType<ArrayAttr>("m3sat.routing_layers"))
      for (auto layer : layers.getAsRange<DictionaryAttr>())
        list.push_back(llvm::json::Object{
            {"name", layer.getAs<StringAttr>("name").getValue()},
            {"experts", layer.getAs<IntegerAttr>("experts").getInt()},
            {"k", layer.getAs<IntegerAttr>("k").getInt()}});
    routing[task.getValue()] = std::move(list);
  }
  return llvm::formatv("{0:2}\n", llvm::json::Value(llvm::json::Object{
                                      {"tasks", std::move(routing)}}))
      .str();
}

} // namespace

LogicalResult m3sat::compileModel(MLIRContext &context,
                                  const CompileOptions &options,
                                  const ModelLoader &loadONNX) {
  PhaseTimer timer(options.verbose);
  Location fileLoc = FileLineColLoc::get(&context, options.modelPath, 0, 0);
  std::unique_ptr<TargetBackend> backend = createTargetBackend(options);

  auto file = llvm::MemoryBuffer::getFile(options.modelPath);
  if (!file)
    return emitError(fileLoc)
           << "cannot read model: " << file.getError().message();
  std::string modelHash = sha256Hex((*file)->getBuffer());
  OwningOpRef<ModuleOp> module = loadModel(context, options, loadONNX, fileLoc);
  if (!module)
    return failure();
  timer.done("import");

  // The whole model's cost, before anything is specialized away.
  FunctionCost fullCost;
  if (options.report)
    if (auto main = module->lookupSymbol<func::FuncOp>("main"))
      fullCost = functionCost(main);

  if (failed(specialize(*module, options, *backend)))
    return failure();
  timer.done("specialize");
  if (options.verbose || options.report)
    printRaiseMoELog(*module, options.report ? llvm::outs() : llvm::errs(),
                     "m3sat-compile: ");

  OutputDirectory outDir;
  if (failed(outDir.create(fileLoc, options.outDir)))
    return failure();
  CostReport report;
  if (options.report)
    report.add(*module, fullCost);

  TaskTable table;
  if (failed(buildTaskTable(*module, table)))
    return failure();
  std::string routing = options.exposeRouting ? describeRouting(*module) : "";
  std::string program;
  {
    llvm::raw_string_ostream os(program);
    module->print(os, OpPrintingFlags().elideLargeResourceString(64));
  }
  std::string codeId =
      sha256Hex(modelHash + backend->getCodeIdentity() + program);
  // Names and weights now live in the task table; the code needs neither.
  // A task's arguments are the caller's inputs and the weights, which the
  // task reads from the read-only bundle mapping: an op that writes in
  // place into one (a scatter into a constant) works on a copy.
  auto readOnly = NamedAttribute(
      StringAttr::get(&context,
                      bufferization::BufferizationDialect::kWritableAttrName),
      BoolAttr::get(&context, false));
  for (auto func : module->getOps<func::FuncOp>()) {
    func.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
    func.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
    if (func->hasAttr("m3sat.task"))
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        func.setArgAttrs(i, ArrayRef<NamedAttribute>{readOnly});
  }
  timer.done("collect weights");

  BackendReport backendReport{&report.tasks, ""};
  EmitContext emit{options.outDir, codeId, timer,
                   options.report ? &backendReport : nullptr};
  if (failed(backend->emitCode(*module, table, emit)))
    return failure();

  std::string error = table.bundle.write(
      options.outDir + "/bundle.m3b", modelHash, codeId,
      backend->getLibraryName(), getTargetName(options.target).str(),
      options.modalities);
  if (!error.empty()) {
    // No half-written OUT_DIR: the code goes with the failed bundle.
    backend->removeCode(options.outDir);
    return emitError(fileLoc) << error;
  }
  timer.done("write bundle");
  if (options.verbose)
    llvm::errs() << "m3sat-compile: bundle: " << table.entries.size()
                 << " tasks, " << table.bundle.numBuffers() << " weights, "
                 << table.bundle.weightBytes() << " bytes of weights\n";

  // The specialized tensor program, for inspection; written last so that a
  // failed compilation leaves no file behind.
  if (options.emitMLIR &&
      failed(writeTextFile(fileLoc, options.outDir + "/program.mlir", program)))
    return failure();
  if (options.exposeRouting &&
      failed(writeTextFile(fileLoc, options.outDir + "/routing.json", routing)))
    return failure();
  if (options.report) {
    llvm::outs() << backendReport.text;
    if (failed(report.write(fileLoc, options.outDir)))
      return failure();
  }
  outDir.keep();
  return success();
}
