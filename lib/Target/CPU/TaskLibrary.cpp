//===- TaskLibrary.cpp - CPU task libraries from the LLVM dialect ---------===//
//
// Entry table generation, LLVM IR translation and optimization, object
// emission and linking of the task library.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/CPU/TaskLibrary.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <unistd.h>

using namespace mlir;
using namespace m3sat;

LogicalResult m3sat::addTaskEntries(ModuleOp module, ArrayRef<TaskEntry> tasks,
                                    StringRef codeId) {
  MLIRContext *context = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(context);
  auto voidType = LLVM::LLVMVoidType::get(context);

  SmallVector<LLVM::LLVMFuncOp> entries;
  SmallVector<int64_t> arenaBytes;
  for (auto [index, task] : llvm::enumerate(tasks)) {
    auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(task.function);
    if (!callee)
      return module.emitError() << "task function '" << task.function
                                << "' is missing after lowering";
    // A planned activation arena (m3sat-plan-activation-arena) is one more
    // pointer, after the outputs.
    auto arena = callee->getAttrOfType<IntegerAttr>("m3sat.arena_bytes");
    arenaBytes.push_back(arena ? arena.getInt() : 0);
    unsigned numArguments = task.numArguments + (arena ? 1 : 0);
    LLVM::LLVMFunctionType calleeType = callee.getFunctionType();
    if (calleeType.getNumParams() != numArguments ||
        !llvm::all_of(calleeType.getParams(), [&](Type t) { return t == ptr; }))
      return callee.emitError()
             << "task function '" << task.function << "' must take "
             << numArguments << " pointers after lowering, got " << calleeType;
    // void m3sat_entry_<i>(void **args): load each argument and call.
    auto entry =
        LLVM::LLVMFuncOp::create(b, loc, "m3sat_entry_" + std::to_string(index),
                                 LLVM::LLVMFunctionType::get(voidType, {ptr}));
    OpBuilder::InsertionGuard guard(b);
    Block *body = entry.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    SmallVector<Value> arguments;
    for (unsigned i = 0; i < numArguments; ++i) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      arguments.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
    }
    LLVM::CallOp::create(b, loc, callee, arguments);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
    entries.push_back(entry);
  }

  // const entry_fn m3sat_entries[N] = {m3sat_entry_0, ...};
  auto tableType = LLVM::LLVMArrayType::get(ptr, entries.size());
  auto table = LLVM::GlobalOp::create(b, loc, tableType, /*isConstant=*/true,
                                      LLVM::Linkage::External, "m3sat_entries",
                                      Attribute());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(b.createBlock(&table.getInitializerRegion()));
    Value array = LLVM::UndefOp::create(b, loc, tableType);
    for (auto [i, entry] : llvm::enumerate(entries)) {
      Value address = LLVM::AddressOfOp::create(b, loc, entry);
      array = LLVM::InsertValueOp::create(b, loc, array, address,
                                          ArrayRef<int64_t>{int64_t(i)});
    }
    LLVM::ReturnOp::create(b, loc, array);
  }
  LLVM::GlobalOp::create(b, loc, b.getI32Type(), /*isConstant=*/true,
                         LLVM::Linkage::External, "m3sat_entry_count",
                         b.getI32IntegerAttr(entries.size()));
  // const uint64_t m3sat_arena_bytes[N]: 0 where the entry takes no arena.
  LLVM::GlobalOp::create(
      b, loc, LLVM::LLVMArrayType::get(b.getI64Type(), arenaBytes.size()),
      /*isConstant=*/true, LLVM::Linkage::External, "m3sat_arena_bytes",
      DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(arenaBytes.size())},
                                b.getI64Type()),
          ArrayRef<int64_t>(arenaBytes)));
  std::string id = codeId.str();
  id.push_back('\0');
  LLVM::GlobalOp::create(b, loc,
                         LLVM::LLVMArrayType::get(b.getI8Type(), id.size()),
                         /*isConstant=*/true, LLVM::Linkage::External,
                         "m3sat_code_id", b.getStringAttr(id));
  return success();
}

namespace {

/// Runs `argv` and fails with its exit status and error output.
LogicalResult runTool(ModuleOp module, ArrayRef<StringRef> argv) {
  SmallString<128> errorFile;
  if (llvm::sys::fs::createTemporaryFile("m3sat-link", "err", errorFile))
    return module.emitError("cannot create a temporary file");
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                          StringRef(errorFile)};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(argv[0], argv, std::nullopt, redirects,
                                         0, 0, &message);
  auto output = llvm::MemoryBuffer::getFile(errorFile);
  llvm::sys::fs::remove(errorFile);
  if (status == 0)
    return success();
  std::string details = message;
  if (output && !(*output)->getBuffer().empty())
    details += (*output)->getBuffer().trim().str();
  return module.emitError() << "linking the task library failed (" << argv[0]
                            << " exited with " << status << "): " << details;
}

} // namespace

LogicalResult m3sat::emitTaskLibrary(ModuleOp module, StringRef libraryPath,
                                     const CPUTargetOptions &options) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  registerOpenMPDialectTranslation(*module.getContext());
  // GPU task libraries embed their kernels (gpu.binary) and launch them.
  registerGPUDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "m3sat_task");
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError()
           << "no LLVM target for " << triple.str() << ": " << error;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(feature.second ? "+" : "-") +
                  feature.first().str();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return module.emitError() << "cannot target CPU '" << cpu << "'";
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  // O3 over the whole module.
  {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder builder(machine.get());
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager passes =
        builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
    passes.run(*llvmModule, mam);
  }

  std::string pid = std::to_string(getpid());
  std::string objectPath = (libraryPath + ".o").str();
  std::string temporaryObject = objectPath + ".tmp." + pid;
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(temporaryObject, ec, llvm::sys::fs::OF_None);
    if (ec)
      return module.emitError()
             << temporaryObject << ": cannot write: " << ec.message();
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return module.emitError("the target cannot emit object files");
    codegen.run(*llvmModule);
  }

  llvm::ErrorOr<std::string> linker = llvm::sys::findProgramByName("c++");
  if (!linker)
    linker = llvm::sys::findProgramByName("g++");
  if (!linker) {
    llvm::sys::fs::remove(temporaryObject);
    return module.emitError("no C++ compiler driver (c++ or g++) on PATH to "
                            "link the task library");
  }
  std::string temporaryLibrary = (libraryPath + ".tmp." + pid).str();
  SmallVector<StringRef> argv = {*linker, "-shared", "-o", temporaryLibrary,
                                 temporaryObject,
                                 // The runtime's C ABI is what the library
                                 // exports: take all of it.
                                 "-Wl,--whole-archive", options.runtimeArchive,
                                 "-Wl,--no-whole-archive",
                                 // Its own calls to that ABI stay inside it
                                 // when an application's libm3sat_runtime.so
                                 // exports the same names.
                                 "-Wl,-Bsymbolic-functions", "-lm", "-ldl",
                                 // The bundle reader's CRC-32.
                                 "-lz"};
  // Parallel loops call the LLVM OpenMP runtime.
  std::string ompDir = options.openmpLibraryDir;
  std::string ompSearch = "-L" + ompDir, ompRPath = "-Wl,-rpath," + ompDir;
  if (!ompDir.empty()) {
    argv.push_back(ompSearch);
    argv.push_back(ompRPath);
    argv.push_back("-lomp");
  }
  LogicalResult linked = runTool(module, argv);
  if (succeeded(linked) &&
      llvm::sys::fs::rename(temporaryLibrary, libraryPath)) {
    linked = module.emitError() << libraryPath << ": cannot write";
  }
  if (failed(linked))
    llvm::sys::fs::remove(temporaryLibrary);
  if (options.keepObject && succeeded(linked))
    llvm::sys::fs::rename(temporaryObject, objectPath);
  else
    llvm::sys::fs::remove(temporaryObject);
  return linked;
}
