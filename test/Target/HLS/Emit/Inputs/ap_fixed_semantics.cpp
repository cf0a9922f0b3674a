// Checks the semantics m3sat_ap_fixed.h promises (two's complement,
// AP_TRN, AP_WRAP, exact arithmetic in wider types, conversions); prints
// one line per check and exits 1 on the first failure.
#include "m3sat_ap_fixed.h"

#include <cstdio>
#include <cstdlib>

namespace {

int failures = 0;

void expect(const char *what, double actual, double expected) {
  const bool ok = actual == expected;
  std::printf("%s %s: %.17g (expected %.17g)\n", ok ? "ok" : "FAIL", what,
              actual, expected);
  if (!ok)
    ++failures;
}

} // namespace

int main() {
  typedef ap_fixed<8, 4> Q4; // 4 fractional bits: steps of 1/16, [-8, 8)
  // Quantization AP_TRN: toward minus infinity.
  expect("trn positive", Q4(0.99).to_double(), 0.9375);
  expect("trn negative", Q4(-0.01).to_double(), -0.0625);
  expect("exact", Q4(-2.5).to_double(), -2.5);
  // Overflow AP_WRAP: modulo 2^8 steps, two's complement.
  expect("wrap up", Q4(8.0).to_double(), -8.0);
  expect("wrap down", Q4(-8.0625).to_double(), 7.9375);
  expect("wrap big", Q4(1000.0).to_double(), -8.0);
  // Infinities saturate, NaN is 0.
  expect("+inf", Q4(1.0 / 0.0).to_double(), 7.9375);
  expect("-inf", Q4(-1.0 / 0.0).to_double(), -8.0);
  // Arithmetic is exact in the wider result type ...
  expect("sum", (Q4(7.5) + Q4(7.5)).to_double(), 15.0);
  expect("difference", (Q4(-8.0) - Q4(7.9375)).to_double(), -15.9375);
  expect("product", (Q4(7.9375) * Q4(-8.0)).to_double(), -63.5);
  expect("negation", (-Q4(-8.0)).to_double(), 8.0);
  // ... and quantized, then wrapped, on assignment.
  Q4 product = Q4(0.0625) * Q4(0.5);
  expect("product truncated", product.to_double(), 0.0);
  Q4 negative = Q4(-0.0625) * Q4(0.5);
  expect("negative product truncated", negative.to_double(), -0.0625);
  Q4 wrapped = Q4(7.5) + Q4(7.5);
  expect("sum wrapped", wrapped.to_double(), -1.0);
  // Division: quotient truncated toward zero at the dividend's fraction.
  expect("quotient", (Q4(1.0) / Q4(3.0)).to_double(), 0.3125);
  expect("negative quotient", (Q4(-1.0) / Q4(3.0)).to_double(), -0.3125);
  expect("by zero", Q4(Q4(-1.0) / Q4(0.0)).to_double(), -8.0);
  // Between formats: fractional bits truncated toward -inf.
  expect("narrowing", ap_fixed<6, 4>(Q4(-0.0625)).to_double(), -0.25);
  expect("widening", ap_fixed<16, 8>(Q4(-7.9375)).to_double(), -7.9375);
  // Comparisons across formats, integer conversions toward zero.
  expect("compare", Q4(0.5) == ap_fixed<16, 2>(0.5), 1);
  expect("less", Q4(-0.0625) < ap_fixed<16, 2>(0.0), 1);
  expect("to int", static_cast<int>(Q4(-2.5)), -2);
  expect("from int", Q4(3).to_double(), 3.0);
  // The four wraps above were counted (saturated infinities are not wraps).
  expect("wraps counted", double(m3sat_fixed::overflowCount()), 4.0);
  return failures ? 1 : 0;
}
