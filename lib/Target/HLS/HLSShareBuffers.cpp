//===- HLSShareBuffers.cpp - m3sat-hls-share-buffers ----------------------===//
//
// On-chip buffer reuse: temporaries of the same type whose live ranges do
// not overlap become one array.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Passes.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSHAREBUFFERS
#include "m3sat/Target/HLS/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// A buffer of the function body and the positions (in the body) of the
/// ops that use it, first and last.
struct LiveRange {
  memref::AllocOp alloc;
  unsigned first = 0, last = 0;
};

struct HLSShareBuffers
    : public m3sat::impl::HLSShareBuffersBase<HLSShareBuffers> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func.getBody().hasOneBlock())
      return;
    Block &body = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;

    // Live ranges, in body positions: a use inside a loop nest counts at
    // the nest. Buffers of other ops than loads, stores and calls (a view,
    // say) keep their own storage.
    SmallVector<LiveRange> ranges;
    for (auto alloc : body.getOps<memref::AllocOp>()) {
      if (!alloc.getType().hasStaticShape() ||
          alloc->hasAttr(m3sat::kHLSStreamOfAttr))
        continue;
      LiveRange range{alloc, position[alloc], position[alloc]};
      bool simple = true;
      for (Operation *user : alloc->getUsers()) {
        if (!isa<memref::LoadOp, memref::StoreOp, func::CallOp>(user)) {
          simple = false;
          break;
        }
        Operation *top = body.findAncestorOpInBlock(*user);
        range.last = std::max(range.last, position[top]);
      }
      if (simple)
        ranges.push_back(range);
    }

    // Greedy, in allocation order: a buffer takes the storage of an
    // earlier one of the same type that is dead before its allocation.
    // MLIR buffers start undefined, so nothing reads what the previous
    // owner left.
    SmallVector<LiveRange> slots;
    for (LiveRange &range : ranges) {
      LiveRange *slot = nullptr;
      for (LiveRange &candidate : slots)
        if (candidate.alloc.getType() == range.alloc.getType() &&
            candidate.last < range.first) {
          slot = &candidate;
          break;
        }
      if (!slot) {
        slots.push_back(range);
        continue;
      }
      range.alloc.getResult().replaceAllUsesWith(slot->alloc.getResult());
      range.alloc.erase();
      slot->last = range.last;
      ++numShared;
    }
  }
};

} // namespace
