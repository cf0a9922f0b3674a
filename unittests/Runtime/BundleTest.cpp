//===- BundleTest.cpp - bundle writer/reader round trip and verification --===//

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/BundleWriter.h"
#include "m3sat/Runtime/Bundle_generated.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace m3sat;

namespace {

class BundleTest : public ::testing::Test {
protected:
  void SetUp() override {
    path = ::testing::TempDir() + "bundle_test_" + std::to_string(getpid()) +
           ".m3b";
  }
  void TearDown() override { std::remove(path.c_str()); }

  /// Writes a bundle with two tasks sharing one weight.
  void writeSample() {
    BundleWriter writer;
    std::vector<float> shared(10, 1.5f), own(3, -2.0f);
    uint32_t a = writer.addBuffer("k-shared", "w", bundle::DType::f32, {2, 5},
                                  shared.data(), shared.size() * 4);
    uint32_t again = writer.addBuffer("k-shared", "w", bundle::DType::f32,
                                      {2, 5}, shared.data(), shared.size() * 4);
    uint32_t b = writer.addBuffer("k-own", "v", bundle::DType::f32, {3},
                                  own.data(), own.size() * 4);
    EXPECT_EQ(a, again);
    TaskDesc t0{"semseg",
                0,
                {{"image", bundle::DType::f32, {1, 4}}},
                {{"semseg", bundle::DType::f32, {1, 2}}},
                {a, b},
                {}};
    TaskDesc t1{"depth",
                1,
                {{"image", bundle::DType::f32, {1, 4}}},
                {{"depth", bundle::DType::f32, {1, 1}}},
                {a},
                {{"moe0", 16, {3, 7}, true}}};
    writer.addTask(t0);
    writer.addTask(t1);
    ASSERT_EQ(writer.write(path, "abc", "code", "lib.so", "cpu", {"rgb"}), "");
  }

  std::vector<uint8_t> readFile() {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in),
            std::istreambuf_iterator<char>()};
  }

  void writeFile(const std::vector<uint8_t> &bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  }

  std::string path;
};

TEST_F(BundleTest, RoundTripStoresSharedWeightsOnceAndAligned) {
  writeSample();
  std::string error;
  auto bundle = MappedBundle::open(path, error);
  ASSERT_TRUE(bundle) << error;
  const bundle::Bundle &root = bundle->root();
  EXPECT_EQ(root.format_version(), kBundleFormatVersion);
  ASSERT_EQ(root.buffers()->size(), 2u);
  ASSERT_EQ(root.tasks()->size(), 2u);
  EXPECT_EQ(root.tasks()->Get(1)->weights()->Get(0),
            root.tasks()->Get(0)->weights()->Get(0));
  for (const bundle::Buffer *buffer : *root.buffers()) {
    const uint8_t *data = bundle->weights() + buffer->offset();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  }
  const float *v = reinterpret_cast<const float *>(
      bundle->weights() + root.buffers()->Get(1)->offset());
  EXPECT_EQ(v[2], -2.0f);
  const bundle::MoELayer *layer = root.tasks()->Get(1)->moe_layers()->Get(0);
  EXPECT_EQ(layer->kept_experts()->Get(1), 7);
  EXPECT_TRUE(layer->static_routing());
}

TEST_F(BundleTest, TruncatedBundlesAreRejected) {
  writeSample();
  std::vector<uint8_t> bytes = readFile();
  for (size_t keep :
       {size_t(0), size_t(6), bytes.size() / 2, bytes.size() - 64}) {
    writeFile(std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
    std::string error;
    EXPECT_FALSE(MappedBundle::open(path, error)) << "kept " << keep;
    EXPECT_NE(error.find(path), std::string::npos) << error;
  }
}

TEST_F(BundleTest, EveryFlippedByteIsRejected) {
  writeSample();
  std::vector<uint8_t> bytes = readFile();
  ASSERT_EQ(MappedBundle::verify(bytes.data(), bytes.size(), "bundle"), "");
  // Metadata and weight bytes alike: the verifier, the version check or the
  // CRC-32 refuses each one.
  size_t weightFlips = 0;
  const bundle::Bundle *original = bundle::GetBundle(bytes.data());
  const uint8_t *blob = original->weights()->data();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= 0x01;
    std::string error =
        MappedBundle::verify(flipped.data(), flipped.size(), "bundle");
    EXPECT_NE(error, "") << "flip at " << i;
    if (bytes.data() + i >= blob &&
        bytes.data() + i < blob + original->weights()->size()) {
      ++weightFlips;
      EXPECT_NE(error.find("corrupt bundle (the file's CRC-32 is"),
                std::string::npos)
          << error;
    }
  }
  EXPECT_GT(weightFlips, 0u);
}

TEST_F(BundleTest, ResealedFlipsAreRejectedOrStayInBounds) {
  writeSample();
  std::vector<uint8_t> bytes = readFile();
  // A writer with a bug would seal wrong metadata with a right CRC-32: the
  // semantic checks must still refuse it or keep every weight slice inside
  // the blob (ASan in scripts/sanitize.sh catches any read out of bounds).
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= 0xff;
    flatbuffers::Verifier verifier(flipped.data(), flipped.size());
    if (!bundle::VerifyBundleBuffer(verifier)) {
      ++rejected;
      continue;
    }
    bundle::Bundle *mutableRoot = bundle::GetMutableBundle(flipped.data());
    if (const uint8_t *field = MappedBundle::crcFieldOf(mutableRoot))
      mutableRoot->mutate_crc32(
          MappedBundle::checksum(flipped.data(), flipped.size(), field));
    std::string error =
        MappedBundle::verify(flipped.data(), flipped.size(), "bundle");
    if (!error.empty()) {
      ++rejected;
      continue;
    }
    const bundle::Bundle *root = bundle::GetBundle(flipped.data());
    uint64_t blob = root->weights() ? root->weights()->size() : 0;
    for (const bundle::Buffer *buffer : *root->buffers())
      EXPECT_LE(buffer->offset() + buffer->size(), blob) << "flip at " << i;
  }
  EXPECT_GT(rejected, 0);
}

TEST_F(BundleTest, WrongVersionIsNamed) {
  writeSample();
  std::vector<uint8_t> bytes = readFile();
  auto *root = bundle::GetMutableBundle(bytes.data());
  ASSERT_TRUE(root->mutate_format_version(99));
  std::string error = MappedBundle::verify(bytes.data(), bytes.size(), "b");
  EXPECT_EQ(error, "b: field 'format_version' is 99, this m3sat reads 2");
}

} // namespace
