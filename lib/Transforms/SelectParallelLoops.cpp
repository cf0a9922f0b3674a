//===- SelectParallelLoops.cpp - which scf.parallel loops stay parallel ---===//
//
// Implements m3sat-select-parallel-loops: outermost, large parallel loops
// stay scf.parallel (and become OpenMP worksharing loops); the others become
// sequential scf.for nests.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/SerialTasks.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace m3sat {
#define GEN_PASS_DEF_SELECTPARALLELLOOPS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Iterations of each dimension of `loop` (INT64_MAX when not constant).
SmallVector<int64_t> dimTripCounts(scf::ParallelOp loop) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb);
    std::optional<int64_t> u = getConstantIntValue(ub);
    std::optional<int64_t> s = getConstantIntValue(step);
    counts.push_back(!l || !u || !s || *s <= 0
                         ? INT64_MAX
                         : std::max<int64_t>(0, (*u - *l + *s - 1) / *s));
  }
  return counts;
}

/// Iterations of `loop`, or INT64_MAX when a bound is not a constant.
int64_t tripCount(scf::ParallelOp loop) {
  int64_t count = 1;
  for (int64_t dim : dimTripCounts(loop)) {
    if (dim == INT64_MAX)
      return INT64_MAX;
    count *= dim;
  }
  return count;
}

/// Elements that one iteration of `block` loads and stores, each access
/// counted once per iteration of the loops around it inside `block`
/// (vector accesses count their lanes). Saturates at INT64_MAX; a loop
/// without constant bounds counts as large.
int64_t accessedElements(Block &block) {
  auto saturatingMul = [](int64_t a, int64_t b) {
    return a != 0 && b > INT64_MAX / a ? INT64_MAX : a * b;
  };
  int64_t total = 0;
  for (Operation &op : block) {
    int64_t elements = 0;
    if (auto forOp = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> l = getConstantIntValue(forOp.getLowerBound());
      std::optional<int64_t> u = getConstantIntValue(forOp.getUpperBound());
      std::optional<int64_t> s = getConstantIntValue(forOp.getStep());
      int64_t trips = !l || !u || !s || *s <= 0
                          ? INT64_MAX
                          : std::max<int64_t>(0, (*u - *l + *s - 1) / *s);
      elements = saturatingMul(trips, accessedElements(*forOp.getBody()));
    } else if (auto inner = dyn_cast<scf::ParallelOp>(op)) {
      elements =
          saturatingMul(tripCount(inner), accessedElements(*inner.getBody()));
    } else if (isa<memref::LoadOp, memref::StoreOp>(op)) {
      elements = 1;
    } else if (isa<vector::LoadOp, vector::StoreOp, vector::TransferReadOp,
                   vector::TransferWriteOp>(op)) {
      Type type = isa<vector::StoreOp, vector::TransferWriteOp>(op)
                      ? op.getOperand(0).getType()
                      : op.getResult(0).getType();
      elements = cast<VectorType>(type).getNumElements();
    } else if (op.getNumRegions() != 0) {
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          elements = std::max(elements, accessedElements(nested));
    }
    total = total > INT64_MAX - elements ? INT64_MAX : total + elements;
  }
  return total;
}

/// Emits at the builder's insertion point scf.for loops for the dimensions
/// of `loop` from `first` on, and its body inside them.
void emitSequentialDims(OpBuilder &builder, scf::ParallelOp loop,
                        unsigned first, IRMapping &mapping) {
  Location loc = loop.getLoc();
  for (unsigned i = first, e = loop.getNumLoops(); i < e; ++i) {
    auto forOp = scf::ForOp::create(builder, loc, loop.getLowerBound()[i],
                                    loop.getUpperBound()[i], loop.getStep()[i]);
    mapping.map(loop.getInductionVars()[i], forOp.getInductionVar());
    builder.setInsertionPointToStart(forOp.getBody());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    builder.clone(op, mapping);
}

/// Rewrites a reduction-free scf.parallel into nested scf.for loops.
void sequentialize(scf::ParallelOp loop) {
  OpBuilder builder(loop);
  IRMapping mapping;
  emitSequentialDims(builder, loop, 0, mapping);
  loop.erase();
}

/// Keeps the first `keep` dimensions of a reduction-free scf.parallel
/// parallel and runs the others as scf.for loops inside it.
void keepOuterDims(scf::ParallelOp loop, unsigned keep) {
  OpBuilder builder(loop);
  SmallVector<Value> lbs = loop.getLowerBound(), ubs = loop.getUpperBound(),
                     steps = loop.getStep();
  SmallVector<Value> oldIvs(loop.getInductionVars());
  scf::ParallelOp::create(
      builder, loop.getLoc(), ValueRange(lbs).take_front(keep),
      ValueRange(ubs).take_front(keep), ValueRange(steps).take_front(keep),
      [&](OpBuilder &nested, Location, ValueRange ivs) {
        IRMapping mapping;
        for (auto [oldIv, newIv] :
             llvm::zip(ArrayRef<Value>(oldIvs).take_front(keep), ivs))
          mapping.map(oldIv, newIv);
        emitSequentialDims(nested, loop, keep, mapping);
      });
  loop.erase();
}

struct SelectParallelLoopsPass
    : m3sat::impl::SelectParallelLoopsBase<SelectParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    // A serial task (m3sat-serial-small-tasks) keeps no parallel loop.
    bool serial = getOperation()->hasAttr(m3sat::kSerialTaskAttr);
    // Decide outermost first: a loop inside a kept one is sequential.
    SmallVector<scf::ParallelOp> sequential;
    llvm::SmallPtrSet<Operation *, 8> kept;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      bool insideKept = false;
      for (Operation *parent = loop->getParentOp(); parent;
           parent = parent->getParentOp())
        insideKept |= kept.contains(parent);
      int64_t trips = tripCount(loop);
      bool large =
          trips >= minIterations ||
          (trips >= minSharedIterations &&
           accessedElements(*loop.getBody()) >= (minWork + trips - 1) / trips);
      if (!serial && !insideKept && large) {
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
    // A kept loop shares only its outer dimensions among threads, as few as
    // give `min-outer-iterations` iterations: OpenMP would otherwise
    // collapse all of them into one index recovered by divisions in every
    // iteration, and the innermost loop, contiguous in memory, could not be
    // vectorized.
    // (Walked afresh: sequentializing an enclosing loop cloned some kept
    // ones. Every reduction-free scf.parallel left is a kept one.)
    SmallVector<scf::ParallelOp> remaining;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getInitVals().empty())
        remaining.push_back(loop);
    });
    for (scf::ParallelOp loop : remaining) {
      SmallVector<int64_t> counts = dimTripCounts(loop);
      unsigned keep = 0;
      int64_t product = 1;
      while (keep < counts.size() && product < minOuterIterations) {
        product =
            counts[keep] == INT64_MAX ? INT64_MAX : product * counts[keep];
        ++keep;
      }
      if (keep < counts.size()) {
        keepOuterDims(loop, keep);
        ++numSplit;
      }
    }
  }
};

} // namespace
