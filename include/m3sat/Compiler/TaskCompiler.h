//===- TaskCompiler.h - model to OUT_DIR ------------------------*- C++ -*-===//
//
// The m3sat-compile driver as a library: load a model (ONNX or MLIR), make
// one function per task, outline the weights, lower for the target, and
// write OUT_DIR (code library + bundle).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_COMPILER_TASKCOMPILER_H
#define M3SAT_COMPILER_TASKCOMPILER_H

#include "m3sat/Conversion/MoELowering.h"
#include "m3sat/Target/HLS/Emit/HLSNumerics.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace m3sat {

struct CompileOptions {
  std::string modelPath;
  std::vector<std::string> tasks;
  std::vector<std::string> modalities;
  std::string target = "cpu";
  std::string outDir;
  /// Also write OUT_DIR/program.mlir (the specialized tensor program).
  bool emitMLIR = false;
  /// Print phase timings to stderr.
  bool verbose = false;
  /// Print the cost report (full model vs each task) and write
  /// OUT_DIR/report.json.
  bool report = false;
  /// CPU to compile for ("native": the host).
  std::string cpu = "native";
  /// The task runtime archive to link into the task library
  /// (libm3sat_task_runtime.a for CPU, libm3sat_gpu_task_runtime.a for GPU).
  std::string runtimeArchive;
  /// --target=gpu: the NVIDIA architecture (sm_XX) and the ptxas that
  /// assembles the PTX into cubin (empty: PTX only, compiled by the driver
  /// when the task library loads).
  std::string gpuArch = "sm_90";
  std::string ptxas;
  /// Directory of libomp.so; empty: the code runs on one thread.
  std::string openmpLibraryDir;
  /// Matrix products call the runtime's SGEMM (oneDNN or OpenBLAS when
  /// present, loops otherwise).
  bool blas = true;
  /// Elementwise ops and row reductions become vector code (CPU).
  bool vectorize = true;
  /// CPU: temporary buffers in one planned arena per task
  /// (m3sat-plan-activation-arena).
  bool arena = true;
  /// With `arena`: buffers whose lifetimes do not overlap share bytes.
  bool arenaReuse = true;
  /// Form of token-routed MoE layers; unset: the target's default (loops
  /// for CPU, row-gather for GPU).
  std::optional<MoELowering> moeLowering;
  /// Profile-guided pruning: the expert usage JSON of m3sat-profile and
  /// the share of the routing mass the kept experts must carry.
  std::string profilePath;
  double coverage = 0.999;
  /// For m3sat-profile: token-routed MoE layers also return their routing
  /// decisions, described in OUT_DIR/routing.json.
  bool exposeRouting = false;
  /// --target=hls: float or fixed point.
  HLSNumerics hlsNumerics;
};

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
