//===- HLSNumerics.cpp - number formats of the emitted HLS C++ ------------===//
//
// Parsing and printing of the fixed-point formats m3sat-compile takes.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Emit/HLSNumerics.h"

#include "llvm/ADT/StringRef.h"

using namespace m3sat;

std::string m3sat::parseHLSFixedFormat(const std::string &option,
                                       const std::string &text, int &width,
                                       int &intBits) {
  auto [w, i] = llvm::StringRef(text).split(',');
  int parsedWidth = 0, parsedInt = 0;
  if (w.trim().getAsInteger(10, parsedWidth) ||
      i.trim().getAsInteger(10, parsedInt) || parsedInt < 1 ||
      parsedInt > parsedWidth || parsedWidth > kHLSMaxFixedWidth)
    return "--" + option + "=" + text +
           ": expected W,I (total and integer bits) with 1 <= I <= W <= " +
           std::to_string(kHLSMaxFixedWidth);
  width = parsedWidth;
  intBits = parsedInt;
  return "";
}

std::string m3sat::describeHLSNumerics(const HLSNumerics &numerics) {
  if (!numerics.fixed)
    return "float";
  return "ap_fixed<" + std::to_string(numerics.actWidth) + "," +
         std::to_string(numerics.actInt) + "> activations, ap_fixed<" +
         std::to_string(numerics.weightWidth) + "," +
         std::to_string(numerics.weightInt) + "> weights";
}
