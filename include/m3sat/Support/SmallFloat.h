//===- SmallFloat.h - ONNX casts to 8- and 4-bit floats ---------*- C++ -*-===//
//
// Encoding an f32 into FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2,
// FLOAT8E5M2FNUZ, FLOAT4E2M1 and FLOAT8E8M0 codes with ONNX Cast semantics
// (round to nearest even; `saturate` clamps out-of-range values and
// infinities to the largest finite value, otherwise they become Inf where
// the type has it, else NaN; E8M0 rounds by `round_mode`). LLVM cannot
// lower arith.truncf to these types on a CPU, and arith.truncf has no
// saturation, so the importer emits the encoding as integer ops on the
// f32 bits. The algorithm is written once over an "Ops" policy: ScalarOps
// runs it on uint32_t (for unit tests against APFloat and for folding);
// the importer instantiates it with arith builders.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_SMALLFLOAT_H
#define M3SAT_SUPPORT_SMALLFLOAT_H

#include <cstdint>

namespace m3sat {

/// A small float format with sign, exponent and mantissa fields.
struct SmallFloatFormat {
  unsigned bits;     // 8 or 4
  unsigned mantissa; // mantissa bits
  int bias;          // exponent bias
  uint32_t maxCode;  // largest finite magnitude code
  bool hasInf;       // E5M2: Inf is 0x7C
  bool fnuz;         // no negative zero, NaN is 0x80 (the sign bit)
  bool hasNaN;       // FLOAT4E2M1 has none: NaN becomes 0x8
};

inline constexpr SmallFloatFormat kFloat8E4M3FN{8,     3,     7,   0x7E,
                                                false, false, true};
inline constexpr SmallFloatFormat kFloat8E4M3FNUZ{8,     3,    8,   0x7F,
                                                  false, true, true};
inline constexpr SmallFloatFormat kFloat8E5M2{8,    2,     15,  0x7B,
                                              true, false, true};
inline constexpr SmallFloatFormat kFloat8E5M2FNUZ{8,     2,    16,  0x7F,
                                                  false, true, true};
inline constexpr SmallFloatFormat kFloat4E2M1{4,     1,     1,    0x7,
                                              false, false, false};

/// ONNX Cast's `round_mode` for FLOAT8E8M0 (opset 24).
enum class E8M0Rounding { Up, Down, Nearest };

/// The policy that runs the encoders on plain integers.
struct ScalarOps {
  using Int = uint32_t;
  using Bool = bool;
  Int c(uint32_t v) { return v; }
  Int add(Int a, Int b) { return a + b; }
  Int sub(Int a, Int b) { return a - b; }
  Int band(Int a, Int b) { return a & b; }
  Int bor(Int a, Int b) { return a | b; }
  Int shl(Int a, Int b) { return a << b; }
  Int shr(Int a, Int b) { return a >> b; }
  Int umin(Int a, Int b) { return a < b ? a : b; }
  Bool ugt(Int a, Int b) { return a > b; }
  Bool ult(Int a, Int b) { return a < b; }
  Bool eq(Int a, Int b) { return a == b; }
  Bool both(Bool a, Bool b) { return a && b; }
  Bool either(Bool a, Bool b) { return a || b; }
  Int zext(Bool a) { return a ? 1 : 0; }
  Int select(Bool p, Int a, Int b) { return p ? a : b; }
};

/// The code (in the low `format.bits` bits) of the f32 whose bits are `u`.
template <typename Ops>
typename Ops::Int encodeSmallFloat(Ops &o, typename Ops::Int u,
                                   const SmallFloatFormat &format,
                                   bool saturate) {
  using Int = typename Ops::Int;
  const unsigned m = format.mantissa, shift = 23 - m;
  const uint32_t signShift = format.bits - 1;
  Int sign = o.shr(u, o.c(31));
  Int a = o.band(u, o.c(0x7FFFFFFF));
  auto isNaN = o.ugt(a, o.c(0x7F800000));
  // Normal results: round the f32 mantissa to m bits (ties to even) and
  // rebias the exponent; a carry moves into the exponent as it should.
  Int rounded = o.add(o.add(a, o.c((1u << (shift - 1)) - 1)),
                      o.band(o.shr(a, o.c(shift)), o.c(1)));
  Int normal = o.sub(o.shr(rounded, o.c(shift)),
                     o.c(static_cast<uint32_t>(127 - format.bias) << m));
  // Subnormal results: the significand (implicit bit included) shifted to
  // units of the smallest subnormal, rounded to nearest even.
  Int exponent = o.shr(a, o.c(23));
  auto isDenormal = o.eq(exponent, o.c(0));
  Int significand = o.bor(o.band(a, o.c(0x7FFFFF)),
                          o.select(isDenormal, o.c(0), o.c(0x800000)));
  Int e = o.select(isDenormal, o.c(1), exponent);
  // For these inputs e <= 127 - bias, so the shift is at least 24 - m.
  Int by =
      o.umin(o.sub(o.c(static_cast<uint32_t>(151 - format.bias - int(m))), e),
             o.c(31));
  Int q = o.shr(significand, by);
  Int rem = o.band(significand, o.sub(o.shl(o.c(1), by), o.c(1)));
  Int half = o.shl(o.c(1), o.sub(by, o.c(1)));
  auto up = o.either(o.ugt(rem, half),
                     o.both(o.eq(rem, half), o.eq(o.band(q, o.c(1)), o.c(1))));
  Int subnormal = o.add(q, o.zext(up));
  auto isSubnormal =
      o.ult(a, o.c(static_cast<uint32_t>(128 - format.bias) << 23));
  Int code = o.select(isSubnormal, subnormal, normal);
  auto overflow = o.ugt(code, o.c(format.maxCode));
  uint32_t overflowCode = format.maxCode;
  if (!saturate && format.hasInf)
    overflowCode = format.maxCode + 1;
  else if (!saturate && !format.fnuz && format.hasNaN)
    overflowCode = (1u << signShift) - 1; // the NaN magnitude
  code = o.select(overflow, o.c(overflowCode), code);
  Int signedCode = o.bor(o.shl(sign, o.c(signShift)), code);
  if (format.fnuz) {
    auto toNaN = isNaN;
    if (!saturate)
      toNaN = o.either(isNaN, overflow);
    return o.select(toNaN, o.c(0x80),
                    o.select(o.eq(code, o.c(0)), o.c(0), signedCode));
  }
  if (!format.hasNaN)
    return o.select(isNaN, o.c(1u << signShift), signedCode);
  return o.select(
      isNaN, o.bor(o.shl(sign, o.c(signShift)), o.c((1u << signShift) - 1)),
      signedCode);
}

/// The FLOAT8E8M0 code of the f32 whose bits are `u` (the sign is ignored;
/// NaN and Inf become 0xFF; `saturate` keeps 0xFE from rounding to 0xFF).
template <typename Ops>
typename Ops::Int encodeE8M0(Ops &o, typename Ops::Int u, bool saturate,
                             E8M0Rounding rounding) {
  using Int = typename Ops::Int;
  Int exponent = o.band(o.shr(u, o.c(23)), o.c(0xFF));
  Int fraction = o.band(u, o.c(0x7FFFFF));
  auto special = o.eq(exponent, o.c(0xFF));
  auto up = o.eq(o.c(0), o.c(1));
  if (rounding == E8M0Rounding::Up) {
    up = o.ugt(fraction, o.c(0));
  } else if (rounding == E8M0Rounding::Nearest) {
    // Guard bit set, and any lower bit set or the value normal.
    auto guard = o.ugt(o.band(u, o.c(0x400000)), o.c(0));
    auto rest = o.ugt(o.band(u, o.c(0x3FFFFF)), o.c(0));
    up = o.both(guard, o.either(rest, o.ugt(exponent, o.c(0))));
  }
  if (saturate)
    up = o.both(up, o.ult(exponent, o.c(0xFE)));
  return o.select(special, o.c(0xFF), o.add(exponent, o.zext(up)));
}

} // namespace m3sat

#endif // M3SAT_SUPPORT_SMALLFLOAT_H
