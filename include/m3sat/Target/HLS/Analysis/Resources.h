//===- Resources.h - the FPGA resources of HLS C++ --------------*- C++ -*-===//
//
// A first-order model of what Vitis HLS builds for loop-level IR: on-chip
// arrays as 18 Kb block RAMs (or LUTs when small), arithmetic as DSP
// slices, LUTs and flip-flops by type and precision, and the interfaces.
// Each number is either calibrated from published figures or an
// assumption; Resources.cpp says which, and docs/hls.md lists them.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_RESOURCES_H
#define M3SAT_TARGET_HLS_ANALYSIS_RESOURCES_H

#include "mlir/IR/Operation.h"

#include <cstdint>

namespace m3sat {

/// Resources of the programmable logic.
struct HLSResources {
  int64_t bram18k = 0;
  int64_t uram = 0;
  int64_t dsp = 0;
  int64_t lut = 0;
  int64_t ff = 0;

  HLSResources &operator+=(const HLSResources &other) {
    bram18k += other.bram18k;
    uram += other.uram;
    dsp += other.dsp;
    lut += other.lut;
    ff += other.ff;
    return *this;
  }
  HLSResources operator*(int64_t copies) const {
    return {bram18k * copies, uram * copies, dsp * copies, lut * copies,
            ff * copies};
  }
  /// Each resource the larger of the two (units that branches share).
  static HLSResources max(const HLSResources &a, const HLSResources &b);
};

/// The number formats the model sizes arithmetic and arrays by.
struct HLSResourceModel {
  /// Fixed point: f32 values are ap_fixed<actWidth, .>, weights
  /// ap_fixed<weightWidth, .>; else f32 is IEEE float.
  bool fixed = false;
  int64_t actWidth = 32;
  int64_t weightWidth = 16;

  /// Bits of one element of an array of `elementType` (weights: the weight
  /// type's width).
  int64_t elementBits(mlir::Type elementType, bool weight = false) const;

  /// The units of scalar op `op` (one copy). `weightOperand` is set for a
  /// float multiplication with an operand of the weight type; `pipelined`
  /// when the op is inside a pipelined loop (its operands and result are
  /// registered at every stage).
  HLSResources op(mlir::Operation *op, bool weightOperand,
                  bool pipelined) const;
};

/// An on-chip array of `elements` values of `bits` each, in `banks` banks
/// (array partitioning): block RAM per bank, or LUTs for a small bank.
HLSResources arrayResources(int64_t elements, int64_t bits, int64_t banks);

/// A FIFO of `depth` values of `bits` each: shift registers in LUTs when
/// shallow, else block RAM.
HLSResources fifoResources(int64_t depth, int64_t bits);

/// The control of one loop (counter, exit test, state), pipelined or not.
HLSResources loopResources(bool pipelined);

/// An m_axi adapter (one bundle), and the s_axilite control block with
/// the registers of `ports` arguments.
HLSResources maxiResources();
HLSResources axiliteResources(int64_t ports);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_RESOURCES_H
