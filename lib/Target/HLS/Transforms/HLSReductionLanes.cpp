//===- HLSReductionLanes.cpp - m3sat-hls-reduction-lanes ------------------===//
//
// Reductions into one buffer element (the sums of the norms and of softmax,
// softmax's maximum) run in Q lanes of partial results, combined after the
// loop, instead of one element a cycle.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"
#include "m3sat/Target/HLS/Transforms/LoopInvariance.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSREDUCTIONLANES
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
namespace hls = m3sat::hls;

namespace {

/// A loop `for i < N { a = A[idx]; x = ...; A[idx] = f(a, x) }` with f an
/// addition, a maximum or a minimum (`idx` the same in every iteration).
struct Reduction {
  scf::ForOp loop;
  int64_t trips = 0;
  memref::LoadOp acc;
  memref::StoreOp store;
  /// The operand of f that is not the accumulator.
  Value x;
  /// f's ops, in body order.
  SmallVector<Operation *> combine;
  /// Whether f(a, a) = a (a maximum or a minimum): lanes start from the
  /// element; otherwise (a sum) from zero.
  bool idempotent = false;
};

bool isVariableProduct(Value value) {
  Operation *def = value.getDefiningOp();
  if (!isa_and_nonnull<arith::MulFOp>(def))
    return false;
  return llvm::none_of(def->getOperands(), [](Value operand) {
    Operation *op = operand.getDefiningOp();
    return op && op->hasTrait<OpTrait::ConstantLike>();
  });
}

/// Whether `ops` (in order) are arith-expand-ops' form of a maximum or a
/// minimum of `a` and `x`: `c = cmpf ugt|ult l, r; s = select c, l, r;
/// u = cmpf uno r, r; select u, r, s` with {l, r} = {a, x}.
bool isExpandedMinMax(ArrayRef<Operation *> ops, Value a, Value x) {
  if (ops.size() != 4)
    return false;
  auto cmp = dyn_cast<arith::CmpFOp>(ops[0]);
  auto sel = dyn_cast<arith::SelectOp>(ops[1]);
  auto nan = dyn_cast<arith::CmpFOp>(ops[2]);
  auto out = dyn_cast<arith::SelectOp>(ops[3]);
  if (!cmp || !sel || !nan || !out)
    return false;
  Value l = cmp.getLhs(), r = cmp.getRhs();
  if (!((l == a && r == x) || (l == x && r == a)))
    return false;
  return (cmp.getPredicate() == arith::CmpFPredicate::UGT ||
          cmp.getPredicate() == arith::CmpFPredicate::ULT) &&
         sel.getCondition() == cmp.getResult() && sel.getTrueValue() == l &&
         sel.getFalseValue() == r &&
         nan.getPredicate() == arith::CmpFPredicate::UNO && nan.getLhs() == r &&
         nan.getRhs() == r && out.getCondition() == nan.getResult() &&
         out.getTrueValue() == r && out.getFalseValue() == sel.getResult();
}

std::optional<Reduction> match(scf::ForOp loop, int64_t lanes) {
  Reduction red;
  red.loop = loop;
  APInt lower, upper, step;
  if (loop.getNumRegionIterArgs() != 0 ||
      !matchPattern(loop.getLowerBound(), m_ConstantInt(&lower)) ||
      !matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)) ||
      !matchPattern(loop.getStep(), m_ConstantInt(&step)) || !lower.isZero() ||
      !step.isOne())
    return std::nullopt;
  red.trips = upper.getSExtValue();
  if (red.trips % lanes != 0 || red.trips / lanes < 2)
    return std::nullopt;
  Block *body = loop.getBody();
  Value iv = loop.getInductionVar();
  for (Operation &op : body->without_terminator()) {
    if (op.getNumRegions() != 0)
      return std::nullopt;
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (red.store)
        return std::nullopt;
      red.store = store;
    } else if (!isa<memref::LoadOp>(op) && !isMemoryEffectFree(&op)) {
      return std::nullopt;
    }
  }
  if (!red.store || !isa<FloatType>(red.store.getValueToStore().getType()))
    return std::nullopt;
  Value array = red.store.getMemRef();
  llvm::SmallPtrSet<Operation *, 16> visited;
  for (Value index : red.store.getIndices())
    if (m3sat::hls::dependsOn(index, iv, loop, visited))
      return std::nullopt;
  // One load of the element; the other loads read other on-chip arrays.
  for (auto load : body->getOps<memref::LoadOp>()) {
    if (load.getMemRef() != array) {
      if (hls::rootOf(load.getMemRef()) == hls::rootOf(array) ||
          !hls::rootOf(load.getMemRef()).getDefiningOp<memref::AllocOp>())
        return std::nullopt;
      continue;
    }
    if (red.acc || !llvm::all_of(llvm::zip_equal(load.getIndices(),
                                                 red.store.getIndices()),
                                 [](auto pair) {
                                   return hls::sameValue(std::get<0>(pair),
                                                         std::get<1>(pair));
                                 }))
      return std::nullopt;
    red.acc = load;
  }
  if (!red.acc || !hls::rootOf(array).getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  // f: the ops that depend on the element's value.
  llvm::SetVector<Value> tainted;
  tainted.insert(red.acc.getResult());
  for (Operation &op : body->without_terminator()) {
    if (&op == red.store.getOperation())
      continue;
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return tainted.contains(v); })) {
      red.combine.push_back(&op);
      tainted.insert(op.result_begin(), op.result_end());
    }
  }
  if (red.combine.empty() ||
      red.combine.back()->getResult(0) != red.store.getValueToStore() ||
      tainted.contains(red.store.getMemRef()) ||
      llvm::any_of(red.store.getIndices(),
                   [&](Value v) { return tainted.contains(v); }))
    return std::nullopt;
  // Only f and the store use f's values.
  for (Operation *op : red.combine)
    for (Operation *user : op->getUsers())
      if (user != red.store.getOperation() &&
          !llvm::is_contained(red.combine, user))
        return std::nullopt;
  for (Operation *user : red.acc->getUsers())
    if (!llvm::is_contained(red.combine, user))
      return std::nullopt;
  // Its one other operand.
  for (Operation *op : red.combine)
    for (Value operand : op->getOperands())
      if (!tainted.contains(operand)) {
        if (red.x && red.x != operand)
          return std::nullopt;
        red.x = operand;
      }
  if (!red.x)
    return std::nullopt;
  Value a = red.acc.getResult();
  if (red.combine.size() == 1) {
    Operation *op = red.combine.front();
    if (op->getNumOperands() != 2 || op->getNumResults() != 1)
      return std::nullopt;
    if (isa<arith::AddFOp>(op)) {
      // A product accumulated is a multiply-accumulate loop: --hls-unroll
      // gives those lanes.
      if (isVariableProduct(red.x))
        return std::nullopt;
      return red;
    }
    if (isa<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
            arith::MinNumFOp>(op)) {
      red.idempotent = true;
      return red;
    }
    return std::nullopt;
  }
  if (isExpandedMinMax(red.combine, a, red.x)) {
    red.idempotent = true;
    return red;
  }
  return std::nullopt;
}

/// `value` (computed in `loop` without its induction variable) computed
/// at the builder's insertion point, before the loop.
Value hoist(Value value, scf::ForOp loop, OpBuilder &builder,
            IRMapping &mapping) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  Operation *def = value.getDefiningOp();
  if (!def || !loop->isProperAncestor(def))
    return value;
  for (Value operand : def->getOperands())
    hoist(operand, loop, builder, mapping);
  builder.clone(*def, mapping);
  return mapping.lookup(value);
}

struct HLSReductionLanesPass
    : public m3sat::impl::HLSReductionLanesBase<HLSReductionLanesPass> {
  using Base::Base;

  void runOnOperation() override {
    if (lanes < 2) {
      getOperation().emitError("m3sat-hls-reduction-lanes: lanes must be at "
                               "least 2");
      return signalPassFailure();
    }
    SmallVector<Reduction> reductions;
    getOperation().walk([&](scf::ForOp loop) {
      if (std::optional<Reduction> red = match(loop, lanes))
        reductions.push_back(*red);
    });
    for (Reduction &red : reductions) {
      rewrite(red);
      ++numReductions;
    }
  }

  void rewrite(Reduction &red) {
    scf::ForOp loop = red.loop;
    Location loc = loop.getLoc();
    OpBuilder builder(loop);
    IRMapping outside;
    SmallVector<Value> indices;
    for (Value index : red.store.getIndices())
      indices.push_back(hoist(index, loop, builder, outside));
    Value array = red.store.getMemRef();
    Value element;
    SmallVector<Value> inits;
    if (red.idempotent) {
      element = memref::LoadOp::create(builder, loc, array, indices);
      inits.assign(lanes, element);
    } else {
      Type type = red.store.getValueToStore().getType();
      Value zero = arith::ConstantOp::create(
          builder, loc, cast<TypedAttr>(builder.getFloatAttr(type, 0.0)));
      inits.assign(lanes, zero);
    }
    // The ops each lane needs: those the stored value is computed from,
    // but the element's load (the lane's partial result instead).
    llvm::SetVector<Operation *> needed;
    std::function<void(Value)> need = [&](Value value) {
      Operation *def = value.getDefiningOp();
      if (!def || def->getBlock() != loop.getBody() ||
          def == red.acc.getOperation() || needed.contains(def))
        return;
      for (Value operand : def->getOperands())
        need(operand);
      needed.insert(def);
    };
    need(red.store.getValueToStore());
    // Those that do not depend on the counter or the element are computed
    // once, before the loop (the arrays they may load are not stored to).
    llvm::SmallPtrSet<Operation *, 16> variant;
    for (Operation *op : needed)
      if (llvm::any_of(op->getOperands(), [&](Value operand) {
            Operation *def = operand.getDefiningOp();
            return operand == loop.getInductionVar() ||
                   def == red.acc.getOperation() ||
                   (def && variant.contains(def));
          }))
        variant.insert(op);
    for (Operation *op : needed)
      if (!variant.contains(op) && !outside.contains(op->getResult(0)))
        builder.clone(*op, outside);
    Value c0 = arith::ConstantIndexOp::create(builder, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(builder, loc, 1);
    Value groups =
        arith::ConstantIndexOp::create(builder, loc, red.trips / lanes);
    auto lanesLoop = scf::ForOp::create(
        builder, loc, c0, groups, c1, inits,
        [&](OpBuilder &b, Location l, Value group, ValueRange partial) {
          Value width = arith::ConstantIndexOp::create(b, l, lanes);
          Value base = arith::MulIOp::create(b, l, group, width);
          SmallVector<Value> results;
          for (int64_t j = 0; j < lanes; ++j) {
            IRMapping lane = outside;
            Value offset = arith::ConstantIndexOp::create(b, l, j);
            lane.map(loop.getInductionVar(),
                     arith::AddIOp::create(b, l, base, offset).getResult());
            lane.map(red.acc.getResult(), partial[j]);
            for (Operation *op : needed)
              if (variant.contains(op))
                b.clone(*op, lane);
            results.push_back(lane.lookup(red.store.getValueToStore()));
          }
          scf::YieldOp::create(b, l, results);
        });
    // The partial results combined in lane order, from the element (a
    // sum) or the first lane (a maximum or minimum, whose lanes started
    // from the element).
    Value result =
        red.idempotent
            ? Value(lanesLoop.getResult(0))
            : Value(memref::LoadOp::create(builder, loc, array, indices));
    for (int64_t j = red.idempotent ? 1 : 0; j < lanes; ++j) {
      IRMapping combine;
      combine.map(red.acc.getResult(), result);
      combine.map(red.x, lanesLoop.getResult(j));
      for (Operation *op : red.combine)
        builder.clone(*op, combine);
      result = combine.lookup(red.store.getValueToStore());
    }
    memref::StoreOp::create(builder, loc, result, array, indices);
    loop.erase();
  }
};

} // namespace
