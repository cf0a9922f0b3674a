//===- BundleReader.h - mapped, verified task bundles -----------*- C++ -*-===//
//
// Opens OUT_DIR/bundle.m3b read-only with mmap and checks it completely
// before use: the FlatBuffers Verifier, then the semantic checks (version,
// 64-byte aligned weight slices inside the blob, sizes matching shapes, task
// weight indices in range). No MLIR dependency: the task runtime links it.
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
constexpr uint32_t kBundleFormatVersion = 1;

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
  /// in messages. Returns an empty string when valid.
  static std::string verify(const void *data, size_t size,
                            const std::string &name);

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
