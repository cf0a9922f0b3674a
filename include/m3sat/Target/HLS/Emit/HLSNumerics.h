//===- HLSNumerics.h - number formats of the emitted HLS C++ ----*- C++ -*-===//
//
// The numerics of m3sat's HLS C++: float, or fixed point with the widths of
// the activation and weight types (m3sat-compile --hls-fixed). Plain data,
// so that compiler options can hold it without MLIR headers.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_EMIT_HLSNUMERICS_H
#define M3SAT_TARGET_HLS_EMIT_HLSNUMERICS_H

#include <string>

namespace m3sat {

/// The element types of emitted HLS C++.
struct HLSNumerics {
  /// Fixed point (ap_fixed) instead of float.
  bool fixed = false;
  /// Activations (and every f32 scalar): ap_fixed<actWidth, actInt>.
  int actWidth = 32;
  int actInt = 10;
  /// Weight ports: ap_fixed<weightWidth, weightInt>.
  int weightWidth = 16;
  int weightInt = 2;
};

/// How the project is written: the number formats of the code, and the part
/// the design is sized against (m3sat-compile --hls-part; one of
/// Analysis/Device.h's), and whether a design that does not fit it is
/// written anyway (--hls-allow-overflow) rather than an error.
struct HLSProjectOptions {
  HLSNumerics numerics;
  std::string part = "xczu9eg-ffvb1156-2-e";
  bool allowOverflow = false;
};

/// The most bits a fixed-point type of the options may have: one operation
/// of two such operands is exact in m3sat_ap_fixed.h's 128-bit integers and
/// each value converts to double exactly.
constexpr int kHLSMaxFixedWidth = 48;

/// Parses "W,I" (total and integer bits, 1 <= I <= W <= kHLSMaxFixedWidth)
/// into `width` and `intBits`; returns an error message naming `option`, or
/// "".
std::string parseHLSFixedFormat(const std::string &option,
                                const std::string &text, int &width,
                                int &intBits);

/// "float" or "ap_fixed<32,10> activations, ap_fixed<16,2> weights".
std::string describeHLSNumerics(const HLSNumerics &numerics);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_EMIT_HLSNUMERICS_H
