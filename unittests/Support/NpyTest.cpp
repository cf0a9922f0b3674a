//===- NpyTest.cpp - .npy reader and writer -------------------------------===//

#include "m3sat/Support/Npy.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace m3sat;

namespace {

std::vector<uint8_t> image(const std::string &header,
                           const std::vector<uint8_t> &data) {
  std::string padded = header;
  while ((10 + padded.size() + 1) % 64)
    padded += ' ';
  padded += '\n';
  std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                uint8_t(padded.size()), 0};
  bytes.insert(bytes.end(), padded.begin(), padded.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

TEST(NpyTest, ParsesWhatNumPyWrites) {
  std::vector<uint8_t> data(2 * 3 * 4, 0);
  auto bytes = image("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (2, 3), }",
                     data);
  NpyArray array;
  std::string error;
  ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), "a.npy", array, error))
      << error;
  EXPECT_EQ(array.descr, "<f4");
  EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(array.data.size(), 24u);
}

TEST(NpyTest, ScalarsAndOneDimensionalShapes) {
  NpyArray array;
  std::string error;
  auto scalar = image("{'descr': '<i8', 'fortran_order': False, "
                      "'shape': (), }",
                      std::vector<uint8_t>(8, 0));
  ASSERT_TRUE(parseNpy(scalar.data(), scalar.size(), "s", array, error));
  EXPECT_TRUE(array.shape.empty());
  auto vector = image("{'descr': '<f4', 'fortran_order': False, "
                      "'shape': (5,), }",
                      std::vector<uint8_t>(20, 0));
  ASSERT_TRUE(parseNpy(vector.data(), vector.size(), "v", array, error));
  EXPECT_EQ(array.shape, (std::vector<int64_t>{5}));
}

TEST(NpyTest, RejectsMalformedFiles) {
  NpyArray array;
  std::string error;
  const char junk[] = "not numpy at all";
  EXPECT_FALSE(parseNpy(reinterpret_cast<const uint8_t *>(junk),
                        sizeof(junk), "j.npy", array, error));
  EXPECT_EQ(error, "j.npy: not a .npy file (bad magic)");

  auto fortran = image("{'descr': '<f4', 'fortran_order': True, "
                       "'shape': (2, 2), }",
                       std::vector<uint8_t>(16, 0));
  EXPECT_FALSE(parseNpy(fortran.data(), fortran.size(), "f", array, error));
  EXPECT_EQ(error, "f: array is not in C order (fortran_order must be False)");

  auto bigEndian = image("{'descr': '>f4', 'fortran_order': False, "
                         "'shape': (1,), }",
                         std::vector<uint8_t>(4, 0));
  EXPECT_FALSE(
      parseNpy(bigEndian.data(), bigEndian.size(), "b", array, error));

  auto shortData = image("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (4,), }",
                         std::vector<uint8_t>(12, 0));
  EXPECT_FALSE(
      parseNpy(shortData.data(), shortData.size(), "t", array, error));
  EXPECT_EQ(error, "t: data has 12 bytes but shape [4] of '<f4' needs 16 "
                   "(truncated file?)");

  auto huge = image("{'descr': '<f4', 'fortran_order': False, "
                    "'shape': (999999999, 999999999), }",
                    {});
  EXPECT_FALSE(parseNpy(huge.data(), huge.size(), "h", array, error));
}

/// Writes `array` to a temporary file and reads it back.
NpyArray roundTrip(const NpyArray &array) {
  std::string path = ::testing::TempDir() + "npy_test_" +
                     std::to_string(getpid()) + ".npy";
  std::string error;
  NpyArray back;
  EXPECT_TRUE(writeNpy(path, array, error)) << error;
  EXPECT_TRUE(readNpy(path, back, error)) << error;
  std::remove(path.c_str());
  return back;
}

TEST(NpyTest, WriteThenReadRoundTrips) {
  NpyArray array{"<f4", {3, 2}, std::vector<uint8_t>(24)};
  float values[6] = {1, 2, 3, 4, 5, 6};
  std::memcpy(array.data.data(), values, 24);
  NpyArray back = roundTrip(array);
  EXPECT_EQ(back.shape, array.shape);
  EXPECT_EQ(back.data, array.data);
}

// A tensor with a zero dimension has a header and no data (the sanitizer
// build checks that no null buffer reaches fwrite).
TEST(NpyTest, ZeroSizeArrayRoundTrips) {
  NpyArray back = roundTrip(NpyArray{"<i8", {2, 0}, {}});
  EXPECT_EQ(back.descr, "<i8");
  EXPECT_EQ(back.shape, (std::vector<int64_t>{2, 0}));
  EXPECT_TRUE(back.data.empty());
}

} // namespace
