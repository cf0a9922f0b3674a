//===- Passes.td - m3sat compile-time evaluation -----------*- tablegen -*-===//

#ifndef M3SAT_CONSTEVAL_PASSES_TD
#define M3SAT_CONSTEVAL_PASSES_TD

include "mlir/Pass/PassBase.td"

def JitEvalConstants : Pass<"m3sat-jit-eval-constants", "::mlir::ModuleOp"> {
  let summary = "Evaluate constant subgraphs at compile time with the CPU backend";
  let description = [{
    Finds, in every function, the ops whose operands are all constants
    (transitively) and whose results are static tensors of at most
    `max-elements` elements, compiles that subgraph with m3sat's own CPU
    pipeline, runs it with MLIR's ExecutionEngine, and replaces the values
    the rest of the function uses with constants. Whatever the importer
    produced for a gate computation (Gather of a task embedding, Gemm with
    the gate, Unsqueeze/Expand over the tokens, a concatenated task one-hot
    ...) thus folds once the task selector is bound, and task-level routing
    becomes a constant that canonicalization turns into a static expert set.
    Weights transformed by constant ops (transposes of Linear weights) are
    precomputed the same way. The same idea as IREE's JIT const-eval.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1048576",
           "Largest result (elements) worth precomputing">
  ];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Values replaced by constants">
  ];
}

#endif // M3SAT_CONSTEVAL_PASSES_TD
