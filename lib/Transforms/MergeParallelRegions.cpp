//===- MergeParallelRegions.cpp - fewer, larger OpenMP parallel regions ---===//
//
// Implements m3sat-merge-parallel-regions: neighbouring omp.parallel
// regions of a block become one, so that the task's threads are forked
// once per stretch of layers rather than once per loop. What runs between
// them either moves above the merged region (side-effect free ops, and
// allocations) or runs inside it on one thread (omp.single, whose implicit
// barrier keeps the order of memory accesses).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace m3sat {
#define GEN_PASS_DEF_MERGEPARALLELREGIONS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// How an op between two parallel regions joins the merged region.
enum class Role {
  /// Moves above the merged region: it has no effect on memory other than
  /// allocating its results, or it calls a function marked
  /// m3sat::kPureCalleeAttr.
  Hoist,
  /// A parallel region without clauses: its body joins the merged one.
  Parallel,
  /// Runs on one thread (omp.single): it has effects and no results.
  Sequential,
  /// Ends the stretch (results with effects, terminators, OpenMP ops).
  Barrier
};

bool onlyAllocates(Operation *op) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects || op->getNumRegions())
    return false;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::all_of(instances, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Allocate>(e.getEffect());
  });
}

bool isPureCall(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  if (!call)
    return false;
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  return callee && callee->hasAttr(m3sat::kPureCalleeAttr);
}

/// Whether `op` is an OpenMP op or a memref.alloca (whose scope would
/// change inside a parallel region).
bool isScoped(Operation *op) {
  return isa<omp::OpenMPDialect>(op->getDialect()) ||
         isa<memref::AllocaOp, memref::AllocaScopeOp>(op);
}

/// Functions of the module whose bodies hold an OpenMP op: called inside a
/// parallel region, their own parallel regions would run on one thread.
using ForkingFunctions = llvm::DenseSet<StringAttr>;

/// Whether `op` or an op nested in it is scoped (isScoped) or calls one of
/// `forking`.
bool containsScoped(Operation *op, const ForkingFunctions &forking) {
  return op
      ->walk([&](Operation *nested) {
        auto call = dyn_cast<func::CallOp>(nested);
        return isScoped(nested) || (call && forking.contains(
                                                call.getCalleeAttr().getAttr()))
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

Role roleOf(Operation *op, const ForkingFunctions &forking) {
  if (auto parallel = dyn_cast<omp::ParallelOp>(op)) {
    bool plain = parallel->getNumOperands() == 0 &&
                 !parallel.getReductionSyms() && !parallel.getPrivateSyms() &&
                 !parallel.getProcBindKind() &&
                 parallel.getRegion().hasOneBlock();
    return plain ? Role::Parallel : Role::Barrier;
  }
  if (op->hasTrait<OpTrait::IsTerminator>() || containsScoped(op, forking))
    return Role::Barrier;
  if ((op->getNumRegions() == 0 && isMemoryEffectFree(op)) ||
      onlyAllocates(op) || isPureCall(op))
    return Role::Hoist;
  if (op->getNumResults() == 0)
    return Role::Sequential;
  return Role::Barrier;
}

/// Ops that end a region with their own barrier: a worksharing loop or a
/// single without nowait.
bool endsWithBarrier(Block &body) {
  Operation *last = body.getTerminator()->getPrevNode();
  if (auto loop = dyn_cast_or_null<omp::WsloopOp>(last))
    return !loop.getNowait();
  if (auto single = dyn_cast_or_null<omp::SingleOp>(last))
    return !single.getNowait();
  return false;
}

struct MergeParallelRegionsPass
    : m3sat::impl::MergeParallelRegionsBase<MergeParallelRegionsPass> {
  void runOnOperation() override {
    // Merging moves OpenMP ops only within a function: the set holds.
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->walk([](Operation *op) {
                return isa<omp::OpenMPDialect>(op->getDialect())
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted())
        forking.insert(func.getSymNameAttr());
    SmallVector<Block *> blocks;
    getOperation().walk([&](Block *block) {
      Operation *parent = block->getParentOp();
      if (!isa<ModuleOp>(parent) && !isa<omp::ParallelOp>(parent) &&
          !parent->getParentOfType<omp::ParallelOp>())
        blocks.push_back(block);
    });
    for (Block *block : blocks)
      mergeIn(*block);
  }

  ForkingFunctions forking;

  /// Merges each stretch of `block` from one plain parallel region to the
  /// last one reachable through hoistable and sequential ops.
  void mergeIn(Block &block) {
    for (Operation *op = &block.front(); op; op = op->getNextNode()) {
      if (roleOf(op, forking) != Role::Parallel)
        continue;
      // The stretch: up to the last parallel region before a barrier op.
      SmallVector<Operation *> stretch = {op};
      Operation *lastParallel = op;
      for (Operation *next = op->getNextNode(); next;
           next = next->getNextNode()) {
        Role role = roleOf(next, forking);
        if (role == Role::Barrier)
          break;
        stretch.push_back(next);
        if (role == Role::Parallel)
          lastParallel = next;
      }
      while (stretch.back() != lastParallel)
        stretch.pop_back();
      if (stretch.size() > 1)
        merge(stretch);
      op = stretch.front();
    }
  }

  void merge(ArrayRef<Operation *> stretch) {
    auto merged = cast<omp::ParallelOp>(stretch.front());
    Block &body = merged.getRegion().front();
    Operation *terminator = body.getTerminator();
    omp::SingleOp single;
    for (Operation *op : stretch.drop_front()) {
      Role role = roleOf(op, forking);
      if (role == Role::Hoist) {
        op->moveBefore(merged);
        continue;
      }
      if (role == Role::Sequential) {
        if (!single) {
          OpBuilder builder(terminator);
          // The single starts without a barrier: the loops before it must
          // be complete on every thread first.
          if (!endsWithBarrier(body))
            omp::BarrierOp::create(builder, op->getLoc());
          single = omp::SingleOp::create(builder, op->getLoc(),
                                         omp::SingleOperands());
          Block *singleBody = builder.createBlock(&single.getRegion());
          builder.setInsertionPointToStart(singleBody);
          omp::TerminatorOp::create(builder, op->getLoc());
          ++numSingles;
        }
        op->moveBefore(single.getRegion().front().getTerminator());
        continue;
      }
      // A parallel region: the writes before it are complete once every
      // thread passed a barrier.
      single = nullptr;
      if (!endsWithBarrier(body)) {
        OpBuilder builder(terminator);
        omp::BarrierOp::create(builder, op->getLoc());
      }
      auto parallel = cast<omp::ParallelOp>(op);
      Block &from = parallel.getRegion().front();
      body.getOperations().splice(terminator->getIterator(),
                                  from.getOperations(), from.begin(),
                                  from.getTerminator()->getIterator());
      parallel.erase();
      ++numMerged;
    }
    // The region's end joins the threads: its last loop needs no barrier
    // of its own.
    if (auto last = dyn_cast_or_null<omp::WsloopOp>(terminator->getPrevNode()))
      last.setNowait(true);
  }
};

} // namespace
