//===- HLSShareBuffers.cpp - m3sat-hls-share-buffers ----------------------===//
//
// On-chip buffer reuse: temporaries of the same type whose live ranges do
// not overlap become one array.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSHAREBUFFERS
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// A buffer of the function body and the positions (in the body) of the
/// ops that use it, first and last.
struct LiveRange {
  memref::AllocOp alloc;
  unsigned first = 0, last = 0;
  /// Only loaded and stored: it can be flattened to one dimension, and
  /// then share the storage of any buffer of its element type.
  bool flat = false;
};

/// `alloc` (only loaded and stored) as a one-dimensional buffer: every
/// access computes its row-major offset.
memref::AllocOp flatten(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  OpBuilder builder(alloc);
  auto flat = memref::AllocOp::create(
      builder, alloc.getLoc(),
      MemRefType::get({type.getNumElements()}, type.getElementType()));
  flat->setAttrs(alloc->getAttrs());
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) {
    builder.setInsertionPoint(user);
    Location loc = user->getLoc();
    ValueRange indices = isa<memref::LoadOp>(user)
                             ? cast<memref::LoadOp>(user).getIndices()
                             : cast<memref::StoreOp>(user).getIndices();
    Value offset = arith::ConstantIndexOp::create(builder, loc, 0);
    for (auto [index, dim] : llvm::zip(indices, type.getShape())) {
      Value size = arith::ConstantIndexOp::create(builder, loc, dim);
      offset = arith::AddIOp::create(
          builder, loc, arith::MulIOp::create(builder, loc, offset, size),
          index);
    }
    if (auto load = dyn_cast<memref::LoadOp>(user)) {
      Value value =
          memref::LoadOp::create(builder, loc, flat, ValueRange{offset});
      load.getResult().replaceAllUsesWith(value);
    } else {
      auto store = cast<memref::StoreOp>(user);
      memref::StoreOp::create(builder, loc, store.getValueToStore(), flat,
                              ValueRange{offset});
    }
    user->erase();
  }
  alloc.erase();
  return flat;
}

struct HLSShareBuffers
    : public m3sat::impl::HLSShareBuffersBase<HLSShareBuffers> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // A DATAFLOW region's channels connect stages that run at the same
    // time: each keeps its own storage.
    if (!func.getBody().hasOneBlock() || func->hasAttr(m3sat::kHLSDataflowAttr))
      return;
    Block &body = func.getBody().front();

    // Live ranges, in body positions: a use inside a loop nest counts at
    // the nest. Buffers used by other ops than loads, stores and calls (a
    // view, say) keep their own storage; buffers passed to calls keep
    // their type.
    SmallVector<LiveRange> ranges;
    for (auto alloc :
         llvm::make_early_inc_range(body.getOps<memref::AllocOp>())) {
      if (!alloc.getType().hasStaticShape() ||
          !alloc.getType().getLayout().isIdentity() ||
          alloc.getType().getMemorySpace() ||
          alloc->hasAttr(m3sat::kHLSStreamOfAttr) ||
          alloc->hasAttr(m3sat::kHLSChannelAttr))
        continue;
      bool simple = true, flat = true;
      for (Operation *user : alloc->getUsers()) {
        if (isa<func::CallOp>(user))
          flat = false;
        else if (!isa<memref::LoadOp, memref::StoreOp>(user))
          simple = false;
        else if (auto store = dyn_cast<memref::StoreOp>(user);
                 store && store.getValueToStore() == alloc.getResult())
          simple = false;
      }
      if (!simple)
        continue;
      if (flat && alloc.getType().getRank() != 1)
        alloc = flatten(alloc);
      ranges.push_back({alloc, 0, 0, flat});
    }
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;
    for (LiveRange &range : ranges) {
      range.first = range.last = position[range.alloc];
      for (Operation *user : range.alloc->getUsers())
        range.last =
            std::max(range.last, position[body.findAncestorOpInBlock(*user)]);
    }

    // Greedy, in allocation order: a buffer takes the storage of an
    // earlier one that is dead before its allocation: of the same type, or
    // for flat buffers of the same element type (below). MLIR buffers
    // start undefined, so nothing reads what the previous owner left.
    SmallVector<LiveRange> slots;
    for (LiveRange &range : ranges) {
      MemRefType type = range.alloc.getType();
      LiveRange *slot = nullptr;
      for (LiveRange &candidate : slots) {
        MemRefType have = candidate.alloc.getType();
        if (candidate.last >= range.first || candidate.flat != range.flat)
          continue;
        if (!range.flat) {
          if (have == type) {
            slot = &candidate;
            break;
          }
          continue;
        }
        if (have.getElementType() != type.getElementType())
          continue;
        // The dead buffer of the same size, else the smallest that holds
        // it if at most twice as large (a small buffer in a large array
        // can leave a later large one without a place), else (with grow)
        // the largest, which grows.
        int64_t size = have.getNumElements(), need = type.getNumElements();
        auto rank = [&](int64_t n) -> int64_t {
          if (n == need)
            return 0;
          if (n > need && n <= 2 * need)
            return n;
          if (n > need)
            return -1;
          return grow ? std::numeric_limits<int64_t>::max() - n : -1;
        };
        int64_t mine = rank(size);
        if (mine >= 0 &&
            (!slot || mine < rank(slot->alloc.getType().getNumElements())))
          slot = &candidate;
      }
      if (!slot) {
        slots.push_back(range);
        continue;
      }
      if (slot->alloc.getType().getNumElements() < type.getNumElements())
        slot->alloc.getResult().setType(type);
      range.alloc.getResult().replaceAllUsesWith(slot->alloc.getResult());
      range.alloc.erase();
      slot->last = range.last;
      ++numShared;
    }
  }
};

} // namespace
