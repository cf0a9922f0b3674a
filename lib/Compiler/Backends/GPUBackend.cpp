//===- GPUBackend.cpp - --target=gpu --------------------------------------===//
//
// Lowers the task functions with m3sat-gpu-pipeline (kernels to NVVM and
// PTX, host code to the LLVM dialect), writes each kernel module's PTX (and
// cubin, with ptxas) into OUT_DIR/kernels and links the host code with the
// kernels embedded into libm3sat_task.so.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TargetBackend.h"
#include "m3sat/Compiler/TaskTable.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Target/CPU/TaskLibrary.h"
#include "m3sat/Target/GPU/KernelObjects.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat;

std::string m3sat::verifyBackendOptions(const GPUBackendOptions &options) {
  StringRef arch = options.arch;
  unsigned number = 0;
  bool known = arch.consume_front("sm_");
  arch.consume_back("a");
  if (!known || arch.getAsInteger(10, number) || number < 50)
    return "--gpu-arch=" + options.arch +
           " is not an NVIDIA architecture (sm_50 or later, e.g. sm_90)";
  if (options.gemmLibrary != "cublas" && options.gemmLibrary != "none")
    return "--gpu-gemm-library=" + options.gemmLibrary +
           " is not known (use cublas or none)";
  if (options.tf32 && options.gemmLibrary != "cublas")
    return "--gpu-tf32 needs --gpu-gemm-library=cublas";
  return "";
}

namespace {

class GPUBackend final : public TargetBackend {
public:
  explicit GPUBackend(const GPUBackendOptions &options) : options(options) {}

  Target getTarget() const override { return Target::GPU; }

  void configureSpecialization(
      SpecializePipelineOptions &specialize) const override {
    specialize.groupTasks = true;
    // The row-gather form (the GPU's, unless loops are asked for) reads
    // expert weights best as (in, out).
    specialize.transposeExpertWeights =
        options.moeLowering != MoELowering::Loops;
  }

  std::string getCodeIdentity() const override {
    return options.cpu + "gpu" + options.arch + options.gemmLibrary +
           (options.tf32 ? "tf32" : "") +
           (options.fuseAttention ? "" : "unfused-attention");
  }

  std::string getLibraryName() const override { return "libm3sat_task.so"; }

  LogicalResult emitCode(ModuleOp module, const TaskTable &table,
                         EmitContext &context) override {
    PassManager lower(module.getContext());
    GPUPipelineOptions pipeline;
    pipeline.chip = options.arch;
    pipeline.gemmLibrary = options.gemmLibrary;
    pipeline.tf32 = options.tf32;
    pipeline.fuseAttention = options.fuseAttention;
    if (options.moeLowering)
      pipeline.moeLowering = *options.moeLowering;
    buildGPUPipeline(lower, pipeline);
    if (failed(lower.run(module)))
      return failure();
    context.timer.done("lower to NVVM and PTX");

    std::string kernelDir = context.outDir + "/kernels";
    KernelObjectOptions kernels;
    kernels.chip = options.arch;
    kernels.ptxas = options.ptxas;
    unsigned numModules = 0;
    if (failed(writeKernelObjects(module, kernelDir, kernels, numModules))) {
      llvm::sys::fs::remove_directories(kernelDir);
      return failure();
    }
    context.timer.done(options.ptxas.empty() ? "write PTX"
                                             : "write PTX, ptxas");
    if (context.timer.isEnabled())
      llvm::errs() << "m3sat-compile: " << numModules
                   << " kernel module(s) for " << options.arch
                   << (options.ptxas.empty() ? " (PTX; no ptxas found)"
                                             : " (PTX and cubin)")
                   << "\n";

    CPUTargetOptions host;
    host.cpu = options.cpu;
    host.runtimeArchive = options.runtimeArchive;
    if (failed(addTaskEntries(module, table.entries, context.codeId)) ||
        failed(emitTaskLibrary(module, context.outDir + "/" + getLibraryName(),
                               host))) {
      llvm::sys::fs::remove_directories(kernelDir);
      return failure();
    }
    context.timer.done("host codegen and link");
    return success();
  }

  void removeCode(const std::string &outDir) const override {
    llvm::sys::fs::remove(outDir + "/" + getLibraryName());
    llvm::sys::fs::remove_directories(outDir + "/kernels");
  }

private:
  GPUBackendOptions options;
};

} // namespace

std::unique_ptr<TargetBackend>
m3sat::createGPUBackend(const GPUBackendOptions &options) {
  return std::make_unique<GPUBackend>(options);
}
