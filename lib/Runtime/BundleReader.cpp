//===- BundleReader.cpp - mapped, verified task bundles -------------------===//
//
// mmap + FlatBuffers verification + semantic checks of bundle.m3b.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/BundleReader.h"

#include "m3sat/Runtime/Bundle_generated.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <set>

using namespace m3sat;

size_t m3sat::bundleDTypeSize(int dtype) {
  switch (static_cast<bundle::DType>(dtype)) {
  case bundle::DType::f32:
  case bundle::DType::i32:
    return 4;
  case bundle::DType::i64:
  case bundle::DType::f64:
    return 8;
  case bundle::DType::f16:
  case bundle::DType::i16:
  case bundle::DType::bf16:
    return 2;
  case bundle::DType::i1:
  case bundle::DType::i8:
  case bundle::DType::f8e4m3fn:
  case bundle::DType::f8e4m3fnuz:
  case bundle::DType::f8e5m2:
  case bundle::DType::f8e5m2fnuz:
  case bundle::DType::f8e8m0fnu:
  case bundle::DType::f4e2m1fn:
  case bundle::DType::i4:
  case bundle::DType::i2:
    return 1;
  }
  return 0;
}

uint32_t MappedBundle::checksum(const uint8_t *data, size_t size,
                                const uint8_t *field) {
  // zlib takes lengths as uInt: feed large blobs in pieces.
  auto update = [](uLong crc, const uint8_t *from, size_t length) {
    while (length) {
      uInt piece = static_cast<uInt>(std::min<size_t>(length, 1u << 30));
      crc = crc32(crc, from, piece);
      from += piece;
      length -= piece;
    }
    return crc;
  };
  static const uint8_t zeros[sizeof(uint32_t)] = {};
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = update(crc, data, field - data);
  crc = update(crc, zeros, sizeof(zeros));
  crc =
      update(crc, field + sizeof(zeros), size - (field - data) - sizeof(zeros));
  return static_cast<uint32_t>(crc);
}

const uint8_t *MappedBundle::crcFieldOf(const bundle::Bundle *root) {
  // Generated tables derive privately from flatbuffers::Table, which holds
  // the field lookup; a table is nothing but its Table base.
  return reinterpret_cast<const flatbuffers::Table *>(root)->GetAddressOf(
      bundle::Bundle::VT_CRC32);
}

namespace {

/// Element count of `shape` if no dim is negative and the product fits;
/// -1 otherwise. Zero-size tensors are valid.
int64_t elementCount(const flatbuffers::Vector<int64_t> *shape) {
  int64_t count = 1;
  for (int64_t d : *shape) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return -1;
    count *= d;
  }
  return count;
}

/// The FlatBuffers Verifier checks a vector's length word (4-byte aligned)
/// but not that 8-byte elements are 8-byte aligned: check it, since the
/// runtime hands these arrays out as int64_t pointers.
bool aligned(const flatbuffers::Vector<int64_t> *vector, const uint8_t *base) {
  if (vector->size() == 0) // nothing is read through an empty vector
    return true;
  return (reinterpret_cast<const uint8_t *>(vector->data()) - base) %
             alignof(int64_t) ==
         0;
}

std::string checkSpecs(
    const flatbuffers::Vector<flatbuffers::Offset<bundle::TensorSpec>> *specs,
    const std::string &where, const uint8_t *base) {
  std::set<std::string> names;
  for (const bundle::TensorSpec *spec : *specs) {
    std::string name = spec->name()->str();
    if (!names.insert(name).second)
      return where + " '" + name + "' appears twice";
    if (!aligned(spec->shape(), base))
      return where + " '" + name + "': field 'shape' is misaligned";
    if (bundleDTypeSize(static_cast<int>(spec->dtype())) == 0)
      return where + " '" + name + "' has unknown dtype";
    if (elementCount(spec->shape()) < 0)
      return where + " '" + name + "' has an invalid shape";
  }
  return "";
}

/// The shape of a buffer as a vector.
std::vector<int64_t> shapeOf(const bundle::Buffer *buffer) {
  return std::vector<int64_t>(buffer->shape()->begin(), buffer->shape()->end());
}

/// "" if the quantization of `codes` (a verified buffer) is consistent with
/// the codes and with its scale and zero-point buffers, else why not.
std::string checkQuantization(
    const bundle::Buffer *codes,
    const flatbuffers::Vector<flatbuffers::Offset<bundle::Buffer>> *buffers) {
  const bundle::Quantization *q = codes->quantization();
  int64_t perByte;
  switch (q->codes()) {
  case bundle::QuantizedType::u8:
    perByte = 1;
    break;
  case bundle::QuantizedType::u4:
    perByte = 2;
    break;
  default:
    return "field 'quantization.codes' is not u4 or u8";
  }
  std::vector<int64_t> shape = shapeOf(codes);
  if (codes->dtype() != bundle::DType::i8 || shape.size() < 2)
    return "quantized codes must be i8 of rank 2 or more";
  if (q->columns() != shape.back() * perByte)
    return "field 'quantization.columns' " + std::to_string(q->columns()) +
           " does not match the " + std::to_string(shape.back()) +
           " bytes per row (" + std::to_string(perByte) + " codes per byte)";
  if (q->block_size() < 0 ||
      (q->block_size() > 0 && q->columns() % q->block_size() != 0))
    return "field 'quantization.block_size' " +
           std::to_string(q->block_size()) + " does not divide the " +
           std::to_string(q->columns()) + " columns";
  std::vector<int64_t> scaleShape(shape.begin(), shape.end() - 1);
  if (q->block_size() > 0)
    scaleShape.push_back(q->columns() / q->block_size());
  if (q->scales() >= buffers->size())
    return "field 'quantization.scales' names buffer " +
           std::to_string(q->scales()) + " of " +
           std::to_string(buffers->size());
  const bundle::Buffer *scales = buffers->Get(q->scales());
  if ((scales->dtype() != bundle::DType::f32 &&
       scales->dtype() != bundle::DType::f16) ||
      scales->quantization() || shapeOf(scales) != scaleShape)
    return "field 'quantization.scales': buffer '" + scales->name()->str() +
           "' is not a float tensor of one scale per " +
           (q->block_size() ? "block" : "row");
  if (q->zero_points() == -1)
    return "";
  if (q->zero_points() < 0 || uint32_t(q->zero_points()) >= buffers->size())
    return "field 'quantization.zero_points' names buffer " +
           std::to_string(q->zero_points()) + " of " +
           std::to_string(buffers->size());
  const bundle::Buffer *zeros = buffers->Get(q->zero_points());
  std::vector<int64_t> zeroShape = scaleShape;
  zeroShape.back() = (zeroShape.back() + perByte - 1) / perByte;
  if (zeros->dtype() != bundle::DType::i8 || zeros->quantization() ||
      shapeOf(zeros) != zeroShape)
    return "field 'quantization.zero_points': buffer '" + zeros->name()->str() +
           "' is not i8 holding one packed code per scale";
  return "";
}

} // namespace

std::string MappedBundle::verify(const void *data, size_t size,
                                 const std::string &name, bool checkCrc) {
  auto *bytes = static_cast<const uint8_t *>(data);
  if (size < 8 || !bundle::BundleBufferHasIdentifier(bytes))
    return name + ": not an m3sat bundle (missing 'M3SB' identifier)";
  flatbuffers::Verifier verifier(bytes, size);
  if (!bundle::VerifyBundleBuffer(verifier))
    return name + ": corrupt bundle (FlatBuffers verification failed)";
  const bundle::Bundle *root = bundle::GetBundle(bytes);
  if (root->format_version() != kBundleFormatVersion)
    return name + ": field 'format_version' is " +
           std::to_string(root->format_version()) + ", this m3sat reads " +
           std::to_string(kBundleFormatVersion);
  // The checksum before anything reads names or sizes out of the file.
  const uint8_t *crcField = crcFieldOf(root);
  if (checkCrc && !crcField)
    return name + ": corrupt bundle (field 'crc32' is missing)";
  uint32_t crc = checkCrc ? checksum(bytes, size, crcField) : 0;
  if (checkCrc && crc != root->crc32()) {
    char text[80];
    std::snprintf(text, sizeof(text), "%08x, field 'crc32' says %08x", crc,
                  root->crc32());
    return name + ": corrupt bundle (the file's CRC-32 is " + text + ")";
  }

  const flatbuffers::Vector<uint8_t> *weights = root->weights();
  uint64_t blobSize = weights ? weights->size() : 0;
  // Relative to the start of the buffer: mapped files start page aligned.
  if (weights && weights->size() && (weights->data() - bytes) % 64 != 0)
    return name + ": field 'weights' is not 64-byte aligned";
  const auto *buffers = root->buffers();
  for (flatbuffers::uoffset_t i = 0; i < buffers->size(); ++i) {
    const bundle::Buffer *buffer = buffers->Get(i);
    std::string where = name + ": buffer " + std::to_string(i) + " ('" +
                        buffer->name()->str() + "')";
    if (!aligned(buffer->shape(), bytes))
      return where + ": field 'shape' is misaligned";
    size_t elementSize = bundleDTypeSize(static_cast<int>(buffer->dtype()));
    int64_t count = elementCount(buffer->shape());
    if (elementSize == 0 || count < 0)
      return where + ": invalid dtype or shape";
    if (buffer->size() != uint64_t(count) * elementSize)
      return where + ": field 'size' " + std::to_string(buffer->size()) +
             " does not match its shape";
    if (buffer->offset() % 64 != 0)
      return where + ": field 'offset' is not 64-byte aligned";
    if (buffer->offset() > blobSize ||
        buffer->size() > blobSize - buffer->offset())
      return where + ": lies outside the weight blob";
  }
  // Quantized codes once every buffer's shape is known to be sound.
  for (flatbuffers::uoffset_t i = 0; i < buffers->size(); ++i)
    if (buffers->Get(i)->quantization())
      if (std::string error = checkQuantization(buffers->Get(i), buffers);
          !error.empty())
        return name + ": buffer " + std::to_string(i) + " ('" +
               buffers->Get(i)->name()->str() + "'): " + error;
  if (root->tasks()->size() == 0)
    return name + ": field 'tasks' is empty";
  std::set<std::string> taskNames;
  for (const bundle::Task *task : *root->tasks()) {
    std::string where = name + ": task '" + task->name()->str() + "'";
    if (!taskNames.insert(task->name()->str()).second)
      return where + " appears twice";
    for (uint32_t index : *task->weights())
      if (index >= buffers->size())
        return where + ": field 'weights' names buffer " +
               std::to_string(index) + " of " + std::to_string(buffers->size());
    std::string error = checkSpecs(task->inputs(), where + ": input", bytes);
    if (error.empty())
      error = checkSpecs(task->outputs(), where + ": output", bytes);
    if (!error.empty())
      return error;
    if (task->moe_layers())
      for (const bundle::MoELayer *layer : *task->moe_layers())
        if (!aligned(layer->kept_experts(), bytes))
          return where + ": layer '" + layer->name()->str() +
                 "': field 'kept_experts' is misaligned";
  }
  return "";
}

std::shared_ptr<MappedBundle> MappedBundle::open(const std::string &path,
                                                 std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open bundle: " + std::strerror(errno);
    return nullptr;
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    error = path + ": not a regular file";
    return nullptr;
  }
  size_t size = static_cast<size_t>(info.st_size);
  if (size == 0) {
    ::close(fd);
    error = path + ": not an m3sat bundle (empty file)";
    return nullptr;
  }
  void *mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) {
    error = path + ": cannot map bundle: " + std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<MappedBundle> result(new MappedBundle());
  result->filePath = path;
  result->mapping = mapping;
  result->mappingSize = size;
  error = verify(mapping, size, path);
  if (!error.empty())
    return nullptr;
  result->rootTable = bundle::GetBundle(mapping);
  return result;
}

MappedBundle::~MappedBundle() {
  if (mapping)
    munmap(mapping, mappingSize);
}

const uint8_t *MappedBundle::weights() const {
  return rootTable->weights() ? rootTable->weights()->data() : nullptr;
}
