//===- Passes.td - m3sat conversion passes -----------------*- tablegen -*-===//
//
// Conversions out of the m3sat dialect.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_CONVERSION_PASSES_TD
#define M3SAT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertM3SATToLinalg : Pass<"m3sat-convert-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower m3sat ops to linalg, tensor and scf on tensors";
  let description = [{
    Lowers every m3sat op with static shapes to upstream dialects on tensors,
    with the reference semantics of DESIGN.md:

    * token-routed `m3sat.moe_ffn` goes through the expert-major form
      (`m3sat.route`, `m3sat.dispatch`, `m3sat.grouped_matmul`,
      `m3sat.combine`), so each expert runs once over its own tokens;
    * `m3sat.moe_ffn` with a static expert set runs each kept expert over all
      tokens, scaled by its constant weight;
    * `m3sat.moe_attention` computes the shared K and V once and one
      attention per head expert, weighted by the (dense) routing gate;
    * `m3sat.route`, `m3sat.dispatch` and `m3sat.combine` become scf loops;
      expert indices are clamped so no input can index out of bounds;
    * contractions and elementwise work become `linalg.generic`.

    An m3sat op that cannot be lowered (dynamic shapes) is an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numLowered", "num-lowered", "m3sat ops lowered">
  ];
}

#endif // M3SAT_CONVERSION_PASSES_TD
