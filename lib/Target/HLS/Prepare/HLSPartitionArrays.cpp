//===- HLSPartitionArrays.cpp - m3sat-hls-partition-arrays ----------------===//
//
// Cyclic ARRAY_PARTITION of on-chip arrays whose accesses in a pipelined
// loop need more ports per cycle than a memory has (two).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Prepare/LoopKinds.h"
#include "m3sat/Target/HLS/Prepare/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSPARTITIONARRAYS
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// The coefficient of `iv` in `value` when `value` is an affine function
/// of it (additions, subtractions, multiplications by constants, casts);
/// 0 when `value` does not depend on the loop; nullopt otherwise.
std::optional<int64_t> coefficient(Value value, Value iv, Operation *loop,
                                   unsigned depth = 0) {
  if (value == iv)
    return 1;
  Operation *def = value.getDefiningOp();
  if (auto arg = dyn_cast<BlockArgument>(value))
    return loop->isAncestor(arg.getOwner()->getParentOp())
               ? std::nullopt
               : std::optional<int64_t>(0);
  if (!loop->isProperAncestor(def))
    return 0;
  if (depth > 16)
    return std::nullopt;
  auto of = [&](unsigned i) {
    return coefficient(def->getOperand(i), iv, loop, depth + 1);
  };
  if (isa<arith::ConstantOp>(def))
    return 0;
  if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(def))
    return of(0);
  if (isa<arith::AddIOp, arith::SubIOp>(def)) {
    auto a = of(0), b = of(1);
    if (!a || !b)
      return std::nullopt;
    return isa<arith::AddIOp>(def) ? *a + *b : *a - *b;
  }
  if (isa<arith::MulIOp>(def)) {
    APInt constant;
    auto a = of(0), b = of(1);
    if (!a || !b)
      return std::nullopt;
    if (*a == 0 && *b == 0)
      return 0;
    if (matchPattern(def->getOperand(1), m_ConstantInt(&constant)))
      return *a * constant.getSExtValue();
    if (matchPattern(def->getOperand(0), m_ConstantInt(&constant)))
      return *b * constant.getSExtValue();
    return std::nullopt;
  }
  // Anything else computed in the loop from loop-invariant values only.
  for (Value operand : def->getOperands()) {
    auto c = coefficient(operand, iv, loop, depth + 1);
    if (!c || *c != 0)
      return std::nullopt;
  }
  return def->getNumRegions() == 0 && !isa<memref::LoadOp>(def)
             ? std::optional<int64_t>(0)
             : std::nullopt;
}

struct HLSPartitionArrays
    : public m3sat::impl::HLSPartitionArraysBase<HLSPartitionArrays> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Call sites of each function, to follow array arguments to the
    // arrays passed in.
    DenseMap<Operation *, SmallVector<func::CallOp>> callers;
    module.walk([&](func::CallOp call) {
      if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
              call, call.getCalleeAttr()))
        callers[callee].push_back(call);
    });
    // The local arrays (memref.alloc) a memref value may be. Through a
    // flattening reinterpret_cast (the shared linear unit's 1-D operands)
    // only an alloc whose last dimension is a multiple of `factor` counts:
    // cyclic banks of the flat array are then banks of that dimension.
    std::function<void(Value, SmallVectorImpl<memref::AllocOp> &, unsigned,
                       int64_t, bool)>
        roots = [&](Value memref, SmallVectorImpl<memref::AllocOp> &out,
                    unsigned depth, int64_t factor, bool flattened) {
          if (auto alloc = memref.getDefiningOp<memref::AllocOp>()) {
            MemRefType type = alloc.getType();
            if (!flattened || type.getRank() == 0 ||
                (type.hasStaticShape() &&
                 type.getDimSize(type.getRank() - 1) % factor == 0))
              out.push_back(alloc);
            return;
          }
          if (auto cast = memref.getDefiningOp<memref::ReinterpretCastOp>()) {
            if (cast.getType().getRank() == 1 &&
                cast.getType().getLayout().isIdentity() &&
                cast.getStaticOffsets() == ArrayRef<int64_t>{0})
              roots(cast.getSource(), out, depth + 1, factor, true);
            return;
          }
          auto arg = dyn_cast<BlockArgument>(memref);
          auto func =
              arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
          if (!func || depth > 8)
            return;
          for (func::CallOp call : callers.lookup(func))
            roots(call.getOperand(arg.getArgNumber()), out, depth + 1, factor,
                  flattened);
        };

    // Requirements: alloc -> (dimension, factor).
    llvm::MapVector<Operation *, std::pair<int64_t, int64_t>> partitions;
    auto collect = [&]() {
      partitions.clear();
      module.walk([&](scf::ForOp loop) {
        if (!loop->hasAttr(kHLSPipelineIIAttr))
          return;
        int64_t unroll = 1;
        if (auto attr = loop->getAttrOfType<IntegerAttr>(kHLSUnrollAttr))
          unroll = std::max<int64_t>(attr.getInt(), 1);
        // Accesses per memref in one iteration.
        llvm::MapVector<Value, SmallVector<Operation *>> accesses;
        loop.getBody()->walk([&](Operation *op) {
          if (auto load = dyn_cast<memref::LoadOp>(op))
            accesses[load.getMemRef()].push_back(op);
          else if (auto store = dyn_cast<memref::StoreOp>(op))
            accesses[store.getMemRef()].push_back(op);
        });
        Value iv = loop.getInductionVar();
        for (auto &[memref, ops] : accesses) {
          auto type = cast<MemRefType>(memref.getType());
          // The dimension the loop walks with unit stride, if any (the one
          // unrolled copies spread over), and whether any index varies.
          std::optional<int64_t> walked;
          bool varies = false;
          // The dimension that every access moves along by one stride s > 1
          // (the explicit lanes of the shared linear unit: s accesses at
          // consecutive offsets in each group of s), and s.
          std::optional<std::pair<int64_t, int64_t>> strided;
          bool sameStride = true;
          for (Operation *op : ops) {
            ValueRange indices = isa<memref::LoadOp>(op)
                                     ? cast<memref::LoadOp>(op).getIndices()
                                     : cast<memref::StoreOp>(op).getIndices();
            for (auto [dim, index] : llvm::enumerate(indices)) {
              std::optional<int64_t> c = coefficient(index, iv, loop);
              if (!c || *c != 0)
                varies = true;
              if (c && *c == 1 && !walked)
                walked = dim;
              if (!c || *c <= 1)
                continue;
              if (!strided)
                strided = std::make_pair(static_cast<int64_t>(dim), *c);
              else if (strided->first != static_cast<int64_t>(dim) ||
                       strided->second != *c)
                sameStride = false;
            }
          }
          int64_t groups = 0;
          if (!walked && strided && sameStride && unroll == 1 &&
              static_cast<int64_t>(ops.size()) >= strided->second) {
            walked = strided->first;
            groups = strided->second;
          }
          // Unrolled copies of an access to one element share it.
          int64_t ports = ops.size() * (varies ? unroll : 1);
          if (ports <= 2 || !walked || type.getRank() == 0)
            continue;
          int64_t factor = groups                 ? groups
                           : varies && unroll > 1 ? unroll
                                                  : (ports + 1) / 2;
          if (factor > type.getDimSize(*walked))
            factor = type.getDimSize(*walked);
          if (factor < 2)
            continue;
          SmallVector<memref::AllocOp> allocs;
          roots(memref, allocs, 0, factor, false);
          for (memref::AllocOp alloc : allocs) {
            // A flattened view's banks are the alloc's last dimension's.
            int64_t dim = type.getRank() == alloc.getType().getRank()
                              ? *walked
                              : alloc.getType().getRank() - 1;
            auto [it, inserted] =
                partitions.try_emplace(alloc, std::make_pair(dim, factor));
            if (!inserted && it->second.first == dim)
              it->second.second = std::max(it->second.second, factor);
          }
        }
      });
    };

    // Every array `memref` may be, if each is a local array (through
    // flattening views and call arguments); false if one may be a port or
    // a constant table.
    std::function<bool(Value,
                       SmallVectorImpl<std::pair<memref::AllocOp, bool>> &,
                       unsigned, bool)>
        allRoots = [&](Value memref,
                       SmallVectorImpl<std::pair<memref::AllocOp, bool>> &out,
                       unsigned depth, bool flattened) {
          if (auto alloc = memref.getDefiningOp<memref::AllocOp>()) {
            out.push_back({alloc, flattened});
            return true;
          }
          if (auto cast = memref.getDefiningOp<memref::ReinterpretCastOp>())
            return cast.getType().getRank() == 1 &&
                   cast.getType().getLayout().isIdentity() &&
                   cast.getStaticOffsets() == ArrayRef<int64_t>{0} &&
                   allRoots(cast.getSource(), out, depth + 1, true);
          auto arg = dyn_cast<BlockArgument>(memref);
          auto func =
              arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
          if (!func || depth > 8 || !arg.getOwner()->isEntryBlock())
            return false;
          auto calls = callers.lookup(func);
          if (calls.empty())
            return false;
          for (func::CallOp call : calls)
            if (!allRoots(call.getOperand(arg.getArgNumber()), out, depth + 1,
                          flattened))
              return false;
          return true;
        };
    // The partition an alloc gets: the requirements', else the one it has.
    auto partitionOf = [&](memref::AllocOp alloc)
        -> std::optional<std::pair<int64_t, int64_t>> {
      if (auto it = partitions.find(alloc); it != partitions.end())
        return it->second;
      if (auto attr = alloc->getAttrOfType<HLSPartitionAttr>(kHLSPartitionAttr))
        return std::make_pair(static_cast<int64_t>(attr.getDim()) - 1,
                              static_cast<int64_t>(attr.getFactor()));
      return std::nullopt;
    };
    // Whether each copy of checked `loop` (unrolled U times) has its own
    // bank of every array it accesses.
    auto banksSuffice = [&](scf::ForOp loop, int64_t unroll) {
      Value iv = loop.getInductionVar();
      llvm::MapVector<Value, std::pair<int64_t, int64_t>> walkedBy;
      WalkResult result = loop.getBody()->walk([&](Operation *op) {
        Value memref;
        ValueRange indices;
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          memref = load.getMemRef();
          indices = load.getIndices();
        } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
          memref = store.getMemRef();
          indices = store.getIndices();
        } else {
          return WalkResult::advance();
        }
        std::optional<int64_t> walked;
        for (auto [dim, index] : llvm::enumerate(indices)) {
          std::optional<int64_t> c = coefficient(index, iv, loop);
          if (!c || (*c != 0 && (*c != 1 || walked)))
            return WalkResult::interrupt();
          if (*c == 1)
            walked = dim;
        }
        // Copies that store to one element (a reduction) or read one
        // they all share.
        if (!walked)
          return isa<memref::StoreOp>(op) ? WalkResult::interrupt()
                                          : WalkResult::advance();
        auto [it, inserted] =
            walkedBy.try_emplace(memref, std::make_pair(*walked, 0));
        if (it->second.first != *walked || ++it->second.second > 2)
          return WalkResult::interrupt();
        return WalkResult::advance();
      });
      if (result.wasInterrupted())
        return false;
      for (auto &[memref, walked] : walkedBy) {
        SmallVector<std::pair<memref::AllocOp, bool>> allocs;
        if (!allRoots(memref, allocs, 0, false))
          return false;
        auto type = cast<MemRefType>(memref.getType());
        for (auto [alloc, flattened] : allocs) {
          MemRefType allocType = alloc.getType();
          if (!allocType.hasStaticShape() || allocType.getRank() == 0)
            return false;
          int64_t dim = type.getRank() == allocType.getRank()
                            ? walked.first
                            : allocType.getRank() - 1;
          std::optional<std::pair<int64_t, int64_t>> partition =
              partitionOf(alloc);
          if (!partition || partition->first != dim ||
              partition->second % unroll != 0 ||
              (flattened && allocType.getDimSize(allocType.getRank() - 1) %
                                    partition->second !=
                                0))
            return false;
        }
      }
      return true;
    };
    // Requirements, then the checked unrolls against them; without the
    // unrolls that lack banks, again.
    for (bool dropped = true; dropped;) {
      dropped = false;
      collect();
      module.walk([&](scf::ForOp loop) {
        auto unroll = loop->getAttrOfType<IntegerAttr>(kHLSUnrollAttr);
        if (!checkUnrolls || !unroll || hls::multipliesAndAccumulates(loop) ||
            banksSuffice(loop, unroll.getInt()))
          return;
        loop->removeAttr(kHLSUnrollAttr);
        ++numUnrollsDropped;
        dropped = true;
      });
    }
    Builder builder(&getContext());
    for (auto &[alloc, partition] : partitions) {
      alloc->setAttr(kHLSPartitionAttr,
                     HLSPartitionAttr::get(&getContext(), partition.first + 1,
                                           partition.second));
      ++numPartitioned;
    }
  }
};

} // namespace
