//===- m3sat-compile.cpp - compile a model into task binaries -------------===//
//
// m3sat-compile MODEL.onnx --tasks=semseg[,depth] [--modalities=rgb,...]
//               --target=cpu -o OUT_DIR [--emit=mlir] [-v]
//
// Writes OUT_DIR/libm3sat_task.so (the task code with its C ABI) and
// OUT_DIR/bundle.m3b (metadata and the kept weights). Every error is one
// line naming the file and node or field, with exit code 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TaskCompiler.h"
#include "m3sat/Import/ONNX/ONNXImporter.h"
#include "m3sat/Support/Diagnostics.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/IR/MLIRContext.h"

#include "M3SAT/M3SATDialect.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace m3sat;
namespace cl = llvm::cl;

static cl::opt<std::string> model(cl::Positional, cl::desc("<MODEL.onnx>"),
                                  cl::Required);
static cl::list<std::string> tasks("tasks", cl::CommaSeparated,
                                   cl::desc("Tasks to compile (default: "
                                            "all)"),
                                   cl::value_desc("name,..."));
static cl::list<std::string>
    modalities("modalities", cl::CommaSeparated,
               cl::desc("Modalities the device has (default: all)"),
               cl::value_desc("name,..."));
static cl::opt<std::string> target("target", cl::desc("cpu, gpu or hls"),
                                   cl::init("cpu"));
static cl::opt<std::string> outDir("o", cl::desc("Output directory"),
                                   cl::value_desc("OUT_DIR"), cl::Required);
static cl::opt<std::string> emit("emit",
                                 cl::desc("Also emit: mlir (OUT_DIR/"
                                          "program.mlir)"),
                                 cl::value_desc("mlir"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape of a graph input with symbolic "
                         "dimensions, NAME=1x3x224x224 (repeatable)"),
                cl::value_desc("NAME=DIMS"));
static cl::opt<bool> verbose("v", cl::desc("Print phase timings"));
static cl::opt<bool> report("report",
                            cl::desc("Print FLOPs, parameter and activation "
                                     "bytes of the full model and of each "
                                     "task; write OUT_DIR/report.json"));
static cl::opt<std::string> cpu("cpu",
                                cl::desc("CPU to compile for (LLVM name, or "
                                         "native)"),
                                cl::init("native"));
static cl::opt<std::string> profile("profile",
                                    cl::desc("Expert usage profile (JSON)"),
                                    cl::value_desc("usage.json"));
static cl::opt<bool> threads("parallel",
                             cl::desc("Run large loops on all cores with "
                                      "OpenMP (needs libomp)"),
                             cl::init(true));
static cl::opt<double> coverage("coverage",
                                cl::desc("Routing mass to keep with "
                                         "--profile"),
                                cl::init(0.999));

#ifndef M3SAT_OPENMP_LIBRARY_DIR
#define M3SAT_OPENMP_LIBRARY_DIR ""
#endif

#ifndef M3SAT_TASK_RUNTIME_ARCHIVE
#define M3SAT_TASK_RUNTIME_ARCHIVE ""
#endif

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "m3sat task compiler\n");

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<M3SATDialect>();
  registerONNXImportDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OneLineDiagnostics diagnostics(context);

  auto fail = [&](const std::string &message) {
    llvm::errs() << model << ": error: " << message << "\n";
    return 1;
  };
  if (!emit.empty() && emit != "mlir")
    return fail("--emit=" + emit + " is not known (use --emit=mlir)");
  if (!profile.empty())
    return fail("--profile is not available yet: profile-guided pruning "
                "comes with m3sat-profile");

  CompileOptions options;
  options.modelPath = model;
  options.tasks.assign(tasks.begin(), tasks.end());
  options.modalities.assign(modalities.begin(), modalities.end());
  options.target = target;
  options.outDir = outDir;
  options.emitMLIR = emit == "mlir";
  options.verbose = verbose;
  options.report = report;
  if (threads)
    options.openmpLibraryDir = M3SAT_OPENMP_LIBRARY_DIR;
  options.cpu = cpu;
  // The task runtime: $M3SAT_TASK_RUNTIME, else next to this tool
  // (<prefix>/lib, in the build tree and when installed), else where the
  // build put it.
  std::string self = llvm::sys::fs::getMainExecutable(argv[0], (void *)&main);
  llvm::SmallString<256> sibling(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(sibling, "..", "lib", "libm3sat_task_runtime.a");
  options.runtimeArchive = llvm::sys::fs::exists(sibling)
                               ? std::string(sibling)
                               : std::string(M3SAT_TASK_RUNTIME_ARCHIVE);
  if (std::optional<std::string> fromEnv =
          llvm::sys::Process::GetEnv("M3SAT_TASK_RUNTIME"))
    options.runtimeArchive = *fromEnv;
  if (!llvm::sys::fs::exists(options.runtimeArchive))
    return fail("the task runtime '" + options.runtimeArchive +
                "' does not exist (set M3SAT_TASK_RUNTIME)");

  ImportOptions importOptions;
  for (const std::string &shape : inputShapes) {
    std::string error = parseInputShapeOption(shape, importOptions);
    if (!error.empty())
      return fail(error);
  }
  auto loadONNX = [&](const std::string &path, mlir::MLIRContext &ctx) {
    return importONNXModel(path, ctx, importOptions);
  };
  if (mlir::failed(compileModel(context, options, loadONNX)))
    return 1;
  return 0;
}
