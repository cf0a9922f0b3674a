//===- QuantizedGemm.cpp - matrix products with 4- or 8-bit weights -------===//
//
// m3sat_qgemm, called by code that m3sat-contractions-to-blas produced from
// a product whose weights m3sat.dequantize computes:
//
//   C[i, j] (+)= sum_p A[i, p] * (q[j, p] - zero[j, g]) * scale[j, g]
//
// with q[j, p] code p of row j of the packed codes (the lower nibble first
// for 4 bits), g = p / block (0 with one scale per row) and zero 2^(bits-1)
// where no zero points are given. The float weights are never stored
// whole: each part of C's columns dequantizes a panel of weight rows into a
// buffer that stays in the L2 cache, right before the product reads it,
// and every weight is dequantized once per call.
//
// The product reads A and the panel along p (both contiguous): a tile of
// MR rows of A and NR rows of the panel keeps MR x NR vector accumulators
// in registers, reduced across their lanes once per tile. One source gives
// AVX-512 (16 lanes, 6 x 4 tiles), AVX2 (8 lanes, 2 x 4) and baseline SSE2
// kernels (GCC vector extensions), picked once by the CPU's features.
//
// Dequantized weights are (q - zero) * scale in float, as the generic
// lowering of m3sat.dequantize computes them; the products' sums are
// reassociated, as SGEMM's are.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

extern "C" int64_t m3sat_sgemm_parts(int64_t m, int64_t n, int64_t k);

namespace {

/// Where the weights' codes, scales and zero points are, for rows j of B.
struct QuantizedWeights {
  const uint8_t *codes;
  int64_t codeStride; // bytes from one row of codes to the next
  const float *scales;
  int64_t scaleStride;  // floats from one row of scales to the next
  const uint8_t *zeros; // null: 2^(bits - 1)
  int64_t zeroStride;   // bytes from one row of zero points to the next
  int64_t bits;
  int64_t block; // columns per scale; 0: one per row
};

/// Code `i` of a packed run of codes.
inline int64_t codeAt(const uint8_t *bytes, int64_t i, int64_t bits) {
  if (bits == 8)
    return bytes[i];
  return (bytes[i / 2] >> (4 * (i % 2))) & 15;
}

/// Zero point of row j, group g.
inline float zeroOf(const QuantizedWeights &w, int64_t j, int64_t g) {
  if (!w.zeros)
    return float(1 << (w.bits - 1));
  if (w.block)
    return float(codeAt(w.zeros + j * w.zeroStride, g, w.bits));
  return float(codeAt(w.zeros, j, w.bits));
}

inline float scaleOf(const QuantizedWeights &w, int64_t j, int64_t g) {
  return w.scales[j * w.scaleStride + (w.block ? g : 0)];
}

/// Vectors of L lanes (a class template: GCC drops vector_size from alias
/// templates).
template <int L> struct Vec {
  typedef float F __attribute__((vector_size(4 * L)));
  typedef int32_t I __attribute__((vector_size(4 * L)));
  typedef uint8_t U8 __attribute__((vector_size(L)));
};
template <int L> using F = typename Vec<L>::F;
template <int L> using I = typename Vec<L>::I;
template <int L> using U8 = typename Vec<L>::U8;

#if defined(__x86_64__)
// ---- AVX-512: 16 lanes, tiles of 6 x 4 -----------------------------------
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma")
namespace avx512 {

/// Codes c .. c + 16 of a row as floats.
[[gnu::always_inline]] inline void loadCodes(const uint8_t *row, int64_t c,
                                             int64_t bits, F<16> &out) {
  __m512i wide;
  if (bits == 8) {
    wide = _mm512_maskz_cvtepu8_epi32(
        0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + c)));
  } else {
    __m256i bytes = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row + c / 2)));
    __m256i lo = _mm256_and_si256(bytes, _mm256_set1_epi32(15));
    __m256i hi = _mm256_srli_epi32(bytes, 4);
    // lo0 hi0 lo1 hi1 ...
    __m512i order = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2,
                                     17, 1, 16, 0);
    wide = _mm512_permutex2var_epi32(_mm512_castsi256_si512(lo), order,
                                     _mm512_castsi256_si512(hi));
  }
  out = __builtin_convertvector(reinterpret_cast<I<16>>(wide), F<16>);
}

#include "QuantizedGemmKernel.inc"

void run(int64_t m, int64_t n0, int64_t n1, int64_t k, const float *a,
         int64_t lda, const QuantizedWeights &w, float *c, int64_t ldc,
         bool accumulate) {
  band<16, 6, 4>(m, n0, n1, k, a, lda, w, c, ldc, accumulate);
}

} // namespace avx512
#pragma GCC pop_options

// ---- AVX2: 8 lanes, tiles of 2 x 4 ---------------------------------------
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {

/// Codes c .. c + 8 of a row as floats.
[[gnu::always_inline]] inline void loadCodes(const uint8_t *row, int64_t c,
                                             int64_t bits, F<8> &out) {
  __m256i wide;
  if (bits == 8) {
    wide = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row + c)));
  } else {
    int32_t word;
    std::memcpy(&word, row + c / 2, 4);
    __m128i bytes = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(word));
    __m128i lo = _mm_and_si128(bytes, _mm_set1_epi32(15));
    __m128i hi = _mm_srli_epi32(bytes, 4);
    wide = _mm256_set_m128i(_mm_unpackhi_epi32(lo, hi),
                            _mm_unpacklo_epi32(lo, hi));
  }
  out = reinterpret_cast<F<8>>(_mm256_cvtepi32_ps(wide));
}

#include "QuantizedGemmKernel.inc"

void run(int64_t m, int64_t n0, int64_t n1, int64_t k, const float *a,
         int64_t lda, const QuantizedWeights &w, float *c, int64_t ldc,
         bool accumulate) {
  band<8, 2, 4>(m, n0, n1, k, a, lda, w, c, ldc, accumulate);
}

} // namespace avx2
#pragma GCC pop_options
#endif

// ---- Baseline: 4 lanes, tiles of 2 x 4 -----------------------------------
namespace baseline {

/// Codes c .. c + 4 of a row as floats.
inline void loadCodes(const uint8_t *row, int64_t c, int64_t bits, F<4> &out) {
  for (int i = 0; i < 4; ++i)
    out[i] = float(codeAt(row, c + i, bits));
}

#include "QuantizedGemmKernel.inc"

void run(int64_t m, int64_t n0, int64_t n1, int64_t k, const float *a,
         int64_t lda, const QuantizedWeights &w, float *c, int64_t ldc,
         bool accumulate) {
  band<4, 2, 4>(m, n0, n1, k, a, lda, w, c, ldc, accumulate);
}

} // namespace baseline

using BandFn = void (*)(int64_t, int64_t, int64_t, int64_t, const float *,
                        int64_t, const QuantizedWeights &, float *, int64_t,
                        bool);

/// The kernel for this CPU; M3SAT_QGEMM=avx512|avx2|baseline picks one (a
/// set the CPU lacks falls back to the next), for comparisons and tests.
BandFn pickBand() {
  const char *choice = getenv("M3SAT_QGEMM");
  auto allowed = [&](const char *name) {
    return !choice || !*choice || !strcmp(choice, name);
  };
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (allowed("avx512") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return avx512::run;
  if ((allowed("avx2") || !strcmp(choice, "avx512")) &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return avx2::run;
#endif
  return baseline::run;
}

// Columns of one part: a multiple of this.
constexpr int64_t kPartGranule = 16;

} // namespace

/// How many parts m3sat_qgemm should split an M x N x K product into (as
/// m3sat_sgemm_parts).
extern "C" int64_t m3sat_qgemm_parts(int64_t m, int64_t n, int64_t k) {
  return m3sat_sgemm_parts(m, n, k);
}

/// Part `part` of `parts` (a band of C's columns) of C (+)= A W^T, with W
/// [n, k] from 4- or 8-bit codes (see the file comment): `codes` rows
/// `codeStride` bytes apart, `scales` rows `scaleStride` floats apart (one
/// per row with `block` 0, else one per block of `block` columns),
/// `zeros` (0: none) packed like the codes, rows `zeroStride` bytes apart
/// (with `block` 0: one run of codes, one per row of W). C is not read
/// when `accumulate` is 0. Pointers arrive as integers (index-typed
/// arguments of generated code).
extern "C" void m3sat_qgemm(int64_t part, int64_t parts, int64_t m, int64_t n,
                            int64_t k, intptr_t a, int64_t lda, intptr_t codes,
                            int64_t codeStride, intptr_t scales,
                            int64_t scaleStride, intptr_t zeros,
                            int64_t zeroStride, int64_t bits, int64_t block,
                            int64_t accumulate, intptr_t c, int64_t ldc) {
  if (parts < 1 || part < 0 || part >= parts || m <= 0 || n <= 0 ||
      (bits != 4 && bits != 8) || block < 0)
    return;
  int64_t band = (n + parts - 1) / parts;
  if (parts > 1)
    band = (band + kPartGranule - 1) / kPartGranule * kPartGranule;
  int64_t begin = std::min(n, part * band);
  int64_t end = std::min(n, begin + band);
  if (begin >= end)
    return;
  auto *pc = reinterpret_cast<float *>(c);
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        std::fill(pc + i * ldc + begin, pc + i * ldc + end, 0.0f);
    return;
  }
  QuantizedWeights w{reinterpret_cast<const uint8_t *>(codes),
                     codeStride,
                     reinterpret_cast<const float *>(scales),
                     scaleStride,
                     reinterpret_cast<const uint8_t *>(zeros),
                     zeroStride,
                     bits,
                     block};
  static const BandFn run = pickBand();
  run(m, begin, end, k, reinterpret_cast<const float *>(a), lda, w, pc, ldc,
      accumulate != 0);
}
