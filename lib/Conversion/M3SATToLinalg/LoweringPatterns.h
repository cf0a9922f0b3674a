//===- LoweringPatterns.h - m3sat to linalg pattern sets --------*- C++ -*-===//
//
// Internal: the pattern families of the m3sat-to-linalg conversion, one
// populate function per file.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H
#define M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace m3sat {

/// m3sat.route, m3sat.dispatch and m3sat.combine to scf loops on tensors.
void populateRoutingLoweringPatterns(mlir::RewritePatternSet &patterns);

/// m3sat.grouped_matmul, static m3sat.moe_ffn and m3sat.moe_attention to
/// linalg.generic contractions (and scf loops over experts).
void populateExpertLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace m3sat

#endif // M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H
