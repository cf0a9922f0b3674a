//===- BufferAccesses.cpp - how HLS passes see buffer accesses ------------===//
//
// Which buffers an op reads and writes, whether an access visits a buffer
// in order, whether two indices are the same value.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace m3sat::hls;

Value m3sat::hls::rootOf(Value memref) {
  while (auto flat = memref.getDefiningOp<memref::ReinterpretCastOp>())
    memref = flat.getSource();
  return memref;
}

bool m3sat::hls::isGlobal(Value value) {
  return static_cast<bool>(value.getDefiningOp<memref::GetGlobalOp>());
}

Effects EffectAnalysis::of(Operation *op) {
  Effects effects;
  collect(op, effects, [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (def)
      return !op->isAncestor(def);
    return !op->isAncestor(cast<BlockArgument>(v).getOwner()->getParentOp());
  });
  return effects;
}

/// For each argument of `func`: read, written.
const SmallVector<std::pair<bool, bool>> &
EffectAnalysis::ofFunction(func::FuncOp func) {
  auto it = functions.find(func);
  if (it != functions.end())
    return it->second;
  // Recursion (none in m3sat's IR) counts as read and written.
  functions[func].assign(func.getNumArguments(), {true, true});
  SmallVector<std::pair<bool, bool>> result(func.getNumArguments(),
                                            {false, false});
  if (!func.isExternal()) {
    Effects effects;
    collect(func, effects, [&](Value v) {
      auto arg = dyn_cast<BlockArgument>(v);
      return arg && arg.getOwner()->getParentOp() == func;
    });
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      result[i] = {effects.reads.contains(func.getArgument(i)),
                   effects.writes.contains(func.getArgument(i))};
  } else {
    result.assign(func.getNumArguments(), {true, true});
  }
  functions[func] = result;
  return functions[func];
}

void EffectAnalysis::collect(Operation *root, Effects &effects,
                             function_ref<bool(Value)> isOutside) {
  root->walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (Value memref = rootOf(load.getMemRef()); isOutside(memref))
        effects.reads.insert(memref);
      return;
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (Value memref = rootOf(store.getMemRef()); isOutside(memref))
        effects.writes.insert(memref);
      return;
    }
    if (isa<memref::ReinterpretCastOp, memref::DimOp>(op))
      return;
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      for (auto [i, operand] : llvm::enumerate(call.getOperands())) {
        if (!isa<MemRefType>(operand.getType()))
          continue;
        Value memref = rootOf(operand);
        if (!isOutside(memref))
          continue;
        auto [read, written] =
            callee ? ofFunction(callee)[i] : std::pair<bool, bool>{1, 1};
        if (read)
          effects.reads.insert(memref);
        if (written)
          effects.writes.insert(memref);
      }
      return;
    }
    // Any other op on a buffer from outside: read and written.
    for (Value operand : op->getOperands())
      if (isa<MemRefType>(operand.getType()))
        if (Value memref = rootOf(operand); isOutside(memref)) {
          effects.reads.insert(memref);
          effects.writes.insert(memref);
        }
  });
}

std::optional<int64_t> m3sat::hls::constantOf(Value v) {
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)))
    return value.getSExtValue();
  return std::nullopt;
}

/// `value` as a linear combination of loop counters (coefficients by loop)
/// plus a constant, when it is one (index arithmetic: add, sub, mul by a
/// constant, constants, counters of `loops`).
static bool linearize(Value value, ArrayRef<scf::ForOp> loops,
                      SmallVectorImpl<int64_t> &coefficients, int64_t &constant,
                      int64_t scale = 1, unsigned depth = 0) {
  if (depth > 32)
    return false;
  if (std::optional<int64_t> c = constantOf(value)) {
    constant += scale * *c;
    return true;
  }
  for (size_t i = 0; i < loops.size(); ++i)
    if (value == scf::ForOp(loops[i]).getInductionVar()) {
      coefficients[i] += scale;
      return true;
    }
  Operation *def = value.getDefiningOp();
  if (!def)
    return false;
  if (auto add = dyn_cast<arith::AddIOp>(def))
    return linearize(add.getLhs(), loops, coefficients, constant, scale,
                     depth + 1) &&
           linearize(add.getRhs(), loops, coefficients, constant, scale,
                     depth + 1);
  if (auto sub = dyn_cast<arith::SubIOp>(def))
    return linearize(sub.getLhs(), loops, coefficients, constant, scale,
                     depth + 1) &&
           linearize(sub.getRhs(), loops, coefficients, constant, -scale,
                     depth + 1);
  if (auto mul = dyn_cast<arith::MulIOp>(def)) {
    if (std::optional<int64_t> c = constantOf(mul.getRhs()))
      return linearize(mul.getLhs(), loops, coefficients, constant, scale * *c,
                       depth + 1);
    if (std::optional<int64_t> c = constantOf(mul.getLhs()))
      return linearize(mul.getRhs(), loops, coefficients, constant, scale * *c,
                       depth + 1);
  }
  return false;
}

bool m3sat::hls::isInOrder(Operation *access, Operation *stageOp,
                           MemRefType type, ValueRange indices) {
  SmallVector<scf::ForOp> loops;
  for (Operation *parent = access->getParentOp(); parent;
       parent = parent->getParentOp()) {
    auto loop = dyn_cast<scf::ForOp>(parent);
    if (!loop)
      return false;
    loops.insert(loops.begin(), loop);
    if (parent == stageOp)
      break;
  }
  if (loops.empty() || loops.front() != stageOp)
    return false;
  SmallVector<int64_t> trips;
  for (scf::ForOp loop : loops) {
    std::optional<int64_t> lower = constantOf(loop.getLowerBound());
    std::optional<int64_t> upper = constantOf(loop.getUpperBound());
    std::optional<int64_t> step = constantOf(loop.getStep());
    if (lower != 0 || step != 1 || !upper || *upper <= 0 ||
        !loop.getInitArgs().empty())
      return false;
    trips.push_back(*upper);
  }
  // The row-major offset of the access.
  SmallVector<int64_t> coefficients(loops.size(), 0);
  int64_t constant = 0;
  ArrayRef<int64_t> shape = type.getShape();
  int64_t stride = 1;
  for (int64_t d = static_cast<int64_t>(indices.size()) - 1; d >= 0; --d) {
    if (!linearize(indices[d], loops, coefficients, constant, stride))
      return false;
    stride *= shape[d];
  }
  if (constant != 0)
    return false;
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(loops.size()) - 1; i >= 0; --i) {
    if (coefficients[i] != expected)
      return false;
    expected *= trips[i];
  }
  return expected == type.getNumElements();
}

bool m3sat::hls::sameValue(Value a, Value b, unsigned depth) {
  if (a == b)
    return true;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (!x || !y || depth > 8 || x->getName() != y->getName() ||
      x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumRegions() != 0 ||
      !isMemoryEffectFree(x) ||
      cast<OpResult>(a).getResultNumber() !=
          cast<OpResult>(b).getResultNumber())
    return false;
  for (auto [p, q] : llvm::zip(x->getOperands(), y->getOperands()))
    if (!sameValue(p, q, depth + 1))
      return false;
  return true;
}
