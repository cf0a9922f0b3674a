//===- ExpertMajor.cpp - MoE FFN layers to expert-major form --------------===//
//
// Implements m3sat-expert-major: token-routed m3sat.moe_ffn layers become
// route -> dispatch -> grouped_matmul -> activation -> grouped_matmul ->
// combine, so each expert runs once over the contiguous rows of its tokens.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/ExpertMath.h"
#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/Patterns.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_EXPERTMAJOR
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct MoEFFNToExpertMajor : OpRewritePattern<MoEFFNOp> {
  MoEFFNToExpertMajor(MLIRContext *context, int64_t minTokens)
      : OpRewritePattern(context), minTokens(minTokens) {}

  LogicalResult matchAndRewrite(MoEFFNOp op,
                                PatternRewriter &rewriter) const override {
    Value logits = op.getRouterLogits();
    if (!logits)
      return rewriter.notifyMatchFailure(op, "static routing needs no sort");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto fc1Type = cast<RankedTensorType>(op.getFc1Weights().getType());
    if (!inputType.hasStaticShape() || !fc1Type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t numTokens =
        inputType.getNumElements() / inputType.getShape().back();
    if (numTokens < minTokens)
      return rewriter.notifyMatchFailure(op, "fewer tokens than min-tokens");

    Location loc = op.getLoc();
    Type elementType = inputType.getElementType();
    int64_t k = op.getK();
    int64_t numExperts = fc1Type.getDimSize(0);
    int64_t fc1Rows = fc1Type.getDimSize(1);
    int64_t model = inputType.getShape().back();
    int64_t rows = numTokens * k;

    Value tokens = collapseToRows(rewriter, loc, op.getInput());
    Value tokenLogits = collapseToRows(rewriter, loc, logits);
    auto route = RouteOp::create(
        rewriter, loc,
        RankedTensorType::get({numTokens, k}, rewriter.getI64Type()),
        RankedTensorType::get({numTokens, k}, elementType), tokenLogits,
        rewriter.getI64IntegerAttr(k), op.getNormalizeAttr());
    auto dispatch = DispatchOp::create(
        rewriter, loc, RankedTensorType::get({rows, model}, elementType),
        RankedTensorType::get({rows}, rewriter.getI64Type()),
        RankedTensorType::get({numExperts + 1}, rewriter.getI64Type()), tokens,
        route.getIndices(), rewriter.getI64IntegerAttr(numExperts));
    Value up = GroupedMatmulOp::create(
        rewriter, loc, RankedTensorType::get({rows, fc1Rows}, elementType),
        dispatch.getSorted(), op.getFc1Weights(), dispatch.getOffsets(),
        op.getFc1Bias());
    Value activated =
        buildExpertActivation(rewriter, loc, up, expertActivation(op));
    Value down = GroupedMatmulOp::create(
        rewriter, loc, RankedTensorType::get({rows, model}, elementType),
        activated, op.getFc2Weights(), dispatch.getOffsets(), op.getFc2Bias());
    Value combined = CombineOp::create(
        rewriter, loc, RankedTensorType::get({numTokens, model}, elementType),
        down, dispatch.getPermutation(), route.getWeights());
    rewriter.replaceOp(op, expandFromRows(rewriter, loc, combined, inputType));
    return success();
  }

  int64_t minTokens;
};

struct ExpertMajorPass : m3sat::impl::ExpertMajorBase<ExpertMajorPass> {
  using Base::Base;

  void runOnOperation() override {
    auto countLayers = [&] {
      int64_t count = 0;
      getOperation().walk([&](MoEFFNOp) { ++count; });
      return count;
    };
    int64_t before = countLayers();
    RewritePatternSet patterns(&getContext());
    populateExpertMajorPatterns(patterns, minTokens);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    numRewritten += before - countLayers();
  }
};

} // namespace

void m3sat::populateExpertMajorPatterns(RewritePatternSet &patterns,
                                        int64_t minTokens) {
  patterns.add<MoEFFNToExpertMajor>(patterns.getContext(), minTokens);
}
