//===- ExpertMath.h - scalar math of MoE experts ----------------*- C++ -*-===//
//
// Builders shared by the m3sat passes and the lowerings: the elementwise math
// inside MoE experts (the activations) and the token-row reshapes around
// routed layers.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_EXPERTMATH_H
#define M3SAT_TRANSFORMS_EXPERTMATH_H

#include "M3SAT/M3SATAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace m3sat {

/// Builds `activation(x)` on the float scalar `x` with arith and math ops:
/// relu = max(x, 0); gelu = 0.5 x (1 + erf(x / sqrt 2)) (exact form);
/// silu = x / (1 + exp(-x)); identity = x.
mlir::Value buildActivation(mlir::OpBuilder &builder, mlir::Location loc,
                            mlir::Value x, Activation activation);

/// Applies `activation` elementwise to the ranked float tensor `input` as a
/// `linalg.generic`; returns `input` itself for the identity.
mlir::Value buildElementwiseActivation(mlir::OpBuilder &builder,
                                       mlir::Location loc, mlir::Value input,
                                       Activation activation);

/// Reshapes a [..., X] tensor to [rows, X]: leading dimensions collapse into
/// one (a rank-1 tensor becomes [1, X]; rank 2 is returned as is).
mlir::Value collapseToRows(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value value);

/// The inverse of collapseToRows: reshapes [rows, X] back to `type`.
mlir::Value expandFromRows(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value value, mlir::RankedTensorType type);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_EXPERTMATH_H
