//===- FuzzONNX.cpp - libFuzzer target: the ONNX importer -----------------===//
//
// Any byte string is a candidate MODEL.onnx: the importer must return a
// verified module or report a diagnostic, never crash. External data is
// looked up in a directory that does not exist, so fuzzed locations read
// no files.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Resource blobs and uniqued attributes live as long as the context:
  // start a fresh one now and then so long runs stay within memory.
  static std::unique_ptr<mlir::MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 256 == 0) {
    context = std::make_unique<mlir::MLIRContext>();
    context->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
  }
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module = m3sat::importONNXModelFromBuffer(
      bytes, "/nonexistent-m3sat-fuzz/model.onnx", *context);
  return 0;
}
