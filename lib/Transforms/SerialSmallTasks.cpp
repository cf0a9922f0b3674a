//===- SerialSmallTasks.cpp - little work runs on the calling thread ------===//
//
// Implements m3sat-serial-small-tasks: a task function whose loops do at
// most `max-work` iterations in all is marked kSerialTaskAttr, so that the
// passes that create parallel loops leave it none.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/SerialTasks.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace m3sat {
#define GEN_PASS_DEF_SERIALSMALLTASKS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

constexpr int64_t kUnbounded = INT64_MAX;

int64_t saturatingMul(int64_t a, int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  return a > kUnbounded / b ? kUnbounded : a * b;
}

int64_t saturatingAdd(int64_t a, int64_t b) {
  return a > kUnbounded - b ? kUnbounded : a + b;
}

/// Trip count of a loop dimension, kUnbounded unless constant.
int64_t trips(Value lower, Value upper, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lower);
  std::optional<int64_t> u = getConstantIntValue(upper);
  std::optional<int64_t> s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return kUnbounded;
  return std::max<int64_t>(0, (*u - *l + *s - 1) / *s);
}

/// Elements of a shaped type, kUnbounded when dynamic.
int64_t elements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return kUnbounded;
  return shaped.getNumElements();
}

/// Work of `op` itself, not counting the loops around it; nullopt for an op
/// whose work lies in its regions (which are then counted).
std::optional<int64_t> ownWork(Operation *op, SymbolTable &symbols) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    int64_t work = 1;
    for (int64_t range : linalgOp.getStaticLoopRanges())
      work = ShapedType::isDynamic(range) ? kUnbounded
                                          : saturatingMul(work, range);
    return work;
  }
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return elements(copy.getTarget().getType());
  if (isa<memref::LoadOp, memref::StoreOp>(op))
    return 1;
  if (isa<vector::LoadOp, vector::TransferReadOp>(op))
    return elements(op->getResult(0).getType());
  if (isa<vector::StoreOp, vector::TransferWriteOp>(op))
    return elements(op->getOperand(0).getType());
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    return !callee || !callee.isExternal() ? kUnbounded : 0;
  }
  return std::nullopt;
}

/// Work of the ops in `block`, each op's times `scale`.
int64_t blockWork(Block &block, int64_t scale, SymbolTable &symbols);

int64_t opWork(Operation &op, int64_t scale, SymbolTable &symbols) {
  if (std::optional<int64_t> work = ownWork(&op, symbols))
    return saturatingMul(*work, scale);
  if (auto forOp = dyn_cast<scf::ForOp>(op))
    scale = saturatingMul(scale, trips(forOp.getLowerBound(),
                                       forOp.getUpperBound(), forOp.getStep()));
  else if (auto parallel = dyn_cast<scf::ParallelOp>(op))
    for (auto [l, u, s] :
         llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                   parallel.getStep()))
      scale = saturatingMul(scale, trips(l, u, s));
  else if (isa<scf::WhileOp, scf::ForallOp>(op) && op.getNumRegions() != 0)
    scale = kUnbounded;
  int64_t total = 0;
  for (Region &region : op.getRegions())
    for (Block &block : region)
      total = saturatingAdd(total, blockWork(block, scale, symbols));
  return total;
}

int64_t blockWork(Block &block, int64_t scale, SymbolTable &symbols) {
  int64_t total = 0;
  for (Operation &op : block)
    total = saturatingAdd(total, opWork(op, scale, symbols));
  return total;
}

struct SerialSmallTasksPass
    : m3sat::impl::SerialSmallTasksBase<SerialSmallTasksPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxWork <= 0)
      return;
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func->hasAttr("m3sat.task"))
        continue;
      int64_t work = 0;
      for (Block &block : func.getBody())
        work = saturatingAdd(work, blockWork(block, 1, symbols));
      if (work > maxWork)
        continue;
      func->setAttr(m3sat::kSerialTaskAttr, UnitAttr::get(func.getContext()));
      ++numSerial;
    }
  }
};

} // namespace
