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

/// The MLIR element type of an ONNX TensorProto.DataType, or null for the
/// types the importer does not handle (strings, complex, 8-bit floats).
mlir::Type convertElementType(int32_t dataType, mlir::MLIRContext *context);

/// Printable name of an ONNX TensorProto.DataType ("FLOAT", "INT64", ...).
llvm::StringRef dataTypeName(int32_t dataType);

/// Bytes one element of `type` takes in ONNX raw_data (bool: one byte).
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
