//===- VectorizeElementwise.cpp - vector code for elementwise linalg ------===//
//
// Implements m3sat-vectorize-elementwise: elementwise and row-reduction
// linalg.generic ops on static buffers are tiled so that each tile spans a
// short run of the innermost (contiguous) loop, or a whole row for a
// reduction, and each tile is vectorized with upstream's linalg::vectorize.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Whether `operand` is read or written contiguously along loop `inner`, or
/// does not depend on it: `inner` is absent from the map, or is exactly its
/// last result and appears nowhere else, on a memref with unit stride there.
bool isContiguousOrBroadcast(linalg::LinalgOp op, OpOperand &operand,
                             unsigned inner) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (!map.isFunctionOfDim(inner))
    return true;
  unsigned last = map.getNumResults() - 1;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    bool isInner = expr == getAffineDimExpr(inner, op.getContext());
    if (i == last ? !isInner : expr.isFunctionOfDim(inner))
      return false;
  }
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  if (!type)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// Largest power of two from `width` down to 4 that divides `size`; 0 when
/// none does.
int64_t vectorWidth(int64_t size, int64_t width) {
  for (int64_t w = width; w >= 4; w /= 2)
    if (size % w == 0)
      return w;
  return 0;
}

/// Tile sizes for `op` (see the pass description), or none when it does
/// not qualify.
std::optional<SmallVector<int64_t>>
tileSizesFor(linalg::GenericOp op, int64_t width, int64_t maxReduction) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0)
    return std::nullopt;
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    Dialect *dialect = bodyOp.getDialect();
    if (!isa_and_nonnull<arith::ArithDialect, math::MathDialect>(dialect))
      return std::nullopt;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    // A memref of i1 holds a byte per element, a vector of i1 a bit.
    Type element = getElementTypeOrSelf(operand.get().getType());
    if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
      return std::nullopt;
    if (!isContiguousOrBroadcast(op, operand, inner))
      return std::nullopt;
  }
  // Every output is written along the innermost loop unless that loop is
  // the reduction.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  bool reduction = iterators[inner] == utils::IteratorType::reduction;
  for (unsigned i = 0; i < inner; ++i)
    if (iterators[i] != utils::IteratorType::parallel)
      return std::nullopt;
  SmallVector<int64_t> sizes(op.getNumLoops(), 1);
  if (reduction) {
    if (ranges[inner] > maxReduction)
      return std::nullopt;
    sizes[inner] = 0; // not tiled: the whole row is one vector
    return sizes;
  }
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!op.getMatchingIndexingMap(&init).isFunctionOfDim(inner))
      return std::nullopt;
  int64_t w = vectorWidth(ranges[inner], width);
  if (w == 0)
    return std::nullopt;
  sizes[inner] = w;
  return sizes;
}

/// The value a generic writes to every element of its only output, when it
/// is a fill (no inputs, all loops parallel, identity map, the body yields a
/// value defined outside it).
std::optional<Value> fillValue(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 0 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 ||
      !op.getIndexingMapsArray().front().isIdentity())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  if (op.getBody()->getOperations().size() != 1 ||
      yield.getValues()[0].getParentBlock() == op.getBody())
    return std::nullopt;
  return yield.getValues()[0];
}

/// The fill that initializes the output of the row reduction `op` and that
/// nothing observes: the op just before it (past ops without memory
/// effects) fills `op`'s output buffer, which `op` writes once per
/// combination of its parallel loops and does not read as an input. Moved
/// into the reduction's row loop, the fill needs no loop (and no barrier)
/// of its own, and the row's accumulator starts from the constant.
linalg::GenericOp initializingFill(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1)
    return {};
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap map = op.getMatchingIndexingMap(init);
  if (!map.isProjectedPermutation() ||
      map.getNumResults() != op.getNumParallelLoops())
    return {};
  for (OpOperand *input : op.getDpsInputOperands())
    if (input->get() == init->get())
      return {};
  Operation *prev = op->getPrevNode();
  while (prev && isMemoryEffectFree(prev))
    prev = prev->getPrevNode();
  auto fill = dyn_cast_or_null<linalg::GenericOp>(prev);
  if (!fill || !fillValue(fill) ||
      fill.getDpsInitOperand(0)->get() != init->get())
    return {};
  return fill;
}

struct VectorizeElementwisePass
    : m3sat::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk(
        [&](linalg::GenericOp op) { candidates.push_back(op); });
    // Fills that the row reductions after them absorb (before any op is
    // rewritten: a fill vectorized first would no longer be recognized).
    llvm::DenseMap<Operation *, linalg::GenericOp> fillOf;
    llvm::SmallPtrSet<Operation *, 16> absorbed;
    for (linalg::GenericOp op : candidates) {
      if (!tileSizesFor(op, width, maxReduction) ||
          failed(linalg::vectorizeOpPrecondition(op)))
        continue;
      if (linalg::GenericOp fill = initializingFill(op)) {
        fillOf[op] = fill;
        absorbed.insert(fill);
      }
    }
    IRRewriter rewriter(&getContext());
    int64_t vectorizedOps = 0;
    for (linalg::GenericOp op : candidates) {
      if (absorbed.contains(op))
        continue;
      std::optional<SmallVector<int64_t>> sizes =
          tileSizesFor(op, width, maxReduction);
      if (!sizes)
        continue;
      // The tile's op has static shapes (every tile size divides its loop),
      // so the vectorizer needs no masks.
      if (failed(linalg::vectorizeOpPrecondition(op)))
        continue;
      linalg::LinalgTilingOptions options;
      options.setTileSizes(*sizes);
      options.setLoopType(linalg::LinalgTilingLoopType::ParallelLoops);
      rewriter.setInsertionPoint(op);
      linalg::GenericOp fill = fillOf.lookup(op);
      FailureOr<linalg::TiledLinalgOp> tiled =
          linalg::tileLinalgOp(rewriter, op, options);
      if (failed(tiled))
        continue;
      rewriter.eraseOp(op);
      if (fill) {
        // The tile's output is one element: store the fill value there
        // before the row is reduced into it.
        auto tile = cast<linalg::GenericOp>(tiled->op);
        Value out = tile.getDpsInitOperand(0)->get();
        rewriter.setInsertionPoint(tile);
        Value zero = arith::ConstantIndexOp::create(rewriter, tile.getLoc(), 0);
        SmallVector<Value> indices(cast<MemRefType>(out.getType()).getRank(),
                                   zero);
        memref::StoreOp::create(rewriter, tile.getLoc(), *fillValue(fill), out,
                                indices);
        rewriter.eraseOp(fill);
        ++numFillsMoved;
      }
      rewriter.setInsertionPoint(tiled->op);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, tiled->op);
      if (failed(vectorized))
        continue; // the tiled op stays, lowered to loops like the others
      rewriter.eraseOp(tiled->op);
      ++vectorizedOps;
    }
    numVectorized += vectorizedOps;
    if (vectorizedOps == 0)
      return;

    // The tiles' vectors carry the unit dims of the tiling
    // (vector<1x1x16xf32>): drop them, so that every transfer is a 1-D
    // contiguous load or store and every reduction a 1-D vector.reduction,
    // which the LLVM conversion maps to SIMD instructions.
    RewritePatternSet patterns(&getContext());
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorToVectorCanonicalizationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      signalPassFailure();
      return;
    }
    // The vectorizer drops the fast-math flags of the reductions it turns
    // into vector.reduction. Reassociation was allowed for every linalg
    // reduction (m3sat-reassociate-reductions); without it LLVM would add
    // the lanes one after another instead of as a tree.
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    getOperation().walk([&](vector::ReductionOp op) {
      op.setFastmathAttr(arith::FastMathFlagsAttr::get(&getContext(), flags));
    });
  }
};

} // namespace
