//===- SmallFloatTest.cpp - ONNX casts to 8- and 4-bit floats -------------===//
//
// encodeSmallFloat against LLVM's APFloat (round to nearest even; overflow
// to Inf or NaN as the type has them) over every code and every f16 value,
// its saturation against clamping, and encodeE8M0 against the rounding
// rules of ONNX Cast-24.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Support/SmallFloat.h"

#include "llvm/ADT/APFloat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace m3sat;
using llvm::APFloat;

namespace {

struct Case {
  const char *name;
  const SmallFloatFormat &format;
  const llvm::fltSemantics &semantics;
};

const Case kCases[] = {
    {"E4M3FN", kFloat8E4M3FN, APFloat::Float8E4M3FN()},
    {"E4M3FNUZ", kFloat8E4M3FNUZ, APFloat::Float8E4M3FNUZ()},
    {"E5M2", kFloat8E5M2, APFloat::Float8E5M2()},
    {"E5M2FNUZ", kFloat8E5M2FNUZ, APFloat::Float8E5M2FNUZ()},
    {"E2M1FN", kFloat4E2M1, APFloat::Float4E2M1FN()},
};

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

uint32_t encode(float value, const SmallFloatFormat &format, bool saturate) {
  ScalarOps ops;
  return encodeSmallFloat(ops, bitsOf(value), format, saturate);
}

/// The code APFloat rounds `value` to (to nearest, ties to even).
APFloat apConvert(float value, const llvm::fltSemantics &semantics) {
  APFloat converted(value);
  bool lost;
  converted.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
  return converted;
}

float decode(uint32_t code, const Case &c) {
  return APFloat(c.semantics, llvm::APInt(c.format.bits, code))
      .convertToFloat();
}

float largest(const Case &c) { return decode(c.format.maxCode, c); }

TEST(SmallFloatTest, EveryCodeRoundTrips) {
  for (const Case &c : kCases) {
    for (uint32_t code = 0; code < (1u << c.format.bits); ++code) {
      float value = decode(code, c);
      uint32_t encoded = encode(value, c.format, /*saturate=*/false);
      if (std::isnan(value))
        EXPECT_TRUE(std::isnan(decode(encoded, c))) << c.name << " " << code;
      else
        EXPECT_EQ(encoded, code) << c.name << " code " << code;
    }
  }
}

TEST(SmallFloatTest, EveryHalfRoundsAsAPFloat) {
  for (const Case &c : kCases) {
    bool finiteOnly = !c.format.hasNaN;
    for (uint32_t half = 0; half < 0x10000; ++half) {
      APFloat h(APFloat::IEEEhalf(), llvm::APInt(16, half));
      float value = h.convertToFloat();
      if (finiteOnly && (std::isnan(value) || std::fabs(value) > largest(c)))
        continue; // APFloat has no result for these; see FourBitRules.
      APFloat want = apConvert(value, c.semantics);
      uint32_t got = encode(value, c.format, /*saturate=*/false);
      if (want.isNaN()) {
        EXPECT_TRUE(std::isnan(decode(got, c))) << c.name << " " << value;
        continue;
      }
      EXPECT_EQ(got, want.bitcastToAPInt().getZExtValue())
          << c.name << " of " << value;
    }
  }
}

TEST(SmallFloatTest, SampledFloatsRoundAsAPFloat) {
  for (const Case &c : kCases) {
    for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += 65521) {
      float value;
      uint32_t u = static_cast<uint32_t>(bits);
      std::memcpy(&value, &u, 4);
      if (!c.format.hasNaN &&
          (std::isnan(value) || std::fabs(value) > largest(c)))
        continue;
      APFloat want = apConvert(value, c.semantics);
      uint32_t got = encode(value, c.format, /*saturate=*/false);
      if (want.isNaN())
        EXPECT_TRUE(std::isnan(decode(got, c))) << c.name << " " << value;
      else
        EXPECT_EQ(got, want.bitcastToAPInt().getZExtValue())
            << c.name << " of " << value;
    }
  }
}

TEST(SmallFloatTest, SaturationClampsFirst) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const Case &c : kCases) {
    float max = largest(c);
    for (float value :
         {inf, -inf, 1e6f, -1e6f, max * 1.5f, -max * 1.06f, max, 0.3f, -2.5f}) {
      float clamped = std::fmin(std::fmax(value, -max), max);
      EXPECT_EQ(encode(value, c.format, /*saturate=*/true),
                encode(clamped, c.format, /*saturate=*/false))
          << c.name << " of " << value;
    }
    EXPECT_TRUE(std::isnan(decode(
                    encode(std::nanf(""), c.format, /*saturate=*/true), c)) ||
                !c.format.hasNaN);
  }
}

TEST(SmallFloatTest, NonSaturatingOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  // E4M3FN: no Inf, overflow is NaN (0x7F / 0xFF); E5M2: Inf (0x7C).
  EXPECT_EQ(encode(1e6f, kFloat8E4M3FN, false), 0x7Fu);
  EXPECT_EQ(encode(-inf, kFloat8E4M3FN, false), 0xFFu);
  EXPECT_EQ(encode(1e6f, kFloat8E5M2, false), 0x7Cu);
  EXPECT_EQ(encode(-inf, kFloat8E5M2, false), 0xFCu);
  // FNUZ: NaN is 0x80 and there is no negative zero.
  EXPECT_EQ(encode(-inf, kFloat8E4M3FNUZ, false), 0x80u);
  EXPECT_EQ(encode(-0.0f, kFloat8E5M2FNUZ, false), 0x00u);
  EXPECT_EQ(encode(-1e-9f, kFloat8E4M3FNUZ, false), 0x00u);
  // 464 is halfway between 448 and the NaN code: ties to even, 448.
  EXPECT_EQ(encode(464.0f, kFloat8E4M3FN, false), 0x7Eu);
  EXPECT_EQ(encode(465.0f, kFloat8E4M3FN, false), 0x7Fu);
}

TEST(SmallFloatTest, FourBitRules) {
  const float inf = std::numeric_limits<float>::infinity();
  // FLOAT4E2M1 has no Inf or NaN: out of range saturates; NaN is 0x8
  // (as the ONNX reference computes it); ties go to even.
  EXPECT_EQ(encode(inf, kFloat4E2M1, false), 0x7u);
  EXPECT_EQ(encode(-9.0f, kFloat4E2M1, false), 0xFu);
  EXPECT_EQ(encode(std::nanf(""), kFloat4E2M1, false), 0x8u);
  EXPECT_EQ(encode(0.25f, kFloat4E2M1, false), 0x0u);
  EXPECT_EQ(encode(-3.5f, kFloat4E2M1, false), 0xEu);
  EXPECT_EQ(encode(1.05f, kFloat4E2M1, false), 0x2u);
}

uint32_t e8m0(float value, bool saturate, E8M0Rounding rounding) {
  ScalarOps ops;
  return encodeE8M0(ops, bitsOf(value), saturate, rounding);
}

TEST(SmallFloatTest, E8M0RoundModes) {
  using R = E8M0Rounding;
  const float inf = std::numeric_limits<float>::infinity();
  // The code is the biased exponent; 0 stands for 2^-127.
  EXPECT_EQ(e8m0(0.0f, true, R::Up), 0u);
  EXPECT_EQ(e8m0(0.124f, true, R::Up), 124u);
  EXPECT_EQ(e8m0(1.1f, true, R::Up), 128u);
  EXPECT_EQ(e8m0(2.0f, true, R::Up), 128u);
  EXPECT_EQ(e8m0(1.9f, true, R::Down), 127u);
  EXPECT_EQ(e8m0(1.4f, true, R::Nearest), 127u);
  EXPECT_EQ(e8m0(1.5f, true, R::Nearest), 128u);
  EXPECT_EQ(e8m0(-4.0f, true, R::Up), 129u); // no sign
  EXPECT_EQ(e8m0(std::nanf(""), true, R::Up), 0xFFu);
  EXPECT_EQ(e8m0(inf, true, R::Up), 0xFFu);
  // Above 2^127: saturation keeps 0xFE, else rounding up gives NaN.
  float big = std::ldexp(1.5f, 127);
  EXPECT_EQ(e8m0(big, true, R::Up), 0xFEu);
  EXPECT_EQ(e8m0(big, false, R::Up), 0xFFu);
  EXPECT_EQ(e8m0(big, false, R::Down), 0xFEu);
  // Every power of two is exact in every mode.
  for (int e = -126; e <= 127; ++e)
    for (R r : {R::Up, R::Down, R::Nearest})
      EXPECT_EQ(e8m0(std::ldexp(1.0f, e), false, r), uint32_t(e + 127));
}

} // namespace
