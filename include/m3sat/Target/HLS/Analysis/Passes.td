//===- Passes.td - HLS analyses and checks -----------------*- tablegen -*-===//
//
// Passes that read loop-level IR and check that the HLS C++ emitter can
// print it as it stands; they change nothing.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_PASSES_TD
#define M3SAT_TARGET_HLS_ANALYSIS_PASSES_TD

include "mlir/Pass/PassBase.td"

def HLSVerifyChannels : Pass<"m3sat-hls-verify-channels", "::mlir::ModuleOp"> {
  let summary = "Check the DATAFLOW channels that the emitter prints as "
                "streams";
  let description = [{
    A FIFO channel of a DATAFLOW region (m3sat-hls-dataflow) is printed as
    an `m3sat_stream`, which is read or written one value at a time. The
    pass fails with a diagnostic unless:
    - every stage argument marked `m3sat.hls.channel = #m3sat.hls_channel<fifo_in>` is only
      loaded, and every one marked fifo_out only stored to, by exactly
      one access (in loops that visit the buffer in order);
    - every `memref.alloc` marked `m3sat.hls.channel = #m3sat.hls_channel<fifo>` has a
      positive `m3sat.hls.fifo_depth`.

    The HLS pipeline runs it last, and the emitter's entry points run the
    same check before they print, so that no malformed stream reaches the
    C++.
  }];
}

#endif // M3SAT_TARGET_HLS_ANALYSIS_PASSES_TD
