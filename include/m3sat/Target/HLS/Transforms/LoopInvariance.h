//===- LoopInvariance.h - whether a value varies with a loop ----*- C++ -*-===//
//
// Used by m3sat-hls-stage-weight-vectors (loads repeated in an outer loop)
// and m3sat-hls-reduction-lanes (a reduction's element independent of its
// loop).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_TRANSFORMS_LOOPINVARIANCE_H
#define M3SAT_TARGET_HLS_TRANSFORMS_LOOPINVARIANCE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace m3sat::hls {

/// Whether `value` depends on `iv` through the ops that compute it inside
/// `scope` (`visited`: the ops seen so far). An op with regions (an scf.if
/// yielding an index, say) may read `iv` inside: it counts as depending.
bool dependsOn(mlir::Value value, mlir::Value iv, mlir::Operation *scope,
               llvm::SmallPtrSetImpl<mlir::Operation *> &visited);

} // namespace m3sat::hls

#endif // M3SAT_TARGET_HLS_TRANSFORMS_LOOPINVARIANCE_H
