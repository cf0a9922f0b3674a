//===- Patterns.h - m3sat rewrite pattern sets ------------------*- C++ -*-===//
//
// Pattern sets of the m3sat passes, for passes and pipelines that combine
// them.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_PATTERNS_H
#define M3SAT_TRANSFORMS_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace m3sat {

/// Rewrites token-routed m3sat.moe_ffn layers with static shapes and at
/// least `minTokens` tokens into route, dispatch, grouped matmuls and
/// combine (the m3sat-expert-major pass).
void populateExpertMajorPatterns(mlir::RewritePatternSet &patterns,
                                 int64_t minTokens = 1);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_PATTERNS_H
