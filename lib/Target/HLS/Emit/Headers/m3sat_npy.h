//===- m3sat_npy.h - .npy files for m3sat's generated testbenches ---------===//
//
// Header-only reading and writing of NumPy .npy arrays (format 1.0-3.0,
// little-endian, C order) for the C-simulation testbenches m3sat emits next
// to its HLS C++. Strict: a file whose dtype or shape is not the one the top
// function declares is an error. Writes are atomic (temporary file, then
// rename). Not for synthesis; C++14 or later.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_NPY_H
#define M3SAT_NPY_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace m3sat_npy {

/// "[1, 6, 16]".
inline std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Reads `path` into `data`, which must hold exactly `elementSize` x the
/// product of `shape` bytes of dtype `descr` ("<f4", "<i8", "|b1", ...).
/// Returns false with a one-line `error` naming the file otherwise.
inline bool load(const std::string &path, const std::string &descr,
                 const std::vector<int64_t> &shape, size_t elementSize,
                 std::vector<unsigned char> &data, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) {
    error = path + ": not a .npy file";
    return false;
  }
  unsigned major = bytes[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = bytes[8] | (size_t(bytes[9]) << 8);
    headerStart = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    headerLength = bytes[8] | (size_t(bytes[9]) << 8) |
                   (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    headerStart = 12;
  } else {
    error = path + ": unsupported .npy format version " +
            std::to_string(major);
    return false;
  }
  if (bytes.size() < headerStart + headerLength) {
    error = path + ": truncated .npy header";
    return false;
  }
  std::string header(bytes.begin() + headerStart,
                     bytes.begin() + headerStart + headerLength);

  // {'descr': '<f4', 'fortran_order': False, 'shape': (1, 6, 16), }
  auto valueOf = [&](const char *key, std::string &value) {
    std::string quoted = std::string("'") + key + "':";
    size_t at = header.find(quoted);
    if (at == std::string::npos)
      return false;
    at += quoted.size();
    while (at < header.size() && header[at] == ' ')
      ++at;
    value = header.substr(at);
    return true;
  };
  std::string value;
  if (!valueOf("descr", value) || value.size() < 2 || value[0] != '\'') {
    error = path + ": .npy header has no 'descr'";
    return false;
  }
  std::string fileDescr = value.substr(1, value.find('\'', 1) - 1);
  if (fileDescr != descr) {
    error = path + ": dtype '" + fileDescr + "', expected '" + descr + "'";
    return false;
  }
  if (!valueOf("fortran_order", value) || value.compare(0, 5, "False") != 0) {
    error = path + ": only C-order arrays are supported";
    return false;
  }
  if (!valueOf("shape", value) || value.empty() || value[0] != '(') {
    error = path + ": .npy header has no 'shape'";
    return false;
  }
  std::vector<int64_t> fileShape;
  size_t at = 1;
  while (at < value.size() && value[at] != ')') {
    if (value[at] == ' ' || value[at] == ',') {
      ++at;
      continue;
    }
    if (value[at] < '0' || value[at] > '9') {
      error = path + ": malformed 'shape' in .npy header";
      return false;
    }
    int64_t dim = 0;
    while (at < value.size() && value[at] >= '0' && value[at] <= '9') {
      if (dim > (int64_t(1) << 40)) {
        error = path + ": dimension too large in .npy header";
        return false;
      }
      dim = dim * 10 + (value[at++] - '0');
    }
    fileShape.push_back(dim);
  }
  if (at >= value.size()) {
    error = path + ": malformed 'shape' in .npy header";
    return false;
  }
  if (fileShape != shape) {
    error = path + ": shape " + formatShape(fileShape) + ", expected " +
            formatShape(shape);
    return false;
  }
  size_t count = 1;
  for (int64_t dim : shape)
    count *= size_t(dim);
  size_t dataStart = headerStart + headerLength;
  if (bytes.size() - dataStart != count * elementSize) {
    error = path + ": holds " + std::to_string(bytes.size() - dataStart) +
            " data bytes, expected " + std::to_string(count * elementSize);
    return false;
  }
  data.assign(bytes.begin() + dataStart, bytes.end());
  return true;
}

/// Writes `size` bytes at `data` as a .npy array of dtype `descr` and
/// `shape` to `path`, atomically. Returns false with a one-line `error`.
inline bool save(const std::string &path, const std::string &descr,
                 const std::vector<int64_t> &shape, const void *data,
                 size_t size, std::string &error) {
  std::ostringstream dict;
  dict << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    dict << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? "," : "")
         << (i + 1 < shape.size() ? " " : "");
  dict << "), }";
  std::string header = dict.str();
  // Magic, version, length, dictionary and padding: a multiple of 64 bytes
  // ending in a newline.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = path + ": cannot write";
      return false;
    }
    const char prefix[] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    out.write(prefix, sizeof(prefix));
    char length[2] = {char(header.size() & 0xff), char(header.size() >> 8)};
    out.write(length, 2);
    out.write(header.data(), std::streamsize(header.size()));
    out.write(static_cast<const char *>(data), std::streamsize(size));
    if (!out.flush()) {
      out.close();
      std::remove(temporary.c_str());
      error = path + ": cannot write";
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    error = path + ": cannot write";
    return false;
  }
  return true;
}

} // namespace m3sat_npy

#endif // M3SAT_NPY_H
