//===- SplitSharedInits.cpp - one tensor.empty or fill per user -----------===//
//
// Implements m3sat-split-shared-inits: a tensor.empty, or a fill of one,
// that CSE made the init of several ops is cloned before each of them, so
// that bufferization gives each its own short-lived buffer rather than one
// buffer live across every layer that uses it.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"

namespace m3sat {
#define GEN_PASS_DEF_SPLITSHAREDINITS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Whether `op` computes its one result from scalars alone into a
/// tensor.empty: a linalg.fill, or a linalg.generic on tensors whose inputs
/// are scalars and whose side-effect free body does not read its init.
bool isFillOfEmpty(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      op->getNumResults() != 1 || linalgOp.getNumDpsInits() != 1 ||
      !linalgOp.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
    return false;
  if (llvm::any_of(linalgOp.getDpsInputs(),
                   [](Value v) { return isa<ShapedType>(v.getType()); }))
    return false;
  if (isa<linalg::FillOp>(op))
    return true;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic &&
         !generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)) &&
         llvm::all_of(generic.getBody()->without_terminator(),
                      [](Operation &nested) {
                        return isMemoryEffectFree(&nested) &&
                               nested.getNumRegions() == 0;
                      });
}

struct SplitSharedInitsPass
    : m3sat::impl::SplitSharedInitsBase<SplitSharedInitsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Fills first: each clone of a fill clones its tensor.empty too.
    SmallVector<Operation *> fills, empties;
    getOperation().walk([&](Operation *op) {
      if (isa<tensor::EmptyOp>(op))
        empties.push_back(op);
      else if (isFillOfEmpty(op))
        fills.push_back(op);
    });
    for (Operation *fill : fills)
      split(fill, /*withEmpty=*/true);
    for (Operation *empty : empties)
      split(empty, /*withEmpty=*/false);
  }

  /// Clones `init` before each user (its ancestor in `init`'s block) after
  /// the first in that block's order, and makes that user read the clone.
  /// With `withEmpty`, the clone gets a clone of `init`'s tensor.empty too.
  void split(Operation *init, bool withEmpty) {
    Block *block = init->getBlock();
    Value result = init->getResult(0);
    // The uses of `result`, grouped by the user's ancestor in `block`.
    llvm::MapVector<Operation *, SmallVector<OpOperand *>> byUser;
    for (OpOperand &use : result.getUses()) {
      Operation *user = block->findAncestorOpInBlock(*use.getOwner());
      if (!user)
        return;
      byUser[user].push_back(&use);
    }
    if (byUser.size() < 2)
      return;
    SmallVector<Operation *> users;
    for (auto &entry : byUser)
      users.push_back(entry.first);
    llvm::sort(users, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    for (Operation *user : llvm::drop_begin(users)) {
      OpBuilder builder(user);
      IRMapping mapping;
      // The clones take the user's location: they belong to its layer (the
      // HLS estimate's layers are the ONNX nodes of the ops).
      if (withEmpty) {
        Value empty = cast<linalg::LinalgOp>(init).getDpsInits()[0];
        Operation *emptyClone = builder.clone(*empty.getDefiningOp());
        emptyClone->setLoc(user->getLoc());
        mapping.map(empty, emptyClone->getResult(0));
      }
      Operation *initClone = builder.clone(*init, mapping);
      initClone->setLoc(user->getLoc());
      Value clone = initClone->getResult(0);
      for (OpOperand *use : byUser[user])
        use->set(clone);
      ++numCloned;
    }
  }
};

} // namespace
