//===- Passes.h - m3sat transformation passes -------------------*- C++ -*-===//
//
// Declarations and registration of the m3sat passes (generated from
// Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_PASSES_H
#define M3SAT_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include "M3SAT/M3SATDialect.h"

namespace m3sat {

/// Unit attribute of a function declaration whose calls have no memory
/// effects (they may be moved or repeated), e.g. m3sat_sgemm_parts.
constexpr llvm::StringLiteral kPureCalleeAttr = "m3sat.pure";

#define GEN_PASS_DECL
#include "m3sat/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/Transforms/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_PASSES_H
