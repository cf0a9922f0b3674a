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

def RaiseMoE : Pass<"m3sat-raise-moe", "::mlir::ModuleOp"> {
  let summary = "Raise MoE layers written as standard ops to m3sat.moe_ffn";
  let description = [{
    Recognizes MoE layers as plain PyTorch writes them and the ONNX importer
    imports them: router probabilities p = softmax(logits) over E experts;
    the k largest (TopK, as the importer expands it: k rounds of argmax;
    or the first k of a sort: TopK(E), then Slice),
    optionally renormalized over the k; for each expert e an FFN
    y_e = fc2_e(act(fc1_e(x))) with constant weights (MatMul, or Gemm
    with transB as torch exports nn.Linear on 2-D inputs; with or without
    biases; act: relu, gelu in its erf or tanh form, silu, identity)
    scaled by its routing weight g_e = sum_k(w * mask_e) (Mul with the
    cast mask idx == e, Where(idx == e, w, 0), or expert e's slice of a
    one-hot of idx, perhaps permuted) or g_e = column e of
    zeros.scatter(-1, idx, w) (ScatterElements, reduction none or add) or
    of sum_k(w[..., None] * one_hot(idx));
    and the E scaled outputs summed, with Add or with scatters that send
    each row to its own place (index_add_, index_put_(accumulate) and
    scatter_add over arange(T): ScatterElements/ScatterND). Each such
    layer becomes one `m3sat.moe_ffn` routed by the logits, with the
    experts' weights stacked in (out, in) layout; the dense experts then
    die. Run on the imported model, before specialization: logits that a
    bound task makes constant then fold to static expert sets as for
    m3sat-domain layers.

    Every candidate (a TopK whose indices are compared with an expert id)
    is logged in the module attribute `m3sat.raised_moe`: what it became,
    or why it was left as it is (m3sat-compile prints the log with -v and
    --report).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::m3sat::M3SATDialect"];
  let statistics = [
    Statistic<"numRaised", "num-raised", "MoE layers raised">
  ];
}

def Specialize : Pass<"m3sat-specialize", "::mlir::ModuleOp"> {
  let summary = "Build one function per task from the imported model";
  let description = [{
    The importer leaves the whole model in `func.func @main`, its inputs
    and outputs named by `m3sat.name` argument and result attributes, and
    the `m3sat` metadata JSON (DESIGN.md) in the module attribute
    `m3sat.metadata`. For every task named in `tasks` this pass clones
    `@main` into a public function `@task_<name>` (attribute `m3sat.task`)
    that returns only that task's outputs, binds the task selector input to
    the task's index, and drops every op and input the kept outputs no
    longer reach; `@main` is then erased. Without metadata every graph
    output is a task of its own name. With `modalities`, a task that still
    needs an input of an unselected modality is an error. Unknown task or
    modality names are errors that list the valid ones.
  }];
  let options = [
    ListOption<"tasks", "tasks", "std::string",
               "Tasks to keep (default: all)">,
    ListOption<"modalities", "modalities", "std::string",
               "Modalities available on the device (default: all)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def GroupTasks : Pass<"m3sat-group-tasks", "::mlir::ModuleOp"> {
  let summary = "Add one function computing several tasks, sharing their "
                "common work";
  let description = [{
    Run after `m3sat-specialize` with two or more tasks: adds a public
    function `@group_<a>_<b>...` (attribute `m3sat.task = "a+b+..."`) that
    takes the union of the tasks' inputs (matched by `m3sat.name`) and
    returns all their outputs (an output of several tasks once). Its body is
    each task's function inlined in turn; CSE then computes once whatever
    the specialized graphs share (the backbone before the first
    task-dependent op, shared weights), so running the group costs less
    than running the tasks one after another. The per-task functions stay.
  }];
}

def SplitConcatMatmul : Pass<"m3sat-split-concat-matmul",
                              "::mlir::func::FuncOp"> {
  let summary = "Split a matmul of concatenated features where a part is "
                "constant";
  let description = [{
    Task-conditioned gates (M3ViT) concatenate a task embedding t to every
    token x and multiply by one weight: (x || t) W. Once the task is bound,
    t is a constant, and (x || t) W = x W_x + t W_t, where W_x and W_t are
    W's rows for x and for t. This pass rewrites `tosa.matmul` whose left
    operand is a `tosa.concat` along the contraction dimension, with at
    least one constant part, into one matmul per part (over the matching
    row slice of the right operand) summed with `tosa.add`; compile-time
    evaluation then folds the constant parts' products into a bias, and
    the gate multiplies only x.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::tosa::TosaDialect"];
  let statistics = [
    Statistic<"numSplit", "num-split", "Matmuls of concatenations split">
  ];
}

def FuseAttention : Pass<"m3sat-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Attention as one loop nest with an online softmax";
  let description = [{
    Rewrites the importer's scaled dot-product attention,
    `softmax(scale * Q K^T) V` with the softmax along the keys, into one
    `scf.forall` over (batch, query row) on tensors. Each iteration computes
    its row in a single pass over the keys: the score `scale * q . k_j`, a
    running maximum `m` and sum `l` of `exp(score - m)` (the sum rescaled by
    `exp(m_old - m)` when the maximum grows), and the weighted sum of the
    value rows, rescaled alike; the row is divided by `l` at the end. The
    query row, `m`, `l` and the output row are scalars (the loops over the
    head size and the value width are unrolled), so they stay in registers;
    neither the scores nor the probabilities are ever stored. On the GPU
    the loop nest becomes one kernel (a thread per query row, blocks of
    rows), where the unfused form is two products and the softmax's kernels
    in between.

    The pattern, on tensors with static shapes and f32 elements:
    `tosa.matmul` (Q [N, M, D], K^T [N, D, L]) -> optional `tosa.mul` by a
    splat constant -> the importer's softmax along the last axis
    (`tosa.reduce_max`, `tosa.sub`, `tosa.exp`, `tosa.reduce_sum`, then
    the division as a `linalg.generic` or a `tosa.reciprocal` and
    `tosa.mul`) -> `tosa.matmul` with V [N, L, E]. `tosa.reshape`s that
    only regroup the leading (batch) dimensions may sit between the steps
    (ONNX's 4-D MatMul of [B, H, M, D] is imported as one of [B*H, M, D]).
    Every intermediate value must have no other use, and the head size and
    value width together at most `max-row-values`; anything else is left
    alone. Results differ from the unfused form by rounding only.

    ```mlir
    %s = tosa.matmul %q, %kt, %zp, %zp : ... -> tensor<3x8x8xf32>
    // ... scale, softmax, reshapes ...
    %o = tosa.matmul %p, %v, %zp, %zp : ... -> tensor<3x8x16xf32>
    // becomes
    %o = scf.forall (%n, %i) in (3, 8) shared_outs(%out = %e)
        -> (tensor<3x8x16xf32>) { ... }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxRowValues", "max-row-values", "int64_t", /*default=*/"192",
           "Fuse only where head size plus value width is at most this: "
           "each thread keeps its query and output rows in registers">
  ];
  let statistics = [
    Statistic<"numFused", "num-fused", "Attention blocks fused">
  ];
}

def SinkTransposes : Pass<"m3sat-sink-transposes", "::mlir::func::FuncOp"> {
  let summary = "Move a transpose down a chain of layout-agnostic ops to its "
                "inverse, where both go";
  let description = [{
    An NCHW model lowered to TOSA transposes into NHWC before each
    convolution and back after it (the importer's `tosa.conv2d` is NHWC);
    between two convolutions the activations are transposed twice, and the
    ops in between (a ReLU, a Resize's per-axis steps) run in NCHW, where a
    Resize along W gathers along the innermost dimension. When a
    `tosa.transpose` has a chain of single users that are elementwise TOSA
    ops of one operand (`tosa.clamp`, `tosa.sigmoid`, ...) or all-parallel
    `linalg.generic`s of one identity-mapped result over a `tensor.empty`
    that read the previous value only through `tensor.extract` in their
    body (the importer's Resize steps), and the chain ends in the inverse
    transpose, each op of the chain is rebuilt on the untransposed values
    (a generic over the permuted loops: its operand maps composed with the
    permutation, its `linalg.index` dimensions and extract indices
    permuted) and both transposes go. The values computed are the same, in
    the same arithmetic; a chain not ending in the inverse stays.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::tosa::TosaDialect"];
  let statistics = [
    Statistic<"numSunk", "num-sunk", "Transposes moved to their inverse">
  ];
}

def PointwiseConvBeforeResize : Pass<"m3sat-pointwise-conv-before-resize",
                                      "::mlir::func::FuncOp"> {
  let summary = "Move a 1x1 convolution that reduces channels to before the "
                "Resize that feeds it";
  let description = [{
    A Resize interpolates each channel with the same per-position weights;
    a 1x1 convolution mixes channels with the same weights at every
    position. The two commute: cls(up(x)) = up(cls(x)) in real arithmetic,
    the bias too when the interpolation weights of every output position sum
    to 1 (linear with half_pixel or align_corners, nearest, cubic without
    extrapolation). Dense-prediction heads (SETR-PUP in M3ViT) upsample a
    wide feature map and then classify it into a few channels: done the
    other way round, the Resize interpolates the few channels and the
    convolution runs at the lower resolution.

    The pass rewrites `tosa.conv2d` with a 1x1 kernel, unit stride and
    dilation and no padding whose input is (a `tosa.transpose` of) a chain
    of the importer's per-axis Resize generics (`linalg.generic` that sums
    `tensor.extract`s of one source at constant indices along one axis,
    times constant weights), none of which resizes the channel axis, each
    used only by the next. It rewrites only when the convolution has fewer
    output than input channels, and only when the interpolation weights of
    each output position sum to 1 (within 1e-6) or the bias is zero.
    Results differ from the original order by rounding only.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::tosa::TosaDialect"];
  let statistics = [
    Statistic<"numMoved", "num-moved",
              "1x1 convolutions moved before their Resize">
  ];
}

def SegmentStaticRouting : Pass<"m3sat-segment-static-routing",
                                 "::mlir::func::FuncOp"> {
  let summary = "Split MoE layers with constant per-token routing into "
                "static layers over runs of tokens";
  let description = [{
    Routing that depends on each token's modality (M3SAT: the router logits
    come from a per-modality embedding, and the tokens of a modality are a
    contiguous run of the sequence) is constant once the model is
    specialized, but differs between runs of tokens, so it is not one
    static expert set. For every `m3sat.moe_ffn` and `m3sat.moe_attention`
    whose router logits are a constant, this pass routes every token at compile time (DESIGN.md's
    rule), groups consecutive token positions that route alike (the same
    experts with the same weights; in a [B, S, D] layer every batch row of
    a position must route alike), and replaces the layer by one layer per
    run, each over its `tensor.extract_slice` of the tokens with a static
    `#m3sat.expert_set`, joined by `tensor.concat`. An attention layer's
    runs take their queries from the run and their keys and values from
    the whole input (`kv_source`), so every token still attends to every
    token. Each run's layer is named `<layer>[begin:end]`. Exact pruning and static-expert fusion then
    apply to each run: experts no token uses vanish, and each run becomes
    one dense FFN. Layers with more than `max-segments` runs are left
    token-routed.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxSegments", "max-segments", "int64_t", /*default=*/"8",
           "Leave layers with more runs of alike-routed tokens token-routed">
  ];
  let statistics = [
    Statistic<"numLayers", "num-layers", "Layers split into static runs">,
    Statistic<"numSegments", "num-segments", "Static runs created">
  ];
}

def PruneExperts : Pass<"m3sat-prune-experts", "::mlir::func::FuncOp"> {
  let summary = "Drop the weights of experts outside static expert sets";
  let description = [{
    For every MoE layer with a static expert set, keeps only the kept
    experts' slices of its per-expert weights (`fc1_weights`, `fc1_bias`,
    `fc2_weights`, `fc2_bias` of `m3sat.moe_ffn`; `wq` and `wo` of
    `m3sat.moe_attention`) and renumbers the set 0..n-1, in the set's order.
    Constant weights are sliced at compile time (resource blobs stay
    resource blobs); other weights go through `tensor.extract_slice` and
    `tensor.concat`. The original expert ids are kept in the discardable
    attributes `m3sat.source_experts` (ids) and
    `m3sat.source_num_experts` (E) for reports and the bundle. Unused
    experts thus vanish exactly, with their weights.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numPruned", "num-pruned", "Experts removed">
  ];
}

def ExposeRouting : Pass<"m3sat-expose-routing", "::mlir::func::FuncOp"> {
  let summary = "Return the routing decisions of token-routed MoE layers";
  let description = [{
    For profiling (`m3sat-profile`): every `m3sat.moe_ffn` and
    `m3sat.moe_attention` that is still routed per token gets an
    `m3sat.route` of its logits (same k, same normalization), and the
    function returns the selected experts [tokens, k] (i64) and their
    routing weights [tokens, k] (f32) as two extra results named
    `m3sat.routing.<layer>.indices` and `m3sat.routing.<layer>.weights`
    (`m3sat.name` result attributes), `<layer>` being the ONNX node name.
    The function's `m3sat.routing_layers` attribute lists each layer's name,
    expert count and k. Layers with static expert sets are left alone.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def PruneByProfile : Pass<"m3sat-prune-by-profile", "::mlir::func::FuncOp"> {
  let summary = "Keep the experts that carry most of the profiled routing "
                "mass";
  let description = [{
    Profile-guided pruning of token-routed MoE layers. Reads the expert
    usage JSON written by `m3sat-profile` and, in each function specialized
    to a task (`m3sat.task`), for each MoE layer the profile has for that
    task (matched by layer name), keeps the fewest experts whose share of
    the profiled routing mass reaches `coverage` (at least k of them; ties
    go to the lower expert id). The layer's logits and per-expert weights
    are sliced to the kept experts, so routing picks the top k among the
    kept ones: tokens that chose a dropped expert are re-routed to the next
    best kept expert. Kept expert ids are recorded in
    `m3sat.source_experts` / `m3sat.source_num_experts` like
    `m3sat-prune-experts` does. A layer missing from the profile is kept
    whole with a warning.
  }];
  let options = [
    Option<"profile", "profile", "std::string", /*default=*/"",
           "Expert usage JSON written by m3sat-profile">,
    Option<"coverage", "coverage", "double", /*default=*/"0.999",
           "Share of the routing mass the kept experts must carry (0..1]">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numPruned", "num-pruned", "Experts removed">
  ];
}

def FuseStaticExperts : Pass<"m3sat-fuse-static-experts",
                              "::mlir::func::FuncOp"> {
  let summary = "Fuse the experts of a static set into one dense FFN";
  let description = [{
    An `m3sat.moe_ffn` with a static set of n experts (run after
    `m3sat-prune-experts`, so the set is experts 0..n-1) computes
    sum_e w_e (fc2[e] act(fc1[e] x + b1[e]) + b2[e]). Its experts' hidden
    units are independent, so it equals one FFN of hidden n*H: fc1 is the
    experts' fc1 stacked ([n*H, D]), fc2 the experts' fc2 side by side with
    each expert's columns scaled by its routing weight ([D, n*H]), b2 the
    weighted sum of the experts' b2. The result is an `m3sat.moe_ffn` with
    one expert of weight 1: one pair of matmuls instead of n. The new
    weights are tensor ops on the old ones, which compile-time evaluation
    folds when they are constants.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numFused", "num-fused", "Static expert sets fused">
  ];
}

def OutlineWeights : Pass<"m3sat-outline-weights", "::mlir::ModuleOp"> {
  let summary = "Turn large constants of task functions into weight arguments";
  let description = [{
    Every `arith.constant` with at least `min-elements` elements inside a
    task function (`m3sat.task`) becomes a function argument appended after
    the inputs, with the constant kept as the argument attribute
    `m3sat.weight` and a stable name in `m3sat.name`. Identical constants
    share one argument. The task bundle stores these weights; the code
    receives pointers to them, so no weight is compiled into the code.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"64",
           "Constants with fewer elements stay in the code">
  ];
  let statistics = [
    Statistic<"numWeights", "num-weights", "Constants outlined as weights">
  ];
}

def CopyToLinalg : Pass<"m3sat-copy-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite strided memref.copy as linalg.copy";
  let description = [{
    After bufferization, a `memref.copy` between non-contiguous views (rows
    of a tensor.insert_slice, say) lowers to a call to the `memrefCopy`
    runtime function of MLIR's C runner utilities, which a task library
    does not link. This pass turns such copies into `linalg.copy`, which
    becomes plain loops; contiguous copies stay `memref.copy` (memcpy)
    unless `all` is set (targets without memcpy, such as HLS C++).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Rewrite contiguous copies as well">
  ];
}

def FuseElementwise : Pass<"m3sat-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg ops, never into contractions";
  let description = [{
    Upstream elementwise fusion, controlled so that a producer is fused only
    into consumers without reduction loops, or into a reduction that reads
    each of its elements once (through a permutation of all its loops: the
    squares of a layer norm's variance fuse into their sum). Fusing an
    activation into the matmul that consumes it would recompute the
    activation once per output column (H times for an FFN's second layer);
    chains of elementwise ops (bias, activation, routing-weight scaling,
    residual adds) still fuse.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SplitSharedInits : Pass<"m3sat-split-shared-inits",
                             "::mlir::func::FuncOp"> {
  let summary = "Give each user of a shared tensor.empty or fill its own";
  let description = [{
    On tensors, before one-shot bufferization. CSE merges identical
    `tensor.empty` ops, and identical fills of them (a `linalg.fill`, or a
    `linalg.generic` with only scalar inputs whose body does not read its
    init), so that one value is the init of the same op in every layer.
    Bufferization then gives that value one buffer, which the last of its
    users writes in place: the buffer lives from the first layer to the
    last, and the activation arena cannot reuse its bytes. This pass clones
    such an init (a fill with its `tensor.empty`) right before each of its
    users but the first, at the users' ancestor in the init's block (never
    into a loop body), so that each buffer lives only as long as its user's
    result. The values are the same: an empty tensor's contents are
    undefined, a fill's are recomputed.

    ```mlir
    %e = tensor.empty() : tensor<4xf32>
    %a = linalg.generic ... outs(%e : tensor<4xf32>)
    %b = linalg.generic ... outs(%e : tensor<4xf32>)
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %a = linalg.generic ... outs(%e : tensor<4xf32>)
    %e2 = tensor.empty() : tensor<4xf32>
    %b = linalg.generic ... outs(%e2 : tensor<4xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numCloned", "num-cloned",
              "Inits cloned for a user of their own">
  ];
}

def ContractionsToBLAS : Pass<"m3sat-contractions-to-blas",
                               "::mlir::ModuleOp"> {
  let summary = "Run f32 matrix products through an SGEMM kernel";
  let description = [{
    On buffers (after bufferization): every `linalg` op that is an f32
    contraction (`C += A * B`, body a multiply and an add) whose operands
    are indexed by plain loop dimensions becomes calls to
    `m3sat_sgemm(part, parts, transA, transB, M, N, K, A, lda, B, ldb,
    accumulate, C, ldc)`, which computes band `part` of `parts` of
    C += op(A) op(B) on row-major matrices (the task runtime calls an
    optimized micro-kernel library). When the op before the product (past
    side-effect free ops) is a `linalg.fill` of +0.0 into the same C buffer,
    that fill is erased and `accumulate` is 0: the kernel computes
    C = op(A) op(B) without reading C (BLAS beta 0). One M, one N and one K dimension go to the kernel; batch and
    any further dimensions become loops around the call. With `parallel`,
    `m3sat_sgemm_parts(M, N, K)` says into how many parts the runtime splits
    the product (its thread count, fewer for small products) and one
    `scf.parallel` loop runs the batch dimensions and the parts, so the
    task's OpenMP pool computes them; without it, `scf.for` loops call one
    part per product. Each matrix needs unit stride along one of its two
    dimensions (known at compile time); leading dimensions may be dynamic.
    Contractions that do not fit stay as they are.

    With `epilogues`, when the next op with memory effects after a product
    is a parallel `linalg.generic` that reads its C elementwise (through any
    reshape) and computes D = C * alpha + T0 + T1 (a constant alpha, up to
    two terms added in that order, each broadcast or not; static layouts),
    the product moves down to it and each part calls
    `m3sat_sgemm_epilogue(..., alpha, D, ldd, terms, T0, T0 stride along M,
    T0 stride along N, T1, ...)`, which computes the elementwise op on the
    part's band of C right after the product, while the band is in cache;
    the generic goes, C keeps the product. Only where that is safe band by
    band: D overlaps neither A nor B, D is C or apart from it, each term is
    D or apart from it and apart from C (byte ranges of views of one
    buffer; distinct function arguments are distinct buffers). A module pass: it
    declares the runtime functions in the module, which function passes
    running in parallel must not do.
  }];
  let options = [
    Option<"minFlops", "min-flops", "int64_t", /*default=*/"4096",
           "Smallest static M*N*K worth a kernel call (dynamic sizes always "
           "qualify)">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Split each product into parts run by an scf.parallel loop">,
    Option<"epilogues", "epilogues", "bool", /*default=*/"true",
           "Compute the elementwise op that reads a product's C "
           "(C * alpha + up to two terms) band by band after each part "
           "(m3sat_sgemm_epilogue)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numConverted", "num-converted", "Contractions sent to SGEMM">,
    Statistic<"numEpilogues", "num-epilogues",
              "Elementwise ops computed after SGEMM parts">
  ];
}

def SerialSmallTasks : Pass<"m3sat-serial-small-tasks",
                             "::mlir::ModuleOp"> {
  let summary = "Run task functions with little work on the calling thread";
  let description = [{
    On buffers, before m3sat-contractions-to-blas. A task function
    (`m3sat.task`) whose work is at most `max-work` is marked `m3sat.serial`:
    m3sat-contractions-to-blas then calls every product as one part in an
    `scf.for`, and m3sat-select-parallel-loops makes every reduction-free
    `scf.parallel` of it sequential, so the task enters no OpenMP parallel
    region. A task of a few dozen small layers (24 tokens of 128 channels)
    spends more in forking, handing out and joining its loops and products
    than a second thread saves.

    Work is the sum, over the function's linalg ops, of their iteration
    counts (a contraction's multiply-adds, an elementwise op's elements),
    plus one per memref load or store and the elements of each memref.copy
    outside linalg ops, each times the trip counts of the scf loops around
    it. A dynamic loop range or trip count, or a call of a function defined
    in the module, counts as unbounded: such a function is never marked.
    `max-work` 0 marks none. A module pass: it looks up callees.
  }];
  let options = [
    Option<"maxWork", "max-work", "int64_t", /*default=*/"33554432",
           "Largest work (loop iterations, see above) of a task that runs "
           "without parallel regions; 0: none does">
  ];
  let statistics = [
    Statistic<"numSerial", "num-serial", "Task functions marked serial">
  ];
}

def SelectParallelLoops : Pass<"m3sat-select-parallel-loops",
                                "::mlir::func::FuncOp"> {
  let summary = "Keep scf.parallel only where threads pay off";
  let description = [{
    Linalg lowers every parallel dimension to `scf.parallel`; turned into
    OpenMP, each would fork and join threads. This pass keeps a parallel
    loop only when it does at least `min-iterations` iterations (dynamic
    trip counts count as large), or at least `min-shared-iterations` whose
    loads and stores together touch `min-work` elements (vector accesses
    count their lanes, loops inside an iteration their trips: the row loop
    of a LayerNorm or softmax, 128 rows of a few hundred channels), and no
    enclosing loop is kept parallel;
    every other `scf.parallel` without reductions becomes a nest of
    `scf.for`. A row update inside a per-token loop thus runs on the
    calling thread, while a matmul's rows and columns are shared. Of a kept
    loop, only the outer dimensions that give `min-outer-iterations`
    iterations stay parallel; the inner ones run as `scf.for` inside it
    (contiguous, vectorizable, no index divisions).
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"4096",
           "Smallest iteration count worth a parallel region">,
    Option<"minWork", "min-work", "int64_t", /*default=*/"16384",
           "A loop of fewer than min-iterations iterations is still shared "
           "when its iterations load and store at least this many elements "
           "in all (and it has min-shared-iterations)">,
    Option<"minSharedIterations", "min-shared-iterations", "int64_t",
           /*default=*/"32",
           "Fewest iterations of a loop that min-work makes parallel">,
    Option<"minOuterIterations", "min-outer-iterations", "int64_t",
           /*default=*/"64",
           "A kept loop's outer dimensions stay parallel until they give "
           "this many iterations; the inner ones become scf.for">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numKept", "num-kept", "Parallel loops kept">,
    Statistic<"numSequential", "num-sequential",
              "Parallel loops made sequential">,
    Statistic<"numSplit", "num-split",
              "Kept loops whose inner dimensions became sequential">
  ];
}

def MergeParallelRegions : Pass<"m3sat-merge-parallel-regions",
                                 "::mlir::ModuleOp"> {
  let summary = "Merge neighbouring OpenMP parallel regions into one";
  let description = [{
    Runs on the OpenMP dialect (after `convert-scf-to-openmp`). Every
    `omp.parallel` forks and joins the task's threads; a task of a few
    dozen layers has hundreds of them, one per parallel loop. Neighbouring
    regions of a block without clauses become one: what lies between them
    moves above the merged region when it has no memory effects (or only
    allocates its results, or calls a function marked `m3sat.pure`), and
    otherwise, when it has no results, runs inside it in an `omp.single`
    (one thread; its implicit barrier orders it against the loops around
    it). Each worksharing loop keeps its implicit barrier, so every loop
    still sees all writes of the code before it; the last one of a merged
    region gets `nowait` (the region's end joins the threads). An op with
    results and effects, a terminator, an op holding OpenMP ops or an
    alloca or a call of a function that holds OpenMP ops (its regions
    would run on one thread), and a region with clauses end a stretch.
    A module pass: it looks into the functions that the code it moves
    calls.
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
  let statistics = [
    Statistic<"numMerged", "num-merged",
              "Parallel regions merged into the one before them">,
    Statistic<"numSingles", "num-singles",
              "Stretches of sequential code run by one thread (omp.single)">
  ];
}

def InlineStaticWorksharing : Pass<"m3sat-inline-static-worksharing",
                                    "::mlir::ModuleOp"> {
  let summary = "Split static worksharing loops among threads without "
                "libomp's schedule calls";
  let description = [{
    Runs on the OpenMP dialect, after `m3sat-merge-parallel-regions`. In an
    `omp.parallel` region, an `omp.wsloop` of the static schedule without
    clauses around a 1-D `omp.loop_nest` becomes an `scf.for` over this
    thread's share of the iterations: of `n` = `omp_get_num_threads()`
    threads, thread `t` = `omp_get_thread_num()` takes `trips / n`
    iterations, the first `trips % n` threads one more (the split
    libomp's balanced static schedule makes), followed by `omp.barrier`
    unless the loop was `nowait`. An `omp.single` without clauses becomes
    its body run by thread 0 (`scf.if`), followed by `omp.barrier` unless
    `nowait`. Every thread meets the same barriers in the same order, as
    before.

    Why: LLVM 22's Debian libomp is built with KMP_DEBUG, and its
    `__kmpc_for_static_init` formats two trace strings (malloc, vsnprintf,
    free) on every call, tracing or not; a task runs dozens of such loops
    per run on every thread. Loops with clauses, schedules other than
    static, several dimensions or several blocks, and constructs outside a
    parallel region of their own function (orphaned) are left to libomp.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::omp::OpenMPDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numLoops", "num-loops",
              "Worksharing loops split by inline arithmetic">,
    Statistic<"numSingles", "num-singles",
              "omp.single regions run by thread 0">
  ];
}

def ReassociateReductions : Pass<"m3sat-reassociate-reductions",
                                  "::mlir::func::FuncOp"> {
  let summary = "Allow reassociation and FMA contraction in linalg reductions";
  let description = [{
    Sets the `reassoc` and `contract` fast-math flags on the floating-point
    arithmetic in the bodies of `linalg.generic` ops that have reduction
    loops (generalize named ops first). LLVM can then vectorize the
    reductions (dot products of matmuls, convolutions, softmax and
    layer-norm sums) and use FMA; only rounding changes.
  }];
}

def InterchangeForLocality : Pass<"m3sat-interchange-for-locality",
                                   "::mlir::func::FuncOp"> {
  let summary = "Make the innermost loop of linalg ops the contiguous one";
  let description = [{
    Reorders the loops of every `linalg.generic` so that the innermost loop
    is the one that indexes the last (contiguous) dimension of the most
    operands; where all loops are parallel each operand counts with its
    number of elements, so that the tables a Resize step reads per output
    row do not outvote the activations it writes. A matmul against (in, out) weights, as `torch.onnx.export`
    writes `x @ W.T`, then runs with the output column innermost: both the
    weights and the output are read contiguously and LLVM vectorizes it
    without gathers. A dot-product form (weights (out, in)) keeps its
    reduction innermost.
  }];
}

def VectorizeElementwise : Pass<"m3sat-vectorize-elementwise",
                                 "::mlir::func::FuncOp"> {
  let summary = "Vectorize elementwise and row-reduction linalg ops on buffers";
  let description = [{
    LLVM does not vectorize the loops that linalg lowers to when their body
    calls libm (`erff`, `expf`) or reduces along a row. This pass vectorizes
    them in MLIR instead, with upstream's tiling and `linalg::vectorize`:

    - a `linalg.generic` whose loops are all parallel is tiled by 1 on every
      loop but the innermost, which is tiled by `width` (or the largest
      power of two down to 4 that divides it), and each tile becomes vector
      ops on `vector<1x..x1xWIDTHxT>`;
    - one whose innermost loop is its only reduction (softmax and layer-norm
      rows) keeps that loop whole, up to `max-reduction` elements, and
      reduces with `vector.multi_reduction`. When the op just before it
      (past ops without memory effects) fills its output buffer, which it
      writes once per row and does not read as an input, the fill moves
      into the row loop as one store of the fill value: no loop (and, with
      threads, no barrier) of its own.

    Only ops with static shapes, a body of `arith` and `math` ops, and
    operands that are contiguous along the innermost loop (its dimension is
    the last one the operand's map yields, on a unit-stride memref) or do
    not depend on it (broadcast) qualify; others, e.g. transposes and
    matrix products, are left for the loop lowering. The tile loops are one
    `scf.parallel`, so `m3sat-select-parallel-loops` can share them among
    threads.
  }];
  let options = [
    Option<"width", "width", "int64_t", /*default=*/"16",
           "Elements per vector along the innermost loop">,
    Option<"maxReduction", "max-reduction", "int64_t", /*default=*/"4096",
           "Longest innermost reduction kept whole in one vector">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numVectorized", "num-vectorized", "linalg ops vectorized">,
    Statistic<"numFillsMoved", "num-fills-moved",
              "Fills of a row reduction's output moved into its row loop">
  ];
}

def ApproximateVectorMath : Pass<"m3sat-approximate-vector-math"> {
  let summary = "Polynomial erf, exp, tanh, log on vectors";
  let description = [{
    Rewrites `math` ops on vector operands (from
    `m3sat-vectorize-elementwise`) into upstream's polynomial
    approximations, which LLVM compiles to SIMD code. The same ops on
    scalars are left alone: they become libm calls, which are faster than
    the scalar polynomial with its selects.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def ConvolutionsToMatmul : Pass<"m3sat-convolutions-to-matmul",
                                "::mlir::func::FuncOp"> {
  let summary = "2-D convolutions as im2col and a matrix product";
  let description = [{
    Rewrites the 2-D convolutions that TOSA lowers to (e.g.
    `linalg.conv_2d_nhwc_fhwc`, a ViT's patch embedding) into an im2col
    copy and a matrix product, with upstream's
    `populateConvertConv2DToImg2ColPatterns`. The product then goes to the
    task runtime's SGEMM (`m3sat-contractions-to-blas`) like every other
    one, instead of a seven-deep loop nest. Tensor semantics only: run it
    before bufferization and before named ops are generalized. Without
    `unit-stride`, a `linalg.conv_2d_nhwc_fhwc` of unit strides and
    dilations whose window is larger than 1x1 stays as it is, for
    `m3sat-convolutions-to-blas`.
  }];
  let options = [
    Option<"unitStride", "unit-stride", "bool", /*default=*/"true",
           "Also rewrite NHWC/FHWC convolutions of unit strides and "
           "dilations with a window over 1x1">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvolutionsToBLAS : Pass<"m3sat-convolutions-to-blas",
                               "::mlir::ModuleOp"> {
  let summary = "Run f32 2-D convolutions through the SGEMM kernel, "
                "without im2col";
  let description = [{
    On buffers (after bufferization): a `linalg` op that is an f32 2-D
    convolution of an NHWC image (already padded) with an FHWC filter into
    an NHWC output, of unit strides and dilations (e.g. a generalized
    `linalg.conv_2d_nhwc_fhwc`; loops in any order; body a multiply and an
    add; each operand with unit stride along its channels) becomes calls to
    `m3sat_sconv(part, parts, N, OH, OW, F, C, KH, KW, in, in strides of
    N/H/W, filter, filter strides of F/H/W, out, out strides of N/H/W,
    accumulate)`. The runtime computes each tile of output rows as KH x KW
    products that accumulate in cache, one per filter tap, each reading
    the image in place: no im2col copy (for a 3x3 convolution, a buffer 9x
    the image) is written or read. A zero fill of the output just before
    (past side-effect free ops) is erased and `accumulate` is 0. With
    `parallel`, `m3sat_sconv_parts(N, OH, OW, F, C, KH, KW)` says into how
    many parts the runtime splits it and an `scf.parallel` loop runs them
    on the task's OpenMP pool. A module pass: it declares the runtime
    functions in the module.

    With `winograd-tile` 2 or 4, a 3x3 convolution of at least 16 input
    and 16 output channels calls `m3sat_swinograd` (and
    `m3sat_swinograd_parts`) with the same operands and the tile size
    appended: Winograd's F(TxT, 3x3) computes each T x T tile of output
    pixels from a (T+2) x (T+2) patch, as one product per point of the
    transform and block of tiles: 4 multiply-adds per output pixel and
    channel pair with T = 2 (16 products), 2.25 with T = 4 (36 products),
    instead of 9. T = 4 is used only where an image has at least 128 tiles
    of 4x4 (fewer make its products too short to run fast), T = 2
    elsewhere. Results differ from the direct sum by rounding: about 1e-6
    relative with T = 2, 1e-5 with T = 4. The filter's transform is
    computed once per call, before the convolution's parts: the calling
    thread's buffer for it (`m3sat_swinograd_filter_buffer`), then a loop
    over the same parts calling `m3sat_swinograd_filter` (a range of output
    channels each); `m3sat_swinograd` gets that buffer after the tile size.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Split each convolution into parts run by an scf.parallel loop">,
    Option<"winogradTile", "winograd-tile", "int64_t", /*default=*/"0",
           "Output tile of Winograd's F(TxT, 3x3) for 3x3 convolutions of 16 "
           "or more channels in and out (m3sat_swinograd): 2 or 4; 0 keeps "
           "m3sat_sconv">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numConverted", "num-converted",
              "Convolutions sent to m3sat_sconv">,
    Statistic<"numWinograd", "num-winograd",
              "Convolutions sent to m3sat_swinograd">
  ];
}

def ForwardFills : Pass<"m3sat-forward-fills", "::mlir::func::FuncOp"> {
  let summary = "Fill copy targets directly instead of copying a filled buffer";
  let description = [{
    One-shot bufferization copies a zero-filled buffer each time the fill is
    the init of several ops (CSE merged their fills): the fill runs once and
    every other user gets a `memref.copy` of it, which reads as much memory
    as it writes. When nothing writes the filled buffer between the fill
    and such a copy, the copy becomes the same fill on its target; a filled
    buffer left with no reader is removed with its fill.
  }];
  let statistics = [
    Statistic<"numForwarded", "num-forwarded", "Copies replaced by fills">
  ];
}

def PlanActivationArena : Pass<"m3sat-plan-activation-arena",
                               "::mlir::ModuleOp"> {
  let summary = "Place a task's temporary buffers in one arena, planned "
                "from their lifetimes";
  let description = [{
    Runs on buffers (after bufferization, before deallocation is placed).
    Every `memref.alloc` of a task function (a `func.func` with
    `m3sat.task` that nothing in the module calls) whose shape is static,
    whose layout is the identity and whose element type has a known size
    becomes a `memref.view` into one arena: a new last argument of type
    `memref<Nxi8>` that the task runtime allocates once when the task is
    opened, so that runs allocate nothing.

    A buffer is live from the top-level op of the function that holds its
    allocation to the last top-level op that holds a use of it or of any
    alias (views, loop-carried values and results, from upstream's
    `BufferViewFlowAnalysis`): a use inside a loop keeps the buffer live
    for the whole loop. A buffer stays a `memref.alloc` when its bytes may
    escape what the function's ops show: it is returned, passed to a call
    with buffer results, turned into a pointer, index or tensor, or given to
    an op with regions that is not a linalg op; a buffer allocated inside a
    loop or conditional also stays when it is carried out of it (yielded),
    or when any enclosing op may run its region concurrently (only scf.for,
    scf.if, scf.while, scf.execute_region, scf.index_switch and
    memref.alloca_scope qualify).

    Offsets come from a greedy best-fit assignment: buffers by decreasing
    size, each at the smallest gap between the already placed buffers
    whose lifetimes overlap its own, every offset a multiple of
    `alignment`. Buffers whose lifetimes do not overlap share bytes. The
    function gets `m3sat.arena_bytes` (the arena's size N; it also marks
    the last argument as the arena) and `m3sat.planned_bytes` (the sum of
    the planned buffers' sizes).

    ```mlir
    %a = memref.alloc() : memref<16xf32>   // live in ops 0..1
    %b = memref.alloc() : memref<16xf32>   // live in ops 2..3
    // become
    %a = memref.view %arena[%c0][] : memref<64xi8> to memref<16xf32>
    %b = memref.view %arena[%c0][] : memref<64xi8> to memref<16xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"reuse", "reuse", "bool", /*default=*/"true",
           "Buffers whose lifetimes do not overlap share bytes (false: "
           "every buffer has bytes of its own in the arena)">,
    Option<"alignmentOption", "alignment", "int64_t", /*default=*/"64",
           "Alignment in bytes of every buffer's offset (the runtime "
           "allocates the arena page-aligned); a buffer that asks for more "
           "stays a memref.alloc">
  ];
  let statistics = [
    Statistic<"numPlanned", "num-planned", "Buffers placed in the arena">,
    Statistic<"numUnplanned", "num-unplanned",
              "Allocations left as they were">,
    Statistic<"numBytesShared", "num-bytes-shared",
              "Bytes saved by sharing (planned bytes minus arena bytes)">
  ];
}

def PromoteLoopAccumulators : Pass<"m3sat-promote-loop-accumulators"> {
  let summary = "Keep a reduction loop's accumulator in a register";
  let description = [{
    A contraction lowered to loops loads and stores its output element
    `C[i, j]` at every step of the reduction loop; LLVM keeps that in
    memory because it cannot prove that `C` does not alias the inputs. This
    pass turns the pair into an `iter_args` value of the `scf.for`: one load
    before the loop, one store after it.

    A `memref.load` and a `memref.store` in the body of an `scf.for` (not
    nested deeper) are promoted when all of these hold:
    - they use the same memref and the same index values, all defined
      outside the loop, and the load comes before the store;
    - no other op in the loop, at any depth, may read or write memory that
      aliases that memref: upstream's `LocalAliasAnalysis` must answer "no
      alias" for every memory effect of every other op (two different
      allocations, or an allocation and an argument of the function that
      allocates it), or that op reads a constant `memref.global` (never
      written, so not the buffer). A second access to the same buffer, even
      at other
      indices, or an op with unknown effects prevent it. Two arguments of
      the function may alias, unless `distinct-arguments` is set: then an
      argument the loop writes aliases no other argument (true of a GPU
      task function, whose runtime stages each input and each output in a
      device buffer of its own; weights may share one, but are only read);
    - the loop has a static trip count of at least one (the load before the
      loop is then not speculative, and the store after it writes what the
      last iteration would have written).
    Loops are visited innermost first, so an accumulator moves out of a nest
    of reduction loops one loop at a time.

    ```mlir
    scf.for %k = %c0 to %c8 step %c1 {
      %a = memref.load %A[%i, %k] : memref<4x8xf32>
      %c = memref.load %C[%i] : memref<4xf32>
      %s = arith.addf %c, %a : f32
      memref.store %s, %C[%i] : memref<4xf32>
    }
    // becomes (%C allocated in the function, %A its argument)
    %init = memref.load %C[%i] : memref<4xf32>
    %r = scf.for %k = %c0 to %c8 step %c1 iter_args(%c = %init) -> (f32) {
      %a = memref.load %A[%i, %k] : memref<4x8xf32>
      %s = arith.addf %c, %a : f32
      scf.yield %s : f32
    }
    memref.store %r, %C[%i] : memref<4xf32>
    ```
  }];
  let options = [
    Option<"distinctArguments", "distinct-arguments", "bool",
           /*default=*/"false",
           "An argument of the function that it writes aliases no other "
           "argument">
  ];
  let statistics = [
    Statistic<"numPromoted", "num-promoted",
              "Load/store pairs turned into loop-carried values">
  ];
}

def TransposeExpertWeights : Pass<"m3sat-transpose-expert-weights",
                                  "::mlir::ModuleOp"> {
  let summary = "Store the constant weights of MoE FFNs as (in, out)";
  let description = [{
    For the row-gather form of token-routed MoE layers (the GPU's): each
    thread of its grouped GEMM computes one output column n of one row and
    reads the weights `W[e, n, k]` of the row's expert along k, so
    neighbouring threads (n, n + 1) read K elements apart. This pass gives
    every constant `fc1_weights` and `fc2_weights` of an `m3sat.moe_ffn`
    (dynamic routing or a static expert set) the (in, out) layout at
    compile time: a new
    constant `Wt[e, k, n]` (a resource blob `<name>_in_out` for a resource)
    and `linalg.transpose` of it (permutation [0, 2, 1]) as the operand.
    The row-gather lowering of `m3sat.grouped_matmul` reads such weights
    from `Wt` directly, so that neighbouring threads read neighbouring
    weights; so do the per-expert products of the loops form and of static
    expert sets (on CPU their SGEMM calls become "NN": for the few rows of
    one expert oneDNN runs 16 x 128 x 512 in 18.7 us against 45.1 us with
    the weights (out, in)). Any other lowering computes the transpose. A
    constant with no
    other user is removed (the bundle then holds only the new layout). One
    value is transposed once for the whole module: the task functions that
    share a weight share its transposed constant (one buffer in the
    bundle).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numTransposed", "num-transposed", "Weights transposed">
  ];
}

#endif // M3SAT_TRANSFORMS_PASSES_TD
