//===- Estimate.cpp - sizing HLS top functions ----------------------------===//
//
// Walks the loop-level IR of a top function and adds up cycles (pipelined
// loops at their initiation interval), on-chip buffer bytes and arithmetic
// units, per top-level loop nest.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Analysis/Estimate.h"

#include "M3SAT/M3SATHLSAttrs.h"
#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"
#include "m3sat/Target/HLS/Analysis/Device.h"
#include "m3sat/Target/HLS/Analysis/WeightArrays.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat;

namespace {

/// Parallelisms the report lists.
constexpr int64_t kParallelisms[] = {1, 2, 4, 8, 16};

bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

/// The loop over tiles of tokens (m3sat-hls-token-tiling) that top-level
/// op `op` of `top` is, or that the shared layer it calls consists of.
scf::ForOp tokenTileLoop(Operation &op, func::FuncOp top) {
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return loop->hasAttr(kHLSTokenTilesAttr) ? loop : scf::ForOp();
  auto call = dyn_cast<func::CallOp>(op);
  if (!call)
    return {};
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      top, call.getCalleeAttr());
  if (!callee || callee.isExternal() || !callee->hasAttr(kHLSSharedLayerAttr))
    return {};
  scf::ForOp found;
  for (Operation &inner : callee.getBody().front().without_terminator()) {
    auto loop = dyn_cast<scf::ForOp>(inner);
    if (!loop)
      continue;
    if (found || !loop->hasAttr(kHLSTokenTilesAttr))
      return {};
    found = loop;
  }
  return found;
}

/// The trip count of a loop with constant bounds (1 otherwise).
int64_t constantTrips(scf::ForOp loop) {
  APInt lb, ub, step;
  if (!matchPattern(loop.getLowerBound(), m_ConstantInt(&lb)) ||
      !matchPattern(loop.getUpperBound(), m_ConstantInt(&ub)) ||
      !matchPattern(loop.getStep(), m_ConstantInt(&step)) ||
      step.getSExtValue() <= 0)
    return 1;
  return std::max<int64_t>(
      0, (ub.getSExtValue() - lb.getSExtValue() + step.getSExtValue() - 1) /
             step.getSExtValue());
}

/// Cycles and units of one region under a parallelism.
struct Cost {
  int64_t cycles = 0;
  int64_t multipliers = 0;
  int64_t dividers = 0;
  /// Arithmetic and control (Resources.h).
  HLSResources units;
  /// Bytes the loads and stores of m_axi ports move (each access one
  /// element of a burst).
  int64_t portBytes = 0;
};

/// Whether `value` changes from one iteration of `loop` to the next: it is
/// the induction variable or an iteration argument, or an op inside the
/// loop computes it from such values (or loads it).
bool variesIn(Value value, scf::ForOp loop, DenseMap<Value, bool> &memo) {
  if (auto it = memo.find(value); it != memo.end())
    return it->second;
  bool varies = false;
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    varies = loop->isAncestor(arg.getOwner()->getParentOp());
  } else if (Operation *def = value.getDefiningOp();
             loop->isProperAncestor(def)) {
    varies = isa<memref::LoadOp>(def) || def->getNumRegions() != 0 ||
             llvm::any_of(def->getOperands(), [&](Value operand) {
               return variesIn(operand, loop, memo);
             });
  }
  memo[value] = varies;
  return varies;
}

/// The float additions, subtractions and multiplications on the longest
/// path from a carried value (`isCarried`) to `value` through the pure ops
/// of `loop`'s body, or -1 without such a path.
int64_t recurrenceOps(Value value, scf::ForOp loop,
                      function_ref<bool(Value)> isCarried,
                      DenseMap<Value, int64_t> &memo) {
  if (isCarried(value))
    return 0;
  if (auto it = memo.find(value); it != memo.end())
    return it->second;
  memo[value] = -1;
  Operation *def = value.getDefiningOp();
  if (!def || !loop->isProperAncestor(def) || def->getNumRegions() != 0 ||
      !isMemoryEffectFree(def))
    return -1;
  int64_t longest = -1;
  for (Value operand : def->getOperands())
    longest = std::max(longest, recurrenceOps(operand, loop, isCarried, memo));
  if (longest >= 0 && isa<arith::AddFOp, arith::SubFOp, arith::MulFOp>(def))
    ++longest;
  memo[value] = longest;
  return longest;
}

/// The float arithmetic ops on the longest recurrence that pipelined `loop`
/// carries from one iteration to the next through an addition (an
/// iteration argument yielded as a sum of itself, or `M[idx]` stored back
/// to `M[idx]` with `idx` the same in every iteration: a reduction into a
/// buffer element), or 0. The next iteration's operation waits for the
/// previous one: the loop's II is that many operations' latency. A plain
/// accumulation (`acc + x`) is one; an online softmax's rescaled sum
/// (`s * e + 1`) two.
int64_t floatRecurrenceOps(scf::ForOp loop) {
  int64_t longest = 0;
  auto measure = [&](Value value, function_ref<bool(Value)> isCarried) {
    if (!isa_and_nonnull<arith::AddFOp, arith::SubFOp>(value.getDefiningOp()))
      return;
    DenseMap<Value, int64_t> memo;
    longest = std::max(longest, recurrenceOps(value, loop, isCarried, memo));
  };
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [iterArg, yielded] :
       llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
    if (isa<FloatType>(iterArg.getType()))
      measure(yielded, [&](Value v) { return v == iterArg; });
  DenseMap<Value, bool> memo;
  loop.getBody()->walk([&](memref::StoreOp store) {
    if (!isa<FloatType>(store.getValueToStore().getType()) ||
        llvm::any_of(store.getIndices(),
                     [&](Value index) { return variesIn(index, loop, memo); }))
      return;
    measure(store.getValueToStore(), [&](Value v) {
      auto load = v.getDefiningOp<memref::LoadOp>();
      return load && load.getMemRef() == store.getMemRef() &&
             llvm::all_of(
                 llvm::zip_equal(load.getIndices(), store.getIndices()),
                 [](auto pair) {
                   return hls::sameValue(std::get<0>(pair), std::get<1>(pair));
                 });
    });
  });
  return longest;
}

class Estimator {
public:
  Estimator(int64_t parallelism, int64_t accumulationII,
            const HLSResourceModel &model, const HLSWeightArrays &weights,
            const llvm::DenseSet<Value> *ports = nullptr)
      : parallelism(parallelism), accumulationII(accumulationII), model(model),
        weights(weights), ports(ports) {}

  /// Cost of running `block` once; `unroll` is how many copies of each
  /// arithmetic unit the enclosing (pipelined, unrolled) loop makes.
  FailureOr<Cost> block(Block &block, int64_t unroll) {
    Cost cost;
    bool straightLine = false;
    for (Operation &op : block) {
      bool isStraight = false;
      FailureOr<Cost> opCost = this->op(op, unroll, isStraight);
      if (failed(opCost))
        return failure();
      add(cost, *opCost);
      straightLine |= isStraight;
    }
    // Ops outside pipelined loops: one state of the FSM.
    if (straightLine && unroll == 1)
      cost.cycles += 1;
    return cost;
  }

  /// Cost of `op` (a loop nest, a branch, a call or a scalar op); sets
  /// `straightLine` for ops that take part in a straight-line state.
  FailureOr<Cost> op(Operation &op, int64_t unroll, bool &straightLine) {
    Cost cost;
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return forLoop(loop, unroll);
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      // The longer branch; both branches' units exist, unless the branches
      // call the same functions (the ping-pong sides of an expert step).
      bool shared = ifOp->hasAttr(kHLSSharedBranchesAttr);
      for (Region *region : {&ifOp.getThenRegion(), &ifOp.getElseRegion()}) {
        if (region->empty())
          continue;
        FailureOr<Cost> branch = block(region->front(), unroll);
        if (failed(branch))
          return failure();
        cost.cycles = std::max(cost.cycles, branch->cycles);
        cost.portBytes = std::max(cost.portBytes, branch->portBytes);
        if (shared) {
          cost.multipliers = std::max(cost.multipliers, branch->multipliers);
          cost.dividers = std::max(cost.dividers, branch->dividers);
          cost.units = HLSResources::max(cost.units, branch->units);
        } else {
          cost.multipliers += branch->multipliers;
          cost.dividers += branch->dividers;
          cost.units += branch->units;
        }
      }
      return cost;
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee || callee.isExternal() || !callee.getBody().hasOneBlock())
        return call.emitOpError("calls a function without a single-block "
                                "body; the HLS estimate needs one");
      if (callee->hasAttr(kHLSSharedUnitAttr))
        return sharedUnitCall(call, callee, unroll);
      if (callee->hasAttr(kHLSDataflowRegionAttr)) {
        // A region that several callers share (m3sat-hls-dataflow: the
        // tile loops of a network's blocks) is built once.
        FailureOr<Cost> region = dataflowRegion(callee, unroll);
        if (failed(region) || !callee->hasAttr(kHLSSharedLayerAttr) ||
            sharedLayers.insert(callee).second)
          return region;
        return Cost{region->cycles, 0, 0, {}, region->portBytes};
      }
      if (callee->hasAttr(kHLSSharedLayerAttr)) {
        // One instance that its callers take turns on: each call's
        // cycles, its units once.
        FailureOr<Cost> body = block(callee.getBody().front(), unroll);
        if (failed(body) || sharedLayers.insert(callee).second)
          return body;
        return Cost{body->cycles, 0, 0, {}, body->portBytes};
      }
      if (!callee->hasAttr(kHLSDataflowAttr))
        return block(callee.getBody().front(), unroll);
      // DATAFLOW: its tasks run at the same time; the longest counts.
      for (Operation &task : callee.getBody().front()) {
        bool isStraight = false;
        FailureOr<Cost> taskCost = this->op(task, unroll, isStraight);
        if (failed(taskCost))
          return failure();
        cost.cycles = std::max(cost.cycles, taskCost->cycles);
        cost.portBytes += taskCost->portBytes;
        cost.multipliers += taskCost->multipliers;
        cost.dividers += taskCost->dividers;
        cost.units += taskCost->units;
      }
      return cost;
    }
    if (isa<arith::MulFOp, math::FmaOp>(op) ||
        (isa<arith::MulIOp>(op) && !isConstant(op.getOperand(0)) &&
         !isConstant(op.getOperand(1))))
      cost.multipliers += unroll;
    if (isa<arith::DivFOp, arith::RemFOp>(op) ||
        (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
             arith::FloorDivSIOp, arith::CeilDivSIOp>(op) &&
         !isConstant(op.getOperand(1))))
      cost.dividers += unroll;
    cost.units += model.op(&op, isWeightProduct(op), pipelined > 0) * unroll;
    if (ports) {
      Value memref;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        memref = load.getMemref();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        memref = store.getMemref();
      if (memref && ports->contains(memref))
        cost.portBytes +=
            unroll * ((model.elementBits(
                           cast<MemRefType>(memref.getType()).getElementType(),
                           weights.isWeight(memref)) +
                       7) /
                      8);
    }
    straightLine =
        !isa<arith::ConstantOp, scf::YieldOp, func::ReturnOp, memref::AllocOp,
             memref::AllocaOp, memref::GetGlobalOp, memref::DeallocOp>(op);
    return cost;
  }

  /// Loops with bounds only known at run time, counted at an upper bound.
  int64_t boundedLoops = 0;
  /// Pipelined loops counted at the accumulation II.
  int64_t accumulationLoops = 0;
  /// Calls of the shared linear unit, and its multipliers (counted once).
  int64_t sharedUnitCalls = 0;
  int64_t sharedUnitMultipliers = 0;

  /// DATAFLOW regions (m3sat-hls-dataflow) and their stages.
  int64_t dataflowRegions = 0;
  int64_t dataflowStages = 0;

private:
  llvm::SmallPtrSet<Operation *, 16> sharedUnitCallOps;
  /// Shared layer functions (m3sat-hls-share-layers) whose units counted.
  llvm::SmallPtrSet<Operation *, 16> sharedLayers;

  /// Whether `op` multiplies by a value of the weight type (fixed point:
  /// a narrower multiplier).
  bool isWeightProduct(Operation &op) const {
    return isa<arith::MulFOp>(op) &&
           llvm::any_of(op.getOperands(), [&](Value operand) {
             auto load = operand.getDefiningOp<memref::LoadOp>();
             return load && weights.isWeightOperand(load);
           });
  }

  /// A DATAFLOW region of m3sat-hls-dataflow: its stages (the calls in its
  /// body, in an order their channels allow) run as the channels let them.
  /// A stage starts when every stage it reads a ping-pong channel of has
  /// finished (the buffers swap when the producer returns: within one call
  /// of the region such stages run one after another), and when each stage
  /// it reads a FIFO of has filled it: run the ops before the nest that
  /// writes the FIFO and one iteration of that nest's outermost loop. It
  /// ends no earlier than its own cycles after its start, and than a cycle
  /// after each FIFO producer ends. Stages without a channel between them
  /// overlap. The region takes until its last stage ends; every stage has
  /// its own units.
  FailureOr<Cost> dataflowRegion(func::FuncOp region, int64_t unroll) {
    struct StageTimes {
      int64_t start = 0, end = 0;
      /// Cycles until each FIFO argument's first value.
      DenseMap<Value, int64_t> fill;
    };
    DenseMap<Value, StageTimes *> producers;
    SmallVector<std::unique_ptr<StageTimes>> stages;
    Cost cost;
    bool counted = countedRegions.insert(region).second;
    if (counted)
      ++dataflowRegions;
    for (auto call : region.getBody().front().getOps<func::CallOp>()) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee || callee.isExternal() || !callee.getBody().hasOneBlock())
        return call.emitOpError("calls a function without a single-block "
                                "body; the HLS estimate needs one");
      if (counted)
        ++dataflowStages;
      // The cost of each op of the stage, as `block` adds them up.
      SmallVector<int64_t> opCycles;
      Cost stageCost;
      bool straightLine = false;
      Block &body = callee.getBody().front();
      for (Operation &op : body) {
        bool isStraight = false;
        FailureOr<Cost> opCost = this->op(op, unroll, isStraight);
        if (failed(opCost))
          return failure();
        opCycles.push_back(opCost->cycles);
        add(stageCost, *opCost);
        straightLine |= isStraight;
      }
      if (straightLine && unroll == 1)
        stageCost.cycles += 1;
      auto times = std::make_unique<StageTimes>();
      // Inputs: when the stage can start, and when it can end at the
      // earliest.
      int64_t earliestEnd = 0;
      for (auto [i, operand] : llvm::enumerate(call.getOperands())) {
        auto kind =
            callee.getArgAttrOfType<HLSChannelKindAttr>(i, kHLSChannelAttr);
        if (!kind)
          continue;
        if (isHLSChannelOut(kind.getValue())) {
          producers[operand] = times.get();
          // The FIFO's first value: the ops before the nest that stores
          // it, and one outermost iteration of that nest.
          if (kind.getValue() == HLSChannelKind::fifo_out) {
            int64_t fill = stageCost.cycles;
            for (Operation *user : callee.getArgument(i).getUsers()) {
              Operation *top = body.findAncestorOpInBlock(*user);
              if (!top)
                continue;
              int64_t index = std::distance(body.begin(), top->getIterator());
              fill = 0;
              for (int64_t k = 0; k < index; ++k)
                fill += opCycles[k];
              int64_t first = opCycles[index];
              if (auto loop = dyn_cast<scf::ForOp>(top))
                if (std::optional<int64_t> trips = constantTripCount(loop);
                    trips && *trips > 0)
                  first = (first + *trips - 1) / *trips;
              fill += first;
            }
            times->fill[operand] = fill;
          }
          continue;
        }
        auto it = producers.find(operand);
        if (it == producers.end())
          return call.emitOpError("reads a channel of its DATAFLOW region "
                                  "that no earlier stage writes");
        StageTimes *producer = it->second;
        if (kind.getValue() == HLSChannelKind::fifo_in) {
          times->start =
              std::max(times->start, producer->start + producer->fill[operand]);
          earliestEnd = std::max(earliestEnd, producer->end + 1);
        } else {
          times->start = std::max(times->start, producer->end);
        }
      }
      times->end = std::max(times->start + stageCost.cycles, earliestEnd);
      cost.cycles = std::max(cost.cycles, times->end);
      cost.portBytes += stageCost.portBytes;
      cost.multipliers += stageCost.multipliers;
      cost.dividers += stageCost.dividers;
      cost.units += stageCost.units;
      stages.push_back(std::move(times));
    }
    return cost;
  }

  static std::optional<int64_t> constantTripCount(scf::ForOp loop) {
    APInt lower, upper, step;
    if (!matchPattern(loop.getLowerBound(), m_ConstantInt(&lower)) ||
        !matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)) ||
        !matchPattern(loop.getStep(), m_ConstantInt(&step)) ||
        step.getSExtValue() <= 0)
      return std::nullopt;
    int64_t span =
        std::max<int64_t>(upper.getSExtValue() - lower.getSExtValue(), 0);
    return (span + step.getSExtValue() - 1) / step.getSExtValue();
  }
  llvm::SmallPtrSet<Operation *, 4> countedRegions;
  static void add(Cost &into, const Cost &cost) {
    into.cycles += cost.cycles;
    into.multipliers += cost.multipliers;
    into.dividers += cost.dividers;
    into.units += cost.units;
    into.portBytes += cost.portBytes;
  }

  /// A call of the shared linear unit (m3sat-hls-shared-linear): M x K
  /// runs of its pipelined N loop at its II (its iterations write other
  /// elements of C; n of the trips is that loop's count: N, or N / P with
  /// P constant lanes), n / P' iteration groups each at parallelism P', at
  /// the largest sizes the call can have. The calls take turns on one
  /// unit: its multipliers (one per lane) and other units are counted at
  /// the first call only.
  FailureOr<Cost> sharedUnitCall(func::CallOp call, func::FuncOp callee,
                                 int64_t unroll) {
    auto trips = call->getAttrOfType<HLSLinearTripsAttr>(kHLSLinearTripsAttr);
    if (!trips)
      return call.emitOpError("calls the shared linear unit without its "
                              "largest sizes (m3sat.hls.linear_trips)");
    int64_t m = trips.getM(), n = trips.getN(), k = trips.getK();
    int64_t interval = 1;
    callee.walk([&](scf::ForOp loop) {
      if (auto ii = loop->getAttrOfType<IntegerAttr>(kHLSPipelineIIAttr))
        interval = std::max<int64_t>(interval, ii.getInt());
    });
    Cost cost;
    cost.cycles = m * k * ((n + parallelism - 1) / parallelism) * interval;
    if (sharedUnitCallOps.insert(call).second)
      ++sharedUnitCalls;
    if (sharedUnitMultipliers == 0) {
      // Its units, once.
      FailureOr<Cost> body = block(callee.getBody().front(), unroll);
      if (failed(body))
        return failure();
      sharedUnitMultipliers = std::max<int64_t>(body->multipliers, 1);
      cost.multipliers = sharedUnitMultipliers;
      cost.units = body->units;
    }
    return cost;
  }

  FailureOr<Cost> forLoop(scf::ForOp loop, int64_t unroll) {
    // Constant bounds, or the largest trip count m3sat-hls-trip-counts
    // recorded.
    int64_t trip;
    APInt lower, upper, step;
    if (matchPattern(loop.getLowerBound(), m_ConstantInt(&lower)) &&
        matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)) &&
        matchPattern(loop.getStep(), m_ConstantInt(&step)) &&
        step.getSExtValue() > 0) {
      int64_t span =
          std::max<int64_t>(upper.getSExtValue() - lower.getSExtValue(), 0);
      trip = (span + step.getSExtValue() - 1) / step.getSExtValue();
    } else if (auto max =
                   loop->getAttrOfType<IntegerAttr>(kHLSMaxTripCountAttr)) {
      trip = max.getInt();
      ++boundedLoops;
    } else {
      return loop.emitOpError("has no known trip count; the HLS estimate "
                              "needs constant bounds or "
                              "m3sat-hls-trip-counts");
    }

    if (auto ii = loop->getAttrOfType<IntegerAttr>(kHLSPipelineIIAttr)) {
      // Pipelined (unrolled as emitted, m3sat.hls.unroll, and at
      // parallelism P P times more): a new iteration group every II
      // cycles.
      int64_t copies = parallelism;
      if (auto factor = loop->getAttrOfType<IntegerAttr>(kHLSUnrollAttr);
          factor && factor.getInt() > 1)
        copies *= factor.getInt();
      ++pipelined;
      FailureOr<Cost> body = block(*loop.getBody(), unroll * copies);
      --pipelined;
      if (failed(body))
        return failure();
      int64_t groups = (trip + copies - 1) / copies;
      int64_t interval = ii.getInt();
      if (accumulationII > interval) {
        if (int64_t ops = floatRecurrenceOps(loop)) {
          interval = accumulationII * ops;
          ++accumulationLoops;
        }
      }
      HLSResources units = body->units;
      units += loopResources(/*pipelined=*/true) * unroll;
      return Cost{groups * interval, body->multipliers, body->dividers, units,
                  groups * body->portBytes};
    }
    FailureOr<Cost> body = block(*loop.getBody(), unroll);
    if (failed(body))
      return failure();
    HLSResources units = body->units;
    units += loopResources(/*pipelined=*/false) * unroll;
    return Cost{trip * body->cycles, body->multipliers, body->dividers, units,
                trip * body->portBytes};
  }

  int64_t parallelism;
  int64_t accumulationII;
  const HLSResourceModel &model;
  const HLSWeightArrays &weights;
  /// The m_axi ports and the callee arguments that every call passes one.
  const llvm::DenseSet<Value> *ports;
  /// Pipelined loops around the ops being counted.
  int64_t pipelined = 0;
};

int64_t bufferBytes(MemRefType type) {
  if (!type.hasStaticShape())
    return 0;
  // index is emitted as int.
  if (type.getElementType().isIndex())
    return type.getNumElements() * 4;
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// `func` and the functions it calls, each once, callees before their
/// callers (the order HLSWeightArrays takes).
void collectFunctions(func::FuncOp func, llvm::SetVector<Operation *> &done) {
  if (done.contains(func))
    return;
  func.walk([&](func::CallOp call) {
    if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        callee && callee != func)
      collectFunctions(callee, done);
  });
  done.insert(func);
}

} // namespace

FailureOr<HLSEstimate> m3sat::estimateHLS(func::FuncOp top,
                                          int64_t accumulationII,
                                          const HLSResourceModel &model) {
  HLSEstimate estimate;
  estimate.function = top.getSymName().str();
  if (!top.getBody().hasOneBlock())
    return top.emitOpError("has several blocks; the HLS estimate needs "
                           "structured control flow");

  // The top function and every function it calls.
  llvm::SetVector<Operation *> ordered;
  collectFunctions(top, ordered);
  ordered.remove(top);
  HLSWeightArrays weights({top}, ordered.getArrayRef());
  // The ports: the top function's memref arguments, and the arguments of
  // callees that every call passes a port (callers first).
  llvm::DenseSet<Value> ports;
  for (BlockArgument arg : top.getArguments())
    if (isa<MemRefType>(arg.getType()))
      ports.insert(arg);
  {
    llvm::DenseMap<Operation *, SmallVector<int>> passed;
    SmallVector<Operation *> callersFirst = {top};
    callersFirst.append(ordered.rbegin(), ordered.rend());
    for (Operation *function : callersFirst) {
      auto func = cast<func::FuncOp>(function);
      if (auto it = passed.find(function); it != passed.end())
        for (auto [i, state] : llvm::enumerate(it->second))
          if (state == 1)
            ports.insert(func.getArgument(i));
      func.walk([&](func::CallOp call) {
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        if (!callee)
          return;
        SmallVector<int> &state = passed[callee];
        state.resize(call.getNumOperands(), 0);
        for (auto [i, operand] : llvm::enumerate(call.getOperands())) {
          // 0: no call yet, 1: ports only, 2: not a port somewhere.
          Value root = operand;
          while (auto cast = root.getDefiningOp<memref::ReinterpretCastOp>())
            root = cast.getSource();
          bool port = ports.contains(root);
          state[i] = state[i] == 2 || !port ? 2 : 1;
        }
      });
    }
  }

  // Resources by layer, in order of first appearance.
  llvm::StringMap<size_t> resourceIndex;
  auto addResources = [&](const std::string &layer,
                          const HLSResources &resources) {
    estimate.resources += resources;
    auto [it, inserted] =
        resourceIndex.try_emplace(layer, estimate.layerResources.size());
    if (inserted)
      estimate.layerResources.push_back({layer, {}});
    estimate.layerResources[it->second].second += resources;
  };

  // Interfaces: an m_axi adapter per bundle, the s_axilite registers; the
  // bytes the ports move.
  llvm::StringSet<> bundles;
  HLSResources interfaces = axiliteResources(top.getNumArguments());
  for (unsigned i = 0; i < top.getNumArguments(); ++i) {
    auto type = dyn_cast<MemRefType>(top.getArgument(i).getType());
    if (!type)
      continue;
    StringRef bundle = "gmem";
    if (auto attr = top.getArgAttrOfType<StringAttr>(i, kHLSBundleAttr))
      bundle = attr.getValue();
    if (bundles.insert(bundle).second)
      interfaces += maxiResources();
    if (type.hasStaticShape())
      estimate.offChipBytes +=
          type.getNumElements() *
          ((model.elementBits(type.getElementType(),
                              weights.isWeight(top.getArgument(i))) +
            7) /
           8);
  }
  addResources("interfaces", interfaces);

  // On-chip arrays: local buffers and the constant tables used.
  llvm::SmallPtrSet<Operation *, 8> globals;
  llvm::StringMap<size_t> layerIndex;
  auto addBuffer = [&](const std::string &layer, int64_t bytes) {
    estimate.bufferBytes += bytes;
    auto [it, inserted] =
        layerIndex.try_emplace(layer, estimate.layerBufferBytes.size());
    if (inserted)
      estimate.layerBufferBytes.push_back({layer, 0});
    estimate.layerBufferBytes[it->second].second += bytes;
  };
  // Banks of an array (m3sat.hls.partition).
  auto banks = [](Operation *op) -> int64_t {
    auto partition = op->getAttrOfType<HLSPartitionAttr>(kHLSPartitionAttr);
    return partition ? partition.getFactor() : 1;
  };
  // Every function's local arrays are static: each counts once.
  SmallVector<Operation *> functions = {top};
  functions.append(ordered.begin(), ordered.end());
  for (Operation *function : functions)
    function->walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
        auto type = cast<MemRefType>(op->getResult(0).getType());
        int64_t bytes = bufferBytes(type);
        int64_t bits = model.elementBits(type.getElementType(),
                                         weights.isWeight(op->getResult(0)));
        int64_t elements = type.hasStaticShape() ? type.getNumElements() : 0;
        HLSResources storage = arrayResources(elements, bits, banks(op));
        // Channels of a DATAFLOW region: a FIFO holds its depth, a
        // ping-pong channel two buffers.
        if (auto kind =
                op->getAttrOfType<HLSChannelKindAttr>(kHLSChannelAttr)) {
          if (kind.getValue() == HLSChannelKind::fifo) {
            auto depth = op->getAttrOfType<IntegerAttr>(kHLSFifoDepthAttr);
            int64_t values = depth ? depth.getInt() : 0;
            bytes = type.getNumElements()
                        ? bytes / type.getNumElements() * values
                        : 0;
            storage = fifoResources(values, bits);
            ++estimate.fifoChannels;
            estimate.fifoBytes += bytes;
          } else {
            bytes *= 2;
            storage = storage * 2;
            ++estimate.pipoChannels;
            estimate.pipoBytes += bytes;
          }
        }
        std::string layer = getLayerLabel(op->getLoc());
        addBuffer(layer, bytes);
        addResources(layer.empty() ? "unnamed buffers" : layer, storage);
      }
      if (auto get = dyn_cast<memref::GetGlobalOp>(op))
        if (auto global =
                SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
                    op, get.getNameAttr());
            global && globals.insert(global).second) {
          MemRefType type = global.getType();
          addBuffer("", bufferBytes(type));
          addResources(
              "constant tables",
              arrayResources(type.hasStaticShape() ? type.getNumElements() : 0,
                             model.elementBits(type.getElementType()), 1));
        }
    });

  // Stages: each top-level loop nest (branch, call), then the
  // straight-line code between them as one more.
  Block &body = top.getBody().front();
  for (int64_t parallelism : kParallelisms) {
    Estimator estimator(parallelism, accumulationII, model, weights, &ports);
    Cost total;
    bool straightLine = false;
    unsigned nest = 0;
    HLSResources straightUnits;
    for (Operation &op : body) {
      bool isStraight = false;
      FailureOr<Cost> cost = estimator.op(op, 1, isStraight);
      if (failed(cost))
        return failure();
      straightLine |= isStraight;
      total.cycles += cost->cycles;
      total.multipliers += cost->multipliers;
      total.dividers += cost->dividers;
      total.portBytes += cost->portBytes;
      if (parallelism != 1)
        continue;
      if (!isa<scf::ForOp, scf::IfOp, func::CallOp>(op)) {
        straightUnits += cost->units;
        continue;
      }
      std::string name = getLayerLabel(op.getLoc());
      ++nest;
      // A loop over tiles of tokens (or the shared layer that computes
      // one): each fused nest is a stage, its cycles for every tile.
      scf::ForOp tiles = tokenTileLoop(op, top);
      if (!tiles) {
        estimate.stages.push_back(
            {name, nest, cost->cycles, cost->multipliers, cost->units});
      } else {
        int64_t trips = constantTrips(tiles);
        Estimator parts(parallelism, accumulationII, model, weights);
        for (Operation &inner : tiles.getBody()->without_terminator()) {
          if (!isa<scf::ForOp, scf::IfOp, func::CallOp>(inner))
            continue;
          bool innerStraight = false;
          FailureOr<Cost> part = parts.op(inner, 1, innerStraight);
          if (failed(part))
            return failure();
          estimate.stages.push_back({getLayerLabel(inner.getLoc()), nest,
                                     part->cycles * trips, part->multipliers,
                                     HLSResources()});
        }
      }
      addResources(name.empty() ? "nest " + std::to_string(nest) : name,
                   cost->units);
    }
    if (straightLine) {
      total.cycles += 1;
      if (parallelism == 1) {
        estimate.stages.push_back(
            {"straight-line code", 0, 1, 0, straightUnits});
        addResources("straight-line code", straightUnits);
      }
    }
    if (parallelism == 1) {
      estimate.cycles = total.cycles;
      estimate.multipliers = total.multipliers;
      estimate.dividers = total.dividers;
      estimate.portTrafficBytes = total.portBytes;
      estimate.boundedLoops = estimator.boundedLoops;
      estimate.accumulationLoops = estimator.accumulationLoops;
      estimate.accumulationII = accumulationII;
      estimate.sharedUnitCalls = estimator.sharedUnitCalls;
      estimate.sharedUnitMultipliers = estimator.sharedUnitMultipliers;
      estimate.dataflowRegions = estimator.dataflowRegions;
      estimate.dataflowStages = estimator.dataflowStages;
    }
    estimate.byParallelism.push_back(
        {parallelism, {total.cycles, total.multipliers}});
  }
  return estimate;
}

std::string m3sat::formatHLSEstimates(ArrayRef<HLSEstimate> estimates,
                                      const HLSDevice *device) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "HLS estimate: cycles with pipelined loops at their II (fill and "
        "memory latency ignored),\non-chip buffer bytes, multipliers "
        "(f32 mul/fma, variable integer mul) at parallelism 1;\none line per "
        "layer (its consecutive loop nests; estimate.json has each nest).\n";
  for (const HLSEstimate &estimate : estimates) {
    os << "\n"
       << llvm::format("%-40s %14s %12s %6s %14s\n", estimate.function.c_str(),
                       "cycles", "multipliers", "nests", "buffer bytes");
    // Buffers are listed with the first group of their layer.
    llvm::StringMap<int64_t> unlisted;
    for (const auto &[layer, bytes] : estimate.layerBufferBytes)
      if (!layer.empty())
        unlisted[layer] += bytes;
    ArrayRef<HLSStageEstimate> stages = estimate.stages;
    while (!stages.empty()) {
      size_t count = 1;
      while (count < stages.size() && !stages[0].name.empty() &&
             stages[count].name == stages[0].name)
        ++count;
      int64_t cycles = 0, multipliers = 0;
      for (const HLSStageEstimate &stage : stages.take_front(count)) {
        cycles += stage.cycles;
        multipliers += stage.multipliers;
      }
      std::string name = stages[0].name.empty()
                             ? "#" + std::to_string(stages[0].nest)
                             : stages[0].name;
      int64_t bytes = 0;
      if (auto it = unlisted.find(stages[0].name);
          !stages[0].name.empty() && it != unlisted.end()) {
        bytes = it->second;
        unlisted.erase(it);
      }
      os << llvm::format("  %-38s %14lld %12lld %6zu %14lld\n", name.c_str(),
                         (long long)cycles, (long long)multipliers, count,
                         (long long)bytes);
      stages = stages.drop_front(count);
    }
    os << llvm::format("  %-38s %14lld %12lld %6s %14lld\n", "total",
                       (long long)estimate.cycles,
                       (long long)estimate.multipliers, "",
                       (long long)estimate.bufferBytes);
    os << "  on-chip buffers: " << estimate.bufferBytes << " bytes; "
       << "dividers: " << estimate.dividers;
    if (estimate.boundedLoops)
      os << "; " << estimate.boundedLoops
         << " loops with run-time bounds counted at their upper bound";
    if (estimate.accumulationLoops)
      os << "\n  " << estimate.accumulationLoops
         << " pipelined loops carry a float accumulation: II="
         << estimate.accumulationII
         << " (the adder's latency) per float add or multiply on the "
            "recurrence";
    if (estimate.sharedUnitCalls)
      os << "\n  " << estimate.sharedUnitCalls
         << " matrix products take turns on one linear unit (m3sat_linear, "
         << estimate.sharedUnitMultipliers << " multipliers at P=1)";
    if (estimate.dataflowRegions)
      os << "\n  " << estimate.dataflowRegions << " DATAFLOW regions of "
         << estimate.dataflowStages << " stages: " << estimate.fifoChannels
         << " FIFO channels (" << estimate.fifoBytes << " bytes), "
         << estimate.pipoChannels << " ping-pong channels ("
         << estimate.pipoBytes
         << " bytes, two buffers each); stages joined by a FIFO overlap, "
            "stages joined by a ping-pong channel run one after the other "
            "within one call (they overlap only across calls)";
    os << "\n  by parallelism (P: cycles, multipliers):";
    for (const auto &[parallelism, cost] : estimate.byParallelism)
      os << "  " << parallelism << ": " << cost.first << ", " << cost.second;
    os << "\n";
    if (device)
      os << formatHLSDeviceFit(estimate, *device);
  }
  return text;
}

llvm::json::Value m3sat::hlsEstimatesToJSON(ArrayRef<HLSEstimate> estimates,
                                            const HLSDevice *device) {
  llvm::json::Array functions;
  bool fits = true;
  for (const HLSEstimate &estimate : estimates) {
    llvm::json::Array stages, byParallelism;
    for (const HLSStageEstimate &stage : estimate.stages)
      stages.push_back(llvm::json::Object{{"name", stage.name},
                                          {"nest", stage.nest},
                                          {"cycles", stage.cycles},
                                          {"multipliers", stage.multipliers}});
    for (const auto &[parallelism, cost] : estimate.byParallelism)
      byParallelism.push_back(llvm::json::Object{{"parallelism", parallelism},
                                                 {"cycles", cost.first},
                                                 {"multipliers", cost.second}});
    llvm::json::Array buffers;
    for (const auto &[layer, bytes] : estimate.layerBufferBytes)
      buffers.push_back(llvm::json::Object{{"name", layer}, {"bytes", bytes}});
    llvm::json::Array resources;
    for (const auto &[layer, used] : estimate.layerResources)
      resources.push_back(llvm::json::Object{{"name", layer},
                                             {"bram18k", used.bram18k},
                                             {"uram", used.uram},
                                             {"dsp", used.dsp},
                                             {"lut", used.lut},
                                             {"ff", used.ff}});
    llvm::json::Object function{
        {"function", estimate.function},
        {"buffers_by_layer", std::move(buffers)},
        {"cycles", estimate.cycles},
        {"buffer_bytes", estimate.bufferBytes},
        {"multipliers", estimate.multipliers},
        {"dividers", estimate.dividers},
        {"bounded_loops", estimate.boundedLoops},
        {"accumulation_loops", estimate.accumulationLoops},
        {"accumulation_ii", estimate.accumulationII},
        {"shared_unit_calls", estimate.sharedUnitCalls},
        {"dataflow_regions", estimate.dataflowRegions},
        {"dataflow_stages", estimate.dataflowStages},
        {"fifo_channels", estimate.fifoChannels},
        {"fifo_bytes", estimate.fifoBytes},
        {"pipo_channels", estimate.pipoChannels},
        {"pipo_bytes", estimate.pipoBytes},
        {"by_parallelism", std::move(byParallelism)},
        {"stages", std::move(stages)},
        {"off_chip_bytes", estimate.offChipBytes},
        {"port_traffic_bytes", estimate.portTrafficBytes},
        {"resources_by_layer", std::move(resources)}};
    if (device) {
      function["device"] = hlsDeviceFitToJSON(estimate, *device);
      fits &= fitHLSDevice(estimate, *device).fits;
    }
    functions.push_back(std::move(function));
  }
  llvm::json::Object root{{"version", 1}, {"functions", std::move(functions)}};
  if (device)
    root["device"] = llvm::json::Object{{"part", device->part},
                                        {"board", device->board},
                                        {"clock_mhz", device->clockMHz},
                                        {"fits", fits}};
  return root;
}
