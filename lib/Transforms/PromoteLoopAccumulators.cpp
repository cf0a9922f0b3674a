//===- PromoteLoopAccumulators.cpp - accumulators in loop-carried values --===//
//
// Implements m3sat-promote-loop-accumulators: a load and a store of one
// loop-invariant address in an scf.for, that nothing else in the loop may
// touch, become an iter_args value (load before the loop, store after it).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Analysis/AliasAnalysis/LocalAliasAnalysis.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace m3sat {
#define GEN_PASS_DEF_PROMOTELOOPACCUMULATORS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Upstream's local alias analysis, which the pass only asks about buffers
/// that the loop writes: such a buffer is not a constant global, and with
/// the pass's `distinct-arguments` an argument it is does not alias another
/// argument.
class AccumulatorAliasAnalysis : public LocalAliasAnalysis {
public:
  explicit AccumulatorAliasAnalysis(bool distinctArguments)
      : distinctArguments(distinctArguments) {}

protected:
  AliasResult aliasImpl(Value lhs, Value rhs) override {
    if (lhs != rhs && (isConstantGlobal(lhs) || isConstantGlobal(rhs)))
      return AliasResult::NoAlias;
    if (distinctArguments && lhs != rhs && isFunctionArgument(lhs) &&
        isFunctionArgument(rhs))
      return AliasResult::NoAlias;
    return LocalAliasAnalysis::aliasImpl(lhs, rhs);
  }

private:
  /// Whether `value` is a `memref.get_global` of a constant `memref.global`
  /// (never written).
  static bool isConstantGlobal(Value value) {
    auto get = value.getDefiningOp<memref::GetGlobalOp>();
    if (!get)
      return false;
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        get, get.getNameAttr());
    return global && global.getConstant();
  }

  static bool isFunctionArgument(Value value) {
    auto argument = dyn_cast<BlockArgument>(value);
    return argument && argument.getOwner()->isEntryBlock() &&
           isa<FunctionOpInterface>(argument.getOwner()->getParentOp());
  }

  bool distinctArguments;
};

/// Whether `store` writes the address that `load` reads (same memref value,
/// same index values).
bool sameAddress(memref::LoadOp load, memref::StoreOp store) {
  return load.getMemRef() == store.getMemRef() &&
         llvm::equal(load.getIndices(), store.getIndices());
}

/// The store that, with `load`, can become a loop-carried value of `loop`
/// (the rules in Passes.td), or null.
memref::StoreOp findPromotableStore(scf::ForOp loop, memref::LoadOp load,
                                    AccumulatorAliasAnalysis &aliases) {
  Value buffer = load.getMemRef();
  if (!loop.isDefinedOutsideOfLoop(buffer) ||
      !llvm::all_of(load.getIndices(), [&](Value index) {
        return loop.isDefinedOutsideOfLoop(index);
      }))
    return {};
  // The one store of that address in the body, after the load.
  memref::StoreOp store;
  for (auto candidate : loop.getBody()->getOps<memref::StoreOp>()) {
    if (!sameAddress(load, candidate))
      continue;
    if (store)
      return {};
    store = candidate;
  }
  if (!store || !load->isBeforeInBlock(store))
    return {};
  // Nothing else in the loop may read or write memory that aliases the
  // buffer. Ops with recursive effects are judged by their nested ops.
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op == load || op == store ||
        op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    if (!aliases.getModRef(op, buffer).isNoModRef())
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return {};
  return store;
}

/// Promotes one load/store pair of `loop`, replacing the loop; false if
/// there is none.
bool promoteOne(RewriterBase &rewriter, scf::ForOp &loop,
                AccumulatorAliasAnalysis &aliases) {
  memref::LoadOp load;
  memref::StoreOp store;
  for (auto candidate : loop.getBody()->getOps<memref::LoadOp>()) {
    if ((store = findPromotableStore(loop, candidate, aliases))) {
      load = candidate;
      break;
    }
  }
  if (!load)
    return false;

  // The first value: the load, before the loop.
  rewriter.setInsertionPoint(loop);
  Value init = rewriter.clone(*load)->getResult(0);
  Value stored = store.getValueToStore();
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{stored};
      });
  if (failed(replaced))
    return false;
  loop = cast<scf::ForOp>(replaced->getOperation());
  rewriter.replaceAllUsesWith(load.getResult(),
                              loop.getRegionIterArgs().back());
  rewriter.eraseOp(load);

  // The last value: the store, after the loop.
  rewriter.setInsertionPointAfter(loop);
  IRMapping mapping;
  mapping.map(stored, loop.getResults().back());
  rewriter.clone(*store, mapping);
  rewriter.eraseOp(store);
  return true;
}

struct PromoteLoopAccumulatorsPass
    : m3sat::impl::PromoteLoopAccumulatorsBase<PromoteLoopAccumulatorsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Post-order: inner loops first, so that an accumulator promoted out of
    // an inner loop can leave the outer one too.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    AccumulatorAliasAnalysis aliases(distinctArguments);
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (!trips || trips->isZero())
        continue;
      while (promoteOne(rewriter, loop, aliases))
        ++numPromoted;
    }
  }
};

} // namespace
