//===- HLSAnnotateLoops.cpp - m3sat-hls-annotate-loops --------------------===//
//
// Marks innermost scf.for loops with the initiation interval the HLS C++
// emitter requests for them (`#pragma HLS PIPELINE II=N`).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Prepare/Passes.h"

#include "mlir/IR/Builders.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSANNOTATELOOPS
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct HLSAnnotateLoops
    : public m3sat::impl::HLSAnnotateLoopsBase<HLSAnnotateLoops> {
  using Base::Base;

  void runOnOperation() override {
    if (initiationInterval < 1) {
      getOperation().emitError("m3sat-hls-annotate-loops: ii must be at "
                               "least 1");
      return signalPassFailure();
    }
    if (unroll < 1) {
      getOperation().emitError("m3sat-hls-annotate-loops: unroll must be at "
                               "least 1");
      return signalPassFailure();
    }
    Builder builder(&getContext());
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr(m3sat::kHLSPipelineIIAttr)) {
        setUnroll(loop, builder);
        return;
      }
      bool innermost = true;
      // A call may hold loops of its own (and calls are not pipelined).
      loop.getBody()->walk([&](Operation *op) {
        if (!isa<scf::ForOp, func::CallOp>(op))
          return WalkResult::advance();
        innermost = false;
        return WalkResult::interrupt();
      });
      if (!innermost)
        return;
      loop->setAttr(m3sat::kHLSPipelineIIAttr,
                    builder.getI64IntegerAttr(initiationInterval));
      ++numPipelined;
      setUnroll(loop, builder);
    });
  }

  /// Pipelined loops with a constant trip count that `unroll` divides are
  /// unrolled that many times.
  void setUnroll(scf::ForOp loop, Builder &builder) {
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (unroll < 2 || !trips || trips->getSExtValue() < unroll ||
        trips->getSExtValue() % unroll != 0)
      return;
    loop->setAttr(m3sat::kHLSUnrollAttr, builder.getI64IntegerAttr(unroll));
    ++numUnrolled;
  }
};

} // namespace
