//===- peak.cpp - this machine's fp32 FMA peak and memory bandwidth -------===//
//
// Measures, on all cores (OpenMP): fp32 FMA throughput with independent
// accumulator chains the compiler vectorizes (GFLOP/s, counting an FMA as
// 2 FLOPs), and memory bandwidth with a STREAM-like triad over arrays far
// larger than the caches (GB/s). Prints one JSON object.
//
//===----------------------------------------------------------------------===//

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <vector>

namespace {

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// 16 independent chains of 16 lanes each: enough to hide FMA latency.
double fmaPeak() {
  constexpr int kChains = 16, kLanes = 16;
  const long iterations = 20000000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    double start = seconds();
    int threads = 1;
#pragma omp parallel
    {
#pragma omp single
      threads = omp_get_num_threads();
      float acc[kChains][kLanes];
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < kLanes; ++l)
          acc[c][l] = 1.0f + 0.001f * (c + l + omp_get_thread_num());
      const float a = 0.999999f, b = 1e-7f;
      for (long i = 0; i < iterations; ++i)
        for (int c = 0; c < kChains; ++c)
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            acc[c][l] = acc[c][l] * a + b;
      float sum = 0;
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < kLanes; ++l)
          sum += acc[c][l];
      if (sum == 12345.0f)
        std::printf("%f\n", sum);
    }
    double elapsed = seconds() - start;
    double flops = 2.0 * kChains * kLanes * double(iterations) * threads;
    best = std::max(best, flops / elapsed / 1e9);
  }
  return best;
}

double triadBandwidth() {
  const size_t n = size_t(1) << 25; // 3 arrays of 128 MiB
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  double best = 0;
  for (int trial = 0; trial < 5; ++trial) {
    double start = seconds();
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i)
      a[i] = b[i] + 3.0f * c[i];
    double elapsed = seconds() - start;
    best = std::max(best, 3.0 * n * sizeof(float) / elapsed / 1e9);
  }
  if (a[n / 2] != 7.0f)
    std::printf("triad check failed\n");
  return best;
}

} // namespace

int main() {
  double peak = fmaPeak();
  double bandwidth = triadBandwidth();
  std::printf("{\"threads\": %d, \"fp32_peak_gflops\": %.1f, "
              "\"triad_bandwidth_gbs\": %.1f}\n",
              omp_get_max_threads(), peak, bandwidth);
  return 0;
}
