//===- ReassociateReductions.cpp - fast-math flags on linalg reductions ---===//
//
// Implements m3sat-reassociate-reductions.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace m3sat {
#define GEN_PASS_DEF_REASSOCIATEREDUCTIONS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct ReassociateReductionsPass
    : m3sat::impl::ReassociateReductionsBase<ReassociateReductionsPass> {
  void runOnOperation() override {
    getOperation().walk([](linalg::GenericOp generic) {
      if (generic.getNumReductionLoops() == 0)
        return;
      generic.getBody()->walk([](arith::ArithFastMathInterface op) {
        arith::FastMathFlags flags = op.getFastMathFlagsAttr().getValue();
        op->setAttr(op.getFastMathAttrName(),
                    arith::FastMathFlagsAttr::get(
                        op->getContext(), flags | arith::FastMathFlags::reassoc |
                                              arith::FastMathFlags::contract));
      });
    });
  }
};

} // namespace
