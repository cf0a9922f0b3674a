//===- Passes.h - m3sat analysis passes -------------------------*- C++ -*-===//

#ifndef M3SAT_ANALYSIS_PASSES_H
#define M3SAT_ANALYSIS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace m3sat {

#define GEN_PASS_DECL
#include "m3sat/Analysis/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/Analysis/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_ANALYSIS_PASSES_H
