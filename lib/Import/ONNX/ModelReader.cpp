//===- ModelReader.cpp - reading ONNX protobufs ---------------------------===//
//
// Parses ONNX ModelProtos and decodes tensor contents from every place ONNX
// lets them live: raw_data, the typed repeated fields and external files.
//
//===----------------------------------------------------------------------===//

#include "ModelReader.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/stubs/logging.h>

#include <climits>
#include <cstring>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

FailureOr<std::unique_ptr<onnx::ModelProto>>
onnx_import::readModelProto(StringRef path, Location fileLoc) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return emitError(fileLoc)
           << "cannot read model: " << file.getError().message();
  return parseModelProto((*file)->getBuffer(), fileLoc);
}

FailureOr<std::unique_ptr<onnx::ModelProto>>
onnx_import::parseModelProto(StringRef bytes, Location fileLoc) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return emitError(fileLoc) << "model is larger than 2 GiB: store its "
                                 "weights as ONNX external data";
  auto model = std::make_unique<onnx::ModelProto>();
  bool parsed;
  {
    // Protobuf logs some parse errors itself; the diagnostic below says it.
    google::protobuf::LogSilencer silencer;
    parsed =
        model->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
  // A file cut at a field boundary still parses: require the parts every
  // model has.
  if (!parsed || !model->has_graph() || model->ir_version() <= 0 ||
      model->opset_import_size() == 0)
    return emitError(fileLoc)
           << "cannot parse ONNX model (truncated or not an ONNX ModelProto)";
  return model;
}

Type onnx_import::convertElementType(int32_t dataType, MLIRContext *context) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64);
  }
  // The types of ONNX 1.14 and later, which the ONNX 1.12 protobuf m3sat
  // links has no enumerators for (elem_type and data_type are int32 fields,
  // so their values arrive intact).
  switch (static_cast<OnnxNewType>(dataType)) {
  case OnnxNewType::Float8E4M3FN:
    return b.getType<Float8E4M3FNType>();
  case OnnxNewType::Float8E4M3FNUZ:
    return b.getType<Float8E4M3FNUZType>();
  case OnnxNewType::Float8E5M2:
    return b.getType<Float8E5M2Type>();
  case OnnxNewType::Float8E5M2FNUZ:
    return b.getType<Float8E5M2FNUZType>();
  case OnnxNewType::UInt4:
  case OnnxNewType::Int4:
    return b.getIntegerType(4);
  case OnnxNewType::Float4E2M1:
    return b.getType<Float4E2M1FNType>();
  case OnnxNewType::Float8E8M0:
    return b.getType<Float8E8M0FNUType>();
  case OnnxNewType::UInt2:
  case OnnxNewType::Int2:
    return b.getIntegerType(2);
  }
  return {};
}

bool onnx_import::isUnsignedDataType(int32_t dataType) {
  return dataType == onnx::TensorProto::UINT8 ||
         dataType == onnx::TensorProto::UINT16 ||
         dataType == onnx::TensorProto::UINT32 ||
         dataType == onnx::TensorProto::UINT64 ||
         dataType == static_cast<int32_t>(OnnxNewType::UInt4) ||
         dataType == static_cast<int32_t>(OnnxNewType::UInt2);
}

int64_t onnx_import::dataTypeSinceOpset(int32_t dataType) {
  switch (static_cast<OnnxNewType>(dataType)) {
  case OnnxNewType::Float8E4M3FN:
  case OnnxNewType::Float8E4M3FNUZ:
  case OnnxNewType::Float8E5M2:
  case OnnxNewType::Float8E5M2FNUZ:
    return 19;
  case OnnxNewType::UInt4:
  case OnnxNewType::Int4:
    return 21;
  case OnnxNewType::Float4E2M1:
    return 23;
  case OnnxNewType::Float8E8M0:
    return 24;
  case OnnxNewType::UInt2:
  case OnnxNewType::Int2:
    return 25;
  }
  return 1;
}

StringRef onnx_import::dataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  switch (static_cast<OnnxNewType>(dataType)) {
  case OnnxNewType::Float8E4M3FN:
    return "FLOAT8E4M3FN";
  case OnnxNewType::Float8E4M3FNUZ:
    return "FLOAT8E4M3FNUZ";
  case OnnxNewType::Float8E5M2:
    return "FLOAT8E5M2";
  case OnnxNewType::Float8E5M2FNUZ:
    return "FLOAT8E5M2FNUZ";
  case OnnxNewType::UInt4:
    return "UINT4";
  case OnnxNewType::Int4:
    return "INT4";
  case OnnxNewType::Float4E2M1:
    return "FLOAT4E2M1";
  case OnnxNewType::Float8E8M0:
    return "FLOAT8E8M0";
  case OnnxNewType::UInt2:
    return "UINT2";
  case OnnxNewType::Int2:
    return "INT2";
  }
  return "unknown";
}

int64_t onnx_import::elementByteWidth(Type type) {
  if (type.isInteger(1))
    return 1;
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

namespace {

/// Bits per element of the types ONNX packs several to a byte (4-bit and
/// 2-bit), else 0.
unsigned packedBits(Type type) {
  unsigned width = type.getIntOrFloatBitWidth();
  return width == 2 || width == 4 ? width : 0;
}

/// Unpacks ONNX's packed sub-byte elements (low bits first) to one element
/// per byte, each in the low bits of its byte, the high bits zero.
void unpackElements(const uint8_t *packed, unsigned bits,
                    MutableArrayRef<char> dest) {
  unsigned perByte = 8 / bits, mask = (1u << bits) - 1;
  for (size_t i = 0; i < dest.size(); ++i)
    dest[i] = static_cast<char>(
        (packed[i / perByte] >> (bits * (i % perByte))) & mask);
}

} // namespace

namespace {

/// Reads `dest.size()` bytes of external data described by `tensor`.
LogicalResult readExternalData(const onnx::TensorProto &tensor,
                               StringRef modelDir, Location loc, StringRef what,
                               MutableArrayRef<char> dest) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    StringRef key = entry.key();
    if (key == "location") {
      location = entry.value();
      continue;
    }
    if (key != "offset" && key != "length")
      continue;
    int64_t value;
    if (StringRef(entry.value()).getAsInteger(10, value) || value < 0)
      return emitError(loc)
             << what << ": external_data '" << key
             << "' is not a non-negative integer: '" << entry.value() << "'";
    (key == "offset" ? offset : length) = value;
  }
  if (location.empty())
    return emitError(loc) << what << ": external data has no 'location'";
  // As the ONNX checker requires: the file lies inside the model's
  // directory (no absolute path, no '..').
  if (llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                          llvm::sys::path::end(location)),
                         ".."))
    return emitError(loc) << what << ": external data location '" << location
                          << "' must be relative to the model's directory "
                             "and stay inside it";
  SmallString<256> file(modelDir);
  llvm::sys::path::append(file, location);
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(file, fileSize))
    return emitError(loc) << what << ": cannot read external data '" << file
                          << "': " << ec.message();
  if (length < 0)
    length = static_cast<int64_t>(fileSize) - offset;
  if (length != static_cast<int64_t>(dest.size()))
    return emitError(loc) << what << ": external data has " << length
                          << " bytes but the tensor needs " << dest.size();
  if (static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > fileSize)
    return emitError(loc) << what << ": external data '" << location << "' has "
                          << fileSize << " bytes, fewer than offset " << offset
                          << " + length " << length;
  if (dest.empty())
    return success();
  auto slice = llvm::MemoryBuffer::getFileSlice(file, length, offset);
  if (!slice)
    return emitError(loc) << what << ": cannot read external data '" << file
                          << "': " << slice.getError().message();
  std::memcpy(dest.data(), (*slice)->getBufferStart(), dest.size());
  return success();
}

/// Stores `values` narrowed to `width` bytes each (little-endian host).
template <typename T>
void storeNarrowed(const T &values, int64_t width, MutableArrayRef<char> dest) {
  for (int64_t i = 0, e = values.size(); i < e; ++i) {
    uint64_t bits = static_cast<uint64_t>(values.Get(i));
    std::memcpy(dest.data() + i * width, &bits, width);
  }
}

} // namespace

FailureOr<uint64_t>
onnx_import::storedDataBytes(const onnx::TensorProto &tensor, Type elementType,
                             StringRef modelDir) {
  uint64_t width = elementByteWidth(elementType);
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
      int64_t value;
      if (entry.key() == "location")
        location = entry.value();
      else if ((entry.key() == "offset" || entry.key() == "length") &&
               !StringRef(entry.value()).getAsInteger(10, value) && value >= 0)
        (entry.key() == "offset" ? offset : length) = value;
    }
    if (length >= 0)
      return static_cast<uint64_t>(length);
    SmallString<256> file(modelDir);
    llvm::sys::path::append(file, location);
    uint64_t fileSize;
    if (location.empty() || llvm::sys::fs::file_size(file, fileSize))
      return failure();
    return fileSize > static_cast<uint64_t>(offset) ? fileSize - offset : 0;
  }
  if (tensor.has_raw_data())
    return tensor.raw_data().size();
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    return tensor.float_data_size() * width;
  case onnx::TensorProto::DOUBLE:
    return tensor.double_data_size() * width;
  case onnx::TensorProto::INT64:
    return tensor.int64_data_size() * width;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    return tensor.uint64_data_size() * width;
  default:
    return tensor.int32_data_size() * width;
  }
}

LogicalResult onnx_import::readTensorData(const onnx::TensorProto &tensor,
                                          Type elementType, int64_t numElements,
                                          StringRef modelDir, Location loc,
                                          StringRef what,
                                          MutableArrayRef<char> dest) {
  int64_t width = elementByteWidth(elementType);
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternalData(tensor, modelDir, loc, what, dest);
  if (unsigned bits = packedBits(elementType)) {
    size_t packedSize = (dest.size() * bits + 7) / 8;
    if (!tensor.has_raw_data() || tensor.raw_data().size() != packedSize)
      return emitError(loc)
             << what << ": a " << bits << "-bit tensor of " << numElements
             << " elements needs " << packedSize
             << " bytes of packed raw_data, got "
             << (tensor.has_raw_data() ? tensor.raw_data().size() : 0);
    unpackElements(reinterpret_cast<const uint8_t *>(tensor.raw_data().data()),
                   bits, dest);
    return success();
  }
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != dest.size())
      return emitError(loc)
             << what << ": raw_data has " << tensor.raw_data().size()
             << " bytes but the tensor needs " << dest.size();
    if (!dest.empty())
      std::memcpy(dest.data(), tensor.raw_data().data(), dest.size());
    return success();
  }

  // The typed fields: which one holds the data depends on the data type.
  int64_t count = -1;
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    count = tensor.float_data_size();
    if (count == numElements && count)
      std::memcpy(dest.data(), tensor.float_data().data(), dest.size());
    break;
  case onnx::TensorProto::DOUBLE:
    count = tensor.double_data_size();
    if (count == numElements && count)
      std::memcpy(dest.data(), tensor.double_data().data(), dest.size());
    break;
  case onnx::TensorProto::INT64:
    count = tensor.int64_data_size();
    if (count == numElements && count)
      std::memcpy(dest.data(), tensor.int64_data().data(), dest.size());
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    count = tensor.uint64_data_size();
    if (count == numElements)
      storeNarrowed(tensor.uint64_data(), width, dest);
    break;
  default:
    // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 (bit
    // patterns) live widened in int32_data.
    count = tensor.int32_data_size();
    if (count == numElements)
      storeNarrowed(tensor.int32_data(), width, dest);
    break;
  }
  if (count == 0 && numElements != 0)
    return emitError(loc) << what << ": tensor has no data";
  if (count != numElements)
    return emitError(loc) << what << ": tensor has " << count
                          << " elements of data but its shape needs "
                          << numElements;
  return success();
}
