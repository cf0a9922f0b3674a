//===- ImportTranslation.cpp - the import-onnx translation ----------------===//

#include "m3sat/Import/ONNX/ONNXImporter.h"

#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

void m3sat::registerImportONNXTranslation(const ImportOptions &options) {
  static TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (MODEL.onnx) into MLIR",
      [&options](llvm::SourceMgr &sourceMgr,
                 MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OwningOpRef<ModuleOp> module = importONNXModelFromBuffer(
            buffer->getBuffer(), buffer->getBufferIdentifier(), *context,
            options);
        return OwningOpRef<Operation *>(module.release());
      },
      registerONNXImportDialects);
}
