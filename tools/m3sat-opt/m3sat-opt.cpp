//===- m3sat-opt.cpp - m3sat optimizer driver -----------------------------===//
//
// mlir-opt with the m3sat dialect and passes registered next to every
// upstream dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATDialect.h"
#include "m3sat/Analysis/Passes.h"
#include "m3sat/ConstEval/Passes.h"
#include "m3sat/Conversion/Passes.h"
#include "m3sat/Pipelines/Pipelines.h"
#include "m3sat/Target/GPU/Passes.h"
#include "m3sat/Target/HLS/Passes.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // The GPU pipeline serializes kernels through LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  registry.insert<m3sat::M3SATDialect>();
  m3sat::registerM3SATAnalysisPasses();
  m3sat::registerM3SATConstEvalPasses();
  m3sat::registerM3SATConversionPasses();
  m3sat::registerM3SATTransformsPasses();
  m3sat::registerM3SATGPUPasses();
  m3sat::registerM3SATHLSPasses();
  m3sat::registerPipelines();
  m3sat::registerSpecializePipeline();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "m3sat optimizer driver\n", registry));
}
