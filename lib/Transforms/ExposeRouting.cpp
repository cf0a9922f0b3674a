//===- ExposeRouting.cpp - return routing decisions for profiling ---------===//
//
// Implements m3sat-expose-routing: token-routed MoE layers also return
// their top-k experts and routing weights, which m3sat-profile counts.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "m3sat/Transforms/ExpertMath.h"
#include "m3sat/Transforms/ExpertSelection.h"

#include "M3SAT/M3SATOps.h"

namespace m3sat {
#define GEN_PASS_DEF_EXPOSEROUTING
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct ExposeRoutingPass : m3sat::impl::ExposeRoutingBase<ExposeRoutingPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    OpBuilder builder(func.getContext());
    SmallVector<Value> results(returnOp.getOperands());
    SmallVector<std::string> names;
    SmallVector<Attribute> layers;
    unsigned index = 0;
    func.walk([&](Operation *op) {
      if (!isa<MoEFFNOp, MoEAttentionOp>(op))
        return;
      std::string layer = moeLayerName(op, index++);
      Value logits;
      int64_t k, numExperts;
      bool normalize;
      if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
        logits = ffn.getRouterLogits();
        k = ffn.getK();
        normalize = ffn.getNormalize();
        numExperts = ffn.getNumExperts();
      } else {
        auto attention = cast<MoEAttentionOp>(op);
        logits = attention.getRouterLogits();
        k = attention.getK();
        normalize = attention.getNormalize();
        numExperts = attention.getNumExperts();
      }
      if (!logits)
        return;
      builder.setInsertionPointAfter(op);
      auto logitsType = cast<RankedTensorType>(logits.getType());
      SmallVector<int64_t> shape(logitsType.getShape());
      shape.back() = k;
      auto route = RouteOp::create(
          builder, op->getLoc(),
          RankedTensorType::get(shape, builder.getI64Type()),
          RankedTensorType::get(shape, logitsType.getElementType()), logits,
          builder.getI64IntegerAttr(k),
          normalize ? builder.getUnitAttr() : nullptr);
      results.push_back(
          collapseToRows(builder, op->getLoc(), route.getIndices()));
      results.push_back(
          collapseToRows(builder, op->getLoc(), route.getWeights()));
      names.push_back("m3sat.routing." + layer + ".indices");
      names.push_back("m3sat.routing." + layer + ".weights");
      layers.push_back(builder.getDictionaryAttr(
          {builder.getNamedAttr("name", builder.getStringAttr(layer)),
           builder.getNamedAttr("experts",
                                builder.getI64IntegerAttr(numExperts)),
           builder.getNamedAttr("k", builder.getI64IntegerAttr(k))}));
    });
    if (layers.empty())
      return;

    unsigned oldResults = func.getNumResults();
    for (auto [i, name] : llvm::enumerate(names)) {
      Value result = results[oldResults + i];
      if (failed(func.insertResult(
              oldResults + i, result.getType(),
              builder.getDictionaryAttr(builder.getNamedAttr(
                  "m3sat.name", builder.getStringAttr(name))))))
        return signalPassFailure();
    }
    returnOp->setOperands(results);
    func->setAttr("m3sat.routing_layers", builder.getArrayAttr(layers));
  }
};

} // namespace
