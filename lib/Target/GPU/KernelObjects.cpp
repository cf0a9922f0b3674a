//===- KernelObjects.cpp - PTX and cubin files of a GPU task --------------===//
//
// Writes the kernels' PTX to OUT_DIR and assembles it with ptxas.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/KernelObjects.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace m3sat;

std::string m3sat::findPtxas() {
  if (std::optional<std::string> path =
          llvm::sys::Process::GetEnv("M3SAT_PTXAS"))
    return *path;
  if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  std::vector<std::string> roots = {"/usr/local/cuda"};
  if (std::optional<std::string> home = llvm::sys::Process::GetEnv("CUDA_HOME"))
    roots.insert(roots.begin(), *home);
  for (const std::string &root : roots) {
    std::string path = root + "/bin/ptxas";
    if (llvm::sys::fs::can_execute(path))
      return path;
  }
  return "";
}

namespace {

/// Runs ptxas on `ptx`, writing `cubin`; on failure, an error with its
/// output.
LogicalResult assemble(gpu::BinaryOp binary, const KernelObjectOptions &options,
                       StringRef ptx, StringRef cubin) {
  SmallString<128> log;
  if (llvm::sys::fs::createTemporaryFile("m3sat-ptxas", "log", log))
    return binary.emitError("cannot create a temporary file");
  std::string arch = "-arch=" + options.chip;
  SmallVector<StringRef> argv = {options.ptxas, arch, "-o", cubin, ptx};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(options.ptxas, argv, std::nullopt,
                                         redirects, 0, 0, &message);
  auto output = llvm::MemoryBuffer::getFile(log);
  llvm::sys::fs::remove(log);
  if (status == 0)
    return success();
  std::string details = message;
  if (output && !(*output)->getBuffer().empty())
    details += (*output)->getBuffer().trim().str();
  std::replace(details.begin(), details.end(), '\n', ' ');
  return binary.emitError() << ptx << ": ptxas " << arch << " failed ("
                            << status << "): " << details;
}

} // namespace

LogicalResult m3sat::writeKernelObjects(ModuleOp module, StringRef dir,
                                        const KernelObjectOptions &options,
                                        unsigned &numModules) {
  numModules = 0;
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return module.emitError() << dir << ": cannot create: " << ec.message();
  for (auto binary : module.getOps<gpu::BinaryOp>()) {
    ArrayAttr objects = binary.getObjectsAttr();
    auto object = objects.size() == 1 ? dyn_cast<gpu::ObjectAttr>(objects[0])
                                      : gpu::ObjectAttr();
    if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
      return binary.emitError()
             << "expected one PTX object (m3sat-gpu-pipeline format=isa)";
    // A libdevice function that the kernels call but do not define: the
    // pipeline found no CUDA toolkit to link it from.
    StringRef text = object.getObject().getValue();
    for (size_t at = text.find(".extern .func"); at != StringRef::npos;
         at = text.find(".extern .func", at + 1)) {
      StringRef declaration = text.slice(at, text.find(';', at));
      size_t name = declaration.find("__nv_");
      if (name != StringRef::npos)
        return binary.emitError()
               << "kernels call '"
               << declaration.substr(name).take_while(
                      [](char c) { return llvm::isAlnum(c) || c == '_'; })
               << "' but libdevice was not linked (install the CUDA toolkit "
                  "or set CUDA_HOME)";
    }
    SmallString<128> ptx(dir);
    llvm::sys::path::append(ptx, binary.getSymName() + ".ptx");
    {
      std::error_code ec;
      llvm::raw_fd_ostream out(ptx, ec);
      if (ec)
        return binary.emitError() << ptx << ": cannot write: " << ec.message();
      // The serialized PTX ends with the NUL that the JIT loader expects.
      out << object.getObject().getValue().rtrim('\0');
    }
    ++numModules;
    if (options.ptxas.empty())
      continue;
    SmallString<128> cubin(dir);
    llvm::sys::path::append(cubin, binary.getSymName() + ".cubin");
    if (failed(assemble(binary, options, ptx, cubin)))
      return failure();
    auto bytes = llvm::MemoryBuffer::getFile(cubin);
    if (!bytes)
      return binary.emitError() << cubin << ": cannot read";
    MLIRContext *context = module.getContext();
    auto assembled = gpu::ObjectAttr::get(
        context, object.getTarget(), gpu::CompilationTarget::Binary,
        StringAttr::get(context, (*bytes)->getBuffer()), object.getProperties(),
        object.getKernels());
    binary.setObjectsAttr(ArrayAttr::get(context, {assembled}));
  }
  return success();
}
