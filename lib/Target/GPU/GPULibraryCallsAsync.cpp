//===- GPULibraryCallsAsync.cpp - no host wait before library calls ------===//
//
// Implements m3sat-gpu-library-calls-async: the blocking gpu.wait that
// gpu-async-region puts before each GPU library call goes; its tokens join
// the next chain, so the host queues the library's work behind the kernels
// on the one stream without waiting for them.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

namespace m3sat {
#define GEN_PASS_DEF_GPULIBRARYCALLSASYNC
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// A `gpu.wait` that blocks the host (no token result).
gpu::WaitOp blockingWait(Operation *op) {
  auto wait = dyn_cast_or_null<gpu::WaitOp>(op);
  return wait && !wait.getAsyncToken() ? wait : nullptr;
}

struct GPULibraryCallsAsyncPass
    : m3sat::impl::GPULibraryCallsAsyncBase<GPULibraryCallsAsyncPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([&](Block *block) { runOnBlock(*block); });
  }

  void runOnBlock(Block &block) {
    // Tokens whose blocking wait went, not yet joined into a chain.
    SmallVector<Value> pending;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (m3sat::isGPULibraryCall(&op)) {
        if (gpu::WaitOp wait = blockingWait(op.getPrevNode())) {
          llvm::append_range(pending, wait.getAsyncDependencies());
          wait.erase();
          ++numWaits;
        }
        continue;
      }
      if (pending.empty())
        continue;
      if (auto wait = dyn_cast<gpu::WaitOp>(op)) {
        // The next chain (or host wait) comes after the work before the
        // calls.
        for (Value token : pending)
          wait.addAsyncDependency(token);
        pending.clear();
      } else if (op.hasTrait<OpTrait::IsTerminator>()) {
        OpBuilder builder(&op);
        gpu::WaitOp::create(builder, op.getLoc(), Type(), pending);
        pending.clear();
      }
    }
  }
};

} // namespace
