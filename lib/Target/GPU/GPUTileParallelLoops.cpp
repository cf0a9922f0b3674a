//===- GPUTileParallelLoops.cpp - parallel loops into blocks of threads ---===//
//
// Implements m3sat-gpu-tile-parallel-loops: each top-level scf.parallel is
// tiled so that its inner loop, taken from the innermost dimensions, fills
// a thread block.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace m3sat {
#define GEN_PASS_DEF_GPUTILEPARALLELLOOPS
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Threads per dimension: the innermost dimensions take as many of
/// `blockSize` threads as they have iterations. Empty if a bound is not a
/// constant.
SmallVector<int64_t> threadTile(scf::ParallelOp loop, int64_t blockSize) {
  std::optional<SmallVector<int64_t>> lbs =
      getConstantIntValues(getAsOpFoldResult(loop.getLowerBound()));
  std::optional<SmallVector<int64_t>> ubs =
      getConstantIntValues(getAsOpFoldResult(loop.getUpperBound()));
  std::optional<SmallVector<int64_t>> steps =
      getConstantIntValues(getAsOpFoldResult(loop.getStep()));
  if (!lbs || !ubs || !steps ||
      llvm::any_of(*steps, [](int64_t step) { return step <= 0; }))
    return {};
  SmallVector<int64_t> tile(loop.getNumLoops(), 1);
  int64_t left = std::max<int64_t>(blockSize, 1);
  for (int64_t d = loop.getNumLoops() - 1; d >= 0 && left > 1; --d) {
    int64_t step = (*steps)[d];
    int64_t trips =
        std::max<int64_t>(((*ubs)[d] - (*lbs)[d] + step - 1) / step, 1);
    tile[d] = std::min(trips, left);
    left /= tile[d];
  }
  // In iterations: tileParallelLoop scales them by the steps.
  return tile;
}

struct GPUTileParallelLoopsPass
    : m3sat::impl::GPUTileParallelLoopsBase<GPUTileParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    SmallVector<scf::ParallelOp> loops(
        func.getBody().front().getOps<scf::ParallelOp>());
    for (scf::ParallelOp loop : loops) {
      if (loop.getNumResults() != 0)
        continue;
      SmallVector<int64_t> tile = threadTile(loop, blockSize);
      if (tile.empty())
        continue;
      scf::tileParallelLoop(loop, tile, /*noMinMaxBounds=*/true);
      ++numTiled;
    }
  }
};

} // namespace
