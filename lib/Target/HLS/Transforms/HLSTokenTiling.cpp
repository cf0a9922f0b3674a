//===- HLSTokenTiling.cpp - m3sat-hls-token-tiling ------------------------===//
//
// Token tiling: consecutive top-level loop nests of a top function that walk
// the same outermost dimension (the tokens) and pass buffers to each other
// row by row become one loop over tiles of that dimension; a buffer that
// lives inside that loop only, row by row, shrinks to one tile.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSTOKENTILING
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// How a loop nest accesses one buffer: every access at row `dim` = the
/// outermost counter (and no other index depending on it), or otherwise
/// (`dim` = -1, "whole").
struct Access {
  int64_t dim = -1;
  bool read = false, write = false;
};

/// A candidate nest: `scf.for %t = 0 to N step 1` without results, whose
/// body touches memory only through loads and stores of buffers the
/// function allocates or takes as arguments.
struct Nest {
  scf::ForOp loop;
  int64_t trips = 0;
  llvm::MapVector<Value, Access> accesses;
};

std::optional<int64_t> constantIndex(Value value) {
  APInt v;
  if (matchPattern(value, m_ConstantInt(&v)))
    return v.getSExtValue();
  return std::nullopt;
}

/// The row dimension of an access (indices `indices`) in a loop over `t`
/// whose dependent values are `dependent`: the one index that is `t`, when
/// no other one depends on it; else -1.
int64_t rowDim(ValueRange indices, Value t,
               const llvm::DenseSet<Value> &dependent) {
  int64_t dim = -1;
  for (auto [i, index] : llvm::enumerate(indices)) {
    if (index == t && dim < 0) {
      dim = i;
      continue;
    }
    if (dependent.contains(index))
      return -1;
  }
  return dim;
}

std::optional<Nest> analyzeNest(scf::ForOp loop, Block &body) {
  if (loop.getNumResults() || constantIndex(loop.getLowerBound()) != 0 ||
      constantIndex(loop.getStep()) != 1)
    return std::nullopt;
  std::optional<int64_t> trips = constantIndex(loop.getUpperBound());
  if (!trips || *trips < 2)
    return std::nullopt;
  Nest nest{loop, *trips, {}};
  Value t = loop.getInductionVar();
  llvm::DenseSet<Value> dependent{t};
  bool ok = true;
  auto record = [&](Value memref, int64_t dim, bool read, bool write) {
    // Buffers of the function body or its arguments (no views: they would
    // alias).
    if (auto arg = dyn_cast<BlockArgument>(memref)) {
      if (arg.getOwner() != &body)
        ok = false;
    } else if (!memref.getDefiningOp<memref::AllocOp>() ||
               memref.getDefiningOp()->getBlock() != &body) {
      ok = false;
    }
    auto [it, inserted] = nest.accesses.insert({memref, Access{dim}});
    Access &access = it->second;
    if (!inserted && access.dim != dim)
      access.dim = -1;
    access.read |= read;
    access.write |= write;
  };
  loop.getBody()->walk([&](Operation *op) {
    if (!ok)
      return WalkResult::interrupt();
    // Values that depend on the token: results of ops with a dependent
    // operand, counters of loops with a dependent bound.
    if (auto inner = dyn_cast<scf::ForOp>(op)) {
      if (llvm::any_of(inner->getOperands(),
                       [&](Value v) { return dependent.contains(v); }))
        dependent.insert(inner.getInductionVar());
      if (inner.getNumResults())
        ok = false;
    } else if (llvm::any_of(op->getOperands(),
                            [&](Value v) { return dependent.contains(v); })) {
      for (Value result : op->getResults())
        dependent.insert(result);
    }
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      record(load.getMemref(), rowDim(load.getIndices(), t, dependent), true,
             false);
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      record(store.getMemref(), rowDim(store.getIndices(), t, dependent), false,
             true);
    } else if (isa<scf::ForOp, scf::IfOp, scf::YieldOp>(op) ||
               isMemoryEffectFree(op)) {
      // Control flow and pure ops; any memref they take is a view or a
      // call argument, which the next check refuses.
      if (llvm::any_of(op->getOperands(),
                       [](Value v) { return isa<MemRefType>(v.getType()); }))
        ok = false;
    } else {
      // Calls, allocations, anything else with effects.
      ok = false;
    }
    return WalkResult::advance();
  });
  if (!ok)
    return std::nullopt;
  return nest;
}

/// Whether `nest` can run tile by tile with the nests of `chain` (of its
/// trip count): every buffer that it and the chain both access, one of
/// them writing, is accessed row by row along the same dimension in both.
bool fuses(const llvm::MapVector<Value, Access> &chain, const Nest &nest) {
  for (const auto &[memref, access] : nest.accesses) {
    auto it = chain.find(memref);
    if (it == chain.end())
      continue;
    if (!access.write && !it->second.write)
      continue;
    if (access.dim < 0 || access.dim != it->second.dim)
      return false;
  }
  return true;
}

/// A loop over tiles: its nests' token indices (the tile index with tile
/// 1, else `tile index * tile + t`), each with its index in the tile (null
/// with tile 1).
struct Fused {
  scf::ForOp loop;
  llvm::DenseMap<Value, Value> local;
};

ValueRange accessIndices(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return load.getIndices();
  return cast<memref::StoreOp>(op).getIndices();
}

/// Whether `store` (in `top`, an op of a loop over tiles) writes all of its
/// buffer's row `dim`: every other index is the counter of an enclosing
/// loop of `top` over that whole dimension (or the dimension has size 1),
/// no two the same, and no branch decides whether it runs.
bool coversRow(memref::StoreOp store, Operation *top, int64_t dim) {
  MemRefType type = store.getMemRefType();
  llvm::SmallDenseSet<Value, 4> seen;
  for (Operation *parent = store->getParentOp(); parent != top->getParentOp();
       parent = parent->getParentOp())
    if (!isa<scf::ForOp>(parent))
      return false;
  for (auto [i, index] : llvm::enumerate(store.getIndices())) {
    if (int64_t(i) == dim || type.getDimSize(i) == 1)
      continue;
    auto arg = dyn_cast<BlockArgument>(index);
    auto loop = arg ? dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp())
                    : scf::ForOp();
    if (!loop || loop.getInductionVar() != index || !top->isAncestor(loop) ||
        constantIndex(loop.getLowerBound()) != 0 ||
        constantIndex(loop.getStep()) != 1 ||
        constantIndex(loop.getUpperBound()) != type.getDimSize(i) ||
        !seen.insert(index).second)
      return false;
  }
  return true;
}

struct HLSTokenTiling : public m3sat::impl::HLSTokenTilingBase<HLSTokenTiling> {
  using Base::Base;

  void runOnOperation() override {
    if (tile < 1) {
      getOperation().emitError("m3sat-hls-token-tiling: tile must be >= 1");
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          func.getBody().hasOneBlock() &&
          !func->hasAttr(m3sat::kHLSDataflowAttr))
        runOnFunction(func);
  }

  void runOnFunction(func::FuncOp func) {
    Block &body = func.getBody().front();
    // Chains of consecutive candidate nests of one trip count; between
    // them only constants and allocations (moved before the fused loop).
    SmallVector<SmallVector<Nest>> chains;
    SmallVector<Nest> chain;
    llvm::MapVector<Value, Access> chainAccesses;
    auto close = [&]() {
      if (chain.size() >= 2)
        chains.push_back(std::move(chain));
      chain.clear();
      chainAccesses.clear();
    };
    for (Operation &op : body.without_terminator()) {
      if (auto loop = dyn_cast<scf::ForOp>(&op)) {
        std::optional<Nest> nest = analyzeNest(loop, body);
        if (nest && nest->trips % tile == 0 && nest->trips > tile &&
            (chain.empty() || (chain.front().trips == nest->trips &&
                               fuses(chainAccesses, *nest)))) {
          for (const auto &[memref, access] : nest->accesses) {
            auto [it, inserted] = chainAccesses.insert({memref, access});
            if (!inserted) {
              if (it->second.dim != access.dim)
                it->second.dim = -1;
              it->second.read |= access.read;
              it->second.write |= access.write;
            }
          }
          chain.push_back(std::move(*nest));
          continue;
        }
        close();
        if (nest && nest->trips % tile == 0 && nest->trips > tile) {
          chainAccesses = nest->accesses;
          chain.push_back(std::move(*nest));
        }
        continue;
      }
      if (isa<memref::AllocOp>(op) ||
          (isMemoryEffectFree(&op) && op.getNumRegions() == 0 &&
           llvm::none_of(op.getOperands(),
                         [](Value v) { return isa<MemRefType>(v.getType()); })))
        continue;
      close();
    }
    close();
    SmallVector<Fused> fused;
    for (SmallVector<Nest> &c : chains)
      fuse(c, fused);
    shrink(body, fused);
  }

  /// Replaces the nests of `chain` with one loop over tiles (appended to
  /// `fused`).
  void fuse(SmallVector<Nest> &chain, SmallVector<Fused> &fused) {
    scf::ForOp first = chain.front().loop;
    int64_t trips = chain.front().trips;
    // The ops between the nests go before the fused loop.
    for (Operation *op = first->getNextNode(); op != chain.back().loop;) {
      Operation *next = op->getNextNode();
      if (!isa<scf::ForOp>(op) ||
          llvm::none_of(chain, [&](const Nest &n) { return n.loop == op; }))
        op->moveBefore(first);
      op = next;
    }
    OpBuilder builder(first);
    Location loc = first.getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(builder, loc, v);
    };
    Value zero = cst(0), one = cst(1), tiles = cst(trips / tile);
    auto outer = scf::ForOp::create(builder, loc, zero, tiles, one);
    outer->setAttr(m3sat::kHLSTokenTilesAttr, builder.getI64IntegerAttr(tile));
    OpBuilder inner = OpBuilder::atBlockBegin(outer.getBody());
    Value tileIndex = outer.getInductionVar();
    // Per nest: the global token index and the index in the tile, for the
    // shrunk buffers' accesses.
    llvm::DenseMap<Value, Value> local;
    Value tileSize =
        tile > 1 ? arith::ConstantIndexOp::create(inner, loc, tile) : Value();
    Value base =
        tile > 1
            ? arith::MulIOp::create(inner, loc, tileIndex, tileSize).getResult()
            : Value();
    for (Nest &nest : chain) {
      IRMapping mapping;
      Block *target = outer.getBody();
      OpBuilder b = OpBuilder::atBlockTerminator(target);
      Value global = tileIndex, inTile = Value();
      if (tile > 1) {
        Value z = arith::ConstantIndexOp::create(b, nest.loop.getLoc(), 0);
        Value o = arith::ConstantIndexOp::create(b, nest.loop.getLoc(), 1);
        auto loop = scf::ForOp::create(b, nest.loop.getLoc(), z, tileSize, o);
        loop->setAttrs(nest.loop->getDiscardableAttrDictionary());
        b.setInsertionPointToStart(loop.getBody());
        inTile = loop.getInductionVar();
        global = arith::AddIOp::create(b, nest.loop.getLoc(), base, inTile);
        b.setInsertionPoint(loop.getBody()->getTerminator());
      }
      mapping.map(nest.loop.getInductionVar(), global);
      for (Operation &op : nest.loop.getBody()->without_terminator())
        b.clone(op, mapping);
      local[global] = inTile;
      nest.loop.erase();
    }

    fused.push_back({outer, std::move(local)});
    ++numFused;
    numNests += chain.size();
  }

  /// Shrinks to one tile the buffers of `body` that only loops over tiles
  /// use, every access indexing dimension `dim` (of size N, the loops' trip
  /// count) by the token and, in each loop, the first op that touches the
  /// buffer writing whole rows before anything reads them (no value
  /// passes from one tile, or one loop, to the next).
  void shrink(Block &body, SmallVector<Fused> &fused) {
    auto owner = [&](Operation *op) -> Fused * {
      for (Fused &f : fused)
        if (f.loop->isAncestor(op))
          return &f;
      return nullptr;
    };
    for (auto alloc :
         llvm::make_early_inc_range(body.getOps<memref::AllocOp>())) {
      MemRefType type = alloc.getType();
      if (!type.getLayout().isIdentity() || !type.hasStaticShape() ||
          alloc->getNumOperands() || alloc.use_empty())
        continue;
      int64_t dim = -1;
      bool ok = true;
      llvm::SmallDenseMap<Operation *, Operation *> firstInLoop;
      for (OpOperand &use : alloc->getUses()) {
        Operation *user = use.getOwner();
        Fused *f = owner(user);
        if (!f || !isa<memref::LoadOp, memref::StoreOp>(user) ||
            use.getOperandNumber() != (isa<memref::LoadOp>(user) ? 0u : 1u)) {
          ok = false;
          break;
        }
        int64_t d = -1;
        for (auto [i, index] : llvm::enumerate(accessIndices(user)))
          if (f->local.count(index))
            d = d < 0 ? int64_t(i) : -2;
        if (d < 0 || (dim >= 0 && d != dim)) {
          ok = false;
          break;
        }
        dim = d;
        Operation *top = f->loop.getBody()->findAncestorOpInBlock(*user);
        Operation *&first = firstInLoop[f->loop];
        if (!first || top->isBeforeInBlock(first))
          first = top;
      }
      int64_t trips = 0;
      if (ok && dim >= 0) {
        trips = type.getDimSize(dim);
        for (auto [loop, top] : firstInLoop) {
          auto outer = cast<scf::ForOp>(loop);
          Fused *f = owner(outer);
          auto tiles = constantIndex(outer.getUpperBound());
          if (!tiles || *tiles * tile != trips)
            ok = false;
          // The first op touching the buffer only writes it, whole rows.
          top->walk([&](Operation *op) {
            if (!ok)
              return;
            if (auto load = dyn_cast<memref::LoadOp>(op))
              ok &= load.getMemref() != alloc.getResult();
            if (auto store = dyn_cast<memref::StoreOp>(op))
              if (store.getMemref() == alloc.getResult())
                ok &= coversRow(store, top, dim) &&
                      f->local.count(store.getIndices()[dim]);
          });
        }
      }
      if (!ok || dim < 0 || trips <= tile)
        continue;
      SmallVector<int64_t> shape(type.getShape());
      shape[dim] = tile;
      OpBuilder ab(alloc);
      auto shrunk = memref::AllocOp::create(
          ab, alloc.getLoc(), MemRefType::get(shape, type.getElementType()));
      shrunk->setAttrs(alloc->getAttrs());
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) {
        Fused *f = owner(user);
        OpBuilder ub(user);
        SmallVector<Value> indices(accessIndices(user));
        indices[dim] =
            tile > 1 ? f->local.lookup(indices[dim])
                     : arith::ConstantIndexOp::create(ub, user->getLoc(), 0)
                           .getResult();
        if (auto load = dyn_cast<memref::LoadOp>(user)) {
          auto next =
              memref::LoadOp::create(ub, load.getLoc(), shrunk, indices);
          load.getResult().replaceAllUsesWith(next.getResult());
        } else {
          auto store = cast<memref::StoreOp>(user);
          memref::StoreOp::create(ub, store.getLoc(), store.getValueToStore(),
                                  shrunk, indices);
        }
        user->erase();
      }
      alloc.erase();
      ++numShrunk;
    }
  }
};

} // namespace
