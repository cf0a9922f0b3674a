//===- InterchangeForLocality.cpp - contiguous innermost loops ------------===//
//
// Implements m3sat-interchange-for-locality.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/QuantizedMatmul.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace m3sat {
#define GEN_PASS_DEF_INTERCHANGEFORLOCALITY
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Elements of `value` (1 unless it is a statically shaped tensor or
/// memref).
int64_t elementCount(Value value) {
  auto type = dyn_cast<ShapedType>(value.getType());
  return type && type.hasStaticShape()
             ? std::max<int64_t>(type.getNumElements(), 1)
             : 1;
}

/// The loop that is the last index of the most operands. Each operand
/// votes for the loop of its last dimension: with its element count when
/// all loops are parallel, so that the activations such a generic streams
/// decide, not the small tables it reads again and again (a Resize step's
/// indices and weights); with 1 in a reduction, whose loop order the
/// product and reduction lowerings recognize.
int64_t bestInnermost(linalg::GenericOp op) {
  unsigned numLoops = op.getNumLoops();
  bool weighted = op.getNumReductionLoops() == 0;
  SmallVector<int64_t> votes(numLoops, 0);
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (map.getNumResults() == 0)
      continue;
    if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
      votes[dim.getPosition()] += weighted ? elementCount(operand.get()) : 1;
  }
  int64_t best = numLoops - 1;
  for (unsigned d = 0; d < numLoops; ++d)
    if (votes[d] > votes[best])
      best = d;
  return best;
}

struct InterchangeForLocalityPass
    : m3sat::impl::InterchangeForLocalityBase<InterchangeForLocalityPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    for (linalg::GenericOp op : ops) {
      // Products with quantized weights keep the loop order that
      // m3sat-contractions-to-blas recognizes.
      if (op->hasAttr(m3sat::kQuantizedMatmulAttr))
        continue;
      unsigned numLoops = op.getNumLoops();
      int64_t inner = bestInnermost(op);
      if (numLoops < 2 || inner == static_cast<int64_t>(numLoops) - 1)
        continue;
      SmallVector<unsigned> permutation;
      for (unsigned d = 0; d < numLoops; ++d)
        if (d != inner)
          permutation.push_back(d);
      permutation.push_back(inner);
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, permutation)))
        continue;
    }
  }
};

} // namespace
