//===- Passes.td - HLS architecture transforms -------------*- tablegen -*-===//
//
// Passes that give a design its hardware architecture: the schedule of
// token-routed experts, DATAFLOW regions, the shared linear unit, shared
// buffers, and the accelerators' forms of softmax and GELU. Each one keeps
// the computation (up to the rounding it documents).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_TRANSFORMS_PASSES_TD
#define M3SAT_TARGET_HLS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def HLSExpertSchedule : Pass<"m3sat-hls-expert-schedule", "::mlir::ModuleOp"> {
  let summary = "Visit the non-empty experts of a token-routed layer one "
                "after another, streaming each one's weights into a "
                "ping-pong buffer while the previous one computes";
  let description = [{
    The schedule of the MoE accelerators (M3ViT, Edge-MoE) for token-routed
    layers in expert-major form. An expert loop is a top-level
    `scf.for %e = 0 to E` of a public function whose body reads arguments
    of shape `E x ...` only at `[%e, ...]` (an expert's weights), and whose
    loops all run from 0 to the same count computed in the body (the
    expert's token queue, from the routing's group offsets); its other ops
    are loads and pure ops, so an expert with no token does nothing.

    Each such loop becomes:
    1. a queue: the experts whose count is positive, in order;
    2. two on-chip buffers per streamed weight (ping and pong: one
       expert's slice, `memref.alloc` with `m3sat.hls.stream_of = <argument
       index>`);
    3. the first queued expert's weights loaded into ping, then a loop over
       the queue (`m3sat.hls.expert_schedule`) whose step i calls
       `<func>_<n>_expert_step`, a DATAFLOW function
       (`m3sat.hls.dataflow`) of two tasks: `<func>_<n>_expert_load` loads
       expert queue[i+1]'s weights (if there is one) into one buffer while
       `<func>_<n>_expert_compute` (the loop body, outlined) runs expert
       queue[i] from the other. Even steps compute from ping, odd ones from
       pong (an `scf.if` with `m3sat.hls.shared_branches`: both branches
       call the same step function).

    The result is the same computation in the same order for every expert,
    so C simulation matches the loop it replaces bit for bit.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numScheduled", "num-scheduled",
              "Expert loops given the ping-pong schedule">
  ];
}

def HLSDataflow : Pass<"m3sat-hls-dataflow", "::mlir::ModuleOp"> {
  let summary = "Group the stages of top functions into DATAFLOW regions "
                "connected by FIFO and ping-pong channels";
  let description = [{
    Task-level DATAFLOW between the stages of each public function, in
    Vitis HLS's canonical form. Where the function has loops over token
    tiles (`m3sat.hls.token_tiles`, m3sat-hls-token-tiling), the regions
    form in the body of each such loop, so that their channels hold a tile
    (the nests outside them stay as they are); else in the function body.
    The ops of that block are split into segments at every op that is not a loop nest, branch or call
    without results (loads, loops that yield a value, ...; allocations,
    constants and other pure ops do not split). In a segment:

    0. An elementwise update in place (`x[i] = f(x[i], ...)`, every element
       once in order: a residual addition, an activation) of a buffer that
       an earlier op wrote stores to a new buffer, which the later ops read.

    1. Stages: the ops that write one buffer are one stage (a fill and the
       accumulation after it); stages that depend on each other both ways
       (one reads what the other wrote and writes what it read) become one;
       the stages are then ordered by their dependences (a valid order of
       the original ops), earliest first.
    2. Regions: consecutive stages, as long as no buffer from outside the
       region is read by two of its stages, and no stage writes a buffer
       that an earlier stage of the region read from outside (each array
       one reader and one writer, as Vitis requires). Regions of one stage
       stay as they are.
    3. Channels: a buffer written in the region and read by several of its
       stages (or read in the region and after it) gets a copy per extra
       reader: the producer stores each value to every copy. A channel is
       a FIFO (`m3sat.hls.channel = #m3sat.hls_channel<fifo>`) when the producer stores it
       and the consumer loads it once each, element by element in row-major
       order (every enclosing loop of the store and the load runs from 0 by
       1 to a constant, and the offset is those loops' counters in order),
       else a ping-pong buffer (pipo). A FIFO has depth 2 when its
       producer has no other channel out and its consumer no other channel
       in (no path can then wait on it while it is full), else the buffer's
       size (`m3sat.hls.fifo_depth`).
    4. Each stage becomes a function `<func>_df<r>_s<s>` (its own buffers
       inside, channel arguments marked fifo_in, fifo_out, pipo_in or
       pipo_out) and each region a function `<func>_df<r>`
       (`m3sat.hls.dataflow`, `m3sat.hls.dataflow_region`) that allocates
       the channels and calls the stages; the segment becomes a call of it.
    5. Stage functions, then region functions, that compute alike (the
       same text but for their names) become one: the tile loops of a
       network's blocks call one region, which is then built once
       (`m3sat.hls.shared_layer`).

    In the body of a tile loop of T tokens, a channel that every access
    indexes along one dimension by the tile's token (the loop's counter
    for T = 1, `counter * T + t` with `t` a loop from 0 to T) holds T
    entries along it instead of the sequence (`t`, or 0, indexes it), and
    a region that needs a channel of more than `max-tile-channel-bytes`
    is not formed (the loop over heads that token tiling makes of
    attention: its channels would hold a head's scores), and step 0
    renames only buffers that no op
    outside the loop, and none before the earlier writer, uses.

    Ping-pong weight buffers of the expert schedule (`m3sat.hls.stream_of`)
    stay in the top function. The computation is the same, in an order the
    dependences allow.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"fifo", "fifo", "bool", /*default=*/"true",
           "Connect stages that write and read a buffer in the same order "
           "by FIFOs (else every channel is a ping-pong buffer)">,
    Option<"maxTileChannelBytes", "max-tile-channel-bytes", "int64_t",
           /*default=*/"16384",
           "In a loop over token tiles, the most bytes a channel may hold "
           "(once shrunk to a tile); a region that needs a larger one is "
           "not formed (a head's scores in a loop over heads)">
  ];
  let statistics = [
    Statistic<"numRenamed", "num-renamed",
              "In-place updates given a buffer of their own">,
    Statistic<"numRegions", "num-regions", "DATAFLOW regions">,
    Statistic<"numStages", "num-stages", "Stages in DATAFLOW regions">,
    Statistic<"numFifos", "num-fifos", "FIFO channels">,
    Statistic<"numPipos", "num-pipos", "Ping-pong channels">,
    Statistic<"numTooLarge", "num-too-large",
              "Regions in loops over token tiles not formed: a channel would "
              "exceed max-tile-channel-bytes">,
    Statistic<"numShrunk", "num-shrunk",
              "Channels in loops over token tiles that hold one tile "
              "instead of the sequence">,
    Statistic<"numDeduplicated", "num-deduplicated",
              "Stage and region functions that compute as an earlier one "
              "does (its calls call that one)">
  ];
}

def HLSShareBuffers : Pass<"m3sat-hls-share-buffers", "::mlir::func::FuncOp"> {
  let summary = "Let temporaries with disjoint live ranges share one "
                "on-chip array";
  let description = [{
    Every `memref.alloc` of a function body is an on-chip array of its own
    in HLS C++. This pass computes each buffer's live range (from its
    allocation to its last use, a use inside a loop nest counting at the
    nest) and, in allocation order, gives a buffer the storage of an earlier
    buffer whose last use comes before it is allocated: the later
    allocation goes and its uses take the earlier one. Buffers only loaded
    and stored are first flattened to one dimension (each access computes
    its row-major offset) and share by element type: a buffer takes a dead
    one of its size, else the smallest dead one at most twice its size
    (with `grow`, else the largest smaller dead one, which grows).
    Buffers passed to calls share only with buffers of their type. Buffers
    with other users, and ping-pong weight buffers (`m3sat.hls.stream_of`),
    keep their own.

    ```mlir
    %a = memref.alloc() : memref<8xf32>
    ... uses of %a ...
    %b = memref.alloc() : memref<8xf32>   // after %a's last use
    ... uses of %b ...
    // becomes
    %a = memref.alloc() : memref<8xf32>
    ... uses of %a ...
    ... the uses of %b, on %a ...
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let options = [
    Option<"grow", "grow", "bool", /*default=*/"false",
           "A flat buffer with no dead buffer of its size or up to twice it "
           "takes the largest smaller dead one, which grows (else its own)">
  ];
  let statistics = [
    Statistic<"numShared", "num-shared",
              "Buffers that took the storage of an earlier one">
  ];
}

def HLSSharedLinear : Pass<"m3sat-hls-shared-linear", "::mlir::ModuleOp"> {
  let summary = "Compute every matrix product on one shared linear unit";
  let description = [{
    The Edge-MoE accelerator has one linear unit that attention, the dense
    FFN and the experts take turns on. Every loop nest that computes
    `C += X * Y` on f32 arrays (loop-level IR: perfectly nested `scf.for`
    loops from 0 by 1, index arithmetic between them, an innermost body
    that loads C, X and Y, multiplies, adds and stores C; indices linear in
    the induction variables once the floor divisions and remainders by
    constants that folded reshapes leave cancel: `d (x floordiv d) + x mod
    d` is `x`, and `x floordiv d` is 0 when `x` is in [0, d)) becomes a
    call of `@m3sat_linear(A, B, C, M,
    N, K, aOff, aM, aK, bOff, bK, bN, cOff, cM, cN)`, which computes
    `C[cOff + m cM + n cN] += A[aOff + m aM + k aK] * B[bOff + k bK + n
    bN]` for m < M, k < K, n < N in that loop order: the N loop innermost
    and pipelined, its iterations writing other elements of C (`m3sat.hls.
    independent`), so that a float accumulation does not hold it back.
    Each element of C receives the same additions in the same order as
    before. Loops that index all three arrays (batch, heads) stay around
    the call; values from outside the nest (an expert's index, a token
    group's size) become offsets and sizes. A nest with more than one
    reduction loop (a convolution) or indices that are not linear stays
    as it is.

    The unit is one function (`m3sat.hls.shared_unit`: not inlined, one
    instance), its arrays 1-D with the size of the largest array passed
    (`memref.reinterpret_cast` at the call sites); each call records its
    largest M, N and K (`m3sat.hls.linear_trips`) for the estimate.

    With `lanes=P` (P > 1) the unit has P constant lanes over N:
    `@m3sat_linear(A, B, C, M, N / P, K, aOff, aM, aK, bOff, bK, cOff, cM)`
    runs, for m < M, k < K, its pipelined loop over n0 < N / P, each
    iteration P explicit multiply-accumulates `C[(cOff + m cM + n0) P + j]
    += A[aOff + m aM + k aK] * B[(bOff + k bK + n0) P + j]`, j = 0 ... P -
    1 (B and C offsets and strides counted in groups of P elements). Lane j
    reads and writes element j modulo P, so with B and C partitioned
    cyclically by P (`m3sat-hls-partition-arrays`) each lane has its own
    banks. Only products whose N is a multiple of P, contiguous in B and
    C, with every other offset and stride of B and C a multiple of P go on
    the unit; the others stay loop nests, but for a weight port stored
    (out, in) (N strided, its offset a constant): it is copied into an
    on-chip [K][N] buffer before the nest (one per function, as large as
    its largest such weight), and the product reads that. The calls
    record `n = N / P`.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"1",
           "Constant lanes of the unit over N (1: one lane, any strides)">
  ];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numCalls", "num-calls", "Matrix products on the shared unit">,
    Statistic<"numTransposed", "num-transposed",
              "Weights copied to an on-chip [K][N] buffer for the lanes">
  ];
}

def HLSStageUnitOperands : Pass<"m3sat-hls-stage-unit-operands",
                                "::mlir::ModuleOp"> {
  let summary = "Copy the shared linear unit's operands from ports into "
                "on-chip buffers";
  let description = [{
    After m3sat-hls-shared-linear, a call of the unit may pass a port of
    the top function (an `m_axi` weight, input or output: an argument of a
    public function, or an argument that a caller passes one) as A, B or C,
    where other calls pass on-chip arrays. One synthesized instance of the
    unit needs one kind: each such operand becomes an on-chip buffer (one
    per function and operand, shared by its calls, of the unit's operand
    type) that loops fill from the port before the call (before the
    top-level op that holds it, when that op holds no other call of the
    unit) and, for C, copy back after it. The unit computes the same
    values from the copies.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numStaged", "num-staged", "Operands copied on chip">
  ];
}

def HLSStageWeightVectors : Pass<"m3sat-hls-stage-weight-vectors",
                                 "::mlir::ModuleOp"> {
  let summary = "Copy the weight vectors (biases) that a loop nest reads "
                "again and again from their port into an on-chip buffer "
                "before the nest";
  let description = [{
    A loop nest that adds a bias (or fills a buffer with one) reads the
    bias from its weight port (`m3sat.hls.weight`, an argument of a public
    function) once per token: the same element again in every iteration of
    an outer loop. m3sat-hls-partition-arrays' check-unrolls keeps no
    unroll of a loop that reads a port (an `m_axi` port serves one element
    a cycle), so such loops stay at one lane. For each top-level loop nest
    of a public function and each weight vector (a weight argument with a
    static shape of at most `max-elements` elements, all its dimensions but
    one of size 1, read by `memref.load` only) that the nest loads where

    - the innermost loop holding the load carries no iteration argument
      and has a constant trip count that `lanes` divides (the loops that
      `--hls-other-unroll` unrolls), and
    - an enclosing loop of the nest has an induction variable that the
      load's indices do not depend on (the element is read again),

    the vector is copied whole into an on-chip buffer (one per function and
    port type, shared by the nests: they run one after another) by a loop
    just before the nest, and those loads read the buffer at the same
    indices. The copy reads each element once (N cycles for N elements);
    the nest then reads the buffer, which m3sat-hls-partition-arrays banks
    for the lanes. The values are the same (the buffer has the activation
    type, which holds every weight value), so C simulation matches bit for
    bit.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"2",
           "The unroll factor of the loops that read the vectors: only "
           "loads in loops whose trip count it divides are staged">,
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"4096",
           "The largest vector staged, in elements">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numCopies", "num-copies", "Vectors copied on chip before a "
              "nest">,
    Statistic<"numLoads", "num-loads", "Loads that read the copy">
  ];
}

def HLSReductionLanes : Pass<"m3sat-hls-reduction-lanes",
                             "::mlir::ModuleOp"> {
  let summary = "Reductions into one buffer element run in lanes of "
                "partial results, combined after the loop";
  let description = [{
    A loop `for i < N { a = A[idx]; x = ...; A[idx] = f(a, x) }` (lower
    bound 0, step 1, N a multiple of `lanes` Q with N / Q >= 2, `idx` not
    depending on i, A and every array the body loads on-chip allocs, A
    loaded once at `idx` and stored once, no other op with an effect)
    where f is an addition (`arith.addf`, x not a product of two variables:
    those loops multiply-accumulate and `--hls-unroll` gives them lanes),
    `arith.maximumf` / `minimumf` / `maxnumf` / `minnumf`, or the form
    arith-expand-ops gives the first two (`cmpf ugt|ult`, `select`, `cmpf
    uno`, `select`), reads one element a cycle into one accumulator: the
    norms' and softmax's sums, softmax's maximum. It becomes a loop over
    N / Q groups carrying Q partial results (iteration arguments), lane j
    computing element i = Q * g + j as the body did, each lane starting
    from zero (a sum) or from A[idx] (a maximum or minimum), then f of
    A[idx] and the partials in lane order (for a maximum or minimum, of
    the partials), stored to A[idx]. The group loop reads Q consecutive
    elements of each array an iteration (m3sat-hls-partition-arrays
    splits them cyclically by Q), so the reduction takes N / Q
    iterations instead of N.

    A maximum or minimum is the same value in any order. A fixed-point sum
    too (ap_fixed additions wrap: they are exact modulo the type's range,
    so the order does not matter); a float sum rounds in another order
    (the partials' sums, then their sum).
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"2",
           "Partial results, each a lane (at least 2)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numReductions", "num-reductions",
              "Reductions split into lanes">
  ];
}

def HLSOnlineSoftmax : Pass<"m3sat-hls-online-softmax",
                            "::mlir::func::FuncOp"> {
  let summary = "Compute softmax in one pass over the row with a running "
                "maximum and sum";
  let description = [{
    Softmax as the FPGA accelerators compute it. The importer's softmax
    along an axis, on TOSA before lowering (`tosa.reduce_max`, `tosa.sub`,
    `tosa.exp`, `tosa.reduce_sum`, then `exp / sum` as a `linalg.generic`
    `arith.divf`, or `tosa.reciprocal` and `tosa.mul`), reads each row three
    times (maximum, exponentials and their sum, division) and keeps the
    exponentials in a buffer. It becomes two `linalg.generic` ops:

    1. one pass over the row (the axis a reduction loop) that keeps the
       running maximum `m` (from the row's first element, so that no
       difference involves -inf, which fixed point cannot hold) and the
       running sum `s` (from 0) of `exp(x - m)`: `m' = max(m, x)`,
       `s' = s exp(m - m') + exp(x - m')`; one of the two exponentials is
       `exp(0) = 1`, so each element takes one: `s' = s exp(m - x) + 1`
       when `x > m`, else `s + exp(x - m)` (and 1 when `x` and `m` are the
       same infinity);
    2. the normalisation `exp(x - m) / s`.

    The result is softmax up to rounding (the sum is rescaled as the maximum
    grows). Softmax whose intermediate values have other uses, or that is
    not on f32 tensors of static shape, stays as it is.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numRewritten", "num-rewritten", "Softmaxes made single-pass">
  ];
}

def HLSLutGelu : Pass<"m3sat-hls-lut-gelu", "::mlir::ModuleOp"> {
  let summary = "Compute GELU from a table with linear interpolation";
  let description = [{
    GELU as the FPGA accelerators compute it. Every exact GELU in
    loop-level IR, `0.5 x (1 + erf(x / sqrt 2))` (as `x / 1.41421` or
    `x * 0.707107`, then `erf`, `+ 1`, times `x` and `0.5` in either
    order), becomes a lookup in `@m3sat_gelu_table`, a constant global of
    GELU at `intervals + 1` points evenly spaced over `[-range, range]`,
    with linear interpolation between neighbours; below the range the
    result is 0, above it x. The erf chains go (and other arith and math
    ops without a use).

    The interpolation error is at most h^2/8 max|GELU''| (h the spacing;
    |GELU''| <= 0.8), plus at most 1.3e-14 from clamping at the default
    range 8 (GELU(-8) and 8 - GELU(8)); for the defaults (h = 1/64), about
    2.5e-5.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"range", "range", "double", /*default=*/"8.0",
           "The table covers [-range, range]">,
    Option<"intervals", "intervals", "int64_t", /*default=*/"1024",
           "Intervals of the table (it holds intervals + 1 values)">
  ];
  let statistics = [
    Statistic<"numReplaced", "num-replaced", "GELUs computed from the table">
  ];
}

def HLSShareLayers : Pass<"m3sat-hls-share-layers", "::mlir::ModuleOp"> {
  let summary = "Build the layers that compute alike once: identical loop "
                "nests of a top function become calls of one function";
  let description = [{
    The accelerators (M3ViT, Edge-MoE) build one engine per kind of layer
    and run every layer of that kind on it, block after block; an HLS top
    function that computes each layer in a loop nest of its own builds the
    arithmetic, the pipeline control and the address logic of each nest
    again, twelve times for twelve transformer blocks. This pass finds the
    top-level loop nests of each top function that compute alike: the same
    ops with the same attributes and constants (locations aside), over
    other arrays and scalars: for each array the other nest's array of the
    same element type in the same role (a function argument, with the same
    `m3sat.hls.port` kind: weights for weights; a local buffer, of the same
    type or, both one-dimensional, of any size), one to one; integer
    constants that are no loop's bound may differ (the offset of a head).
    Each class of
    at least two nests becomes a function (`m3sat.hls.shared_layer`: not
    inlined, one instance that its callers share) that takes the arrays
    and scalars the nest uses, one-dimensional local buffers at the
    largest size passed (`memref.reinterpret_cast` at the call sites) and
    the constants that differ, and each nest a call of it. The computation is the same op for op.

    Nests that call functions (expert schedules, DATAFLOW regions, the
    shared linear unit) or yield values stay as they are, as does every
    DATAFLOW region.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numLayers", "num-layers", "Shared layer functions built">,
    Statistic<"numCalls", "num-calls", "Loop nests that became their calls">
  ];
}

def HLSTokenTiling : Pass<"m3sat-hls-token-tiling", "::mlir::ModuleOp"> {
  let summary = "Run consecutive token-wise loop nests tile by tile and "
                "keep one tile of the buffers between them";
  let description = [{
    Token tiling, as the accelerators process a sequence: the layers that
    treat each token on its own (linear layers, the MLP, layer norms,
    residual additions, GELU) run on a tile of tokens before the next tile
    starts, so the activations between them hold a tile, not the sequence.
    Attention, which needs all of K and V, stays whole.

    In each public function, consecutive top-level loop nests `scf.for %t =
    0 to N step 1` (the same N, a multiple of `tile` and larger than it;
    between them only constants and allocations) whose bodies touch memory
    only by loads and stores of the function's buffers and arguments are
    fused into one loop over the N / tile tiles, in which each nest runs
    over the tile's tokens in turn (the nest's counter becomes
    `tile index * tile + t`; with `tile` 1 the tile index itself). A nest
    joins the nests before it when every buffer that it and they both
    access, one of them writing, is accessed row by row in both: every
    access indexes one dimension, the same one, by the nest's counter and
    no other dimension by a value that depends on it. Then each token's
    work sees the values the unfused nests gave it, in the same order: the
    computation is the same, op for op.

    A buffer of the function body (`memref.alloc`) that only loops over
    tiles use, every load and store indexing one dimension of size N by the
    token, and that each such loop writes whole rows of before it reads
    them (no value passes from one tile or loop to the next), shrinks to
    `tile` rows along it.

    The weights of a tile's matrix products are read by
    m3sat-hls-weight-tiles, which runs after this pass.

    ```mlir
    scf.for %t = %c0 to %c128 step %c1 {   // h[t, :] = f(x[t, :])
    scf.for %t = %c0 to %c128 step %c1 {   // y[t, :] = g(h[t, :])
    // becomes, with tile 1 (h: memref<1x768xf32>)
    scf.for %t = %c0 to %c128 step %c1 {   // h[0, :] = f(x[t, :])
                                           // y[t, :] = g(h[0, :])
    ```
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"tile", "tile", "int64_t", /*default=*/"1",
           "Tokens per tile (nests whose trip count it does not divide "
           "stay as they are)">
  ];
  let statistics = [
    Statistic<"numFused", "num-fused", "Loops over tiles built">,
    Statistic<"numNests", "num-nests", "Loop nests fused into them">,
    Statistic<"numTooLarge", "num-too-large",
              "Regions in loops over token tiles not formed: a channel would "
              "exceed max-tile-channel-bytes">,
    Statistic<"numShrunk", "num-shrunk", "Buffers shrunk to one tile">
  ];
}

def HLSWeightTiles : Pass<"m3sat-hls-weight-tiles", "::mlir::ModuleOp"> {
  let summary = "Stream a tile's dense weights from their port through two "
                "on-chip buffers: one tile of rows loads while the other "
                "computes";
  let description = [{
    In a loop over tiles of tokens (`m3sat.hls.token_tiles`, after
    m3sat-hls-token-tiling), a matrix product
    `for k < K { for n < N { C[..] += X[..] * W[c.., k, n] } }` (inside a
    loop over the tile's T tokens when T > 1; W a weight port, `m3sat.hls.weight`, that nothing stores to,
    read once in the body at constants, k and n; with T > 1, C the one
    array stored to, read at the stored indices only, which depend on t and
    not on k) reads every weight once per token. It becomes, as the
    accelerators stream their weights:

    1. two on-chip buffers (`memref.alloc` with `m3sat.hls.stream_of`),
       shared by every product of the function with that element type (the
       products run one after another), each holding one tile of R rows of
       W: R the largest divisor of K with R * N elements in `tile-bytes`
       (one row at least);
    2. tile 0 loaded into ping (`<func>_wtile_load`: one burst of R rows),
       then a loop over the K / R tiles whose step j calls
       `<func>_wtile_step`, a DATAFLOW function (`m3sat.hls.dataflow`)
       that loads tile j + 1 (if any) into one buffer while
       `<func>_wtile_compute` computes rows j * R ... j * R + R - 1 from the
       other: `for i < R { for n < N { C[..] += X[.., k] *
       buf[i * N + n] } }` with k = j * R + i (with T > 1, the loop over
       the tokens between the two). Even steps compute from
       ping, odd ones from pong (`m3sat.hls.shared_branches`).

    Each element of C receives the same additions in the same order (the k
    order; with T > 1 the tile's tokens write other elements of C), so C
    simulation matches bit for bit. Each weight is read from the port once
    per tile of tokens. Products of the same shape in other layers call the
    same three functions.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"tileBytes", "tile-bytes", "int64_t", /*default=*/"4096",
           "Bytes of one weight tile (each of the two buffers): the rows "
           "per tile are the most that divide K and fit">
  ];
  let statistics = [
    Statistic<"numProducts", "num-products",
              "Matrix products whose weights stream through weight tiles">,
    Statistic<"numFunctions", "num-functions",
              "Load, compute and step functions built">
  ];
}

def HLSUnitWeightTiles : Pass<"m3sat-hls-unit-weight-tiles",
                              "::mlir::ModuleOp"> {
  let summary = "Stream the shared linear unit's weight operands from their "
                "port through two on-chip tiles: one tile of rows loads "
                "while the unit computes from the other";
  let description = [{
    After m3sat-hls-shared-linear, a call of the unit (`m3sat.hls.shared_unit`)
    in a public function whose B is a whole weight port (`m3sat.hls.weight`,
    all dimensions but the last two of size 1, the last N and the one
    before it K: the call reads row k of B at k * N, its N elements
    contiguous; A and C not ports) would have the port copied whole into an on-chip buffer
    before the call (m3sat-hls-stage-unit-operands), one element a cycle,
    and the unit wait for it. It becomes, as the accelerators stream their
    weights:

    1. two on-chip buffers (ping, pong) of the unit's operand type, shared
       by every such call of the function (they run one after another),
       each holding R rows of B: R the largest divisor of K with R * N
       elements in `tile-bytes` (one row at least);
    2. tile 0 loaded into ping (`<func>_utile_load`), then a loop over the
       K / R tiles whose step j calls `<func>_utile_step`, a DATAFLOW
       function (`m3sat.hls.dataflow`) that loads tile j + 1 (if any) into
       one buffer while `<func>_utile_compute` calls the unit on rows
       j * R ... j * R + R - 1 from the other (K = R, A's offset moved by
       j * R columns, B's offset 0 and its row stride N). Even steps
       compute from ping, odd ones from pong (`m3sat.hls.shared_branches`).

    A call whose B is the on-chip [K][N] buffer that m3sat-hls-shared-linear
    fills from a weight port stored (out, in) just before it (a nest for
    k < K, for n < N storing the port's element at buffer[k * N + n], only
    constants and views between it and the call) streams the same way: the
    load reads row k of the tile as that nest's body computes it (column k
    of the port, its elements K apart), the nest goes, and the buffer too
    once no call reads it.

    Each element of C receives the same additions in the same order (the k
    order), so C simulation matches bit for bit. A step costs the longer of
    its load and its compute: with M rows of A and P lanes, M * R * N / P
    cycles of compute hide the R * N of the load when M >= P.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"tileBytes", "tile-bytes", "int64_t", /*default=*/"4096",
           "Bytes of one weight tile (each of the two buffers): the rows "
           "per tile are the most that divide K and fit">
  ];
  let statistics = [
    Statistic<"numCalls", "num-calls",
              "Unit calls whose weights stream through tiles">,
    Statistic<"numCopiesRemoved", "num-copies-removed",
              "On-chip [K][N] copies of (out, in) weights that the tiles "
              "replace">,
    Statistic<"numFunctions", "num-functions",
              "Load, compute and step functions built">
  ];
}

#endif // M3SAT_TARGET_HLS_TRANSFORMS_PASSES_TD
