//===- RaiseMoE.h - what m3sat-raise-moe did --------------------*- C++ -*-===//
//
// m3sat-raise-moe records, per candidate MoE layer, what it became or why
// it was left alone, in a module attribute; m3sat-compile prints it.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_RAISEMOE_H
#define M3SAT_TRANSFORMS_RAISEMOE_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace m3sat {

/// The module attribute m3sat-raise-moe writes: an array of dictionaries
/// {layer, raised} or {layer, reason}.
inline constexpr llvm::StringLiteral kRaiseMoELogAttr = "m3sat.raised_moe";

/// Prints one line per candidate layer of `module`'s raising log, each
/// starting with `prefix`; nothing when the pass found no candidate.
void printRaiseMoELog(mlir::ModuleOp module, llvm::raw_ostream &os,
                      llvm::StringRef prefix);

/// The raising log as JSON (m3sat-compile's report.json "moe_raising"):
/// one object per candidate layer, {"layer", "raised": true, "as"} or
/// {"layer", "raised": false, "reason"}; empty without candidates.
llvm::json::Array raiseMoELogJSON(mlir::ModuleOp module);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_RAISEMOE_H
