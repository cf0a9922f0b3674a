//===- HLSUnitWeightTiles.cpp - m3sat-hls-unit-weight-tiles ---------------===//
//
// The shared linear unit's weights streamed: a call whose B is a weight
// port runs tile of rows by tile of rows of B, each tile loaded into one of
// two on-chip buffers while the unit computes from the other, instead of
// waiting for the whole port to be copied on chip.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"
#include "m3sat/Target/HLS/Transforms/UniqueFunctions.h"

#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSUNITWEIGHTTILES
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

std::optional<int64_t> constantIndex(Value value) {
  APInt v;
  if (matchPattern(value, m_ConstantInt(&v)))
    return v.getSExtValue();
  return std::nullopt;
}

/// The operand positions of the unit's calls: (A, B, C, M, N, K, aOff, aM,
/// aK, bOff, bK[, bN], cOff, cM[, cN]); with P constant lanes N, B's
/// offset and stride and C's count groups of P elements and there is no
/// bN or cN.
enum Operand : unsigned { kB = 1, kN = 4, kK = 5, kAOff = 6, kAK = 8 };
constexpr unsigned kBOff = 9, kBK = 10;

/// A call of the unit whose B is a whole weight port, K x N, rows
/// contiguous; or the on-chip [K][N] copy of a weight port stored (out, in)
/// that m3sat-hls-shared-linear fills just before the call (`copy`).
struct UnitCall {
  func::CallOp call;
  BlockArgument weight;
  int64_t k = 0, n = 0, lanes = 1;
  /// Rows per tile.
  int64_t rows = 1;
  /// The copy nest (for k < K, for n < N: buffer[k * N + n] = W[...]), its
  /// loops and its store into the buffer; null for a weight port read
  /// directly.
  scf::ForOp copy, copyN;
  memref::StoreOp copyStore;
};

/// The unit's lanes: one store to C per lane.
int64_t lanesOf(func::FuncOp unit) {
  int64_t stores = 0;
  unit.walk([&](memref::StoreOp) { ++stores; });
  return std::max<int64_t>(stores, 1);
}

/// Whether `value` is `k * N + n` (either order of either operation).
bool isRowMajorIndex(Value value, Value k, Value n, int64_t sizeN) {
  auto add = value.getDefiningOp<arith::AddIOp>();
  if (!add)
    return false;
  for (auto [row, column] : {std::pair(add.getLhs(), add.getRhs()),
                             std::pair(add.getRhs(), add.getLhs())}) {
    auto mul = row.getDefiningOp<arith::MulIOp>();
    if (column != n || !mul)
      continue;
    for (auto [counter, stride] : {std::pair(mul.getLhs(), mul.getRhs()),
                                   std::pair(mul.getRhs(), mul.getLhs())})
      if (counter == k && constantIndex(stride) == sizeN)
        return true;
  }
  return false;
}

/// The copy nest that fills `buffer` (1-D, on chip) as [K][N] from a weight
/// port of `func` just before `call` (m3sat-hls-shared-linear's copy of a
/// weight stored (out, in)): the nearest loop before the call, with only
/// constants and views between; for k < K, for n < N (constant bounds,
/// from 0 by 1), the body a load of the port at indices computed from k, n
/// and constants, and its store at buffer[k * N + n]. Sets u's weight, K,
/// N and copy.
bool matchTransposedCopy(func::CallOp call, Value buffer, func::FuncOp func,
                         UnitCall &u) {
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc.getType().getRank() != 1)
    return false;
  scf::ForOp kLoop;
  for (Operation *op = call->getPrevNode(); op; op = op->getPrevNode()) {
    if ((kLoop = dyn_cast<scf::ForOp>(op)))
      break;
    if (!isa<arith::ConstantOp, memref::ReinterpretCastOp>(op))
      return false;
  }
  auto range = [](scf::ForOp loop) -> int64_t {
    if (!loop || loop.getNumResults() != 0 ||
        constantIndex(loop.getLowerBound()) != 0 ||
        constantIndex(loop.getStep()) != 1)
      return 0;
    return constantIndex(loop.getUpperBound()).value_or(0);
  };
  if (!kLoop || !range(kLoop) ||
      !llvm::hasSingleElement(kLoop.getBody()->without_terminator()))
    return false;
  auto nLoop = dyn_cast<scf::ForOp>(kLoop.getBody()->front());
  if (!range(nLoop))
    return false;
  Value k = kLoop.getInductionVar(), n = nLoop.getInductionVar();
  memref::LoadOp load;
  memref::StoreOp store;
  // Values from the nest or its counters, or constants.
  auto inside = [&](Value value) {
    Operation *def = value.getDefiningOp();
    return value == k || value == n ||
           (def && (nLoop->isProperAncestor(def) ||
                    def->hasTrait<OpTrait::ConstantLike>()));
  };
  for (Operation &op : nLoop.getBody()->without_terminator()) {
    ValueRange operands = op.getOperands();
    if (auto l = dyn_cast<memref::LoadOp>(op)) {
      if (load)
        return false;
      load = l;
      operands = l.getIndices();
    } else if (auto st = dyn_cast<memref::StoreOp>(op)) {
      if (store)
        return false;
      store = st;
      operands = st.getIndices();
    } else if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op)) {
      return false;
    }
    if (!llvm::all_of(operands, inside))
      return false;
  }
  if (!load || !store || store.getMemRef() != buffer ||
      store.getValueToStore() != load.getResult() ||
      !isRowMajorIndex(store.getIndices().front(), k, n, range(nLoop)))
    return false;
  auto arg = dyn_cast<BlockArgument>(load.getMemRef());
  if (!arg || arg.getOwner() != &func.getBody().front() ||
      !func.getArgAttr(arg.getArgNumber(), kHLSWeightAttr))
    return false;
  u.weight = arg;
  u.k = range(kLoop);
  u.n = range(nLoop);
  u.copy = kLoop;
  u.copyN = nLoop;
  u.copyStore = store;
  return true;
}

std::optional<UnitCall> matchCall(func::CallOp call, func::FuncOp unit,
                                  func::FuncOp func) {
  UnitCall u;
  u.call = call;
  u.lanes = lanesOf(unit);
  bool laned = call.getNumOperands() == 13;
  if (!laned && call.getNumOperands() != 15)
    return std::nullopt;
  // A and C on chip: m3sat-hls-stage-unit-operands copies a port passed
  // as either around the call, which is then in the step's function.
  for (unsigned i : {0u, 2u})
    if (isa<BlockArgument>(hls::rootOf(call.getOperand(i))))
      return std::nullopt;
  Value root = hls::rootOf(call.getOperand(kB));
  auto arg = dyn_cast<BlockArgument>(root);
  if (!arg) {
    if (!matchTransposedCopy(call, root, func, u))
      return std::nullopt;
  } else {
    if (arg.getOwner() != &func.getBody().front() ||
        !func.getArgAttr(arg.getArgNumber(), kHLSWeightAttr))
      return std::nullopt;
    auto type = cast<MemRefType>(arg.getType());
    if (!type.hasStaticShape() || type.getRank() < 2 ||
        !llvm::all_of(type.getShape().drop_back(2),
                      [](int64_t size) { return size == 1; }))
      return std::nullopt;
    u.weight = arg;
    u.k = type.getShape().end()[-2];
    u.n = type.getShape().back();
  }
  std::optional<int64_t> n = constantIndex(call.getOperand(kN));
  std::optional<int64_t> k = constantIndex(call.getOperand(kK));
  std::optional<int64_t> bOff = constantIndex(call.getOperand(kBOff));
  std::optional<int64_t> bK = constantIndex(call.getOperand(kBK));
  // The whole port, row k at k * N: B's offset 0, its row stride N (in
  // groups of P with lanes), and with one lane its column stride 1.
  if (!n || !k || !bOff || !bK || *k != u.k || *n * u.lanes != u.n ||
      *bOff != 0 || *bK * u.lanes != u.n)
    return std::nullopt;
  if (!laned && constantIndex(call.getOperand(11)) != 1)
    return std::nullopt;
  return u;
}

struct HLSUnitWeightTiles
    : public m3sat::impl::HLSUnitWeightTilesBase<HLSUnitWeightTiles> {
  using Base::Base;

  void runOnOperation() override {
    if (tileBytes < 1) {
      getOperation().emitError(
          "m3sat-hls-unit-weight-tiles: tile-bytes must be >= 1");
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    built.clear();
    SmallVector<func::FuncOp> tops;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() && func.getBody().hasOneBlock())
        tops.push_back(func);
    for (func::FuncOp func : tops)
      runOnFunction(func, symbols);
  }

  void runOnFunction(func::FuncOp func, SymbolTable &symbols) {
    SmallVector<UnitCall> calls;
    func.walk([&](func::CallOp call) {
      auto unit = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!unit || !unit->hasAttr(kHLSSharedUnitAttr))
        return;
      if (std::optional<UnitCall> u = matchCall(call, unit, func))
        calls.push_back(*u);
    });
    if (calls.empty())
      return;
    // Rows per tile: the most that divide K and fit tile-bytes (one row at
    // least). The two buffers, shared by the function's calls (they run
    // one after another), hold the largest tile.
    int64_t size = 1;
    Type element;
    for (UnitCall &u : calls) {
      auto bType = cast<MemRefType>(u.call.getOperand(kB).getType());
      element = bType.getElementType();
      int64_t bytes = (element.getIntOrFloatBitWidth() + 7) / 8;
      for (int64_t r = 1; r <= u.k; ++r)
        if (u.k % r == 0 && r * u.n * bytes <= tileBytes)
          u.rows = r;
      size = std::max(size, u.rows * u.n);
    }
    OpBuilder ab = OpBuilder::atBlockBegin(&func.getBody().front());
    auto tileType = MemRefType::get({size}, element);
    Value ping = memref::AllocOp::create(ab, func.getLoc(), tileType);
    Value pong = memref::AllocOp::create(ab, func.getLoc(), tileType);
    llvm::SetVector<Operation *> copied;
    for (UnitCall &u : calls) {
      if (u.copy)
        copied.insert(u.copyStore.getMemRef().getDefiningOp());
      rewrite(func, u, ping, pong, symbols);
      ++numCalls;
    }
    // [K][N] copies that nothing reads any more.
    for (Operation *buffer : copied)
      if (buffer->use_empty()) {
        buffer->erase();
        ++numCopiesRemoved;
      }
  }

  /// `func` if a function that prints the same (its name aside) was built
  /// before (then `func` is erased), else `func` under a unique name.
  func::FuncOp unique(func::FuncOp func, StringRef name, SymbolTable &symbols) {
    bool inserted = false;
    func::FuncOp result = built.get(func, name, symbols, inserted);
    if (inserted)
      ++numFunctions;
    return result;
  }

  func::FuncOp newFunction(func::FuncOp top, Location loc, TypeRange inputs) {
    OpBuilder b = OpBuilder::atBlockEnd(top->getBlock());
    auto func = func::FuncOp::create(
        b, loc, "m3sat_utile", FunctionType::get(&getContext(), inputs, {}));
    func.setPrivate();
    func.addEntryBlock();
    return func;
  }

  /// `<top>_utile_load(tile, enable, W, dst)`: if enable, dst[i * N + n] =
  /// W[0.., tile * R + i, n] for i < R, n < N (R rows, one burst).
  func::FuncOp buildLoad(func::FuncOp top, UnitCall &u, Value buffer,
                         SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = u.call.getLoc();
    func::FuncOp func =
        newFunction(top, loc,
                    {IndexType::get(ctx), IntegerType::get(ctx, 1),
                     u.weight.getType(), buffer.getType()});
    Block *entry = &func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    auto enabled =
        scf::IfOp::create(b, loc, entry->getArgument(1), /*withElse=*/false);
    func::ReturnOp::create(b, loc);
    b = enabled.getThenBodyBuilder();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value zero = cst(0), one = cst(1), rows = cst(u.rows), n = cst(u.n);
    Value first = arith::MulIOp::create(b, loc, entry->getArgument(0), rows);
    auto rowLoop = scf::ForOp::create(b, loc, zero, rows, one);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value row = arith::AddIOp::create(b, loc, first, rowLoop.getInductionVar());
    Value base = arith::MulIOp::create(b, loc, rowLoop.getInductionVar(), n);
    auto colLoop = scf::ForOp::create(b, loc, zero, n, one);
    b.setInsertionPointToStart(colLoop.getBody());
    Value v;
    if (u.copy) {
      // The copy's body for row `row`, column n: the port's element at
      // the indices it computes (the ops the load needs, its constants
      // cloned).
      IRMapping mapping;
      mapping.map(u.copy.getInductionVar(), row);
      mapping.map(u.copyN.getInductionVar(), colLoop.getInductionVar());
      mapping.map(u.weight, entry->getArgument(2));
      llvm::SmallPtrSet<Operation *, 8> needed;
      SmallVector<Operation *> work = {
          u.copyStore.getValueToStore().getDefiningOp()};
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        if (!op || op->getBlock() != u.copyN.getBody() ||
            !needed.insert(op).second)
          continue;
        for (Value operand : op->getOperands())
          work.push_back(operand.getDefiningOp());
      }
      for (Operation &op : u.copyN.getBody()->without_terminator()) {
        if (!needed.contains(&op))
          continue;
        for (Value operand : op.getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && !mapping.contains(operand) &&
              def->hasTrait<OpTrait::ConstantLike>())
            mapping.map(operand, b.clone(*def)->getResult(0));
        b.clone(op, mapping);
      }
      v = mapping.lookup(u.copyStore.getValueToStore());
    } else {
      auto rank = cast<MemRefType>(u.weight.getType()).getRank();
      SmallVector<Value> indices(rank - 2, zero);
      indices.push_back(row);
      indices.push_back(colLoop.getInductionVar());
      v = memref::LoadOp::create(b, loc, entry->getArgument(2), indices);
    }
    Type element = cast<MemRefType>(buffer.getType()).getElementType();
    if (v.getType() != element)
      return {};
    Value at = arith::AddIOp::create(b, loc, base, colLoop.getInductionVar());
    memref::StoreOp::create(b, loc, v, entry->getArgument(3), ValueRange{at});
    return unique(func, (top.getSymName() + "_utile_load").str(), symbols);
  }

  /// `<top>_utile_compute(tile, src, captured...)`: the call on rows
  /// tile * R ... tile * R + R - 1 of B, read from src.
  func::FuncOp buildCompute(func::FuncOp top, UnitCall &u, Value buffer,
                            ArrayRef<Value> captured, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = u.call.getLoc();
    SmallVector<Type> types = {IndexType::get(ctx), buffer.getType()};
    for (Value value : captured)
      types.push_back(value.getType());
    func::FuncOp func = newFunction(top, loc, types);
    Block *entry = &func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    SmallVector<Value> operands;
    unsigned next = 2;
    for (auto [i, operand] : llvm::enumerate(u.call.getOperands())) {
      if (i == kB)
        operands.push_back(Value()); // the tile, below
      else if (std::optional<int64_t> c = constantIndex(operand))
        operands.push_back(cst(*c));
      else
        operands.push_back(entry->getArgument(next++));
    }
    // B is the tile: offset 0, row stride N (in groups with lanes); K is R;
    // A starts tile * R columns further.
    Type bType = u.call.getOperand(kB).getType();
    operands[kB] = memref::ReinterpretCastOp::create(
        b, loc, cast<MemRefType>(bType), entry->getArgument(1), /*offset=*/0,
        ArrayRef<int64_t>{cast<MemRefType>(bType).getDimSize(0)},
        ArrayRef<int64_t>{1});
    operands[kK] = cst(u.rows);
    operands[kBOff] = cst(0);
    operands[kBK] = cst(u.n / u.lanes);
    Value columns =
        arith::MulIOp::create(b, loc, entry->getArgument(0), cst(u.rows));
    operands[kAOff] = arith::AddIOp::create(
        b, loc, operands[kAOff],
        arith::MulIOp::create(b, loc, columns, operands[kAK]));
    auto call = func::CallOp::create(b, loc, u.call.getCalleeAttr(),
                                     TypeRange{}, operands);
    call->setDiscardableAttrs(u.call->getDiscardableAttrDictionary());
    auto trips = u.call->getAttrOfType<HLSLinearTripsAttr>(kHLSLinearTripsAttr);
    if (trips)
      call->setAttr(
          kHLSLinearTripsAttr,
          HLSLinearTripsAttr::get(ctx, trips.getM(), trips.getN(), u.rows));
    func::ReturnOp::create(b, loc);
    return unique(func, (top.getSymName() + "_utile_compute").str(), symbols);
  }

  /// `<top>_utile_step(tile, next, more, W, dst, src, captured...)`: a
  /// DATAFLOW function that loads tile `next` into dst (if more) while the
  /// unit computes tile `tile` from src.
  func::FuncOp buildStep(func::FuncOp top, UnitCall &u, Value buffer,
                         func::FuncOp load, func::FuncOp compute,
                         ArrayRef<Value> captured, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = u.call.getLoc();
    Type index = IndexType::get(ctx);
    SmallVector<Type> types = {index,
                               index,
                               IntegerType::get(ctx, 1),
                               u.weight.getType(),
                               buffer.getType(),
                               buffer.getType()};
    for (Value value : captured)
      types.push_back(value.getType());
    func::FuncOp func = newFunction(top, loc, types);
    func->setAttr(kHLSDataflowAttr, UnitAttr::get(ctx));
    Block *entry = &func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    auto args = entry->getArguments();
    func::CallOp::create(b, loc, load,
                         ValueRange{args[1], args[2], args[3], args[4]});
    SmallVector<Value> operands = {args[0], args[5]};
    llvm::append_range(operands, args.drop_front(6));
    func::CallOp::create(b, loc, compute, operands);
    func::ReturnOp::create(b, loc);
    return unique(func, (top.getSymName() + "_utile_step").str(), symbols);
  }

  /// Replaces the call with tile 0's load into ping and a loop over the
  /// tiles of rows whose step j computes tile j from one buffer while tile
  /// j + 1 loads into the other.
  void rewrite(func::FuncOp top, UnitCall &u, Value ping, Value pong,
               SymbolTable &symbols) {
    // The call's operands that are not constants, but B (the tile).
    SmallVector<Value> captured;
    for (auto [i, operand] : llvm::enumerate(u.call.getOperands()))
      if (i != kB && !constantIndex(operand))
        captured.push_back(operand);
    func::FuncOp load = buildLoad(top, u, ping, symbols);
    if (!load) {
      u.call.emitOpError("m3sat-hls-unit-weight-tiles: the weight's element "
                         "type is not the unit's");
      return signalPassFailure();
    }
    func::FuncOp compute = buildCompute(top, u, ping, captured, symbols);
    func::FuncOp step =
        buildStep(top, u, ping, load, compute, captured, symbols);

    Location loc = u.call.getLoc();
    OpBuilder b(u.call);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value zero = cst(0), one = cst(1), tiles = cst(u.k / u.rows);
    Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
    func::CallOp::create(b, loc, load, ValueRange{zero, yes, u.weight, ping});
    auto steps = scf::ForOp::create(b, loc, zero, tiles, one);
    b.setInsertionPointToStart(steps.getBody());
    Value j = steps.getInductionVar();
    Value next = arith::AddIOp::create(b, loc, j, one);
    Value more =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, next, tiles);
    Value parity = arith::AndIOp::create(b, loc, j, one);
    Value even =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, parity, zero);
    auto sides = scf::IfOp::create(b, loc, even, /*withElse=*/true);
    sides->setAttr(kHLSSharedBranchesAttr, b.getUnitAttr());
    for (int side = 0; side < 2; ++side) {
      OpBuilder branch =
          side == 0 ? sides.getThenBodyBuilder() : sides.getElseBodyBuilder();
      // Even steps compute from ping and load pong; odd ones the reverse.
      SmallVector<Value> operands = {j,
                                     next,
                                     more,
                                     u.weight,
                                     side == 0 ? pong : ping,
                                     side == 0 ? ping : pong};
      llvm::append_range(operands, captured);
      func::CallOp::create(branch, loc, step, operands);
    }
    Value view = u.call.getOperand(kB);
    u.call.erase();
    if (auto flat = view.getDefiningOp<memref::ReinterpretCastOp>();
        flat && flat->use_empty())
      flat->erase();
    // The tiles take the copy's place.
    if (u.copy)
      u.copy.erase();
  }

  /// The functions built so far, by what they print (a call of the same
  /// shape in another layer calls the same ones).
  hls::UniqueFunctions built;
};

} // namespace
