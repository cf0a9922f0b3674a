//===- Winograd.cpp - 3x3 convolutions by Winograd's F(TxT, 3x3) ----------===//
//
// m3sat_swinograd_parts and m3sat_swinograd, called by code that
// m3sat-convolutions-to-blas produced (option winograd-tile) for f32 3x3
// convolutions of unit strides and dilations: Winograd's minimal filtering
// F(TxT, 3x3) with T = 2 or 4 (Lavin and Gray's matrices below). Each
// T x T tile of output pixels comes from a (T+2) x (T+2) patch of the
// input; transformed, the patch and the filter multiply point by point, so
// that the 3x3 window's 9 multiply-adds per pixel, input and output channel
// become (T+2)^2 / T^2 (4 for T = 2, 2.25 for T = 4): one product of
// [tiles x C] by [C x F] per point of the transform, run by the SGEMM of
// m3sat_sgemm.
//
//   filter:  U = G g G^T
//   input:   V = B^T d B
//   output:  Y = A^T (U .* V) A
//
// Tiles go in blocks of about kBlockTiles, so that a block's transformed
// input and its products stay in cache: no transformed image is ever whole
// in memory; a block's transformed patches and its products share one
// buffer (each point's product overwrites the previous point's patches).
// The filter's transform is computed per call, its output channels split
// among the parts (m3sat_swinograd_filter), into one buffer of
// (T+2)^2 F C floats that the parts then share. Each thread keeps its
// buffers for the next convolution, one of each kind whatever the tile.
//
// Written here rather than reused: upstream MLIR's linalg.winograd_* ops
// transform whole images (16 x tiles x C floats with T = 2: 51 MB for a
// 112x112 image of 256 channels, and as much again for the products), and
// oneDNN's Winograd convolution needs its primitive API (not in the Debian
// package the task runtime loads) and runs on its own threads.
//
//===----------------------------------------------------------------------===//

#include "Sgemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

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

/// Winograd's F(M x M, 3 x 3): tiles of M x M output pixels from patches
/// of T x T = (M + 2) x (M + 2) input pixels (Lavin and Gray's matrices:
/// interpolation points 0, 1, -1 and infinity for M = 2; 0, 1, -1, 2, -2
/// and infinity for M = 4).
template <int M> struct Transform;
template <> struct Transform<2> {
  static constexpr int T = 4;
  static constexpr float G[T][3] = {
      {1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  static constexpr float BT[T][T] = {
      {1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr float AT[2][T] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};
template <> struct Transform<4> {
  static constexpr int T = 6;
  static constexpr float G[T][3] = {{1 / 4.0f, 0, 0},
                                    {-1 / 6.0f, -1 / 6.0f, -1 / 6.0f},
                                    {-1 / 6.0f, 1 / 6.0f, -1 / 6.0f},
                                    {1 / 24.0f, 1 / 12.0f, 1 / 6.0f},
                                    {1 / 24.0f, -1 / 12.0f, 1 / 6.0f},
                                    {0, 0, 1}};
  static constexpr float BT[T][T] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                     {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                     {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr float AT[4][T] = {{1, 1, 1, 1, 1, 0},
                                     {0, 1, -1, 2, -2, 0},
                                     {0, 1, 1, 4, 4, 0},
                                     {0, 1, -1, 8, -8, 1}};
};

/// sum over k of coefficient[k] * x[k]: terms of a zero coefficient are
/// left out, those of 1 and -1 added and subtracted. The loops unroll and
/// the coefficients are constants, so only the nonzero terms are computed.
template <typename V, int K>
M3SAT_INLINE V combine(const float (&coefficient)[K], const V *x, int stride) {
  V sum = {};
  bool first = true;
#pragma GCC unroll 8
  for (int k = 0; k < K; ++k) {
    float a = coefficient[k];
    if (a == 0.0f)
      continue;
    V term = x[k * stride];
    if (first)
      sum = a == 1.0f ? term : a == -1.0f ? -term : term * a;
    else if (a == 1.0f)
      sum = sum + term;
    else if (a == -1.0f)
      sum = sum - term;
    else
      sum = sum + term * a;
    first = false;
  }
  return sum;
}

/// U = G g G^T for channels [j, j + lanes): g[3 y + x] points at the
/// filter tap (y, x), u[T i + k] at point (i, k) of the transform.
template <int M, typename V>
M3SAT_INLINE void filterPoints(const float *const *g, int64_t j,
                               float *const *u) {
  using W = Transform<M>;
  constexpr int T = W::T;
  V tap[3][3], t[T][3];
#pragma GCC unroll 9
  for (int k = 0; k < 9; ++k)
    tap[k / 3][k % 3] = load<V>(g[k] + j);
#pragma GCC unroll 8
  for (int i = 0; i < T; ++i)
#pragma GCC unroll 3
    for (int x = 0; x < 3; ++x)
      t[i][x] = combine<V, 3>(W::G[i], &tap[0][x], 3);
#pragma GCC unroll 8
  for (int i = 0; i < T; ++i)
#pragma GCC unroll 8
    for (int k = 0; k < T; ++k)
      store<V>(u[T * i + k] + j, combine<V, 3>(W::G[k], t[i], 1));
}

/// x[r][k] = the lanes at j of p[T r + k]: a patch of pixels or of points.
template <typename V, int T>
M3SAT_INLINE void loadSquare(const float *const *p, int64_t j, V (&x)[T][T]) {
#pragma GCC unroll 36
  for (int k = 0; k < T * T; ++k)
    x[k / T][k % T] = load<V>(p[k] + j);
}

/// V = B^T d B for channels [j, j + lanes): d[T r + x] points at pixel
/// (r, x) of the patch, v[T i + k] at point (i, k) of the transform.
template <int M, typename V>
M3SAT_INLINE void inputPoints(const float *const *d, int64_t j,
                              float *const *v) {
  using W = Transform<M>;
  constexpr int T = W::T;
  V pixel[T][T], e[T][T];
  loadSquare<V, T>(d, j, pixel);
#pragma GCC unroll 8
  for (int i = 0; i < T; ++i)
#pragma GCC unroll 8
    for (int x = 0; x < T; ++x)
      e[i][x] = combine<V, T>(W::BT[i], &pixel[0][x], T);
#pragma GCC unroll 8
  for (int i = 0; i < T; ++i)
#pragma GCC unroll 8
    for (int k = 0; k < T; ++k)
      store<V>(v[T * i + k] + j, combine<V, T>(W::BT[k], e[i], 1));
}

/// Y = A^T P A for channels [j, j + lanes): m[T i + k] points at point
/// (i, k) of the products P, y[M r + x] at output pixel (r, x) of the
/// tile, null where the pixel is past the image's edge; added to it with
/// `accumulate`.
template <int M, typename V>
M3SAT_INLINE void outputPoints(const float *const *m, int64_t j,
                               float *const *y, bool accumulate) {
  using W = Transform<M>;
  constexpr int T = W::T;
  V point[T][T], s[M][T];
  loadSquare<V, T>(m, j, point);
#pragma GCC unroll 4
  for (int r = 0; r < M; ++r)
#pragma GCC unroll 8
    for (int k = 0; k < T; ++k)
      s[r][k] = combine<V, T>(W::AT[r], &point[0][k], T);
#pragma GCC unroll 4
  for (int r = 0; r < M; ++r)
#pragma GCC unroll 4
    for (int x = 0; x < M; ++x) {
      float *to = y[M * r + x];
      if (!to)
        continue;
      V pixel = combine<V, T>(W::AT[x], s[r], 1);
      store<V>(to + j, accumulate ? load<V>(to + j) + pixel : pixel);
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

/// The rows of channels of tile size M: 16 channels at a time, then one.
#define M3SAT_ROWS(M)                                                          \
  M3SAT_CLONES void filterRow##M(int64_t c, const float *const *g,             \
                                 float *const *u) {                            \
    int64_t j = 0;                                                             \
    for (; j + kLanes <= c; j += kLanes)                                       \
      filterPoints<M, Floats>(g, j, u);                                        \
    for (; j < c; ++j)                                                         \
      filterPoints<M, float>(g, j, u);                                         \
  }                                                                            \
  M3SAT_CLONES void inputRow##M(int64_t c, const float *const *d,              \
                                float *const *v) {                             \
    int64_t j = 0;                                                             \
    for (; j + kLanes <= c; j += kLanes)                                       \
      inputPoints<M, Floats>(d, j, v);                                         \
    for (; j < c; ++j)                                                         \
      inputPoints<M, float>(d, j, v);                                          \
  }                                                                            \
  M3SAT_CLONES void outputRow##M(int64_t f, const float *const *m,             \
                                 float *const *y, bool accumulate) {           \
    int64_t j = 0;                                                             \
    for (; j + kLanes <= f; j += kLanes)                                       \
      outputPoints<M, Floats>(m, j, y, accumulate);                            \
    for (; j < f; ++j)                                                         \
      outputPoints<M, float>(m, j, y, accumulate);                             \
  }
M3SAT_ROWS(2)
M3SAT_ROWS(4)
#undef M3SAT_ROWS

/// The rows of tile size M, by name.
template <int M> struct Rows;
template <> struct Rows<2> {
  static void filter(int64_t c, const float *const *g, float *const *u) {
    filterRow2(c, g, u);
  }
  static void input(int64_t c, const float *const *d, float *const *v) {
    inputRow2(c, d, v);
  }
  static void output(int64_t f, const float *const *m, float *const *y,
                     bool accumulate) {
    outputRow2(f, m, y, accumulate);
  }
};
template <> struct Rows<4> {
  static void filter(int64_t c, const float *const *g, float *const *u) {
    filterRow4(c, g, u);
  }
  static void input(int64_t c, const float *const *d, float *const *v) {
    inputRow4(c, d, v);
  }
  static void output(int64_t f, const float *const *m, float *const *y,
                     bool accumulate) {
    outputRow4(f, m, y, accumulate);
  }
};

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
};

/// The buffers a thread keeps from one convolution to the next: its share
/// of the work's (block buffer, a filter transform of its own, zeros for
/// padding) and, on the calling thread, the filter transform that the parts
/// share.
enum class Scratch { Block, OwnFilter, Zeros, SharedFilter, Count };

/// This thread's buffer `which`, of at least `floats` floats (contents
/// undefined unless `zero`). Grown by freeing the old buffer first, so
/// that the two are never resident together, and one per kind whatever
/// the tile size.
float *scratch(Scratch which, int64_t floats, bool zero = false) {
  struct Buffer {
    float *data = nullptr;
    int64_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffers[static_cast<int>(Scratch::Count)];
  Buffer &buffer = buffers[static_cast<int>(which)];
  if (buffer.size < floats) {
    std::free(buffer.data);
    // 64-byte lines; not initialized: pages never written stay out of the
    // RSS.
    size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    buffer.data = static_cast<float *>(std::aligned_alloc(64, bytes));
    if (!buffer.data)
      std::abort();
    buffer.size = floats;
  }
  if (zero)
    std::fill_n(buffer.data, floats, 0.0f);
  return buffer.data;
}

/// The convolution in tiles of M x M output pixels.
template <int M> struct Tiled {
  static constexpr int T = Transform<M>::T, Points = T * T;
  const Convolution &conv;

  int64_t tilesH() const { return (conv.oh + M - 1) / M; }
  int64_t tilesW() const { return (conv.ow + M - 1) / M; }
  int64_t tiles() const { return conv.n * tilesH() * tilesW(); }

  /// Blocks of tiles: about kBlockTiles each, as many as a multiple of
  /// `parts` so that the parts are evenly loaded.
  int64_t blocks(int64_t parts) const {
    int64_t count =
        std::max<int64_t>(1, (tiles() + kBlockTiles - 1) / kBlockTiles);
    count = (count + parts - 1) / parts * parts;
    return std::min(count, tiles());
  }

  /// The filter's transform, output channels [begin, end): point p's
  /// F x C matrix at u + p * F * C.
  void transformFilter(int64_t begin, int64_t end, float *u) const {
    const float *g[9];
    float *points[Points];
    for (int64_t o = begin; o < end; ++o) {
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x)
          g[3 * y + x] = conv.filter + o * conv.filterF + y * conv.filterH +
                         x * conv.filterW;
      for (int p = 0; p < Points; ++p)
        points[p] = u + (p * conv.f + o) * conv.c;
      Rows<M>::filter(conv.c, g, points);
    }
  }

  /// Image and tile row and column of tile `t`.
  void position(int64_t t, int64_t &b, int64_t &y, int64_t &x) const {
    int64_t perImage = tilesH() * tilesW();
    b = t / perImage;
    y = t % perImage / tilesW();
    x = t % tilesW();
  }

  /// Floats of the buffer that block() needs for `count` tiles: Points + 1
  /// slots of count x max(C, F).
  int64_t blockFloats(int64_t count) const {
    return (Points + 1) * count * std::max(conv.c, conv.f);
  }

  /// Tiles [first, first + count): their transformed patches (point p's
  /// count x C matrix in slot p + 1 of `buffer`), the products with `u`
  /// (point p's count x F in slot p, where the previous point's patches
  /// were: its product has read them), and the tiles' pixels from them.
  /// A slot is count x max(C, F) floats: patches and products share one
  /// buffer about half the size of two.
  void block(int64_t first, int64_t count, const float *u, float *buffer,
             const float *zeros, bool accumulate) const {
    const Convolution &k = conv;
    int64_t slot = count * std::max(k.c, k.f);
    float *v = buffer + slot, *m = buffer;
    const float *d[Points];
    float *points[Points];
    for (int64_t t = 0; t < count; ++t) {
      int64_t b, ty, tx;
      position(first + t, b, ty, tx);
      // The padded input has OH + 2 rows and OW + 2 columns: a last tile
      // that does not fit reads zeros past them (for pixels it never
      // writes).
      for (int r = 0; r < T; ++r)
        for (int x = 0; x < T; ++x) {
          int64_t row = M * ty + r, col = M * tx + x;
          d[T * r + x] = row < k.oh + 2 && col < k.ow + 2
                             ? k.in + b * k.inN + row * k.inH + col * k.inW
                             : zeros;
        }
      for (int p = 0; p < Points; ++p)
        points[p] = v + p * slot + t * k.c;
      Rows<M>::input(k.c, d, points);
    }
    for (int p = 0; p < Points; ++p)
      m3sat::runtime::sgemm(/*transA=*/false, /*transB=*/true, count, k.f, k.c,
                            v + p * slot, k.c, u + p * k.f * k.c, k.c, 0.0f,
                            m + p * slot, k.f);
    const float *products[Points];
    float *pixels[M * M];
    for (int64_t t = 0; t < count; ++t) {
      int64_t b, ty, tx;
      position(first + t, b, ty, tx);
      for (int r = 0; r < M; ++r)
        for (int x = 0; x < M; ++x) {
          int64_t row = M * ty + r, col = M * tx + x;
          pixels[M * r + x] =
              row < k.oh && col < k.ow
                  ? k.out + b * k.outN + row * k.outH + col * k.outW
                  : nullptr;
        }
      for (int p = 0; p < Points; ++p)
        products[p] = m + p * slot + t * k.f;
      Rows<M>::output(k.f, products, pixels, accumulate);
    }
  }

  /// Part `part` of `parts`: a contiguous range of blocks, with the
  /// filter's transform `u` (transformFilter's layout) or, if null, a
  /// transform of this thread's own.
  void run(int64_t part, int64_t parts, bool accumulate, const float *u) const {
    int64_t count = blocks(parts), all = tiles();
    int64_t begin = count * part / parts, end = count * (part + 1) / parts;
    if (begin >= end)
      return;
    int64_t size = (all + count - 1) / count;
    if (!u) {
      float *own = scratch(Scratch::OwnFilter, Points * conv.f * conv.c);
      transformFilter(0, conv.f, own);
      u = own;
    }
    float *buffer = scratch(Scratch::Block, blockFloats(size));
    const float *zeros = scratch(Scratch::Zeros, conv.c, /*zero=*/true);
    for (int64_t k = begin; k < end; ++k) {
      int64_t first = std::min(all, k * size);
      int64_t tiles = std::min(all, first + size) - first;
      if (tiles > 0)
        block(first, tiles, u, buffer, zeros, accumulate);
    }
  }
};

} // namespace

/// How many parts m3sat_swinograd should split a convolution into, with
/// tiles of `tile` x `tile` output pixels: as many as m3sat_sgemm_parts
/// for its products (N*tiles x F x C each, one per point of the
/// transform), at most one per tile.
extern "C" int64_t m3sat_swinograd_parts(int64_t n, int64_t oh, int64_t ow,
                                         int64_t f, int64_t c, int64_t kh,
                                         int64_t kw, int64_t tile) {
  if (n <= 0 || oh <= 0 || ow <= 0)
    return 1;
  if (kh != 3 || kw != 3 || (tile != 2 && tile != 4))
    return m3sat_sconv_parts(n, oh, ow, f, c, kh, kw);
  int64_t tiles = n * ((oh + tile - 1) / tile) * ((ow + tile - 1) / tile);
  int64_t points = (tile + 2) * (tile + 2);
  int64_t parts = m3sat_sgemm_parts(points * tiles, f, c);
  return std::max<int64_t>(1, std::min(parts, tiles));
}

/// The calling thread's buffer for the transform of a filter of `f`
/// output and `c` input channels with tiles of `tile` x `tile` ((tile +
/// 2)^2 f c floats), which m3sat_swinograd_filter fills and the parts of
/// one m3sat_swinograd call share; 0 for a tile other than 2 or 4. The
/// buffer is kept (and grown) for the thread's next convolution: it is
/// valid until this thread asks for it again.
extern "C" intptr_t m3sat_swinograd_filter_buffer(int64_t f, int64_t c,
                                                  int64_t tile) {
  if ((tile != 2 && tile != 4) || f <= 0 || c <= 0)
    return 0;
  return reinterpret_cast<intptr_t>(
      scratch(Scratch::SharedFilter, (tile + 2) * (tile + 2) * f * c));
}

/// Part `part` of `parts` of the transform of `filter` [F, 3, 3, C] (unit
/// stride along C, the given strides along the others) for tiles of
/// `tile` x `tile`, into `u` (m3sat_swinograd_filter_buffer's): the part's
/// contiguous range of output channels. Nothing for another window or
/// tile (m3sat_swinograd then runs as m3sat_sconv).
extern "C" void m3sat_swinograd_filter(int64_t part, int64_t parts, int64_t f,
                                       int64_t c, int64_t kh, int64_t kw,
                                       intptr_t filter, int64_t filterF,
                                       int64_t filterH, int64_t filterW,
                                       int64_t tile, intptr_t u) {
  if (kh != 3 || kw != 3 || (tile != 2 && tile != 4) || !u || f <= 0 ||
      c <= 0 || parts < 1 || part < 0 || part >= parts)
    return;
  Convolution conv{};
  conv.f = f;
  conv.c = c;
  conv.filter = reinterpret_cast<const float *>(filter);
  conv.filterF = filterF;
  conv.filterH = filterH;
  conv.filterW = filterW;
  int64_t begin = f * part / parts, end = f * (part + 1) / parts;
  if (tile == 4)
    Tiled<4>{conv}.transformFilter(begin, end, reinterpret_cast<float *>(u));
  else
    Tiled<2>{conv}.transformFilter(begin, end, reinterpret_cast<float *>(u));
}

/// Part `part` of `parts` of out += conv(in, filter), or out = conv(in,
/// filter) when `accumulate` is 0 (out is then not read), with the operands
/// of m3sat_sconv: a 2-D convolution of unit strides and dilations, `in`
/// [N, OH+2, OW+2, C] (already padded), `filter` [F, 3, 3, C], `out` [N,
/// OH, OW, F], each with unit stride along its last dimension and the given
/// strides (in elements) along the others, by Winograd's F(TxT, 3x3) with
/// T = `tile` (2 or 4). The part computes a contiguous range of blocks of
/// tiles. `u` is the filter's transform (every part of
/// m3sat_swinograd_filter done), or 0: each part then transforms the filter
/// itself. A window other than 3x3 (or another tile) runs as m3sat_sconv.
extern "C" void m3sat_swinograd(int64_t part, int64_t parts, int64_t n,
                                int64_t oh, int64_t ow, int64_t f, int64_t c,
                                int64_t kh, int64_t kw, intptr_t in,
                                int64_t inN, int64_t inH, int64_t inW,
                                intptr_t filter, int64_t filterF,
                                int64_t filterH, int64_t filterW, intptr_t out,
                                int64_t outN, int64_t outH, int64_t outW,
                                int64_t accumulate, int64_t tile, intptr_t u) {
  if (kh != 3 || kw != 3 || (tile != 2 && tile != 4)) {
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
  const float *transformed = reinterpret_cast<const float *>(u);
  if (tile == 4)
    Tiled<4>{conv}.run(part, parts, accumulate != 0, transformed);
  else
    Tiled<2>{conv}.run(part, parts, accumulate != 0, transformed);
}
