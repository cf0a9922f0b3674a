//===- DequantizeLowering.cpp - m3sat.dequantize to linalg ----------------===//
//
// m3sat.dequantize becomes one elementwise linalg.generic over the float
// result [E, R, C]: each element reads its byte of `packed` (column
// c / p), its scale (per row, or block c / block_size) and its zero point
// (packed like the codes), and picks its nibble from the loop indices.
// The weights of grouped matmuls (token routing) are left to their lowering,
// which dequantizes each expert that has rows on its own.
//
//===----------------------------------------------------------------------===//

#include "LoweringPatterns.h"

#include "M3SAT/M3SATOps.h"

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

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    // Expert weights of token-routed layers only (grouped matmuls, or MoE
    // layers that become them): each expert is dequantized where it runs
    // (LowerGroupedMatmul), and this op dies with them.
    if (!op->use_empty() && llvm::all_of(op->getUses(), [](OpOperand &use) {
          Operation *user = use.getOwner();
          if (auto matmul = dyn_cast<GroupedMatmulOp>(user))
            return use.get() == matmul.getWeights();
          if (auto ffn = dyn_cast<MoEFFNOp>(user))
            return ffn.getRouterLogits() && use.get() != ffn.getInput();
          return false;
        }))
      return rewriter.notifyMatchFailure(op, "dequantized per expert");
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
          Value row = linalg::IndexOp::create(ib, 1);
          Value col = linalg::IndexOp::create(ib, 2);
          auto mod = [&](Value index, int64_t divisor) -> Value {
            return arith::RemUIOp::create(
                ib, index, arith::ConstantIndexOp::create(ib, divisor));
          };
          Value code = extractCode(ib, args[0], mod(col, p), bits);
          Value zero;
          if (hasZeros) {
            Value slot =
                block ? mod(arith::DivUIOp::create(
                                ib, col,
                                arith::ConstantIndexOp::create(ib, block)),
                            p)
                      : mod(row, p);
            zero = extractCode(ib, args[2], slot, bits);
          } else {
            zero = arith::ConstantIntOp::create(ib, ib.getI32Type(),
                                                1 << (bits - 1));
          }
          Value q = arith::UIToFPOp::create(ib, element, code);
          Value z = arith::UIToFPOp::create(ib, element, zero);
          Value centered = arith::SubFOp::create(ib, q, z);
          Value value = arith::MulFOp::create(ib, centered, args[1]);
          linalg::YieldOp::create(ib, value);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void m3sat::populateDequantizeLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDequantize>(patterns.getContext());
}
