//===- ConvolutionsToMatmul.cpp - convolutions as im2col + matmul ---------===//
//
// Implements m3sat-convolutions-to-matmul with upstream's im2col patterns.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_CONVOLUTIONSTOMATMUL
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct ConvolutionsToMatmulPass
    : m3sat::impl::ConvolutionsToMatmulBase<ConvolutionsToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateConvertConv2DToImg2ColPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
