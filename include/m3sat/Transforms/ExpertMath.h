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
#include "M3SAT/M3SATOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace m3sat {

/// The activation of an FFN expert as `m3sat.moe_ffn` states it: its kind,
/// whether fc1 is gated (gate and linear rows interleaved), and the SwiGLU
/// parameters.
struct ExpertActivation {
  Activation kind = Activation::relu;
  bool gated = false;
  float alpha = 1.0f, beta = 0.0f;
  std::optional<float> limit;
};

/// The activation of `op`.
ExpertActivation expertActivation(MoEFFNOp op);

/// Builds `activation(x)` on the float scalar `x` with arith and math ops:
/// relu = max(x, 0); gelu = 0.5 x (1 + erf(x / sqrt 2)) (exact form);
/// gelu_tanh = 0.5 x (1 + tanh(0.7978845608 (x + 0.044715 x^3)));
/// silu = x / (1 + exp(-x)); identity = x. Not for swiglu (gated).
mlir::Value buildActivation(mlir::OpBuilder &builder, mlir::Location loc,
                            mlir::Value x, Activation activation);

/// The hidden unit of a gated expert from its gate `g` and linear part `l`:
/// act(g) * l, or for swiglu G * sigmoid(alpha G) * (L + beta) with
/// G = min(g, limit) and L = clamp(l, -limit, limit).
mlir::Value buildGatedActivation(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Value g, mlir::Value l,
                                 const ExpertActivation &activation);

/// Applies `activation` elementwise to the ranked float tensor `input` as a
/// `linalg.generic`; returns `input` itself for the identity.
mlir::Value buildElementwiseActivation(mlir::OpBuilder &builder,
                                       mlir::Location loc, mlir::Value input,
                                       Activation activation);

/// The activated hidden rows of an expert from fc1's output `input`
/// [rows, F]: elementwise (F = H), or for a gated expert [rows, H] from the
/// interleaved pairs (F = 2H) in one `linalg.generic`.
mlir::Value buildExpertActivation(mlir::OpBuilder &builder, mlir::Location loc,
                                  mlir::Value input,
                                  const ExpertActivation &activation);

/// Reshapes a [..., X] tensor to [rows, X]: leading dimensions collapse into
/// one (a rank-1 tensor becomes [1, X]; rank 2 is returned as is).
mlir::Value collapseToRows(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value value);

/// The inverse of collapseToRows: reshapes [rows, X] back to `type`.
mlir::Value expandFromRows(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value value, mlir::RankedTensorType type);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_EXPERTMATH_H
