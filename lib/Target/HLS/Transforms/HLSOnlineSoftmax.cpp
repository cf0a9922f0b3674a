//===- HLSOnlineSoftmax.cpp - m3sat-hls-online-softmax --------------------===//
//
// Softmax as the FPGA accelerators compute it: one pass over the row that
// keeps a running maximum and a running sum of exponentials, then the
// normalisation, instead of a maximum pass, an exponential-and-sum pass and
// a division pass over a buffer of exponentials.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSONLINESOFTMAX
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// The importer's softmax of `input` along `axis`: the ops in the order
/// they are erased, and the value that holds the softmax.
struct SoftmaxMatch {
  Value input;
  unsigned axis = 0;
  Value result;
  SmallVector<Operation *> ops;
};

/// The single user of `value`, or null.
Operation *soleUser(Value value) {
  return value.hasOneUse() ? *value.getUsers().begin() : nullptr;
}

/// The map of a rank-`rank` iteration space to `axis` held at 0 (the
/// reduced operand of a broadcast), or to `axis` dropped.
AffineMap reducedMap(MLIRContext *context, unsigned rank, unsigned axis,
                     bool keepAxis) {
  SmallVector<AffineExpr> results;
  for (unsigned d = 0; d < rank; ++d) {
    if (d != axis)
      results.push_back(getAffineDimExpr(d, context));
    else if (keepAxis)
      results.push_back(getAffineConstantExpr(0, context));
  }
  return AffineMap::get(rank, 0, results, context);
}

/// Whether `op` is the importer's `exp / sum`: an elementwise
/// `linalg.generic` over `exp`'s shape whose body divides its first input,
/// `exp`, by its second, `sum` broadcast along `axis`.
bool isDivision(Operation *op, Value exp, Value sum, unsigned axis) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getDpsInputs()[0] != exp || generic.getDpsInputs()[1] != sum ||
      generic.getNumReductionLoops() != 0)
    return false;
  unsigned rank = cast<RankedTensorType>(exp.getType()).getRank();
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  MLIRContext *context = op->getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  if (maps[0] != identity ||
      maps[1] != reducedMap(context, rank, axis, /*keepAxis=*/true) ||
      maps[2] != identity)
    return false;
  Block &body = generic.getRegion().front();
  auto divide = dyn_cast<arith::DivFOp>(body.front());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return divide && &*std::next(body.begin()) == yield &&
         divide.getLhs() == body.getArgument(0) &&
         divide.getRhs() == body.getArgument(1) &&
         yield.getOperand(0) == divide.getResult();
}

/// The softmax that starts at `max`, if every intermediate value is used
/// only by the next step.
std::optional<SoftmaxMatch> matchSoftmax(tosa::ReduceMaxOp max) {
  SoftmaxMatch match;
  match.input = max.getInput();
  match.axis = max.getAxis();
  auto type = dyn_cast<RankedTensorType>(match.input.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
      match.axis >= type.getRank())
    return std::nullopt;
  auto sub = dyn_cast_or_null<tosa::SubOp>(soleUser(max.getResult()));
  if (!sub || sub.getInput1() != match.input || sub.getInput2() != max ||
      sub.getType() != type)
    return std::nullopt;
  auto exp = dyn_cast_or_null<tosa::ExpOp>(soleUser(sub.getResult()));
  if (!exp || !llvm::hasNItems(exp->getUsers(), 2))
    return std::nullopt;
  // The sum and the division (in either order of use).
  tosa::ReduceSumOp sum;
  Operation *other = nullptr;
  for (Operation *user : exp->getUsers()) {
    auto candidate = dyn_cast<tosa::ReduceSumOp>(user);
    if (candidate && !sum && candidate.getInput() == exp.getResult() &&
        candidate.getAxis() == match.axis)
      sum = candidate;
    else
      other = user;
  }
  if (!sum || !other || other == sum)
    return std::nullopt;
  Operation *sumUser = soleUser(sum.getResult());
  if (isDivision(other, exp, sum, match.axis) && sumUser == other) {
    match.result = other->getResult(0);
    match.ops = {other, sum, exp, sub, max};
    return match;
  }
  // exp * reciprocal(sum).
  auto reciprocal = dyn_cast_or_null<tosa::ReciprocalOp>(sumUser);
  auto mul = dyn_cast<tosa::MulOp>(other);
  if (!reciprocal || !mul || soleUser(reciprocal.getResult()) != mul ||
      mul.getType() != type)
    return std::nullopt;
  Value lhs = mul.getInput1(), rhs = mul.getInput2();
  if (!((lhs == exp && rhs == reciprocal) || (lhs == reciprocal && rhs == exp)))
    return std::nullopt;
  match.result = mul.getResult();
  match.ops = {mul, reciprocal, sum, exp, sub, max};
  return match;
}

/// Replaces `match` by the running maximum and sum, then the normalisation.
void rewrite(const SoftmaxMatch &match) {
  Operation *max = match.ops.back();
  OpBuilder b(match.result.getDefiningOp());
  Location loc = max->getLoc();
  auto type = cast<RankedTensorType>(match.input.getType());
  unsigned rank = type.getRank();
  MLIRContext *context = b.getContext();
  Type f32 = b.getF32Type();

  // The running maximum starts at the row's first element (not -inf: in
  // fixed point, -inf is the type's lowest value and x - lowest would
  // wrap), the running sum at 0.
  SmallVector<int64_t> rowShape;
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (unsigned d = 0; d < rank; ++d) {
    sizes.push_back(b.getIndexAttr(d == match.axis ? 1 : type.getDimSize(d)));
    if (d != match.axis)
      rowShape.push_back(type.getDimSize(d));
  }
  auto rowType = RankedTensorType::get(rowShape, f32);
  Value maxInit = tensor::ExtractSliceOp::create(b, loc, rowType, match.input,
                                                 offsets, sizes, strides);
  Value sumInit =
      linalg::FillOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0)).getResult(),
          tensor::EmptyOp::create(b, loc, rowShape, f32).getResult())
          .getResult(0);

  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap row = reducedMap(context, rank, match.axis, /*keepAxis=*/false);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[match.axis] = utils::IteratorType::reduction;
  auto online = linalg::GenericOp::create(
      b, loc, TypeRange{maxInit.getType(), sumInit.getType()},
      ValueRange{match.input}, ValueRange{maxInit, sumInit},
      ArrayRef<AffineMap>{identity, row, row}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = args[0], m = args[1], s = args[2];
        auto f32Const = [&](double v) {
          return arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(v));
        };
        // x > m: the maximum moves to x, the sum is rescaled by
        // exp(m - x) and x adds exp(0) = 1; else x adds exp(x - m).
        Value greater =
            arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, x, m);
        Value newMax = arith::SelectOp::create(nb, nl, greater, x, m);
        Value smaller = arith::SelectOp::create(nb, nl, greater, m, x);
        // exp(small - big), 1 when both are the same infinity (-inf - -inf
        // would be NaN).
        Value same = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                           smaller, newMax);
        Value e = arith::SelectOp::create(
            nb, nl, same, f32Const(1.0),
            math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, smaller, newMax)));
        Value rescaled = arith::SelectOp::create(
            nb, nl, greater, arith::MulFOp::create(nb, nl, s, e), s);
        Value added =
            arith::SelectOp::create(nb, nl, greater, f32Const(1.0), e);
        Value newSum = arith::AddFOp::create(nb, nl, rescaled, added);
        linalg::YieldOp::create(nb, nl, ValueRange{newMax, newSum});
      });

  // exp(x - m) / s.
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), f32);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  auto normalised = linalg::GenericOp::create(
      b, loc, TypeRange{type},
      ValueRange{match.input, online.getResult(0), online.getResult(1)},
      ValueRange{empty}, ArrayRef<AffineMap>{identity, row, row, identity},
      parallel, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value shifted = arith::SubFOp::create(nb, nl, args[0], args[1]);
        Value quotient = arith::DivFOp::create(
            nb, nl, math::ExpOp::create(nb, nl, shifted), args[2]);
        linalg::YieldOp::create(nb, nl, quotient);
      });

  Value result = match.result;
  result.replaceAllUsesWith(normalised.getResult(0));
  for (Operation *op : match.ops)
    op->erase();
}

struct HLSOnlineSoftmax
    : public m3sat::impl::HLSOnlineSoftmaxBase<HLSOnlineSoftmax> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<SoftmaxMatch> matches;
    getOperation().walk([&](tosa::ReduceMaxOp max) {
      if (std::optional<SoftmaxMatch> match = matchSoftmax(max))
        matches.push_back(std::move(*match));
    });
    for (const SoftmaxMatch &match : matches) {
      rewrite(match);
      ++numRewritten;
    }
  }
};

} // namespace
