//===- HLSBackend.cpp - --target=hls --------------------------------------===//
//
// Lowers the task functions with m3sat-hls-pipeline to loop-level IR and
// writes OUT_DIR/hls: per task a top function (ports named after the task
// table's tensors), its testbench, weights.bin (the bundle's weight blob),
// the Vitis HLS script and the estimate checked against --hls-part.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TargetBackend.h"
#include "m3sat/Compiler/TaskTable.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Target/HLS/Analysis/Device.h"
#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"
#include "m3sat/Target/HLS/Emit/HLSProject.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;
using namespace m3sat;

std::string m3sat::verifyBackendOptions(const HLSBackendOptions &options) {
  if (options.dataflow && options.sharedLinear)
    return "--hls-dataflow and --hls-shared-linear exclude each other: the "
           "one linear unit cannot serve stages that run at the same time";
  if (!options.autoUnroll && (options.unroll < 1 || options.unroll > 64))
    return "--hls-unroll=" + std::to_string(options.unroll) +
           ": expected 1 to 64, or auto";
  if (options.linearLanes < 0 || options.linearLanes > 256)
    return "--hls-linear-lanes=" + std::to_string(options.linearLanes) +
           ": expected 1 to 256 (0: the --hls-unroll factor)";
  if (options.linearLanes > 0 && !options.sharedLinear)
    return "--hls-linear-lanes needs --hls-shared-linear";
  if (options.otherUnroll < 0 || options.otherUnroll > 64)
    return "--hls-other-unroll=" + std::to_string(options.otherUnroll) +
           ": expected 1 to 64 (0: the --hls-unroll factor)";
  if (options.otherUnroll > 0 && !options.sharedLinear)
    return "--hls-other-unroll needs --hls-shared-linear";
  if (options.tokenTile < 0 || options.tokenTile > 4096)
    return "--hls-token-tile=" + std::to_string(options.tokenTile) +
           ": expected 0 (off) to 4096";
  return checkHLSPart(options.part);
}

namespace {

class HLSBackend final : public TargetBackend {
public:
  explicit HLSBackend(const HLSBackendOptions &options) : options(options) {}

  Target getTarget() const override { return Target::HLS; }

  void configureSpecialization(
      SpecializePipelineOptions &specialize) const override {
    // Each task is its own top function: no task groups.
    specialize.groupTasks = false;
    specialize.transposeExpertWeights = false;
  }

  std::string getCodeIdentity() const override { return "hls"; }

  std::string getLibraryName() const override { return "hls"; }

  LogicalResult emitCode(ModuleOp module, const TaskTable &table,
                         EmitContext &context) override {
    // The ports first, on the tensor-level task functions: the pipeline
    // shares layers by port kind, and the emitter names the ports.
    std::vector<HLSTopDesc> tops;
    if (failed(describeTops(module, table, tops)))
      return failure();
    for (const HLSTopDesc &top : tops)
      if (failed(setHLSPortAttributes(module, top)))
        return failure();

    int unroll = options.unroll;
    // --hls-unroll=auto sizes the products with the other loops rolled.
    int otherUnroll = options.otherUnroll > 0 || !options.sharedLinear
                          ? options.otherUnroll
                      : options.autoUnroll ? 1
                                           : 0;
    if (options.autoUnroll) {
      std::string remark = chooseUnroll(module, tops, unroll, otherUnroll);
      emitRemark(module.getLoc()) << remark;
      if (context.report)
        context.report->text += remark + "\n";
    }
    // By default the other loops of a shared-unit design take the unroll
    // factor, or the largest power of two below it whose design fits.
    if (options.sharedLinear && options.otherUnroll == 0 && unroll > 1) {
      std::string remark = chooseOtherUnroll(module, tops, unroll, otherUnroll);
      if (!remark.empty()) {
        emitRemark(module.getLoc()) << remark;
        if (context.report)
          context.report->text += remark + "\n";
      }
    }
    if (failed(lower(module, tops, unroll, otherUnroll)))
      return failure();

    std::string estimate;
    if (failed(writeHLSProject(module, tops, table.bundle.getWeightBlob(),
                               context.outDir + "/" + getLibraryName(),
                               estimate, options)))
      return failure();
    if (context.report)
      context.report->text += estimate;
    context.timer.done("HLS C++ and testbenches");
    return success();
  }

  void removeCode(const std::string &outDir) const override {
    llvm::sys::fs::remove_directories(outDir + "/" + getLibraryName());
  }

private:
  /// Lowers `module` with m3sat-hls-pipeline, every option set from
  /// `options` but the unroll factor, and checks that the top functions
  /// kept their ports.
  LogicalResult lower(ModuleOp module, ArrayRef<HLSTopDesc> tops, int unroll,
                      int otherUnroll) const {
    PassManager pm(module.getContext());
    HLSPipelineOptions pipeline;
    pipeline.lutGelu = options.lutGelu;
    pipeline.onlineSoftmax = options.onlineSoftmax;
    pipeline.sharedLinear = options.sharedLinear;
    pipeline.dataflow = options.dataflow;
    pipeline.tokenTile = options.tokenTile;
    pipeline.unroll = unroll;
    pipeline.linearLanes = options.linearLanes;
    pipeline.otherUnroll = otherUnroll;
    buildHLSPipeline(pm, pipeline);
    if (failed(pm.run(module)))
      return failure();
    for (const HLSTopDesc &top : tops)
      if (failed(checkHLSPorts(module, top)))
        return failure();
    return success();
  }

  /// --hls-unroll=auto: lowers a copy of `module` with each factor of
  /// kHLSAutoUnrollFactors, largest first, and sets `unroll` to the first
  /// whose every task fits the part (1 when none does: the project's own
  /// check then reports the overflow). Returns the remark that says why.
  std::string chooseUnroll(ModuleOp module, ArrayRef<HLSTopDesc> tops,
                           int &unroll, int otherUnroll) const {
    std::string larger;
    for (int factor : kHLSAutoUnrollFactors) {
      unroll = factor;
      if (factor == 1)
        break;
      std::string overflow = tryFit(module, tops, factor, otherUnroll);
      if (overflow.empty())
        break;
      larger += "; " + std::to_string(factor) + ": " + overflow;
    }
    return "--hls-unroll=auto: " + std::to_string(unroll) +
           ", the largest factor whose design fits " + options.part + larger;
  }

  /// The other loops' unroll of a shared-unit design (--hls-other-unroll
  /// not given): the unroll factor, else the largest power of two below it
  /// whose every task fits the part (1 when none does). Returns a remark
  /// when it is not the unroll factor, else "".
  std::string chooseOtherUnroll(ModuleOp module, ArrayRef<HLSTopDesc> tops,
                                int unroll, int &otherUnroll) const {
    std::string larger;
    for (int factor = unroll; factor > 1; factor /= 2) {
      otherUnroll = factor;
      std::string overflow = tryFit(module, tops, unroll, factor);
      if (overflow.empty())
        return larger.empty()
                   ? ""
                   : "--hls-other-unroll: " + std::to_string(factor) +
                         ", the largest factor up to --hls-unroll whose "
                         "design fits " +
                         options.part + larger;
      larger += "; " + std::to_string(factor) + ": " + overflow;
    }
    otherUnroll = 1;
    return "--hls-other-unroll: 1, no larger factor up to --hls-unroll fits " +
           options.part + larger;
  }

  /// Lowers a copy of `module` with the factors: "" if every task fits the
  /// part, else what overflows.
  std::string tryFit(ModuleOp module, ArrayRef<HLSTopDesc> tops, int unroll,
                     int otherUnroll) const {
    OwningOpRef<ModuleOp> trial = module.clone();
    // A trial's diagnostics are not the user's: a factor whose lowering
    // or estimate fails is one that is not taken.
    ScopedDiagnosticHandler quiet(module.getContext(),
                                  [](Diagnostic &) { return success(); });
    if (failed(lower(*trial, tops, unroll, otherUnroll)))
      return "the design cannot be lowered";
    for (const HLSTopDesc &top : tops) {
      FailureOr<std::string> fit = checkHLSFit(*trial, top, options);
      if (failed(fit))
        return "the design cannot be estimated";
      if (!fit->empty())
        return *fit;
    }
    return "";
  }

  /// One top function per task, its ports in argument order (inputs,
  /// weights, outputs), named after the task table's tensors.
  static LogicalResult describeTops(ModuleOp module, const TaskTable &table,
                                    std::vector<HLSTopDesc> &tops) {
    llvm::StringSet<> stems;
    for (const TaskDesc &task : table.bundle.getTasks()) {
      HLSTopDesc top;
      top.task = task.name;
      top.symbol = table.getEntry(task).function;
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
        top.inputs.push_back({&input});
      for (uint32_t index : task.weights) {
        const BundleWriter::BufferDesc &buffer = table.bundle.getBuffer(index);
        top.weights.push_back({&buffer.tensor, buffer.offset});
      }
      for (const TensorSpecDesc &output : task.outputs)
        top.outputs.push_back({&output});
      tops.push_back(std::move(top));
    }
    return success();
  }

  HLSBackendOptions options;
};

} // namespace

std::unique_ptr<TargetBackend>
m3sat::createHLSBackend(const HLSBackendOptions &options) {
  return std::make_unique<HLSBackend>(options);
}
