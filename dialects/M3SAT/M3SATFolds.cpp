//===- M3SATFolds.cpp - m3sat folders and canonicalizers ------------------===//
//
// Folding of routing with constant logits: m3sat.route folds to constant
// indices and weights, and an MoE layer whose constant router logits are the
// same for every token becomes a layer with a static expert set.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATOps.h"
#include "M3SAT/M3SATRouting.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace m3sat;

FailureOr<SmallVector<float>> m3sat::getConstantFloats(Value value) {
  ElementsAttr elements;
  if (!value || !matchPattern(value, m_Constant(&elements)))
    return failure();
  // Values that compile-time evaluation computed are f32 resource blobs.
  if (auto blob = dyn_cast<DenseF32ResourceElementsAttr>(elements)) {
    std::optional<ArrayRef<float>> data = blob.tryGetAsArrayRef();
    if (!data)
      return failure();
    return SmallVector<float>(data->begin(), data->end());
  }
  auto attr = dyn_cast<DenseFPElementsAttr>(elements);
  if (!attr)
    return failure();
  SmallVector<float> values;
  values.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool losesInfo = false;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToFloat());
  }
  return values;
}

//===----------------------------------------------------------------------===//
// RouteOp
//===----------------------------------------------------------------------===//

LogicalResult RouteOp::fold(FoldAdaptor adaptor,
                            SmallVectorImpl<OpFoldResult> &results) {
  auto logits = dyn_cast_if_present<DenseFPElementsAttr>(adaptor.getLogits());
  auto indicesType = cast<RankedTensorType>(getIndices().getType());
  auto weightsType = cast<RankedTensorType>(getWeights().getType());
  if (!logits || !indicesType.hasStaticShape() || !weightsType.hasStaticShape())
    return failure();
  FailureOr<SmallVector<float>> values = getConstantFloats(getLogits());
  if (failed(values))
    return failure();

  int64_t numExperts = logits.getType().getShape().back();
  int64_t k = getK();
  const llvm::fltSemantics &semantics =
      cast<FloatType>(weightsType.getElementType()).getFloatSemantics();
  SmallVector<APInt> indices;
  SmallVector<APFloat> weights;
  SmallVector<int64_t> rowExperts;
  SmallVector<float> rowWeights;
  for (size_t row = 0; row * numExperts < values->size(); ++row) {
    routeToken(ArrayRef<float>(*values).slice(row * numExperts, numExperts), k,
               getNormalize(), rowExperts, rowWeights);
    for (int64_t i = 0; i < k; ++i) {
      indices.push_back(APInt(64, rowExperts[i]));
      APFloat w(rowWeights[i]);
      bool losesInfo = false;
      w.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      weights.push_back(w);
    }
  }
  results.push_back(DenseElementsAttr::get(indicesType, indices));
  results.push_back(DenseElementsAttr::get(weightsType, weights));
  return success();
}

//===----------------------------------------------------------------------===//
// MoE layers: constant routing becomes a static expert set
//===----------------------------------------------------------------------===//

/// Returns the value whose rows are the router logits of every token: the
/// input of a `linalg.broadcast` that only adds token dimensions (the shape
/// task-level routing has once the task is bound), else `logits` itself.
static Value lookThroughTokenBroadcast(Value logits) {
  auto broadcast = logits.getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast)
    return logits;
  int64_t expertDim = cast<RankedTensorType>(logits.getType()).getRank() - 1;
  if (llvm::is_contained(broadcast.getDimensions(), expertDim))
    return logits;
  return broadcast.getInput();
}

namespace {
/// Rewrites an MoE layer with constant router logits that are equal for every
/// token into the same layer with a `#m3sat.expert_set`: routing no longer
/// depends on the token, so the experts and their weights are constants.
template <typename MoEOp>
struct StaticRoutingFromConstantLogits : OpRewritePattern<MoEOp> {
  using OpRewritePattern<MoEOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(MoEOp op,
                                PatternRewriter &rewriter) const override {
    Value logits = op.getRouterLogits();
    FailureOr<SmallVector<float>> values =
        getConstantFloats(lookThroughTokenBroadcast(logits));
    if (failed(values) || values->empty())
      return rewriter.notifyMatchFailure(op, "router logits not constant");
    int64_t numExperts =
        cast<RankedTensorType>(logits.getType()).getShape().back();
    if (!allRowsEqual(*values, numExperts))
      return rewriter.notifyMatchFailure(op, "routing depends on the token");

    SmallVector<int64_t> experts;
    SmallVector<float> weights;
    routeToken(ArrayRef<float>(*values).take_front(numExperts), op.getK(),
               op.getNormalize(), experts, weights);
    auto set = ExpertSetAttr::get(op.getContext(), experts, weights);
    rewriter.modifyOpInPlace(op, [&] {
      op.getRouterLogitsMutable().clear();
      op.setStaticExpertsAttr(set);
      // The set's weights are final: renormalization, if asked for, is done.
      op.setNormalize(false);
    });
    return success();
  }
};
} // namespace

void MoEFFNOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<StaticRoutingFromConstantLogits<MoEFFNOp>>(context);
}

void MoEAttentionOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                 MLIRContext *context) {
  patterns.add<StaticRoutingFromConstantLogits<MoEAttentionOp>>(context);
}
