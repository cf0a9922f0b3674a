//===- Npy.cpp - reading and writing .npy arrays --------------------------===//
//
// A strict .npy reader and an atomic writer. The header is a Python dict
// literal; only the three keys NumPy writes are accepted.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Support/Npy.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace m3sat;

int64_t NpyArray::numElements() const {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

size_t m3sat::npyElementSize(const std::string &descr) {
  static const std::pair<const char *, size_t> sizes[] = {
      {"<f4", 4}, {"<i4", 4}, {"<u4", 4}, {"<f8", 8}, {"<i8", 8},
      {"<u8", 8}, {"<f2", 2}, {"<i2", 2}, {"<u2", 2}, {"|u1", 1},
      {"|i1", 1}, {"|b1", 1}, {"<V2", 2}, {"|V1", 1}, {"<V1", 1}};
  for (const auto &[name, size] : sizes)
    if (descr == name)
      return size;
  return 0;
}

std::string m3sat::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

namespace {

/// Finds `'key':` in the header dict and returns the position after it.
size_t findKey(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return at;
  at = header.find(':', at);
  return at == std::string::npos ? at : at + 1;
}

size_t skipSpaces(const std::string &text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
    ++at;
  return at;
}

} // namespace

bool m3sat::parseNpyHeader(const uint8_t *bytes, size_t size,
                           const std::string &name, NpyArray &array,
                           size_t &dataOffset, std::string &error) {
  static const char magic[] = "\x93NUMPY";
  if (size < 10 || std::memcmp(bytes, magic, 6) != 0) {
    error = name + ": not a .npy file (bad magic)";
    return false;
  }
  uint8_t major = bytes[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = bytes[8] | (size_t(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) {
      error = name + ": truncated .npy header";
      return false;
    }
    headerLength = bytes[8] | (size_t(bytes[9]) << 8) |
                   (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    headerStart = 12;
  } else {
    error = name + ": unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (headerLength > size - headerStart) {
    error = name + ": truncated .npy header";
    return false;
  }
  std::string header(reinterpret_cast<const char *>(bytes) + headerStart,
                     headerLength);

  size_t at = findKey(header, "descr");
  if (at == std::string::npos) {
    error = name + ": .npy header has no 'descr'";
    return false;
  }
  at = skipSpaces(header, at);
  size_t end =
      at < header.size() ? header.find(header[at], at + 1) : std::string::npos;
  if (at >= header.size() || (header[at] != '\'' && header[at] != '"') ||
      end == std::string::npos) {
    error = name + ": malformed 'descr' in .npy header";
    return false;
  }
  array.descr = header.substr(at + 1, end - at - 1);
  if (npyElementSize(array.descr) == 0) {
    error = name + ": dtype '" + array.descr +
            "' is not supported (big-endian or non-numeric)";
    return false;
  }

  at = findKey(header, "fortran_order");
  if (at == std::string::npos ||
      header.compare(skipSpaces(header, at), 5, "False") != 0) {
    error = name + ": array is not in C order (fortran_order must be False)";
    return false;
  }

  at = findKey(header, "shape");
  at = at == std::string::npos ? at : skipSpaces(header, at);
  if (at == std::string::npos || header[at] != '(') {
    error = name + ": malformed 'shape' in .npy header";
    return false;
  }
  array.shape.clear();
  ++at;
  while (true) {
    at = skipSpaces(header, at);
    if (at < header.size() && header[at] == ')')
      break;
    size_t digits = at;
    while (digits < header.size() && std::isdigit(header[digits]))
      ++digits;
    if (digits == at || digits - at > 12) {
      error = name + ": malformed 'shape' in .npy header";
      return false;
    }
    array.shape.push_back(std::stoll(header.substr(at, digits - at)));
    at = skipSpaces(header, digits);
    if (at < header.size() && header[at] == ',')
      ++at;
  }

  size_t elementSize = npyElementSize(array.descr);
  size_t dataStart = headerStart + headerLength;
  int64_t count = 1;
  for (int64_t d : array.shape) {
    if (d < 0 || (d && count > (int64_t(1) << 40) / d)) {
      error = name + ": shape " + formatShape(array.shape) + " is too large";
      return false;
    }
    count *= d;
  }
  uint64_t expected = uint64_t(count) * elementSize;
  if (size - dataStart != expected) {
    error = name + ": data has " + std::to_string(size - dataStart) +
            " bytes but shape " + formatShape(array.shape) + " of '" +
            array.descr + "' needs " + std::to_string(expected) +
            " (truncated file?)";
    return false;
  }
  array.data.clear();
  dataOffset = dataStart;
  return true;
}

bool m3sat::parseNpy(const uint8_t *bytes, size_t size, const std::string &name,
                     NpyArray &array, std::string &error) {
  size_t dataOffset;
  if (!parseNpyHeader(bytes, size, name, array, dataOffset, error))
    return false;
  array.data.assign(bytes + dataOffset, bytes + size);
  return true;
}

bool m3sat::readNpy(const std::string &path, NpyArray &array,
                    std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  return parseNpy(bytes.data(), bytes.size(), path, array, error);
}

bool m3sat::writeNpy(const std::string &path, const NpyArray &array,
                     std::string &error) {
  std::string shape = "(";
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ",";
  if (array.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '" + array.descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts 64-byte aligned, then '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::string temporary = path + ".tmp." + std::to_string(getpid());
  FILE *file = std::fopen(temporary.c_str(), "wb");
  if (!file) {
    error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  uint8_t preamble[10] = {0x93,
                          'N',
                          'U',
                          'M',
                          'P',
                          'Y',
                          1,
                          0,
                          uint8_t(header.size() & 0xff),
                          uint8_t(header.size() >> 8)};
  bool ok =
      std::fwrite(preamble, 1, 10, file) == 10 &&
      std::fwrite(header.data(), 1, header.size(), file) == header.size() &&
      (array.data.empty() ||
       std::fwrite(array.data.data(), 1, array.data.size(), file) ==
           array.data.size());
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": cannot write: " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}
