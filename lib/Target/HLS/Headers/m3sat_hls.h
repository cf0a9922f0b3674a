//===- m3sat_hls.h - types and math of m3sat's generated HLS C++ ----------===//
//
// Included by every HLS C++ file m3sat emits. It names the element types of
// activations and weights (float here; the typedefs are the one place a
// fixed-point build changes) and the math the emitted code calls: Xilinx's
// hls_math under __SYNTHESIS__ (Vitis HLS), <cmath> for C simulation with an
// ordinary C++ compiler. Written for m3sat; C++14 or later.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_HLS_H
#define M3SAT_HLS_H

#include <cstdint>
#include <limits>

#ifdef __SYNTHESIS__
#include <hls_math.h>
#else
#include <cmath>
#endif

/// Element type of activations, local buffers and scalar float arithmetic.
typedef float m3sat_act_t;
/// Element type of the weight ports.
typedef float m3sat_weight_t;

namespace m3sat_hls {

#ifdef __SYNTHESIS__
#define M3SAT_HLS_MATH_NS hls
#else
#define M3SAT_HLS_MATH_NS std
#endif

// One overload per floating-point type the emitter prints.
#define M3SAT_HLS_UNARY(name, impl)                                            \
  inline float name(float x) { return M3SAT_HLS_MATH_NS::impl(x); }           \
  inline double name(double x) { return M3SAT_HLS_MATH_NS::impl(x); }
#define M3SAT_HLS_BINARY(name, impl)                                           \
  inline float name(float x, float y) {                                        \
    return M3SAT_HLS_MATH_NS::impl(x, y);                                      \
  }                                                                            \
  inline double name(double x, double y) {                                     \
    return M3SAT_HLS_MATH_NS::impl(x, y);                                      \
  }

M3SAT_HLS_UNARY(exp, exp)
M3SAT_HLS_UNARY(exp2, exp2)
M3SAT_HLS_UNARY(expm1, expm1)
M3SAT_HLS_UNARY(log, log)
M3SAT_HLS_UNARY(log2, log2)
M3SAT_HLS_UNARY(log10, log10)
M3SAT_HLS_UNARY(log1p, log1p)
M3SAT_HLS_UNARY(sqrt, sqrt)
M3SAT_HLS_UNARY(tanh, tanh)
M3SAT_HLS_UNARY(erf, erf)
M3SAT_HLS_UNARY(sin, sin)
M3SAT_HLS_UNARY(cos, cos)
M3SAT_HLS_UNARY(atan, atan)
M3SAT_HLS_UNARY(abs, fabs)
M3SAT_HLS_UNARY(floor, floor)
M3SAT_HLS_UNARY(ceil, ceil)
M3SAT_HLS_UNARY(trunc, trunc)
M3SAT_HLS_UNARY(round, round)
M3SAT_HLS_BINARY(pow, pow)
M3SAT_HLS_BINARY(atan2, atan2)
M3SAT_HLS_BINARY(copysign, copysign)
M3SAT_HLS_BINARY(rem, fmod)
M3SAT_HLS_BINARY(maxnum, fmax)
M3SAT_HLS_BINARY(minnum, fmin)

#undef M3SAT_HLS_UNARY
#undef M3SAT_HLS_BINARY

/// The special values float literals cannot spell.
template <typename T> inline T infinity() {
  return std::numeric_limits<T>::infinity();
}
template <typename T> inline T nan() {
  return std::numeric_limits<T>::quiet_NaN();
}

/// 1 / sqrt(x).
inline float rsqrt(float x) { return 1.0f / M3SAT_HLS_MATH_NS::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / M3SAT_HLS_MATH_NS::sqrt(x); }

/// Round half to even (math.roundeven).
inline float roundeven(float x) {
  float r = M3SAT_HLS_MATH_NS::round(x);
  if (M3SAT_HLS_MATH_NS::fabs(x - M3SAT_HLS_MATH_NS::trunc(x)) == 0.5f)
    r = 2.0f * M3SAT_HLS_MATH_NS::round(x * 0.5f);
  return r;
}
inline double roundeven(double x) {
  double r = M3SAT_HLS_MATH_NS::round(x);
  if (M3SAT_HLS_MATH_NS::fabs(x - M3SAT_HLS_MATH_NS::trunc(x)) == 0.5)
    r = 2.0 * M3SAT_HLS_MATH_NS::round(x * 0.5);
  return r;
}

/// a * b + c (math.fma), fused as the platform's fma is.
inline float fma(float a, float b, float c) {
  return M3SAT_HLS_MATH_NS::fma(a, b, c);
}
inline double fma(double a, double b, double c) {
  return M3SAT_HLS_MATH_NS::fma(a, b, c);
}

/// arith.maximumf / arith.minimumf: NaN if either operand is NaN, and
/// -0 < +0.
template <typename T> inline T maximum(T a, T b) {
  if (a != a)
    return a;
  if (b != b)
    return b;
  if (a == b)
    return M3SAT_HLS_MATH_NS::signbit(a) ? b : a;
  return a > b ? a : b;
}
template <typename T> inline T minimum(T a, T b) {
  if (a != a)
    return a;
  if (b != b)
    return b;
  if (a == b)
    return M3SAT_HLS_MATH_NS::signbit(a) ? a : b;
  return a < b ? a : b;
}

#undef M3SAT_HLS_MATH_NS

} // namespace m3sat_hls

#endif // M3SAT_HLS_H
