//===- m3sat-translate.cpp - translations into and out of MLIR ------------===//
//
// m3sat-translate --import-onnx MODEL.onnx [--input-shape=NAME=1x3x224x224]
//   prints the imported module (the usual MLIR printing flags apply, e.g.
//   --mlir-elide-resource-strings-if-larger=N).
// m3sat-translate --supported-ops
//   lists the ONNX op types the importer converts, one per line.
// m3sat-translate --emit-hls-cpp FILE.mlir
//   prints loop-level IR (as m3sat-hls-pipeline produces it) as Vitis-style
//   HLS C++.
//
// Errors are one line each on stderr; on any error nothing is printed to
// the output and the exit code is 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Import/ONNX/ONNXImporter.h"
#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Support/ImportCLOptions.h"
#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Parser/Parser.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include "mlir/Support/FileUtilities.h"

using namespace m3sat;
namespace cl = llvm::cl;

static cl::opt<std::string> input(cl::Positional, cl::desc("<input file>"),
                                  cl::init(""));
static cl::opt<bool> importONNX("import-onnx",
                                cl::desc("Import an ONNX model (MODEL.onnx) "
                                         "into MLIR"));
static cl::opt<bool> emitHLSCpp("emit-hls-cpp",
                                cl::desc("Emit loop-level IR (FILE.mlir, as "
                                         "m3sat-hls-pipeline produces it) as "
                                         "Vitis-style HLS C++"));
static cl::opt<bool> supportedOps("supported-ops",
                                  cl::desc("List the ONNX op types the "
                                           "importer converts"));
// --input-shape, --bind.
static ImportCLOptions importFlags;
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("filename"),
                                       cl::init("-"));

/// Writes what `print` prints to the -o file (stdout by default); 0, or 1
/// after an error line.
static int writeOutput(llvm::function_ref<void(llvm::raw_ostream &)> print) {
  std::string errorMessage;
  auto output = mlir::openOutputFile(outputFile, &errorMessage);
  if (!output) {
    llvm::errs() << "m3sat-translate: error: " << escapeForOneLine(errorMessage)
                 << "\n";
    return 1;
  }
  print(output->os());
  output->keep();
  return 0;
}

/// --emit-hls-cpp: parses `input` and prints its HLS C++, or nothing when
/// any op cannot be emitted.
static int emitHLSCppMain() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::math::MathDialect, mlir::memref::MemRefDialect,
                  mlir::scf::SCFDialect>();
  mlir::MLIRContext context(registry);
  OneLineDiagnostics diagnostics(context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(input, &context);
  if (!module)
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(translateToHLSCpp(*module, os)) || diagnostics.numErrors())
    return 1;
  return writeOutput([&](llvm::raw_ostream &out) { out << text; });
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "m3sat translation tool\n");

  if (supportedOps) {
    for (const std::string &op : getSupportedONNXOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (importONNX == emitHLSCpp) {
    llvm::errs() << "m3sat-translate: error: choose a translation "
                    "(--import-onnx MODEL.onnx, --emit-hls-cpp FILE.mlir "
                    "or --supported-ops)\n";
    return 1;
  }
  if (input.empty()) {
    llvm::errs() << "m3sat-translate: error: "
                 << (importONNX ? "--import-onnx needs a model file"
                                : "--emit-hls-cpp needs an MLIR file")
                 << "\n";
    return 1;
  }
  if (emitHLSCpp)
    return emitHLSCppMain();

  ImportOptions options;
  if (std::string error = applyImportCLOptions(importFlags, options);
      !error.empty()) {
    llvm::errs() << "m3sat-translate: error: " << error << "\n";
    return 1;
  }

  mlir::MLIRContext context;
  OneLineDiagnostics diagnostics(context);
  // Remarks (e.g. the MoE weight layout found) go to stderr as well.
  mlir::DiagnosticEngine::HandlerID remarks =
      context.getDiagEngine().registerHandler(
          [](mlir::Diagnostic &diag) -> mlir::LogicalResult {
            if (diag.getSeverity() != mlir::DiagnosticSeverity::Remark)
              return mlir::failure();
            std::string location = formatLocation(diag.getLocation());
            llvm::errs() << escapeForOneLine(location.empty() ? ""
                                                              : location + ": ")
                         << "remark: " << escapeForOneLine(diag.str()) << "\n";
            return mlir::success();
          });

  mlir::OwningOpRef<mlir::ModuleOp> module =
      importONNXModel(input, context, options);
  context.getDiagEngine().eraseHandler(remarks);
  if (!module || diagnostics.numErrors())
    return 1;

  return writeOutput([&](llvm::raw_ostream &out) {
    module->print(out, mlir::OpPrintingFlags());
    out << "\n";
  });
}
