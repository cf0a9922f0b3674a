//===- m3sat_ap_fixed.h - fixed point for C simulation of m3sat HLS C++ ---===//
//
// The fixed-point type of m3sat's generated HLS C++ when it is compiled
// with an ordinary C++ compiler (C simulation). Under __SYNTHESIS__,
// m3sat_hls.h includes Xilinx's <ap_fixed.h> instead; this header is
// m3sat's own, written from the documented semantics of that type, for
// the subset the emitted code uses:
//
//   ap_fixed<W, I>   two's complement, W bits in all, I of them integer bits
//                    (the sign included), F = W - I fractional bits;
//                    1 <= I <= W <= 64.
//   quantization     AP_TRN: a value with more fractional bits is truncated
//                    toward minus infinity.
//   overflow         AP_WRAP: the bits above the W kept ones are dropped.
//   arithmetic       a + b, a - b, a * b, a / b, -a return a type wide
//                    enough for the exact result (as ap_fixed does), which is
//                    quantized and wrapped only when it is assigned:
//                      + -  <max(F1,F2) + max(I1,I2) + 1, max(I1,I2) + 1>
//                      *    <W1 + W2, I1 + I2>
//                      /    <W1 + F2 + 1, I1 + F2 + 1>, the quotient
//                           truncated toward zero at F1 fractional bits
//                      -a   <W + 1, I + 1>
//                    Division by zero gives the largest magnitude of the
//                    dividend's type with the dividend's sign (hardware
//                    dividers differ; C simulation must not trap).
//   conversions      from float, double and integers (AP_TRN, AP_WRAP; NaN
//                    becomes 0, infinities the largest magnitude of their
//                    sign); to them with to_float(), to_double(), to_int()
//                    and explicit casts (integers truncate toward zero).
//
// Every value is held in a 128-bit integer, so one operation of two
// operands of up to 63 bits is exact. Written for m3sat; C++14 or later,
// GCC or Clang (__int128).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_AP_FIXED_H
#define M3SAT_AP_FIXED_H

#include <cmath>
#include <cstdint>
#include <type_traits>

namespace m3sat_fixed {

typedef __int128 raw_t;
typedef unsigned __int128 uraw_t;

/// `x` kept to its low `w` bits, sign-extended (AP_WRAP).
inline raw_t wrap(raw_t x, int w) {
  if (w >= 128)
    return x;
  const uraw_t mask = (static_cast<uraw_t>(1) << w) - 1;
  uraw_t u = static_cast<uraw_t>(x) & mask;
  if ((u >> (w - 1)) & 1)
    u |= ~mask;
  return static_cast<raw_t>(u);
}

/// `x` (with `from` fractional bits) at `to` fractional bits, truncated
/// toward minus infinity (AP_TRN) when bits are dropped.
inline raw_t align(raw_t x, int from, int to) {
  if (to >= from)
    return static_cast<raw_t>(static_cast<uraw_t>(x) << (to - from));
  // Arithmetic shift: floor division by a power of two.
  return x >> (from - to);
}

/// Number of conversions in this process that wrapped (C simulation only:
/// a testbench reports it).
inline unsigned long long &overflowCount() {
  static unsigned long long count = 0;
  return count;
}

/// `x` wrapped to `w` bits, counting a change of value as an overflow.
inline raw_t wrapCounted(raw_t x, int w) {
  const raw_t wrapped = wrap(x, w);
  if (wrapped != x)
    ++overflowCount();
  return wrapped;
}

struct RawTag {};

} // namespace m3sat_fixed

template <int W, int I> class ap_fixed {
  static_assert(W >= 1 && W <= 127, "ap_fixed: 1 <= W <= 127");
  static_assert(I >= 0 && I <= W, "ap_fixed: 0 <= I <= W");

public:
  static constexpr int width = W;
  static constexpr int iwidth = I;
  static constexpr int fwidth = W - I;

  ap_fixed() : v(0) {}
  template <int W2, int I2>
  ap_fixed(const ap_fixed<W2, I2> &other)
      : v(m3sat_fixed::wrapCounted(
            m3sat_fixed::align(other.raw(), W2 - I2, fwidth), W)) {}
  ap_fixed(double x) : v(fromDouble(x)) {}
  ap_fixed(float x) : v(fromDouble(x)) {}
  template <typename T, typename = typename std::enable_if<
                            std::is_integral<T>::value>::type>
  ap_fixed(T x)
      : v(m3sat_fixed::wrapCounted(
            m3sat_fixed::align(static_cast<m3sat_fixed::raw_t>(x), 0, fwidth),
            W)) {}
  /// The value whose raw bits are `raw` (already within W bits).
  ap_fixed(m3sat_fixed::RawTag, m3sat_fixed::raw_t raw) : v(raw) {}

  /// The two's complement integer of W bits that holds value * 2^F.
  m3sat_fixed::raw_t raw() const { return v; }

  double to_double() const {
    return std::ldexp(static_cast<double>(v), -fwidth);
  }
  float to_float() const { return static_cast<float>(to_double()); }
  int to_int() const { return static_cast<int>(to_double()); }
  template <typename T, typename = typename std::enable_if<
                            std::is_arithmetic<T>::value>::type>
  explicit operator T() const {
    return static_cast<T>(to_double());
  }

  /// The largest value of the type.
  static ap_fixed largest() {
    return ap_fixed(m3sat_fixed::RawTag(),
                    static_cast<m3sat_fixed::raw_t>(
                        (static_cast<m3sat_fixed::uraw_t>(1) << (W - 1)) - 1));
  }
  /// The smallest (most negative) value of the type.
  static ap_fixed lowest() {
    return ap_fixed(
        m3sat_fixed::RawTag(),
        m3sat_fixed::wrap(static_cast<m3sat_fixed::raw_t>(
                              static_cast<m3sat_fixed::uraw_t>(1) << (W - 1)),
                          W));
  }

private:
  static m3sat_fixed::raw_t fromDouble(double x) {
    if (x != x)
      return 0;
    if (std::isinf(x))
      return x > 0 ? largest().v : lowest().v;
    // floor(x * 2^F) modulo 2^W: both steps are exact in double.
    double scaled = std::floor(std::ldexp(x, fwidth));
    double modulus = std::ldexp(1.0, W);
    double reduced = std::fmod(scaled, modulus);
    m3sat_fixed::raw_t raw = static_cast<m3sat_fixed::raw_t>(reduced);
    m3sat_fixed::raw_t wrapped = m3sat_fixed::wrap(raw, W);
    if (reduced != scaled || wrapped != raw)
      ++m3sat_fixed::overflowCount();
    return wrapped;
  }

  m3sat_fixed::raw_t v;
};

namespace m3sat_fixed {

constexpr int maxInt(int a, int b) { return a > b ? a : b; }

/// The exact type of a sum of ap_fixed<W1, I1> and ap_fixed<W2, I2>.
template <int W1, int I1, int W2, int I2> struct SumType {
  static constexpr int I = maxInt(I1, I2) + 1;
  static constexpr int F = maxInt(W1 - I1, W2 - I2);
  typedef ap_fixed<F + I, I> type;
};

} // namespace m3sat_fixed

template <int W1, int I1, int W2, int I2>
typename m3sat_fixed::SumType<W1, I1, W2, I2>::type
operator+(const ap_fixed<W1, I1> &a, const ap_fixed<W2, I2> &b) {
  typedef typename m3sat_fixed::SumType<W1, I1, W2, I2>::type R;
  return R(m3sat_fixed::RawTag(),
           m3sat_fixed::align(a.raw(), W1 - I1, R::fwidth) +
               m3sat_fixed::align(b.raw(), W2 - I2, R::fwidth));
}

template <int W1, int I1, int W2, int I2>
typename m3sat_fixed::SumType<W1, I1, W2, I2>::type
operator-(const ap_fixed<W1, I1> &a, const ap_fixed<W2, I2> &b) {
  typedef typename m3sat_fixed::SumType<W1, I1, W2, I2>::type R;
  return R(m3sat_fixed::RawTag(),
           m3sat_fixed::align(a.raw(), W1 - I1, R::fwidth) -
               m3sat_fixed::align(b.raw(), W2 - I2, R::fwidth));
}

template <int W1, int I1, int W2, int I2>
ap_fixed<W1 + W2, I1 + I2> operator*(const ap_fixed<W1, I1> &a,
                                     const ap_fixed<W2, I2> &b) {
  static_assert(W1 + W2 <= 126, "ap_fixed: product wider than 126 bits");
  return ap_fixed<W1 + W2, I1 + I2>(m3sat_fixed::RawTag(), a.raw() * b.raw());
}

template <int W1, int I1, int W2, int I2>
ap_fixed<W1 + (W2 - I2) + 1, I1 + (W2 - I2) + 1>
operator/(const ap_fixed<W1, I1> &a, const ap_fixed<W2, I2> &b) {
  typedef ap_fixed<W1 + (W2 - I2) + 1, I1 + (W2 - I2) + 1> R;
  static_assert(R::width <= 126, "ap_fixed: quotient wider than 126 bits");
  if (b.raw() == 0)
    return R(a.raw() < 0 ? ap_fixed<W1, I1>::lowest()
                         : ap_fixed<W1, I1>::largest());
  // a / b at F1 fractional bits: (a * 2^F2) / b, truncated toward zero.
  const m3sat_fixed::raw_t numerator = m3sat_fixed::align(a.raw(), 0, W2 - I2);
  return R(m3sat_fixed::RawTag(), numerator / b.raw());
}

template <int W, int I>
ap_fixed<W + 1, I + 1> operator-(const ap_fixed<W, I> &a) {
  return ap_fixed<W + 1, I + 1>(m3sat_fixed::RawTag(), -a.raw());
}

#define M3SAT_AP_FIXED_COMPARE(op)                                             \
  template <int W1, int I1, int W2, int I2>                                    \
  bool operator op(const ap_fixed<W1, I1> &a, const ap_fixed<W2, I2> &b) {     \
    const int f = m3sat_fixed::maxInt(W1 - I1, W2 - I2);                       \
    return m3sat_fixed::align(a.raw(), W1 - I1, f)                             \
        op m3sat_fixed::align(b.raw(), W2 - I2, f);                            \
  }
M3SAT_AP_FIXED_COMPARE(==)
M3SAT_AP_FIXED_COMPARE(!=)
M3SAT_AP_FIXED_COMPARE(<)
M3SAT_AP_FIXED_COMPARE(<=)
M3SAT_AP_FIXED_COMPARE(>)
M3SAT_AP_FIXED_COMPARE(>=)
#undef M3SAT_AP_FIXED_COMPARE

#endif // M3SAT_AP_FIXED_H
