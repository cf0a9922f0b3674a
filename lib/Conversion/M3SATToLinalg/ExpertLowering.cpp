//===- ExpertLowering.cpp - expert computation to linalg ------------------===//
//
// Lowers the expert computation of MoE layers to linalg.generic contractions:
// m3sat.grouped_matmul (one contraction per expert over its row group),
// m3sat.moe_ffn with a static expert set (each kept expert over all tokens,
// scaled by its constant weight) and m3sat.moe_attention (shared K/V, one
// attention per head expert, weighted by the routing).
//
//===----------------------------------------------------------------------===//

#include "LoweringPatterns.h"
#include "TensorBuilder.h"

#include "M3SAT/M3SATOps.h"
#include "m3sat/Transforms/ExpertMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace m3sat;

namespace {

/// acc += weight * value, elementwise (weight a scalar), in place.
Value addScaled(TensorBuilder &tb, Value acc, Value value, Value weight) {
  return tb.mapInto(
      acc, {value}, {}, [&](ImplicitLocOpBuilder &b, ValueRange args) {
        Value scaled = arith::MulFOp::create(b, weight, args[0]);
        return arith::AddFOp::create(b, args[1], scaled).getResult();
      });
}

/// Slice of an optional per-expert tensor; null when absent.
Value expertSlice(TensorBuilder &tb, Value perExpert, OpFoldResult expert) {
  return perExpert ? tb.sliceFirst(perExpert, expert) : Value();
}

/// x [M, K] times expert `expert`'s weights [N, K] out of `weights` [E, N,
/// K], transposed, plus `bias` when given (in `into` when given). Weights
/// that m3sat.dequantize computes are dequantized inside the product
/// (buildQuantizedLinear): only that expert's codes are read, and its float
/// weights are never a tensor of their own.
Value expertLinear(TensorBuilder &tb, Value x, Value weights,
                   OpFoldResult expert, Value bias, Value into = {}) {
  if (auto dequantize = weights.getDefiningOp<DequantizeOp>();
      dequantize && cast<RankedTensorType>(x.getType()).getRank() == 2)
    return buildQuantizedLinear(tb, x, dequantize, expert, bias, into);
  // Weights stored (in, out) (m3sat-transpose-expert-weights): read in
  // that layout, the transpose never computed.
  if (auto transpose = weights.getDefiningOp<linalg::TransposeOp>();
      transpose && transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1})
    return tb.linearInOut(x, tb.sliceFirst(transpose.getInput(), expert), bias,
                          into);
  return tb.linear(x, tb.sliceFirst(weights, expert), bias, into);
}

struct LowerGroupedMatmul : OpRewritePattern<GroupedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GroupedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    if (!resultType.hasStaticShape() || !weightsType.hasStaticShape() ||
        !op.getLhs().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TensorBuilder tb(rewriter, op.getLoc());
    ImplicitLocOpBuilder &b = tb.builder();
    int64_t numRows = resultType.getDimSize(0);
    Value result = tb.zeros(resultType.getShape(), resultType.getElementType());
    Value c0 = tb.index(0), c1 = tb.index(1);
    Value cE = tb.index(weightsType.getDimSize(0));
    Value cRows = tb.index(numRows);
    bool quantized =
        static_cast<bool>(op.getWeights().getDefiningOp<DequantizeOp>());

    // Each expert multiplies its rows offsets[e] .. offsets[e+1]; an empty
    // group is a zero-row contraction. Offsets are clamped into [0, N].
    auto loop = scf::ForOp::create(
        b, c0, cE, c1, ValueRange{result},
        [&](OpBuilder &nested, Location loc, Value e, ValueRange acc) {
          TensorBuilder eb(nested, loc);
          ImplicitLocOpBuilder &ib = eb.builder();
          auto offsetAt = [&](Value i) {
            Value raw =
                tensor::ExtractOp::create(ib, op.getOffsets(), ValueRange{i});
            Value asIndex =
                arith::IndexCastOp::create(ib, ib.getIndexType(), raw);
            return arith::MinSIOp::create(
                ib, arith::MaxSIOp::create(ib, asIndex, c0), cRows);
          };
          Value start = offsetAt(e);
          Value end = arith::MaxSIOp::create(
              ib, offsetAt(arith::AddIOp::create(ib, e, c1)), start);
          Value size = arith::SubIOp::create(ib, end, start);
          auto groupProduct = [&](TensorBuilder &gb) {
            Value rows = gb.sliceRows(op.getLhs(), start, size);
            // Computed in place in the result's rows (no temporary).
            Value out = expertLinear(gb, rows, op.getWeights(), e,
                                     expertSlice(gb, op.getBias(), e),
                                     gb.sliceRows(acc[0], start, size));
            return gb.insertRows(out, acc[0], start);
          };
          if (!quantized) {
            scf::YieldOp::create(ib, groupProduct(eb));
            return;
          }
          // Quantized weights: an expert without rows is not dequantized.
          Value hasRows =
              arith::CmpIOp::create(ib, arith::CmpIPredicate::sgt, size, c0);
          auto ifOp = scf::IfOp::create(
              ib, hasRows,
              [&](OpBuilder &thenBuilder, Location thenLoc) {
                TensorBuilder gb(thenBuilder, thenLoc);
                scf::YieldOp::create(gb.builder(), groupProduct(gb));
              },
              [&](OpBuilder &elseBuilder, Location elseLoc) {
                scf::YieldOp::create(elseBuilder, elseLoc, acc[0]);
              });
          scf::YieldOp::create(ib, ifOp.getResults());
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// A static expert set: every token through each kept expert, scaled by the
/// expert's constant weight.
struct LowerStaticMoEFFN : OpRewritePattern<MoEFFNOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoEFFNOp op,
                                PatternRewriter &rewriter) const override {
    ExpertSetAttr set = op.getStaticExpertsAttr();
    if (!set)
      return rewriter.notifyMatchFailure(op, "dynamic routing");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    if (!inputType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TensorBuilder tb(rewriter, op.getLoc());
    ImplicitLocOpBuilder &b = tb.builder();
    Type elementType = inputType.getElementType();
    Value tokens = collapseToRows(b, b.getLoc(), op.getInput());
    auto tokensType = cast<RankedTensorType>(tokens.getType());
    Value acc = tb.zeros(tokensType.getShape(), elementType);
    for (auto [expert, weight] :
         llvm::zip(set.getExperts(), set.getWeights().asArrayRef())) {
      OpFoldResult e = b.getIndexAttr(expert);
      Value hidden = expertLinear(tb, tokens, op.getFc1Weights(), e,
                                  expertSlice(tb, op.getFc1Bias(), e));
      hidden =
          buildExpertActivation(b, b.getLoc(), hidden, expertActivation(op));
      Value out = expertLinear(tb, hidden, op.getFc2Weights(), e,
                               expertSlice(tb, op.getFc2Bias(), e));
      acc = addScaled(tb, acc, out, tb.floatConst(elementType, weight));
    }
    rewriter.replaceOp(op, expandFromRows(b, b.getLoc(), acc, inputType));
    return success();
  }
};

/// Attention of one head expert e over the whole sequence:
/// wo[e] * softmax(scale * K q_e) V, for all query tokens at once (K and V
/// [B, S', Dh] from `kv_source` or `input`).
Value headExpert(TensorBuilder &tb, MoEAttentionOp op, Value keys, Value values,
                 OpFoldResult e) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  Type elementType = inputType.getElementType();
  int64_t batch = inputType.getDimSize(0), seq = inputType.getDimSize(1);
  int64_t headDim = cast<RankedTensorType>(op.getWq().getType()).getDimSize(1);
  int64_t kvSeq = cast<RankedTensorType>(keys.getType()).getDimSize(1);
  Value queries = tb.linear(op.getInput(), tb.sliceFirst(op.getWq(), e), {});
  // scores[b, i, j] = sum_h q[b, i, h] * K[b, j, h]; loops (b, i, j, h).
  Value scores = tb.contract(queries, {0, 1, 3}, keys, {0, 2, 3},
                             tb.zeros({batch, seq, kvSeq}, elementType),
                             {0, 1, 2}, 4, {3});
  Value scale = tb.floatConst(elementType, op.getScaleOrDefault());
  auto scoresType = cast<RankedTensorType>(scores.getType());
  scores = tb.map({scores}, {}, scoresType,
                  [&](ImplicitLocOpBuilder &b, ValueRange args) {
                    return arith::MulFOp::create(b, args[0], scale).getResult();
                  });
  Value probs = tb.softmaxLast(scores);
  // context[b, i, h] = sum_j P[b, i, j] * V[b, j, h]; loops (b, i, h, j).
  Value context = tb.contract(probs, {0, 1, 3}, values, {0, 3, 2},
                              tb.zeros({batch, seq, headDim}, elementType),
                              {0, 1, 2}, 4, {3});
  return tb.linear(context, tb.sliceFirst(op.getWo(), e), {});
}

struct LowerMoEAttention : OpRewritePattern<MoEAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoEAttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    if (!inputType.hasStaticShape() ||
        !cast<RankedTensorType>(op.getWq().getType()).hasStaticShape() ||
        !cast<RankedTensorType>(op.getKeyValueInput().getType())
             .hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TensorBuilder tb(rewriter, op.getLoc());
    ImplicitLocOpBuilder &b = tb.builder();
    Type elementType = inputType.getElementType();
    int64_t batch = inputType.getDimSize(0), seq = inputType.getDimSize(1);
    Value keys = tb.linear(op.getKeyValueInput(), op.getWk(), {});
    Value values = tb.linear(op.getKeyValueInput(), op.getWv(), {});
    Value acc = tb.zeros(inputType.getShape(), elementType);

    if (ExpertSetAttr set = op.getStaticExpertsAttr()) {
      for (auto [expert, weight] :
           llvm::zip(set.getExperts(), set.getWeights().asArrayRef())) {
        Value out = headExpert(tb, op, keys, values, b.getIndexAttr(expert));
        acc = addScaled(tb, acc, out, tb.floatConst(elementType, weight));
      }
    } else {
      // Dense gate G[b, s, e]: the routing weight of expert e for the token,
      // zero when e is not selected.
      int64_t numExperts = op.getNumExperts();
      int64_t k = op.getK();
      auto logitsType = cast<RankedTensorType>(op.getRouterLogits().getType());
      auto route = RouteOp::create(
          b, RankedTensorType::get({batch, seq, k}, b.getI64Type()),
          RankedTensorType::get({batch, seq, k}, elementType),
          op.getRouterLogits(), b.getI64IntegerAttr(k), op.getNormalizeAttr());
      MLIRContext *context = b.getContext();
      auto map = [&](ArrayRef<unsigned> dims) {
        SmallVector<AffineExpr> exprs;
        for (unsigned d : dims)
          exprs.push_back(getAffineDimExpr(d, context));
        return AffineMap::get(4, 0, exprs, context);
      };
      // Loops (b, s, e, j), j reduced.
      Value gate =
          linalg::GenericOp::create(
              b, TypeRange{logitsType},
              ValueRange{route.getIndices(), route.getWeights()},
              ValueRange{tb.zeros(logitsType.getShape(), elementType)},
              ArrayRef<AffineMap>{map({0, 1, 3}), map({0, 1, 3}),
                                  map({0, 1, 2})},
              ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                            utils::IteratorType::parallel,
                                            utils::IteratorType::parallel,
                                            utils::IteratorType::reduction},
              [&](OpBuilder &nested, Location loc, ValueRange args) {
                ImplicitLocOpBuilder ib(loc, nested);
                Value e = arith::IndexCastOp::create(
                    ib, ib.getI64Type(), linalg::IndexOp::create(ib, 2));
                Value hit = arith::CmpIOp::create(ib, arith::CmpIPredicate::eq,
                                                  args[0], e);
                Value zero = arith::ConstantOp::create(
                    ib, elementType, ib.getFloatAttr(elementType, 0.0));
                Value w = arith::SelectOp::create(ib, hit, args[1], zero);
                linalg::YieldOp::create(
                    ib, ValueRange{arith::AddFOp::create(ib, args[2], w)});
              })
              .getResult(0);
      Value c0 = tb.index(0), c1 = tb.index(1), cE = tb.index(numExperts);
      auto loop = scf::ForOp::create(
          b, c0, cE, c1, ValueRange{acc},
          [&](OpBuilder &nested, Location loc, Value e, ValueRange a) {
            TensorBuilder eb(nested, loc);
            Value out = headExpert(eb, op, keys, values, e);
            // The gate column of expert e: [B, S].
            SmallVector<OpFoldResult> offsets = {
                eb.builder().getIndexAttr(0), eb.builder().getIndexAttr(0), e};
            SmallVector<OpFoldResult> sizes = {eb.builder().getIndexAttr(batch),
                                               eb.builder().getIndexAttr(seq),
                                               eb.builder().getIndexAttr(1)};
            SmallVector<OpFoldResult> strides(3, eb.builder().getIndexAttr(1));
            Value column = tensor::ExtractSliceOp::create(
                eb.builder(), RankedTensorType::get({batch, seq}, elementType),
                gate, offsets, sizes, strides);
            Value sum = eb.mapInto(
                a[0], {out, column}, {{}, {0, 1}},
                [](ImplicitLocOpBuilder &sb, ValueRange args) {
                  Value scaled = arith::MulFOp::create(sb, args[1], args[0]);
                  return arith::AddFOp::create(sb, args[2], scaled).getResult();
                });
            scf::YieldOp::create(eb.builder(), sum);
          });
      acc = loop.getResult(0);
    }
    if (Value bias = op.getBo())
      acc = tb.map(
          {acc, bias}, {{}, {2}}, inputType,
          [](ImplicitLocOpBuilder &sb, ValueRange args) {
            return arith::AddFOp::create(sb, args[0], args[1]).getResult();
          });
    rewriter.replaceOp(op, acc);
    return success();
  }
};

} // namespace

void m3sat::populateExpertLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerGroupedMatmul, LowerStaticMoEFFN, LowerMoEAttention>(
      patterns.getContext());
}
