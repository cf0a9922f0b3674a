//===- LoopKinds.cpp - what a pipelined loop computes ---------------------===//

#include "m3sat/Target/HLS/Prepare/LoopKinds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

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

} // namespace

bool m3sat::hls::multipliesAndAccumulates(scf::ForOp loop) {
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
