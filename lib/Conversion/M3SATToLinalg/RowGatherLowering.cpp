//===- RowGatherLowering.cpp - expert-major MoE as parallel loop nests ----===//
//
// The `row-gather` form of the expert-major MoE ops (moe-lowering=row-gather
// of m3sat-convert-to-linalg), in which all work that grows with the model
// width is a parallel loop nest, so that a GPU runs it as a grid:
//
// * m3sat.route: linalg.generic parallel over (token, slot);
// * m3sat.dispatch: a scalar counting sort of the T*k slot ids, then the
//   rows gathered into sorted order in parallel;
// * m3sat.grouped_matmul: the expert of every row from the offsets (a
//   reduction parallel over rows), then one contraction over all rows, each
//   reading its own expert's weights;
// * m3sat.combine: the permutation inverted by a scalar loop, then the
//   weighted sum parallel over (token, column), gathering each slot's row.
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

/// Above the loop forms of RoutingLowering.cpp and ExpertLowering.cpp.
constexpr unsigned kRowGatherBenefit = 2;

/// Affine map of `numDims` loops onto the listed loop dims.
AffineMap loopsToDims(MLIRContext *context, unsigned numDims,
                      ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(numDims, 0, exprs, context);
}

/// Scalar body of a single-result linalg.generic: the block arguments in
/// (inputs, then the current output element), the value to yield out.
using GenericBodyFn = function_ref<Value(ImplicitLocOpBuilder &, ValueRange)>;

/// linalg.generic with one output `init` (indexed by `outDims`) over
/// `numDims` loops, of which `reductionDims` are reductions.
Value buildGeneric(ImplicitLocOpBuilder &b, ValueRange inputs,
                   ArrayRef<SmallVector<unsigned>> inputDims, Value init,
                   ArrayRef<unsigned> outDims, unsigned numDims,
                   ArrayRef<unsigned> reductionDims, GenericBodyFn body) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (ArrayRef<unsigned> dims : inputDims)
    maps.push_back(loopsToDims(context, numDims, dims));
  maps.push_back(loopsToDims(context, numDims, outDims));
  SmallVector<utils::IteratorType> iterators(numDims,
                                             utils::IteratorType::parallel);
  for (unsigned d : reductionDims)
    iterators[d] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder inner(loc, nested);
               linalg::YieldOp::create(inner, body(inner, args));
             })
      .getResult(0);
}

Value loopIndex(ImplicitLocOpBuilder &b, unsigned dim) {
  return linalg::IndexOp::create(b, dim);
}

/// Top-k routing, parallel over (token, slot): every iteration routes its
/// token (softmax, k selection loops over the experts: the same scalar code
/// as the loop form) and keeps pick `slot`. The k-fold recomputation costs
/// O(k^2 E) per token, small next to any expert's work.
struct LowerRouteParallel : OpRewritePattern<RouteOp> {
  LowerRouteParallel(MLIRContext *context)
      : OpRewritePattern(context, kRowGatherBenefit) {}

  LogicalResult matchAndRewrite(RouteOp op,
                                PatternRewriter &rewriter) const override {
    auto logitsType = cast<RankedTensorType>(op.getLogits().getType());
    if (!logitsType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type elementType = logitsType.getElementType();
    int64_t numExperts = logitsType.getShape().back();
    int64_t numTokens = logitsType.getNumElements() / numExperts;
    int64_t k = op.getK();
    bool normalize = op.getNormalize();

    Value logits = collapseToRows(b, b.getLoc(), op.getLogits());
    auto indicesType = RankedTensorType::get({numTokens, k}, b.getI64Type());
    auto weightsType = RankedTensorType::get({numTokens, k}, elementType);
    Value indicesInit =
        tensor::EmptyOp::create(b, indicesType.getShape(), b.getI64Type());
    Value weightsInit =
        tensor::EmptyOp::create(b, weightsType.getShape(), elementType);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, b.getContext());
    auto generic = linalg::GenericOp::create(
        b, TypeRange{indicesType, weightsType}, ValueRange{},
        ValueRange{indicesInit, weightsInit},
        ArrayRef<AffineMap>{identity, identity},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::parallel},
        [&](OpBuilder &nested, Location loc, ValueRange) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value t = loopIndex(ib, 0), slot = loopIndex(ib, 1);
          TopK top = buildTopK(ib, numExperts, k, normalize, elementType,
                               [&](ImplicitLocOpBuilder &eb, Value e) {
                                 return tensor::ExtractOp::create(
                                            eb, logits, ValueRange{t, e})
                                     .getResult();
                               });
          Value expert = top.experts[0], prob = top.probs[0];
          for (int64_t j = 1; j < k; ++j) {
            Value isJ =
                arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, slot,
                                      arith::ConstantIndexOp::create(ib, j));
            expert = arith::SelectOp::create(ib, isJ, top.experts[j], expert);
            prob = arith::SelectOp::create(ib, isJ, top.probs[j], prob);
          }
          Value asI64 = arith::IndexCastOp::create(ib, ib.getI64Type(), expert);
          linalg::YieldOp::create(ib, ValueRange{asI64, prob});
        });
    rewriter.replaceOp(
        op,
        {expandFromRows(b, b.getLoc(), generic.getResult(0),
                        cast<RankedTensorType>(op.getIndices().getType())),
         expandFromRows(b, b.getLoc(), generic.getResult(1),
                        cast<RankedTensorType>(op.getWeights().getType()))});
    return success();
  }
};

/// Counting sort of the slot ids t*k + j by expert (scalar loops over the
/// T*k slots and the E experts: integers only), then the rows gathered in
/// parallel: sorted[i, d] = input[permutation[i] / k, d].
struct LowerDispatchRowGather : OpRewritePattern<DispatchOp> {
  LowerDispatchRowGather(MLIRContext *context)
      : OpRewritePattern(context, kRowGatherBenefit) {}

  LogicalResult matchAndRewrite(DispatchOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    if (!inputType.hasStaticShape() || !indicesType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TensorBuilder tb(rewriter, op.getLoc());
    ImplicitLocOpBuilder &b = tb.builder();
    int64_t k = indicesType.getDimSize(1);
    int64_t numSlots = indicesType.getNumElements();
    int64_t numExperts = op.getNumExperts();
    int64_t width = inputType.getDimSize(1);
    Type i64 = b.getI64Type();
    Value one = tb.i64(1);

    // Slot s = t*k + j routes to expert[s] (clamped into range).
    Value experts = tensor::CollapseShapeOp::create(
        b, RankedTensorType::get({numSlots}, i64), op.getIndices(),
        ArrayRef<ReassociationIndices>{{0, 1}});
    auto expertOf = [&](ImplicitLocOpBuilder &ib, Value s) {
      return clampToIndex(ib,
                          tensor::ExtractOp::create(ib, experts, ValueRange{s}),
                          numExperts);
    };
    auto increment = [&](ImplicitLocOpBuilder &ib, Value tensor, Value at) {
      Value n = tensor::ExtractOp::create(ib, tensor, ValueRange{at});
      return tensor::InsertOp::create(ib, arith::AddIOp::create(ib, n, one),
                                      tensor, ValueRange{at})
          .getResult();
    };

    // counts[e] = number of slots routed to e; offsets = their exclusive
    // prefix sum with the total at the end.
    Value counts =
        buildLoop(b, numSlots, {tb.zeros({numExperts}, i64)},
                  [&](ImplicitLocOpBuilder &ib, Value s, ValueRange a) {
                    return SmallVector<Value>{
                        increment(ib, a[0], expertOf(ib, s))};
                  })
            .getResult(0);
    Value offsets =
        buildLoop(b, numExperts, {tb.zeros({numExperts + 1}, i64)},
                  [&](ImplicitLocOpBuilder &ib, Value e, ValueRange a) {
                    Value start =
                        tensor::ExtractOp::create(ib, a[0], ValueRange{e});
                    Value n =
                        tensor::ExtractOp::create(ib, counts, ValueRange{e});
                    Value next = arith::AddIOp::create(
                        ib, e, arith::ConstantIndexOp::create(ib, 1));
                    return SmallVector<Value>{tensor::InsertOp::create(
                        ib, arith::AddIOp::create(ib, start, n), a[0],
                        ValueRange{next})};
                  })
            .getResult(0);

    // Each slot at offsets[e] + (slots of e before it): the slots in
    // descending order, each taking the last free place of its expert's
    // group, counted down in `counts` (dead after the prefix sum, so
    // updated in place: no buffer is initialized or copied for it).
    Value permutationInit =
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numSlots}, i64);
    Value permutation =
        buildLoop(
            b, numSlots, {permutationInit, counts},
            [&](ImplicitLocOpBuilder &ib, Value iv, ValueRange a) {
              Value s = arith::SubIOp::create(
                  ib, arith::ConstantIndexOp::create(ib, numSlots - 1), iv);
              Value e = expertOf(ib, s);
              Value left = arith::SubIOp::create(
                  ib, tensor::ExtractOp::create(ib, a[1], ValueRange{e}), one);
              Value pos64 = arith::AddIOp::create(
                  ib, tensor::ExtractOp::create(ib, offsets, ValueRange{e}),
                  left);
              Value pos =
                  arith::IndexCastOp::create(ib, ib.getIndexType(), pos64);
              Value slot64 = arith::IndexCastOp::create(ib, i64, s);
              Value perm =
                  tensor::InsertOp::create(ib, slot64, a[0], ValueRange{pos});
              Value rest =
                  tensor::InsertOp::create(ib, left, a[1], ValueRange{e});
              return SmallVector<Value>{perm, rest};
            })
            .getResult(0);

    // The rows, gathered in parallel over (sorted row, column).
    Value sortedInit = tensor::EmptyOp::create(
        b, ArrayRef<int64_t>{numSlots, width}, inputType.getElementType());
    Value sorted = buildGeneric(
        b, {permutation}, {{0}}, sortedInit, {0, 1}, 2, {},
        [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value slot = clampToIndex(ib, args[0], numSlots);
          Value t = arith::DivUIOp::create(
              ib, slot, arith::ConstantIndexOp::create(ib, k));
          return tensor::ExtractOp::create(ib, op.getInput(),
                                           ValueRange{t, loopIndex(ib, 1)})
              .getResult();
        });
    rewriter.replaceOp(op, {sorted, permutation, offsets});
    return success();
  }
};

/// The grouped matmul as one contraction over all rows:
///
///   rowExpert[r] = #{e in [0, E] : offsets[e] <= r} - 1, or -1 when that
///                  is not in [0, E) (r before offsets[0] or from offsets[E])
///   result[r, n] = bias[e_r, n] + sum_k lhs[r, k] * W[e_r, n, k]
///                  (0 for rows with rowExpert -1)
///
/// Weights given as `linalg.transpose` (permutation [0, 2, 1]) of Wt [E, K,
/// N] (`m3sat-transpose-expert-weights`) are read from Wt[e_r, k, n]: the
/// threads of the grouped GEMM, along n, then read neighbouring weights.
///
/// For nondecreasing offsets, rowExpert[r] is the e with offsets[e] <= r <
/// offsets[e+1], so the result is the loop form's (whose rows outside every
/// group stay 0). Any offsets stay in bounds: e_r is clamped into [0, E).
struct LowerGroupedMatmulRowGather : OpRewritePattern<GroupedMatmulOp> {
  LowerGroupedMatmulRowGather(MLIRContext *context)
      : OpRewritePattern(context, kRowGatherBenefit) {}

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
    int64_t numExperts = weightsType.getDimSize(0);
    Type elementType = resultType.getElementType();
    Type i64 = b.getI64Type();

    // Loops (r, e), e over the E + 1 offsets, reduced.
    Value groupCount = buildGeneric(
        b, {op.getOffsets()}, {{1}}, tb.zeros({numRows}, i64), {0}, 2, {1},
        [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value r = arith::IndexCastOp::create(ib, i64, loopIndex(ib, 0));
          Value started =
              arith::CmpIOp::create(ib, arith::CmpIPredicate::sle, args[0], r);
          Value add = arith::ExtUIOp::create(ib, i64, started);
          return arith::AddIOp::create(ib, args[1], add).getResult();
        });
    Value rowExpert = buildGeneric(
        b, {groupCount}, {{0}},
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numRows}, i64), {0}, 1, {},
        [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value e = arith::SubIOp::create(ib, args[0], tb.i64(1));
          Value inGroup = arith::AndIOp::create(
              ib,
              arith::CmpIOp::create(ib, arith::CmpIPredicate::sge, e,
                                    tb.i64(0)),
              arith::CmpIOp::create(ib, arith::CmpIPredicate::slt, e,
                                    tb.i64(numExperts)));
          return arith::SelectOp::create(ib, inGroup, e, tb.i64(-1))
              .getResult();
        });

    auto inGroup = [&](ImplicitLocOpBuilder &ib, Value expert) {
      return arith::CmpIOp::create(ib, arith::CmpIPredicate::sge, expert,
                                   tb.i64(0))
          .getResult();
    };
    Value zero = tb.floatConst(elementType, 0.0);
    // Loops (r, n): the bias of the row's expert, 0 outside every group.
    Value init = buildGeneric(
        b, {rowExpert}, {{0}},
        tensor::EmptyOp::create(b, resultType.getShape(), elementType), {0, 1},
        2, {}, [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          if (!op.getBias())
            return zero;
          Value e = clampToIndex(ib, args[0], numExperts);
          Value bias = tensor::ExtractOp::create(
              ib, op.getBias(), ValueRange{e, loopIndex(ib, 1)});
          return arith::SelectOp::create(ib, inGroup(ib, args[0]), bias, zero)
              .getResult();
        });
    // Loops (r, n, k), k reduced; the weights of the row's expert, read in
    // the (in, out) layout when that is where they come from.
    Value weights = op.getWeights();
    bool inOut = false;
    if (auto transpose = weights.getDefiningOp<linalg::TransposeOp>()) {
      if (transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1}) {
        weights = transpose.getInput();
        inOut = true;
      }
    }
    auto flags = arith::FastMathFlagsAttr::get(
        b.getContext(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    Value result = buildGeneric(
        b, {op.getLhs(), rowExpert}, {{0, 2}, {0}}, init, {0, 1}, 3, {2},
        [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value e = clampToIndex(ib, args[1], numExperts);
          Value n = loopIndex(ib, 1), k = loopIndex(ib, 2);
          SmallVector<Value> at = {e, n, k};
          if (inOut)
            std::swap(at[1], at[2]);
          Value w = tensor::ExtractOp::create(ib, weights, at);
          Value product = arith::MulFOp::create(ib, args[0], w, flags);
          Value sum = arith::AddFOp::create(ib, args[2], product, flags);
          return arith::SelectOp::create(ib, inGroup(ib, args[1]), sum, args[2])
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// result[t, d] = sum_j weights[t, j] * rows[position[t*k + j], d], with
/// `position` the inverse of the permutation (a scalar loop over the T*k
/// slots; a slot no row names contributes nothing). Parallel over (t, d),
/// each token's row written once: no scatter.
struct LowerCombineRowGather : OpRewritePattern<CombineOp> {
  LowerCombineRowGather(MLIRContext *context)
      : OpRewritePattern(context, kRowGatherBenefit) {}

  LogicalResult matchAndRewrite(CombineOp op,
                                PatternRewriter &rewriter) const override {
    auto rowsType = cast<RankedTensorType>(op.getRows().getType());
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    if (!rowsType.hasStaticShape() || !weightsType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    TensorBuilder tb(rewriter, op.getLoc());
    ImplicitLocOpBuilder &b = tb.builder();
    int64_t numSlots = rowsType.getDimSize(0), width = rowsType.getDimSize(1);
    int64_t numTokens = weightsType.getDimSize(0);
    int64_t k = weightsType.getDimSize(1);
    Type elementType = rowsType.getElementType();
    Type i64 = b.getI64Type();

    Value position =
        buildLoop(b, numSlots, {tb.filled({numSlots}, i64, tb.i64(-1))},
                  [&](ImplicitLocOpBuilder &ib, Value i, ValueRange a) {
                    Value slot64 = tensor::ExtractOp::create(
                        ib, op.getPermutation(), ValueRange{i});
                    Value slot = clampToIndex(ib, slot64, numSlots);
                    Value i64Index = arith::IndexCastOp::create(ib, i64, i);
                    return SmallVector<Value>{tensor::InsertOp::create(
                        ib, i64Index, a[0], ValueRange{slot})};
                  })
            .getResult(0);

    Value zero = tb.floatConst(elementType, 0.0);
    Value result = buildGeneric(
        b, {}, {},
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numTokens, width},
                                elementType),
        {0, 1}, 2, {}, [&](ImplicitLocOpBuilder &ib, ValueRange) {
          Value t = loopIndex(ib, 0), d = loopIndex(ib, 1);
          Value first = arith::MulIOp::create(
              ib, t, arith::ConstantIndexOp::create(ib, k));
          Value sum = zero;
          for (int64_t j = 0; j < k; ++j) {
            Value jIndex = arith::ConstantIndexOp::create(ib, j);
            Value slot = arith::AddIOp::create(ib, first, jIndex);
            Value pos64 =
                tensor::ExtractOp::create(ib, position, ValueRange{slot});
            Value named = arith::CmpIOp::create(ib, arith::CmpIPredicate::sge,
                                                pos64, tb.i64(0));
            Value row = tensor::ExtractOp::create(
                ib, op.getRows(),
                ValueRange{clampToIndex(ib, pos64, numSlots), d});
            Value w = tensor::ExtractOp::create(ib, op.getWeights(),
                                                ValueRange{t, jIndex});
            Value added = arith::AddFOp::create(
                ib, sum, arith::MulFOp::create(ib, w, row));
            sum = arith::SelectOp::create(ib, named, added, sum);
          }
          return sum;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void m3sat::populateRowGatherLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRouteParallel, LowerDispatchRowGather,
               LowerGroupedMatmulRowGather, LowerCombineRowGather>(
      patterns.getContext());
}
