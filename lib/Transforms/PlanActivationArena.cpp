//===- PlanActivationArena.cpp - activations in one planned arena ---------===//
//
// Implements m3sat-plan-activation-arena: the statically shaped temporary
// buffers of a task function become views into one arena, a trailing
// argument of the function that the task runtime allocates once per opened
// task. Buffers whose lifetimes do not overlap share bytes.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/BufferViewFlowAnalysis.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

namespace m3sat {
#define GEN_PASS_DEF_PLANACTIVATIONARENA
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// One buffer that moves into the arena: its bytes, the alignment of its
/// offset, and the top-level ops of the function (by position) from its
/// allocation to its last use through any alias.
struct Planned {
  memref::AllocOp alloc;
  int64_t size = 0;
  int64_t alignment = 0;
  unsigned first = 0, last = 0;
  int64_t offset = -1;
  /// memref.dealloc ops of the buffer (they go with it).
  SmallVector<Operation *> deallocs;
};

bool overlaps(const Planned &a, const Planned &b) {
  return a.first <= b.last && b.first <= a.last;
}

/// Whether the ops between the function and `op` run their regions one
/// iteration after another, so that a buffer allocated in them is used by
/// one iteration at a time (not scf.parallel, scf.forall, linalg bodies).
bool isInSequentialRegions(Operation *op, Operation *func) {
  for (Operation *parent = op->getParentOp(); parent != func;
       parent = parent->getParentOp())
    if (!isa<scf::ForOp, scf::IfOp, scf::WhileOp, scf::ExecuteRegionOp,
             scf::IndexSwitchOp, memref::AllocaScopeOp>(parent))
      return false;
  return true;
}

/// Whether a value of `type` may carry a pointer into a buffer out of the
/// op that produces it (memrefs, tensors, pointers).
bool mayCarryBuffer(Type type) {
  return isa<BaseMemRefType, TensorType>(type) ||
         type.getDialect().getNamespace() == "llvm";
}

/// Checks how `user` uses `alias`, an alias of a buffer allocated at the
/// top level of the function (`nested` false) or inside one of its loops
/// or conditionals. Returns false when the bytes may outlive what the
/// function's ops show: returned, passed to a call that returns buffers,
/// turned into a pointer or tensor, carried by an op the analysis does not
/// model; and, for a nested buffer, carried out of its region (yielded),
/// since every iteration must get its own buffer then.
bool isContainedUse(Operation *user, Value alias, bool nested) {
  if (user->hasTrait<OpTrait::ReturnLike>() && !isa<scf::YieldOp>(user))
    return false;
  if (isa<scf::YieldOp, scf::ConditionOp>(user) ||
      isa<BranchOpInterface, RegionBranchOpInterface>(user))
    return !nested && !isa<BranchOpInterface>(user);
  if (auto view = dyn_cast<ViewLikeOpInterface>(user))
    return view.getViewSource() == alias;
  if (isa<memref::ExtractAlignedPointerAsIndexOp,
          memref::ExtractStridedMetadataOp>(user))
    return false;
  if (isa<CallOpInterface>(user))
    return llvm::none_of(user->getResultTypes(), mayCarryBuffer);
  if (user->getNumRegions() && !isa<linalg::LinalgOp>(user))
    return false;
  return llvm::none_of(user->getResultTypes(), mayCarryBuffer);
}

struct PlanActivationArenaPass
    : m3sat::impl::PlanActivationArenaBase<PlanActivationArenaPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    SymbolUserMap users(symbols, module);
    for (auto func : module.getOps<func::FuncOp>()) {
      // The arena becomes an argument: only task entries, which the task
      // runtime calls and nothing in the module does.
      if (func.isExternal() || !func->hasAttr("m3sat.task") ||
          !users.getUsers(func).empty())
        continue;
      if (failed(planFunction(func)))
        return signalPassFailure();
    }
  }

  LogicalResult planFunction(func::FuncOp func) {
    if (!func.getBody().hasOneBlock()) {
      numUnplanned += countAllocs(func);
      return success();
    }
    Block &body = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [index, op] : llvm::enumerate(body))
      position[&op] = index;

    BufferViewFlowAnalysis aliases(func);
    DataLayout layout = DataLayout::closest(func);
    std::vector<Planned> buffers;
    func.walk([&](memref::AllocOp alloc) {
      Planned buffer;
      if (!plan(alloc, func, body, position, aliases, layout, buffer)) {
        ++numUnplanned;
        return;
      }
      buffers.push_back(std::move(buffer));
    });
    if (buffers.empty())
      return success();

    int64_t arenaSize = assignOffsets(buffers);
    int64_t plannedBytes = 0;
    for (const Planned &buffer : buffers)
      plannedBytes += buffer.size;

    MLIRContext *context = func.getContext();
    auto arenaType = MemRefType::get({arenaSize}, IntegerType::get(context, 8));
    // The last argument; `m3sat.arena_bytes` on the function says it is
    // there (an attribute on the argument would reach LLVM IR).
    unsigned arenaIndex = func.getNumArguments();
    if (failed(func.insertArgument(arenaIndex, arenaType, DictionaryAttr(),
                                   func.getLoc())))
      return func.emitError("cannot add the activation arena argument");
    Value arena = func.getArgument(arenaIndex);

    for (Planned &buffer : buffers) {
      OpBuilder builder(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset =
          arith::ConstantIndexOp::create(builder, loc, buffer.offset);
      Value view = memref::ViewOp::create(builder, loc, buffer.alloc.getType(),
                                          arena, offset, ValueRange{});
      for (Operation *dealloc : buffer.deallocs)
        dealloc->erase();
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    Builder b(context);
    func->setAttr("m3sat.arena_bytes", b.getI64IntegerAttr(arenaSize));
    func->setAttr("m3sat.planned_bytes", b.getI64IntegerAttr(plannedBytes));
    numPlanned += buffers.size();
    numBytesShared += plannedBytes - arenaSize;
    return success();
  }

  static int64_t countAllocs(func::FuncOp func) {
    int64_t count = 0;
    func.walk([&](memref::AllocOp) { ++count; });
    return count;
  }

  /// Fills `buffer` for `alloc` and returns true when it may live in the
  /// arena: static shape, identity layout, default memory space, an
  /// element type of known size, and every use of every alias accounted
  /// for within the function.
  bool plan(memref::AllocOp alloc, func::FuncOp func, Block &body,
            const DenseMap<Operation *, unsigned> &position,
            const BufferViewFlowAnalysis &aliases, const DataLayout &layout,
            Planned &buffer) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getMemorySpace() ||
        !isa<IntegerType, FloatType, IndexType>(type.getElementType()))
      return false;
    int64_t alignment = alignmentOption;
    if (std::optional<uint64_t> wanted = alloc.getAlignment()) {
      if (static_cast<int64_t>(*wanted) > alignment)
        return false;
    }
    if (!isInSequentialRegions(alloc, func))
      return false;
    Operation *start = body.findAncestorOpInBlock(*alloc);
    if (!start)
      return false;
    bool nested = start != alloc.getOperation();

    unsigned last = position.lookup(start);
    for (Value alias : aliases.resolve(alloc.getMemref())) {
      for (OpOperand &use : alias.getUses()) {
        Operation *user = use.getOwner();
        if (isa<memref::DeallocOp>(user)) {
          if (alias != alloc.getMemref())
            return false;
          buffer.deallocs.push_back(user);
          continue;
        }
        if (!isContainedUse(user, alias, nested))
          return false;
        Operation *top = body.findAncestorOpInBlock(*user);
        if (!top)
          return false;
        last = std::max(last, position.lookup(top));
      }
    }
    uint64_t elementBytes = layout.getTypeSize(type.getElementType());
    buffer.alloc = alloc;
    buffer.size = llvm::alignTo(type.getNumElements() * elementBytes,
                                static_cast<uint64_t>(alignment));
    buffer.alignment = alignment;
    buffer.first = position.lookup(start);
    buffer.last = last;
    return true;
  }

  /// Greedy by size, best fit: the largest buffers are placed first, each
  /// into the smallest gap between the buffers already placed whose
  /// lifetimes overlap its own (without reuse, after all of them). Returns
  /// the arena's size.
  int64_t assignOffsets(std::vector<Planned> &buffers) {
    SmallVector<unsigned> order(buffers.size());
    for (unsigned i = 0; i < order.size(); ++i)
      order[i] = i;
    llvm::stable_sort(order, [&](unsigned a, unsigned b) {
      if (buffers[a].size != buffers[b].size)
        return buffers[a].size > buffers[b].size;
      return buffers[a].first < buffers[b].first;
    });
    int64_t arenaSize = 0;
    SmallVector<const Planned *> placed;
    for (unsigned index : order) {
      Planned &buffer = buffers[index];
      SmallVector<const Planned *> conflicts;
      for (const Planned *other : placed)
        if (!reuse || overlaps(buffer, *other))
          conflicts.push_back(other);
      llvm::sort(conflicts, [](const Planned *a, const Planned *b) {
        return a->offset < b->offset;
      });
      int64_t candidate = 0;
      int64_t bestOffset = -1, bestGap = 0;
      for (const Planned *other : conflicts) {
        int64_t gap = other->offset - candidate;
        if (gap >= buffer.size && (bestOffset < 0 || gap < bestGap)) {
          bestOffset = candidate;
          bestGap = gap;
        }
        candidate = std::max(
            candidate, static_cast<int64_t>(llvm::alignTo(
                           other->offset + other->size, buffer.alignment)));
      }
      buffer.offset = bestOffset >= 0 ? bestOffset : candidate;
      arenaSize = std::max(arenaSize, buffer.offset + buffer.size);
      placed.push_back(&buffer);
    }
    return llvm::alignTo(arenaSize, static_cast<uint64_t>(alignmentOption));
  }
};

} // namespace
