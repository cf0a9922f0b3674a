//===- TaskCompiler.cpp - model to OUT_DIR --------------------------------===//
//
// Drives the whole compilation: load, specialize per task, outline weights,
// lower with the target pipeline, emit the code library and the bundle.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TaskCompiler.h"

#include "M3SAT/M3SATOps.h"
#include "m3sat/Analysis/CostModel.h"
#include "m3sat/ConstEval/Passes.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Runtime/BundleWriter.h"
#include "m3sat/Target/CPU/TaskLibrary.h"
#include "m3sat/Target/GPU/KernelObjects.h"
#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"
#include "m3sat/Target/HLS/Emit/HLSProject.h"
#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/RaiseMoE.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace m3sat;

namespace {

/// Prints phase timings with -v.
class PhaseTimer {
public:
  explicit PhaseTimer(bool enabled) : enabled(enabled) {}
  void done(StringRef phase) {
    auto now = std::chrono::steady_clock::now();
    if (enabled)
      llvm::errs() << llvm::format(
          "m3sat-compile: %-24s %8.3f s\n", (phase + ":").str().c_str(),
          std::chrono::duration<double>(now - last).count());
    last = now;
  }

private:
  bool enabled;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

/// Bundle dtype of a tensor element type; -1 if the bundle cannot hold it.
int bundleDType(Type type) {
  if (type.isF32())
    return 0;
  if (type.isF16())
    return 3;
  if (type.isF64())
    return 7;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    switch (integer.getWidth()) {
    case 64:
      return 1;
    case 32:
      return 2;
    case 1:
      return 4;
    case 8:
      return 5;
    case 16:
      return 6;
    }
  }
  return -1;
}

std::string nameOf(DictionaryAttr attrs, StringRef fallback) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("m3sat.name"))
      return name.str();
  return fallback.str();
}

/// The ONNX node name of an op, when the importer recorded one.
std::string locationName(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string name = locationName(inner); !name.empty())
        return name;
  return "";
}

/// The raw little-endian bytes of a weight, splats expanded.
FailureOr<std::vector<uint8_t>> weightBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  size_t elementBytes = type.getElementTypeBitWidth() / 8;
  size_t total = elementBytes * type.getNumElements();
  std::vector<uint8_t> bytes(total);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != total)
      return failure();
    std::memcpy(bytes.data(), blob->getData().data(), total);
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || type.getElementTypeBitWidth() % 8 != 0)
    return failure();
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (size_t i = 0; i < total; i += elementBytes)
      std::memcpy(bytes.data() + i, raw.data(), elementBytes);
  } else {
    if (raw.size() != total)
      return failure();
    std::memcpy(bytes.data(), raw.data(), total);
  }
  return bytes;
}

std::string sha256Hex(StringRef data) {
  llvm::SHA256 hash;
  hash.update(data);
  std::array<uint8_t, 32> digest = hash.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

/// Describes the task functions for the bundle, moves the weights into the
/// writer and strips them from the IR.
LogicalResult collectTasks(ModuleOp module, BundleWriter &writer,
                           SmallVectorImpl<TaskEntry> &entries) {
  for (auto func : module.getOps<func::FuncOp>()) {
    auto taskName = func->getAttrOfType<StringAttr>("m3sat.task");
    if (!taskName)
      continue;
    TaskDesc task;
    task.name = taskName.str();
    task.entry = entries.size();
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      DictionaryAttr attrs = func.getArgAttrDict(i);
      auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
      std::string name = nameOf(attrs, "input" + std::to_string(i));
      int dtype = type ? bundleDType(type.getElementType()) : -1;
      if (!type || !type.hasStaticShape() || dtype < 0)
        return func.emitError() << "task '" << task.name << "': input '" << name
                                << "' has type " << func.getArgumentTypes()[i]
                                << "; tasks take static tensors of f16, "
                                   "f32, f64, i1, i8, i16, i32 or i64";
      auto weight =
          attrs ? attrs.getAs<ElementsAttr>("m3sat.weight") : ElementsAttr();
      if (!weight) {
        task.inputs.push_back({name, dtype,
                               std::vector<int64_t>(type.getShape().begin(),
                                                    type.getShape().end())});
        continue;
      }
      FailureOr<std::vector<uint8_t>> bytes = weightBytes(weight);
      if (failed(bytes))
        return func.emitError()
               << "weight '" << name << "' has no readable data";
      std::string key = std::to_string(
          reinterpret_cast<uintptr_t>(weight.getAsOpaquePointer()));
      task.weights.push_back(writer.addBuffer(
          key, name, dtype,
          std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
          bytes->data(), bytes->size()));
      func.removeArgAttr(i, StringAttr::get(func.getContext(), "m3sat.weight"));
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i) {
      auto type = dyn_cast<RankedTensorType>(func.getResultTypes()[i]);
      std::string name =
          nameOf(func.getResultAttrDict(i), "output" + std::to_string(i));
      int dtype = type ? bundleDType(type.getElementType()) : -1;
      if (!type || !type.hasStaticShape() || dtype < 0)
        return func.emitError()
               << "task '" << task.name << "': output '" << name
               << "' has type " << func.getResultTypes()[i]
               << "; tasks return static tensors of "
                  "f16, f32, f64, i1, i8, i16, i32 or i64";
      task.outputs.push_back({name, dtype,
                              std::vector<int64_t>(type.getShape().begin(),
                                                   type.getShape().end())});
    }
    func.walk([&](Operation *op) {
      MoELayerDesc layer;
      ExpertSetAttr set;
      // The model's expert count (before pruning, when it happened).
      if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
        layer.numExperts = ffn.getNumExperts();
        set = ffn.getStaticExpertsAttr();
      } else if (auto attention = dyn_cast<MoEAttentionOp>(op)) {
        layer.numExperts = attention.getNumExperts();
        set = attention.getStaticExpertsAttr();
      } else {
        return;
      }
      layer.name = locationName(op->getLoc());
      layer.staticRouting = static_cast<bool>(set);
      // Pruned layers know which of the model's experts they kept.
      if (auto source =
              op->getAttrOfType<DenseI64ArrayAttr>("m3sat.source_experts"))
        layer.keptExperts.assign(source.asArrayRef().begin(),
                                 source.asArrayRef().end());
      else if (set)
        layer.keptExperts.assign(set.getExperts().begin(),
                                 set.getExperts().end());
      if (auto source =
              op->getAttrOfType<IntegerAttr>("m3sat.source_num_experts"))
        layer.numExperts = source.getInt();
      else
        for (int64_t e = 0; e < layer.numExperts; ++e)
          layer.keptExperts.push_back(e);
      task.moeLayers.push_back(std::move(layer));
    });
    entries.push_back(
        {func.getSymName().str(),
         static_cast<unsigned>(task.inputs.size() + task.weights.size() +
                               task.outputs.size())});
    writer.addTask(std::move(task));
  }
  if (entries.empty())
    return module.emitError("no task to compile");
  return success();
}

/// --target=hls: lowers `module` with the HLS pipeline and writes the HLS
/// project (sources, testbenches, weights.bin, script, estimate) to `dir`.
LogicalResult compileForHLS(ModuleOp module, const BundleWriter &writer,
                            ArrayRef<TaskEntry> entries, const std::string &dir,
                            std::string &estimate,
                            const HLSNumerics &numerics) {
  PassManager lower(module.getContext());
  HLSPipelineOptions pipeline;
  pipeline.onlineSoftmax = numerics.onlineSoftmax;
  pipeline.sharedLinear = numerics.sharedLinear;
  pipeline.dataflow = numerics.dataflow;
  // Unrolled loops (annotated later) access several values per cycle.
  pipeline.dataflowFifo = numerics.unroll <= 1;
  buildHLSPipeline(lower, pipeline);
  if (failed(lower.run(module)))
    return failure();

  std::vector<HLSTopDesc> tops;
  llvm::StringSet<> stems;
  for (const TaskDesc &task : writer.getTasks()) {
    HLSTopDesc top;
    top.task = task.name;
    top.symbol = entries[task.entry].function;
    auto func = module.lookupSymbol<func::FuncOp>(top.symbol);
    if (!func)
      return module.emitError() << "task '" << task.name << "': no function '"
                                << top.symbol << "'";
    top.function = hlsFunctionName(func);
    top.stem = hlsFileStem(task.name);
    if (!stems.insert(top.stem).second)
      return module.emitError() << "task '" << task.name
                                << "': another task's HLS files are named '"
                                << top.stem << "' too";
    for (const TensorSpecDesc &input : task.inputs)
      top.inputs.push_back({input.name, input.dtype, input.shape, 0});
    for (uint32_t index : task.weights) {
      const BundleWriter::BufferDesc &buffer = writer.getBuffer(index);
      top.weights.push_back(
          {buffer.name, buffer.dtype, buffer.shape, buffer.offset});
    }
    for (const TensorSpecDesc &output : task.outputs)
      top.outputs.push_back({output.name, output.dtype, output.shape, 0});
    if (failed(setHLSPortAttributes(module, top)))
      return failure();
    tops.push_back(std::move(top));
  }
  return writeHLSProject(module, tops, writer.getWeightBlob(), dir, estimate,
                         numerics);
}

} // namespace

LogicalResult m3sat::compileModel(MLIRContext &context,
                                  const CompileOptions &options,
                                  const ModelLoader &loadONNX) {
  PhaseTimer timer(options.verbose);
  Location fileLoc = FileLineColLoc::get(&context, options.modelPath, 0, 0);
  if (options.target != "cpu" && options.target != "gpu" &&
      options.target != "hls")
    return emitError(fileLoc) << "--target=" << options.target
                              << " is not known (use cpu, gpu or hls)";

  auto file = llvm::MemoryBuffer::getFile(options.modelPath);
  if (!file)
    return emitError(fileLoc)
           << "cannot read model: " << file.getError().message();
  std::string modelHash = sha256Hex((*file)->getBuffer());

  OwningOpRef<ModuleOp> module;
  if (StringRef(options.modelPath).ends_with(".onnx")) {
    if (!loadONNX)
      return emitError(fileLoc) << "this build has no ONNX importer";
    module = loadONNX(options.modelPath, context);
  } else {
    module = parseSourceFile<ModuleOp>(options.modelPath, &context);
  }
  if (!module)
    return failure();
  timer.done("import");

  // The whole model's cost, before anything is specialized away.
  FunctionCost fullCost;
  if (options.report)
    if (auto main = module->lookupSymbol<func::FuncOp>("main"))
      fullCost = functionCost(main);

  // One function per task, routing folded, weights outlined.
  PassManager specialize(&context);
  SpecializePipelineOptions specializeOptions;
  specializeOptions.tasks = options.tasks;
  specializeOptions.modalities = options.modalities;
  specializeOptions.groupTasks = options.target != "hls";
  specializeOptions.exposeRouting = options.exposeRouting;
  specializeOptions.profile = options.profilePath;
  specializeOptions.coverage = options.coverage;
  // The row-gather form of routed MoE layers (the GPU's, unless loops are
  // asked for) reads expert weights best as (in, out).
  specializeOptions.transposeExpertWeights =
      (options.target == "gpu" && options.moeLowering != MoELowering::Loops) ||
      (options.target == "cpu" &&
       options.moeLowering == MoELowering::RowGather);
  buildSpecializePipeline(specialize, specializeOptions);
  if (failed(specialize.run(*module)))
    return failure();
  timer.done("specialize");
  if (options.verbose || options.report)
    printRaiseMoELog(*module, options.report ? llvm::outs() : llvm::errs(),
                     "m3sat-compile: ");

  // A failed compilation leaves no file behind: the directories created
  // here (from the outermost one that did not exist) go again on failure.
  std::string createdDir;
  for (StringRef dir = options.outDir;
       !dir.empty() && !llvm::sys::fs::exists(dir);
       dir = llvm::sys::path::parent_path(dir))
    createdDir = dir.str();
  if (std::error_code ec = llvm::sys::fs::create_directories(options.outDir))
    return emitError(fileLoc)
           << options.outDir
           << ": cannot create output directory: " << ec.message();
  bool compiled = false;
  llvm::scope_exit removeCreated([&] {
    if (!compiled && !createdDir.empty())
      llvm::sys::fs::remove_directories(createdDir);
  });

  llvm::json::Object report;
  // Per task function: its name and the cost model's activation bytes, for
  // the activation memory table after lowering.
  llvm::StringMap<ArenaRow> arenaRows;
  std::string layerReportText;
  llvm::raw_string_ostream layerReport(layerReportText);
  if (options.report) {
    llvm::json::Object tasks;
    llvm::outs() << llvm::format("%-28s %16s %16s %16s\n", "cost report",
                                 "FLOPs", "param bytes", "act bytes");
    auto row = [](StringRef name, const Cost &cost, const Cost &full) {
      auto pct = [](int64_t part, int64_t whole) {
        return whole ? 100.0 * part / whole : 0.0;
      };
      llvm::outs() << llvm::format(
          "%-28s %16lld %16lld %16lld  (%.1f%% FLOPs, %.1f%% params)\n",
          name.str().c_str(), (long long)cost.flops, (long long)cost.paramBytes,
          (long long)cost.activationBytes, pct(cost.flops, full.flops),
          pct(cost.paramBytes, full.paramBytes));
    };
    row("full model", fullCost.total, fullCost.total);
    for (auto func : module->getOps<func::FuncOp>()) {
      auto task = func->getAttrOfType<StringAttr>("m3sat.task");
      if (!task)
        continue;
      FunctionCost cost = functionCost(func);
      row(("task " + task.getValue()).str(), cost.total, fullCost.total);
      arenaRows[func.getSymName()] = {task.getValue().str(), 0, 0,
                                      cost.total.activationBytes};
      tasks[task.getValue()] = costToJSON(cost);
      layerReport << "\n";
      printLayerComparison(layerReport, task.getValue(), fullCost, cost);
    }
    report["model"] = costToJSON(fullCost);
    report["tasks"] = std::move(tasks);
  }

  BundleWriter writer;
  SmallVector<TaskEntry> entries;
  if (failed(collectTasks(*module, writer, entries)))
    return failure();
  // The routing layers each task returns, for m3sat-profile.
  llvm::json::Object routing;
  for (auto func : module->getOps<func::FuncOp>()) {
    auto task = func->getAttrOfType<StringAttr>("m3sat.task");
    auto layers = func->getAttrOfType<ArrayAttr>("m3sat.routing_layers");
    if (!task)
      continue;
    llvm::json::Array list;
    if (layers)
      for (auto layer : layers.getAsRange<DictionaryAttr>())
        list.push_back(llvm::json::Object{
            {"name", layer.getAs<StringAttr>("name").getValue()},
            {"experts", layer.getAs<IntegerAttr>("experts").getInt()},
            {"k", layer.getAs<IntegerAttr>("k").getInt()}});
    routing[task.getValue()] = std::move(list);
  }

  std::string program;
  {
    llvm::raw_string_ostream os(program);
    module->print(os, OpPrintingFlags().elideLargeResourceString(64));
  }
  std::string codeId =
      sha256Hex(modelHash + options.cpu + options.target +
                (options.target == "gpu" ? options.gpuArch : "") + program);
  // Names and weights now live in the bundle; the code needs neither.
  for (auto func : module->getOps<func::FuncOp>()) {
    func.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
    func.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  }
  timer.done("collect weights");

  // The code: a task library for CPU and GPU (for GPU, with the kernels
  // embedded, and their PTX and cubin in OUT_DIR/kernels); for HLS, the
  // directory OUT_DIR/hls of C++ sources, testbenches and weights.bin (the
  // bundle names it).
  std::string library;
  std::string hlsEstimate;
  std::string kernelDir = options.outDir + "/kernels";
  if (options.target == "gpu") {
    PassManager lower(&context);
    GPUPipelineOptions pipeline;
    pipeline.chip = options.gpuArch;
    if (options.moeLowering)
      pipeline.moeLowering = *options.moeLowering;
    buildGPUPipeline(lower, pipeline);
    if (failed(lower.run(*module)))
      return failure();
    timer.done("lower to NVVM and PTX");

    KernelObjectOptions kernels;
    kernels.chip = options.gpuArch;
    kernels.ptxas = options.ptxas;
    unsigned numModules = 0;
    if (failed(writeKernelObjects(*module, kernelDir, kernels, numModules))) {
      llvm::sys::fs::remove_directories(kernelDir);
      return failure();
    }
    timer.done(options.ptxas.empty() ? "write PTX" : "write PTX, ptxas");
    if (options.verbose)
      llvm::errs() << "m3sat-compile: " << numModules
                   << " kernel module(s) for " << options.gpuArch
                   << (options.ptxas.empty() ? " (PTX; no ptxas found)"
                                             : " (PTX and cubin)")
                   << "\n";

    CPUTargetOptions host;
    host.cpu = options.cpu;
    host.runtimeArchive = options.runtimeArchive;
    library = "libm3sat_task.so";
    if (failed(addTaskEntries(*module, entries, codeId)) ||
        failed(
            emitTaskLibrary(*module, options.outDir + "/" + library, host))) {
      llvm::sys::fs::remove_directories(kernelDir);
      return failure();
    }
    timer.done("host codegen and link");
  } else if (options.target == "hls") {
    library = "hls";
    if (failed(compileForHLS(*module, writer, entries,
                             options.outDir + "/" + library, hlsEstimate,
                             options.hlsNumerics)))
      return failure();
    timer.done("HLS C++ and testbenches");
  } else {
    PassManager lower(&context);
    CPUPipelineOptions pipeline;
    pipeline.parallel = !options.openmpLibraryDir.empty();
    pipeline.blas = options.blas;
    pipeline.vectorize = options.vectorize;
    pipeline.arena = options.arena;
    pipeline.arenaReuse = options.arenaReuse;
    if (options.moeLowering)
      pipeline.moeLowering = *options.moeLowering;
    buildCPUPipeline(lower, pipeline);
    if (failed(lower.run(*module)))
      return failure();
    if (options.report) {
      std::vector<ArenaRow> rows;
      llvm::json::Object *taskReports = report.getObject("tasks");
      for (auto func : module->getOps<LLVM::LLVMFuncOp>()) {
        auto found = arenaRows.find(func.getSymName());
        if (found == arenaRows.end())
          continue;
        ArenaRow row = found->second;
        if (auto bytes = func->getAttrOfType<IntegerAttr>("m3sat.arena_bytes"))
          row.arenaBytes = bytes.getInt();
        if (auto bytes =
                func->getAttrOfType<IntegerAttr>("m3sat.planned_bytes"))
          row.plannedBytes = bytes.getInt();
        if (llvm::json::Object *entry =
                taskReports ? taskReports->getObject(row.task) : nullptr) {
          (*entry)["arena_bytes"] = row.arenaBytes;
          (*entry)["planned_bytes"] = row.plannedBytes;
        }
        rows.push_back(std::move(row));
      }
      printArenaTable(llvm::outs(), rows);
    }
    if (failed(addTaskEntries(*module, entries, codeId)))
      return failure();
    timer.done("lower to LLVM dialect");

    CPUTargetOptions target;
    target.cpu = options.cpu;
    target.runtimeArchive = options.runtimeArchive;
    target.openmpLibraryDir = options.openmpLibraryDir;
    library = "libm3sat_task.so";
    if (failed(
            emitTaskLibrary(*module, options.outDir + "/" + library, target)))
      return failure();
    timer.done("codegen and link");
  }

  std::string error =
      writer.write(options.outDir + "/bundle.m3b", modelHash, codeId, library,
                   options.target, options.modalities);
  if (!error.empty()) {
    // No half-written OUT_DIR: the code goes with the failed bundle.
    if (options.target == "hls")
      llvm::sys::fs::remove_directories(options.outDir + "/" + library);
    else
      llvm::sys::fs::remove(options.outDir + "/" + library);
    if (options.target == "gpu")
      llvm::sys::fs::remove_directories(kernelDir);
    return emitError(fileLoc) << error;
  }
  timer.done("write bundle");
  if (options.verbose)
    llvm::errs() << "m3sat-compile: bundle: " << entries.size() << " tasks, "
                 << writer.numBuffers() << " weights, " << writer.weightBytes()
                 << " bytes of weights\n";

  // The specialized tensor program, for inspection; written last so that a
  // failed compilation leaves no file behind.
  if (options.emitMLIR) {
    auto out = openOutputFile(options.outDir + "/program.mlir", &error);
    if (!out)
      return emitError(fileLoc) << error;
    out->os() << program;
    out->keep();
  }
  if (options.exposeRouting) {
    auto out = openOutputFile(options.outDir + "/routing.json", &error);
    if (!out)
      return emitError(fileLoc) << error;
    out->os() << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                            {"tasks", std::move(routing)}}))
              << "\n";
    out->keep();
  }
  if (options.report && !hlsEstimate.empty())
    llvm::outs() << hlsEstimate;
  if (options.report) {
    auto out = openOutputFile(options.outDir + "/report.json", &error);
    if (!out)
      return emitError(fileLoc) << error;
    out->os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)))
              << "\n";
    auto text = openOutputFile(options.outDir + "/report.txt", &error);
    if (!text)
      return emitError(fileLoc) << error;
    text->os() << "m3sat cost report: FLOPs, parameter bytes, activation "
                  "bytes per layer\n"
               << layerReportText;
    out->keep();
    text->keep();
    llvm::outs() << "per layer: " << options.outDir << "/report.txt\n";
  }
  compiled = true;
  return success();
}
