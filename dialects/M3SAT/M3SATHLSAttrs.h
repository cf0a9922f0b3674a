//===- M3SATHLSAttrs.h - the m3sat.hls.* attributes -------------*- C++ -*-===//
//
// The names of the discardable attributes through which the HLS passes
// describe a design to each other, to the estimate and to the emitter
// (pragmas, ports, channels, the expert schedule). The m3sat dialect
// verifies every `m3sat.hls.*` attribute: its name, the kind of its value
// and the op or argument it sits on (M3SATHLSAttrs.cpp). Structured values
// are ODS attributes (M3SATAttrs.td): #m3sat.hls_channel,
// #m3sat.hls_partition and #m3sat.hls_linear_trips.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATHLSATTRS_H
#define M3SAT_DIALECT_M3SATHLSATTRS_H

#include "M3SAT/M3SATAttrs.h"

#include "llvm/ADT/StringRef.h"

namespace m3sat {

/// The attribute on `scf.for` that requests `#pragma HLS PIPELINE II=N`.
inline constexpr llvm::StringLiteral kHLSPipelineIIAttr =
    "m3sat.hls.pipeline_ii";
/// The attribute on `scf.for` with run-time bounds: its largest trip count.
inline constexpr llvm::StringLiteral kHLSMaxTripCountAttr =
    "m3sat.hls.max_trip_count";
/// The function argument attribute naming the top function's port.
inline constexpr llvm::StringLiteral kHLSPortAttr = "m3sat.hls.port";
/// The function argument attribute naming the port's m_axi bundle.
inline constexpr llvm::StringLiteral kHLSBundleAttr = "m3sat.hls.bundle";
/// The unit function argument attribute of weight ports: their elements
/// have the weight element type (`m3sat_weight_t`).
inline constexpr llvm::StringLiteral kHLSWeightAttr = "m3sat.hls.weight";

/// The attribute on a pipelined `scf.for` that requests `#pragma HLS
/// UNROLL factor=N`.
inline constexpr llvm::StringLiteral kHLSUnrollAttr = "m3sat.hls.unroll";
/// The attribute on a `memref.alloc` that requests `#pragma HLS
/// ARRAY_PARTITION cyclic` (#m3sat.hls_partition<dim = D, factor = F>, D
/// 1-based).
inline constexpr llvm::StringLiteral kHLSPartitionAttr = "m3sat.hls.partition";
/// The attribute of a ping-pong buffer (`memref.alloc`): the index of the
/// function argument whose expert slices it holds.
inline constexpr llvm::StringLiteral kHLSStreamOfAttr = "m3sat.hls.stream_of";
/// The unit attribute of the loop over an expert queue.
inline constexpr llvm::StringLiteral kHLSExpertScheduleAttr =
    "m3sat.hls.expert_schedule";
/// The unit attribute of a function whose calls run as concurrent tasks
/// (`#pragma HLS DATAFLOW`; the estimate counts its longest op).
inline constexpr llvm::StringLiteral kHLSDataflowAttr = "m3sat.hls.dataflow";
/// The unit attribute of an `scf.if` whose branches call the same
/// functions with other arrays (the hardware is shared: the estimate counts
/// its units once).
inline constexpr llvm::StringLiteral kHLSSharedBranchesAttr =
    "m3sat.hls.shared_branches";

/// The unit attribute of a function that synthesis builds once and every
/// caller shares (`#pragma HLS INLINE off`, and `#pragma HLS ALLOCATION
/// function instances=... limit=1` in its callers).
inline constexpr llvm::StringLiteral kHLSSharedUnitAttr =
    "m3sat.hls.shared_unit";
/// The unit attribute of a function that computes one kind of layer for
/// several callers (m3sat-hls-share-layers): built once like a shared unit
/// (`#pragma HLS INLINE off`, `ALLOCATION ... limit=1`); the estimate counts
/// each call's cycles and the function's units once.
inline constexpr llvm::StringLiteral kHLSSharedLayerAttr =
    "m3sat.hls.shared_layer";
/// The unit attribute of a pipelined `scf.for` whose iterations write other
/// elements of the arrays they store to (`#pragma HLS DEPENDENCE ...
/// inter false`).
inline constexpr llvm::StringLiteral kHLSIndependentAttr =
    "m3sat.hls.independent";
/// The attribute of a call of the shared linear unit: its largest M, N and
/// K (#m3sat.hls_linear_trips<m = M, n = N, k = K>).
inline constexpr llvm::StringLiteral kHLSLinearTripsAttr =
    "m3sat.hls.linear_trips";

/// The unit attribute of a function that m3sat-hls-dataflow made of the
/// stages of a top function (a DATAFLOW region: it also has
/// kHLSDataflowAttr). The estimate runs its stages as the channels allow.
inline constexpr llvm::StringLiteral kHLSDataflowRegionAttr =
    "m3sat.hls.dataflow_region";
/// The kind of a channel between the stages of a dataflow region
/// (#m3sat.hls_channel): on its `memref.alloc` in the region function fifo
/// or pipo; on the stage functions' arguments fifo_in, fifo_out, pipo_in or
/// pipo_out.
inline constexpr llvm::StringLiteral kHLSChannelAttr = "m3sat.hls.channel";
/// The depth of a FIFO channel (i64, on its `memref.alloc`).
inline constexpr llvm::StringLiteral kHLSFifoDepthAttr = "m3sat.hls.fifo_depth";

/// The attribute of a loop over tiles of tokens (m3sat-hls-token-tiling):
/// the tokens per tile (i64). Its body holds the fused nests, each a layer
/// that the estimate lists on its own.
inline constexpr llvm::StringLiteral kHLSTokenTilesAttr =
    "m3sat.hls.token_tiles";

/// Whether a channel kind is a FIFO (on an allocation or a stage argument).
inline bool isHLSFifoChannel(HLSChannelKind kind) {
  return kind == HLSChannelKind::fifo || kind == HLSChannelKind::fifo_in ||
         kind == HLSChannelKind::fifo_out;
}
/// Whether a stage reads (in) or writes (out) a channel argument.
inline bool isHLSChannelIn(HLSChannelKind kind) {
  return kind == HLSChannelKind::fifo_in || kind == HLSChannelKind::pipo_in;
}
inline bool isHLSChannelOut(HLSChannelKind kind) {
  return kind == HLSChannelKind::fifo_out || kind == HLSChannelKind::pipo_out;
}

} // namespace m3sat

#endif // M3SAT_DIALECT_M3SATHLSATTRS_H
