//===- SpecializePipeline.cpp - m3sat-specialize-pipeline -----------------===//
//
// The specialization pipeline: the imported model to one function per task,
// routing folded where the task fixes it, weights outlined. m3sat-compile
// builds it with this function too, so that m3sat-opt replays the phase.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Pipelines/Pipelines.h"

#include "m3sat/ConstEval/Passes.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void m3sat::buildSpecializePipeline(OpPassManager &pm,
                                    const SpecializePipelineOptions &options) {
  // MoE layers written as standard ops become m3sat MoE ops first.
  if (options.raiseMoE)
    pm.addPass(createRaiseMoE());
  // One function per task.
  SpecializeOptions specialize;
  specialize.tasks.assign(options.tasks.begin(), options.tasks.end());
  specialize.modalities.assign(options.modalities.begin(),
                               options.modalities.end());
  pm.addPass(createSpecialize(specialize));
  // Tasks named together also run together: one more function computes
  // them all, sharing their common work (after CSE below).
  if (options.groupTasks && options.tasks.size() >= 2 && !options.exposeRouting)
    pm.addPass(createGroupTasks());
  pm.addPass(createCanonicalizerPass());
  // Gate computations of the bound task (and other constant subgraphs)
  // evaluate now; constant routing then folds to static expert sets.
  pm.addPass(createJitEvalConstants());
  pm.addPass(createCanonicalizerPass());
  // (x || t) W with a constant task embedding t: x W_x plus a bias, which
  // the second evaluation below folds.
  pm.addNestedPass<func::FuncOp>(createSplitConcatMatmul());
  // Constant routing that differs between runs of tokens (per-modality
  // gates): one static layer per run.
  pm.addNestedPass<func::FuncOp>(createSegmentStaticRouting());
  // Routing that is still per token: profiled, or pruned by a profile.
  if (options.exposeRouting)
    pm.addNestedPass<func::FuncOp>(createExposeRouting());
  if (!options.profile.empty()) {
    PruneByProfileOptions byProfile;
    byProfile.profile = options.profile;
    byProfile.coverage = options.coverage;
    pm.addNestedPass<func::FuncOp>(createPruneByProfile(byProfile));
  }
  pm.addNestedPass<func::FuncOp>(createPruneExperts());
  // A static set of experts becomes one dense FFN; its weights fold.
  pm.addNestedPass<func::FuncOp>(createFuseStaticExperts());
  pm.addPass(createJitEvalConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Dense-prediction heads classify after upsampling: classified first,
  // the Resize interpolates a few channels instead of many.
  if (options.pointwiseConvBeforeResize)
    pm.addNestedPass<func::FuncOp>(createPointwiseConvBeforeResize());
  // NCHW models transpose around each NHWC convolution: a transpose that
  // only feeds elementwise ops and Resize steps ending in its inverse goes
  // with it, and those ops run in the convolutions' layout.
  if (options.sinkTransposes)
    pm.addNestedPass<func::FuncOp>(createSinkTransposes());
  // The row-gather form of routed MoE layers reads expert weights best as
  // (in, out): transposed now, so that the bundle holds them that way.
  if (options.transposeExpertWeights)
    pm.addPass(createTransposeExpertWeights());
  pm.addPass(createOutlineWeights());
}

void m3sat::registerSpecializePipeline() {
  PassPipelineRegistration<SpecializePipelineOptions>(
      "m3sat-specialize-pipeline",
      "Specialize an imported m3sat model: one function per task, routing "
      "folded where the task fixes it, experts pruned and fused, weights "
      "outlined as arguments (m3sat-compile's phase before lowering)",
      buildSpecializePipeline);
}
