//===- M3SATAttrs.td - m3sat enums and attributes ----------*- tablegen -*-===//
//
// Enums and attributes of the m3sat dialect: the expert activation and the
// static expert set that router folding produces.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATATTRS_TD
#define M3SAT_DIALECT_M3SATATTRS_TD

include "M3SATDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def M3SAT_Activation : I32EnumAttr<"Activation",
    "activation between the two linear layers of an FFN expert", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"gelu", 1>,
      I32EnumAttrCase<"silu", 2>,
      I32EnumAttrCase<"identity", 3>,
      I32EnumAttrCase<"gelu_tanh", 4>,
      I32EnumAttrCase<"swiglu", 5>
    ]> {
  let cppNamespace = "::m3sat";
  let genSpecializedAttr = 0;
}

def M3SAT_ActivationAttr : EnumAttr<M3SAT_Dialect, M3SAT_Activation,
                                    "activation"> {
  let summary = "expert activation: relu, gelu (exact erf form), gelu_tanh "
                "(tanh approximation), silu, identity or swiglu (gated)";
}

class M3SAT_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<M3SAT_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def M3SAT_ExpertSetAttr : M3SAT_Attr<"ExpertSet", "expert_set"> {
  let summary = "a static set of experts with constant routing weights";
  let description = [{
    The routing of an MoE layer whose router logits do not depend on the
    token (task-level or modality-level routing once the task is bound):
    every token is sent to the same `experts`, in that order, each scaled by
    the matching entry of `weights`. Expert indices are distinct and
    non-negative, and there is one weight per expert.

    ```mlir
    #m3sat.expert_set<experts = [3, 7], weights = [0.625, 0.375]>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "expert indices">:$experts,
    "::mlir::DenseF32ArrayAttr":$weights
  );
  let builders = [
    AttrBuilder<(ins "::llvm::ArrayRef<int64_t>":$experts,
                     "::llvm::ArrayRef<float>":$weights), [{
      return $_get($_ctxt, experts,
                   ::mlir::DenseF32ArrayAttr::get($_ctxt, weights));
    }]>
  ];
  let assemblyFormat = [{
    `<` `experts` `=` `[` $experts `]` `,`
        `weights` `=` `[` custom<FloatList>($weights) `]` `>`
  }];
  let genVerifyDecl = 1;
}

#endif // M3SAT_DIALECT_M3SATATTRS_TD
