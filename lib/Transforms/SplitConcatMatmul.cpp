//===- SplitConcatMatmul.cpp - (x || t) W = x W_x + t W_t -----------------===//
//
// Implements m3sat-split-concat-matmul: a matmul of concatenated features,
// some of them constant, becomes a sum of matmuls over the matching row
// slices of the weight, so that the constant parts fold into a bias.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace m3sat {
#define GEN_PASS_DEF_SPLITCONCATMATMUL
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct SplitConcatMatmulPass
    : m3sat::impl::SplitConcatMatmulBase<SplitConcatMatmulPass> {
  void runOnOperation() override {
    SmallVector<tosa::MatMulOp> matmuls;
    getOperation().walk([&](tosa::MatMulOp op) { matmuls.push_back(op); });
    for (tosa::MatMulOp op : matmuls)
      if (succeeded(split(op)))
        ++numSplit;
  }

  LogicalResult split(tosa::MatMulOp op) {
    // a: [batch, M, K] = concat(parts) along K; b: [batch, K, N].
    auto concat = op.getA().getDefiningOp<tosa::ConcatOp>();
    if (!concat || concat.getAxis() != 2 || concat.getInput1().size() < 2)
      return failure();
    if (llvm::none_of(concat.getInput1(), [](Value part) {
          return matchPattern(part, m_Constant());
        }))
      return failure();
    auto bType = cast<RankedTensorType>(op.getB().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!bType.hasStaticShape() || !resultType.hasStaticShape())
      return failure();

    OpBuilder builder(op);
    Location loc = op.getLoc();
    Value sum;
    int64_t row = 0;
    for (Value part : concat.getInput1()) {
      auto partType = cast<RankedTensorType>(part.getType());
      int64_t rows = partType.getDimSize(2);
      if (ShapedType::isDynamic(rows))
        return failure();
      // The weight's rows for this part: b[:, row : row + rows, :].
      SmallVector<OpFoldResult> offsets = {builder.getIndexAttr(0),
                                           builder.getIndexAttr(row),
                                           builder.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          builder.getIndexAttr(bType.getDimSize(0)), builder.getIndexAttr(rows),
          builder.getIndexAttr(bType.getDimSize(2))};
      SmallVector<OpFoldResult> strides(3, builder.getIndexAttr(1));
      Value slice = tensor::ExtractSliceOp::create(builder, loc, op.getB(),
                                                   offsets, sizes, strides);
      Value product = tosa::MatMulOp::create(builder, loc, resultType, part,
                                             slice, op.getAZp(), op.getBZp());
      sum = sum ? tosa::AddOp::create(builder, loc, resultType, sum, product)
                      .getResult()
                : product;
      row += rows;
    }
    if (row != bType.getDimSize(1))
      return failure();
    op.replaceAllUsesWith(sum);
    op.erase();
    if (concat->use_empty())
      concat.erase();
    return success();
  }
};

} // namespace
