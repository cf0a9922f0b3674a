//===- HLSAnnotateLoops.cpp - m3sat-hls-annotate-loops --------------------===//
//
// Marks innermost scf.for loops with the initiation interval the HLS C++
// emitter requests for them (`#pragma HLS PIPELINE II=N`).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Prepare/LoopKinds.h"
#include "m3sat/Target/HLS/Prepare/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
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
    if (otherUnroll < 1) {
      getOperation().emitError("m3sat-hls-annotate-loops: other-unroll must "
                               "be at least 1");
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
  /// unrolled that many times (with `products-only`, those that
  /// multiply-accumulate).
  void setUnroll(scf::ForOp loop, Builder &builder) {
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (!trips)
      return;
    if (productsOnly && !m3sat::hls::multipliesAndAccumulates(loop)) {
      if (unroll > 1 || otherUnroll > 1)
        setOtherUnroll(loop, *trips, builder);
      return;
    }
    if (unroll < 2 || trips->getSExtValue() < unroll ||
        trips->getSExtValue() % unroll != 0)
      return;
    loop->setAttr(m3sat::kHLSUnrollAttr, builder.getI64IntegerAttr(unroll));
    ++numUnrolled;
  }

  /// A loop that does not multiply-accumulate, with products-only: unrolled
  /// other-unroll times if that divides its trip count and it carries no
  /// iteration argument (m3sat-hls-partition-arrays' check-unrolls keeps
  /// the unroll where the banks allow it).
  void setOtherUnroll(scf::ForOp loop, const APInt &trips, Builder &builder) {
    if (otherUnroll < 2 || trips.getSExtValue() < otherUnroll ||
        trips.getSExtValue() % otherUnroll != 0 ||
        loop.getNumRegionIterArgs() != 0) {
      ++numNotProducts;
      return;
    }
    loop->setAttr(m3sat::kHLSUnrollAttr,
                  builder.getI64IntegerAttr(otherUnroll));
    ++numOthersUnrolled;
  }
};

} // namespace
