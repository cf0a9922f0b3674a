//===- EmitHLSCpp.h - loop-level IR to Vitis-style HLS C++ ------*- C++ -*-===//
//
// The HLS C++ emitter: a read-only translation of loop-level IR (func, scf,
// memref, arith, math on static buffers, as m3sat-hls-pipeline produces)
// into Vitis-style C++. Public functions become top functions with m_axi
// ports and s_axilite control; pragmas come from attributes that passes set
// (m3sat-hls-annotate-loops, the port attributes of M3SATHLSAttrs.h).
// It prints and checks nothing else: DATAFLOW channels are checked before
// (Analysis/Channels.h) and weight arrays found by Analysis/WeightArrays.h.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_EMIT_EMITHLSCPP_H
#define M3SAT_TARGET_HLS_EMIT_EMITHLSCPP_H

#include "m3sat/Target/HLS/Emit/HLSNumerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace m3sat {

/// Emits `module` as one C++ translation unit in which every public
/// function is an HLS top function. Nothing is written to `os` on failure;
/// every op that cannot be emitted is reported with emitOpError.
mlir::LogicalResult translateToHLSCpp(mlir::ModuleOp module,
                                      llvm::raw_ostream &os);

/// Registers the translation `emit-hls-cpp` (translateToHLSCpp of a module
/// of loop-level IR) for m3sat-translate.
void registerToHLSCppTranslation();

/// Emits a translation unit holding the top functions `tops` of `module`
/// and everything they use (memref.global constants, called functions),
/// starting with `#include "<includeHeader>"` when it is not empty. Nothing
/// is written to `os` on failure. The code is the same for every
/// `numerics` but for the macros before the includes that select it.
mlir::LogicalResult emitHLSCppFile(mlir::ModuleOp module,
                                   llvm::ArrayRef<mlir::func::FuncOp> tops,
                                   llvm::StringRef includeHeader,
                                   llvm::raw_ostream &os,
                                   const HLSNumerics &numerics = {});

/// Emits a header declaring the top functions `tops`, guarded by `guard`.
mlir::LogicalResult emitHLSCppHeader(llvm::ArrayRef<mlir::func::FuncOp> tops,
                                     llvm::StringRef guard,
                                     llvm::raw_ostream &os,
                                     const HLSNumerics &numerics = {});

/// The C++ identifier the emitter gives top function `func`'s argument
/// `index` (its `m3sat.hls.port` name, made a valid, unique identifier).
std::string hlsPortName(mlir::func::FuncOp func, unsigned index);

/// The C++ name the emitter gives function `func`.
std::string hlsFunctionName(mlir::func::FuncOp func);

/// The project headers that emitted code includes (m3sat_hls.h for the
/// types and math, m3sat_ap_fixed.h for fixed point in C simulation,
/// m3sat_npy.h for the testbenches), as (file name, contents) pairs.
llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>>
getHLSSupportHeaders();

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_EMIT_EMITHLSCPP_H
