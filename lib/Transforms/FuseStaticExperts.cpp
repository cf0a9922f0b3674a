//===- FuseStaticExperts.cpp - static expert sets as one dense FFN --------===//
//
// Implements m3sat-fuse-static-experts.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "M3SAT/M3SATOps.h"

namespace m3sat {
#define GEN_PASS_DEF_FUSESTATICEXPERTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// `perExpert` [n, A, B] as [1, n*A, B].
Value stackExperts(OpBuilder &b, Location loc, Value perExpert) {
  auto type = cast<RankedTensorType>(perExpert.getType());
  auto flat = tensor::CollapseShapeOp::create(
      b, loc, perExpert, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  return tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(
          {1, type.getDimSize(0) * type.getDimSize(1), type.getDimSize(2)},
          type.getElementType()),
      flat, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// A [n] constant of the routing weights, broadcast-multiplied into
/// `perExpert` [n, ...] along dimension 0.
Value scaleExperts(OpBuilder &b, Location loc, Value perExpert,
                   ArrayRef<float> weights) {
  // Quantized weights: scale their scales instead, (q - z) * (s * w), so
  // that the codes stay as they are and the product folds into constants.
  if (auto dequantize = perExpert.getDefiningOp<DequantizeOp>())
    return DequantizeOp::create(
        b, loc, perExpert.getType(), dequantize.getPacked(),
        scaleExperts(b, loc, dequantize.getScales(), weights),
        dequantize.getZeroPoints(), dequantize.getBitsAttr(),
        dequantize.getBlockSizeAttr());
  auto type = cast<RankedTensorType>(perExpert.getType());
  auto weightType =
      RankedTensorType::get({type.getDimSize(0)}, type.getElementType());
  Value w = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(weightType, weights));
  SmallVector<int64_t> dims;
  for (int64_t d = 1; d < type.getRank(); ++d)
    dims.push_back(d);
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value broadcast =
      linalg::BroadcastOp::create(b, loc, w, empty, dims).getResult()[0];
  return arith::MulFOp::create(b, loc, perExpert, broadcast);
}

struct FuseStaticExpertsPass
    : m3sat::impl::FuseStaticExpertsBase<FuseStaticExpertsPass> {
  void runOnOperation() override {
    getOperation().walk([&](MoEFFNOp op) {
      ExpertSetAttr set = op.getStaticExpertsAttr();
      int64_t n = op.getNumExperts();
      // Prune first: the set must be exactly experts 0..n-1, n > 1.
      if (!set || n < 2 || static_cast<int64_t>(set.getExperts().size()) != n)
        return;
      for (auto [i, e] : llvm::enumerate(set.getExperts()))
        if (e != static_cast<int64_t>(i))
          return;
      for (Value w : {op.getFc1Weights(), op.getFc2Weights()})
        if (!cast<RankedTensorType>(w.getType()).hasStaticShape())
          return;

      OpBuilder b(op);
      Location loc = op.getLoc();
      ArrayRef<float> weights = set.getWeights().asArrayRef();
      auto fc2Type = cast<RankedTensorType>(op.getFc2Weights().getType());
      int64_t d = fc2Type.getDimSize(1), h = fc2Type.getDimSize(2);
      Type element = fc2Type.getElementType();

      // fc1: [n, F, D] -> [1, n*F, D]; its bias [n, F] -> [1, n*F] (F = H,
      // or 2H interleaved pairs for a gated expert, which stay pairs).
      Value fc1 = stackExperts(b, loc, op.getFc1Weights());
      int64_t f =
          cast<RankedTensorType>(op.getFc1Weights().getType()).getDimSize(1);
      Value fc1Bias;
      if (Value bias = op.getFc1Bias())
        fc1Bias = tensor::ExpandShapeOp::create(
            b, loc, RankedTensorType::get({1, n * f}, element),
            tensor::CollapseShapeOp::create(
                b, loc, bias, SmallVector<ReassociationIndices>{{0, 1}}),
            SmallVector<ReassociationIndices>{{0, 1}});
      // fc2: w_e * fc2[e], [n, D, H] -> [D, n, H] -> [1, D, n*H].
      Value scaled = scaleExperts(b, loc, op.getFc2Weights(), weights);
      Value init =
          tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{d, n, h}, element);
      Value transposed = linalg::TransposeOp::create(b, loc, scaled, init,
                                                     ArrayRef<int64_t>{1, 0, 2})
                             .getResult()[0];
      Value fc2 = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, d, n * h}, element),
          tensor::CollapseShapeOp::create(
              b, loc, transposed,
              SmallVector<ReassociationIndices>{{0}, {1, 2}}),
          SmallVector<ReassociationIndices>{{0, 1}, {2}});
      // b2: sum_e w_e * b2[e] -> [1, D].
      Value fc2Bias;
      if (Value bias = op.getFc2Bias()) {
        Value weighted = scaleExperts(b, loc, bias, weights);
        Value zero = arith::ConstantOp::create(b, loc, element,
                                               b.getFloatAttr(element, 0.0));
        Value acc =
            linalg::FillOp::create(b, loc, ValueRange{zero},
                                   ValueRange{tensor::EmptyOp::create(
                                       b, loc, ArrayRef<int64_t>{d}, element)})
                .getResult(0);
        Value sum = linalg::ReduceOp::create(
                        b, loc, ValueRange{weighted}, ValueRange{acc},
                        ArrayRef<int64_t>{0},
                        [](OpBuilder &nb, Location nl, ValueRange args) {
                          Value s =
                              arith::AddFOp::create(nb, nl, args[0], args[1]);
                          linalg::YieldOp::create(nb, nl, s);
                        })
                        .getResult(0);
        fc2Bias = tensor::ExpandShapeOp::create(
            b, loc, RankedTensorType::get({1, d}, element), sum,
            SmallVector<ReassociationIndices>{{0, 1}});
      }
      auto fused = MoEFFNOp::create(
          b, loc, op.getType(), op.getInput(), /*router_logits=*/Value(), fc1,
          fc1Bias, fc2, fc2Bias, b.getI64IntegerAttr(1), op.getActivationAttr(),
          /*normalize=*/nullptr,
          ExpertSetAttr::get(op.getContext(), {0}, {1.0f}),
          /*gated=*/nullptr, /*activation_alpha=*/nullptr,
          /*activation_beta=*/nullptr, /*swiglu_limit=*/nullptr);
      // What was kept stays on record for reports and the bundle.
      for (NamedAttribute attr : op->getDiscardableAttrs())
        fused->setAttr(attr.getName(), attr.getValue());
      fused.copyActivationFrom(op);
      op.replaceAllUsesWith(fused.getResult());
      op.erase();
      ++numFused;
    });
  }
};

} // namespace
