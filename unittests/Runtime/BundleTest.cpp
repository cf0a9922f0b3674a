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

/// A bundle of one task whose weight 0 holds 4-bit codes [2, 4, 8 / 2]
/// with block scales (block 4: [2, 4, 2]) and packed zero points
/// ([2, 4, 1]); `damage` edits the description before it is written.
/// Returns the writer's error (it verifies what it wrote) or the reader's.
std::string writeQuantized(const std::string &path,
                           void (*damage)(QuantizationDesc &,
                                          std::vector<int64_t> &)) {
  BundleWriter writer;
  std::vector<uint8_t> codes(2 * 4 * 4, 0x21), zeros(2 * 4 * 1, 0x88);
  std::vector<float> scales(2 * 4 * 2, 0.5f);
  QuantizationDesc q;
  q.bits = 4;
  q.columns = 8;
  q.blockSize = 4;
  std::vector<int64_t> scaleShape = {2, 4, 2};
  if (damage)
    damage(q, scaleShape);
  uint32_t c = writer.addBuffer("codes", "fc1.codes", bundle::DType::i8,
                                {2, 4, 4}, codes.data(), codes.size());
  uint32_t s = writer.addBuffer(
      "scales", "fc1.scales", bundle::DType::f32, scaleShape, scales.data(),
      4 * scaleShape[0] * scaleShape[1] *
          (scaleShape.size() > 2 ? scaleShape[2] : 1));
  uint32_t z = writer.addBuffer("zeros", "fc1.zeros", bundle::DType::i8,
                                {2, 4, 1}, zeros.data(), zeros.size());
  q.scales = s;
  if (q.zeroPoints != -1)
    q.zeroPoints = z;
  writer.setQuantization(c, q);
  writer.addTask({"t", 0, {}, {{"y", bundle::DType::f32, {1}}}, {c, s, z}, {}});
  if (std::string error =
          writer.write(path, "abc", "code", "lib.so", "cpu", {});
      !error.empty())
    return error;
  std::string error;
  auto bundle = MappedBundle::open(path, error);
  if (bundle) {
    const bundle::Quantization *read =
        bundle->root().buffers()->Get(c)->quantization();
    EXPECT_TRUE(read && read->codes() == bundle::QuantizedType::u4 &&
                read->columns() == 8 && read->block_size() == 4 &&
                read->scales() == s);
  }
  return error;
}

TEST_F(BundleTest, QuantizedCodesRoundTrip) {
  EXPECT_EQ(
      writeQuantized(path, [](QuantizationDesc &q,
                              std::vector<int64_t> &) { q.zeroPoints = 0; }),
      "");
  EXPECT_EQ(writeQuantized(path, nullptr), "");
}

TEST_F(BundleTest, DamagedQuantizationIsRefused) {
  auto expectRefused = [&](void (*damage)(QuantizationDesc &,
                                          std::vector<int64_t> &),
                           const std::string &why) {
    std::string error = writeQuantized(path, damage);
    EXPECT_NE(error.find("buffer 0 ('fc1.codes'): " + why), std::string::npos)
        << error;
  };
  expectRefused(
      [](QuantizationDesc &, std::vector<int64_t> &shape) {
        shape = {2, 4, 3};
      },
      "field 'quantization.scales': buffer 'fc1.scales' is not a float "
      "tensor of one scale per block");
  expectRefused(
      [](QuantizationDesc &q, std::vector<int64_t> &) { q.blockSize = 3; },
      "field 'quantization.block_size' 3 does not divide the 8 columns");
  expectRefused(
      [](QuantizationDesc &q, std::vector<int64_t> &) { q.columns = 16; },
      "field 'quantization.columns' 16 does not match the 4 bytes per row "
      "(2 codes per byte)");
  expectRefused(
      [](QuantizationDesc &q, std::vector<int64_t> &) { q.bits = 8; },
      "field 'quantization.columns' 8 does not match the 4 bytes per row "
      "(1 codes per byte)");
  expectRefused(
      [](QuantizationDesc &q, std::vector<int64_t> &shape) {
        q.blockSize = 0;
        q.zeroPoints = 0;
        shape = {2, 4};
      },
      "field 'quantization.zero_points': buffer 'fc1.zeros' is not i8 "
      "holding one packed code per scale");
}

TEST_F(BundleTest, ResealedDamagedScaleTableIsRefused) {
  ASSERT_EQ(writeQuantized(path, nullptr), "");
  std::vector<uint8_t> bytes = readFile();
  // A file whose scale table was changed and whose CRC-32 was then
  // recomputed: the structural checks must still refuse it.
  bundle::Bundle *root = bundle::GetMutableBundle(bytes.data());
  auto *buffers = root->mutable_buffers();
  ASSERT_TRUE(
      buffers->GetMutableObject(0)->mutable_quantization()->mutate_scales(2));
  root->mutate_crc32(MappedBundle::checksum(bytes.data(), bytes.size(),
                                            MappedBundle::crcFieldOf(root)));
  EXPECT_EQ(MappedBundle::verify(bytes.data(), bytes.size(), "b"),
            "b: buffer 0 ('fc1.codes'): field 'quantization.scales': buffer "
            "'fc1.zeros' is not a float tensor of one scale per block");
}

} // namespace
