//===- Passes.td - HLS emission preparation ----------------*- tablegen -*-===//
//
// Passes that make loop-level IR printable as HLS C++: static buffer sizes
// and trip counts, and the attributes from which the emitter prints pragmas
// (pipelining, unrolling, array partitioning).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_PREPARE_PASSES_TD
#define M3SAT_TARGET_HLS_PREPARE_PASSES_TD

include "mlir/Pass/PassBase.td"

def HLSBoundAllocs : Pass<"m3sat-hls-bound-allocs", "::mlir::func::FuncOp"> {
  let summary = "Give dynamically sized buffers the static size of their "
                "upper bound";
  let description = [{
    HLS C++ arrays have a size fixed at compile time. In loop-level IR
    (after linalg-to-loops and memref alias folding) a `memref.alloc` or
    `memref.alloca` with dynamic sizes, such as an expert's group of tokens
    in the expert-major MoE form, becomes an allocation of the largest size
    its dynamic sizes can take, as the integer range analysis proves it.
    Loads and stores keep their indices (they stay below the actual size,
    so inside the larger buffer) and `memref.dim` of the buffer becomes the
    size it was allocated with. A dynamic size without a proven bound, or a
    user other than load, store, dim and dealloc, is an error.

    ```mlir
    %buf = memref.alloc(%n) : memref<?x32xf32>   // %n in [0, 12]
    // becomes
    %buf = memref.alloc() : memref<12x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numBounded", "num-bounded", "Buffers given a static size">
  ];
}

def HLSTripCounts : Pass<"m3sat-hls-trip-counts", "::mlir::func::FuncOp"> {
  let summary = "Record the largest trip count of loops with run-time bounds";
  let description = [{
    Sets `m3sat.hls.max_trip_count = <n> : i64` on every `scf.for` whose
    bounds are not constants (an expert's token group, say), n being the
    largest trip count the integer range analysis proves. The HLS C++
    emitter prints it as `#pragma HLS LOOP_TRIPCOUNT max=<n>` (so that
    Vitis HLS can report latency) and the estimate report counts the loop
    at n. A loop without a proven bound is an error.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::scf::SCFDialect"];
}

def HLSAnnotateLoops : Pass<"m3sat-hls-annotate-loops", "::mlir::func::FuncOp"> {
  let summary = "Mark innermost scf.for loops for pipelining";
  let description = [{
    Sets `m3sat.hls.pipeline_ii = <ii> : i64` on every `scf.for` that has
    no loop and no call nested inside it; the HLS C++ emitter prints it as
    `#pragma HLS PIPELINE II=<ii>`. Loops that already carry the attribute
    keep it.

    ```mlir
    scf.for %j = %c0 to %c16 step %c1 {
      ...
    } {m3sat.hls.pipeline_ii = 1 : i64}
    ```
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"initiationInterval", "ii", "int64_t", /*default=*/"1",
           "Initiation interval to request">,
    Option<"unroll", "unroll", "int64_t", /*default=*/"1",
           "Unroll factor for pipelined loops whose constant trip count it "
           "divides (m3sat.hls.unroll, printed as #pragma HLS UNROLL)">,
    Option<"productsOnly", "products-only", "bool", /*default=*/"false",
           "Unroll only loops that multiply-accumulate (add the product of "
           "two non-constant values, or an fma of them): matrix products, "
           "convolutions, attention's scores; not copies, transposes, "
           "fills or scalings by a constant">,
    Option<"otherUnroll", "other-unroll", "int64_t", /*default=*/"1",
           "With products-only: the unroll factor of the pipelined loops that "
           "do not multiply-accumulate (elementwise ops, softmax, "
           "transposes, fills) and carry no value from one iteration to the "
           "next (no iteration arguments); m3sat-hls-partition-arrays' "
           "check-unrolls keeps the unroll only where every array they "
           "access gets the banks it needs">
  ];
  let statistics = [
    Statistic<"numPipelined", "num-pipelined", "Loops marked for pipelining">,
    Statistic<"numUnrolled", "num-unrolled", "Pipelined loops unrolled">,
    Statistic<"numOthersUnrolled", "num-others-unrolled",
              "Pipelined loops that do not multiply-accumulate unrolled by "
              "other-unroll (to be checked)">,
    Statistic<"numNotProducts", "num-not-products",
              "Pipelined loops left rolled with products-only: they do not "
              "multiply-accumulate">
  ];
}

def HLSPartitionArrays : Pass<"m3sat-hls-partition-arrays",
                              "::mlir::ModuleOp"> {
  let summary = "Partition on-chip arrays that a pipelined loop accesses "
                "through more than two ports";
  let description = [{
    An on-chip memory has two ports. In a pipelined loop (`m3sat.hls.
    pipeline_ii`) unrolled `U` times (`m3sat.hls.unroll`, else 1), each
    load or store of an array whose index changes with the loop counts `U`
    accesses per iteration (one when the index is loop-invariant: the copies
    share the element). When an array needs more than two, and an index
    dimension moves with unit stride along the loop, the `memref.alloc` of
    the array (followed through call arguments to every array passed in)
    gets `m3sat.hls.partition = #m3sat.hls_partition<dim = D, factor = F>`
    (D 1-based): a cyclic partition of that dimension by `U` (or by half the accesses
    when not unrolled), which the HLS C++ emitter prints as `#pragma HLS
    ARRAY_PARTITION variable=... cyclic factor=F dim=D`. The reduction
    dimension of a matrix product unrolled `U` times is split into `U`
    banks. Ports (m_axi) are not partitioned.

    With `check-unrolls`, an unrolled loop that does not multiply-accumulate
    (m3sat-hls-annotate-loops' other-unroll) keeps its unroll only if each of its
    copies gets its own bank of every array it accesses: each access's
    index is invariant (a load) or moves along one dimension by one per
    iteration, at most two such accesses per array, every array it may be
    an on-chip `memref.alloc` (not a port, not a constant table) partitioned
    along that dimension by a multiple of `U` (through a flattening view,
    the alloc's last dimension a multiple of the factor). Otherwise the
    unroll goes and the partitions are chosen again without it.
  }];
  let dependentDialects = ["::m3sat::M3SATDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"checkUnrolls", "check-unrolls", "bool", /*default=*/"false",
           "Unrolled loops that do not multiply-accumulate keep the unroll "
           "only where every array they access gets a bank per copy">
  ];
  let statistics = [
    Statistic<"numPartitioned", "num-partitioned", "Arrays partitioned">,
    Statistic<"numUnrollsDropped", "num-unrolls-dropped",
              "Checked unrolls removed: an array they access lacks the "
              "banks">
  ];
}

#endif // M3SAT_TARGET_HLS_PREPARE_PASSES_TD
