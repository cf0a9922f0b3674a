//===- M3SATToLinalg.cpp - the m3sat-convert-to-linalg pass ---------------===//
//
// Applies the lowering pattern families (expert-major rewrite, routing loops,
// expert contractions, and with moe-lowering=row-gather their parallel
// forms) until no m3sat op is left, and reports any op that
// could not be lowered.
//
//===----------------------------------------------------------------------===//

#include "LoweringPatterns.h"

#include "M3SAT/M3SATDialect.h"
#include "m3sat/Conversion/Passes.h"
#include "m3sat/Transforms/Patterns.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_CONVERTM3SATTOLINALG
#include "m3sat/Conversion/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct ConvertM3SATToLinalgPass
    : m3sat::impl::ConvertM3SATToLinalgBase<ConvertM3SATToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    auto isM3SAT = [](Operation *op) {
      return isa<M3SATDialect>(op->getDialect());
    };
    int64_t before = 0;
    getOperation().walk([&](Operation *op) { before += isM3SAT(op); });

    RewritePatternSet patterns(&getContext());
    populateExpertMajorPatterns(patterns);
    populateRoutingLoweringPatterns(patterns);
    populateExpertLoweringPatterns(patterns);
    populateDequantizeLoweringPatterns(patterns);
    if (moeLowering == MoELowering::RowGather)
      populateRowGatherLoweringPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("m3sat lowering to linalg did not converge");
      return signalPassFailure();
    }

    bool failedToLower = false;
    getOperation().walk([&](Operation *op) {
      if (!isM3SAT(op))
        return;
      op->emitOpError("cannot be lowered to linalg: the CPU path needs "
                      "static shapes");
      failedToLower = true;
    });
    if (failedToLower)
      return signalPassFailure();
    numLowered += before;
  }
};

} // namespace
