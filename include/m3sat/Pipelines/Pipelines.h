//===- Pipelines.h - m3sat named pass pipelines -----------------*- C++ -*-===//
//
// The named pipelines that take imported (and specialized) m3sat programs to
// a target: `m3sat-cpu-pipeline` today.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_PIPELINES_PIPELINES_H
#define M3SAT_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace m3sat {

/// Options of the CPU pipeline.
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> foldRouting{
      *this, "fold-routing",
      llvm::cl::desc("Canonicalize first, so that routing with constant "
                     "logits becomes a static expert set"),
      llvm::cl::init(true)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run large parallel loops on all cores (OpenMP)"),
      llvm::cl::init(true)};
  Option<int64_t> minParallelIterations{
      *this, "min-parallel-iterations",
      llvm::cl::desc("Smallest loop nest worth a parallel region"),
      llvm::cl::init(4096)};
};

/// Builds the CPU pipeline: tosa and m3sat on tensors -> linalg -> one-shot
/// bufferization -> loops -> the LLVM dialect, ready for translation to LLVM
/// IR.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Registers the m3sat pipelines with the global pass registry.
void registerPipelines();

} // namespace m3sat

#endif // M3SAT_PIPELINES_PIPELINES_H
