//===- Passes.td - m3sat transformation passes -------------*- tablegen -*-===//
//
// The m3sat passes that rewrite MoE layers on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_PASSES_TD
#define M3SAT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpertMajor : Pass<"m3sat-expert-major", "::mlir::func::FuncOp"> {
  let summary = "Rewrite token-routed MoE FFN layers into expert-major form";
  let description = [{
    Rewrites every `m3sat.moe_ffn` with dynamic routing and static shapes
    into the expert-major form: `m3sat.route` computes each token's experts
    and weights, `m3sat.dispatch` sorts the token rows by expert,
    two `m3sat.grouped_matmul` run each expert's FFN once over its
    contiguous group (its weights read once; empty experts skipped), the
    activation runs elementwise in between (`linalg.generic`), and
    `m3sat.combine` scatters the weighted rows back to token order.
    [B, S, D] layers are flattened to [B*S, D] around the rewrite. Layers
    with a static expert set are left alone: they need no routing.
  }];
  let dependentDialects = [
    "::m3sat::M3SATDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"minTokens", "min-tokens", "int64_t", /*default=*/"1",
           "Rewrite only layers with at least this many tokens: below it, "
           "sorting costs more than reading each selected expert per token">
  ];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten",
              "MoE FFN layers rewritten to expert-major form">
  ];
}

#endif // M3SAT_TRANSFORMS_PASSES_TD
