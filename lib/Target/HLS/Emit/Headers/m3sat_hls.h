//===- m3sat_hls.h - types and math of m3sat's generated HLS C++ ----------===//
//
// Included by every HLS C++ file m3sat emits. It names the element types of
// activations and weights and the math the emitted code calls: Xilinx's
// hls_math under __SYNTHESIS__ (Vitis HLS), <cmath> for C simulation with an
// ordinary C++ compiler. Written for m3sat; C++14 or later.
//
// Numerics: float, unless the file that includes this header defines
// M3SAT_HLS_FIXED (m3sat-compile --hls-fixed emits it, with the widths
// M3SAT_HLS_ACT_W/_I and M3SAT_HLS_WEIGHT_W/_I): then activations are
// ap_fixed<ACT_W, ACT_I> and weights ap_fixed<WEIGHT_W, WEIGHT_I>, from
// Xilinx's <ap_fixed.h> under __SYNTHESIS__ and from m3sat_ap_fixed.h (the
// same semantics, m3sat's own) otherwise. Math functions of fixed-point
// values compute in float on the converted value and convert back.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_HLS_H
#define M3SAT_HLS_H

#include <cstdint>
#include <limits>
#include <type_traits>

#ifdef __SYNTHESIS__
#include <hls_math.h>
#else
#include <cmath>
#endif

#ifdef M3SAT_HLS_FIXED
#ifdef __SYNTHESIS__
#include <ap_fixed.h>
#else
#include "m3sat_ap_fixed.h"
#endif
#ifndef M3SAT_HLS_ACT_W
#define M3SAT_HLS_ACT_W 32
#define M3SAT_HLS_ACT_I 10
#endif
#ifndef M3SAT_HLS_WEIGHT_W
#define M3SAT_HLS_WEIGHT_W 16
#define M3SAT_HLS_WEIGHT_I 2
#endif
/// Element type of activations, local buffers and scalar f32 arithmetic.
typedef ap_fixed<M3SAT_HLS_ACT_W, M3SAT_HLS_ACT_I> m3sat_act_t;
/// Element type of the weight ports.
typedef ap_fixed<M3SAT_HLS_WEIGHT_W, M3SAT_HLS_WEIGHT_I> m3sat_weight_t;
#else
/// Element type of activations, local buffers and scalar f32 arithmetic.
typedef float m3sat_act_t;
/// Element type of the weight ports.
typedef float m3sat_weight_t;
#endif

// Channels between the stages of a DATAFLOW region (m3sat-compile
// --hls-dataflow): a FIFO is an m3sat_stream<T>, Xilinx's hls::stream under
// __SYNTHESIS__ and m3sat_hls::stream (below) otherwise; a ping-pong channel
// is an array local to the region function, declared M3SAT_HLS_PIPO: static
// storage in C simulation (no stack overflow), a plain local for synthesis.
#ifdef __SYNTHESIS__
#include <hls_stream.h>
template <typename T> using m3sat_stream = hls::stream<T>;
#define M3SAT_HLS_PIPO
#else
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
namespace m3sat_hls {
/// A FIFO for C simulation. The stages of a region run one after another
/// here, so it holds every value its producer writes until the consumer
/// runs (in hardware the stages overlap and the FIFO's depth suffices).
/// Reading an empty stream, or leaving values unread, is a bug in the
/// channel: the simulation stops with a message.
template <typename T> class stream {
public:
  stream() = default;
  stream(const stream &) = delete;
  stream &operator=(const stream &) = delete;
  ~stream() {
    if (!values.empty()) {
      std::fprintf(stderr, "m3sat_hls::stream: %zu values never read\n",
                   values.size());
      std::abort();
    }
  }
  void write(const T &value) { values.push_back(value); }
  T read() {
    if (values.empty()) {
      std::fprintf(stderr, "m3sat_hls::stream: read from an empty stream\n");
      std::abort();
    }
    T value = values.front();
    values.pop_front();
    return value;
  }
  bool empty() const { return values.empty(); }
  std::size_t size() const { return values.size(); }

private:
  std::deque<T> values;
};
} // namespace m3sat_hls
template <typename T> using m3sat_stream = m3sat_hls::stream<T>;
#define M3SAT_HLS_PIPO static
#endif

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

#ifdef M3SAT_HLS_FIXED
// Fixed point: computed in float on the converted values.
#define M3SAT_HLS_FIXED_UNARY(name, impl)                                      \
  inline m3sat_act_t name(m3sat_act_t x) {                                     \
    return m3sat_act_t(M3SAT_HLS_MATH_NS::impl(x.to_float()));                 \
  }
#define M3SAT_HLS_FIXED_BINARY(name, impl)                                     \
  inline m3sat_act_t name(m3sat_act_t x, m3sat_act_t y) {                      \
    return m3sat_act_t(M3SAT_HLS_MATH_NS::impl(x.to_float(), y.to_float()));   \
  }
M3SAT_HLS_FIXED_UNARY(exp, exp)
M3SAT_HLS_FIXED_UNARY(exp2, exp2)
M3SAT_HLS_FIXED_UNARY(expm1, expm1)
M3SAT_HLS_FIXED_UNARY(log, log)
M3SAT_HLS_FIXED_UNARY(log2, log2)
M3SAT_HLS_FIXED_UNARY(log10, log10)
M3SAT_HLS_FIXED_UNARY(log1p, log1p)
M3SAT_HLS_FIXED_UNARY(sqrt, sqrt)
M3SAT_HLS_FIXED_UNARY(tanh, tanh)
M3SAT_HLS_FIXED_UNARY(erf, erf)
M3SAT_HLS_FIXED_UNARY(sin, sin)
M3SAT_HLS_FIXED_UNARY(cos, cos)
M3SAT_HLS_FIXED_UNARY(atan, atan)
M3SAT_HLS_FIXED_UNARY(abs, fabs)
M3SAT_HLS_FIXED_UNARY(floor, floor)
M3SAT_HLS_FIXED_UNARY(ceil, ceil)
M3SAT_HLS_FIXED_UNARY(trunc, trunc)
M3SAT_HLS_FIXED_UNARY(round, round)
M3SAT_HLS_FIXED_BINARY(pow, pow)
M3SAT_HLS_FIXED_BINARY(atan2, atan2)
M3SAT_HLS_FIXED_BINARY(copysign, copysign)
M3SAT_HLS_FIXED_BINARY(rem, fmod)
M3SAT_HLS_FIXED_BINARY(maxnum, fmax)
M3SAT_HLS_FIXED_BINARY(minnum, fmin)
#undef M3SAT_HLS_FIXED_UNARY
#undef M3SAT_HLS_FIXED_BINARY
#endif

#undef M3SAT_HLS_UNARY
#undef M3SAT_HLS_BINARY

/// The special values float literals cannot spell.
template <typename T> inline T infinity() {
  return std::numeric_limits<T>::infinity();
}
template <typename T> inline T nan() {
  return std::numeric_limits<T>::quiet_NaN();
}

/// An f32 literal so large (|x| >= 2^48) that no fixed-point type of the
/// options holds it: a sentinel such as -FLT_MAX, the start of a max
/// reduction. Float keeps it; fixed point saturates it (see below) instead
/// of wrapping.
template <typename T> inline T huge(float x) { return T(x); }

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

#ifdef M3SAT_HLS_FIXED
/// Fixed point has no infinity or NaN: infinity is the largest value of
/// the type (so that max reductions start below every value), NaN is 0.
constexpr double pow2(int e) {
  return e == 0 ? 1.0 : e > 0 ? 2.0 * pow2(e - 1) : 0.5 * pow2(e + 1);
}
template <> inline m3sat_act_t infinity<m3sat_act_t>() {
  return m3sat_act_t(pow2(M3SAT_HLS_ACT_I - 1) -
                     pow2(M3SAT_HLS_ACT_I - M3SAT_HLS_ACT_W));
}
template <> inline m3sat_act_t nan<m3sat_act_t>() { return m3sat_act_t(0); }
template <> inline m3sat_act_t huge<m3sat_act_t>(float x) {
  return x > 0 ? infinity<m3sat_act_t>()
               : m3sat_act_t(-infinity<m3sat_act_t>());
}

inline m3sat_act_t rsqrt(m3sat_act_t x) {
  return m3sat_act_t(1.0f / M3SAT_HLS_MATH_NS::sqrt(x.to_float()));
}
inline m3sat_act_t roundeven(m3sat_act_t x) {
  return m3sat_act_t(roundeven(x.to_float()));
}
inline m3sat_act_t fma(m3sat_act_t a, m3sat_act_t b, m3sat_act_t c) {
  return m3sat_act_t(a * b + c);
}
/// Fixed point has neither NaN nor -0.
inline m3sat_act_t maximum(m3sat_act_t a, m3sat_act_t b) {
  return a > b ? a : b;
}
inline m3sat_act_t minimum(m3sat_act_t a, m3sat_act_t b) {
  return a < b ? a : b;
}
#endif

/// math.ipowi: base^exponent of signless integers, wrapping as MLIR does
/// (two's complement); a negative exponent gives 1 for base 1, +-1 for base
/// -1 and 0 otherwise (the integer part of base^exponent; base 0 too).
template <typename T> inline T ipowi(T base, T exponent) {
  typedef typename std::make_unsigned<T>::type U;
  if (exponent < 0) {
    if (base == 1)
      return 1;
    if (base == -1)
      return (exponent & 1) ? T(-1) : T(1);
    return 0;
  }
  U result = 1, factor = static_cast<U>(base);
  for (U e = static_cast<U>(exponent); e != 0; e >>= 1) {
    if (e & 1)
      result = static_cast<U>(1u * result * factor);
    factor = static_cast<U>(1u * factor * factor);
  }
  return static_cast<T>(result);
}

/// math.fpowi: a float to an integer power (computed as pow).
template <typename F, typename I> inline F fpowi(F base, I exponent) {
  return pow(base, F(static_cast<double>(exponent)));
}

/// An f32 value (m3sat_act_t) as another arithmetic type (arith.fptosi,
/// fptoui, extf): through double, which holds every fixed-point value the
/// options allow exactly.
template <typename T> inline T from_act(m3sat_act_t x) {
#ifdef M3SAT_HLS_FIXED
  return static_cast<T>(x.to_double());
#else
  return static_cast<T>(x);
#endif
}

#undef M3SAT_HLS_MATH_NS

} // namespace m3sat_hls

#endif // M3SAT_HLS_H
