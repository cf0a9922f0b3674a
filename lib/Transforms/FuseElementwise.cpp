//===- FuseElementwise.cpp - elementwise fusion that spares contractions --===//
//
// Implements m3sat-fuse-elementwise on top of upstream's elementwise fusion
// patterns, with a control function that keeps producers out of consumers
// that reduce.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Fuse only a producer that nothing else reads (fusing one with several
/// readers recomputes it in each, and a chain of such producers, a
/// transformer's residual stream read by each block's layer norm and by the
/// next residual add, grows quadratically with depth), and only into a
/// consumer that reads each of its elements once: one whose loops are all
/// parallel, or a reduction that reads it through a permutation of all its
/// loops (the squares of a variance). A matmul reads its operands once per
/// column or row of the other: fused there, the producer would be
/// recomputed that many times.
bool intoParallelConsumer(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!consumer || !fused->get().hasOneUse())
    return false;
  return consumer.getNumReductionLoops() == 0 ||
         consumer.getMatchingIndexingMap(fused).isPermutation();
}

struct FuseElementwisePass
    : m3sat::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 intoParallelConsumer);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      intoParallelConsumer);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
