//===- TileChannels.cpp - channels of DATAFLOW regions in tile loops ------===//
//
// The channels of a DATAFLOW region in the body of a loop over token tiles
// (m3sat-hls-token-tiling): a buffer that every access indexes along one
// dimension by the tile's token holds one tile along it.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/TileChannels.h"

#include "M3SAT/M3SATHLSAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

#include <limits>

using namespace mlir;

namespace {

/// Whether `op` is inside one of `ops`.
bool isInside(Operation *op, ArrayRef<Operation *> ops) {
  return llvm::any_of(ops,
                      [&](Operation *root) { return root->isAncestor(op); });
}

/// The token within the tile that `index` is, in a loop over tiles of
/// `tile` tokens with counter `iv`: `iv` itself for `iv` (one token per
/// tile: index 0 of the tile), `t` for `iv * tile + t` where `t` counts
/// from 0 to `tile` by 1; null otherwise.
Value tokenInTile(Value index, Value iv, int64_t tile) {
  if (index == iv && tile == 1)
    return iv;
  auto add = index.getDefiningOp<arith::AddIOp>();
  if (!add)
    return {};
  for (auto [scaled, inner] : {std::pair(add.getLhs(), add.getRhs()),
                               std::pair(add.getRhs(), add.getLhs())}) {
    auto mul = scaled.getDefiningOp<arith::MulIOp>();
    if (!mul || !llvm::is_contained(mul->getOperands(), iv) ||
        getConstantIntValue(mul.getLhs() == iv ? mul.getRhs() : mul.getLhs()) !=
            tile)
      continue;
    auto arg = dyn_cast<BlockArgument>(inner);
    auto loop = arg ? dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp())
                    : scf::ForOp();
    if (loop && loop.getInductionVar() == arg &&
        getConstantIntValue(loop.getLowerBound()) == 0 &&
        getConstantIntValue(loop.getUpperBound()) == tile &&
        getConstantIntValue(loop.getStep()) == 1)
      return inner;
  }
  return {};
}

/// How a buffer of a region in the body of a loop over token tiles holds
/// one tile: the dimension every access indexes by the tile's token, and
/// each access's index operand with the token in the tile.
struct TileRows {
  int64_t dim = -1;
  int64_t tile = 1;
  SmallVector<std::pair<OpOperand *, Value>> rewrites;
};

/// Finds the dimension of `buffer` (an allocation) that every access (in
/// `within`, if given), a load or store, indexes by the token of the tile
/// `block` (the body of a loop over token tiles) runs; `dim` stays -1
/// without one.
TileRows findTileRows(Value buffer, Block &block,
                      ArrayRef<Operation *> within = {}) {
  TileRows rows;
  auto loop = dyn_cast_or_null<scf::ForOp>(block.getParentOp());
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!loop || !loop->hasAttr(m3sat::kHLSTokenTilesAttr) || !alloc ||
      !alloc.getType().hasStaticShape() ||
      !alloc.getType().getLayout().isIdentity())
    return rows;
  rows.tile =
      loop->getAttrOfType<IntegerAttr>(m3sat::kHLSTokenTilesAttr).getInt();
  MemRefType type = alloc.getType();
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    if (type.getDimSize(dim) <= rows.tile)
      continue;
    rows.rewrites.clear();
    bool all = true;
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (!within.empty() && !isInside(user, within))
        continue;
      unsigned first;
      if (isa<memref::LoadOp>(user))
        first = 1;
      else if (isa<memref::StoreOp>(user) && use.getOperandNumber() == 1)
        first = 2;
      else
        return rows;
      OpOperand &index = user->getOpOperand(first + dim);
      Value token = tokenInTile(index.get(), loop.getInductionVar(), rows.tile);
      if (!token) {
        all = false;
        break;
      }
      rows.rewrites.push_back({&index, token});
    }
    if (all && !rows.rewrites.empty()) {
      rows.dim = dim;
      return rows;
    }
  }
  rows.rewrites.clear();
  return rows;
}

} // namespace

int64_t m3sat::hls::tileChannelBytes(Value buffer, Block &block,
                                     ArrayRef<Operation *> within) {
  auto type = cast<MemRefType>(buffer.getType());
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::numeric_limits<int64_t>::max();
  int64_t bytes =
      type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
  TileRows rows = findTileRows(buffer, block, within);
  if (rows.dim >= 0)
    bytes = bytes / type.getDimSize(rows.dim) * rows.tile;
  return bytes;
}

Value m3sat::hls::shrinkChannelToTile(Value buffer, Block &block) {
  TileRows rows = findTileRows(buffer, block);
  if (rows.dim < 0)
    return buffer;
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  MemRefType type = alloc.getType();
  SmallVector<int64_t> shape(type.getShape());
  shape[rows.dim] = rows.tile;
  OpBuilder builder(alloc);
  auto shrunk = memref::AllocOp::create(
      builder, alloc.getLoc(), MemRefType::get(shape, type.getElementType()));
  shrunk->setAttrs(alloc->getAttrDictionary());
  Value iv = cast<scf::ForOp>(block.getParentOp()).getInductionVar();
  for (auto [index, token] : rows.rewrites) {
    Value value = token;
    if (token == iv) {
      builder.setInsertionPoint(index->getOwner());
      value = arith::ConstantIndexOp::create(builder, iv.getLoc(), 0);
    }
    index->set(value);
  }
  buffer.replaceAllUsesWith(shrunk.getResult());
  alloc->erase();
  return shrunk.getResult();
}
