//===- Testbench.h - C-simulation testbench and Vitis HLS script -*- C++
//-*-===//
//
// What m3sat-compile --target=hls writes next to the emitted top functions:
// a C++ testbench per task (inputs from .npy, weights from weights.bin,
// outputs to .npy) and a Vitis HLS tcl script for the project.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_EMIT_TESTBENCH_H
#define M3SAT_TARGET_HLS_EMIT_TESTBENCH_H

#include "m3sat/Runtime/BundleWriter.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace m3sat {

/// A port of a top function as the testbench sees it. `dtype` is the bundle
/// DType (0 f32, 1 i64, 2 i32, 4 i1, 5 i8, 6 i16, 7 f64).
/// A port of a top function: a tensor of the task table, and for a weight
/// its byte offset in weights.bin (the bundle's weight blob).
struct HLSPortDesc {
  const TensorSpecDesc *tensor = nullptr;
  uint64_t offset = 0;
};

struct HLSTopDesc {
  std::string task;
  /// Symbol of the task function in the module, and its C++ name.
  std::string symbol;
  std::string function;
  /// File stem of the emitted sources: <stem>.cpp, <stem>.h, tb_<stem>.cpp.
  std::string stem;
  std::vector<HLSPortDesc> inputs, weights, outputs;
};

/// The C++ source of the testbench of `top`, or "" with `error` set when a
/// port has a dtype the testbench cannot read or write. The program takes
/// `WEIGHTS.bin OUTPUT_DIR NAME=FILE.npy...`, checks every input's dtype
/// and shape, runs the top function and writes OUTPUT_DIR/<output>.npy.
std::string emitHLSTestbench(const HLSTopDesc &top, std::string &error);

/// The Vitis HLS tcl script: one project per task (set_top, add_files,
/// C simulation when M3SAT_CSIM_INPUTS names its inputs, C synthesis) for
/// `part` at `clockMHz`.
std::string emitHLSTclScript(llvm::ArrayRef<HLSTopDesc> tops,
                             llvm::StringRef part, double clockMHz);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_EMIT_TESTBENCH_H
