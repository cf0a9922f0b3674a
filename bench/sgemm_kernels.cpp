// Single-thread SGEMM throughput of a micro-kernel library on the expert
// shapes, measured in the calling thread's CPU time (robust on a loaded
// machine, unlike wall-clock time): the data behind the task runtime's
// choice of kernel library (lib/Runtime/Sgemm.cpp).
//
// Usage: sgemm_kernels LIBRARY.so K,N[;K,N...] M[,M...]
// LIBRARY is dlopened; it must export dnnl_sgemm (oneDNN) or cblas_sgemm
// (OpenBLAS, BLIS). C[M, N] = A[M, K] B^T with B [N, K] (weights stored
// (out, in), as the task code passes them). Prints one JSON object:
// {"K,N": {"M": GFLOP/s, ...}, ...}.

#include <dlfcn.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float *,
                            int, const float *, int, float, float *, int);
using DnnlSgemm = int (*)(char, char, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t,
                          float, float *, int64_t);

double threadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

std::vector<int> parseList(const char *text) {
  std::vector<int> values;
  for (const char *p = text; *p;) {
    values.push_back(atoi(p));
    while (*p && *p != ',')
      ++p;
    if (*p)
      ++p;
  }
  return values;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s LIBRARY.so K,N[;K,N...] M[,M...]\n", argv[0]);
    return 1;
  }
  void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "sgemm_kernels: cannot load %s\n", argv[1]);
    return 1;
  }
  auto dnnl = reinterpret_cast<DnnlSgemm>(dlsym(handle, "dnnl_sgemm"));
  auto cblas = reinterpret_cast<CblasSgemm>(dlsym(handle, "cblas_sgemm"));
  if (auto set = reinterpret_cast<void (*)(int)>(
          dlsym(handle, "openblas_set_num_threads")))
    set(1);
  if (auto set = reinterpret_cast<void (*)(long)>(
          dlsym(handle, "bli_thread_set_num_threads")))
    set(1);
  if (void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD))
    if (auto set = reinterpret_cast<void (*)(int)>(
            dlsym(gomp, "omp_set_num_threads")))
      set(1);
  if (!dnnl && !cblas) {
    fprintf(stderr, "sgemm_kernels: %s has no dnnl_sgemm or cblas_sgemm\n",
            argv[1]);
    return 1;
  }
  std::vector<int> ms = parseList(argv[3]);
  printf("{");
  bool firstShape = true;
  for (const char *shape = argv[2]; *shape;) {
    int k = atoi(shape);
    const char *comma = strchr(shape, ',');
    if (!comma)
      break;
    int n = atoi(comma + 1);
    printf("%s\"%d,%d\": {", firstShape ? "" : ", ", k, n);
    firstShape = false;
    for (size_t i = 0; i < ms.size(); ++i) {
      int m = ms[i];
      std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(n) * k, 0.25f),
          c(size_t(m) * n);
      auto run = [&] {
        if (dnnl)
          dnnl('N', 'T', m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f,
               c.data(), n);
        else
          cblas(101, 111, 112, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f,
                c.data(), n);
      };
      double flops = 2.0 * m * n * k;
      int reps = std::max(5, int(2e8 / flops));
      for (int w = 0; w < 3; ++w)
        run();
      std::vector<double> seconds;
      for (int trial = 0; trial < 7; ++trial) {
        double start = threadSeconds();
        for (int r = 0; r < reps; ++r)
          run();
        seconds.push_back((threadSeconds() - start) / reps);
      }
      std::sort(seconds.begin(), seconds.end());
      printf("%s\"%d\": %.1f", i ? ", " : "", m, flops / seconds[3] / 1e9);
    }
    printf("}");
    shape = strchr(shape, ';');
    if (!shape)
      break;
    ++shape;
  }
  printf("}\n");
  return 0;
}
