//===- m3sat-translate.cpp - translations into and out of MLIR ------------===//
//
// m3sat-translate --import-onnx MODEL.onnx [--input-shape=NAME=1x3x224x224]
//   prints the imported module (the usual MLIR printing flags apply, e.g.
//   --mlir-elide-resource-strings-if-larger=N).
// m3sat-translate --emit-hls-cpp FILE.mlir
//   prints loop-level IR (as m3sat-hls-pipeline produces it) as Vitis-style
//   HLS C++.
// m3sat-translate --supported-ops
//   lists the ONNX op types the importer converts, one per line.
//
// The translations are registered with MLIR's translation registry
// (registerImportONNXTranslation, registerToHLSCppTranslation) and chosen
// by flag, as in mlir-translate; this driver keeps m3sat's diagnostics:
// errors are one line each on stderr, and on any error nothing is written
// to the output and the exit code is 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Import/ONNX/ONNXImporter.h"
#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Support/ImportCLOptions.h"
#include "m3sat/Support/ToolOptions.h"
#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace m3sat;
namespace cl = llvm::cl;

// First: the options the linked libraries registered, hidden from --help.
static LibraryOptions libraryOptions;

static cl::opt<std::string> input(cl::Positional, cl::desc("<input file>"),
                                  cl::init(""));
static cl::opt<bool> supportedOps("supported-ops",
                                  cl::desc("List the ONNX op types the "
                                           "importer converts"));
// --input-shape, --bind.
static ImportCLOptions importFlags;
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("filename"),
                                       cl::init("-"));

/// An error line; returns the exit code 1.
static int fail(const std::string &message) {
  llvm::errs() << "m3sat-translate: error: " << escapeForOneLine(message)
               << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerTranslationCLOptions();
  static ImportOptions importOptions;
  registerImportONNXTranslation(importOptions);
  registerToHLSCppTranslation();
  // One flag per registered translation.
  cl::opt<const mlir::Translation *, false, mlir::TranslationParser>
      translation("", cl::desc("Translation to perform"));
  libraryOptions.hideFromHelp();
  cl::ParseCommandLineOptions(argc, argv, "m3sat translation tool\n");

  if (supportedOps) {
    for (const std::string &op : getSupportedONNXOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (!translation)
    return fail("choose a translation (--import-onnx MODEL.onnx, "
                "--emit-hls-cpp FILE.mlir or --supported-ops)");
  if (input.empty())
    return fail("the translation needs an input file");
  if (std::string error = applyImportCLOptions(importFlags, importOptions);
      !error.empty())
    return fail(error);

  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(input, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/true,
                                         translation->getInputAlignment());
  if (!buffer) {
    llvm::errs() << escapeForOneLine(input + ": error: cannot read model: " +
                                     buffer.getError().message())
                 << "\n";
    return 1;
  }
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());

  mlir::MLIRContext context;
  OneLineDiagnostics diagnostics(context);
  // Remarks (e.g. the MoE weight layout found) go to stderr as well.
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

  std::string text, error;
  llvm::raw_string_ostream os(text);
  if (failed((*translation)(sourceMgr, os, &context)) ||
      diagnostics.numErrors())
    return 1;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  output->os() << text;
  if (!text.empty() && text.back() != '\n')
    output->os() << "\n";
  output->keep();
  return 0;
}
