//===- Passes.h - m3sat compile-time evaluation -----------------*- C++ -*-===//

#ifndef M3SAT_CONSTEVAL_PASSES_H
#define M3SAT_CONSTEVAL_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace m3sat {

#define GEN_PASS_DECL
#include "m3sat/ConstEval/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/ConstEval/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_CONSTEVAL_PASSES_H
