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

/// Fuse only into consumers whose loops are all parallel, and only a
/// producer that nothing else reads: fusing one with several readers
/// recomputes it in each, and a chain of such producers (a transformer's
/// residual stream, read by each block's layer norm and by the next residual
/// add) grows quadratically with depth.
bool intoParallelConsumer(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  return consumer && consumer.getNumReductionLoops() == 0 &&
         fused->get().hasOneUse();
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
