//===- CostReport.cpp - the m3sat-cost-report pass ------------------------===//

#include "m3sat/Analysis/CostModel.h"
#include "m3sat/Analysis/Passes.h"

namespace m3sat {
#define GEN_PASS_DEF_COSTREPORT
#include "m3sat/Analysis/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct CostReportPass : m3sat::impl::CostReportBase<CostReportPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::json::Object functions;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FunctionCost cost = functionCost(func);
      if (json)
        functions[func.getSymName()] = costToJSON(cost);
      else
        printCostTable(llvm::outs(), "@" + func.getSymName().str(), cost);
    }
    if (json)
      llvm::outs() << llvm::formatv("{0:2}",
                                    llvm::json::Value(std::move(functions)))
                   << "\n";
    markAllAnalysesPreserved();
  }
};

} // namespace
