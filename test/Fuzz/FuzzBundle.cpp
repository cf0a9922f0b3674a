//===- FuzzBundle.cpp - libFuzzer target: the bundle verifier -------------===//
//
// Any byte string is a candidate bundle.m3b: MappedBundle::verify must
// accept it or name what is wrong; an accepted bundle must be safe to walk
// the way the task runtime does (every weight slice inside the blob).
// Random bytes never carry a right CRC-32 and rarely the current format
// version, so the target skips the CRC and, where the FlatBuffers verifier
// passes, writes the current version in: the checks after them get fuzzed.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"

#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Mapped files start page aligned: give the verifier an aligned copy.
  std::vector<uint64_t> aligned((size + 7) / 8 + 1);
  std::memcpy(aligned.data(), data, size);
  auto *bytes = reinterpret_cast<uint8_t *>(aligned.data());
  flatbuffers::Verifier verifier(bytes, size);
  if (size >= 8 && m3sat::bundle::BundleBufferHasIdentifier(bytes) &&
      m3sat::bundle::VerifyBundleBuffer(verifier))
    m3sat::bundle::GetMutableBundle(bytes)->mutate_format_version(
        m3sat::kBundleFormatVersion);
  std::string error = m3sat::MappedBundle::verify(bytes, size, "fuzz.m3b",
                                                  /*checkCrc=*/false);
  if (!error.empty())
    return 0;
  const m3sat::bundle::Bundle *root = m3sat::bundle::GetBundle(bytes);
  uint64_t checksum = 0;
  const uint8_t *blob = root->weights() ? root->weights()->data() : nullptr;
  for (const m3sat::bundle::Task *task : *root->tasks()) {
    for (uint32_t index : *task->weights()) {
      const m3sat::bundle::Buffer *buffer = root->buffers()->Get(index);
      if (buffer->size())
        checksum += blob[buffer->offset()] + blob[buffer->offset() +
                                                  buffer->size() - 1];
    }
    for (const m3sat::bundle::TensorSpec *spec : *task->inputs())
      checksum += spec->name()->size() + spec->shape()->size();
  }
  return checksum == 0xdeadbeef ? 0 : 0;
}
