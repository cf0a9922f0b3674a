//===- FuzzBundle.cpp - libFuzzer target: the bundle verifier -------------===//
//
// Any byte string is a candidate bundle.m3b: MappedBundle::verify must
// accept it or name what is wrong; an accepted bundle must be safe to walk
// the way the task runtime does (every weight slice inside the blob).
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
  const auto *bytes = reinterpret_cast<const uint8_t *>(aligned.data());
  std::string error = m3sat::MappedBundle::verify(bytes, size, "fuzz.m3b");
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
