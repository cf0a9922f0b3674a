//===- Device.h - the FPGA parts designs are sized against ------*- C++ -*-===//
//
// The budgets of the parts that m3sat-compile --hls-part names: block RAM,
// UltraRAM, DSP slices, LUTs and flip-flops from AMD's product tables, the
// off-chip memory bandwidth that the programmable logic reaches, and the
// clock the estimate runs at.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_DEVICE_H
#define M3SAT_TARGET_HLS_ANALYSIS_DEVICE_H

#include "m3sat/Target/HLS/Analysis/Resources.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>

namespace m3sat {

/// An FPGA part.
struct HLSDevice {
  /// The part name Vitis HLS takes (`set_part`), and its board.
  llvm::StringRef part;
  llvm::StringRef board;
  /// 18 Kb block RAMs (two per 36 Kb block), 288 Kb UltraRAMs, DSP slices
  /// (DSP48E2), CLB LUTs and CLB flip-flops of the whole part.
  int64_t bram18k = 0;
  int64_t uram = 0;
  int64_t dsp = 0;
  int64_t lut = 0;
  int64_t ff = 0;
  /// Peak bandwidth of the off-chip memory the design's m_axi ports reach,
  /// in GB/s (10^9 bytes), and what that memory is.
  double memoryGBps = 0;
  llvm::StringRef memory;
  /// Clock of the estimate, in MHz.
  double clockMHz = 300;
};

/// The part m3sat-compile --hls-part defaults to (the ZCU102's).
inline constexpr llvm::StringLiteral kHLSDefaultPart = "xczu9eg-ffvb1156-2-e";

/// Every known part.
llvm::ArrayRef<HLSDevice> getHLSDevices();

/// The part named `part`, or null.
const HLSDevice *lookupHLSDevice(llvm::StringRef part);

/// "--hls-part=<part>: unknown part; known parts: a (board), ..." when
/// `part` is not known, else "".
std::string checkHLSPart(llvm::StringRef part);

struct HLSEstimate;

/// How the design of one top function fits a part.
struct HLSDeviceFit {
  bool fits = true;
  /// Latency of one run at the part's clock: the loops' cycles, and the
  /// time the ports' accesses take at the memory's peak bandwidth (every
  /// load and store of a port as it runs, HLSEstimate::portTrafficBytes).
  /// The ports are read and written by the pipelined loops, so the two
  /// overlap: the latency is the larger.
  double computeMs = 0, memoryMs = 0, latencyMs = 0, fps = 0;
  /// When it does not fit: the resource used most above its budget (as a
  /// share of it), and the layer that uses most of that resource.
  std::string resource;
  int64_t used = 0, available = 0;
  std::string layer;
  int64_t layerUsed = 0;
};

/// Checks `estimate` against `device`.
HLSDeviceFit fitHLSDevice(const HLSEstimate &estimate, const HLSDevice &device);

/// The fit as JSON: {"part", "board", "clock_mhz", "fits", "bram18k":
/// {"used", "available"}, "uram", "dsp", "lut", "ff", "latency_ms",
/// "compute_ms", "memory_ms", "memory_gbps", "fps"} and "overflow" when it
/// does not fit.
llvm::json::Value hlsDeviceFitToJSON(const HLSEstimate &estimate,
                                     const HLSDevice &device);

/// The fit as lines of the text report.
std::string formatHLSDeviceFit(const HLSEstimate &estimate,
                               const HLSDevice &device);

/// The error for a design that does not fit: "task 'T' does not fit
/// PART: RESOURCE N used, M available (most in layer 'L': K); ...".
std::string describeHLSOverflow(llvm::StringRef task, const HLSDeviceFit &fit,
                                const HLSDevice &device);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_DEVICE_H
