//===- Resources.cpp - the FPGA resources of HLS C++ ----------------------===//
//
// The numbers of the model. [calibrated] marks a number taken from a
// published figure (named there); [assumption] one that is m3sat's own
// first-order guess, to be replaced once a synthesis report is at hand.
// All are for UltraScale+ fabric (DSP48E2, 18 Kb block RAM, LUT6) at a
// 300 MHz clock.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Analysis/Resources.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace m3sat;

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The aspect ratios of one 18 Kb block RAM (width, depth) [calibrated:
/// UltraScale Architecture Memory Resources, UG573; 36 bits wide in simple
/// dual-port mode, which a one-read one-write array uses].
constexpr std::pair<int64_t, int64_t> kBram18kShapes[] = {
    {36, 512}, {18, 1024}, {9, 2048}, {4, 4096}, {2, 8192}, {1, 16384}};

/// A bank of at most this many bits, or this deep, becomes distributed RAM
/// in LUTs rather than a block RAM [assumption: Vivado's automatic RAM
/// style for small memories].
constexpr int64_t kLutRamBits = 1024;
constexpr int64_t kLutRamDepth = 64;

/// A FIFO at most this deep is a shift register in LUTs (SRLC32E: 32 bits
/// a LUT) [assumption: Vitis HLS's automatic FIFO implementation].
constexpr int64_t kSrlFifoDepth = 32;

/// The DSP48E2 multiplier is 27 x 18 bits (signed) [calibrated: UltraScale
/// Architecture DSP Slice, UG579]. A product of wider operands takes
/// ceil(a / 27) x ceil(b / 18) slices; one of at most kLutMultiplyBits
/// (product of the widths) is built in LUTs [assumption].
constexpr int64_t kLutMultiplyBits = 100;

/// An IEEE single-precision operator: DSP slices, LUTs, flip-flops.
struct FloatUnit {
  int64_t dsp, lut, ff;
};
/// fmul and fadd as Vitis HLS binds them by default on UltraScale+ (the
/// Floating-Point Operator cores fmul "max_dsp" and fadd "full_dsp"): 3
/// and 2 DSP slices [calibrated: the DSP counts AMD's Floating-Point
/// Operator (PG060) and Vitis HLS synthesis reports give for single
/// precision on UltraScale+]; their LUTs and flip-flops [assumption, of the
/// order those reports show].
constexpr FloatUnit kFMul = {3, 100, 150};
constexpr FloatUnit kFAdd = {2, 230, 350};
/// [assumption] for the rest.
constexpr FloatUnit kFDiv = {0, 800, 1400};
constexpr FloatUnit kFCmp = {0, 70, 50};
constexpr FloatUnit kFConvert = {0, 250, 300};
constexpr FloatUnit kFSqrt = {0, 500, 700};
constexpr FloatUnit kFExp = {7, 900, 1000};
constexpr FloatUnit kFLog = {10, 1500, 1600};
constexpr FloatUnit kFTranscendental = {10, 2000, 2000};
constexpr FloatUnit kFSign = {0, 40, 32};

HLSResources unit(const FloatUnit &u, bool pipelined) {
  return {0, 0, u.dsp, u.lut, pipelined ? u.ff : u.ff / 2};
}

/// A multiplier of `a` x `b` bits.
HLSResources multiplier(int64_t a, int64_t b, bool pipelined) {
  if (a < b)
    std::swap(a, b);
  HLSResources r;
  if (a * b <= kLutMultiplyBits)
    r.lut = a * b / 2 + 1;
  else
    r.dsp = ceilDiv(a, 27) * ceilDiv(b, 18);
  r.lut += 20;
  r.ff = pipelined ? a + b : 0;
  return r;
}

/// An operator of `bits` LUTs (an adder's carry chain, a comparator, a
/// multiplexer, a logic op), registered when pipelined.
HLSResources fabric(int64_t bits, bool pipelined) {
  return {0, 0, 0, bits, pipelined ? bits : 0};
}

int64_t intBits(Type type) {
  // index is emitted as int.
  if (type.isIndex())
    return 32;
  if (auto integer = dyn_cast<IntegerType>(type))
    return integer.getWidth();
  return 32;
}

bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

} // namespace

HLSResources HLSResources::max(const HLSResources &a, const HLSResources &b) {
  return {std::max(a.bram18k, b.bram18k), std::max(a.uram, b.uram),
          std::max(a.dsp, b.dsp), std::max(a.lut, b.lut), std::max(a.ff, b.ff)};
}

int64_t HLSResourceModel::elementBits(Type elementType, bool weight) const {
  if (elementType.isF32())
    return fixed ? (weight ? weightWidth : actWidth) : 32;
  if (elementType.isIndex())
    return 32;
  if (elementType.isIntOrFloat())
    return elementType.getIntOrFloatBitWidth();
  return 32;
}

HLSResources HLSResourceModel::op(Operation *op, bool weightOperand,
                                  bool pipelined) const {
  Type type = op->getNumResults() ? op->getResult(0).getType() : Type();
  bool isFloat = type && type.isF32();
  if (!isFloat && op->getNumOperands() && isa<arith::CmpFOp>(op))
    isFloat = op->getOperand(0).getType().isF32();
  // f32 in fixed point: ap_fixed arithmetic in the fabric and DSPs.
  if (isFloat && fixed) {
    auto floatPath = [&](const FloatUnit &u) {
      // m3sat_hls.h computes math functions of ap_fixed values in float.
      HLSResources r = unit(u, pipelined);
      r += unit(kFConvert, pipelined) * 2;
      return r;
    };
    return llvm::TypeSwitch<Operation *, HLSResources>(op)
        .Case<arith::MulFOp>([&](auto) {
          return multiplier(actWidth, weightOperand ? weightWidth : actWidth,
                            pipelined);
        })
        .Case<math::FmaOp>([&](auto) {
          HLSResources r = multiplier(actWidth, actWidth, pipelined);
          r += fabric(actWidth, pipelined);
          return r;
        })
        .Case<arith::AddFOp, arith::SubFOp, arith::NegFOp, arith::CmpFOp,
              arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
              arith::MinNumFOp, arith::SelectOp, math::AbsFOp>(
            [&](auto) { return fabric(actWidth, pipelined); })
        .Case<arith::DivFOp, arith::RemFOp>([&](auto) {
          return HLSResources{0, 0, 0, actWidth * actWidth,
                              pipelined ? actWidth * actWidth : 0};
        })
        .Case<math::ExpOp, math::Exp2Op, math::ExpM1Op>(
            [&](auto) { return floatPath(kFExp); })
        .Case<math::LogOp, math::Log2Op, math::Log10Op, math::Log1pOp>(
            [&](auto) { return floatPath(kFLog); })
        .Case<math::SqrtOp>([&](auto) { return floatPath(kFSqrt); })
        .Case<math::RsqrtOp>([&](auto) {
          HLSResources r = floatPath(kFSqrt);
          r += unit(kFDiv, pipelined);
          return r;
        })
        .Case<arith::SIToFPOp, arith::UIToFPOp, arith::FPToSIOp,
              arith::FPToUIOp>(
            [&](auto) { return fabric(actWidth, pipelined); })
        .Default([&](Operation *other) {
          if (isa<math::MathDialect>(other->getDialect()))
            return floatPath(kFTranscendental);
          return HLSResources();
        });
  }
  if (isFloat || isa<arith::CmpFOp, arith::FPToSIOp, arith::FPToUIOp>(op)) {
    return llvm::TypeSwitch<Operation *, HLSResources>(op)
        .Case<arith::MulFOp>([&](auto) { return unit(kFMul, pipelined); })
        .Case<arith::AddFOp, arith::SubFOp>(
            [&](auto) { return unit(kFAdd, pipelined); })
        .Case<math::FmaOp>([&](auto) {
          HLSResources r = unit(kFMul, pipelined);
          r += unit(kFAdd, pipelined);
          return r;
        })
        .Case<arith::DivFOp, arith::RemFOp>(
            [&](auto) { return unit(kFDiv, pipelined); })
        .Case<arith::CmpFOp, arith::MaximumFOp, arith::MinimumFOp,
              arith::MaxNumFOp, arith::MinNumFOp>(
            [&](auto) { return unit(kFCmp, pipelined); })
        .Case<arith::SIToFPOp, arith::UIToFPOp, arith::FPToSIOp,
              arith::FPToUIOp>([&](auto) { return unit(kFConvert, pipelined); })
        .Case<arith::SelectOp>([&](auto) { return fabric(32, pipelined); })
        .Case<arith::NegFOp, math::AbsFOp, math::CopySignOp, math::FloorOp,
              math::CeilOp, math::TruncOp, math::RoundOp, math::RoundEvenOp>(
            [&](auto) { return unit(kFSign, pipelined); })
        .Case<math::SqrtOp>([&](auto) { return unit(kFSqrt, pipelined); })
        .Case<math::RsqrtOp>([&](auto) {
          HLSResources r = unit(kFSqrt, pipelined);
          r += unit(kFDiv, pipelined);
          return r;
        })
        .Case<math::ExpOp, math::Exp2Op, math::ExpM1Op>(
            [&](auto) { return unit(kFExp, pipelined); })
        .Case<math::LogOp, math::Log2Op, math::Log10Op, math::Log1pOp>(
            [&](auto) { return unit(kFLog, pipelined); })
        .Default([&](Operation *other) {
          if (isa<math::MathDialect>(other->getDialect()))
            return unit(kFTranscendental, pipelined);
          return HLSResources();
        });
  }
  // Integers and indices.
  int64_t bits = type ? intBits(type) : 32;
  if (isa<arith::CmpIOp>(op))
    bits = intBits(op->getOperand(0).getType());
  return llvm::TypeSwitch<Operation *, HLSResources>(op)
      .Case<arith::MulIOp>([&](auto) {
        // By a constant: shifts and adds.
        if (isConstant(op->getOperand(0)) || isConstant(op->getOperand(1)))
          return fabric(bits, pipelined);
        return multiplier(bits, bits, pipelined);
      })
      .Case<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
            arith::FloorDivSIOp, arith::CeilDivSIOp, arith::CeilDivUIOp>(
          [&](auto) {
            // By a constant: a multiplication by the reciprocal.
            if (isConstant(op->getOperand(1)))
              return multiplier(bits, bits, pipelined);
            // [assumption] a radix-2 divider, one stage per bit.
            return HLSResources{0, 0, 0, bits * 35, bits * 35};
          })
      .Case<arith::AddIOp, arith::SubIOp, arith::CmpIOp, arith::AndIOp,
            arith::OrIOp, arith::XOrIOp, arith::ShLIOp, arith::ShRSIOp,
            arith::ShRUIOp, arith::SelectOp, arith::MaxSIOp, arith::MinSIOp,
            arith::MaxUIOp, arith::MinUIOp>(
          [&](auto) { return fabric(bits, pipelined); })
      .Case<math::IPowIOp>([&](auto) {
        HLSResources r = multiplier(bits, bits, pipelined);
        r += fabric(bits, pipelined);
        return r;
      })
      .Default([](Operation *) { return HLSResources(); });
}

HLSResources m3sat::arrayResources(int64_t elements, int64_t bits,
                                   int64_t banks) {
  HLSResources r;
  if (elements <= 0 || bits <= 0)
    return r;
  banks = std::clamp<int64_t>(banks, 1, elements);
  int64_t depth = ceilDiv(elements, banks);
  HLSResources bank;
  if (depth <= 2) {
    // Registers.
    bank.ff = depth * bits;
    bank.lut = depth > 1 ? bits : 0;
  } else if (depth * bits <= kLutRamBits || depth <= kLutRamDepth) {
    // Distributed RAM: a LUT holds 64 bits of one column; plus the output
    // register [assumption].
    bank.lut = ceilDiv(depth, 64) * bits;
    bank.ff = bits;
  } else {
    int64_t blocks = INT64_MAX;
    for (auto [width, rows] : kBram18kShapes)
      blocks = std::min(blocks, ceilDiv(bits, width) * ceilDiv(depth, rows));
    bank.bram18k = blocks;
  }
  return bank * banks;
}

HLSResources m3sat::fifoResources(int64_t depth, int64_t bits) {
  // Read and write pointers, full and empty flags [assumption].
  HLSResources r{0, 0, 0, 30, 30};
  if (depth <= kSrlFifoDepth) {
    r.lut += bits * ceilDiv(depth, 32);
    r.ff += bits;
    return r;
  }
  r += arrayResources(depth, bits, 1);
  return r;
}

HLSResources m3sat::loopResources(bool pipelined) {
  // A 32-bit counter and exit test, and the states of the FSM; a pipeline
  // adds its stage enables [assumption].
  return pipelined ? HLSResources{0, 0, 0, 100, 150}
                   : HLSResources{0, 0, 0, 40, 40};
}

HLSResources m3sat::maxiResources() {
  // Read and write data FIFOs for 16 outstanding bursts of 16 beats (one
  // 18 Kb block RAM each), the address channels and the burst logic
  // [assumption, of the order Vitis HLS reports for a 32-bit m_axi
  // adapter].
  return {2, 0, 0, 1500, 2000};
}

HLSResources m3sat::axiliteResources(int64_t ports) {
  // The control registers and the address decoder [assumption].
  return {0, 0, 0, 300 + 40 * ports, 300 + 64 * ports};
}
