//===- M3SATRouting.h - reference MoE routing -------------------*- C++ -*-===//
//
// The routing semantics of DESIGN.md in plain C++: softmax over all experts,
// top-k with ties to the lower index, optional renormalization. Used by the
// folders (constant router logits) and as the reference in unit tests.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATROUTING_H
#define M3SAT_DIALECT_M3SATROUTING_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace m3sat {

/// Routes one token with router `logits` (pre-softmax, one per expert) to
/// its `k` experts. On return `experts` holds the k expert indices in
/// descending order of probability (ties: lower index first) and `weights`
/// their routing weights: the softmax probability over all experts, divided
/// by the sum over the selected experts when `normalize` is set. Requires
/// 1 <= k <= logits.size().
void routeToken(llvm::ArrayRef<float> logits, int64_t k, bool normalize,
                llvm::SmallVectorImpl<int64_t> &experts,
                llvm::SmallVectorImpl<float> &weights);

/// Returns true when every row of the row-major [rows, width] matrix
/// `values` equals the first row, i.e. when routing does not depend on the
/// token.
bool allRowsEqual(llvm::ArrayRef<float> values, int64_t width);

} // namespace m3sat

#endif // M3SAT_DIALECT_M3SATROUTING_H
