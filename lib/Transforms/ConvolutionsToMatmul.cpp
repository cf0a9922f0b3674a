//===- ConvolutionsToMatmul.cpp - convolutions as im2col + matmul ---------===//
//
// Implements m3sat-convolutions-to-matmul with upstream's im2col patterns.
// For linalg.conv_2d_nhwc_fhwc the im2col copy upstream builds (one scalar
// tensor.extract per element, its indices recovered with div/mod from the
// flattened ones) is replaced by a copy with affine indexing maps over
// (n, oh, ow, kh, kw, c): channels innermost and contiguous in both the
// image and the columns, so the copy vectorizes like any elementwise op.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_CONVOLUTIONSTOMATMUL
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// The im2col copy of a conv_2d_nhwc_fhwc's image as a linalg.generic over
/// [N, OH, OW, KH, KW, C] with affine maps, collapsed to the
/// [N, OH*OW, KH*KW*C] columns upstream's contraction reads.
static Value affineColumns(RewriterBase &rewriter, Location loc, Value image,
                           Value filter, Value output,
                           DenseIntElementsAttr strideAttr,
                           DenseIntElementsAttr dilationAttr) {
  auto imageType = cast<RankedTensorType>(image.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto outType = cast<RankedTensorType>(output.getType());
  int64_t n = outType.getDimSize(0), oh = outType.getDimSize(1),
          ow = outType.getDimSize(2);
  int64_t kh = filterType.getDimSize(1), kw = filterType.getDimSize(2),
          c = filterType.getDimSize(3);
  auto strides = llvm::to_vector(strideAttr.getValues<int64_t>());
  auto dilations = llvm::to_vector(dilationAttr.getValues<int64_t>());

  MLIRContext *ctx = rewriter.getContext();
  AffineExpr d[6];
  bindDims(ctx, d[0], d[1], d[2], d[3], d[4], d[5]);
  AffineMap imageMap =
      AffineMap::get(6, 0,
                     {d[0], d[1] * strides[0] + d[3] * dilations[0],
                      d[2] * strides[1] + d[4] * dilations[1], d[5]},
                     ctx);
  AffineMap colsMap = rewriter.getMultiDimIdentityMap(6);
  Value init = tensor::EmptyOp::create(rewriter, loc,
                                       ArrayRef<int64_t>{n, oh, ow, kh, kw, c},
                                       imageType.getElementType());
  auto copy = linalg::GenericOp::create(
      rewriter, loc, init.getType(), ValueRange{image}, ValueRange{init},
      ArrayRef<AffineMap>{imageMap, colsMap},
      SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &b, Location loc, ValueRange args) {
        linalg::YieldOp::create(b, loc, args[0]);
      });
  SmallVector<ReassociationIndices> groups = {{0}, {1, 2}, {3, 4, 5}};
  return tensor::CollapseShapeOp::create(rewriter, loc, copy.getResult(0),
                                         groups);
}

struct AffineIm2ColNhwcFhwc : OpRewritePattern<linalg::Conv2DNhwcFhwcOp> {
  AffineIm2ColNhwcFhwc(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcFhwcOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv.hasPureTensorSemantics())
      return failure();
    for (Value v :
         {conv.getInputs()[0], conv.getInputs()[1], conv.getOutputs()[0]})
      if (!cast<ShapedType>(v.getType()).hasStaticShape())
        return failure();
    // Upstream's rewrite first (it checks what it supports); its columns
    // are then replaced by the same values from the affine copy, built
    // from the convolution's operands before the convolution is erased.
    Value image = conv.getInputs()[0];
    Value filter = conv.getInputs()[1];
    Value output = conv.getOutputs()[0];
    DenseIntElementsAttr strides = conv.getStrides();
    DenseIntElementsAttr dilations = conv.getDilations();
    Location loc = conv.getLoc();
    FailureOr<std::pair<Operation *, Operation *>> rewritten =
        linalg::rewriteInIm2Col(rewriter, conv);
    if (failed(rewritten))
      return failure();
    Operation *upstreamColumns = rewritten->first;
    rewriter.setInsertionPoint(upstreamColumns);
    Value columns =
        affineColumns(rewriter, loc, image, filter, output, strides, dilations);
    if (upstreamColumns->getResult(0).getType() != columns.getType())
      return rewriter.notifyMatchFailure(loc, "unexpected im2col shape");
    rewriter.replaceOp(upstreamColumns, columns);
    return success();
  }
};

/// Whether `op` is a convolution that m3sat-convolutions-to-blas computes
/// without im2col: NHWC/FHWC, unit strides and dilations, a window over
/// 1x1 (a 1x1 window's im2col is the image itself).
bool isUnitStrideWindow(Operation *op) {
  auto conv = dyn_cast<linalg::Conv2DNhwcFhwcOp>(op);
  if (!conv)
    return false;
  auto ones = [](DenseIntElementsAttr attr) {
    return llvm::all_of(attr.getValues<int64_t>(),
                        [](int64_t v) { return v == 1; });
  };
  auto filter = cast<ShapedType>(conv.getInputs()[1].getType());
  return ones(conv.getStrides()) && ones(conv.getDilations()) &&
         filter.hasStaticShape() &&
         filter.getDimSize(1) * filter.getDimSize(2) > 1;
}

struct ConvolutionsToMatmulPass
    : m3sat::impl::ConvolutionsToMatmulBase<ConvolutionsToMatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AffineIm2ColNhwcFhwc>(&getContext());
    linalg::populateConvertConv2DToImg2ColPatterns(patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));
    // The convolutions to rewrite (the patterns match every kind of them).
    SmallVector<Operation *> convolutions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (linalg::isaConvolutionOpInterface(op) &&
          (unitStride || !isUnitStrideWindow(op)))
        convolutions.push_back(op);
    });
    if (failed(applyOpPatternsGreedily(convolutions, frozen)))
      signalPassFailure();
  }
};

} // namespace
