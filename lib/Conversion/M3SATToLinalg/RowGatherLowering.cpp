//===- RowGatherLowering.cpp - expert-major MoE as parallel loop nests ----===//
//
// The `row-gather` form of the expert-major MoE ops (moe-lowering=row-gather
// of m3sat-convert-to-linalg), in which all work that grows with the model
// width is a parallel loop nest, so that a GPU runs it as a grid:
//
// * m3sat.route: linalg.generic parallel over (token, slot);
// * m3sat.dispatch: a counting sort of the T*k slot ids in chunks, each
//   step a parallel loop nest, then the rows gathered into sorted order in
//   parallel;
// * m3sat.grouped_matmul: the expert of every row from the offsets (a
//   reduction parallel over rows), then one contraction over all rows, each
//   reading its own expert's weights;
// * m3sat.combine: the permutation inverted in parallel over the slots,
//   then the weighted sum parallel over (token, column), gathering each
//   slot's row.
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

/// Slots per chunk in dispatch's counting sort.
constexpr int64_t kSortChunk = 32;

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

/// Stable counting sort of the slot ids t*k + j by expert, in chunks of
/// kSortChunk slots, every step parallel: counts per (chunk, expert)
/// (kSortChunk steps each), their exclusive prefix over chunks (per
/// (chunk, expert)) and over experts (the offsets), then, per sorted
/// position i, its slot found by search: i's expert from the offsets, the
/// chunk holding its rank among that expert's slots from the chunk
/// prefixes, the slot by counting in that chunk (E + chunks + kSortChunk
/// steps). Then the rows gathered in parallel: sorted[i, d] =
/// input[permutation[i] / k, d].
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

    // The slots in chunks of kSortChunk: chunkCounts[c, e] = slots of chunk
    // c routed to e, parallel over (c, e).
    int64_t numChunks = (numSlots + kSortChunk - 1) / kSortChunk;
    Value lastSlot = arith::ConstantIndexOp::create(b, numSlots - 1);
    // Slot j of chunk c, clamped into range, and whether it exists.
    auto slotOf = [&](ImplicitLocOpBuilder &ib, Value c, Value j) {
      Value s = arith::AddIOp::create(
          ib,
          arith::MulIOp::create(ib, c,
                                arith::ConstantIndexOp::create(ib, kSortChunk)),
          j);
      Value exists =
          arith::CmpIOp::create(ib, arith::CmpIPredicate::ule, s, lastSlot);
      Value clamped = arith::MinUIOp::create(ib, s, lastSlot);
      return std::make_pair(clamped, exists);
    };
    auto addIf = [&](ImplicitLocOpBuilder &ib, Value cond, Value acc, Value n) {
      return arith::SelectOp::create(ib, cond,
                                     arith::AddIOp::create(ib, acc, n), acc)
          .getResult();
    };
    auto lessThan = [&](ImplicitLocOpBuilder &ib, Value a, Value b2) {
      return arith::CmpIOp::create(ib, arith::CmpIPredicate::ult, a, b2)
          .getResult();
    };
    // byChunk[c, j] = the expert of slot c*kSortChunk + j, -1 past the
    // last slot.
    Value byChunk = buildGeneric(
        b, {}, {},
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numChunks, kSortChunk},
                                i64),
        {0, 1}, 2, {}, [&](ImplicitLocOpBuilder &ib, ValueRange) {
          auto [s, exists] = slotOf(ib, loopIndex(ib, 0), loopIndex(ib, 1));
          Value e = arith::IndexCastOp::create(ib, i64, expertOf(ib, s));
          return arith::SelectOp::create(ib, exists, e, tb.i64(-1)).getResult();
        });
    // Loops (c, e, j), j reduced.
    Value chunkCounts = buildGeneric(
        b, {byChunk}, {{0, 2}}, tb.zeros({numChunks, numExperts}, i64), {0, 1},
        3, {2}, [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value e = arith::IndexCastOp::create(ib, i64, loopIndex(ib, 1));
          Value mine =
              arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, args[0], e);
          return addIf(ib, mine, args[1], one);
        });
    // chunkStarts[c, e] = slots of e in the chunks before c, parallel over
    // (c, e), each summing over the chunks before c (a loop in the body:
    // an accumulator initialized with zeros would share chunkCounts' zero
    // tensor, which bufferization then copies).
    Value chunkStarts = buildGeneric(
        b, {}, {},
        tensor::EmptyOp::create(b, ArrayRef<int64_t>{numChunks, numExperts},
                                i64),
        {0, 1}, 2, {}, [&](ImplicitLocOpBuilder &ib, ValueRange) {
          Value c = loopIndex(ib, 0), e = loopIndex(ib, 1);
          return buildLoop(
                     ib, numChunks, {tb.i64(0)},
                     [&](ImplicitLocOpBuilder &lb, Value prior, ValueRange a) {
                       Value n = tensor::ExtractOp::create(
                           lb, chunkCounts, ValueRange{prior, e});
                       return SmallVector<Value>{
                           addIf(lb, lessThan(lb, prior, c), a[0], n)};
                     })
              .getResult(0);
        });
    // offsets[e] = slots of the experts before e (offsets[E] = T*k): loops
    // (e, e', c), e' and c reduced.
    Value offsets = buildGeneric(
        b, {chunkCounts}, {{2, 1}}, tb.zeros({numExperts + 1}, i64), {0}, 3,
        {1, 2}, [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          return addIf(ib, lessThan(ib, loopIndex(ib, 1), loopIndex(ib, 0)),
                       args[1], args[0]);
        });

    // permutation[i], parallel over the sorted positions i: the expert e of
    // position i (the last offset at or before it), the rank r = i -
    // offsets[e] inside its group, the chunk holding that slot of e (the
    // chunks whose slots of e all come before r), then that slot, found in
    // its chunk by counting e's slots. Slots of one expert keep their
    // order (a stable sort).
    auto at = [&](ImplicitLocOpBuilder &ib, Value tensor, ValueRange indices) {
      return tensor::ExtractOp::create(ib, tensor, indices).getResult();
    };
    auto toIndex = [&](ImplicitLocOpBuilder &ib, Value v) {
      return arith::IndexCastOp::create(ib, ib.getIndexType(), v).getResult();
    };
    auto toI64 = [&](ImplicitLocOpBuilder &ib, Value v) {
      return arith::IndexCastOp::create(ib, i64, v).getResult();
    };
    Value permutation = buildGeneric(
        b, {}, {}, tensor::EmptyOp::create(b, ArrayRef<int64_t>{numSlots}, i64),
        {0}, 1, {}, [&](ImplicitLocOpBuilder &ib, ValueRange) {
          Value i = toI64(ib, loopIndex(ib, 0));
          Value started =
              buildLoop(
                  ib, numExperts + 1, {tb.i64(0)},
                  [&](ImplicitLocOpBuilder &lb, Value e, ValueRange a) {
                    Value starts = arith::CmpIOp::create(
                        lb, arith::CmpIPredicate::sle, at(lb, offsets, e), i);
                    return SmallVector<Value>{addIf(lb, starts, a[0], one)};
                  })
                  .getResult(0);
          Value e = clampToIndex(ib, arith::SubIOp::create(ib, started, one),
                                 numExperts);
          Value rank = arith::SubIOp::create(ib, i, at(ib, offsets, e));
          Value before =
              buildLoop(ib, numChunks, {tb.i64(0)},
                        [&](ImplicitLocOpBuilder &lb, Value c, ValueRange a) {
                          Value end = arith::AddIOp::create(
                              lb, at(lb, chunkStarts, {c, e}),
                              at(lb, chunkCounts, {c, e}));
                          Value done = arith::CmpIOp::create(
                              lb, arith::CmpIPredicate::sle, end, rank);
                          return SmallVector<Value>{addIf(lb, done, a[0], one)};
                        })
                  .getResult(0);
          Value c = clampToIndex(ib, before, numChunks);
          Value target =
              arith::SubIOp::create(ib, rank, at(ib, chunkStarts, {c, e}));
          scf::ForOp search = buildLoop(
              ib, kSortChunk, {tb.i64(0), tb.i64(0)},
              [&](ImplicitLocOpBuilder &lb, Value j, ValueRange a) {
                Value s = slotOf(lb, c, j).first;
                Value mine = arith::CmpIOp::create(lb, arith::CmpIPredicate::eq,
                                                   at(lb, byChunk, {c, j}),
                                                   toI64(lb, e));
                Value hit = arith::AndIOp::create(
                    lb, mine,
                    arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, a[0],
                                          target));
                Value found =
                    arith::SelectOp::create(lb, hit, toI64(lb, s), a[1]);
                return SmallVector<Value>{addIf(lb, mine, a[0], one), found};
              });
          return search.getResult(1);
        });

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
/// `position` the inverse of the permutation (parallel over the T*k slots,
/// each searching the permutation: O((T*k)^2) integer steps in all; a slot
/// no row names contributes nothing, one that several name takes the
/// last). Parallel over (t, d), each token's row written once: no
/// scatter.
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

    // position[s] = the last i with permutation[i] = s (clamped), -1 if
    // none: loops (s, i), i reduced, parallel over the slots.
    Value position = buildGeneric(
        b, {op.getPermutation()}, {{1}}, tb.filled({numSlots}, i64, tb.i64(-1)),
        {0}, 2, {1}, [&](ImplicitLocOpBuilder &ib, ValueRange args) {
          Value names = arith::CmpIOp::create(
              ib, arith::CmpIPredicate::eq, clampToIndex(ib, args[0], numSlots),
              loopIndex(ib, 0));
          Value i = arith::IndexCastOp::create(ib, i64, loopIndex(ib, 1));
          return arith::SelectOp::create(ib, names, i, args[1]).getResult();
        });

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
