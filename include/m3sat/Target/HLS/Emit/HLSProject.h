//===- HLSProject.h - the HLS part of an OUT_DIR ----------------*- C++ -*-===//
//
// Writes what m3sat-compile --target=hls leaves in OUT_DIR/hls: per task the
// top function's C++ and header and its testbench, the support headers,
// weights.bin, the Vitis HLS tcl script and the estimate report.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_EMIT_HLSPROJECT_H
#define M3SAT_TARGET_HLS_EMIT_HLSPROJECT_H

#include "m3sat/Target/HLS/Emit/HLSNumerics.h"
#include "m3sat/Target/HLS/Emit/Testbench.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace m3sat {

/// Sets the port attributes (dialects/M3SAT/M3SATHLSAttrs.h) of the task
/// function `top.symbol` in `module` before it is lowered (tensor level: it
/// takes the inputs and weights of `top` and returns its outputs): ports named
/// after the tensors, inputs and outputs on m_axi bundle gmem_io, weights
/// on gmem_w and marked as weights. Bufferization carries the results'
/// attributes to the out-params that replace them. Fails with a diagnostic
/// if the function does not match `top`.
mlir::LogicalResult setHLSPortAttributes(mlir::ModuleOp module,
                                         const HLSTopDesc &top);

/// Checks that the lowered task function `top.symbol` takes the ports of
/// `top` as its arguments, in order (inputs, weights, outputs), with their
/// port attributes; fails with a diagnostic naming the first that does not.
mlir::LogicalResult checkHLSPorts(mlir::ModuleOp module, const HLSTopDesc &top);

/// Writes the project of `tops` (task functions of `module`, loop-level IR
/// with port attributes) into directory `dir`, replacing it; `weights` is
/// weights.bin. Atomic: on failure `dir` is left as it was and a diagnostic
/// names the reason. `estimate` receives the estimate report's text. In
/// fixed point (`options.numerics`), an f32 weight outside the range of the
/// weight type is an error.
mlir::LogicalResult
writeHLSProject(mlir::ModuleOp module, llvm::ArrayRef<HLSTopDesc> tops,
                llvm::ArrayRef<uint8_t> weights, const std::string &dir,
                std::string &estimate, const HLSProjectOptions &options = {});

/// Estimates the top function of `top` in `module` (loop-level IR) as the
/// project's estimate does, and sizes it against `options.part`: "" when it
/// fits, else the reason in a few words (the task, the resource that
/// overflows and the layer that uses most of it). Fails with a diagnostic where
/// the estimate cannot be made.
mlir::FailureOr<std::string> checkHLSFit(mlir::ModuleOp module,
                                         const HLSTopDesc &top,
                                         const HLSProjectOptions &options);

/// A task name as a file stem: [A-Za-z0-9_-] kept, others '_'.
std::string hlsFileStem(llvm::StringRef task);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_EMIT_HLSPROJECT_H
