//===- Sgemm.cpp - the matrix-product kernel of task libraries ------------===//
//
// m3sat_sgemm_parts and m3sat_sgemm, called by code that
// m3sat-contractions-to-blas produced: C = op(A) op(B) or C += op(A) op(B)
// on row-major f32 matrices, split into parts that the task's OpenMP
// worksharing loop runs on its own threads (one part per thread, so the kernel
// uses every core of the task's pool and starts no threads of its own).
//
// Each part runs a single-threaded micro-kernel library, loaded on first use
// so that a task library has no link-time dependency on it:
//   1. oneDNN's dnnl_sgemm (libdnnl.so.2, Debian's libdnnl2): its JIT
//      kernels are picked at run time for the CPU's ISA (AVX-512 where the
//      CPU has it, AVX2 otherwise; DNNL_MAX_CPU_ISA caps it);
//   2. OpenBLAS's cblas_sgemm (libopenblas.so.0, Debian's libopenblas0-*);
//   3. a plain loop nest, slowly.
// M3SAT_SGEMM=onednn|openblas|loops picks one (loops when the one named is
// absent), for comparisons and tests.
//
// oneDNN as Debian builds it parallelizes with GNU OpenMP (libgomp), a
// pool separate from the task's LLVM OpenMP one: each calling thread sets
// its libgomp thread count to 1 so that no second pool competes for the
// cores.
//
// OpenBLAS 0.3.21 picks its kernels by CPU model and does not know recent
// AVX-512 CPUs (e.g. AMD Zen 4, which it runs with its AVX2 Haswell
// kernels at half the speed). When the CPU has the AVX-512 subsets the
// SkylakeX kernels use and OPENBLAS_CORETYPE is not set, it is set to
// SkylakeX before OpenBLAS loads.
//
//===----------------------------------------------------------------------===//

#include "Sgemm.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

// The task library links LLVM's OpenMP runtime when it has parallel loops;
// without it every product runs as one part.
extern "C" int omp_get_max_threads(void) __attribute__((weak));

using m3sat::runtime::sgemm;

namespace {

// CBLAS constants (cblas.h): row-major order, (no) transpose.
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float *,
                            int, const float *, int, float, float *, int);
// dnnl_sgemm (oneDNN's dnnl.h): row-major, 'N'/'T', 64-bit sizes; returns
// dnnl_success (0) or an error status.
using DnnlSgemm = int (*)(char, char, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t, float,
                          float *, int64_t);
using SetThreads = void (*)(int);

struct Kernel {
  DnnlSgemm dnnl = nullptr;
  SetThreads gompSetThreads = nullptr;
  CblasSgemm cblas = nullptr;
};

bool loadOneDNN(Kernel &kernel) {
  void *handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return false;
  auto sgemm = reinterpret_cast<DnnlSgemm>(dlsym(handle, "dnnl_sgemm"));
  // The libgomp that oneDNN loaded (none if it was built for another
  // threading runtime).
  SetThreads setThreads = nullptr;
  if (void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD))
    setThreads =
        reinterpret_cast<SetThreads>(dlsym(gomp, "omp_set_num_threads"));
  if (!sgemm)
    return false;
  kernel.dnnl = sgemm;
  kernel.gompSetThreads = setThreads;
  return true;
}

bool loadOpenBLAS(Kernel &kernel) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    setenv("OPENBLAS_CORETYPE", "SkylakeX", /*overwrite=*/0);
#endif
  void *handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return false;
  // One thread per call: the parts run on the task's OpenMP pool.
  if (auto setThreads = reinterpret_cast<SetThreads>(
          dlsym(handle, "openblas_set_num_threads")))
    setThreads(1);
  kernel.cblas = reinterpret_cast<CblasSgemm>(dlsym(handle, "cblas_sgemm"));
  return kernel.cblas != nullptr;
}

const Kernel &kernel() {
  static std::once_flag once;
  static Kernel loaded;
  std::call_once(once, [] {
    const char *choice = getenv("M3SAT_SGEMM");
    if (!choice || !*choice) {
      if (!loadOneDNN(loaded))
        loadOpenBLAS(loaded);
    } else if (!strcmp(choice, "onednn")) {
      loadOneDNN(loaded);
    } else if (!strcmp(choice, "openblas")) {
      loadOpenBLAS(loaded);
    }
  });
  return loaded;
}

/// C = beta C + op(A) op(B) with beta 0 or 1, by loops: the fallback
/// without a library. With beta 0, C is not read (BLAS semantics).
void plainSgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                const float *a, int64_t lda, const float *b, int64_t ldb,
                float beta, float *c, int64_t ldc) {
  if (beta == 0.0f)
    for (int64_t i = 0; i < m; ++i)
      std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float av = transA ? a[p * lda + i] : a[i * lda + p];
      float *row = c + i * ldc;
      if (!transB) {
        const float *brow = b + p * ldb;
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * brow[j];
      } else {
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * b[j * ldb + p];
      }
    }
}

} // namespace

void m3sat::runtime::sgemm(bool transA, bool transB, int64_t m, int64_t n,
                           int64_t k, const float *a, int64_t lda,
                           const float *b, int64_t ldb, float beta, float *c,
                           int64_t ldc) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    // An empty sum: C keeps its values, or becomes zero with beta 0.
    if (beta == 0.0f)
      plainSgemm(transA, transB, m, n, 0, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const Kernel &lib = kernel();
  if (lib.dnnl) {
    if (lib.gompSetThreads)
      lib.gompSetThreads(1);
    if (lib.dnnl(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, a, lda,
                 b, ldb, beta, c, ldc) == 0)
      return;
  }
  constexpr int64_t kIntMax = 0x7fffffff;
  if (lib.cblas && m <= kIntMax && n <= kIntMax && k <= kIntMax &&
      lda <= kIntMax && ldb <= kIntMax && ldc <= kIntMax) {
    lib.cblas(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans,
              int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), beta, c,
              int(ldc));
    return;
  }
  plainSgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

namespace {

// Columns (or rows) of one part: a multiple of the kernels' 16-float
// vector width, and at least this many multiply-adds per part, so that a
// part outweighs the cost of handing it to a thread.
constexpr int64_t kPartGranule = 16;
constexpr int64_t kMinPartWork = 1 << 17;

} // namespace

/// How many parts m3sat_sgemm should split an M x N x K product into: the
/// OpenMP pool's size, fewer for small products.
extern "C" int64_t m3sat_sgemm_parts(int64_t m, int64_t n, int64_t k) {
  int64_t threads = omp_get_max_threads ? omp_get_max_threads() : 1;
  if (m <= 0 || n <= 0 || k <= 0 || threads <= 1)
    return 1;
  int64_t work = m * n * k;
  int64_t parts =
      std::min<int64_t>(threads, std::max<int64_t>(1, work / kMinPartWork));
  // Enough columns or rows for every part.
  int64_t granules = std::max(n, m) / kPartGranule;
  return std::max<int64_t>(1, std::min(parts, granules));
}

namespace {

/// The part of C that part `part` of `parts` computes: rows rowBegin..rowEnd
/// and columns colBegin..colEnd, a band of C's columns (or of its rows when
/// C is taller than wide); empty when there is nothing left for the part.
struct Band {
  int64_t rowBegin = 0, rowEnd = 0, colBegin = 0, colEnd = 0;
  bool empty() const { return rowBegin >= rowEnd || colBegin >= colEnd; }
};

Band bandOf(int64_t part, int64_t parts, int64_t m, int64_t n) {
  Band result;
  if (parts < 1 || part < 0 || part >= parts || m <= 0 || n <= 0)
    return result;
  bool byRows = m > n;
  int64_t extent = byRows ? m : n;
  int64_t band = (extent + parts - 1) / parts;
  if (parts > 1)
    band = (band + kPartGranule - 1) / kPartGranule * kPartGranule;
  int64_t begin = std::min(extent, part * band);
  int64_t end = std::min(extent, begin + band);
  result.rowEnd = m;
  result.colEnd = n;
  if (byRows) {
    result.rowBegin = begin;
    result.rowEnd = end;
  } else {
    result.colBegin = begin;
    result.colEnd = end;
  }
  return result;
}

/// C = op(A) op(B) (+ C) on `band` of C.
void sgemmBand(const Band &band, bool transA, bool transB, int64_t k,
               const float *a, int64_t lda, const float *b, int64_t ldb,
               float beta, float *c, int64_t ldc) {
  int64_t r = band.rowBegin, j = band.colBegin;
  sgemm(transA, transB, band.rowEnd - r, band.colEnd - j, k,
        transA ? a + r : a + r * lda, lda, transB ? b + j * ldb : b + j, ldb,
        beta, c + r * ldc + j, ldc);
}

/// 16 floats, loaded and stored unaligned (GCC's vector extension: AVX-512
/// registers, two AVX2 ones or four SSE ones, whichever the clone has).
/// Always inlined into the clones below, so that no call passes a vector
/// (whose ABI would depend on the clone's ISA: GCC's -Wpsabi).
typedef float Floats __attribute__((vector_size(64)));
#pragma GCC diagnostic ignored "-Wpsabi"
inline __attribute__((always_inline)) Floats load(const float *p) {
  Floats v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void store(float *p, Floats v) {
  std::memcpy(p, &v, sizeof v);
}

/// One row of an epilogue: d[j] = c[j] * alpha + t0[j * s0] + t1[j * s1]
/// for j < n, the terms (of `terms`, 0 to 2) added in that order, one
/// rounding per operation as the loop it replaces computes it (Sgemm.cpp
/// is compiled without contraction into FMA). A term may be d itself: each
/// element is read before it is written. Compiled for AVX-512, AVX2 and
/// baseline x86-64; the loader picks the widest the CPU has.
#if defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void epilogueRow(int64_t n, const float *c, float alpha, int64_t terms,
                 const float *t0, int64_t s0, const float *t1, int64_t s1,
                 float *d) {
  int64_t j = 0;
  // Terms with unit stride or broadcast along the row: 16 at a time.
  if ((terms < 1 || s0 <= 1) && (terms < 2 || s1 <= 1) && s0 >= 0 && s1 >= 0) {
    Floats a = alpha - Floats{}; // alpha in every lane
    Floats b0 = terms > 0 && s0 == 0 ? t0[0] - Floats{} : Floats{};
    Floats b1 = terms > 1 && s1 == 0 ? t1[0] - Floats{} : Floats{};
    for (; j + 16 <= n; j += 16) {
      Floats v = load(c + j) * a;
      if (terms > 0)
        v += s0 ? load(t0 + j) : b0;
      if (terms > 1)
        v += s1 ? load(t1 + j) : b1;
      store(d + j, v);
    }
  }
  for (; j < n; ++j) {
    float v = c[j] * alpha;
    if (terms > 0)
      v += t0[j * s0];
    if (terms > 1)
      v += t1[j * s1];
    d[j] = v;
  }
}

} // namespace

/// Part `part` of `parts` of C += op(A) op(B), or of C = op(A) op(B) when
/// `accumulate` is 0 (C is then not read): a band of C's columns (or of its
/// rows when C is taller than wide). Called by generated code with
/// index-typed arguments: pointers arrive as integers.
extern "C" void m3sat_sgemm(int64_t part, int64_t parts, int64_t transA,
                            int64_t transB, int64_t m, int64_t n, int64_t k,
                            intptr_t a, int64_t lda, intptr_t b, int64_t ldb,
                            int64_t accumulate, intptr_t c, int64_t ldc) {
  Band band = bandOf(part, parts, m, n);
  if (band.empty())
    return;
  sgemmBand(band, transA, transB, k, reinterpret_cast<const float *>(a), lda,
            reinterpret_cast<const float *>(b), ldb, accumulate ? 1.0f : 0.0f,
            reinterpret_cast<float *>(c), ldc);
}

/// m3sat_sgemm's part, then the elementwise op that read its C, on the same
/// band while it is in cache: D = C * alpha + T0 + T1 (`terms` of them, 0 to
/// 2), element (i, j) of term t at t + i * tm + j * tn (strides in elements,
/// 0 where the term is broadcast), of D at d + i * ldd + j. C keeps the
/// product.
extern "C" void m3sat_sgemm_epilogue(
    int64_t part, int64_t parts, int64_t transA, int64_t transB, int64_t m,
    int64_t n, int64_t k, intptr_t a, int64_t lda, intptr_t b, int64_t ldb,
    int64_t accumulate, intptr_t c, int64_t ldc, float alpha, intptr_t d,
    int64_t ldd, int64_t terms, intptr_t t0, int64_t t0m, int64_t t0n,
    intptr_t t1, int64_t t1m, int64_t t1n) {
  Band band = bandOf(part, parts, m, n);
  if (band.empty())
    return;
  auto *pc = reinterpret_cast<float *>(c);
  sgemmBand(band, transA, transB, k, reinterpret_cast<const float *>(a), lda,
            reinterpret_cast<const float *>(b), ldb, accumulate ? 1.0f : 0.0f,
            pc, ldc);
  const auto *p0 = reinterpret_cast<const float *>(t0);
  const auto *p1 = reinterpret_cast<const float *>(t1);
  auto *pd = reinterpret_cast<float *>(d);
  int64_t j = band.colBegin, width = band.colEnd - band.colBegin;
  terms = std::clamp<int64_t>(terms, 0, 2);
  for (int64_t i = band.rowBegin; i < band.rowEnd; ++i)
    epilogueRow(width, pc + i * ldc + j, alpha, terms,
                terms > 0 ? p0 + i * t0m + j * t0n : nullptr, t0n,
                terms > 1 ? p1 + i * t1m + j * t1n : nullptr, t1n,
                pd + i * ldd + j);
}

namespace {

/// Rows of one tile's products in m3sat_sconv: enough for the kernel to run
/// near its peak, few enough that the tile's C (rows x F floats) stays in
/// the core's L2 cache across the KH x KW products that accumulate it.
constexpr int64_t kConvTileRows = 384;

/// A 2-D convolution of unit strides and dilations on NHWC images and
/// FHWC filters (`inX` and `outX`: strides in elements of N, H and W;
/// channels have unit stride), computed as KH x KW products per tile of
/// output rows, one per filter tap, without im2col.
struct Convolution {
  int64_t n, oh, ow, f, c, kh, kw;
  const float *in;
  int64_t inN, inH, inW;
  const float *filter;
  int64_t filterF, filterH, filterW;
  float *out;
  int64_t outN, outH, outW;

  /// Pixels between the starts of two image rows, when the rows of the
  /// input are evenly spaced runs of pixels (H stride a multiple of the W
  /// stride); 0 otherwise.
  int64_t pitch() const { return inW > 0 && inH % inW == 0 ? inH / inW : 0; }
  /// Output image rows per tile: about kConvTileRows pixel rows in the
  /// tile's products, in as many tiles as keep the parts evenly loaded.
  int64_t rowsPerTile(int64_t parts) const {
    int64_t p = pitch();
    int64_t rows = std::clamp<int64_t>(p > 0 ? kConvTileRows / p : 1, 1, oh);
    int64_t perImage = (oh + rows - 1) / rows;
    while (perImage < oh && (n * perImage) % parts != 0)
      ++perImage;
    return (oh + perImage - 1) / perImage;
  }

  /// Output rows [row, row + rows) of image `b`. In the input, pixel
  /// (y, x) of the tile's first tap is y * pitch + x pixels after its
  /// origin, so each tap's A is one strided matrix of
  /// (rows - 1) * pitch + OW pixel rows (lda: the W stride); the product
  /// goes to `scratch` at that pitch, and its OW valid pixels of each row
  /// to the output.
  void tile(int64_t b, int64_t row, int64_t rows, bool accumulate,
            std::vector<float> &scratch) const {
    int64_t p = rows > 1 ? pitch() : ow;
    int64_t m = (rows - 1) * p + ow;
    scratch.resize(static_cast<size_t>(m * f));
    float *c0 = scratch.data();
    float *outRow = out + b * outN + row * outH;
    if (accumulate) {
      // The pixels past OW in each row are never copied out; zeros there
      // keep the products clear of whatever the buffer held.
      std::fill(scratch.begin(), scratch.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t x = 0; x < ow; ++x)
          std::memcpy(c0 + (r * p + x) * f, outRow + r * outH + x * outW,
                      sizeof(float) * f);
    }
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x) {
        const float *a = in + b * inN + (row + y) * inH + x * inW;
        const float *w = filter + y * filterH + x * filterW;
        bool first = y == 0 && x == 0 && !accumulate;
        sgemm(/*transA=*/false, /*transB=*/true, m, f, c, a, inW, w, filterF,
              first ? 0.0f : 1.0f, c0, f);
      }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t x = 0; x < ow; ++x)
        std::memcpy(outRow + r * outH + x * outW, c0 + (r * p + x) * f,
                    sizeof(float) * f);
  }
};

} // namespace

/// How many parts m3sat_sconv should split a convolution into: as many as
/// m3sat_sgemm_parts for its product (N*OH*OW x F x KH*KW*C), at most one
/// per output image row.
extern "C" int64_t m3sat_sconv_parts(int64_t n, int64_t oh, int64_t ow,
                                     int64_t f, int64_t c, int64_t kh,
                                     int64_t kw) {
  if (n <= 0 || oh <= 0)
    return 1;
  return std::max<int64_t>(
      1, std::min(n * oh, m3sat_sgemm_parts(n * oh * ow, f, kh * kw * c)));
}

/// Part `part` of `parts` of out += conv(in, filter), or out = conv(in,
/// filter) when `accumulate` is 0 (out is then not read): a 2-D
/// convolution of unit strides and dilations, `in` [N, OH+KH-1, OW+KW-1, C]
/// (already padded), `filter` [F, KH, KW, C], `out` [N, OH, OW, F], each
/// with unit stride along its last dimension and the given strides (in
/// elements) along the others. The part computes a contiguous range of
/// tiles of output rows. Called by generated code with index-typed
/// arguments: pointers arrive as integers.
extern "C" void m3sat_sconv(int64_t part, int64_t parts, int64_t n, int64_t oh,
                            int64_t ow, int64_t f, int64_t c, int64_t kh,
                            int64_t kw, intptr_t in, int64_t inN, int64_t inH,
                            int64_t inW, intptr_t filter, int64_t filterF,
                            int64_t filterH, int64_t filterW, intptr_t out,
                            int64_t outN, int64_t outH, int64_t outW,
                            int64_t accumulate) {
  if (n <= 0 || oh <= 0 || ow <= 0 || f <= 0 || parts < 1 || part < 0 ||
      part >= parts)
    return;
  Convolution conv{
      n,       oh,      ow,      f,
      c,       kh,      kw,      reinterpret_cast<const float *>(in),
      inN,     inH,     inW,     reinterpret_cast<const float *>(filter),
      filterF, filterH, filterW, reinterpret_cast<float *>(out),
      outN,    outH,    outW};
  int64_t rows = conv.rowsPerTile(parts);
  int64_t tilesPerImage = (oh + rows - 1) / rows;
  int64_t tiles = n * tilesPerImage;
  int64_t begin = tiles * part / parts, end = tiles * (part + 1) / parts;
  // The tile's product, at the input's pitch: one buffer per thread, kept
  // for the next convolution.
  thread_local std::vector<float> scratch;
  for (int64_t t = begin; t < end; ++t) {
    int64_t b = t / tilesPerImage, row = t % tilesPerImage * rows;
    conv.tile(b, row, std::min(rows, oh - row), accumulate != 0, scratch);
  }
}
