//===- SconvTest.cpp - m3sat_sconv and m3sat_swinograd against a loop nest ===//
//
// m3sat_sconv (lib/Runtime/Sgemm.cpp) computes a unit-stride 2-D
// convolution as one SGEMM per filter tap and tile of output rows;
// m3sat_swinograd (lib/Runtime/Winograd.cpp) a 3x3 one by Winograd's
// F(2x2, 3x3) in blocks of 2x2 tiles. Each case compares every part split
// of them with a direct loop nest in double: tiles of one and of several
// rows (an input whose H stride is a multiple of its W stride, or not),
// odd image sizes (tiles past the edge), batches, accumulation into the
// output, and operands inside larger buffers.
//
//===----------------------------------------------------------------------===//

#include "Sgemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

struct Case {
  int64_t n, oh, ow, f, c, kh, kw;
  /// Elements added after each image pixel, row and batch of the input, and
  /// after each output pixel (operands inside larger buffers).
  int64_t inPixelGap = 0, inRowGap = 0, outPixelGap = 0;
  bool accumulate = false;
};

std::vector<float> randomFloats(size_t count, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(gen);
  return values;
}

using ConvolutionFn = decltype(&m3sat_sconv);

/// m3sat_swinograd with tiles of T x T, as a ConvolutionFn: with `Shared`,
/// as generated code calls it (part 0 first transforms the filter, in
/// every part of m3sat_swinograd_filter, into the calling thread's buffer,
/// which all parts then read); otherwise each part transforms it itself.
template <int64_t T, bool Shared>
void winograd(int64_t part, int64_t parts, int64_t n, int64_t oh, int64_t ow,
              int64_t f, int64_t c, int64_t kh, int64_t kw, intptr_t in,
              int64_t inN, int64_t inH, int64_t inW, intptr_t filter,
              int64_t filterF, int64_t filterH, int64_t filterW, intptr_t out,
              int64_t outN, int64_t outH, int64_t outW, int64_t accumulate) {
  static intptr_t u = 0;
  if (Shared && part == 0) {
    u = m3sat_swinograd_filter_buffer(f, c, T);
    // Poisoned, so that a channel no part transforms shows.
    if (u)
      std::fill_n(reinterpret_cast<float *>(u), (T + 2) * (T + 2) * f * c, NAN);
    for (int64_t p = 0; p < parts; ++p)
      m3sat_swinograd_filter(p, parts, f, c, kh, kw, filter, filterF, filterH,
                             filterW, T, u);
  }
  m3sat_swinograd(part, parts, n, oh, ow, f, c, kh, kw, in, inN, inH, inW,
                  filter, filterF, filterH, filterW, out, outN, outH, outW,
                  accumulate, T, Shared ? u : 0);
}

/// The largest |conv - direct| over the output, for `parts` parts.
double maxError(ConvolutionFn conv, const Case &k, int64_t parts) {
  int64_t h = k.oh + k.kh - 1, w = k.ow + k.kw - 1;
  int64_t inW = k.c + k.inPixelGap, inH = w * inW + k.inRowGap, inN = h * inH;
  int64_t filterW = k.c, filterH = k.kw * filterW, filterF = k.kh * filterH;
  int64_t outW = k.f + k.outPixelGap, outH = k.ow * outW, outN = k.oh * outH;
  std::vector<float> in = randomFloats(k.n * inN, 1);
  std::vector<float> filter = randomFloats(k.f * filterF, 2);
  std::vector<float> out = randomFloats(k.n * outN, 3);
  std::vector<float> init = out;
  for (int64_t part = 0; part < parts; ++part)
    conv(part, parts, k.n, k.oh, k.ow, k.f, k.c, k.kh, k.kw,
         reinterpret_cast<intptr_t>(in.data()), inN, inH, inW,
         reinterpret_cast<intptr_t>(filter.data()), filterF, filterH, filterW,
         reinterpret_cast<intptr_t>(out.data()), outN, outH, outW,
         k.accumulate);
  double worst = 0;
  for (int64_t b = 0; b < k.n; ++b)
    for (int64_t y = 0; y < k.oh; ++y)
      for (int64_t x = 0; x < k.ow; ++x)
        for (int64_t o = 0; o < k.f; ++o) {
          int64_t at = b * outN + y * outH + x * outW + o;
          double sum = k.accumulate ? init[at] : 0.0;
          for (int64_t dy = 0; dy < k.kh; ++dy)
            for (int64_t dx = 0; dx < k.kw; ++dx)
              for (int64_t i = 0; i < k.c; ++i)
                sum +=
                    double(in[b * inN + (y + dy) * inH + (x + dx) * inW + i]) *
                    filter[o * filterF + dy * filterH + dx * filterW + i];
          double error = std::fabs(sum - out[at]);
          if (std::isnan(error))
            return INFINITY;
          worst = std::max(worst, error);
        }
  // The gaps between output pixels are not written.
  for (int64_t at = 0; at < k.n * outN; ++at)
    if (at % outW >= k.f && out[at] != init[at])
      return INFINITY;
  return worst;
}

void expectMatches(const Case &k, ConvolutionFn conv = m3sat_sconv) {
  for (int64_t parts = 1; parts <= 3; ++parts)
    EXPECT_LT(maxError(conv, k, parts), 1e-4)
        << "parts " << parts << ", " << k.n << "x" << k.oh << "x" << k.ow << "x"
        << k.f << ", c " << k.c << ", window " << k.kh << "x" << k.kw;
}

TEST(Sconv, ThreeByThreeTilesOfSeveralRows) {
  expectMatches({1, 14, 14, 32, 16, 3, 3});
  expectMatches({1, 28, 28, 8, 8, 3, 3});
}

TEST(Sconv, NonSquareWindowsAndBatches) {
  expectMatches({2, 3, 4, 17, 5, 2, 3});
  expectMatches({3, 5, 7, 3, 4, 3, 1});
  expectMatches({1, 1, 9, 4, 3, 1, 5});
}

TEST(Sconv, AccumulatesIntoTheOutput) {
  Case k{2, 6, 5, 9, 7, 3, 3};
  k.accumulate = true;
  expectMatches(k);
}

TEST(Sconv, OperandsInsideLargerBuffers) {
  // An H stride that is a multiple of the W stride (rows evenly spaced).
  Case k{1, 6, 5, 9, 7, 3, 3};
  k.inPixelGap = 3;
  k.inRowGap = 2 * (7 + 3);
  k.outPixelGap = 2;
  expectMatches(k);
  // One that is not: tiles of one output row.
  k.inRowGap = 5;
  k.accumulate = true;
  expectMatches(k);
}

TEST(Sconv, PartsAtMostOnePerOutputRow) {
  EXPECT_GE(m3sat_sconv_parts(1, 2, 64, 64, 64, 3, 3), 1);
  EXPECT_LE(m3sat_sconv_parts(1, 2, 64, 64, 64, 3, 3), 2);
  EXPECT_EQ(m3sat_sconv_parts(0, 4, 4, 4, 4, 3, 3), 1);
}

/// Every case with tiles of 2x2 and of 4x4, the filter's transform shared
/// by the parts or not (and a tile size the runtime does not have, which
/// runs as m3sat_sconv).
void expectWinogradMatches(const Case &k) {
  expectMatches(k, winograd<2, true>);
  expectMatches(k, winograd<4, true>);
  expectMatches(k, winograd<2, false>);
  expectMatches(k, winograd<4, false>);
  expectMatches(k, winograd<3, true>);
}

TEST(Winograd, TilesAndBlocks) {
  // Sizes that the tiles fit; ones they do not (the last tile row and
  // column partly outside); more tiles than one block, in several images.
  expectWinogradMatches({1, 8, 8, 16, 16, 3, 3});
  expectWinogradMatches({1, 7, 5, 19, 21, 3, 3});
  expectWinogradMatches({2, 45, 43, 18, 17, 3, 3});
  expectWinogradMatches({1, 2, 301, 16, 20, 3, 3});
  // A single tile, partly outside.
  expectWinogradMatches({1, 2, 3, 16, 16, 3, 3});
  // Channel counts past a multiple of the vector width.
  expectWinogradMatches({1, 6, 6, 35, 37, 3, 3});
}

TEST(Winograd, AccumulatesAndReadsStridedOperands) {
  Case k{2, 9, 6, 17, 16, 3, 3};
  k.accumulate = true;
  expectWinogradMatches(k);
  k.inPixelGap = 3;
  k.inRowGap = 5;
  k.outPixelGap = 2;
  expectWinogradMatches(k);
}

TEST(Winograd, OtherWindowsRunAsSconv) {
  expectWinogradMatches({1, 5, 7, 16, 16, 2, 3});
  expectWinogradMatches({2, 4, 4, 16, 16, 1, 1});
}

TEST(Winograd, FilterBufferOnlyForItsTiles) {
  EXPECT_EQ(m3sat_swinograd_filter_buffer(16, 16, 3), 0);
  EXPECT_EQ(m3sat_swinograd_filter_buffer(0, 16, 2), 0);
  EXPECT_NE(m3sat_swinograd_filter_buffer(16, 16, 2), 0);
  EXPECT_NE(m3sat_swinograd_filter_buffer(16, 16, 4), 0);
}

TEST(Winograd, PartsAtMostOnePerTile) {
  for (int64_t tile : {2, 4}) {
    EXPECT_EQ(m3sat_swinograd_parts(1, 1, 1, 64, 64, 3, 3, tile), 1);
    EXPECT_EQ(m3sat_swinograd_parts(1, tile, tile, 64, 64, 3, 3, tile), 1);
    EXPECT_LE(m3sat_swinograd_parts(1, tile, 2 * tile, 64, 64, 3, 3, tile), 2);
    EXPECT_EQ(m3sat_swinograd_parts(0, 4, 4, 4, 4, 3, 3, tile), 1);
  }
}

} // namespace
