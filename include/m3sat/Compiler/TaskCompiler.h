//===- TaskCompiler.h - model to OUT_DIR ------------------------*- C++ -*-===//
//
// The m3sat-compile driver as a library: load a model (ONNX or MLIR),
// specialize it for the tasks (m3sat-specialize-pipeline), build the task
// table, let the target's backend lower and write the code, and write the
// bundle. A failed compilation leaves nothing in OUT_DIR.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_COMPILER_TASKCOMPILER_H
#define M3SAT_COMPILER_TASKCOMPILER_H

#include "m3sat/Compiler/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <string>
#include <vector>

namespace m3sat {

struct CompileOptions {
  std::string modelPath;
  std::vector<std::string> tasks;
  std::vector<std::string> modalities;
  std::string outDir;
  /// Also write OUT_DIR/program.mlir (the specialized tensor program).
  bool emitMLIR = false;
  /// Print phase timings to stderr.
  bool verbose = false;
  /// Print the cost report (full model vs each task) and write
  /// OUT_DIR/report.json and report.txt.
  bool report = false;
  /// Profile-guided pruning: the expert usage JSON of m3sat-profile and
  /// the share of the routing mass the kept experts must carry.
  std::string profilePath;
  double coverage = 0.999;
  /// For m3sat-profile: token-routed MoE layers also return their routing
  /// decisions, described in OUT_DIR/routing.json.
  bool exposeRouting = false;
  /// MoE layers written as standard ops are raised (m3sat-raise-moe).
  bool raiseMoE = true;
  /// m3sat-pointwise-conv-before-resize in the specialization pipeline.
  bool pointwiseConvBeforeResize = true;

  /// The target, and the options of its backend (the others are unused).
  Target target = Target::CPU;
  CPUBackendOptions cpu;
  GPUBackendOptions gpu;
  HLSBackendOptions hls;
};

/// The backend of `options.target`, with its options.
std::unique_ptr<TargetBackend>
createTargetBackend(const CompileOptions &options);

/// Loads a model file into a module; returns null after reporting a
/// diagnostic. m3sat-compile passes the ONNX importer for .onnx files.
using ModelLoader = std::function<mlir::OwningOpRef<mlir::ModuleOp>(
    const std::string &path, mlir::MLIRContext &context)>;

/// Compiles `options.modelPath` into `options.outDir`. Diagnostics are
/// reported through `context`'s handlers.
mlir::LogicalResult compileModel(mlir::MLIRContext &context,
                                 const CompileOptions &options,
                                 const ModelLoader &loadONNX);

} // namespace m3sat

#endif // M3SAT_COMPILER_TASKCOMPILER_H
