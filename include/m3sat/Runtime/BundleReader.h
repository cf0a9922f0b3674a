//===- BundleReader.h - mapped, verified task bundles -----------*- C++ -*-===//
//
// Opens OUT_DIR/bundle.m3b read-only with mmap and checks it completely
// before use: the FlatBuffers Verifier, then the format version, the file's
// CRC-32, and the semantic checks (64-byte aligned weight slices inside the
// blob, sizes matching shapes, task weight indices in range). No MLIR
// dependency: the task runtime links it.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_RUNTIME_BUNDLEREADER_H
#define M3SAT_RUNTIME_BUNDLEREADER_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace m3sat {
namespace bundle {
struct Bundle;
} // namespace bundle

/// The bundle format this build reads and writes.
constexpr uint32_t kBundleFormatVersion = 2;

/// Bytes per element of a bundle DType value, or 0 if unknown.
size_t bundleDTypeSize(int dtype);

/// A verified bundle mapped into memory.
class MappedBundle {
public:
  /// Maps and verifies `path`. On failure returns null and sets `error` to a
  /// one-line message naming the file and the field.
  static std::shared_ptr<MappedBundle> open(const std::string &path,
                                            std::string &error);
  /// Verifies `size` bytes at `data` (not owned) as a bundle; `name` is used
  /// in messages. Returns an empty string when valid. `checkCrc` false skips
  /// the CRC-32 (only the fuzz target does, to reach the checks after it).
  static std::string verify(const void *data, size_t size,
                            const std::string &name, bool checkCrc = true);
  /// CRC-32 of `size` bytes at `data` holding a bundle, with the bytes of its
  /// `crc32` field (at `field`, inside the buffer) read as zero.
  static uint32_t checksum(const uint8_t *data, size_t size,
                           const uint8_t *field);
  /// Where `root`'s crc32 field lies in its buffer, or null if absent.
  static const uint8_t *crcFieldOf(const bundle::Bundle *root);

  ~MappedBundle();
  MappedBundle(const MappedBundle &) = delete;
  MappedBundle &operator=(const MappedBundle &) = delete;

  const bundle::Bundle &root() const { return *rootTable; }
  /// Start of the weight blob (64-byte aligned).
  const uint8_t *weights() const;
  const std::string &path() const { return filePath; }

private:
  MappedBundle() = default;

  std::string filePath;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  const bundle::Bundle *rootTable = nullptr;
};

} // namespace m3sat

#endif // M3SAT_RUNTIME_BUNDLEREADER_H
