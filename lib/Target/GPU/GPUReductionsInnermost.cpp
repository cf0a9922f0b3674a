//===- GPUReductionsInnermost.cpp - reductions innermost for the GPU ------===//
//
// Implements m3sat-gpu-reductions-innermost: the loops of each linalg.generic
// are reordered, parallel loops first and reductions last, so that every
// parallel loop becomes threads.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace m3sat {
#define GEN_PASS_DEF_GPUREDUCTIONSINNERMOST
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct GPUReductionsInnermostPass
    : m3sat::impl::GPUReductionsInnermostBase<GPUReductionsInnermostPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      // The old loops in their new order: parallel ones, then the others,
      // each group in its old order.
      SmallVector<unsigned> permutation;
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      for (auto [d, iterator] : llvm::enumerate(iterators))
        if (linalg::isParallelIterator(iterator))
          permutation.push_back(d);
      for (auto [d, iterator] : llvm::enumerate(iterators))
        if (!linalg::isParallelIterator(iterator))
          permutation.push_back(d);
      if (llvm::equal(permutation, llvm::seq<unsigned>(0, iterators.size())))
        continue;
      rewriter.setInsertionPoint(op);
      if (succeeded(linalg::interchangeGenericOp(rewriter, op, permutation)))
        ++numInterchanged;
    }
  }
};

} // namespace
