//===- Device.cpp - the FPGA parts designs are sized against --------------===//
//
// Budgets of whole parts from AMD's product tables (Zynq UltraScale+ MPSoC
// product selection guide; Alveo U280 data sheet DS963). On the Alveo card
// the platform shell takes part of the device; the table does not subtract
// it. Bandwidths are peaks: the ZCU102 and ZCU104 reach the PS DDR4 (64
// bits at 2400 MT/s) through the HP ports; the U280's HBM2 stacks give 460
// GB/s over 32 pseudo-channels.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Analysis/Device.h"

using namespace m3sat;

static const HLSDevice kDevices[] = {
    {"xczu9eg-ffvb1156-2-e", "ZCU102", /*bram18k=*/2 * 912, /*uram=*/0,
     /*dsp=*/2520, /*lut=*/274080, /*ff=*/548160, /*memoryGBps=*/19.2,
     "PS DDR4-2400, 64 bits", /*clockMHz=*/300},
    {"xczu7ev-ffvc1156-2-e", "ZCU104", /*bram18k=*/2 * 312, /*uram=*/96,
     /*dsp=*/1728, /*lut=*/230400, /*ff=*/460800, /*memoryGBps=*/19.2,
     "PS DDR4-2400, 64 bits", /*clockMHz=*/300},
    {"xcu280-fsvh2892-2L-e", "Alveo U280", /*bram18k=*/2 * 2016, /*uram=*/960,
     /*dsp=*/9024, /*lut=*/1303680, /*ff=*/2607360, /*memoryGBps=*/460,
     "HBM2, 8 GB", /*clockMHz=*/300},
};

llvm::ArrayRef<HLSDevice> m3sat::getHLSDevices() { return kDevices; }

const HLSDevice *m3sat::lookupHLSDevice(llvm::StringRef part) {
  for (const HLSDevice &device : kDevices)
    if (device.part == part)
      return &device;
  return nullptr;
}

std::string m3sat::checkHLSPart(llvm::StringRef part) {
  if (lookupHLSDevice(part))
    return "";
  std::string message =
      "--hls-part=" + part.str() + ": unknown part; known parts: ";
  for (const auto &[i, device] : llvm::enumerate(kDevices))
    message +=
        (i ? ", " : "") + device.part.str() + " (" + device.board.str() + ")";
  return message;
}
