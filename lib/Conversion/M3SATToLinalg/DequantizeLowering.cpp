//===- DequantizeLowering.cpp - m3sat.dequantize to linalg ----------------===//
//
// m3sat.dequantize becomes one elementwise linalg.generic over the float
// result [E, R, C]: each element reads its byte of `packed` (column
// c / p), its scale (per row, or block c / block_size) and its zero point
// (packed like the codes), and picks its nibble from the loop indices.
// The weights of MoE layers' products are left to the products' lowering:
// each product becomes one contraction that dequantizes its weights in its
// body (buildQuantizedLinear), which the CPU runs as m3sat_qgemm.
//
//===----------------------------------------------------------------------===//

#include "LoweringPatterns.h"
#include "TensorBuilder.h"

#include "M3SAT/M3SATOps.h"
#include "m3sat/Transforms/QuantizedMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace m3sat;

namespace {

/// Code `slot` (0 = lowest bits) of `byte`, `bits` wide, as an i32.
Value extractCode(ImplicitLocOpBuilder &b, Value byte, Value slot,
                  int64_t bits) {
  Value wide = arith::ExtUIOp::create(b, b.getI32Type(), byte);
  if (bits == 8)
    return wide;
  Value shift = arith::MulIOp::create(
      b, arith::IndexCastOp::create(b, b.getI32Type(), slot),
      arith::ConstantIntOp::create(b, b.getI32Type(), bits));
  Value shifted = arith::ShRUIOp::create(b, wide, shift);
  return arith::AndIOp::create(
      b, shifted,
      arith::ConstantIntOp::create(b, b.getI32Type(), (1 << bits) - 1));
}

/// Value (q - zero) * scale of a weight: `byte` holds its code (slot
/// `slot`), `zeroByte` its zero point (slot `zeroSlot`; null: implied).
Value dequantizeScalar(ImplicitLocOpBuilder &b, Type element, Value byte,
                       Value slot, Value scale, Value zeroByte, Value zeroSlot,
                       int64_t bits) {
  Value code = extractCode(b, byte, slot, bits);
  Value zero = zeroByte ? extractCode(b, zeroByte, zeroSlot, bits)
                        : arith::ConstantIntOp::create(b, b.getI32Type(),
                                                       1 << (bits - 1))
                              .getResult();
  Value q = arith::UIToFPOp::create(b, element, code);
  Value z = arith::UIToFPOp::create(b, element, zero);
  Value centered = arith::SubFOp::create(b, q, z);
  return arith::MulFOp::create(b, centered, scale);
}

Value remIndex(ImplicitLocOpBuilder &b, Value index, int64_t divisor) {
  return arith::RemUIOp::create(b, index,
                                arith::ConstantIndexOp::create(b, divisor));
}

/// Inside a linalg.generic whose loop 1 walks the weight's rows and loop 2
/// its columns (codes): the weight at that row and column, from the byte
/// holding its code, its scale and (null: implied) the byte holding its
/// zero point.
Value dequantizeAtIndex(ImplicitLocOpBuilder &b, Type element, Value byte,
                        Value scale, Value zeroByte, int64_t bits, int64_t p,
                        int64_t block) {
  Value row = linalg::IndexOp::create(b, 1);
  Value col = linalg::IndexOp::create(b, 2);
  Value zeroSlot;
  if (zeroByte)
    zeroSlot =
        block ? remIndex(b,
                         arith::DivUIOp::create(
                             b, col, arith::ConstantIndexOp::create(b, block)),
                         p)
              : remIndex(b, row, p);
  return dequantizeScalar(b, element, byte, remIndex(b, col, p), scale,
                          zeroByte, zeroSlot, bits);
}

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    // Expert weights of MoE layers only (grouped matmuls, and MoE layers,
    // which become grouped matmuls or, with static routing, products per
    // expert): each product dequantizes them inside it (expertLinear in
    // ExpertLowering.cpp), and this op dies with them.
    if (!op->use_empty() && llvm::all_of(op->getUses(), [](OpOperand &use) {
          Operation *user = use.getOwner();
          if (auto matmul = dyn_cast<GroupedMatmulOp>(user))
            return use.get() == matmul.getWeights();
          if (auto ffn = dyn_cast<MoEFFNOp>(user))
            return use.get() == ffn.getFc1Weights() ||
                   use.get() == ffn.getFc2Weights();
          return false;
        }))
      return rewriter.notifyMatchFailure(op, "dequantized in the products");
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type element = resultType.getElementType();
    auto floatType = dyn_cast<FloatType>(element);
    if (!floatType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static float result");
    MLIRContext *ctx = op.getContext();
    int64_t bits = op.getBits(), p = op.getCodesPerByte();
    int64_t block = op.getBlockSize();
    AffineExpr e = getAffineDimExpr(0, ctx), r = getAffineDimExpr(1, ctx),
               c = getAffineDimExpr(2, ctx);
    auto map = [&](ArrayRef<AffineExpr> results) {
      return AffineMap::get(3, 0, results, ctx);
    };
    // The scale group of column c: its block, or the whole row.
    AffineExpr group = block ? c.floorDiv(block) : AffineExpr();
    SmallVector<Value> inputs = {op.getPacked(), op.getScales()};
    SmallVector<AffineMap> maps = {map({e, r, c.floorDiv(p)}),
                                   block ? map({e, r, group}) : map({e, r})};
    if (op.getZeroPoints()) {
      inputs.push_back(op.getZeroPoints());
      maps.push_back(block ? map({e, r, group.floorDiv(p)})
                           : map({e, r.floorDiv(p)}));
    }
    maps.push_back(map({e, r, c}));

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value init =
        tensor::EmptyOp::create(b, resultType.getShape(), element).getResult();
    bool hasZeros = static_cast<bool>(op.getZeroPoints());
    auto generic = linalg::GenericOp::create(
        b, TypeRange{resultType}, inputs, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
        [&](OpBuilder &nested, Location loc, ValueRange args) {
          ImplicitLocOpBuilder ib(loc, nested);
          linalg::YieldOp::create(
              ib,
              dequantizeAtIndex(ib, element, args[0], args[1],
                                hasZeros ? args[2] : Value(), bits, p, block));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

Value m3sat::buildQuantizedLinear(TensorBuilder &tb, Value x,
                                  DequantizeOp dequantize, OpFoldResult expert,
                                  Value bias, Value into) {
  ImplicitLocOpBuilder &b = tb.builder();
  MLIRContext *ctx = b.getContext();
  auto resultType = cast<RankedTensorType>(dequantize.getResult().getType());
  Type element = resultType.getElementType();
  int64_t bits = dequantize.getBits(), p = dequantize.getCodesPerByte();
  int64_t block = dequantize.getBlockSize();
  Value zeros = dequantize.getZeroPoints();
  // Loops (m, n, k), k reduced.
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(3, 0, results, ctx);
  };
  AffineExpr group = block ? k.floorDiv(block) : AffineExpr();
  SmallVector<Value> inputs = {x, tb.sliceFirst(dequantize.getPacked(), expert),
                               tb.sliceFirst(dequantize.getScales(), expert)};
  SmallVector<AffineMap> maps = {map({m, k}), map({n, k.floorDiv(p)}),
                                 block ? map({n, group}) : map({n})};
  if (zeros) {
    inputs.push_back(tb.sliceFirst(zeros, expert));
    maps.push_back(block ? map({n, group.floorDiv(p)}) : map({n.floorDiv(p)}));
  }
  maps.push_back(map({m, n}));
  Value init = tb.linearInit(x, resultType.getDimSize(1), bias, into);
  auto flags = arith::FastMathFlagsAttr::get(
      ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  auto generic = linalg::GenericOp::create(
      b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value w = dequantizeAtIndex(ib, element, args[1], args[2],
                                    zeros ? args[3] : Value(), bits, p, block);
        Value product = arith::MulFOp::create(ib, args[0], w, flags);
        Value sum = arith::AddFOp::create(ib, args.back(), product, flags);
        linalg::YieldOp::create(ib, sum);
      });
  generic->setAttr(
      kQuantizedMatmulAttr,
      b.getDictionaryAttr(
          {b.getNamedAttr("bits", b.getI64IntegerAttr(bits)),
           b.getNamedAttr("block_size", b.getI64IntegerAttr(block))}));
  return generic.getResult(0);
}

void m3sat::populateDequantizeLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDequantize>(patterns.getContext());
}
