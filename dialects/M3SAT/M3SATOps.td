//===- M3SATOps.td - m3sat operations ----------------------*- tablegen -*-===//
//
// Operations of the m3sat dialect: MoE layers, routing, and the expert-major
// building blocks (dispatch, grouped matmul, combine).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATOPS_TD
#define M3SAT_DIALECT_M3SATOPS_TD

include "M3SATAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"

class M3SAT_Op<string mnemonic, list<Trait> traits = []>
    : Op<M3SAT_Dialect, mnemonic, !listconcat(traits, [Pure])> {
  // Every m3sat op checks its operand shapes in C++ so that each mismatch
  // names the operand and the dimension.
  let hasVerifier = 1;
}

def M3SAT_FloatTensor : RankedTensorOf<[AnyFloat]>;
def M3SAT_IndexTensor : RankedTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// MoE layers
//===----------------------------------------------------------------------===//

def M3SAT_MoEFFNOp : M3SAT_Op<"moe_ffn", [AttrSizedOperandSegments]> {
  let summary = "mixture of FFN experts (ONNX m3sat::MoE, com.microsoft::MoE)";
  let description = [{
    A mixture of two-layer FFN experts. `input` is [T, D] or [B, S, D];
    weights are (out, in) as in `torch.nn.Linear.weight`: `fc1_weights`
    [E, H, D], `fc1_bias` [E, H] (optional), `fc2_weights` [E, D, H],
    `fc2_bias` [E, D] (optional). The result has the type of `input`.

    Routing is dynamic when `router_logits` ([T, E] or [B, S, E], pre-softmax)
    is given: per token t, p = softmax(router_logits[t]) over all E experts,
    S = indices of the `k` largest p (ties: lower index first),
    w_e = p_e / sum_{j in S} p_j if `normalize` else p_e. Routing is static
    when `static_experts` is given instead: every token uses its experts with
    its weights (then `k` equals the size of the set). In both cases

        out[t] = sum_{e in S} w_e * (fc2_w[e] * act(fc1_w[e] * input[t]
                                      + fc1_b[e]) + fc2_b[e])

    where act is relu, gelu (exact erf form), gelu_tanh
    (0.5 x (1 + tanh(0.7978845608 (x + 0.044715 x^3))), ONNX Runtime's
    `gelu`), silu or identity.

    With `gated`, fc1 computes two values per hidden unit, interleaved:
    `fc1_weights` is [E, 2H, D] (`fc1_bias` [E, 2H]), row 2j the gate g_j
    and row 2j + 1 the linear part l_j (ONNX Runtime's `swiglu_fusion` = 1
    layout), and the hidden unit j is act(g_j) * l_j. For `swiglu` (gated
    only), with alpha = `activation_alpha` (default 1), beta =
    `activation_beta` (default 0) and limit = `swiglu_limit` (default: no
    clamp):

        G = min(g, limit), L = clamp(l, -limit, limit),
        h = G * sigmoid(alpha * G) * (L + beta)

    ```mlir
    %y = m3sat.moe_ffn %x routed by %logits
           fc1(%w1, %b1) fc2(%w2, %b2) k = 2 activation = gelu
           : (tensor<197x384xf32>, tensor<197x16xf32>, tensor<16x768x384xf32>,
              tensor<16x768xf32>, tensor<16x384x768xf32>, tensor<16x384xf32>)
             -> tensor<197x384xf32>
    ```
  }];
  let arguments = (ins
    M3SAT_FloatTensor:$input,
    Optional<M3SAT_FloatTensor>:$router_logits,
    M3SAT_FloatTensor:$fc1_weights,
    Optional<M3SAT_FloatTensor>:$fc1_bias,
    M3SAT_FloatTensor:$fc2_weights,
    Optional<M3SAT_FloatTensor>:$fc2_bias,
    DefaultValuedAttr<I64Attr, "1">:$k,
    DefaultValuedAttr<M3SAT_ActivationAttr, "::m3sat::Activation::relu">:$activation,
    UnitAttr:$normalize,
    OptionalAttr<M3SAT_ExpertSetAttr>:$static_experts,
    UnitAttr:$gated,
    OptionalAttr<F32Attr>:$activation_alpha,
    OptionalAttr<F32Attr>:$activation_beta,
    OptionalAttr<F32Attr>:$swiglu_limit
  );
  let results = (outs M3SAT_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`routed` `by` $router_logits^)? (`static` $static_experts^)?
    `fc1` `(` $fc1_weights (`,` $fc1_bias^)? `)`
    `fc2` `(` $fc2_weights (`,` $fc2_bias^)? `)`
    (`k` `=` $k^)? (`activation` `=` `` $activation^)? (`gated` $gated^)?
    (`normalize` $normalize^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Number of experts E (dimension 0 of fc1_weights).
    int64_t getNumExperts() {
      return ::llvm::cast<::mlir::RankedTensorType>(getFc1Weights().getType())
          .getDimSize(0);
    }
    /// Hidden width H of an expert (the columns of fc2_weights; fc1 has
    /// 2H rows when `gated`).
    int64_t getHiddenSize() {
      return ::llvm::cast<::mlir::RankedTensorType>(getFc2Weights().getType())
          .getDimSize(2);
    }
    /// Copies the activation attributes (kind, gating, SwiGLU parameters)
    /// of `other` onto this op.
    void copyActivationFrom(MoEFFNOp other) {
      setActivation(other.getActivation());
      setGated(other.getGated());
      setActivationAlphaAttr(other.getActivationAlphaAttr());
      setActivationBetaAttr(other.getActivationBetaAttr());
      setSwigluLimitAttr(other.getSwigluLimitAttr());
    }
  }];
}

def M3SAT_DequantizeOp : M3SAT_Op<"dequantize"> {
  let summary = "expert weights from packed unsigned 4- or 8-bit integers";
  let description = [{
    The float expert weights [E, R, C] of ONNX Runtime's `com.microsoft::QMoE`
    from their quantized form, which the bundle stores as it is (a 4-bit
    expert costs an eighth of its float bytes). `packed` [E, R, C / p] holds
    p = 8 / `bits` unsigned codes per byte, the lower nibble first when
    `bits` = 4. Scales are per row ([E, R], `block_size` = 0) or per block of
    `block_size` columns ([E, R, C / block_size]). `zero_points`, optional,
    holds one code per scale, packed like `packed` along its last dimension
    ([E, ceil(R / p)] or [E, R, ceil(NB / p)]); without it every zero point
    is 2^(bits - 1) (128 or 8). For every expert e, row r, column c:

        q = code c of row r of expert e,  b = c / block_size (0 per row)
        result[e, r, c] = (q - zero_point[e, r, b]) * scales[e, r, b]

    Constant evaluation leaves this op alone so that the weights stay
    quantized; expert selection slices its operands, and the lowering
    computes it at run time.

    ```mlir
    %w1 = m3sat.dequantize %q1 scales %s1 bits = 4 block_size = 32
        : (tensor<8x256x64xi8>, tensor<8x256x4xf32>) -> tensor<8x256x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$packed,
                       M3SAT_FloatTensor:$scales,
                       Optional<RankedTensorOf<[I8]>>:$zero_points,
                       I64Attr:$bits,
                       DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs M3SAT_FloatTensor:$result);
  let assemblyFormat = [{
    $packed `scales` $scales (`zero_points` $zero_points^)?
    `bits` `=` $bits (`block_size` `=` $block_size^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Codes per byte of `packed` (2 for 4-bit, 1 for 8-bit).
    int64_t getCodesPerByte() { return 8 / getBits(); }
  }];
}

def M3SAT_MoEAttentionOp : M3SAT_Op<"moe_attention",
                                    [AttrSizedOperandSegments]> {
  let summary = "mixture of attention-head experts (ONNX m3sat::MoAttention)";
  let description = [{
    A mixture of attention-head experts with shared keys and values (MoA).
    `input` is [B, S, D]; `wq` [E, Dh, D], `wk` [Dh, D], `wv` [Dh, D],
    `wo` [E, D, Dh], `bo` [D] (optional); all (out, in). Routing is dynamic
    (`router_logits` [B, S, E]) or static (`static_experts`), as for
    `m3sat.moe_ffn`. With K = input * wk^T and V = input * wv^T,
    q_e = wq[e] * input[b, t] and the selected experts S with weights w:

        out[b, t] = sum_{e in S} w_e * wo[e] * (softmax(scale * K[b] * q_e)^T
                                                * V[b]) + bo

    `scale` defaults to Dh^-0.5 when absent.

    With `kv_source` ([B, S', D], `kv(%wk, %wv) from %src`), K and V are
    computed from it instead of from `input` (K = kv_source * wk^T, ...):
    the queries are `input`'s tokens, the keys and values `kv_source`'s.
    m3sat-segment-static-routing uses it to give a run of query tokens its
    own static experts while they still attend to the whole sequence.

    ```mlir
    %y = m3sat.moe_attention %x routed by %logits q(%wq) kv(%wk, %wv)
           o(%wo, %bo) k = 2
           : (tensor<1x197x384xf32>, tensor<1x197x8xf32>, tensor<8x64x384xf32>,
              tensor<64x384xf32>, tensor<64x384xf32>, tensor<8x384x64xf32>,
              tensor<384xf32>) -> tensor<1x197x384xf32>
    ```
  }];
  let arguments = (ins
    M3SAT_FloatTensor:$input,
    Optional<M3SAT_FloatTensor>:$router_logits,
    M3SAT_FloatTensor:$wq,
    M3SAT_FloatTensor:$wk,
    M3SAT_FloatTensor:$wv,
    M3SAT_FloatTensor:$wo,
    Optional<M3SAT_FloatTensor>:$bo,
    Optional<M3SAT_FloatTensor>:$kv_source,
    DefaultValuedAttr<I64Attr, "1">:$k,
    UnitAttr:$normalize,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<M3SAT_ExpertSetAttr>:$static_experts
  );
  let results = (outs M3SAT_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`routed` `by` $router_logits^)? (`static` $static_experts^)?
    `q` `(` $wq `)` `kv` `(` $wk `,` $wv `)` (`from` $kv_source^)?
    `o` `(` $wo (`,` $bo^)? `)`
    (`k` `=` $k^)? (`normalize` $normalize^)? (`scale` `=` $scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Number of head experts E (dimension 0 of wq).
    int64_t getNumExperts() {
      return ::llvm::cast<::mlir::RankedTensorType>(getWq().getType())
          .getDimSize(0);
    }
    /// The softmax scale: the `scale` attribute, or Dh^-0.5.
    float getScaleOrDefault();
    /// What K and V are computed from: `kv_source`, else `input`.
    ::mlir::Value getKeyValueInput() {
      return getKvSource() ? getKvSource() : getInput();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Routing
//===----------------------------------------------------------------------===//

def M3SAT_RouteOp : M3SAT_Op<"route"> {
  let summary = "top-k routing: logits to expert indices and weights";
  let description = [{
    For each row of `logits` ([..., E], pre-softmax): p = softmax over all E;
    `indices` [..., k] holds the k experts with the largest p in descending
    order of p (ties: lower index first); `weights` [..., k] holds p_e, or
    p_e / sum of the k selected p when `normalize` is set. Folds when the
    logits are constant.

    ```mlir
    %idx, %w = m3sat.route %logits k = 2
                 : tensor<197x16xf32> -> tensor<197x2xi64>, tensor<197x2xf32>
    ```
  }];
  let arguments = (ins M3SAT_FloatTensor:$logits, I64Attr:$k,
                       UnitAttr:$normalize);
  let results = (outs M3SAT_IndexTensor:$indices,
                      M3SAT_FloatTensor:$weights);
  let assemblyFormat = [{
    $logits `k` `=` $k (`normalize` $normalize^)? attr-dict
    `:` type($logits) `->` type($indices) `,` type($weights)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Expert-major form
//===----------------------------------------------------------------------===//

def M3SAT_DispatchOp : M3SAT_Op<"dispatch"> {
  let summary = "group token rows by expert";
  let description = [{
    Given token rows `input` [T, D] and their selected experts `indices`
    [T, k] (values in [0, num_experts)), lists the T*k (token, slot) pairs
    sorted by expert, stably (ascending slot id t*k + j within an expert):

    * `permutation` [T*k]: the slot id t*k + j of each sorted row;
    * `offsets` [num_experts + 1]: expert e owns sorted rows
      offsets[e] .. offsets[e+1] - 1 (offsets[0] = 0, offsets[E] = T*k);
    * `sorted` [T*k, D]: sorted[i] = input[permutation[i] / k].

    ```mlir
    %rows, %perm, %offsets = m3sat.dispatch %x, %idx num_experts = 16
        : tensor<197x384xf32>, tensor<197x2xi64>
          -> tensor<394x384xf32>, tensor<394xi64>, tensor<17xi64>
    ```
  }];
  let arguments = (ins M3SAT_FloatTensor:$input, M3SAT_IndexTensor:$indices,
                       I64Attr:$num_experts);
  let results = (outs M3SAT_FloatTensor:$sorted,
                      M3SAT_IndexTensor:$permutation,
                      M3SAT_IndexTensor:$offsets);
  let assemblyFormat = [{
    $input `,` $indices `num_experts` `=` $num_experts attr-dict
    `:` type($input) `,` type($indices) `->` type($sorted) `,`
        type($permutation) `,` type($offsets)
  }];
}

def M3SAT_GroupedMatmulOp : M3SAT_Op<"grouped_matmul"> {
  let summary = "one matmul per expert over its contiguous group of rows";
  let description = [{
    `lhs` [N, K] holds rows grouped by expert as `m3sat.dispatch` leaves
    them; `weights` [E, M, K] are (out, in); `offsets` [E + 1] bound the
    groups. For offsets[e] <= i < offsets[e+1]:

        result[i] = weights[e] * lhs[i] + bias[e]

    with `bias` [E, M] optional. Each expert's weights are read once for its
    whole group, and experts with an empty group are skipped.

    ```mlir
    %h = m3sat.grouped_matmul %rows, %w1, %offsets bias %b1
        : (tensor<394x384xf32>, tensor<16x768x384xf32>, tensor<17xi64>,
           tensor<16x768xf32>) -> tensor<394x768xf32>
    ```
  }];
  let arguments = (ins M3SAT_FloatTensor:$lhs, M3SAT_FloatTensor:$weights,
                       M3SAT_IndexTensor:$offsets,
                       Optional<M3SAT_FloatTensor>:$bias);
  let results = (outs M3SAT_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $weights `,` $offsets (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
}

def M3SAT_CombineOp : M3SAT_Op<"combine"> {
  let summary = "weighted scatter-add of expert rows back to token order";
  let description = [{
    The inverse of `m3sat.dispatch`: with `rows` [T*k, D] in dispatch order,
    its `permutation` [T*k] and the routing `weights` [T, k],

        result[t] = sum over i with permutation[i] / k = t of
                    weights[t, permutation[i] % k] * rows[i]

    giving a [T, D] result in token order.

    ```mlir
    %y = m3sat.combine %out, %perm, %w
        : tensor<394x384xf32>, tensor<394xi64>, tensor<197x2xf32>
          -> tensor<197x384xf32>
    ```
  }];
  let arguments = (ins M3SAT_FloatTensor:$rows, M3SAT_IndexTensor:$permutation,
                       M3SAT_FloatTensor:$weights);
  let results = (outs M3SAT_FloatTensor:$result);
  let assemblyFormat = [{
    $rows `,` $permutation `,` $weights attr-dict
    `:` type($rows) `,` type($permutation) `,` type($weights)
    `->` type($result)
  }];
}

#endif // M3SAT_DIALECT_M3SATOPS_TD
