//===- Passes.td - m3sat analysis passes -------------------*- tablegen -*-===//

#ifndef M3SAT_ANALYSIS_PASSES_TD
#define M3SAT_ANALYSIS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CostReport : Pass<"m3sat-cost-report", "::mlir::ModuleOp"> {
  let summary = "Report FLOPs, parameter and activation bytes per function";
  let description = [{
    Prints, for every function with a body, its cost under m3sat's cost
    model (see m3sat/Analysis/CostModel.h): per layer and in total,
    floating-point operations, parameter bytes (constant tensors and weight
    arguments, each counted once) and activation bytes (results written).
    MoE layers count the experts their routing visits (k per token, or the
    static set). The IR is not changed.
  }];
  let options = [
    Option<"json", "json", "bool", /*default=*/"false",
           "Print JSON instead of a table">
  ];
}

#endif // M3SAT_ANALYSIS_PASSES_TD
