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

//===----------------------------------------------------------------------===//
// HLS design attributes
//===----------------------------------------------------------------------===//
// The HLS passes describe a design to each other, to the estimate and to the
// emitter through discardable `m3sat.hls.*` attributes (their names in
// M3SATHLSAttrs.h; the dialect verifies each name, value and host). Flags
// and counts are unit and i64 attributes; the three below have structure.

def M3SAT_HLSChannelKind : I32EnumAttr<"HLSChannelKind",
    "kind of a channel between the stages of an HLS DATAFLOW region", [
      I32EnumAttrCase<"fifo", 0>,
      I32EnumAttrCase<"pipo", 1>,
      I32EnumAttrCase<"fifo_in", 2>,
      I32EnumAttrCase<"fifo_out", 3>,
      I32EnumAttrCase<"pipo_in", 4>,
      I32EnumAttrCase<"pipo_out", 5>
    ]> {
  let cppNamespace = "::m3sat";
  let genSpecializedAttr = 0;
}

def M3SAT_HLSChannelAttr : EnumAttr<M3SAT_Dialect, M3SAT_HLSChannelKind,
                                    "hls_channel"> {
  let summary = "kind of a DATAFLOW channel (m3sat.hls.channel)";
  let description = [{
    On the `memref.alloc` of a channel in a DATAFLOW region function:
    `fifo` (a stream, `hls::stream`) or `pipo` (a ping-pong buffer). On the
    stage functions' arguments: `fifo_in`, `fifo_out`, `pipo_in` or
    `pipo_out`, the direction the stage uses it in.

    ```mlir
    %c = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>,
                         m3sat.hls.fifo_depth = 2 : i64} : memref<64xf32>
    ```
  }];
  let assemblyFormat = "`<` $value `>`";
}

def M3SAT_HLSPartitionAttr : M3SAT_Attr<"HLSPartition", "hls_partition"> {
  let summary = "cyclic partition of an on-chip array (m3sat.hls.partition)";
  let description = [{
    On a `memref.alloc`: `#pragma HLS ARRAY_PARTITION cyclic` of dimension
    `dim` (1-based, as the pragma counts) into `factor` banks, so that an
    unrolled, pipelined loop reaches `factor` elements per cycle. `dim` lies
    in [1, rank] and `factor` is at least 2 and at most that dimension's
    size (the dialect's attribute verifier checks them against the array).

    ```mlir
    #m3sat.hls_partition<dim = 2, factor = 4>
    ```
  }];
  let parameters = (ins "int64_t":$dim, "int64_t":$factor);
  let assemblyFormat = "`<` `dim` `=` $dim `,` `factor` `=` $factor `>`";
  let genVerifyDecl = 1;
}

def M3SAT_HLSLinearTripsAttr
    : M3SAT_Attr<"HLSLinearTrips", "hls_linear_trips"> {
  let summary = "largest sizes of a call of the shared linear unit "
                "(m3sat.hls.linear_trips)";
  let description = [{
    On a `func.call` of the shared linear unit (m3sat-hls-shared-linear):
    the largest M, N and K of the product it computes, the trip counts the
    estimate charges to the call. Each is positive.

    ```mlir
    #m3sat.hls_linear_trips<m = 197, n = 384, k = 1536>
    ```
  }];
  let parameters = (ins "int64_t":$m, "int64_t":$n, "int64_t":$k);
  let assemblyFormat =
      "`<` `m` `=` $m `,` `n` `=` $n `,` `k` `=` $k `>`";
  let genVerifyDecl = 1;
}

#endif // M3SAT_DIALECT_M3SATATTRS_TD
