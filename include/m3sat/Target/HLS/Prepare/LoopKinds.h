//===- LoopKinds.h - what a pipelined loop computes -------------*- C++ -*-===//
//
// Used by m3sat-hls-annotate-loops (which loops products-only unrolls) and
// m3sat-hls-partition-arrays (which unrolls check-unrolls checks).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_PREPARE_LOOPKINDS_H
#define M3SAT_TARGET_HLS_PREPARE_LOOPKINDS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace m3sat::hls {

/// Whether `loop` multiply-accumulates: its body adds the product of two
/// values that are not constants to something (a matrix product, a
/// convolution, attention's scores), or computes an fma of them. Copies,
/// transposes, fills and scalings by a constant do not.
bool multipliesAndAccumulates(mlir::scf::ForOp loop);

} // namespace m3sat::hls

#endif // M3SAT_TARGET_HLS_PREPARE_LOOPKINDS_H
