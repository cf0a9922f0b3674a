//===- ApproximateVectorMath.cpp - polynomial math on vectors -------------===//
//
// Implements m3sat-approximate-vector-math: upstream's polynomial
// approximations, applied only to math ops on vectors.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace m3sat {
#define GEN_PASS_DEF_APPROXIMATEVECTORMATH
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct ApproximateVectorMathPass
    : m3sat::impl::ApproximateVectorMathBase<ApproximateVectorMathPass> {
  void runOnOperation() override {
    // Ops on scalars are not collected; what the rewrites create on vectors
    // is rewritten in turn.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa_and_nonnull<math::MathDialect>(op->getDialect()) &&
          llvm::any_of(op->getResultTypes(), llvm::IsaPred<VectorType>))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return llvm::is_contained({"math.erf", "math.exp", "math.tanh",
                                 "math.log", "math.log1p", "math.expm1",
                                 "math.log2"},
                                name);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
