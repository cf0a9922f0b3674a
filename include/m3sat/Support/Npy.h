//===- Npy.h - reading and writing .npy arrays ------------------*- C++ -*-===//
//
// NumPy .npy files (format 1.0-3.0, little-endian, C order) as m3sat-run and
// m3sat-profile read inputs and write outputs. Every malformed file gives a
// one-line error naming the file and what is wrong; writes are atomic.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_NPY_H
#define M3SAT_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace m3sat {

/// A dense array: NumPy dtype descriptor (e.g. "<f4", "<i8"), shape and the
/// raw little-endian bytes in C order.
struct NpyArray {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numElements() const;
};

/// Bytes per element of a little-endian numeric descriptor ("<f4", "<i8",
/// ...), or 0. Callers check which dtypes they accept.
size_t npyElementSize(const std::string &descr);

/// Reads `path`; on failure returns false with a one-line `error`.
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// Parses an in-memory .npy image; `name` is used in messages.
bool parseNpy(const uint8_t *bytes, size_t size, const std::string &name,
              NpyArray &array, std::string &error);

/// Parses and checks the header of an in-memory .npy image of `size` bytes
/// (the data must be there in full): sets `array`'s descr and shape (not its
/// data) and `dataOffset`, where the data starts. For stacks of samples that
/// are read one slice at a time.
bool parseNpyHeader(const uint8_t *bytes, size_t size, const std::string &name,
                    NpyArray &array, size_t &dataOffset, std::string &error);

/// Writes `array` to `path` atomically (temporary file, then rename).
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

/// "[1, 3, 224, 224]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace m3sat

#endif // M3SAT_SUPPORT_NPY_H
