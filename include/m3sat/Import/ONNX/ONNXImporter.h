//===- ONNXImporter.h - ONNX model to MLIR ----------------------*- C++ -*-===//
//
// The public entry point of the ONNX importer: reads an ONNX ModelProto
// (with its external data files) and converts its graph into a module
// holding `func.func @main` on tensors, with standard ops lowered to TOSA
// (linalg/tensor/arith/math where TOSA has no fitting op) and the MoE
// custom ops of DESIGN.md lowered to the m3sat dialect.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_IMPORT_ONNX_ONNXIMPORTER_H
#define M3SAT_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace m3sat {

/// Options of one import.
struct ImportOptions {
  /// Static shapes for graph inputs, by input name. They replace the shape
  /// the model declares (needed for inputs with symbolic dimensions).
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Graph inputs bound to compile-time constants, by input name: the path
  /// of a .npy file holding the value. A bound input becomes an initializer
  /// (a shape, axes or count operand then folds like one) and is no longer
  /// an input of the program.
  llvm::StringMap<std::string> boundInputs;
  /// Tasks to import (default: all). With names, only the graph outputs of
  /// these tasks (per the `m3sat` metadata, else the outputs so named) and
  /// the nodes they depend on are converted, and the metadata lists only
  /// these tasks: an op of another task's head cannot stop the import. A
  /// task the model does not have is an error.
  std::vector<std::string> tasks;
};

/// Registers every dialect the importer's output uses.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

/// Imports the ONNX model at `path`. Returns null after reporting every
/// problem as an error diagnostic located at the file or at the ONNX node
/// (a NameLoc of the node name over the file's location).
mlir::OwningOpRef<mlir::ModuleOp>
importONNXModel(llvm::StringRef path, mlir::MLIRContext &context,
                const ImportOptions &options = {});

/// Imports a model held in memory (`bytes`, a serialized ModelProto);
/// `path` names it in diagnostics and locates its external data files.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXModelFromBuffer(llvm::StringRef bytes, llvm::StringRef path,
                          mlir::MLIRContext &context,
                          const ImportOptions &options = {});

/// Registers the translation `import-onnx` (importONNXModelFromBuffer with
/// `options`, read when it runs) for m3sat-translate.
void registerImportONNXTranslation(const ImportOptions &options);

/// The op types the importer converts: "Add", "MatMul", ... for the default
/// ONNX domain, "domain::OpType" for the others, sorted.
std::vector<std::string> getSupportedONNXOps();

/// Parses "NAME=1x3x224x224" into `options`; returns an error message, or
/// an empty string on success.
std::string parseInputShapeOption(llvm::StringRef text, ImportOptions &options);

/// Parses "NAME=FILE.npy" (a graph input bound to a constant) into
/// `options`; returns an error message, or an empty string on success.
std::string parseBindOption(llvm::StringRef text, ImportOptions &options);

class ImportCLOptions;
/// Parses a tool's --input-shape and --bind flags into `options`; returns
/// the first error message, or "".
std::string applyImportCLOptions(const ImportCLOptions &flags,
                                 ImportOptions &options);

} // namespace m3sat

#endif // M3SAT_IMPORT_ONNX_ONNXIMPORTER_H
