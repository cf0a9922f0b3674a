//===- GPUPipeline.cpp - m3sat-gpu-pipeline -------------------------------===//
//
// The GPU pipeline: the front half shared with the other targets, m3sat's
// mapping of loops and buffers onto the device, then upstream's gpu, NVVM
// and gpu-to-llvm lowering and serialization.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Pipelines/Pipelines.h"

#include "m3sat/Target/GPU/Passes.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/Process.h"

using namespace mlir;

void m3sat::buildGPUPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options) {
  // Token-routed MoE in the row-gather form (by default): its grouped GEMM,
  // gathers and combine are parallel loops, so they become grids. Attention
  // (by default) is one parallel loop over (batch, query row) with an
  // online softmax: one kernel instead of two products and the softmax's.
  buildBufferizedLinalgPipeline(pm, options.foldRouting, options.moeLowering,
                                /*convolutionsAsMatmul=*/false,
                                /*splitSharedInits=*/false,
                                /*unitStrideConvolutionsAsMatmul=*/true,
                                options.fuseAttention);
  // Temporary buffers out of loops, so that the host allocates them.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());

  // Loops: parallel dimensions stay parallel, reductions become scf.for.
  pm.addNestedPass<func::FuncOp>(createCopyToLinalg());
  // Every parallel loop outside the reductions, so that all of them become
  // threads (the front half ordered them for the CPU's caches).
  pm.addNestedPass<func::FuncOp>(createGPUReductionsInnermost());
  // Matrix products and grouped expert GEMMs through cuBLAS (on the
  // host, queued on the task's stream); what is left becomes kernels.
  GPULibraryGemmOptions library;
  library.library = options.gemmLibrary;
  library.tf32 = options.tf32;
  pm.addPass(createGPULibraryGemm(library));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // Each reduction loop keeps its output element in a register, not in
  // memory at every step (LLVM cannot prove that it does not alias). The
  // task runtime gives every input and output a device buffer of its own.
  PromoteLoopAccumulatorsOptions accumulators;
  accumulators.distinctArguments = true;
  pm.addNestedPass<func::FuncOp>(createPromoteLoopAccumulators(accumulators));
  // Code that is not a parallel loop runs in kernels of one thread; each
  // parallel loop becomes a grid of blocks of threads.
  pm.addNestedPass<func::FuncOp>(createGPUSequentialLaunch());
  GPUTileParallelLoopsOptions tile;
  tile.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createGPUTileParallelLoops(tile));
  GpuMapParallelLoopsPassOptions map;
  map.mappingPolicyStr = "innermost-first";
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass(map));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(createGPUDeviceMemory());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Constants (indices, sizes) into the kernels that use them, so that
  // they stay constants there rather than becoming kernel arguments: offsets
  // fold into addresses, unrolled code keeps its immediates.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  // Kernels into one gpu.module for the chosen architecture.
  pm.addPass(createGpuKernelOutliningPass());
  // Launches become asynchronous, chained on one token: the host waits for
  // the stream only where it must (before an allocation, a copy, the frees
  // at the end), not after every kernel.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  // Library calls queue their work on the same stream: no host wait.
  pm.addNestedPass<func::FuncOp>(createGPULibraryCallsAsync());
  pm.addPass(createGPUMergeKernelModules());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));

  // Views to explicit strides and offsets, loops to branches, everywhere.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  // Kernels to NVVM (math through libdevice). Buffers of static shape
  // cross the launch as bare pointers.
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  // Host code to the LLVM dialect: launches and device buffers become
  // calls of the mgpu* runtime functions; the task function takes bare
  // pointers, which is what the task runtime passes.
  GpuToLLVMConversionPassOptions host;
  host.hostBarePtrCallConv = true;
  host.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(host));
  pm.addPass(createReconcileUnrealizedCastsPass());

  // Kernels to PTX (or cubin), embedded in gpu.binary ops, with the
  // libdevice functions they call linked in.
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.cudaPath;
  if (binary.toolkitPath.empty()) {
    std::optional<std::string> home = llvm::sys::Process::GetEnv("CUDA_HOME");
    binary.toolkitPath = home ? *home : "/usr/local/cuda";
  }
  pm.addPass(createGpuModuleToBinaryPass(binary));
}
