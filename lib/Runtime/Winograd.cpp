//===- Winograd.cpp - 3x3 convolutions by Winograd's F(2x2, 3x3) ----------===//
//
// m3sat_swinograd_parts and m3sat_swinograd, called by code that
// m3sat-convolutions-to-blas produced (option winograd) for f32 3x3
// convolutions of unit strides and dilations: Winograd's minimal filtering
// F(2x2, 3x3). Each 2x2 block of output pixels (a tile) comes from a 4x4
// patch of the input; transformed, the patch and the filter multiply point
// by point, so that the 3x3 window's 36 multiply-adds per tile, input and
// output channel become 16: one product of [tiles x C] by [C x F] per
// point of the 4x4 transform, run by the SGEMM of m3sat_sgemm.
//
//   filter:  U = G g G^T      G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   input:   V = B^T d B      B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   output:  Y = A^T M A      A^T = [1 1 1 0; 0 1 -1 -1],  M = U (.) V
//
// Tiles go in blocks of about kBlockTiles, so that a block's transformed
// input and its 16 products stay in the core's cache: no transformed image
// is ever whole in memory. The filter's transform is computed per call
// (16 F C floats per thread, a small part of the products' work).
//
// Written here rather than reused: upstream MLIR's linalg.winograd_* ops
// transform whole images (16 x tiles x C floats: 51 MB for a 112x112 image
// of 256 channels, and as much again for the products), and oneDNN's
// Winograd convolution needs its primitive API (not in the Debian package
// the task runtime loads) and runs on its own threads.
//
//===----------------------------------------------------------------------===//

#include "Sgemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int64_t m3sat_sgemm_parts(int64_t m, int64_t n, int64_t k);
extern "C" void m3sat_sconv(int64_t part, int64_t parts, int64_t n, int64_t oh,
                            int64_t ow, int64_t f, int64_t c, int64_t kh,
                            int64_t kw, intptr_t in, int64_t inN, int64_t inH,
                            int64_t inW, intptr_t filter, int64_t filterF,
                            int64_t filterH, int64_t filterW, intptr_t out,
                            int64_t outN, int64_t outH, int64_t outW,
                            int64_t accumulate);

namespace {

/// Tiles per block: the products' A (tiles x C) and C (tiles x F) stay in
/// L2 next to the point's U (F x C) for the channel counts of vision heads.
constexpr int64_t kBlockTiles = 128;

/// 16 floats, loaded and stored unaligned (GCC's vector extension: AVX-512
/// registers, two AVX2 ones or four SSE ones, whichever the clone has).
typedef float Floats __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;

// Always inlined into the clones below, so that no call passes a vector
// (whose ABI would depend on the clone's ISA: GCC's -Wpsabi).
#define M3SAT_INLINE inline __attribute__((always_inline))
#pragma GCC diagnostic ignored "-Wpsabi"

template <typename V> M3SAT_INLINE V load(const float *p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V> M3SAT_INLINE void store(float *p, V v) {
  std::memcpy(p, &v, sizeof v);
}

/// U = G g G^T for channels [j, j + lanes): g[3 y + x] points at the
/// filter tap (y, x), u[4 i + k] at point (i, k) of the transform.
template <typename V>
M3SAT_INLINE void filterPoints(const float *const *g, int64_t j,
                               float *const *u) {
  V t[4][3];
  for (int x = 0; x < 3; ++x) {
    V g0 = load<V>(g[x] + j), g1 = load<V>(g[3 + x] + j),
      g2 = load<V>(g[6 + x] + j);
    t[0][x] = g0;
    t[1][x] = (g0 + g1 + g2) * 0.5f;
    t[2][x] = (g0 - g1 + g2) * 0.5f;
    t[3][x] = g2;
  }
  for (int i = 0; i < 4; ++i) {
    store<V>(u[4 * i] + j, t[i][0]);
    store<V>(u[4 * i + 1] + j, (t[i][0] + t[i][1] + t[i][2]) * 0.5f);
    store<V>(u[4 * i + 2] + j, (t[i][0] - t[i][1] + t[i][2]) * 0.5f);
    store<V>(u[4 * i + 3] + j, t[i][2]);
  }
}

/// V = B^T d B for channels [j, j + lanes): d[4 r + x] points at pixel
/// (r, x) of the patch, v[4 i + k] at point (i, k) of the transform.
template <typename V>
M3SAT_INLINE void inputPoints(const float *const *d, int64_t j,
                              float *const *v) {
  V e[4][4];
  for (int x = 0; x < 4; ++x) {
    V d0 = load<V>(d[x] + j), d1 = load<V>(d[4 + x] + j),
      d2 = load<V>(d[8 + x] + j), d3 = load<V>(d[12 + x] + j);
    e[0][x] = d0 - d2;
    e[1][x] = d1 + d2;
    e[2][x] = d2 - d1;
    e[3][x] = d1 - d3;
  }
  for (int i = 0; i < 4; ++i) {
    store<V>(v[4 * i] + j, e[i][0] - e[i][2]);
    store<V>(v[4 * i + 1] + j, e[i][1] + e[i][2]);
    store<V>(v[4 * i + 2] + j, e[i][2] - e[i][1]);
    store<V>(v[4 * i + 3] + j, e[i][1] - e[i][3]);
  }
}

/// Y = A^T M A for channels [j, j + lanes): m[4 i + k] points at point
/// (i, k) of the products, y[2 r + x] at output pixel (r, x) of the tile,
/// null where the pixel is past the image's edge; added to it with
/// `accumulate`.
template <typename V>
M3SAT_INLINE void outputPoints(const float *const *m, int64_t j,
                               float *const *y, bool accumulate) {
  V s[2][4];
  for (int k = 0; k < 4; ++k) {
    V m0 = load<V>(m[k] + j), m1 = load<V>(m[4 + k] + j),
      m2 = load<V>(m[8 + k] + j), m3 = load<V>(m[12 + k] + j);
    s[0][k] = m0 + m1 + m2;
    s[1][k] = m1 - m2 - m3;
  }
  for (int r = 0; r < 2; ++r) {
    V pixel[2] = {s[r][0] + s[r][1] + s[r][2], s[r][1] - s[r][2] - s[r][3]};
    for (int x = 0; x < 2; ++x) {
      float *to = y[2 * r + x];
      if (!to)
        continue;
      store<V>(to + j, accumulate ? load<V>(to + j) + pixel[x] : pixel[x]);
    }
  }
}

// Each row of channels is compiled for AVX-512, AVX2 and baseline x86-64;
// the loader picks the widest the CPU has.
#if defined(__x86_64__)
#define M3SAT_CLONES                                                           \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define M3SAT_CLONES
#endif

M3SAT_CLONES void filterRow(int64_t c, const float *const *g, float *const *u) {
  int64_t j = 0;
  for (; j + kLanes <= c; j += kLanes)
    filterPoints<Floats>(g, j, u);
  for (; j < c; ++j)
    filterPoints<float>(g, j, u);
}

M3SAT_CLONES void inputRow(int64_t c, const float *const *d, float *const *v) {
  int64_t j = 0;
  for (; j + kLanes <= c; j += kLanes)
    inputPoints<Floats>(d, j, v);
  for (; j < c; ++j)
    inputPoints<float>(d, j, v);
}

M3SAT_CLONES void outputRow(int64_t f, const float *const *m, float *const *y,
                            bool accumulate) {
  int64_t j = 0;
  for (; j + kLanes <= f; j += kLanes)
    outputPoints<Floats>(m, j, y, accumulate);
  for (; j < f; ++j)
    outputPoints<float>(m, j, y, accumulate);
}

/// A 3x3 convolution of unit strides and dilations on NHWC images and
/// FHWC filters (`inX` and `outX`: strides in elements of N, H and W;
/// channels have unit stride).
struct Convolution {
  int64_t n, oh, ow, f, c;
  const float *in;
  int64_t inN, inH, inW;
  const float *filter;
  int64_t filterF, filterH, filterW;
  float *out;
  int64_t outN, outH, outW;

  int64_t tilesH() const { return (oh + 1) / 2; }
  int64_t tilesW() const { return (ow + 1) / 2; }
  int64_t tiles() const { return n * tilesH() * tilesW(); }

  /// Blocks of tiles: about kBlockTiles each, as many as a multiple of
  /// `parts` so that the parts are evenly loaded.
  int64_t blocks(int64_t parts) const {
    int64_t count =
        std::max<int64_t>(1, (tiles() + kBlockTiles - 1) / kBlockTiles);
    count = (count + parts - 1) / parts * parts;
    return std::min(count, tiles());
  }

  /// The filter's transform: point p's F x C matrix at u + p * F * C.
  void transformFilter(float *u) const {
    const float *g[9];
    float *points[16];
    for (int64_t o = 0; o < f; ++o) {
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x)
          g[3 * y + x] = filter + o * filterF + y * filterH + x * filterW;
      for (int p = 0; p < 16; ++p)
        points[p] = u + (p * f + o) * c;
      filterRow(c, g, points);
    }
  }

  /// Image and tile row and column of tile `t`.
  void position(int64_t t, int64_t &b, int64_t &y, int64_t &x) const {
    int64_t perImage = tilesH() * tilesW();
    b = t / perImage;
    y = t % perImage / tilesW();
    x = t % tilesW();
  }

  /// Tiles [first, first + count): their transformed patches into `v`
  /// (point p's count x C matrix at v + p * count * C), the 16 products
  /// with `u` into `m` (count x F each), and the tiles' pixels from them.
  void block(int64_t first, int64_t count, const float *u, float *v, float *m,
             const float *zeros, bool accumulate) const {
    const float *d[16];
    float *points[16];
    for (int64_t t = 0; t < count; ++t) {
      int64_t b, ty, tx;
      position(first + t, b, ty, tx);
      // The padded input has OH + 2 rows and OW + 2 columns: a last tile
      // of an odd size reads zeros past them (for pixels it never writes).
      for (int r = 0; r < 4; ++r)
        for (int x = 0; x < 4; ++x) {
          int64_t row = 2 * ty + r, col = 2 * tx + x;
          d[4 * r + x] = row < oh + 2 && col < ow + 2
                             ? in + b * inN + row * inH + col * inW
                             : zeros;
        }
      for (int p = 0; p < 16; ++p)
        points[p] = v + (p * count + t) * c;
      inputRow(c, d, points);
    }
    for (int p = 0; p < 16; ++p)
      m3sat::runtime::sgemm(/*transA=*/false, /*transB=*/true, count, f, c,
                            v + p * count * c, c, u + p * f * c, c, 0.0f,
                            m + p * count * f, f);
    const float *products[16];
    float *pixels[4];
    for (int64_t t = 0; t < count; ++t) {
      int64_t b, ty, tx;
      position(first + t, b, ty, tx);
      for (int r = 0; r < 2; ++r)
        for (int x = 0; x < 2; ++x) {
          int64_t row = 2 * ty + r, col = 2 * tx + x;
          pixels[2 * r + x] = row < oh && col < ow
                                  ? out + b * outN + row * outH + col * outW
                                  : nullptr;
        }
      for (int p = 0; p < 16; ++p)
        products[p] = m + (p * count + t) * f;
      outputRow(f, products, pixels, accumulate);
    }
  }
};

} // namespace

/// How many parts m3sat_swinograd should split a convolution into: as many
/// as m3sat_sgemm_parts for its 16 products (N*tiles x F x C each), at
/// most one per block of tiles.
extern "C" int64_t m3sat_swinograd_parts(int64_t n, int64_t oh, int64_t ow,
                                         int64_t f, int64_t c, int64_t kh,
                                         int64_t kw) {
  if (n <= 0 || oh <= 0 || ow <= 0)
    return 1;
  int64_t tiles = n * ((oh + 1) / 2) * ((ow + 1) / 2);
  int64_t parts = m3sat_sgemm_parts(16 * tiles, f, c);
  return std::max<int64_t>(1, std::min(parts, tiles));
}

/// Part `part` of `parts` of out += conv(in, filter), or out = conv(in,
/// filter) when `accumulate` is 0 (out is then not read), with the operands
/// of m3sat_sconv: a 2-D convolution of unit strides and dilations, `in`
/// [N, OH+2, OW+2, C] (already padded), `filter` [F, 3, 3, C], `out` [N,
/// OH, OW, F], each with unit stride along its last dimension and the given
/// strides (in elements) along the others. The part computes a contiguous
/// range of blocks of tiles. A window other than 3x3 runs as m3sat_sconv.
extern "C" void
m3sat_swinograd(int64_t part, int64_t parts, int64_t n, int64_t oh, int64_t ow,
                int64_t f, int64_t c, int64_t kh, int64_t kw, intptr_t in,
                int64_t inN, int64_t inH, int64_t inW, intptr_t filter,
                int64_t filterF, int64_t filterH, int64_t filterW, intptr_t out,
                int64_t outN, int64_t outH, int64_t outW, int64_t accumulate) {
  if (kh != 3 || kw != 3) {
    m3sat_sconv(part, parts, n, oh, ow, f, c, kh, kw, in, inN, inH, inW, filter,
                filterF, filterH, filterW, out, outN, outH, outW, accumulate);
    return;
  }
  if (n <= 0 || oh <= 0 || ow <= 0 || f <= 0 || c <= 0 || parts < 1 ||
      part < 0 || part >= parts)
    return;
  Convolution conv{n,       oh,
                   ow,      f,
                   c,       reinterpret_cast<const float *>(in),
                   inN,     inH,
                   inW,     reinterpret_cast<const float *>(filter),
                   filterF, filterH,
                   filterW, reinterpret_cast<float *>(out),
                   outN,    outH,
                   outW};
  int64_t blocks = conv.blocks(parts), tiles = conv.tiles();
  int64_t begin = blocks * part / parts, end = blocks * (part + 1) / parts;
  if (begin >= end)
    return;
  int64_t size = (tiles + blocks - 1) / blocks;
  // One set of buffers per thread, kept for the next convolution.
  thread_local std::vector<float> u, v, m, zeros;
  u.resize(static_cast<size_t>(16 * f * c));
  v.resize(static_cast<size_t>(16 * size * c));
  m.resize(static_cast<size_t>(16 * size * f));
  zeros.assign(static_cast<size_t>(c), 0.0f);
  conv.transformFilter(u.data());
  for (int64_t k = begin; k < end; ++k) {
    int64_t first = std::min(tiles, k * size);
    int64_t count = std::min(tiles, first + size) - first;
    if (count > 0)
      conv.block(first, count, u.data(), v.data(), m.data(), zeros.data(),
                 accumulate != 0);
  }
}
