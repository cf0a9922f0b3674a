//===- CudaBlasTest.cpp - opening cuBLAS at run time ----------------------===//
//
// Needs no GPU: dlopen and dlsym only. With M3SAT_CUBLAS naming a missing
// file, the failure is one line naming it; naming the toolkit's cuBLAS
// (when this machine has one), every entry point resolves.
//
//===----------------------------------------------------------------------===//

#include "CudaBlas.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <fstream>

using namespace m3sat::blas;

namespace {

/// Sets M3SAT_CUBLAS for one test.
struct ScopedCublasPath {
  explicit ScopedCublasPath(const std::string &path) {
    setenv("M3SAT_CUBLAS", path.c_str(), 1);
  }
  ~ScopedCublasPath() { unsetenv("M3SAT_CUBLAS"); }
};

TEST(CudaBlasTest, MissingLibraryIsOneLine) {
  ScopedCublasPath path("/nonexistent/libcublas.so.99");
  Cublas cublas;
  std::string error;
  EXPECT_FALSE(openCublas(cublas, error));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find("cuBLAS could not be loaded (tried "
                       "M3SAT_CUBLAS=/nonexistent/libcublas.so.99: "),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("--gpu-gemm-library=none"), std::string::npos) << error;
  EXPECT_EQ(cublas.sgemm, nullptr);
}

TEST(CudaBlasTest, LibraryWithoutTheEntryPoints) {
  // A library that loads but is not cuBLAS.
  ScopedCublasPath path("libz.so.1");
  Cublas cublas;
  std::string error;
  EXPECT_FALSE(openCublas(cublas, error));
  EXPECT_EQ(error, "cuBLAS (libz.so.1) lacks cublasCreate_v2");
}

TEST(CudaBlasTest, ToolkitCublasResolves) {
  const char *home = std::getenv("CUDA_HOME");
  std::string file = std::string(home && *home ? home : "/usr/local/cuda") +
                     "/lib64/libcublas.so";
  if (!std::ifstream(file))
    GTEST_SKIP() << "no cuBLAS at " << file;
  ScopedCublasPath path(file);
  Cublas cublas;
  std::string error;
  ASSERT_TRUE(openCublas(cublas, error)) << error;
  EXPECT_NE(cublas.create, nullptr);
  EXPECT_NE(cublas.setStream, nullptr);
  EXPECT_NE(cublas.setMathMode, nullptr);
  EXPECT_NE(cublas.sgemm, nullptr);
  EXPECT_NE(cublas.sgemmStridedBatched, nullptr);
  // Needs no device either.
  ASSERT_NE(cublas.getStatusString, nullptr);
  const char *success = cublas.getStatusString(0);
  ASSERT_NE(success, nullptr);
  EXPECT_NE(std::string(success), "");
}

} // namespace
