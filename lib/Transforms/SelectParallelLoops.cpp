//===- SelectParallelLoops.cpp - which scf.parallel loops stay parallel ---===//
//
// Implements m3sat-select-parallel-loops: outermost, large parallel loops
// stay scf.parallel (and become OpenMP worksharing loops); the others become
// sequential scf.for nests.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"

namespace m3sat {
#define GEN_PASS_DEF_SELECTPARALLELLOOPS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Iterations of `loop`, or INT64_MAX when a bound is not a constant.
int64_t tripCount(scf::ParallelOp loop) {
  int64_t count = 1;
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb);
    std::optional<int64_t> u = getConstantIntValue(ub);
    std::optional<int64_t> s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return INT64_MAX;
    count *= std::max<int64_t>(0, (*u - *l + *s - 1) / *s);
  }
  return count;
}

/// Rewrites a reduction-free scf.parallel into nested scf.for loops.
void sequentialize(scf::ParallelOp loop) {
  OpBuilder builder(loop);
  Location loc = loop.getLoc();
  IRMapping mapping;
  Block *body = loop.getBody();
  for (auto [i, iv] : llvm::enumerate(loop.getInductionVars())) {
    auto forOp =
        scf::ForOp::create(builder, loc, loop.getLowerBound()[i],
                           loop.getUpperBound()[i], loop.getStep()[i]);
    mapping.map(iv, forOp.getInductionVar());
    builder.setInsertionPointToStart(forOp.getBody());
  }
  for (Operation &op : body->without_terminator())
    builder.clone(op, mapping);
  loop.erase();
}

struct SelectParallelLoopsPass
    : m3sat::impl::SelectParallelLoopsBase<SelectParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Decide outermost first: a loop inside a kept one is sequential.
    SmallVector<scf::ParallelOp> sequential;
    llvm::SmallPtrSet<Operation *, 8> kept;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      bool insideKept = false;
      for (Operation *parent = loop->getParentOp(); parent;
           parent = parent->getParentOp())
        insideKept |= kept.contains(parent);
      if (!insideKept && tripCount(loop) >= minIterations) {
        kept.insert(loop);
        ++numKept;
      } else if (loop.getInitVals().empty()) {
        sequential.push_back(loop);
      }
    });
    // Innermost first, so that every rewrite sees a body without parallel
    // loops still to convert.
    for (scf::ParallelOp loop : llvm::reverse(sequential)) {
      sequentialize(loop);
      ++numSequential;
    }
  }
};

} // namespace
