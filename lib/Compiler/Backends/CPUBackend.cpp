//===- CPUBackend.cpp - --target=cpu --------------------------------------===//
//
// Lowers the task functions with m3sat-cpu-pipeline to the LLVM dialect,
// adds the task entry table and links libm3sat_task.so with the task
// runtime. With --report, the activation memory table (arena per task).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Analysis/CostModel.h"
#include "m3sat/Compiler/TargetBackend.h"
#include "m3sat/Compiler/TaskTable.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Target/CPU/TaskLibrary.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat;

namespace {

class CPUBackend final : public TargetBackend {
public:
  explicit CPUBackend(const CPUBackendOptions &options) : options(options) {}

  Target getTarget() const override { return Target::CPU; }

  void configureSpecialization(
      SpecializePipelineOptions &specialize) const override {
    specialize.groupTasks = true;
    // Both MoE forms read expert weights best as (in, out): products of
    // few rows run faster with their weights along the output (oneDNN's
    // SGEMM, 16 x 128 x 512: 18.7 us "NN", 45.1 us "NT").
    specialize.transposeExpertWeights = true;
  }

  std::string getCodeIdentity() const override {
    // The default serial-work leaves the identity as it was before the
    // option existed.
    return options.cpu + "cpu" +
           (options.fuseAttention ? "fused-attention" : "") +
           (options.serialWork == CPUBackendOptions().serialWork
                ? std::string()
                : "serial-work=" + std::to_string(options.serialWork)) +
           (options.winogradTile != 2
                ? "winograd" + std::to_string(options.winogradTile)
                : "");
  }

  std::string getLibraryName() const override { return "libm3sat_task.so"; }

  LogicalResult emitCode(ModuleOp module, const TaskTable &table,
                         EmitContext &context) override {
    PassManager lower(module.getContext());
    CPUPipelineOptions pipeline;
    pipeline.parallel = !options.openmpLibraryDir.empty();
    pipeline.blas = options.blas;
    pipeline.vectorize = options.vectorize;
    pipeline.arena = options.arena;
    pipeline.arenaReuse = options.arenaReuse;
    pipeline.fuseAttention = options.fuseAttention;
    pipeline.serialWork = options.serialWork;
    pipeline.winogradTile = options.winogradTile;
    if (options.moeLowering)
      pipeline.moeLowering = *options.moeLowering;
    buildCPUPipeline(lower, pipeline);
    if (failed(lower.run(module)))
      return failure();
    if (context.report)
      reportArenas(module, table, *context.report);
    if (failed(addTaskEntries(module, table.entries, context.codeId)))
      return failure();
    context.timer.done("lower to LLVM dialect");

    CPUTargetOptions target;
    target.cpu = options.cpu;
    target.runtimeArchive = options.runtimeArchive;
    target.openmpLibraryDir = options.openmpLibraryDir;
    if (failed(emitTaskLibrary(module, context.outDir + "/" + getLibraryName(),
                               target)))
      return failure();
    context.timer.done("codegen and link");
    return success();
  }

  void removeCode(const std::string &outDir) const override {
    llvm::sys::fs::remove(outDir + "/" + getLibraryName());
  }

private:
  /// Per task: the arena m3sat-plan-activation-arena planned (on the
  /// lowered function) beside the cost model's activation bytes.
  static void reportArenas(ModuleOp module, const TaskTable &table,
                           BackendReport &report) {
    std::vector<ArenaRow> rows;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      const TaskDesc *task = table.lookupFunction(func.getSymName());
      if (!task)
        continue;
      ArenaRow row;
      row.task = task->name;
      if (auto bytes = func->getAttrOfType<IntegerAttr>("m3sat.arena_bytes"))
        row.arenaBytes = bytes.getInt();
      if (auto bytes = func->getAttrOfType<IntegerAttr>("m3sat.planned_bytes"))
        row.plannedBytes = bytes.getInt();
      if (llvm::json::Object *entry =
              report.tasks ? report.tasks->getObject(row.task) : nullptr) {
        if (std::optional<int64_t> bytes =
                entry->getInteger("activation_bytes"))
          row.activationBytes = *bytes;
        (*entry)["arena_bytes"] = row.arenaBytes;
        (*entry)["planned_bytes"] = row.plannedBytes;
      }
      rows.push_back(std::move(row));
    }
    llvm::raw_string_ostream os(report.text);
    printArenaTable(os, rows);
  }

  CPUBackendOptions options;
};

} // namespace

std::unique_ptr<TargetBackend>
m3sat::createCPUBackend(const CPUBackendOptions &options) {
  return std::make_unique<CPUBackend>(options);
}
