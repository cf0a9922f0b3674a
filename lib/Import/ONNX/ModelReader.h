//===- ModelReader.h - reading ONNX protobufs -------------------*- C++ -*-===//
//
// Step one of the import: the ONNX ModelProto read faithfully, and the
// contents of its tensors (raw_data, the typed *_data fields, or external
// data files next to the model), without any interpretation of the graph.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_IMPORT_ONNX_MODELREADER_H
#define M3SAT_LIB_IMPORT_ONNX_MODELREADER_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Types.h"
#include "mlir/Support/LLVM.h"

#include "onnx/onnx_pb.h"

#include <memory>
#include <string>

namespace m3sat {
namespace onnx_import {

/// Parses the ModelProto in `path`; reports unreadable, truncated or
/// non-ONNX files at `fileLoc`.
mlir::FailureOr<std::unique_ptr<onnx::ModelProto>>
readModelProto(llvm::StringRef path, mlir::Location fileLoc);

/// Parses a ModelProto held in memory; reports malformed bytes at
/// `fileLoc`.
mlir::FailureOr<std::unique_ptr<onnx::ModelProto>>
parseModelProto(llvm::StringRef bytes, mlir::Location fileLoc);

/// The TensorProto.DataType values of ONNX 1.14 and later (the linked
/// ONNX 1.12 protobuf has no enumerators for them).
enum class OnnxNewType : int32_t {
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

/// The MLIR element type of an ONNX TensorProto.DataType, or null for the
/// types the importer does not handle (strings, complex). Integers are
/// signless: UINT4 and INT4 are both i4.
mlir::Type convertElementType(int32_t dataType, mlir::MLIRContext *context);

/// Whether an ONNX TensorProto.DataType is an unsigned integer type.
bool isUnsignedDataType(int32_t dataType);

/// The first opset of the default domain that has `dataType` (1 for the
/// types of ONNX 1.12).
int64_t dataTypeSinceOpset(int32_t dataType);

/// Printable name of an ONNX TensorProto.DataType ("FLOAT", "INT64", ...).
llvm::StringRef dataTypeName(int32_t dataType);

/// Bytes one element of `type` takes in memory (bool and the 4- and 2-bit
/// types: one byte; ONNX packs the latter in raw_data, unpacked on read).
int64_t elementByteWidth(mlir::Type type);

/// The bytes of data `tensor` holds (raw_data, typed fields as stored in
/// raw form, or its external data file's slice); failure when the external
/// file cannot be examined. Lets callers check sizes before allocating.
mlir::FailureOr<uint64_t> storedDataBytes(const onnx::TensorProto &tensor,
                                          mlir::Type elementType,
                                          llvm::StringRef modelDir);

/// Copies the contents of `tensor` (of element type `elementType` and
/// `numElements` elements) into `dest` (numElements * elementByteWidth
/// bytes) in little-endian raw_data form. External data is read from files
/// relative to `modelDir`. Problems are reported at `loc`, naming `what`.
mlir::LogicalResult readTensorData(const onnx::TensorProto &tensor,
                                   mlir::Type elementType, int64_t numElements,
                                   llvm::StringRef modelDir, mlir::Location loc,
                                   llvm::StringRef what,
                                   llvm::MutableArrayRef<char> dest);

} // namespace onnx_import
} // namespace m3sat

#endif // M3SAT_LIB_IMPORT_ONNX_MODELREADER_H
