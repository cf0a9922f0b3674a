//===- FuseAttention.cpp - softmax(scale * Q K^T) V in one loop nest ------===//
//
// Implements m3sat-fuse-attention: the importer's scaled dot-product
// attention (two tosa.matmul with the scale and softmax between them)
// becomes one scf.forall over (batch, query row) whose iterations run an
// online softmax over the keys and accumulate the weighted value rows in
// their own row of the result. Target-independent: the GPU pipeline makes
// it one kernel, the CPU pipeline runs it as loops (which is how its
// numerics are checked without a GPU).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

#include <limits>

namespace m3sat {
#define GEN_PASS_DEF_FUSEATTENTION
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// One attention block: out = softmax(scale * q kt) v, q [N, M, D],
/// kt [N, D, L], v [N, L, E], out [N, M, E].
struct Attention {
  tosa::MatMulOp scores, output;
  Value q, kt, v;
  /// Null when the scores are not scaled.
  FloatAttr scale;
  /// Every op from `output` back to `scores`, users before producers.
  SmallVector<Operation *> ops;
};

/// Whether `reshape` only regroups the leading dimensions of a tensor whose
/// last two (the matrix) it keeps.
bool isBatchReshape(tosa::ReshapeOp reshape) {
  auto from = dyn_cast<RankedTensorType>(reshape.getInput1().getType());
  auto to = dyn_cast<RankedTensorType>(reshape.getType());
  if (!from || !to || !from.hasStaticShape() || !to.hasStaticShape() ||
      from.getRank() < 2 || to.getRank() < 2)
    return false;
  return from.getShape().take_back(2) == to.getShape().take_back(2) &&
         from.getNumElements() == to.getNumElements();
}

/// `value`'s source through batch reshapes, each of whose inputs has no
/// other use; the reshapes are appended to `ops`.
Value skipBatchReshapes(Value value, SmallVectorImpl<Operation *> &ops) {
  while (auto reshape = value.getDefiningOp<tosa::ReshapeOp>()) {
    if (!isBatchReshape(reshape) || !reshape.getInput1().hasOneUse())
      break;
    ops.push_back(reshape);
    value = reshape.getInput1();
  }
  return value;
}

/// Whether `op` reduces along the last axis of its rank-`rank` input.
template <typename ReduceOp> bool reducesLastAxis(ReduceOp op, int64_t rank) {
  return op && static_cast<int64_t>(op.getAxis()) == rank - 1;
}

/// Whether `generic` is the importer's division `exp / sum` with `sum`
/// broadcast along the last axis.
bool isRowDivision(linalg::GenericOp generic, Value exp, Value sum) {
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getDpsInputs()[0] != exp || generic.getDpsInputs()[1] != sum ||
      generic.getNumReductionLoops() != 0)
    return false;
  auto type = cast<RankedTensorType>(exp.getType());
  unsigned rank = type.getRank();
  MLIRContext *context = generic.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  SmallVector<AffineExpr> rowExprs = llvm::to_vector(identity.getResults());
  rowExprs.back() = getAffineConstantExpr(0, context);
  AffineMap row = AffineMap::get(rank, 0, rowExprs, context);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0] != identity || maps[1] != row || maps[2] != identity)
    return false;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto divide = dyn_cast<arith::DivFOp>(body.front());
  return divide && divide.getLhs() == body.getArgument(0) &&
         divide.getRhs() == body.getArgument(1) &&
         body.getTerminator()->getOperand(0) == divide.getResult();
}

/// The input of the importer's softmax along the last axis whose result is
/// `result`, every intermediate used only by the softmax; its ops are
/// appended to `ops`.
FailureOr<Value> matchSoftmax(Value result, SmallVectorImpl<Operation *> &ops) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return failure();
  int64_t rank = type.getRank();
  Value exp, sum;
  Operation *division = result.getDefiningOp();
  SmallVector<Operation *> found;
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(division)) {
    exp = generic.getDpsInputs().empty() ? Value() : generic.getDpsInputs()[0];
    sum = generic.getNumDpsInputs() == 2 ? generic.getDpsInputs()[1] : Value();
    if (!isRowDivision(generic, exp, sum))
      return failure();
    found.push_back(generic);
  } else if (auto mul = dyn_cast_or_null<tosa::MulOp>(division)) {
    // exp * reciprocal(sum), in either order.
    for (auto [a, b] : {std::pair(mul.getInput1(), mul.getInput2()),
                        std::pair(mul.getInput2(), mul.getInput1())}) {
      auto reciprocal = b.getDefiningOp<tosa::ReciprocalOp>();
      if (reciprocal && b.hasOneUse() && a.getType() == type) {
        exp = a;
        sum = reciprocal.getInput1();
        found.append({mul, reciprocal});
        break;
      }
    }
    if (!exp)
      return failure();
  } else {
    return failure();
  }
  auto reduceSum = sum.getDefiningOp<tosa::ReduceSumOp>();
  auto expOp = exp.getDefiningOp<tosa::ExpOp>();
  if (!reducesLastAxis(reduceSum, rank) || !sum.hasOneUse() || !expOp ||
      reduceSum.getInput() != exp || !llvm::hasNItems(exp.getUses(), 2))
    return failure();
  auto sub = expOp.getInput1().getDefiningOp<tosa::SubOp>();
  if (!sub || !expOp.getInput1().hasOneUse() || sub.getType() != type)
    return failure();
  Value input = sub.getInput1();
  auto reduceMax = sub.getInput2().getDefiningOp<tosa::ReduceMaxOp>();
  if (!reducesLastAxis(reduceMax, rank) || reduceMax.getInput() != input ||
      !sub.getInput2().hasOneUse() || input.getType() != type ||
      !llvm::hasNItems(input.getUses(), 2))
    return failure();
  found.append({reduceSum, expOp, sub, reduceMax});
  ops.append(found);
  return input;
}

/// Whether `value` is a constant zero (a matmul's float zero point, a
/// mul's shift).
bool isZero(Value value) {
  return matchPattern(value, m_AnyZeroFloat()) || matchPattern(value, m_Zero());
}

/// Whether `matmul` is an f32 product with zero zero points and static
/// shapes.
bool isPlainMatmul(tosa::MatMulOp matmul) {
  if (!matmul)
    return false;
  auto isStaticF32 = [](Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.hasStaticShape() && type.getElementType().isF32();
  };
  return isStaticF32(matmul.getResult()) && isStaticF32(matmul.getA()) &&
         isStaticF32(matmul.getB()) && isZero(matmul.getAZp()) &&
         isZero(matmul.getBZp());
}

/// The attention block whose last product is `output`, if it is one.
FailureOr<Attention> matchAttention(tosa::MatMulOp output) {
  Attention match;
  match.output = output;
  if (!isPlainMatmul(output) || !output.getA().hasOneUse())
    return failure();
  match.ops.push_back(output);
  Value probabilities = skipBatchReshapes(output.getA(), match.ops);
  if (!probabilities.hasOneUse())
    return failure();
  FailureOr<Value> input = matchSoftmax(probabilities, match.ops);
  if (failed(input))
    return failure();
  Value scores = skipBatchReshapes(*input, match.ops);
  if (auto mul = scores.getDefiningOp<tosa::MulOp>()) {
    for (auto [a, b] : {std::pair(mul.getInput1(), mul.getInput2()),
                        std::pair(mul.getInput2(), mul.getInput1())}) {
      APFloat scale(0.0f);
      if (a.hasOneUse() && a.getType() == mul.getType() &&
          matchPattern(b, m_ConstantFloat(&scale)) && isZero(mul.getShift())) {
        match.scale = FloatAttr::get(Float32Type::get(mul.getContext()),
                                     scale.convertToFloat());
        match.ops.push_back(mul);
        scores = a;
        break;
      }
    }
    if (!match.scale)
      return failure();
  }
  match.scores =
      skipBatchReshapes(scores, match.ops).getDefiningOp<tosa::MatMulOp>();
  if (!match.scores || !isPlainMatmul(match.scores))
    return failure();
  match.ops.push_back(match.scores);
  match.q = match.scores.getA();
  match.kt = match.scores.getB();
  match.v = output.getB();
  // The products must agree: [N, M, L] scores, [N, L, E] values.
  if (match.scores.getType() != output.getA().getType())
    return failure();
  return match;
}

/// Index constant `value`.
Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The scores' and values' sizes of `match`: head size D, keys L, value
/// width E.
struct Sizes {
  int64_t depth, keys, width;
};

Sizes getSizes(const Attention &match) {
  ArrayRef<int64_t> q = cast<ShapedType>(match.q.getType()).getShape();
  ArrayRef<int64_t> v = cast<ShapedType>(match.v.getType()).getShape();
  return {q[2], v[1], v[2]};
}

/// One step of the online softmax for key `j`: from the running maximum
/// `state[0]`, sum `state[1]` and output row `state[2..]`, the updated ones.
/// `q` is the query row.
SmallVector<Value> buildKeyStep(OpBuilder &b, Location loc,
                                const Attention &match, Value n, Value j,
                                ArrayRef<Value> q, ValueRange state) {
  // Products and sums may contract into fused multiply-adds, as in the
  // products of the unfused form (m3sat-reassociate-reductions).
  auto contract = arith::FastMathFlagsAttr::get(b.getContext(),
                                                arith::FastMathFlags::contract);
  // score = scale * sum_k q[k] * kt[n, k, j], summed in k order.
  Value score = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  for (auto [k, qk] : llvm::enumerate(q)) {
    Value kt = tensor::ExtractOp::create(b, loc, match.kt,
                                         ValueRange{n, index(b, loc, k), j});
    Value product = arith::MulFOp::create(b, loc, qk, kt, contract);
    score = arith::AddFOp::create(b, loc, score, product, contract);
  }
  if (match.scale)
    score = arith::MulFOp::create(
        b, loc, score, arith::ConstantOp::create(b, loc, match.scale));
  Value oldMax = state[0];
  Value max = arith::MaximumFOp::create(b, loc, oldMax, score);
  // alpha rescales what was summed under the old maximum (0 for the first
  // key: exp(-inf)).
  Value alpha =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, oldMax, max));
  Value weight =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, score, max));
  Value kept = arith::MulFOp::create(b, loc, state[1], alpha);
  SmallVector<Value> next = {max, arith::AddFOp::create(b, loc, kept, weight)};
  // row[e] = row[e] * alpha + weight * v[n, j, e]
  for (auto [e, o] : llvm::enumerate(state.drop_front(2))) {
    Value v = tensor::ExtractOp::create(b, loc, match.v,
                                        ValueRange{n, j, index(b, loc, e)});
    Value scaled = arith::MulFOp::create(b, loc, o, alpha, contract);
    Value added = arith::MulFOp::create(b, loc, weight, v, contract);
    next.push_back(arith::AddFOp::create(b, loc, scaled, added, contract));
  }
  return next;
}

/// One query row `i` of batch `n`: the online softmax over the keys and the
/// weighted sum of the value rows, each in scalars (registers), written
/// into `row` and returned.
Value buildRow(OpBuilder &b, Location loc, const Attention &match, Value n,
               Value i, Value row) {
  Sizes sizes = getSizes(match);
  SmallVector<Value> q;
  for (int64_t k = 0; k < sizes.depth; ++k)
    q.push_back(tensor::ExtractOp::create(b, loc, match.q,
                                          ValueRange{n, i, index(b, loc, k)}));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value lowest = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  SmallVector<Value> inits = {lowest, zero};
  inits.append(sizes.width, zero);
  auto keys = scf::ForOp::create(
      b, loc, index(b, loc, 0), index(b, loc, sizes.keys), index(b, loc, 1),
      inits,
      [&](OpBuilder &nested, Location nestedLoc, Value j, ValueRange state) {
        scf::YieldOp::create(
            nested, nestedLoc,
            buildKeyStep(nested, nestedLoc, match, n, j, q, state));
      });
  Value sum = keys.getResult(1);
  for (int64_t e = 0; e < sizes.width; ++e) {
    Value o = arith::DivFOp::create(b, loc, keys.getResult(2 + e), sum);
    row = tensor::InsertOp::create(b, loc, o, row, index(b, loc, e));
  }
  return row;
}

/// Replaces `match` with its fused loop nest.
void fuse(const Attention &match) {
  tosa::MatMulOp output = match.output;
  OpBuilder b(output);
  Location loc = output.getLoc();
  auto type = cast<RankedTensorType>(output.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t width = shape[2];
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  SmallVector<OpFoldResult> bounds = {b.getIndexAttr(shape[0]),
                                      b.getIndexAttr(shape[1])};
  auto forall = scf::ForallOp::create(b, loc, bounds, ValueRange{init},
                                      /*mapping=*/std::nullopt);
  Value n = forall.getInductionVars()[0], i = forall.getInductionVars()[1];
  Value out = forall.getRegionIterArgs()[0];
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<OpFoldResult> offsets = {n, i, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto rowType = RankedTensorType::get({width}, type.getElementType());
  Value row = tensor::ExtractSliceOp::create(b, loc, rowType, out, offsets,
                                             sizes, strides);
  Value result = buildRow(b, loc, match, n, i, row);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result, out, offsets, sizes,
                                        strides);
  output.getResult().replaceAllUsesWith(forall.getResult(0));
  for (Operation *op : match.ops)
    op->erase();
}

struct FuseAttentionPass
    : public m3sat::impl::FuseAttentionBase<FuseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Attention> blocks;
    getOperation().walk([&](tosa::MatMulOp output) {
      FailureOr<Attention> match = matchAttention(output);
      if (failed(match))
        return;
      Sizes sizes = getSizes(*match);
      if (sizes.depth + sizes.width <= maxRowValues)
        blocks.push_back(std::move(*match));
    });
    for (const Attention &match : blocks)
      fuse(match);
    numFused += blocks.size();
  }
};

} // namespace
