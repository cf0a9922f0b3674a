//===- HLSAnnotateLoops.cpp - m3sat-hls-annotate-loops --------------------===//
//
// Marks innermost scf.for loops with the initiation interval the HLS C++
// emitter requests for them (`#pragma HLS PIPELINE II=N`).
//
//===----------------------------------------------------------------------===//

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

/// Whether `value` is a constant (a literal operand of a product).
bool isConstant(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->hasTrait<OpTrait::ConstantLike>();
}

/// Whether `op` multiplies two values that are not constants.
bool isVariableProduct(Operation *op) {
  if (!op || !isa<arith::MulFOp, arith::MulIOp, math::FmaOp>(op) ||
      !isa<FloatType, IntegerType>(op->getResult(0).getType()))
    return false;
  return !isConstant(op->getOperand(0)) && !isConstant(op->getOperand(1));
}

/// Whether `loop` multiply-accumulates: its body adds the product of two
/// values that are not constants to something (a matrix product, a
/// convolution, attention's scores), or computes an fma of them. Copies,
/// transposes, fills and scalings by a constant do not.
bool multipliesAndAccumulates(scf::ForOp loop) {
  return loop.getBody()
      ->walk([](Operation *op) {
        if (isa<math::FmaOp>(op) && isVariableProduct(op))
          return WalkResult::interrupt();
        if (!isa<arith::AddFOp, arith::AddIOp>(op) ||
            !isa<FloatType, IntegerType>(op->getResult(0).getType()))
          return WalkResult::advance();
        for (Value operand : op->getOperands())
          if (isVariableProduct(operand.getDefiningOp()))
            return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

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
  /// unrolled that many times (with `products-only`, those that
  /// multiply-accumulate).
  void setUnroll(scf::ForOp loop, Builder &builder) {
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (unroll < 2 || !trips || trips->getSExtValue() < unroll ||
        trips->getSExtValue() % unroll != 0)
      return;
    if (productsOnly && !multipliesAndAccumulates(loop)) {
      ++numNotProducts;
      return;
    }
    loop->setAttr(m3sat::kHLSUnrollAttr, builder.getI64IntegerAttr(unroll));
    ++numUnrolled;
  }
};

} // namespace
