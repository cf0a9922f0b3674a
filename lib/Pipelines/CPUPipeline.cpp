//===- CPUPipeline.cpp - m3sat-cpu-pipeline -------------------------------===//
//
// The CPU pipeline, built from upstream passes and m3sat's lowering, and the
// front half it shares with the GPU and HLS pipelines; registration of all
// three.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Pipelines/Pipelines.h"

#include "m3sat/Conversion/Passes.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void m3sat::buildBufferizedLinalgPipeline(OpPassManager &pm, bool foldRouting,
                                          MoELowering moeLowering,
                                          bool convolutionsAsMatmul,
                                          bool splitSharedInits,
                                          bool unitStrideConvolutionsAsMatmul,
                                          bool fuseAttention) {
  // Static routing first: constant router logits become expert sets, so the
  // lowering below needs no routing for them.
  if (foldRouting)
    pm.addPass(createCanonicalizerPass());
  // Attention is recognized in the importer's TOSA form.
  if (fuseAttention)
    pm.addNestedPass<func::FuncOp>(createFuseAttention());

  // Standard ONNX ops arrive as TOSA: upstream lowers them to linalg.
  // The importer emits what m3sat's CPU path supports, beyond the TOSA
  // profiles (i64 indices, i1 masks): no profile validation.
  tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions(),
                              TosaToLinalgNamedOptions(), std::nullopt);
  pm.addNestedPass<func::FuncOp>(createTosaToArithPass());
  pm.addNestedPass<func::FuncOp>(createTosaToTensorPass());
  if (convolutionsAsMatmul) {
    ConvolutionsToMatmulOptions im2col;
    im2col.unitStride = unitStrideConvolutionsAsMatmul;
    pm.addNestedPass<func::FuncOp>(createConvolutionsToMatmul(im2col));
  }
  // Elementwise arith/math on whole tensors becomes linalg.generic.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());

  // m3sat ops to linalg/scf on tensors, then clean up and fuse.
  pm.addNestedPass<func::FuncOp>(createConvertM3SATToLinalg({moeLowering}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Named ops (from TOSA) become generics; every reduction may then be
  // vectorized by LLVM.
  pm.addNestedPass<func::FuncOp>(createLinalgGeneralizeNamedOpsPass());
  pm.addNestedPass<func::FuncOp>(createReassociateReductions());
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addNestedPass<func::FuncOp>(createInterchangeForLocality());
  if (splitSharedInits)
    pm.addNestedPass<func::FuncOp>(createSplitSharedInits());

  // Tensors to buffers across function boundaries.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // The fused attention's scf.forall on buffers is a parallel loop like
  // those that linalg lowers to.
  if (fuseAttention)
    pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  // Results become caller-provided out-params (the task ABI: inputs,
  // weights, then outputs).
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
}

void m3sat::buildCPUPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options) {
  // With SGEMM, a convolution is faster as matrix products: im2col and one
  // product, or (unit strides, a window over 1x1) m3sat_sconv's product per
  // filter tap, which needs no im2col buffer.
  bool sconv = options.blas && options.convolutionsToBLAS;
  buildBufferizedLinalgPipeline(
      pm, options.foldRouting, options.moeLowering,
      /*convolutionsAsMatmul=*/options.blas, options.splitSharedInits,
      /*unitStrideConvolutionsAsMatmul=*/!sconv, options.fuseAttention);
  // Copies of a filled buffer (bufferization's answer to a shared zero
  // init) become fills. Before the arena: it recognizes buffers by their
  // allocations, which the arena turns into views.
  pm.addNestedPass<func::FuncOp>(createForwardFills());
  // Temporary buffers share one arena where their lifetimes allow.
  if (options.arena) {
    PlanActivationArenaOptions arena;
    arena.reuse = options.arenaReuse;
    pm.addPass(createPlanActivationArena(arena));
  }
  // The remaining temporary buffers are freed where they die.
  bufferization::buildBufferDeallocationPipeline(pm);
  // A task with too little work to share among threads gets no parallel
  // loops from the passes below.
  if (options.parallel && options.serialWork > 0) {
    SerialSmallTasksOptions serial;
    serial.maxWork = options.serialWork;
    pm.addPass(createSerialSmallTasks(serial));
  }
  // Matrix products go to the runtime's SGEMM (after deallocation is
  // placed: the call reads the buffers through plain pointers).
  if (options.blas) {
    ContractionsToBLASOptions blas;
    blas.parallel = options.parallel;
    pm.addPass(createContractionsToBLAS(blas));
    if (sconv) {
      ConvolutionsToBLASOptions conv;
      conv.parallel = options.parallel;
      conv.winogradTile = options.winogradTile;
      pm.addPass(createConvolutionsToBLAS(conv));
    }
  }

  // Loops, then everything to the LLVM dialect (erf and friends via libm).
  pm.addNestedPass<func::FuncOp>(createCopyToLinalg());
  // Elementwise work and row reductions become vector code here; LLVM does
  // not vectorize the loops below when they call libm or reduce.
  if (options.vectorize) {
    pm.addNestedPass<func::FuncOp>(createVectorizeElementwise());
    pm.addPass(createCanonicalizerPass());
  }
  if (options.parallel) {
    // Large outermost parallel loops become OpenMP worksharing loops; the
    // rest run sequentially on the calling thread.
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
    SelectParallelLoopsOptions select;
    select.minIterations = options.minParallelIterations;
    pm.addNestedPass<func::FuncOp>(createSelectParallelLoops(select));
  } else {
    pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  }
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // Inlines the memref.alloca_scope wrappers that have no allocas, which
    // scf-to-cf could not lower otherwise.
    pm.addPass(createCanonicalizerPass());
    // One fork per stretch of loops rather than one per loop.
    if (options.mergeParallelRegions)
      pm.addPass(createMergeParallelRegions());
    if (options.inlineStaticWorksharing)
      pm.addPass(createInlineStaticWorksharing());
  }
  // Integer powers (math.ipowi) become calls to generated functions.
  pm.addPass(createConvertMathToFuncs());
  if (options.vectorize) {
    // n-D vector transfers become loops of 1-D ones; erf and exp on vectors
    // become polynomials (on scalars they stay libm calls).
    pm.addPass(createConvertVectorToSCFPass());
    pm.addPass(createApproximateVectorMath());
  }
  pm.addPass(createSCFToControlFlowPass());
  // Ops libm lacks (rsqrt, ...) expand into ones it has.
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"rsqrt"};
  pm.addPass(math::createMathExpandOpsPass(expand));
  // LLVM intrinsics first: fma, exp, sqrt, ... on vectors stay SIMD
  // instructions (libm would scalarize them); what has no intrinsic (erf,
  // tanh) becomes a libm call.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  // Static shapes: every memref crosses function boundaries as a bare
  // pointer, which is what the task runtime passes.
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void m3sat::registerPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "m3sat-cpu-pipeline",
      "Lower tosa + m3sat programs on tensors to the LLVM dialect for CPU",
      buildCPUPipeline);
  PassPipelineRegistration<HLSPipelineOptions>(
      "m3sat-hls-pipeline",
      "Lower tosa + m3sat programs on tensors to loops over static buffers "
      "(func, scf, memref, arith, math) for the HLS C++ emitter",
      buildHLSPipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "m3sat-gpu-pipeline",
      "Lower tosa + m3sat programs on tensors to NVVM kernels serialized for "
      "an NVIDIA GPU (gpu.binary) and host code in the LLVM dialect that "
      "launches them",
      buildGPUPipeline);
}
