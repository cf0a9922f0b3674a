//===- KernelObjects.h - PTX and cubin files of a GPU task ------*- C++ -*-===//
//
// The GPU target's kernel files: after m3sat-gpu-pipeline (format=isa),
// every gpu.binary (one, m3sat_kernels, after the pipeline merged the
// kernel modules) holds the PTX of one kernel module. They are written to
// OUT_DIR/kernels/<module>.ptx and, when ptxas is available, assembled for
// the chip into <module>.cubin, which then replaces the PTX inside the
// gpu.binary (the task library loads the cubin, no JIT compilation).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_GPU_KERNELOBJECTS_H
#define M3SAT_TARGET_GPU_KERNELOBJECTS_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace m3sat {

struct KernelObjectOptions {
  /// Architecture the PTX targets (sm_XX).
  std::string chip = "sm_90";
  /// ptxas to assemble the PTX with; empty: keep PTX only.
  std::string ptxas;
};

/// Writes the PTX of every gpu.binary of `module` into `dir` (created) and,
/// with `options.ptxas`, assembles each into a cubin that the gpu.binary
/// then holds. A ptxas failure is an error with its message. Counts the
/// kernel modules in `numModules`.
mlir::LogicalResult writeKernelObjects(mlir::ModuleOp module,
                                       llvm::StringRef dir,
                                       const KernelObjectOptions &options,
                                       unsigned &numModules);

/// The ptxas that m3sat-compile uses: $M3SAT_PTXAS, else ptxas on PATH,
/// else $CUDA_HOME/bin/ptxas or /usr/local/cuda/bin/ptxas; empty if none.
std::string findPtxas();

} // namespace m3sat

#endif // M3SAT_TARGET_GPU_KERNELOBJECTS_H
