//===- HLSWeightTiles.cpp - m3sat-hls-weight-tiles ------------------------===//
//
// Dense layers' weights on chip: in a loop over tiles of tokens, a matrix
// product that reads a weight port once per token reads it once per tile,
// tile of rows by tile of rows, each tile loaded in one burst into one of
// two on-chip buffers while the previous one computes from the other.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"
#include "m3sat/Target/HLS/Transforms/UniqueFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSWEIGHTTILES
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

/// Whether `loop` runs from 0 by 1 to a constant; its trip count.
std::optional<int64_t> countedLoop(scf::ForOp loop) {
  if (!loop || loop.getNumResults() ||
      constantIndex(loop.getLowerBound()) != 0 ||
      constantIndex(loop.getStep()) != 1)
    return std::nullopt;
  return constantIndex(loop.getUpperBound());
}

/// A product of a tile of tokens, `[for t < T {] for k < K { for n < N {
/// C[..] += X[..] * W[c.., k, n] } } [}]`: `tokens` the loop over the
/// tile's tokens (null with one token per tile: the token is the tile
/// loop's counter), W a weight port read once in the body, at constants,
/// k and n (n last, k before it: row k is contiguous).
struct Product {
  scf::ForOp tokens, kLoop, nLoop;
  memref::LoadOp weight;
  int64_t k = 0, n = 0;
  /// Rows per weight tile.
  int64_t rows = 1;
};

/// The one loop among `block`'s ops, the others pure and without regions.
scf::ForOp onlyLoop(Block *block) {
  scf::ForOp found;
  for (Operation &op : block->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (found)
        return {};
      found = loop;
    } else if (!isMemoryEffectFree(&op) || op.getNumRegions()) {
      return {};
    }
  }
  return found;
}

/// Whether `block` defines `value` or a value it is computed from.
bool dependsOn(Value value, Block *block, llvm::DenseSet<Value> &memo) {
  if (memo.contains(value))
    return true;
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner() == block;
  Operation *def = value.getDefiningOp();
  if (!def || !block->getParentOp()->isProperAncestor(def))
    return false;
  for (Value operand : def->getOperands())
    if (dependsOn(operand, block, memo)) {
      memo.insert(value);
      return true;
    }
  return false;
}

/// Matches `loop`, an op of a loop over tiles whose counter is `tile`, as a
/// product (with `tokens`, its loop over the tile's tokens; else its k loop).
std::optional<Product> matchProduct(scf::ForOp loop, bool tokens,
                                    func::FuncOp func) {
  Product p;
  if (tokens) {
    if (!countedLoop(loop))
      return std::nullopt;
    p.tokens = loop;
    p.kLoop = onlyLoop(loop.getBody());
  } else {
    p.kLoop = loop;
  }
  std::optional<int64_t> k = countedLoop(p.kLoop);
  if (!k || *k < 1)
    return std::nullopt;
  p.k = *k;
  p.nLoop = onlyLoop(p.kLoop.getBody());
  std::optional<int64_t> n = countedLoop(p.nLoop);
  if (!n || *n < 1)
    return std::nullopt;
  p.n = *n;
  Value kIv = p.kLoop.getInductionVar(), nIv = p.nLoop.getInductionVar();
  Block &funcBody = func.getBody().front();
  memref::StoreOp store;
  for (Operation &op : p.nLoop.getBody()->without_terminator()) {
    if (op.getNumRegions())
      return std::nullopt;
    if (auto s = dyn_cast<memref::StoreOp>(op)) {
      if (store)
        return std::nullopt;
      store = s;
      continue;
    }
    auto load = dyn_cast<memref::LoadOp>(op);
    if (!load) {
      if (!isMemoryEffectFree(&op))
        return std::nullopt;
      continue;
    }
    auto arg = dyn_cast<BlockArgument>(load.getMemref());
    if (!arg || arg.getOwner() != &funcBody ||
        !func.getArgAttr(arg.getArgNumber(), kHLSWeightAttr))
      continue;
    ValueRange indices = load.getIndices();
    if (indices.size() < 2 || indices.back() != nIv ||
        indices[indices.size() - 2] != kIv ||
        !llvm::all_of(indices.drop_back(2),
                      [](Value v) { return constantIndex(v).has_value(); }))
      continue;
    if (p.weight)
      return std::nullopt;
    p.weight = load;
  }
  if (!p.weight || !store)
    return std::nullopt;
  Value w = p.weight.getMemref();
  // Nothing stores to W; in the nest, W is read by this load only.
  for (Operation *user : w.getUsers())
    if (!isa<memref::LoadOp>(user) ||
        (loop->isAncestor(user) && user != p.weight))
      return std::nullopt;
  if (!tokens)
    return p;
  // With a loop over the tile's tokens, k moves outside it: C, the one
  // array stored to, is read at the stored indices only, which depend on
  // the token and not on k (each token accumulates into its own elements,
  // in the k order as before).
  Value c = store.getMemref();
  if (c == w)
    return std::nullopt;
  for (Operation *user : c.getUsers()) {
    if (!p.nLoop->isAncestor(user) || user == store)
      continue;
    auto load = dyn_cast<memref::LoadOp>(user);
    if (!load || !llvm::equal(load.getIndices(), store.getIndices()))
      return std::nullopt;
  }
  llvm::DenseSet<Value> onK, onT;
  bool byToken = false;
  for (Value index : store.getIndices()) {
    if (dependsOn(index, p.kLoop.getBody(), onK))
      return std::nullopt;
    byToken |= dependsOn(index, p.tokens.getBody(), onT);
  }
  if (!byToken)
    return std::nullopt;
  return p;
}

struct HLSWeightTiles : public m3sat::impl::HLSWeightTilesBase<HLSWeightTiles> {
  using Base::Base;

  void runOnOperation() override {
    if (tileBytes < 1) {
      getOperation().emitError(
          "m3sat-hls-weight-tiles: tile-bytes must be >= 1");
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    built.clear();
    SmallVector<func::FuncOp> tops;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          func.getBody().hasOneBlock() && !func->hasAttr(kHLSDataflowAttr))
        tops.push_back(func);
    for (func::FuncOp func : tops)
      runOnFunction(func, symbols);
  }

  void runOnFunction(func::FuncOp func, SymbolTable &symbols) {
    // The products of the loops over tiles, by element type of W.
    SmallVector<Product> products;
    for (auto tiles : func.getBody().front().getOps<scf::ForOp>()) {
      auto attr = tiles->getAttrOfType<IntegerAttr>(kHLSTokenTilesAttr);
      if (!attr)
        continue;
      for (auto loop : tiles.getBody()->getOps<scf::ForOp>())
        if (std::optional<Product> p =
                matchProduct(loop, attr.getInt() > 1, func))
          products.push_back(*p);
    }
    if (products.empty())
      return;
    // Rows per tile: the most that divide K and fit tile-bytes (one row at
    // least). The two buffers, shared by every product of an element type
    // (they run one after another), hold the largest tile.
    llvm::MapVector<Type, int64_t> sizes;
    for (Product &p : products) {
      Type element = p.weight.getType();
      int64_t bytes = (element.getIntOrFloatBitWidth() + 7) / 8;
      for (int64_t r = 1; r <= p.k; ++r)
        if (p.k % r == 0 && r * p.n * bytes <= tileBytes)
          p.rows = r;
      int64_t &size = sizes[element];
      size = std::max(size, p.rows * p.n);
    }
    llvm::DenseMap<Type, std::pair<Value, Value>> buffers;
    OpBuilder ab = OpBuilder::atBlockBegin(&func.getBody().front());
    for (auto [element, size] : sizes) {
      Value sides[2];
      // The argument of the first product that streams this type: a
      // weight, so the buffers have the weight element type.
      int64_t source = 0;
      for (Product &p : products)
        if (p.weight.getType() == element) {
          source = cast<BlockArgument>(p.weight.getMemref()).getArgNumber();
          break;
        }
      for (Value &side : sides) {
        auto alloc = memref::AllocOp::create(ab, func.getLoc(),
                                             MemRefType::get({size}, element));
        alloc->setAttr(kHLSStreamOfAttr, ab.getI64IntegerAttr(source));
        side = alloc;
      }
      buffers[element] = {sides[0], sides[1]};
    }
    for (Product &p : products) {
      auto [ping, pong] = buffers.lookup(p.weight.getType());
      rewrite(func, p, ping, pong, symbols);
      ++numProducts;
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

  /// `<top>_wtile_load(tile, enable, W, dst)`: if enable, dst[i * N + n] =
  /// W[c.., tile * R + i, n] for i < R, n < N (one burst of R rows).
  func::FuncOp buildLoad(func::FuncOp top, Product &p, Value buffer,
                         SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = p.kLoop.getLoc();
    Value w = p.weight.getMemref();
    OpBuilder b = OpBuilder::atBlockEnd(top->getBlock());
    auto func = func::FuncOp::create(
        b, loc, "m3sat_wtile",
        FunctionType::get(ctx,
                          {IndexType::get(ctx), IntegerType::get(ctx, 1),
                           w.getType(), buffer.getType()},
                          {}));
    func.setPrivate();
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    auto enabled =
        scf::IfOp::create(b, loc, entry->getArgument(1), /*withElse=*/false);
    func::ReturnOp::create(b, loc);
    b = enabled.getThenBodyBuilder();
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value zero = cst(0), one = cst(1), rows = cst(p.rows), n = cst(p.n);
    Value first = arith::MulIOp::create(b, loc, entry->getArgument(0), rows);
    auto rowLoop = scf::ForOp::create(b, loc, zero, rows, one);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value row = arith::AddIOp::create(b, loc, first, rowLoop.getInductionVar());
    Value base = arith::MulIOp::create(b, loc, rowLoop.getInductionVar(), n);
    auto colLoop = scf::ForOp::create(b, loc, zero, n, one);
    b.setInsertionPointToStart(colLoop.getBody());
    SmallVector<Value> indices;
    for (Value index : p.weight.getIndices().drop_back(2))
      indices.push_back(cst(*constantIndex(index)));
    indices.push_back(row);
    indices.push_back(colLoop.getInductionVar());
    Value v = memref::LoadOp::create(b, loc, entry->getArgument(2), indices);
    Value at = arith::AddIOp::create(b, loc, base, colLoop.getInductionVar());
    memref::StoreOp::create(b, loc, v, entry->getArgument(3), ValueRange{at});
    return unique(func, (top.getSymName() + "_wtile_load").str(), symbols);
  }

  /// `<top>_wtile_compute(tile, src, captured...)`: rows tile * R + i of
  /// the product, reading W's row from src[i * N ..].
  func::FuncOp buildCompute(func::FuncOp top, Product &p, Value buffer,
                            ArrayRef<Value> captured, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = p.kLoop.getLoc();
    SmallVector<Type> types = {IndexType::get(ctx), buffer.getType()};
    for (Value value : captured)
      types.push_back(value.getType());
    OpBuilder b = OpBuilder::atBlockEnd(top->getBlock());
    auto func = func::FuncOp::create(b, loc, "m3sat_wtile",
                                     FunctionType::get(ctx, types, {}));
    func.setPrivate();
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (auto [i, value] : llvm::enumerate(captured))
      mapping.map(value, entry->getArgument(2 + i));
    // Constants from outside, repeated inside.
    Operation *nest = p.tokens ? p.tokens.getOperation() : p.kLoop;
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(nest->getRegions(), above);
    for (Value value : nest->getOperands())
      above.insert(value);
    for (Value value : above)
      if (Operation *def = value.getDefiningOp();
          def && !mapping.contains(value) &&
          def->hasTrait<OpTrait::ConstantLike>())
        b.clone(*def, mapping);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value zero = cst(0), one = cst(1), rows = cst(p.rows), n = cst(p.n);
    Value first = arith::MulIOp::create(b, loc, entry->getArgument(0), rows);
    auto rowLoop = scf::ForOp::create(b, loc, zero, rows, one);
    func::ReturnOp::create(b, loc);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value i = rowLoop.getInductionVar();
    mapping.map(p.kLoop.getInductionVar(),
                arith::AddIOp::create(b, loc, first, i).getResult());
    Value base = arith::MulIOp::create(b, loc, i, n);
    // [for t < T { ops before k ] ops before n; for n < N { body } [ } ]
    if (p.tokens) {
      auto t =
          scf::ForOp::create(b, p.tokens.getLoc(),
                             mapping.lookupOrDefault(p.tokens.getLowerBound()),
                             mapping.lookupOrDefault(p.tokens.getUpperBound()),
                             mapping.lookupOrDefault(p.tokens.getStep()));
      t->setDiscardableAttrs(p.tokens->getDiscardableAttrDictionary());
      mapping.map(p.tokens.getInductionVar(), t.getInductionVar());
      b.setInsertionPointToStart(t.getBody());
      for (Operation &op : p.tokens.getBody()->without_terminator())
        if (&op != p.kLoop)
          b.clone(op, mapping);
    }
    for (Operation &op : p.kLoop.getBody()->without_terminator())
      if (&op != p.nLoop)
        b.clone(op, mapping);
    auto nLoop = cast<scf::ForOp>(b.clone(*p.nLoop, mapping));
    // The load of W reads the tile.
    memref::LoadOp read;
    nLoop.getBody()->walk([&](memref::LoadOp load) {
      if (load.getMemref() == p.weight.getMemref())
        read = load;
    });
    OpBuilder lb(read);
    Value at = arith::AddIOp::create(lb, loc, base, nLoop.getInductionVar());
    Value v = memref::LoadOp::create(lb, read.getLoc(), entry->getArgument(1),
                                     ValueRange{at});
    read.getResult().replaceAllUsesWith(v);
    read.erase();
    return unique(func, (top.getSymName() + "_wtile_compute").str(), symbols);
  }

  /// `<top>_wtile_step(tile, next, more, W, dst, src, captured...)`: a
  /// DATAFLOW function that loads tile `next` into dst (if more) while tile
  /// `tile` computes from src.
  func::FuncOp buildStep(func::FuncOp top, Product &p, Value buffer,
                         func::FuncOp load, func::FuncOp compute,
                         ArrayRef<Value> captured, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = p.kLoop.getLoc();
    Type index = IndexType::get(ctx);
    SmallVector<Type> types = {index,
                               index,
                               IntegerType::get(ctx, 1),
                               p.weight.getMemref().getType(),
                               buffer.getType(),
                               buffer.getType()};
    for (Value value : captured)
      types.push_back(value.getType());
    OpBuilder b = OpBuilder::atBlockEnd(top->getBlock());
    auto func = func::FuncOp::create(b, loc, "m3sat_wtile",
                                     FunctionType::get(ctx, types, {}));
    func.setPrivate();
    func->setAttr(kHLSDataflowAttr, b.getUnitAttr());
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    auto args = entry->getArguments();
    func::CallOp::create(b, loc, load,
                         ValueRange{args[1], args[2], args[3], args[4]});
    SmallVector<Value> operands = {args[0], args[5]};
    llvm::append_range(operands, args.drop_front(6));
    func::CallOp::create(b, loc, compute, operands);
    func::ReturnOp::create(b, loc);
    return unique(func, (top.getSymName() + "_wtile_step").str(), symbols);
  }

  /// Replaces `p` with its first weight tile's load into ping and a loop
  /// over the tiles of rows whose step j computes tile j from one buffer
  /// while tile j + 1 loads into the other.
  void rewrite(func::FuncOp top, Product &p, Value ping, Value pong,
               SymbolTable &symbols) {
    Operation *nest = p.tokens ? p.tokens.getOperation() : p.kLoop;
    // What the nest uses from outside, but constants and W.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(nest->getRegions(), above);
    for (Value value : nest->getOperands())
      above.insert(value);
    SmallVector<Value> captured;
    for (Value value : above) {
      Operation *def = value.getDefiningOp();
      if (value == p.weight.getMemref() ||
          (def && def->hasTrait<OpTrait::ConstantLike>()))
        continue;
      captured.push_back(value);
    }
    func::FuncOp load = buildLoad(top, p, ping, symbols);
    func::FuncOp compute = buildCompute(top, p, ping, captured, symbols);
    func::FuncOp step =
        buildStep(top, p, ping, load, compute, captured, symbols);

    Location loc = p.kLoop.getLoc();
    OpBuilder b(nest);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value zero = cst(0), one = cst(1), tiles = cst(p.k / p.rows);
    Value w = p.weight.getMemref();
    Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
    func::CallOp::create(b, loc, load, ValueRange{zero, yes, w, ping});
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
      SmallVector<Value> operands = {
          j, next, more, w, side == 0 ? pong : ping, side == 0 ? ping : pong};
      llvm::append_range(operands, captured);
      func::CallOp::create(branch, loc, step, operands);
    }
    nest->erase();
  }

  /// The functions built so far, by what they print (a product of the same
  /// shape in another block calls the same ones).
  hls::UniqueFunctions built;
};

} // namespace
