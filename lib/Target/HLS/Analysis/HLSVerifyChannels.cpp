//===- HLSVerifyChannels.cpp - m3sat-hls-verify-channels ------------------===//
//
// Checks the FIFO channels of DATAFLOW regions before emission
// (Analysis/Channels.h).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Analysis/Passes.h"

#include "m3sat/Target/HLS/Analysis/Channels.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSVERIFYCHANNELS
#include "m3sat/Target/HLS/Analysis/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct HLSVerifyChannels
    : public m3sat::impl::HLSVerifyChannelsBase<HLSVerifyChannels> {
  void runOnOperation() override {
    if (failed(m3sat::verifyHLSChannels(getOperation())))
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
