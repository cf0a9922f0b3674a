//===- M3SATDialect.td - m3sat dialect definition ----------*- tablegen -*-===//
//
// The m3sat dialect: Mixture-of-Experts operations of multi-task, multi-modal
// transformers (M3ViT / M3SAT / Edge-MoE), from the ONNX-level MoE layers down
// to the expert-major form (dispatch, grouped matmul, combine).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATDIALECT_TD
#define M3SAT_DIALECT_M3SATDIALECT_TD

include "mlir/IR/OpBase.td"

def M3SAT_Dialect : Dialect {
  let name = "m3sat";
  let cppNamespace = "::m3sat";
  let summary = "Mixture-of-Experts operations for multi-task transformers";
  let description = [{
    The m3sat dialect holds the operations that m3sat needs beyond upstream
    MLIR to compile multi-task, multi-modal Mixture-of-Experts transformers:

    * the ONNX-level MoE layers `m3sat.moe_ffn` (ONNX `m3sat::MoE` and
      `com.microsoft::MoE`) and `m3sat.moe_attention` (`m3sat::MoAttention`),
      whose routing is either dynamic (router logits per token) or static (a
      `#m3sat.expert_set` of experts with constant weights);
    * `m3sat.route`, the top-k routing step on its own;
    * the expert-major form: `m3sat.dispatch` groups token rows by expert,
      `m3sat.grouped_matmul` runs each expert once over its contiguous group
      and `m3sat.combine` scatters the weighted results back to token order.

    Routing semantics are those of DESIGN.md: p = softmax over all E experts
    of the logits; S = the k largest p (ties: lower index first);
    w_e = p_e / sum_{j in S} p_j when `normalize` is set, else p_e.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // The `m3sat.hls.*` attributes of HLS designs (M3SATHLSAttrs.cpp).
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let extraClassDeclaration = [{
  private:
    /// Registers the attributes (defined in M3SATAttrs.cpp).
    void registerAttributes();

  public:
  }];
}

#endif // M3SAT_DIALECT_M3SATDIALECT_TD
