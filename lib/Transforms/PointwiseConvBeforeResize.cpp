//===- PointwiseConvBeforeResize.cpp - cls(up(x)) = up(cls(x)) ------------===//
//
// Implements m3sat-pointwise-conv-before-resize: a 1x1 convolution that
// reduces channels and reads a Resize (the importer's per-axis
// interpolation generics) runs before it instead, so that the Resize
// interpolates fewer channels and the convolution runs at the lower
// resolution.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/ExpertSelection.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace m3sat {
#define GEN_PASS_DEF_POINTWISECONVBEFORERESIZE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// One tap of a Resize generic: the block argument holding its input index
/// per output position and the one holding its weight (null: weight 1).
struct Tap {
  BlockArgument index, weight;
};

/// One per-axis Resize generic of a chain.
struct ResizeStep {
  linalg::GenericOp op;
  Value source;
  int64_t axis;
  SmallVector<Tap> taps;
};

/// Collects the taps of `value`, a sum of `tensor.extract`s each optionally
/// multiplied by a block argument of `block`.
LogicalResult collectTaps(Value value, Block *block, SmallVector<Tap> &taps,
                          SmallVector<tensor::ExtractOp> &extracts) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != block || !value.hasOneUse())
    return failure();
  if (auto add = dyn_cast<arith::AddFOp>(def))
    return success(
        succeeded(collectTaps(add.getLhs(), block, taps, extracts)) &&
        succeeded(collectTaps(add.getRhs(), block, taps, extracts)));
  BlockArgument weight;
  if (auto mul = dyn_cast<arith::MulFOp>(def)) {
    for (auto [element, factor] : {std::pair(mul.getLhs(), mul.getRhs()),
                                   std::pair(mul.getRhs(), mul.getLhs())}) {
      auto arg = dyn_cast<BlockArgument>(factor);
      if (!arg || arg.getOwner() != block || !element.getDefiningOp() ||
          !isa<tensor::ExtractOp>(element.getDefiningOp()))
        continue;
      weight = arg;
      value = element;
      break;
    }
    if (!weight || !value.hasOneUse())
      return failure();
  }
  auto extract = value.getDefiningOp<tensor::ExtractOp>();
  if (!extract || extract->getBlock() != block)
    return failure();
  extracts.push_back(extract);
  taps.push_back({BlockArgument(), weight});
  return success();
}

/// Whether `extract` reads its source at output position (d0, ..., dn)
/// except along `axis`, where it reads the index of `tap`; fills in
/// `tap.index`.
LogicalResult matchExtract(tensor::ExtractOp extract, linalg::GenericOp op,
                           int64_t axis, Tap &tap) {
  auto type = cast<RankedTensorType>(op.getResult(0).getType());
  if (static_cast<int64_t>(extract.getIndices().size()) != type.getRank())
    return failure();
  for (auto [d, index] : llvm::enumerate(extract.getIndices())) {
    if (static_cast<int64_t>(d) == axis) {
      auto cast = index.getDefiningOp<arith::IndexCastOp>();
      auto arg = cast ? dyn_cast<BlockArgument>(cast.getIn()) : nullptr;
      if (!arg || arg.getOwner() != op.getBody() ||
          arg.getArgNumber() >= op.getNumDpsInputs())
        return failure();
      tap.index = arg;
      continue;
    }
    if (auto dim = index.getDefiningOp<linalg::IndexOp>();
        dim && static_cast<int64_t>(dim.getDim()) == static_cast<int64_t>(d))
      continue;
    // A unit dimension's index folds to 0.
    if (!matchPattern(index, m_Zero()) || type.getDimSize(d) != 1)
      return failure();
  }
  return success();
}

/// Matches the importer's per-axis Resize: an all-parallel generic over 1-D
/// inputs indexed by one output dimension, yielding the sum of its taps.
FailureOr<ResizeStep> matchResize(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumResults() != 1 ||
      op.getNumDpsInputs() == 0 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getIndexingMapsArray().back().isIdentity() ||
      !op.getRegionOutputArgs()[0].use_empty())
    return failure();
  std::optional<int64_t> axis;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() != 1)
      return failure();
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(0));
    if (!dim || (axis && *axis != dim.getPosition()))
      return failure();
    axis = dim.getPosition();
  }
  ResizeStep step{op, Value(), *axis, {}};
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  SmallVector<tensor::ExtractOp> extracts;
  if (yield.getNumOperands() != 1 ||
      failed(collectTaps(yield.getOperand(0), body, step.taps, extracts)))
    return failure();
  for (auto [extract, tap] : llvm::zip_equal(extracts, step.taps)) {
    if (step.source && extract.getTensor() != step.source)
      return failure();
    step.source = extract.getTensor();
    if (failed(matchExtract(extract, op, *axis, tap)))
      return failure();
  }
  // The source comes from outside; the body holds nothing but the taps and
  // their index computations (so the channel index only picks a channel).
  if (op->isAncestor(step.source.getParentRegion()->getParentOp()))
    return failure();
  for (Operation &inner : body->without_terminator())
    if (!isa<linalg::IndexOp, arith::IndexCastOp, arith::ConstantOp,
             tensor::ExtractOp, arith::MulFOp, arith::AddFOp>(inner))
      return failure();
  for (auto index : body->getOps<linalg::IndexOp>())
    for (OpOperand &use : index->getUses())
      if (!isa<tensor::ExtractOp>(use.getOwner()) ||
          use.getOperandNumber() != index.getDim() + 1)
        return failure();
  return step;
}

/// Whether the weights of every output position of `step` sum to 1.
bool weightsSumToOne(const ResizeStep &step) {
  linalg::GenericOp op = step.op;
  int64_t size = op.getStaticLoopRanges()[step.axis];
  if (ShapedType::isDynamic(size))
    return false;
  std::vector<double> sums(size, 0.0);
  for (const Tap &tap : step.taps) {
    if (!tap.weight) {
      for (double &sum : sums)
        sum += 1.0;
      continue;
    }
    Value weights = op.getDpsInputs()[tap.weight.getArgNumber()];
    ElementsAttr attr;
    if (!matchPattern(weights, m_Constant(&attr)) ||
        !attr.getElementType().isF32() || attr.getNumElements() != size)
      return false;
    SmallVector<char> storage;
    FailureOr<ArrayRef<char>> bytes = constantBytes(attr, storage);
    if (failed(bytes))
      return false;
    ArrayRef<float> values(reinterpret_cast<const float *>(bytes->data()),
                           size);
    for (int64_t i = 0; i < size; ++i)
      sums[i] += values[i];
  }
  return llvm::all_of(sums,
                      [](double sum) { return std::abs(sum - 1.0) <= 1e-6; });
}

/// Whether `value` is a constant of zeros.
bool isZeros(Value value) {
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return false;
  auto values = attr.tryGetValues<APFloat>();
  return values.has_value() &&
         llvm::all_of(*values, [](const APFloat &v) { return v.isZero(); });
}

/// `value` transposed by `perms` (nothing for the identity).
Value transpose(OpBuilder &b, Location loc, Value value,
                ArrayRef<int32_t> perms) {
  if (llvm::equal(perms, llvm::seq<int32_t>(0, perms.size())))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int32_t perm : perms)
    shape.push_back(type.getDimSize(perm));
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      b.getDenseI32ArrayAttr(perms));
}

/// `step` again, reading `source` and with `channels` along `channelDim`.
Value rebuildResize(RewriterBase &rewriter, const ResizeStep &step,
                    Value source, int64_t channelDim, int64_t channels) {
  linalg::GenericOp old = step.op;
  auto oldType = cast<RankedTensorType>(old.getResult(0).getType());
  SmallVector<int64_t> shape(oldType.getShape());
  shape[channelDim] = channels;
  Location loc = old.getLoc();
  Value init =
      tensor::EmptyOp::create(rewriter, loc, shape, oldType.getElementType());
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, old.getDpsInputs(),
      ValueRange{init}, old.getIndexingMapsArray(),
      old.getIteratorTypesArray());
  IRMapping mapping;
  mapping.map(step.source, source);
  rewriter.cloneRegionBefore(old.getRegion(), generic.getRegion(),
                             generic.getRegion().end(), mapping);
  return generic.getResult(0);
}

struct PointwiseConvBeforeResizePass
    : m3sat::impl::PointwiseConvBeforeResizeBase<
          PointwiseConvBeforeResizePass> {
  void runOnOperation() override {
    SmallVector<tosa::Conv2DOp> convs;
    getOperation().walk([&](tosa::Conv2DOp op) { convs.push_back(op); });
    for (tosa::Conv2DOp conv : convs)
      if (succeeded(move(conv)))
        ++numMoved;
  }

  /// Whether `conv` is a 1x1 convolution from more to fewer channels.
  static bool isReducingPointwise(tosa::Conv2DOp conv) {
    auto weight = dyn_cast<RankedTensorType>(conv.getWeight().getType());
    auto input = dyn_cast<RankedTensorType>(conv.getInput().getType());
    return weight && input && weight.hasStaticShape() &&
           input.hasStaticShape() && isa<FloatType>(input.getElementType()) &&
           weight.getDimSize(1) == 1 && weight.getDimSize(2) == 1 &&
           weight.getDimSize(0) < weight.getDimSize(3) &&
           llvm::all_of(conv.getPad(), [](int64_t p) { return p == 0; }) &&
           llvm::all_of(conv.getStride(), [](int64_t s) { return s == 1; }) &&
           llvm::all_of(conv.getDilation(), [](int64_t d) { return d == 1; });
  }

  /// The Resize chain that `value` (NCHW-like, channels along `channelDim`)
  /// is, outermost first; each step used only by the next.
  static SmallVector<ResizeStep> matchChain(Value value, int64_t channelDim) {
    SmallVector<ResizeStep> chain;
    auto usedOnlyByNext = [&](Value value) {
      if (chain.empty())
        return value.hasOneUse();
      return llvm::all_of(value.getUsers(), [&](Operation *user) {
        return chain.back().op->isAncestor(user);
      });
    };
    while (usedOnlyByNext(value)) {
      auto op = value.getDefiningOp<linalg::GenericOp>();
      FailureOr<ResizeStep> step =
          op ? matchResize(op) : FailureOr<ResizeStep>(failure());
      if (failed(step) || step->axis == channelDim)
        break;
      value = step->source;
      chain.push_back(*step);
    }
    return chain;
  }

  LogicalResult move(tosa::Conv2DOp conv) {
    if (!isReducingPointwise(conv))
      return failure();
    // The convolution reads NHWC: the chain's layout is the transpose's
    // input, if there is one.
    Value input = conv.getInput();
    SmallVector<int32_t> perms = {0, 1, 2, 3};
    auto toNHWC = input.getDefiningOp<tosa::TransposeOp>();
    if (toNHWC) {
      if (!input.hasOneUse())
        return failure();
      perms.assign(toNHWC.getPerms().begin(), toNHWC.getPerms().end());
      input = toNHWC.getInput1();
    }
    int64_t channelDim = perms[3];
    SmallVector<ResizeStep> chain = matchChain(input, channelDim);
    if (chain.empty())
      return failure();
    if (!isZeros(conv.getBias()) &&
        !llvm::all_of(chain,
                      [](const ResizeStep &s) { return weightsSumToOne(s); }))
      return failure();

    IRRewriter rewriter(conv->getContext());
    rewriter.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    SmallVector<int32_t> inverse(perms.size());
    for (auto [i, perm] : llvm::enumerate(perms))
      inverse[perm] = i;
    // cls(x), then x's layout again, then the Resize, then NHWC.
    IRMapping mapping;
    mapping.map(conv.getInput(),
                transpose(rewriter, loc, chain.back().source, perms));
    Operation *moved = rewriter.clone(*conv, mapping);
    auto movedType = cast<RankedTensorType>(moved->getOperand(0).getType());
    SmallVector<int64_t> shape(movedType.getShape());
    int64_t channels = cast<RankedTensorType>(conv.getType()).getDimSize(3);
    shape[3] = channels;
    moved->getResult(0).setType(
        RankedTensorType::get(shape, movedType.getElementType()));
    Value value = transpose(rewriter, loc, moved->getResult(0), inverse);
    for (const ResizeStep &step : llvm::reverse(chain))
      value = rebuildResize(rewriter, step, value, channelDim, channels);
    Value result = transpose(rewriter, loc, value, perms);
    // A transpose back to the chain's layout reads the new Resize directly.
    for (Operation *user : llvm::make_early_inc_range(conv->getUsers()))
      if (auto back = dyn_cast<tosa::TransposeOp>(user);
          back && llvm::equal(back.getPerms(), inverse))
        rewriter.replaceOp(back, value);
    rewriter.replaceOp(conv, result);
    if (result != value && result.use_empty())
      rewriter.eraseOp(result.getDefiningOp());
    if (toNHWC)
      rewriter.eraseOp(toNHWC);
    for (const ResizeStep &step : chain)
      rewriter.eraseOp(step.op);
    return success();
  }
};

} // namespace
