//===- Calibration.cpp - calibration sets for m3sat-profile ---------------===//
//
// Reads the calibration samples of m3sat-profile (see Calibration.h),
// including .npz archives (ZIP, members stored or deflated, ZIP64 as NumPy
// writes them).
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

using namespace m3sat;

namespace {

uint64_t le(const uint8_t *p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i)
    value = (value << 8) | p[i];
  return value;
}

/// Another integer descriptor of the same width and kind ("<i8" / "<u8"):
/// the task runtime's integers are signless.
bool sameDescr(const std::string &given, const std::string &declared) {
  if (given == declared)
    return true;
  if (given.size() != declared.size() || given.size() < 3 ||
      given[0] != declared[0] || given.substr(2) != declared.substr(2))
    return false;
  auto integer = [](char c) { return c == 'i' || c == 'u'; };
  return integer(given[1]) && integer(declared[1]);
}

/// Where the central directory of the ZIP archive `bytes` starts and how
/// many entries it has, from the end of central directory record (then
/// ZIP64's if present); "" or what is wrong.
std::string findCentralDirectory(const uint8_t *bytes, size_t size,
                                 uint64_t &entries, uint64_t &dirOffset) {
  if (size < 22)
    return "too short";
  size_t eocd = std::string::npos;
  for (size_t at = size - 22;; --at) {
    if (le(bytes + at, 4) == 0x06054b50) {
      eocd = at;
      break;
    }
    if (at == 0 || size - at > 22 + 65535)
      break;
  }
  if (eocd == std::string::npos)
    return "no end of central directory";
  entries = le(bytes + eocd + 10, 2);
  dirOffset = le(bytes + eocd + 16, 4);
  if (eocd >= 20 && le(bytes + eocd - 20, 4) == 0x07064b50) {
    uint64_t at = le(bytes + eocd - 12, 8);
    if (at > size || size - at < 56 || le(bytes + at, 4) != 0x06064b50)
      return "bad ZIP64 end of central directory";
    entries = le(bytes + at + 32, 8);
    dirOffset = le(bytes + at + 48, 8);
  }
  return "";
}

/// One member of a ZIP archive, as its central directory entry has it.
struct ZipEntry {
  std::string member;
  uint64_t flags = 0, method = 0, crc = 0, packed = 0, unpacked = 0, local = 0;
};

/// The ZIP64 extra field of an entry: the 64-bit values of the fields that
/// read all ones.
void readZip64Extra(const uint8_t *extra, uint64_t extraLength,
                    ZipEntry &entry) {
  for (uint64_t e = 0; e + 4 <= extraLength;) {
    uint64_t id = le(extra + e, 2), length = le(extra + e + 2, 2);
    if (e + 4 + length > extraLength)
      break;
    if (id == 1) {
      const uint8_t *field = extra + e + 4, *fieldEnd = field + length;
      for (uint64_t *value : {&entry.unpacked, &entry.packed, &entry.local})
        if (*value == 0xffffffff && field + 8 <= fieldEnd) {
          *value = le(field, 8);
          field += 8;
        }
    }
    e += 4 + length;
  }
}

/// Reads central directory entry `index` at `at` and moves `at` past it;
/// "" or what is wrong.
std::string readEntry(const uint8_t *bytes, size_t size, uint64_t index,
                      size_t &at, ZipEntry &entry) {
  if (at > size || size - at < 46 || le(bytes + at, 4) != 0x02014b50)
    return "bad central directory entry " + std::to_string(index);
  entry.flags = le(bytes + at + 8, 2);
  entry.method = le(bytes + at + 10, 2);
  entry.crc = le(bytes + at + 16, 4);
  entry.packed = le(bytes + at + 20, 4);
  entry.unpacked = le(bytes + at + 24, 4);
  uint64_t nameLength = le(bytes + at + 28, 2);
  uint64_t extraLength = le(bytes + at + 30, 2);
  uint64_t commentLength = le(bytes + at + 32, 2);
  entry.local = le(bytes + at + 42, 4);
  if (size - at - 46 < nameLength + extraLength + commentLength)
    return "truncated central directory";
  entry.member =
      std::string(reinterpret_cast<const char *>(bytes + at + 46), nameLength);
  readZip64Extra(bytes + at + 46 + nameLength, extraLength, entry);
  at += 46 + nameLength + extraLength + commentLength;
  return "";
}

/// Inflates the raw deflate stream of `packed` bytes at `data` into the
/// `unpacked` bytes at `out`, in steps that fit zlib's 32-bit counters;
/// "" or "zlib" (no stream) or "does not inflate".
std::string inflateRaw(const uint8_t *data, uint64_t packed, uint8_t *out,
                       uint64_t unpacked) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return "zlib";
  const uint8_t *next = data;
  uint64_t left = packed, written = 0;
  int status = Z_OK;
  while (status == Z_OK) {
    uint64_t inStep = std::min<uint64_t>(left, 1u << 30);
    stream.next_in = const_cast<uint8_t *>(next);
    stream.avail_in = static_cast<uInt>(inStep);
    stream.next_out = out + written;
    uint64_t outStep = std::min<uint64_t>(unpacked - written, 1u << 30);
    stream.avail_out = static_cast<uInt>(outStep);
    status = inflate(&stream, Z_NO_FLUSH);
    next += inStep - stream.avail_in;
    left -= inStep - stream.avail_in;
    written += outStep - stream.avail_out;
    if (status == Z_BUF_ERROR && (left || written < unpacked))
      status = Z_OK;
    if (status == Z_OK && !left && written == unpacked)
      break;
    if (status == Z_OK && inStep == stream.avail_in &&
        outStep == stream.avail_out)
      status = Z_DATA_ERROR; // No progress.
  }
  inflateEnd(&stream);
  if ((status != Z_OK && status != Z_STREAM_END) || written != unpacked)
    return "does not inflate";
  return "";
}

/// CRC-32 of `size` bytes at `data`, in steps that fit zlib's counters.
uint64_t crc32Of(const uint8_t *data, uint64_t size) {
  uint64_t sum = 0;
  for (uint64_t done = 0; done < size;) {
    uInt step = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
    sum = crc32(sum, data + done, step);
    done += step;
  }
  return sum;
}

/// The bytes of `entry` (data at `packedData`, in `buffer`): in place when
/// stored, inflated into `storage` when deflated; checked against the
/// CRC-32. "" or what is wrong.
std::string memberBytes(const ZipEntry &entry, const std::string &name,
                        const uint8_t *packedData,
                        std::shared_ptr<llvm::MemoryBuffer> &storage,
                        const uint8_t *&data) {
  const std::string quoted = "member '" + entry.member + "'";
  data = packedData;
  if (entry.method == 8) {
    std::unique_ptr<llvm::WritableMemoryBuffer> out =
        llvm::WritableMemoryBuffer::getNewUninitMemBuffer(entry.unpacked, name);
    if (!out)
      return quoted + " is too large";
    auto *outBytes = reinterpret_cast<uint8_t *>(out->getBufferStart());
    std::string problem =
        inflateRaw(packedData, entry.packed, outBytes, entry.unpacked);
    if (problem == "zlib")
      return problem;
    if (!problem.empty())
      return quoted + " " + problem;
    data = outBytes;
    storage = std::move(out);
  } else if (entry.method != 0) {
    return quoted + " uses compression method " + std::to_string(entry.method);
  } else if (entry.packed != entry.unpacked) {
    return quoted + " has inconsistent sizes";
  }
  if (crc32Of(data, entry.unpacked) != entry.crc)
    return quoted + " fails its CRC-32";
  return "";
}

} // namespace

bool CalibrationSet::addArray(const std::string &input, const std::string &name,
                              std::shared_ptr<llvm::MemoryBuffer> storage,
                              const uint8_t *bytes, size_t size,
                              std::string &error) {
  CalibrationArray array;
  array.name = name;
  size_t offset;
  if (!parseNpyHeader(bytes, size, name, array.header, offset, error))
    return false;
  array.data = bytes + offset;
  array.storage = std::move(storage);
  arrays[input].push_back(std::move(array));
  return true;
}

bool CalibrationSet::addFile(const std::string &input, const std::string &path,
                             std::string &error) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file) {
    error = path + ": cannot read: " + file.getError().message();
    return false;
  }
  std::shared_ptr<llvm::MemoryBuffer> buffer = std::move(*file);
  const auto *bytes =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  return addArray(input, path, buffer, bytes, buffer->getBufferSize(), error);
}

bool CalibrationSet::addInput(const std::string &spec, std::string &error) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    error = "--input '" + spec + "' is not NAME=FILE.npy";
    return false;
  }
  std::string path = spec.substr(eq + 1);
  if (llvm::sys::fs::is_directory(path)) {
    error = "--input " + spec + ": is a directory (use --calibration=DIR)";
    return false;
  }
  return addFile(spec.substr(0, eq), path, error);
}

bool CalibrationSet::addSet(const std::string &path, std::string &error) {
  if (!llvm::sys::fs::is_directory(path)) {
    if (!llvm::sys::fs::exists(path)) {
      error = "--calibration=" + path + ": no such file or directory";
      return false;
    }
    if (!llvm::StringRef(path).ends_with(".npz")) {
      error = "--calibration=" + path +
              ": neither a directory nor an .npz file (one .npy: "
              "--input NAME=FILE.npy)";
      return false;
    }
    return addNpz(path, error);
  }
  // DIR/NAME.npy and DIR/NAME/*.npy.
  std::vector<std::string> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
       it.increment(ec))
    entries.push_back(it->path());
  if (ec) {
    error = path + ": cannot list: " + ec.message();
    return false;
  }
  std::sort(entries.begin(), entries.end());
  bool any = false;
  for (const std::string &entry : entries) {
    llvm::StringRef file = llvm::sys::path::filename(entry);
    if (file.starts_with("."))
      continue;
    if (llvm::sys::fs::is_directory(entry)) {
      std::vector<std::string> files;
      for (llvm::sys::fs::directory_iterator it(entry, ec), end;
           it != end && !ec; it.increment(ec))
        if (llvm::StringRef(it->path()).ends_with(".npy"))
          files.push_back(it->path());
      if (ec) {
        error = entry + ": cannot list: " + ec.message();
        return false;
      }
      if (files.empty()) {
        error = entry + ": no .npy files (samples of input '" + file.str() +
                "' expected)";
        return false;
      }
      if (arrays.count(file.str())) {
        error = entry + ": input '" + file.str() +
                "' is given twice (a file and a directory)";
        return false;
      }
      std::sort(files.begin(), files.end());
      for (const std::string &npy : files)
        if (!addFile(file.str(), npy, error))
          return false;
      any = true;
    } else if (file.ends_with(".npy")) {
      std::string input = file.drop_back(4).str();
      if (arrays.count(input)) {
        error = entry + ": input '" + input +
                "' is given twice (a file and a directory)";
        return false;
      }
      if (!addFile(input, entry, error))
        return false;
      any = true;
    }
  }
  if (!any) {
    error = "--calibration=" + path +
            ": no samples (expected DIR/NAME.npy or DIR/NAME/*.npy per input "
            "NAME)";
    return false;
  }
  return true;
}

bool CalibrationSet::addNpz(const std::string &path, std::string &error) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file) {
    error = path + ": cannot read: " + file.getError().message();
    return false;
  }
  std::shared_ptr<llvm::MemoryBuffer> buffer = std::move(*file);
  const auto *bytes =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  size_t size = buffer->getBufferSize();
  auto bad = [&](const std::string &what) {
    error = path + ": not a readable .npz (" + what + ")";
    return false;
  };
  uint64_t entries = 0, dirOffset = 0;
  if (std::string problem =
          findCentralDirectory(bytes, size, entries, dirOffset);
      !problem.empty())
    return bad(problem);
  size_t at = dirOffset;
  bool any = false;
  for (uint64_t i = 0; i < entries; ++i) {
    ZipEntry entry;
    if (std::string problem = readEntry(bytes, size, i, at, entry);
        !problem.empty())
      return bad(problem);
    const std::string &member = entry.member;
    uint64_t local = entry.local;
    if (local > size || size - local < 30 || le(bytes + local, 4) != 0x04034b50)
      return bad("bad local header of '" + member + "'");
    uint64_t start =
        local + 30 + le(bytes + local + 26, 2) + le(bytes + local + 28, 2);
    if (start > size || size - start < entry.packed)
      return bad("member '" + member + "' is truncated");
    if (entry.flags & 1)
      return bad("member '" + member + "' is encrypted");
    if (!llvm::StringRef(member).ends_with(".npy"))
      continue;
    std::string name = path + ":" + member;
    std::string input = member.substr(0, member.size() - 4);
    const uint8_t *data = nullptr;
    std::shared_ptr<llvm::MemoryBuffer> storage = buffer;
    if (std::string problem =
            memberBytes(entry, name, bytes + start, storage, data);
        !problem.empty())
      return bad(problem);
    if (arrays.count(input))
      return bad("member '" + member + "' appears twice");
    if (!addArray(input, name, storage, data, entry.unpacked, error))
      return false;
    any = true;
  }
  if (!any) {
    error = "--calibration=" + path + ": no .npy members";
    return false;
  }
  return true;
}

bool CalibrationSet::bind(
    const std::map<std::string, std::pair<std::string, std::vector<int64_t>>>
        &inputs,
    std::string &error) {
  std::string known;
  for (const auto &[name, info] : inputs)
    known += (known.empty() ? "" : ", ") + name;
  std::string first;
  numSamples = 0;
  for (auto &[input, list] : arrays) {
    auto declared = inputs.find(input);
    if (declared == inputs.end()) {
      error = list.front().name + ": '" + input +
              "' is not an input of the profiled tasks (inputs: " + known + ")";
      return false;
    }
    const std::string &descr = declared->second.first;
    const std::vector<int64_t> &shape = declared->second.second;
    sampleShapes[input] = shape;
    int64_t count = 0;
    for (CalibrationArray &array : list) {
      const std::vector<int64_t> &given = array.header.shape;
      if (!sameDescr(array.header.descr, descr)) {
        error = array.name + ": dtype '" + array.header.descr +
                "' but input '" + input + "' needs '" + descr + "'";
        return false;
      }
      if (given == shape) {
        array.samples = 1;
      } else if (given.size() == shape.size() + 1 &&
                 std::equal(shape.begin(), shape.end(), given.begin() + 1)) {
        array.samples = given[0];
      } else if (!shape.empty() && shape[0] == 1 &&
                 given.size() == shape.size() &&
                 std::equal(shape.begin() + 1, shape.end(),
                            given.begin() + 1)) {
        array.samples = given[0]; // Along the batch axis.
      } else {
        // "[N, 1, 3, 32, 32]" and, batch 1, "[N, 3, 32, 32]".
        auto stack = [](llvm::ArrayRef<int64_t> dims) {
          std::string text = "[N";
          for (int64_t d : dims)
            text += ", " + std::to_string(d);
          return text + "]";
        };
        std::string forms = stack(shape);
        if (!shape.empty() && shape[0] == 1)
          forms += " or " + stack(llvm::ArrayRef<int64_t>(shape).drop_front());
        error = array.name + ": shape " + formatShape(given) + " but input '" +
                input + "' needs " + formatShape(shape) +
                " (one sample) or a stack " + forms;
        return false;
      }
      if (array.samples == 0) {
        error = array.name + ": holds no samples (shape " + formatShape(given) +
                ")";
        return false;
      }
      count += array.samples;
    }
    if (first.empty()) {
      first = input;
      numSamples = count;
    } else if (count != numSamples) {
      error = "input '" + input + "' has " + std::to_string(count) +
              " samples, input '" + first + "' " + std::to_string(numSamples) +
              ": every input needs one per sample";
      return false;
    }
  }
  return true;
}

std::vector<std::string> CalibrationSet::names() const {
  std::vector<std::string> result;
  for (const auto &entry : arrays)
    result.push_back(entry.first);
  return result;
}

void CalibrationSet::sample(int64_t index, std::map<std::string, NpyArray> &out,
                            std::map<std::string, std::string> &sources) const {
  out.clear();
  sources.clear();
  for (const auto &[input, list] : arrays) {
    int64_t at = index;
    for (const CalibrationArray &array : list) {
      if (at >= array.samples) {
        at -= array.samples;
        continue;
      }
      NpyArray &result = out[input];
      result.descr = array.header.descr;
      result.shape = sampleShapes.at(input);
      size_t bytes = result.numElements() * npyElementSize(result.descr);
      const uint8_t *from = array.data + at * bytes;
      result.data.assign(from, from + bytes);
      sources[input] = array.samples == 1
                           ? array.name
                           : array.name + "[" + std::to_string(at) + "]";
      break;
    }
  }
}
