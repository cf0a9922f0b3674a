//===- M3SATOps.h - m3sat operations ----------------------------*- C++ -*-===//
//
// Declares the m3sat operations (generated from M3SATOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATOPS_H
#define M3SAT_DIALECT_M3SATOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "M3SAT/M3SATAttrs.h"
#include "M3SAT/M3SATDialect.h"

#define GET_OP_CLASSES
#include "M3SAT/M3SATOps.h.inc"

namespace m3sat {
/// Reads a constant float tensor as floats (converted to f32); fails for
/// non-float or non-constant values. Used by the routing folders and by
/// the passes that route constant logits at compile time.
mlir::FailureOr<llvm::SmallVector<float>> getConstantFloats(mlir::Value value);
} // namespace m3sat

#endif // M3SAT_DIALECT_M3SATOPS_H
