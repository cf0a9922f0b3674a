//===- peak.cpp - this machine's fp32 FMA peak and memory bandwidth -------===//
//
// Measures, per instruction set (AVX2/FMA on ymm registers, AVX-512 on zmm
// registers), the fp32 FMA throughput of one thread and of all threads, and
// the memory bandwidth (STREAM-like triad and a read-only sum over arrays far
// larger than the caches), then checks the peak against a known kernel:
// oneDNN's SGEMM at a large M, compiled for the same instruction set
// (DNNL_MAX_CPU_ISA), must not run faster than the measured peak.
//
// The FMA kernel keeps N independent accumulators in registers, each updated
// by one vector FMA per iteration (acc = acc * a + b). To reach the peak the
// FMAs in flight must cover latency x issue rate: 2 FMA pipes x 4 cycles = 8
// on Zen 4 and recent Intel cores. N is swept (AVX2: 4, 8, 10, 12 of the 16
// ymm registers, 2 of which hold a and b; AVX-512: 8, 16, 24, 28 of the 32
// zmm registers) and the best count is the peak, so that a core with other
// latencies is measured at its own best.
//
// Time is taken two ways: wall-clock (best of many short trials) and each
// thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which another process running
// on the same core does not inflate. The peak is the larger of the two.
//
// Usage: peak [--isa=auto|avx2|avx512] [--quick]
//   --isa: measure only that instruction set and use it for the check
//   (auto: every instruction set this CPU has; the check and "peak" use the
//   widest). --quick: fewer and shorter trials, smaller arrays.
// Prints one JSON object on stdout. Exit code 1 on bad arguments or when the
// requested instruction set is not available.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>
#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool quick = false;

double wallSeconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

double threadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// One thread's run of `iterations` x N FMAs; returns a value that depends
/// on every accumulator so that none of them is dead.
template <int N>
__attribute__((target("avx2,fma"))) float fmaLoopAvx2(long iterations,
                                                      float seed) {
  __m256 acc[N];
  for (int j = 0; j < N; ++j)
    acc[j] = _mm256_set1_ps(seed + 0.001f * j);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 32
    for (int j = 0; j < N; ++j)
      acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 sum = acc[0];
  for (int j = 1; j < N; ++j)
    sum = _mm256_add_ps(sum, acc[j]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  return out[0] + out[7];
}

/// The sum of a vector's lanes (_mm512_reduce_add_ps warns in GCC 12).
__attribute__((target("avx512f"))) float laneSum(__m512 v) {
  float lanes[16];
  _mm512_storeu_ps(lanes, v);
  float sum = 0;
  for (float lane : lanes)
    sum += lane;
  return sum;
}

template <int N>
__attribute__((target("avx512f"))) float fmaLoopAvx512(long iterations,
                                                       float seed) {
  __m512 acc[N];
  for (int j = 0; j < N; ++j)
    acc[j] = _mm512_set1_ps(seed + 0.001f * j);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 32
    for (int j = 0; j < N; ++j)
      acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < N; ++j)
    sum = _mm512_add_ps(sum, acc[j]);
  return laneSum(sum);
}

using FmaLoop = float (*)(long, float);

struct Isa {
  const char *name;
  int lanes;
  bool available;
  std::vector<std::pair<int, FmaLoop>> loops; // accumulators, kernel
};

struct Rate {
  double wall = 0, cpu = 0; // GFLOP/s by wall-clock and by CPU time
  double best() const { return std::max(wall, cpu); }
};

/// Best GFLOP/s of `loop` on `threads` threads over several trials.
Rate measureFma(FmaLoop loop, int accumulators, int lanes, int threads) {
  const long iterations = quick ? 2000000 : 10000000;
  const int trials = quick ? 3 : 9;
  const double flopsPerThread = 2.0 * accumulators * lanes * iterations;
  Rate best;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<double> cpu(threads);
    float sink = 0;
    double start = 0, stop = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
#pragma omp barrier
#pragma omp master
      start = wallSeconds();
      double t0 = threadSeconds();
      sink += loop(iterations, 1.0f + omp_get_thread_num());
      cpu[omp_get_thread_num()] = threadSeconds() - t0;
#pragma omp barrier
#pragma omp master
      stop = wallSeconds();
    }
    if (sink == 12345.0f)
      std::fprintf(stderr, "%f\n", sink);
    double cpuRate = 0;
    for (double c : cpu)
      cpuRate += flopsPerThread / c / 1e9;
    best.wall =
        std::max(best.wall, flopsPerThread * threads / (stop - start) / 1e9);
    best.cpu = std::max(best.cpu, cpuRate);
  }
  return best;
}

/// Bandwidth of a triad (a = b + 3c: 2 reads and 1 write, STREAM's count
/// of bytes) and of a read-only sum, on `threads` threads, GB/s.
__attribute__((target("avx2,fma"))) void triadAvx2(float *a, const float *b,
                                                   const float *c, size_t n) {
  const __m256 s = _mm256_set1_ps(3.0f);
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(a + i, _mm256_fmadd_ps(_mm256_loadu_ps(c + i), s,
                                            _mm256_loadu_ps(b + i)));
}

__attribute__((target("avx2,fma"))) float sumAvx2(const float *b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(b + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(b + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(b + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(b + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out,
                   _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  return out[0];
}

__attribute__((target("avx512f"))) void triadAvx512(float *a, const float *b,
                                                    const float *c, size_t n) {
  const __m512 s = _mm512_set1_ps(3.0f);
  for (size_t i = 0; i < n; i += 16)
    _mm512_storeu_ps(a + i, _mm512_fmadd_ps(_mm512_loadu_ps(c + i), s,
                                            _mm512_loadu_ps(b + i)));
}

__attribute__((target("avx512f"))) float sumAvx512(const float *b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(b + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(b + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(b + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(b + i + 48));
  }
  return laneSum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

struct Bandwidth {
  double triad = 0, read = 0;
};

Bandwidth measureBandwidth(bool avx512, int threads) {
  // 3 arrays of 128 MiB (quick: 32 MiB), far above the 32 MiB L3 together.
  const size_t n = size_t(1) << (quick ? 23 : 25);
  float *a = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  float *b = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  float *c = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  // First touch by the threads that will use each part.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i)
    a[i] = 0.0f, b[i] = 1.0f, c[i] = 2.0f;
  Bandwidth best;
  float sink = 0;
  for (int trial = 0; trial < (quick ? 3 : 7); ++trial) {
    double start = wallSeconds();
#pragma omp parallel num_threads(threads)
    {
      int t = omp_get_thread_num(), nt = omp_get_num_threads();
      size_t chunk = n / nt / 64 * 64, lo = t * chunk;
      size_t hi = t == nt - 1 ? n : lo + chunk;
      if (avx512)
        triadAvx512(a + lo, b + lo, c + lo, hi - lo);
      else
        triadAvx2(a + lo, b + lo, c + lo, hi - lo);
    }
    double triad = wallSeconds() - start;
    start = wallSeconds();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      int t = omp_get_thread_num(), nt = omp_get_num_threads();
      size_t chunk = n / nt / 64 * 64, lo = t * chunk;
      size_t hi = t == nt - 1 ? n : lo + chunk;
      sink += avx512 ? sumAvx512(a + lo, hi - lo) : sumAvx2(a + lo, hi - lo);
    }
    double read = wallSeconds() - start;
    best.triad = std::max(best.triad, 3.0 * n * sizeof(float) / triad / 1e9);
    best.read = std::max(best.read, 1.0 * n * sizeof(float) / read / 1e9);
  }
  bool ok = a[n / 2] == 7.0f && sink > 0;
  std::free(a), std::free(b), std::free(c);
  if (!ok) {
    std::fprintf(stderr, "peak: triad check failed\n");
    std::exit(1);
  }
  return best;
}

using DnnlSgemm = int (*)(char, char, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t, float,
                          float *, int64_t);

struct Check {
  bool available = false;
  std::string why;
  int m = 0, n = 0, k = 0;
  Rate single, all;
};

/// oneDNN's SGEMM, C[M, N] = A[M, K] B[K, N], at a large M on one thread
/// and on all threads (its GNU OpenMP pool is this program's).
Check checkAgainstSgemm(const char *isa, int threads) {
  Check check;
  // oneDNN reads this once, at its first use: it picks kernels of this ISA.
  setenv("DNNL_MAX_CPU_ISA", std::strcmp(isa, "avx2") == 0 ? "AVX2" : "ALL", 1);
  void *handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    check.why = "libdnnl.so.2 not found";
    return check;
  }
  auto sgemm = reinterpret_cast<DnnlSgemm>(dlsym(handle, "dnnl_sgemm"));
  if (!sgemm) {
    check.why = "libdnnl.so.2 has no dnnl_sgemm";
    return check;
  }
  check.available = true;
  check.m = quick ? 1024 : 4096, check.n = 1024, check.k = 1024;
  const int m = check.m, n = check.n, k = check.k;
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f),
      c(size_t(m) * n);
  const double flops = 2.0 * m * n * k;
  for (int pass = 0; pass < 2; ++pass) {
    int nt = pass == 0 ? 1 : threads;
    omp_set_num_threads(nt);
    Rate &rate = pass == 0 ? check.single : check.all;
    for (int trial = 0; trial < (quick ? 3 : 7); ++trial) {
      double w0 = wallSeconds(), c0 = 0;
      // CPU time of the process, all threads: clock() counts them.
      timespec t;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
      c0 = t.tv_sec + 1e-9 * t.tv_nsec;
      sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(),
            n);
      double wall = wallSeconds() - w0;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
      double cpu = t.tv_sec + 1e-9 * t.tv_nsec - c0;
      rate.wall = std::max(rate.wall, flops / wall / 1e9);
      // On nt threads the CPU time is about nt x the wall time.
      rate.cpu = std::max(rate.cpu, flops * nt / cpu / 1e9);
    }
  }
  if (c[0] != 0.5f * 0.25f * k) {
    std::fprintf(stderr, "peak: SGEMM result wrong\n");
    std::exit(1);
  }
  return check;
}

void printRate(const char *key, const Rate &rate, const char *tail) {
  std::printf("\"%s\": {\"wall_gflops\": %.1f, \"cpu_time_gflops\": %.1f, "
              "\"gflops\": %.1f}%s",
              key, rate.wall, rate.cpu, rate.best(), tail);
}

} // namespace

int main(int argc, char **argv) {
  std::string only = "auto";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--isa=", 6) == 0)
      only = argv[i] + 6;
    else if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--isa=auto|avx2|avx512] [--quick]\n",
                   argv[0]);
      return 1;
    }
  }
  __builtin_cpu_init();
  Isa isas[] = {
      {"avx2",
       8,
       __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
       {{4, fmaLoopAvx2<4>},
        {8, fmaLoopAvx2<8>},
        {10, fmaLoopAvx2<10>},
        {12, fmaLoopAvx2<12>}}},
      {"avx512",
       16,
       bool(__builtin_cpu_supports("avx512f")),
       {{8, fmaLoopAvx512<8>},
        {16, fmaLoopAvx512<16>},
        {24, fmaLoopAvx512<24>},
        {28, fmaLoopAvx512<28>}}},
  };
  if (only != "auto" && only != "avx2" && only != "avx512") {
    std::fprintf(stderr, "peak: --isa must be auto, avx2 or avx512\n");
    return 1;
  }
  for (Isa &isa : isas)
    if (only == isa.name && !isa.available) {
      std::fprintf(stderr, "peak: this CPU has no %s\n", isa.name);
      return 1;
    }
  const int threads = omp_get_max_threads();

  std::printf("{\"threads\": %d, \"isas\": {", threads);
  const Isa *widest = nullptr;
  Rate widestSingle, widestAll;
  Bandwidth widestBandwidth;
  bool firstIsa = true;
  for (const Isa &isa : isas) {
    if (!isa.available || (only != "auto" && only != isa.name))
      continue;
    std::printf("%s\"%s\": {\"lanes\": %d, \"sweep\": {", firstIsa ? "" : ", ",
                isa.name, isa.lanes);
    firstIsa = false;
    Rate single, all;
    int bestAccumulators = 0;
    for (size_t i = 0; i < isa.loops.size(); ++i) {
      auto [accumulators, loop] = isa.loops[i];
      Rate one = measureFma(loop, accumulators, isa.lanes, 1);
      std::printf("%s\"%d\": %.1f", i ? ", " : "", accumulators, one.best());
      if (one.best() > single.best())
        single = one, bestAccumulators = accumulators;
    }
    for (const auto &[accumulators, loop] : isa.loops)
      if (accumulators == bestAccumulators)
        all = measureFma(loop, accumulators, isa.lanes, threads);
    Bandwidth bw =
        measureBandwidth(std::strcmp(isa.name, "avx512") == 0, threads);
    std::printf("}, \"accumulators\": %d, ", bestAccumulators);
    printRate("single_thread", single, ", ");
    printRate("all_threads", all, ", ");
    std::printf("\"triad_gbs\": %.1f, \"read_gbs\": %.1f}", bw.triad, bw.read);
    widest = &isa, widestSingle = single, widestAll = all, widestBandwidth = bw;
  }
  Check check = checkAgainstSgemm(widest->name, threads);
  std::printf("}, \"isa\": \"%s\", \"peak_single_thread_gflops\": %.1f, "
              "\"fp32_peak_gflops\": %.1f, \"triad_bandwidth_gbs\": %.1f, "
              "\"read_bandwidth_gbs\": %.1f, ",
              widest->name, widestSingle.best(), widestAll.best(),
              widestBandwidth.triad, widestBandwidth.read);
  if (!check.available) {
    std::printf("\"check\": {\"kernel\": null, \"why\": \"%s\"}}\n",
                check.why.c_str());
    return 0;
  }
  // The kernel may not beat the peak: 2% of slack for timer granularity.
  bool singleOk = check.single.best() <= 1.02 * widestSingle.best();
  bool allOk = check.all.best() <= 1.02 * widestAll.best();
  std::printf("\"check\": {\"kernel\": \"oneDNN dnnl_sgemm\", \"M\": %d, "
              "\"N\": %d, \"K\": %d, ",
              check.m, check.n, check.k);
  printRate("single_thread", check.single, ", ");
  printRate("all_threads", check.all, ", ");
  std::printf("\"single_thread_fraction\": %.3f, \"all_threads_fraction\": "
              "%.3f, \"ok\": %s}}\n",
              check.single.best() / widestSingle.best(),
              check.all.best() / widestAll.best(),
              singleOk && allOk ? "true" : "false");
  return 0;
}
