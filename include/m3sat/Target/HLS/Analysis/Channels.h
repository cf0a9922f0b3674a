//===- Channels.h - DATAFLOW channels as the emitter sees them --*- C++ -*-===//
//
// The channels of DATAFLOW regions (m3sat-hls-dataflow) that HLS C++ prints
// as streams, and the check that each is used as a stream can be: one
// access of the right kind per stage argument, a depth on every FIFO.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_CHANNELS_H
#define M3SAT_TARGET_HLS_ANALYSIS_CHANNELS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace m3sat {

/// Whether `memref` is a FIFO channel argument of a dataflow stage
/// (`m3sat.hls.channel` fifo_in or fifo_out on a function argument):
/// an `m3sat_stream` that loads read and stores write.
bool isHLSFifoArgument(mlir::Value memref);

/// Checks every function and allocation under `root`: a FIFO argument is
/// only loaded (fifo_in) or only stored to (fifo_out), by exactly one
/// access; a FIFO allocation (`m3sat.hls.channel = #m3sat.hls_channel<fifo>`)
/// has a positive `m3sat.hls.fifo_depth`. Fails after a diagnostic on the first
/// violation.
mlir::LogicalResult verifyHLSChannels(mlir::Operation *root);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_CHANNELS_H
