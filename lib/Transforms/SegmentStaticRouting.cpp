//===- SegmentStaticRouting.cpp - per-segment static expert sets ----------===//
//
// Implements m3sat-segment-static-routing.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/ExpertSelection.h"
#include "m3sat/Transforms/Passes.h"

#include "M3SAT/M3SATOps.h"
#include "M3SAT/M3SATRouting.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/FormatVariadic.h"

namespace m3sat {
#define GEN_PASS_DEF_SEGMENTSTATICROUTING
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// The routing of one token: its experts and their weights.
struct TokenRoute {
  SmallVector<int64_t> experts;
  SmallVector<float> weights;

  bool operator==(const TokenRoute &other) const {
    return experts == other.experts && weights == other.weights;
  }
};

/// A run of consecutive token positions [begin, end) that route alike.
struct Segment {
  int64_t begin, end;
  TokenRoute route;
};

/// Splits the token positions of a layer with constant router `logits`
/// ([T, E] or [B, S, E]; positions are T, or S with every batch row at a
/// position required to route alike) into runs that route alike. Fails when
/// some position routes differently across the batch.
FailureOr<SmallVector<Segment>> segmentByRoute(ArrayRef<float> logits,
                                               ArrayRef<int64_t> shape,
                                               int64_t k, bool normalize) {
  int64_t numExperts = shape.back();
  int64_t positions = shape[shape.size() - 2];
  int64_t batch = shape.size() == 3 ? shape[0] : 1;
  auto routeRow = [&](int64_t row) {
    TokenRoute route;
    routeToken(logits.slice(row * numExperts, numExperts), k, normalize,
               route.experts, route.weights);
    return route;
  };
  SmallVector<Segment> segments;
  for (int64_t p = 0; p < positions; ++p) {
    TokenRoute route = routeRow(p);
    for (int64_t b = 1; b < batch; ++b)
      if (!(routeRow(b * positions + p) == route))
        return failure();
    if (!segments.empty() && segments.back().route == route)
      segments.back().end = p + 1;
    else
      segments.push_back({p, p + 1, std::move(route)});
  }
  return segments;
}

struct SegmentStaticRoutingPass
    : m3sat::impl::SegmentStaticRoutingBase<SegmentStaticRoutingPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> layers;
    getOperation().walk([&](Operation *op) {
      if (isa<MoEFFNOp, MoEAttentionOp>(op))
        layers.push_back(op);
    });
    for (auto [index, op] : llvm::enumerate(layers)) {
      if (auto ffn = dyn_cast<MoEFFNOp>(op))
        segment(ffn, index);
      else
        segment(cast<MoEAttentionOp>(op), index);
    }
  }

  /// Attention keeps attending to every token: its keys and values come
  /// from the whole input (`kv_source`), its queries from the run.
  static void keepKeysAndValues(MoEFFNOp, MoEFFNOp) {}
  static void keepKeysAndValues(MoEAttentionOp original, MoEAttentionOp layer) {
    layer.getKvSourceMutable().assign(original.getKeyValueInput());
  }

  template <typename MoEOp> void segment(MoEOp op, unsigned index) {
    Value logits = op.getRouterLogits();
    if (!logits)
      return;
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto logitsType = cast<RankedTensorType>(logits.getType());
    if (!inputType.hasStaticShape() || !logitsType.hasStaticShape())
      return;
    FailureOr<SmallVector<float>> values = getConstantFloats(logits);
    if (failed(values) ||
        static_cast<int64_t>(values->size()) != logitsType.getNumElements())
      return;
    FailureOr<SmallVector<Segment>> segments = segmentByRoute(
        *values, logitsType.getShape(), op.getK(), op.getNormalize());
    if (failed(segments) ||
        static_cast<int64_t>(segments->size()) > maxSegments)
      return;

    OpBuilder builder(op);
    Location loc = op.getLoc();
    std::string name = moeLayerName(op, index);
    int64_t tokenDim = inputType.getRank() - 2;
    SmallVector<Value> parts;
    for (const Segment &segment : *segments) {
      Value part = op.getInput();
      if (segments->size() > 1) {
        SmallVector<int64_t> offsets(inputType.getRank(), 0);
        SmallVector<int64_t> sizes(inputType.getShape());
        SmallVector<int64_t> strides(inputType.getRank(), 1);
        offsets[tokenDim] = segment.begin;
        sizes[tokenDim] = segment.end - segment.begin;
        MLIRContext *context = op.getContext();
        part = tensor::ExtractSliceOp::create(
            builder, loc, op.getInput(),
            getAsIndexOpFoldResult(context, offsets),
            getAsIndexOpFoldResult(context, sizes),
            getAsIndexOpFoldResult(context, strides));
      }
      auto layer = cast<MoEOp>(builder.clone(*op));
      layer.getInputMutable().assign(part);
      if (segments->size() > 1)
        keepKeysAndValues(op, layer);
      layer.getRouterLogitsMutable().clear();
      layer.getOutput().setType(cast<RankedTensorType>(part.getType()));
      layer.setK(segment.route.experts.size());
      // The set's weights are final: renormalization, if asked for, is done.
      layer.setNormalize(false);
      layer.setStaticExpertsAttr(ExpertSetAttr::get(
          op.getContext(), segment.route.experts, segment.route.weights));
      if (segments->size() > 1)
        layer->setLoc(NameLoc::get(
            builder.getStringAttr(
                llvm::formatv("{0}[{1}:{2}]", name, segment.begin, segment.end)
                    .str()),
            loc));
      parts.push_back(layer.getOutput());
    }
    Value result = parts.front();
    if (parts.size() > 1)
      result = tensor::ConcatOp::create(builder, loc, tokenDim, parts);
    op.getOutput().replaceAllUsesWith(result);
    op.erase();
    ++numLayers;
    numSegments += segments->size();
  }
};

} // namespace
