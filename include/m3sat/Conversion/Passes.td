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

    With `moe-lowering=row-gather` the expert-major ops take a form whose
    heavy work is parallel loop nests (what a GPU grid needs):

    * `m3sat.route`: one `linalg.generic` parallel over (token, slot), each
      iteration selecting the token's top k and keeping pick `slot`;
    * `m3sat.dispatch`: the counting sort of the T*k slot ids stays a scalar
      loop; the copy of rows into sorted order is a parallel gather;
    * `m3sat.grouped_matmul`: `rowExpert[r]` = (number of e in [0, E] with
      offsets[e] <= r) - 1, a reduction parallel over rows, -1 for rows
      outside [offsets[0], offsets[E]); then one contraction parallel over
      (r, n): result[r, n] = bias[e_r, n] + sum_k lhs[r, k] * W[e_r, n, k]
      (weights read with `tensor.extract` at the row's expert), and 0 for
      rows of no group. For nondecreasing offsets (what `m3sat.dispatch`
      produces) this equals the per-expert loop;
    * `m3sat.combine`: the permutation is inverted by a scalar loop over
      T*k slots; the weighted sum is parallel over (token, column) and reads
      each slot's row at its sorted position: no scatter, no atomics.

    An m3sat op that cannot be lowered (dynamic shapes) is an error.
  }];
  let options = [
    Option<"moeLowering", "moe-lowering", "::m3sat::MoELowering",
           /*default=*/"::m3sat::MoELowering::Loops",
           "Form of route, dispatch, grouped_matmul and combine",
           [{::llvm::cl::values(
             clEnumValN(::m3sat::MoELowering::Loops, "loops",
                        "scf.for loops over tokens, slots and experts"),
             clEnumValN(::m3sat::MoELowering::RowGather, "row-gather",
                        "parallel loop nests; grouped_matmul as one "
                        "contraction over all rows"))}]>
  ];
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
