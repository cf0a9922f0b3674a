//===- HLSExpertSchedule.cpp - m3sat-hls-expert-schedule ------------------===//
//
// The MoE schedule of the accelerator papers for token-routed layers in
// expert-major form: a queue of the experts that have tokens, visited one
// after another, the next expert's weights loaded into one on-chip buffer
// while the current expert computes from the other (ping-pong).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSEXPERTSCHEDULE
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// A loop over the experts of a token-routed layer.
struct ExpertLoop {
  scf::ForOp loop;
  int64_t experts = 0;
  /// The function arguments read at [expert, ...]: the experts' weights.
  SmallVector<BlockArgument> weights;
  /// The ops of the body that compute `count`, in order.
  SmallVector<Operation *> countSlice;
  /// The trip count of every loop in the body (the expert's token count).
  Value count;
};

bool isConstantIndex(Value value, int64_t expected) {
  APInt constant;
  return matchPattern(value, m_ConstantInt(&constant)) &&
         constant.getSExtValue() == expected;
}

/// Whether `loop`, a top-level loop of `func`, is an expert loop.
std::optional<ExpertLoop> matchExpertLoop(scf::ForOp loop, func::FuncOp func) {
  APInt upper;
  if (!isConstantIndex(loop.getLowerBound(), 0) ||
      !isConstantIndex(loop.getStep(), 1) ||
      !matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)) ||
      loop.getNumRegionIterArgs() != 0 || upper.getSExtValue() < 2)
    return std::nullopt;
  ExpertLoop info;
  info.loop = loop;
  info.experts = upper.getSExtValue();
  Value expert = loop.getInductionVar();

  // Calls could write anything: no schedule around them.
  if (loop.getBody()
          ->walk([](func::CallOp) { return WalkResult::interrupt(); })
          .wasInterrupted())
    return std::nullopt;

  // Weights: read-only arguments of shape E x ..., read in the loop at
  // [expert, ...] only.
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type || !type.hasStaticShape() || type.getRank() < 1 ||
        type.getDimSize(0) != info.experts)
      continue;
    bool inside = false, streamable = true;
    for (Operation *user : arg.getUsers()) {
      auto load = dyn_cast<memref::LoadOp>(user);
      if (!load) {
        streamable = false;
        break;
      }
      if (!loop->isProperAncestor(user))
        continue;
      inside = true;
      if (load.getIndices().front() != expert)
        streamable = false;
    }
    if (inside && streamable)
      info.weights.push_back(arg);
  }
  if (info.weights.empty())
    return std::nullopt;

  // The body: loops from 0 to one count computed in the body, loads,
  // allocations and pure ops. An expert whose count is not positive then
  // does nothing.
  Block *body = loop.getBody();
  for (Operation &op : body->without_terminator()) {
    if (auto inner = dyn_cast<scf::ForOp>(op)) {
      Value count = inner.getUpperBound();
      if (!isConstantIndex(inner.getLowerBound(), 0) ||
          !isConstantIndex(inner.getStep(), 1) ||
          inner.getNumRegionIterArgs() != 0 || !count.getDefiningOp() ||
          count.getDefiningOp()->getBlock() != body ||
          (info.count && info.count != count))
        return std::nullopt;
      info.count = count;
      continue;
    }
    if (isa<memref::LoadOp, memref::AllocOp, memref::AllocaOp>(op) ||
        (op.getNumRegions() == 0 && isMemoryEffectFree(&op)))
      continue;
    return std::nullopt;
  }
  if (!info.count)
    return std::nullopt;

  // The count's computation, to be repeated before the loop: pure ops and
  // loads of memory the loop does not write.
  llvm::SetVector<Value> written;
  body->walk([&](memref::StoreOp store) { written.insert(store.getMemRef()); });
  llvm::SmallPtrSet<Operation *, 16> slice;
  SmallVector<Value> worklist = {info.count};
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != body || !slice.insert(def).second)
      continue;
    if (auto load = dyn_cast<memref::LoadOp>(def)) {
      if (written.contains(load.getMemRef()))
        return std::nullopt;
    } else if (def->getNumRegions() != 0 || !isMemoryEffectFree(def)) {
      return std::nullopt;
    }
    llvm::append_range(worklist, def->getOperands());
  }
  for (Operation &op : body->without_terminator())
    if (slice.contains(&op))
      info.countSlice.push_back(&op);
  return info;
}

/// One expert's slice of `weight` (rank 0 for a vector of scalars).
MemRefType sliceType(BlockArgument weight) {
  auto type = cast<MemRefType>(weight.getType());
  return MemRefType::get(type.getShape().drop_front(), type.getElementType());
}

struct HLSExpertSchedule
    : public m3sat::impl::HLSExpertScheduleBase<HLSExpertSchedule> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<ExpertLoop> loops;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal() ||
          !func.getBody().hasOneBlock())
        continue;
      for (auto loop : func.getBody().front().getOps<scf::ForOp>())
        if (std::optional<ExpertLoop> info = matchExpertLoop(loop, func))
          loops.push_back(std::move(*info));
    }
    unsigned index = 0;
    for (ExpertLoop &info : loops)
      schedule(info, symbols, index++);
  }

  /// Builds `<func>_<n>_expert_load(e, enable, W..., dst...)`: if enable,
  /// dst_k = W_k[e].
  func::FuncOp buildLoad(ExpertLoop &info, SymbolTable &symbols,
                         StringRef base) {
    Location loc = info.loop.getLoc();
    ModuleOp module = getOperation();
    SmallVector<Type> types = {IndexType::get(&getContext()),
                               IntegerType::get(&getContext(), 1)};
    for (BlockArgument weight : info.weights)
      types.push_back(weight.getType());
    for (BlockArgument weight : info.weights)
      types.push_back(sliceType(weight));
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    auto func =
        func::FuncOp::create(builder, loc, (base + "_expert_load").str(),
                             FunctionType::get(&getContext(), types, {}));
    func.setPrivate();
    symbols.insert(func);
    Block *entry = func.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    Value expert = entry->getArgument(0);
    size_t count = info.weights.size();
    auto enabled = scf::IfOp::create(builder, loc, entry->getArgument(1),
                                     /*withElseRegion=*/false);
    func::ReturnOp::create(builder, loc);
    builder = enabled.getThenBodyBuilder();
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    for (size_t k = 0; k < count; ++k) {
      Value source = entry->getArgument(2 + k);
      Value dest = entry->getArgument(2 + count + k);
      SmallVector<Value> lower, upper, steps;
      for (int64_t dim : sliceType(info.weights[k]).getShape()) {
        lower.push_back(zero);
        upper.push_back(arith::ConstantIndexOp::create(builder, loc, dim));
        steps.push_back(one);
      }
      scf::buildLoopNest(
          builder, loc, lower, upper, steps,
          [&](OpBuilder &nested, Location at, ValueRange ivs) {
            SmallVector<Value> indices = {expert};
            llvm::append_range(indices, ivs);
            Value value = memref::LoadOp::create(nested, at, source, indices);
            memref::StoreOp::create(nested, at, value, dest, ivs);
          });
    }
    return func;
  }

  /// Builds `<func>_<n>_expert_step(e, next, more, W..., dst..., src...,
  /// captured...)`: loads expert `next`'s weights into dst (if more) while
  /// expert e computes from src, the two calls a DATAFLOW region (they share
  /// no array).
  func::FuncOp buildStep(ExpertLoop &info, SymbolTable &symbols, StringRef base,
                         func::FuncOp load, func::FuncOp compute,
                         ArrayRef<Value> captured) {
    Location loc = info.loop.getLoc();
    ModuleOp module = getOperation();
    Type index = IndexType::get(&getContext());
    SmallVector<Type> types = {index, index,
                               IntegerType::get(&getContext(), 1)};
    for (BlockArgument weight : info.weights)
      types.push_back(weight.getType());
    for (int side = 0; side < 2; ++side)
      for (BlockArgument weight : info.weights)
        types.push_back(sliceType(weight));
    for (Value value : captured)
      types.push_back(value.getType());
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    auto func =
        func::FuncOp::create(builder, loc, (base + "_expert_step").str(),
                             FunctionType::get(&getContext(), types, {}));
    func.setPrivate();
    func->setAttr(kHLSDataflowAttr, builder.getUnitAttr());
    symbols.insert(func);
    Block *entry = func.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    size_t count = info.weights.size();
    auto args = entry->getArguments();
    SmallVector<Value> loadOperands = {args[1], args[2]};
    llvm::append_range(loadOperands, args.slice(3, count));
    llvm::append_range(loadOperands, args.slice(3 + count, count));
    func::CallOp::create(builder, loc, load, loadOperands);
    SmallVector<Value> computeOperands = {args[0]};
    llvm::append_range(computeOperands, args.slice(3 + 2 * count, count));
    llvm::append_range(computeOperands, args.drop_front(3 + 3 * count));
    func::CallOp::create(builder, loc, compute, computeOperands);
    func::ReturnOp::create(builder, loc);
    return func;
  }

  /// Builds `<func>_expert_compute_<n>(e, slices..., captured...)`: the
  /// loop body for expert e, reading weights from the slices.
  func::FuncOp buildCompute(ExpertLoop &info, SymbolTable &symbols,
                            StringRef base, ArrayRef<Value> captured) {
    Location loc = info.loop.getLoc();
    ModuleOp module = getOperation();
    SmallVector<Type> types = {IndexType::get(&getContext())};
    for (BlockArgument weight : info.weights)
      types.push_back(sliceType(weight));
    for (Value value : captured)
      types.push_back(value.getType());
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    auto func =
        func::FuncOp::create(builder, loc, (base + "_expert_compute").str(),
                             FunctionType::get(&getContext(), types, {}));
    func.setPrivate();
    symbols.insert(func);
    Block *entry = func.addEntryBlock();
    builder.setInsertionPointToStart(entry);

    IRMapping mapping;
    mapping.map(info.loop.getInductionVar(), entry->getArgument(0));
    llvm::SmallPtrSet<Value, 8> slices;
    for (auto [k, weight] : llvm::enumerate(info.weights)) {
      mapping.map(weight, entry->getArgument(1 + k));
      slices.insert(entry->getArgument(1 + k));
    }
    for (auto [i, value] : llvm::enumerate(captured))
      mapping.map(value, entry->getArgument(1 + info.weights.size() + i));
    // Constants from outside are repeated inside.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(info.loop.getRegion(), above);
    for (Value value : above)
      if (!mapping.contains(value))
        builder.clone(*value.getDefiningOp(), mapping);
    for (Operation &op : info.loop.getBody()->without_terminator())
      builder.clone(op, mapping);
    func::ReturnOp::create(builder, loc);

    // Weight reads W[e, i...] become slice reads s[i...].
    SmallVector<memref::LoadOp> reads;
    func.walk([&](memref::LoadOp load) {
      if (slices.contains(load.getMemRef()))
        reads.push_back(load);
    });
    for (memref::LoadOp load : reads) {
      OpBuilder at(load);
      Value value = memref::LoadOp::create(at, load.getLoc(), load.getMemRef(),
                                           load.getIndices().drop_front());
      load.getResult().replaceAllUsesWith(value);
      load.erase();
    }
    return func;
  }

  void schedule(ExpertLoop &info, SymbolTable &symbols, unsigned index) {
    scf::ForOp loop = info.loop;
    auto parent = loop->getParentOfType<func::FuncOp>();
    std::string base = (parent.getSymName() + "_" + Twine(index)).str();

    // Values the body uses from above: constants are repeated in the
    // compute function, weights become slices, the rest are arguments.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(loop.getRegion(), above);
    SmallVector<Value> captured;
    for (Value value : above) {
      if (llvm::is_contained(info.weights, value))
        continue;
      Operation *def = value.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>())
        continue;
      captured.push_back(value);
    }
    func::FuncOp load = buildLoad(info, symbols, base);
    func::FuncOp compute = buildCompute(info, symbols, base, captured);
    func::FuncOp step = buildStep(info, symbols, base, load, compute, captured);

    Location loc = loop.getLoc();
    OpBuilder builder(loop);
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    Value experts = arith::ConstantIndexOp::create(builder, loc, info.experts);

    // The queue: the experts with tokens, in order.
    Value queue = memref::AllocOp::create(
        builder, loc, MemRefType::get({info.experts}, builder.getIndexType()));
    auto fill = scf::ForOp::create(
        builder, loc, zero, experts, one, ValueRange{zero},
        [&](OpBuilder &nested, Location at, Value expert, ValueRange args) {
          IRMapping mapping;
          mapping.map(loop.getInductionVar(), expert);
          for (Operation *op : info.countSlice)
            nested.clone(*op, mapping);
          Value count = mapping.lookup(info.count);
          Value busy = arith::CmpIOp::create(
              nested, at, arith::CmpIPredicate::sgt, count, zero);
          auto ifBusy = scf::IfOp::create(nested, at, busy, false);
          OpBuilder then = ifBusy.getThenBodyBuilder();
          memref::StoreOp::create(then, at, expert, queue, args[0]);
          Value next = arith::AddIOp::create(nested, at, args[0], one);
          Value size = arith::SelectOp::create(nested, at, busy, next, args[0]);
          scf::YieldOp::create(nested, at, size);
        });
    Value queued = fill.getResult(0);

    // Ping-pong buffers: one expert's slice of each weight, twice.
    SmallVector<Value> buffers[2];
    for (int side = 0; side < 2; ++side)
      for (BlockArgument weight : info.weights) {
        auto alloc = memref::AllocOp::create(builder, loc, sliceType(weight));
        alloc->setAttr(kHLSStreamOfAttr,
                       builder.getI64IntegerAttr(weight.getArgNumber()));
        buffers[side].push_back(alloc);
      }

    // The first expert's weights into ping, then step i: load queue[i+1]
    // into one buffer while queue[i] computes from the other.
    Value any = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sgt,
                                      queued, zero);
    Value first = memref::LoadOp::create(builder, loc, queue, zero);
    {
      SmallVector<Value> operands = {first, any};
      llvm::append_range(operands, info.weights);
      llvm::append_range(operands, buffers[0]);
      func::CallOp::create(builder, loc, load, operands);
    }
    auto steps = scf::ForOp::create(
        builder, loc, zero, queued, one, ValueRange{},
        [&](OpBuilder &nested, Location at, Value index, ValueRange) {
          Value expert = memref::LoadOp::create(nested, at, queue, index);
          Value after = arith::AddIOp::create(nested, at, index, one);
          Value more = arith::CmpIOp::create(
              nested, at, arith::CmpIPredicate::slt, after, queued);
          // queue[min(i+1, E-1)]: a valid index whether or not there is a
          // next expert (there is none to load when !more).
          Value last =
              arith::ConstantIndexOp::create(nested, at, info.experts - 1);
          Value clamped = arith::MinSIOp::create(nested, at, after, last);
          Value next = memref::LoadOp::create(nested, at, queue, clamped);
          Value parity = arith::AndIOp::create(nested, at, index, one);
          Value even = arith::CmpIOp::create(
              nested, at, arith::CmpIPredicate::eq, parity, zero);
          auto sides = scf::IfOp::create(nested, at, even, true);
          sides->setAttr(kHLSSharedBranchesAttr, nested.getUnitAttr());
          for (int side = 0; side < 2; ++side) {
            OpBuilder branch = side == 0 ? sides.getThenBodyBuilder()
                                         : sides.getElseBodyBuilder();
            SmallVector<Value> operands = {expert, next, more};
            llvm::append_range(operands, info.weights);
            llvm::append_range(operands, buffers[1 - side]);
            llvm::append_range(operands, buffers[side]);
            llvm::append_range(operands, captured);
            func::CallOp::create(branch, at, step, operands);
          }
          scf::YieldOp::create(nested, at);
        });
    steps->setAttr(kHLSMaxTripCountAttr,
                   builder.getI64IntegerAttr(info.experts));
    steps->setAttr(kHLSExpertScheduleAttr, builder.getUnitAttr());
    loop.erase();
    ++numScheduled;
  }
};

} // namespace
