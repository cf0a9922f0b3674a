//===- HLSTripCounts.cpp - m3sat-hls-trip-counts --------------------------===//
//
// Records the largest trip count of every loop with run-time bounds, for
// the LOOP_TRIPCOUNT pragma and the estimate report.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Prepare/Passes.h"

#include "m3sat/Target/HLS/Analysis/IntegerRanges.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSTRIPCOUNTS
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct HLSTripCounts : public m3sat::impl::HLSTripCountsBase<HLSTripCounts> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (!matchPattern(loop.getLowerBound(), m_Constant()) ||
          !matchPattern(loop.getUpperBound(), m_Constant()) ||
          !matchPattern(loop.getStep(), m_Constant()))
        loops.push_back(loop);
    });
    if (loops.empty())
      return;

    DataFlowSolver solver;
    if (failed(m3sat::runIntegerRanges(solver, getOperation())))
      return signalPassFailure();
    auto range = [&](Value value) {
      return m3sat::integerRange(solver, value);
    };

    Builder builder(&getContext());
    for (scf::ForOp loop : loops) {
      auto lower = range(loop.getLowerBound());
      auto upper = range(loop.getUpperBound());
      auto step = range(loop.getStep());
      if (!lower || !upper || !step || step->smin().slt(1) ||
          upper->smax().getSignificantBits() > 32 ||
          lower->smin().getSignificantBits() > 32) {
        loop.emitOpError("has bounds without a proven range; HLS needs the "
                         "largest trip count of every loop");
        return signalPassFailure();
      }
      int64_t span =
          upper->smax().getSExtValue() - lower->smin().getSExtValue();
      int64_t stepMin = step->smin().getSExtValue();
      int64_t trip = span <= 0 ? 0 : (span + stepMin - 1) / stepMin;
      loop->setAttr(m3sat::kHLSMaxTripCountAttr,
                    builder.getI64IntegerAttr(trip));
    }
  }
};

} // namespace
