//===- ForwardFills.cpp - fill copy targets instead of copying fills ------===//
//
// Implements m3sat-forward-fills on buffers: memref.copy of a buffer that
// holds nothing but a fill becomes that fill on the copy's target.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Fills.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_FORWARDFILLS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Whether `op` writes one value, defined outside it, to all of `buffer`.
bool isFillOf(Operation *op, Value buffer) {
  return m3sat::filledValue(op, buffer).has_value();
}

/// The fill of `source` that `copy` reads, if nothing writes `source` in
/// between: both in one block, every other user of `source` outside the
/// fill..copy range or a copy out of it.
Operation *fillReadBy(memref::CopyOp copy) {
  Value source = copy.getSource();
  if (!source.getDefiningOp<memref::AllocOp>())
    return nullptr;
  Block *block = copy->getBlock();
  Operation *fill = nullptr;
  for (Operation *user : source.getUsers())
    if (user->getBlock() == block && user->isBeforeInBlock(copy) &&
        isFillOf(user, source) && (!fill || fill->isBeforeInBlock(user)))
      fill = user;
  if (!fill)
    return nullptr;
  for (Operation *user : source.getUsers()) {
    if (user == fill || user == copy)
      continue;
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    if (!inBlock)
      return nullptr;
    bool between =
        fill->isBeforeInBlock(inBlock) && inBlock->isBeforeInBlock(copy);
    auto reader = dyn_cast<memref::CopyOp>(user);
    if (between && !(reader && reader.getSource() == source))
      return nullptr;
  }
  return fill;
}

struct ForwardFillsPass : m3sat::impl::ForwardFillsBase<ForwardFillsPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    llvm::SetVector<Value> sources;
    for (memref::CopyOp copy : copies) {
      Operation *fill = fillReadBy(copy);
      if (!fill)
        continue;
      OpBuilder builder(copy);
      IRMapping mapping;
      mapping.map(copy.getSource(), copy.getTarget());
      builder.clone(*fill, mapping);
      sources.insert(copy.getSource());
      copy.erase();
      ++numForwarded;
    }
    // A filled buffer that nothing reads any more goes, with its fill.
    for (Value source : sources) {
      bool onlyFilled = llvm::all_of(source.getUsers(), [&](Operation *user) {
        return isa<memref::DeallocOp>(user) || isFillOf(user, source);
      });
      if (!onlyFilled)
        continue;
      for (Operation *user : llvm::make_early_inc_range(source.getUsers()))
        user->erase();
      source.getDefiningOp()->erase();
    }
  }
};

} // namespace
