//===- RoutingLowering.cpp - routing ops to scf loops ---------------------===//
//
// Lowers the data-dependent parts of MoE execution to scf loops on tensors:
// m3sat.route (softmax + top-k per token), m3sat.dispatch (counting sort of
// token slots by expert) and m3sat.combine (weighted scatter-add back to token
// order). Expert indices are clamped into range so that no input can make the
// generated code read or write out of bounds.
//
//===----------------------------------------------------------------------===//

#include "LoweringPatterns.h"
#include "TensorBuilder.h"

#include "M3SAT/M3SATOps.h"
#include "m3sat/Transforms/ExpertMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace m3sat;

Value m3sat::clampToIndex(ImplicitLocOpBuilder &b, Value i64Value,
                          int64_t limit) {
  Value zero = arith::ConstantIntOp::create(b, b.getI64Type(), 0);
  Value last = arith::ConstantIntOp::create(b, b.getI64Type(), limit - 1);
  Value clamped = arith::MinSIOp::create(
      b, arith::MaxSIOp::create(b, i64Value, zero), last);
  return arith::IndexCastOp::create(b, b.getIndexType(), clamped);
}

scf::ForOp m3sat::buildLoop(ImplicitLocOpBuilder &b, int64_t upper,
                            ValueRange init, LoopBodyFn body) {
  Value c0 = arith::ConstantIndexOp::create(b, 0);
  Value cUpper = arith::ConstantIndexOp::create(b, upper);
  Value c1 = arith::ConstantIndexOp::create(b, 1);
  return scf::ForOp::create(
      b, c0, cUpper, c1, init,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        ImplicitLocOpBuilder inner(loc, nested);
        SmallVector<Value> results = body(inner, iv, args);
        scf::YieldOp::create(inner, results);
      });
}

TopK m3sat::buildTopK(ImplicitLocOpBuilder &b, int64_t numExperts, int64_t k,
                      bool normalize, Type elementType, LogitFn logit) {
  double inf = std::numeric_limits<double>::infinity();
  // Maximum, then the softmax denominator.
  Value lowest = arith::ConstantOp::create(b, elementType,
                                           b.getFloatAttr(elementType, -inf));
  Value max = buildLoop(b, numExperts, {lowest},
                        [&](ImplicitLocOpBuilder &ib, Value e, ValueRange a) {
                          return SmallVector<Value>{arith::MaximumFOp::create(
                              ib, a[0], logit(ib, e))};
                        })
                  .getResult(0);
  Value zero = arith::ConstantOp::create(b, elementType,
                                         b.getFloatAttr(elementType, 0.0));
  Value denominator =
      buildLoop(b, numExperts, {zero},
                [&](ImplicitLocOpBuilder &ib, Value e, ValueRange a) {
                  Value shifted = arith::SubFOp::create(ib, logit(ib, e), max);
                  Value exp = math::ExpOp::create(ib, shifted);
                  return SmallVector<Value>{
                      arith::AddFOp::create(ib, a[0], exp)};
                })
          .getResult(0);

  // The j-th pick is the largest (logit, -index) strictly below the
  // previous pick in that order: ties go to the lower index.
  SmallVector<Value> picks, probs;
  Value prevValue, prevIndex;
  Value noIndex = arith::ConstantIndexOp::create(b, -1);
  for (int64_t j = 0; j < k; ++j) {
    auto best = buildLoop(
        b, numExperts, {lowest, noIndex},
        [&](ImplicitLocOpBuilder &ib, Value e, ValueRange a) {
          Value v = logit(ib, e);
          Value better = arith::OrIOp::create(
              ib,
              arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, a[1],
                                    noIndex),
              arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT, v, a[0]));
          Value take = better;
          if (prevValue) {
            Value below = arith::CmpFOp::create(ib, arith::CmpFPredicate::OLT,
                                                v, prevValue);
            Value tieAfter = arith::AndIOp::create(
                ib,
                arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, v,
                                      prevValue),
                arith::CmpIOp::create(ib, arith::CmpIPredicate::sgt, e,
                                      prevIndex));
            Value eligible = arith::OrIOp::create(ib, below, tieAfter);
            take = arith::AndIOp::create(ib, eligible, better);
          }
          return SmallVector<Value>{arith::SelectOp::create(ib, take, v, a[0]),
                                    arith::SelectOp::create(ib, take, e, a[1])};
        });
    prevValue = best.getResult(0);
    // NaN logits select nothing: fall back to expert 0 to stay in
    // bounds (the weight is NaN anyway).
    Value none = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                       best.getResult(1), noIndex);
    prevIndex = arith::SelectOp::create(
        b, none, arith::ConstantIndexOp::create(b, 0), best.getResult(1));
    Value shifted = arith::SubFOp::create(b, prevValue, max);
    Value p =
        arith::DivFOp::create(b, math::ExpOp::create(b, shifted), denominator);
    picks.push_back(prevIndex);
    probs.push_back(p);
  }
  if (normalize) {
    Value sum = probs[0];
    for (int64_t j = 1; j < k; ++j)
      sum = arith::AddFOp::create(b, sum, probs[j]);
    for (Value &p : probs)
      p = arith::DivFOp::create(b, p, sum);
  }
  return {picks, probs};
}

namespace {

/// Per token: softmax over all experts, then the k largest in descending
/// order (ties to the lower index), renormalized if asked for.
struct LowerRoute : OpRewritePattern<RouteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RouteOp op,
                                PatternRewriter &rewriter) const override {
    auto logitsType = cast<RankedTensorType>(op.getLogits().getType());
    if (!logitsType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    TensorBuilder tb(rewriter, op.getLoc());
    Type elementType = logitsType.getElementType();
    int64_t numExperts = logitsType.getShape().back();
    int64_t numTokens = logitsType.getNumElements() / numExperts;
    int64_t k = op.getK();
    bool normalize = op.getNormalize();

    Value logits = collapseToRows(b, b.getLoc(), op.getLogits());
    Value indicesInit = tb.zeros({numTokens, k}, b.getI64Type());
    Value weightsInit = tb.zeros({numTokens, k}, elementType);

    auto tokens = buildLoop(
        b, numTokens, {indicesInit, weightsInit},
        [&](ImplicitLocOpBuilder &tb2, Value t, ValueRange acc) {
          TopK top = buildTopK(tb2, numExperts, k, normalize, elementType,
                               [&](ImplicitLocOpBuilder &ib, Value e) {
                                 return tensor::ExtractOp::create(
                                            ib, logits, ValueRange{t, e})
                                     .getResult();
                               });
          SmallVector<Value> &picks = top.experts, &probs = top.probs;
          Value indices = acc[0], weights = acc[1];
          for (int64_t j = 0; j < k; ++j) {
            Value jIndex = arith::ConstantIndexOp::create(tb2, j);
            Value asI64 =
                arith::IndexCastOp::create(tb2, tb2.getI64Type(), picks[j]);
            indices = tensor::InsertOp::create(tb2, asI64, indices,
                                               ValueRange{t, jIndex});
            weights = tensor::InsertOp::create(tb2, probs[j], weights,
                                               ValueRange{t, jIndex});
          }
          return SmallVector<Value>{indices, weights};
        });

    rewriter.replaceOp(
        op, {expandFromRows(b, b.getLoc(), tokens.getResult(0),
                            cast<RankedTensorType>(op.getIndices().getType())),
             expandFromRows(b, b.getLoc(), tokens.getResult(1),
                            cast<RankedTensorType>(op.getWeights().getType()))});
    return success();
  }
};

/// Counting sort of the T*k (token, slot) pairs by expert.
struct LowerDispatch : OpRewritePattern<DispatchOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DispatchOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    if (!inputType.hasStaticShape() || !indicesType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    TensorBuilder tb(rewriter, op.getLoc());
    int64_t numTokens = indicesType.getDimSize(0);
    int64_t k = indicesType.getDimSize(1);
    int64_t numExperts = op.getNumExperts();
    Type i64 = b.getI64Type();
    Value one = arith::ConstantIntOp::create(b, i64, 1);

    auto expertOf = [&](ImplicitLocOpBuilder &ib, Value t, Value j) {
      Value raw = tensor::ExtractOp::create(ib, op.getIndices(),
                                            ValueRange{t, j});
      return clampToIndex(ib, raw, numExperts);
    };

    // counts[e] = number of slots routed to e.
    Value counts = tb.zeros({numExperts}, i64);
    counts = buildLoop(b, numTokens, {counts},
                       [&](ImplicitLocOpBuilder &ib, Value t, ValueRange a) {
                         return SmallVector<Value>{
                             buildLoop(ib, k, {a[0]},
                                       [&](ImplicitLocOpBuilder &jb, Value j,
                                           ValueRange c) {
                                         Value e = expertOf(jb, t, j);
                                         Value n = tensor::ExtractOp::create(
                                             jb, c[0], ValueRange{e});
                                         Value n1 =
                                             arith::AddIOp::create(jb, n, one);
                                         return SmallVector<Value>{
                                             tensor::InsertOp::create(
                                                 jb, n1, c[0], ValueRange{e})};
                                       })
                                 .getResult(0)};
                       })
                 .getResult(0);

    // offsets = exclusive prefix sum of counts, with the total at the end.
    Value offsets = tb.zeros({numExperts + 1}, i64);
    offsets =
        buildLoop(b, numExperts, {offsets},
                  [&](ImplicitLocOpBuilder &ib, Value e, ValueRange a) {
                    Value start =
                        tensor::ExtractOp::create(ib, a[0], ValueRange{e});
                    Value n = tensor::ExtractOp::create(ib, counts,
                                                        ValueRange{e});
                    Value next = arith::AddIOp::create(
                        ib, e, arith::ConstantIndexOp::create(ib, 1));
                    return SmallVector<Value>{tensor::InsertOp::create(
                        ib, arith::AddIOp::create(ib, start, n), a[0],
                        ValueRange{next})};
                  })
            .getResult(0);

    // Place each slot at its expert's cursor, copying the token's row.
    Value cursor = tensor::ExtractSliceOp::create(
        b, RankedTensorType::get({numExperts}, i64), offsets,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(numExperts)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    Value permutation = tensor::EmptyOp::create(b, ArrayRef<int64_t>{numTokens * k}, i64);
    Value sorted = tensor::EmptyOp::create(
        b, ArrayRef<int64_t>{numTokens * k, inputType.getDimSize(1)},
        inputType.getElementType());
    auto placed = buildLoop(
        b, numTokens, {permutation, sorted, cursor},
        [&](ImplicitLocOpBuilder &ib, Value t, ValueRange a) {
          TensorBuilder rowBuilder(ib, ib.getLoc());
          Value row = rowBuilder.sliceRows(op.getInput(), t, ib.getIndexAttr(1));
          auto slots = buildLoop(
              ib, k, a,
              [&](ImplicitLocOpBuilder &jb, Value j, ValueRange s) {
                Value e = expertOf(jb, t, j);
                Value pos64 =
                    tensor::ExtractOp::create(jb, s[2], ValueRange{e});
                Value pos =
                    arith::IndexCastOp::create(jb, jb.getIndexType(), pos64);
                Value kIndex = arith::ConstantIndexOp::create(jb, k);
                Value slot = arith::AddIOp::create(
                    jb, arith::MulIOp::create(jb, t, kIndex), j);
                Value slot64 = arith::IndexCastOp::create(jb, i64, slot);
                Value perm =
                    tensor::InsertOp::create(jb, slot64, s[0], ValueRange{pos});
                TensorBuilder inner(jb, jb.getLoc());
                Value rows = inner.insertRows(row, s[1], pos);
                Value next = tensor::InsertOp::create(
                    jb, arith::AddIOp::create(jb, pos64, one), s[2],
                    ValueRange{e});
                return SmallVector<Value>{perm, rows, next};
              });
          return SmallVector<Value>(slots.getResults());
        });
    rewriter.replaceOp(op, {placed.getResult(1), placed.getResult(0), offsets});
    return success();
  }
};

/// result[perm[i] / k] += weights[perm[i] / k, perm[i] % k] * rows[i].
struct LowerCombine : OpRewritePattern<CombineOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CombineOp op,
                                PatternRewriter &rewriter) const override {
    auto rowsType = cast<RankedTensorType>(op.getRows().getType());
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    if (!rowsType.hasStaticShape() || !weightsType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    TensorBuilder tb(rewriter, op.getLoc());
    int64_t numRows = rowsType.getDimSize(0), width = rowsType.getDimSize(1);
    int64_t k = weightsType.getDimSize(1);
    Type elementType = rowsType.getElementType();

    Value result = tb.zeros({weightsType.getDimSize(0), width}, elementType);
    auto loop = buildLoop(
        b, numRows, {result}, [&](ImplicitLocOpBuilder &ib, Value i,
                                  ValueRange a) {
          Value slot64 =
              tensor::ExtractOp::create(ib, op.getPermutation(), ValueRange{i});
          Value slot = clampToIndex(ib, slot64, numRows);
          Value kIndex = arith::ConstantIndexOp::create(ib, k);
          Value t = arith::DivUIOp::create(ib, slot, kIndex);
          Value j = arith::RemUIOp::create(ib, slot, kIndex);
          Value w =
              tensor::ExtractOp::create(ib, op.getWeights(), ValueRange{t, j});
          TensorBuilder rb(ib, ib.getLoc());
          Value row = rb.sliceRows(op.getRows(), i, ib.getIndexAttr(1));
          // Updated in place: the token's row of the result, no temporary.
          Value dest = rb.sliceRows(a[0], t, ib.getIndexAttr(1));
          Value sum = rb.mapInto(
              dest, {row}, {}, [&](ImplicitLocOpBuilder &sb, ValueRange args) {
                Value scaled = arith::MulFOp::create(sb, w, args[0]);
                return arith::AddFOp::create(sb, args[1], scaled).getResult();
              });
          return SmallVector<Value>{rb.insertRows(sum, a[0], t)};
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void m3sat::populateRoutingLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRoute, LowerDispatch, LowerCombine>(patterns.getContext());
}
