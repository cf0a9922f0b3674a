//===- m3sat-compile.cpp - compile a model into task binaries -------------===//
//
// m3sat-compile MODEL.onnx --tasks=semseg[,depth] [--modalities=rgb,...]
//               [--profile=usage.json --coverage=0.999]
//               --target=cpu|gpu|hls -o OUT_DIR [--emit=mlir] [-v]
//               [--gpu-arch=sm_90] [--moe-lowering=loops|row-gather]
//
// Writes OUT_DIR/libm3sat_task.so (the task code with its C ABI; for GPU,
// the host code with the kernels embedded, their PTX and cubin also in
// OUT_DIR/kernels) or OUT_DIR/hls, and OUT_DIR/bundle.m3b (metadata and
// the kept weights). Every error is one
// line naming the file and node or field, with exit code 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/TaskCompiler.h"
#include "m3sat/Import/ONNX/ONNXImporter.h"
#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Target/GPU/KernelObjects.h"
#include "m3sat/Target/HLS/Analysis/Device.h"
#include "m3sat/Support/ToolOptions.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/IR/MLIRContext.h"

#include "M3SAT/M3SATDialect.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <cmath>
#include <map>
#include <tuple>

using namespace m3sat;
namespace cl = llvm::cl;

// First: the options the linked libraries registered, hidden from --help.
static LibraryOptions libraryOptions;

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
    bindings("bind",
             cl::desc("Bind a graph input to a compile-time constant, "
                      "NAME=FILE.npy (repeatable): a shape, axes or count "
                      "input then folds, and the program no longer takes it"),
             cl::value_desc("NAME=FILE.npy"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape of a graph input with symbolic "
                         "dimensions, NAME=1x3x224x224 (repeatable)"),
                cl::value_desc("NAME=DIMS"));
static cl::opt<bool> verbose("v", cl::desc("Print phase timings"));
static cl::opt<bool> report("report",
                            cl::desc("Print FLOPs, parameter and activation "
                                     "bytes of the full model and of each "
                                     "task; write OUT_DIR/report.txt (per "
                                     "layer) and OUT_DIR/report.json"));
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
static cl::opt<bool> exposeRouting(
    "expose-routing",
    cl::desc("Tasks also return the routing of token-routed MoE layers "
             "(OUT_DIR/routing.json); m3sat-profile uses this"),
    cl::Hidden);
static cl::opt<bool>
    hlsFixed("hls-fixed",
             cl::desc("--target=hls: fixed-point activations and weights "
                      "(ap_fixed) instead of float"));
static cl::opt<std::string>
    hlsActFixed("hls-act-fixed",
                cl::desc("With --hls-fixed: activations are ap_fixed<W,I>"),
                cl::value_desc("W,I"), cl::init("32,10"));
static cl::opt<std::string>
    hlsWeightFixed("hls-weight-fixed",
                   cl::desc("With --hls-fixed: weights are ap_fixed<W,I>"),
                   cl::value_desc("W,I"), cl::init("16,2"));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("--target=gpu: the NVIDIA architecture to compile for"),
            cl::value_desc("sm_XX"), cl::init("sm_90"));
static cl::opt<std::string> moeLowering(
    "moe-lowering",
    cl::desc("Form of token-routed MoE layers: loops (--target=cpu default) "
             "or row-gather (parallel loop nests, the grouped GEMM one "
             "contraction over all rows; --target=gpu default)"),
    cl::value_desc("loops|row-gather"));
static cl::opt<bool>
    hlsLutGelu("hls-lut-gelu",
               cl::desc("--target=hls: GELU from a table over [-8, 8] with "
                        "linear interpolation (as the FPGA accelerators) "
                        "instead of erf"));
static cl::opt<bool> hlsOnlineSoftmax(
    "hls-online-softmax",
    cl::desc("--target=hls: softmax in one pass over each row with a running "
             "maximum and sum (as the FPGA accelerators), then the "
             "normalisation"));
static cl::opt<bool> hlsSharedLinear(
    "hls-shared-linear",
    cl::desc("--target=hls: every matrix product a call of one linear unit "
             "(m3sat_linear, one multiply-accumulate array that attention, "
             "dense FFN and experts take turns on; float only)"));
static cl::opt<bool> hlsDataflow(
    "hls-dataflow",
    cl::desc("--target=hls: DATAFLOW between the stages of each top function "
             "(each stage a function, FIFO or ping-pong channels between "
             "them; not with --hls-shared-linear)"));
static cl::opt<int>
    hlsUnroll("hls-unroll",
              cl::desc("--target=hls: unroll pipelined loops P times "
                       "(#pragma HLS UNROLL) and partition the arrays they "
                       "access cyclically by P"),
              cl::value_desc("P"), cl::init(1));
static cl::opt<std::string>
    hlsPart("hls-part",
            cl::desc("--target=hls: the FPGA part the design is sized "
                     "against (xczu9eg-ffvb1156-2-e: ZCU102, "
                     "xczu7ev-ffvc1156-2-e: ZCU104, xcu280-fsvh2892-2L-e: "
                     "U280); a design that does not fit is an error"),
            cl::value_desc("PART"), cl::init("xczu9eg-ffvb1156-2-e"));
static cl::opt<bool> hlsAllowOverflow(
    "hls-allow-overflow",
    cl::desc("--target=hls: write a design that does not fit --hls-part "
             "(the estimate says by how much)"));
static cl::opt<bool>
    blas("blas",
         cl::desc("f32 matrix products call the task runtime's SGEMM "
                  "(oneDNN or OpenBLAS, loaded at run time; default on); "
                  "--blas=false: generated loops"),
         cl::init(true));
static cl::opt<bool> vectorize(
    "vectorize",
    cl::desc("Elementwise ops and row reductions (GELU, softmax, layer "
             "norm) become SIMD code, erf and exp as polynomials (default "
             "on); --vectorize=false: scalar loops and libm"),
    cl::init(true));
static cl::opt<bool> arena(
    "arena",
    cl::desc("--target=cpu: a task's temporary buffers live in one arena "
             "planned from their lifetimes, allocated once when the task is "
             "opened (default on); --arena=false: each is allocated where it "
             "is needed"),
    cl::init(true));
static cl::opt<bool> arenaReuse(
    "arena-reuse",
    cl::desc("With --arena: buffers whose lifetimes do not overlap share "
             "bytes (default on); --arena-reuse=false gives each its own "
             "bytes of the arena"),
    cl::init(true), cl::Hidden);
static cl::opt<double> coverage("coverage",
                                cl::desc("Routing mass to keep with "
                                         "--profile"),
                                cl::init(0.999));

namespace {

/// One profiling sample: its input files and, per task, the output files
/// the unpruned task produced on them.
struct ProfileSample {
  std::map<std::string, std::string> inputs;
  std::map<std::string, std::map<std::string, std::string>> references;
};

/// Reads the samples of an m3sat-profile usage JSON; returns an error
/// message naming the field, or "".
std::string readProfileSamples(const std::string &path,
                               std::vector<ProfileSample> &samples) {
  auto file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return path + ": cannot read profile: " + file.getError().message();
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse((*file)->getBuffer());
  if (!parsed)
    return path + ": not JSON: " + llvm::toString(parsed.takeError());
  const llvm::json::Object *root = parsed->getAsObject();
  const llvm::json::Array *list = root ? root->getArray("samples") : nullptr;
  const llvm::json::Object *tasks = root ? root->getObject("tasks") : nullptr;
  if (!list || !tasks)
    return path + ": fields 'samples' and 'tasks' are required";
  samples.resize(list->size());
  auto strings = [](const llvm::json::Object *object,
                    std::map<std::string, std::string> &into) {
    if (!object)
      return false;
    for (const auto &[key, value] : *object) {
      std::optional<llvm::StringRef> text = value.getAsString();
      if (!text || !llvm::sys::fs::exists(*text))
        return false;
      into[key.str()] = text->str();
    }
    return true;
  };
  for (size_t s = 0; s < list->size(); ++s) {
    const llvm::json::Object *sample = (*list)[s].getAsObject();
    if (!strings(sample ? sample->getObject("inputs") : nullptr,
                 samples[s].inputs))
      return path + ": field 'samples[" + std::to_string(s) +
             "].inputs' does not name existing files";
  }
  for (const auto &[task, value] : *tasks) {
    const llvm::json::Object *entry = value.getAsObject();
    const llvm::json::Array *refs =
        entry ? entry->getArray("reference") : nullptr;
    if (!refs || refs->size() != samples.size())
      return path + ": field 'tasks." + task.str() +
             ".reference' needs one entry per sample";
    for (size_t s = 0; s < samples.size(); ++s)
      if (!strings((*refs)[s].getAsObject(),
                   samples[s].references[task.str()]))
        return path + ": field 'tasks." + task.str() + ".reference[" +
               std::to_string(s) + "]' does not name existing files";
  }
  return "";
}

/// Runs every task of `outDir` on the profiling samples and prints how far
/// its outputs are from the unpruned model's; returns an error message or
/// "".
std::string reportDeviation(const std::string &outDir,
                            const std::vector<ProfileSample> &samples,
                            double coverage) {
  std::string error;
  std::unique_ptr<LoadedTask> first = LoadedTask::open(outDir, "", error);
  if (!first)
    return error;
  for (const std::string &task : first->taskNames()) {
    std::unique_ptr<LoadedTask> loaded = LoadedTask::open(outDir, task, error);
    if (!loaded)
      return error;
    double maxAbs = 0, sumAbs = 0, maxRef = 0;
    int64_t count = 0;
    size_t used = 0;
    for (const ProfileSample &sample : samples) {
      // A task group ("a+b") is checked against its members' references.
      std::map<std::string, std::string> groupRefs;
      llvm::SmallVector<llvm::StringRef> members;
      llvm::StringRef(task).split(members, '+');
      for (llvm::StringRef member : members) {
        auto memberRefs = sample.references.find(member.str());
        if (memberRefs != sample.references.end())
          groupRefs.insert(memberRefs->second.begin(),
                           memberRefs->second.end());
      }
      if (groupRefs.empty())
        continue;
      auto refs = std::make_pair(task, groupRefs);
      if (!loaded->setInputs(sample.inputs, /*ignoreExtra=*/true, error) ||
          !loaded->run(error))
        return error;
      ++used;
      for (size_t i = 0; i < loaded->outputs().size(); ++i) {
        auto ref = refs.second.find(loaded->outputs()[i].name);
        if (ref == refs.second.end())
          continue;
        NpyArray want;
        if (!readNpy(ref->second, want, error))
          return error;
        const NpyArray &got = loaded->outputArrays()[i];
        if (want.descr != "<f4" || got.descr != "<f4" ||
            want.shape != got.shape)
          return ref->second + ": reference does not match output '" +
                 loaded->outputs()[i].name + "' (float32 " +
                 formatShape(got.shape) + ")";
        const auto *a = reinterpret_cast<const float *>(got.data.data());
        const auto *b = reinterpret_cast<const float *>(want.data.data());
        for (int64_t j = 0, n = got.numElements(); j < n; ++j) {
          double diff = std::fabs(double(a[j]) - double(b[j]));
          maxAbs = std::max(maxAbs, diff);
          sumAbs += diff;
          maxRef = std::max(maxRef, std::fabs(double(b[j])));
          ++count;
        }
      }
    }
    if (!used) {
      llvm::outs() << "profile-guided pruning, task " << task
                   << ": the profile has no reference outputs for it\n";
      continue;
    }
    llvm::outs() << llvm::format(
        "profile-guided pruning (coverage %g), task %s: output deviation on "
        "%zu profiling sample(s): max abs %.3g, mean abs %.3g (max "
        "|reference| %.3g)\n",
        coverage, task.c_str(), used, maxAbs, count ? sumAbs / count : 0.0,
        maxRef);
  }
  return "";
}

} // namespace

#ifndef M3SAT_OPENMP_LIBRARY_DIR
#define M3SAT_OPENMP_LIBRARY_DIR ""
#endif

#ifndef M3SAT_TASK_RUNTIME_ARCHIVE
#define M3SAT_TASK_RUNTIME_ARCHIVE ""
#endif

#ifndef M3SAT_GPU_TASK_RUNTIME_ARCHIVE
#define M3SAT_GPU_TASK_RUNTIME_ARCHIVE ""
#endif

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  libraryOptions.hideFromHelp();
  cl::ParseCommandLineOptions(argc, argv, "m3sat task compiler\n");

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // The GPU pipeline serializes kernels through LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<M3SATDialect>();
  registerONNXImportDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OneLineDiagnostics diagnostics(context);

  auto fail = [&](const std::string &message) {
    llvm::errs() << escapeForOneLine(model + ": error: " + message) << "\n";
    return 1;
  };
  if (!emit.empty() && emit != "mlir")
    return fail("--emit=" + emit + " is not known (use --emit=mlir)");
  if (!profile.empty() && exposeRouting)
    return fail("--profile and --expose-routing exclude each other");
  // The profile's samples and reference outputs, checked before compiling.
  std::vector<ProfileSample> profileSamples;
  if (!profile.empty()) {
    std::string error = readProfileSamples(profile, profileSamples);
    if (!error.empty())
      return fail(error);
  }

  CompileOptions options;
  options.modelPath = model;
  options.tasks.assign(tasks.begin(), tasks.end());
  options.modalities.assign(modalities.begin(), modalities.end());
  options.target = target;
  options.outDir = outDir;
  options.emitMLIR = emit == "mlir";
  options.verbose = verbose;
  options.report = report;
  options.profilePath = profile;
  options.coverage = coverage;
  options.exposeRouting = exposeRouting;
  options.blas = blas;
  options.vectorize = vectorize;
  options.arena = arena;
  options.arenaReuse = arenaReuse;
  options.hlsNumerics.fixed = hlsFixed;
  for (auto [option, text, width, intBits] :
       {std::make_tuple("hls-act-fixed", &hlsActFixed,
                        &options.hlsNumerics.actWidth,
                        &options.hlsNumerics.actInt),
        std::make_tuple("hls-weight-fixed", &hlsWeightFixed,
                        &options.hlsNumerics.weightWidth,
                        &options.hlsNumerics.weightInt)}) {
    std::string error =
        parseHLSFixedFormat(option, text->getValue(), *width, *intBits);
    if (!error.empty())
      return fail(error);
  }
  if (hlsFixed && target != "hls")
    return fail("--hls-fixed needs --target=hls");
  options.hlsNumerics.lutGelu = hlsLutGelu;
  if (hlsLutGelu && target != "hls")
    return fail("--hls-lut-gelu needs --target=hls");
  options.hlsNumerics.onlineSoftmax = hlsOnlineSoftmax;
  if (hlsOnlineSoftmax && target != "hls")
    return fail("--hls-online-softmax needs --target=hls");
  options.hlsNumerics.sharedLinear = hlsSharedLinear;
  if (hlsSharedLinear && target != "hls")
    return fail("--hls-shared-linear needs --target=hls");
  // Weights and activations share the unit's operand B: one element type.
  if (hlsSharedLinear && hlsFixed)
    return fail("--hls-shared-linear needs float numerics: in fixed point "
                "weights and activations have other types");
  options.hlsNumerics.dataflow = hlsDataflow;
  if (hlsDataflow && target != "hls")
    return fail("--hls-dataflow needs --target=hls");
  // Stages that run at the same time cannot take turns on one unit.
  if (hlsDataflow && hlsSharedLinear)
    return fail("--hls-dataflow and --hls-shared-linear exclude each other: "
                "the one linear unit cannot serve stages that run at the "
                "same time");
  if (hlsUnroll < 1 || hlsUnroll > 64)
    return fail("--hls-unroll=" + std::to_string(hlsUnroll) +
                ": expected 1 to 64");
  if (hlsUnroll > 1 && target != "hls")
    return fail("--hls-unroll needs --target=hls");
  options.hlsNumerics.unroll = hlsUnroll;
  if (std::string error = checkHLSPart(hlsPart); !error.empty())
    return fail(error);
  if ((hlsPart.getNumOccurrences() || hlsAllowOverflow) && target != "hls")
    return fail("--hls-part and --hls-allow-overflow need --target=hls");
  options.hlsNumerics.part = hlsPart;
  options.hlsNumerics.allowOverflow = hlsAllowOverflow;
  if (moeLowering.getNumOccurrences()) {
    if (target == "hls")
      return fail("--moe-lowering needs --target=cpu or --target=gpu");
    if (moeLowering == "loops")
      options.moeLowering = MoELowering::Loops;
    else if (moeLowering == "row-gather")
      options.moeLowering = MoELowering::RowGather;
    else
      return fail("--moe-lowering=" + moeLowering +
                  " is not known (use loops or row-gather)");
  }
  if (threads)
    options.openmpLibraryDir = M3SAT_OPENMP_LIBRARY_DIR;
  options.cpu = cpu;
  if (target == "gpu") {
    llvm::StringRef arch = gpuArch;
    unsigned number = 0;
    bool known = arch.consume_front("sm_");
    arch.consume_back("a");
    if (!known || arch.getAsInteger(10, number) || number < 50)
      return fail("--gpu-arch=" + gpuArch +
                  " is not an NVIDIA architecture (sm_50 or later, e.g. "
                  "sm_90)");
    options.gpuArch = gpuArch;
    options.ptxas = findPtxas();
  } else if (gpuArch.getNumOccurrences()) {
    return fail("--gpu-arch needs --target=gpu");
  }
  // The task runtime: $M3SAT_TASK_RUNTIME (CPU) or $M3SAT_GPU_TASK_RUNTIME
  // (GPU), else next to this tool (<prefix>/lib, in the build tree and
  // when installed), else where the build put it. HLS projects need none.
  bool gpu = target == "gpu";
  std::string runtimeName =
      gpu ? "libm3sat_gpu_task_runtime.a" : "libm3sat_task_runtime.a";
  std::string self = llvm::sys::fs::getMainExecutable(argv[0], (void *)&main);
  llvm::SmallString<256> sibling(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(sibling, "..", "lib", runtimeName);
  options.runtimeArchive =
      llvm::sys::fs::exists(sibling)
          ? std::string(sibling)
          : std::string(gpu ? M3SAT_GPU_TASK_RUNTIME_ARCHIVE
                            : M3SAT_TASK_RUNTIME_ARCHIVE);
  if (std::optional<std::string> fromEnv = llvm::sys::Process::GetEnv(
          gpu ? "M3SAT_GPU_TASK_RUNTIME" : "M3SAT_TASK_RUNTIME"))
    options.runtimeArchive = *fromEnv;
  if (gpu && options.runtimeArchive.empty())
    return fail("this build has no GPU task runtime (cuda.h was not found "
                "when it was configured), so --target=gpu cannot link task "
                "libraries");
  if (target != "hls" && !llvm::sys::fs::exists(options.runtimeArchive))
    return fail("the task runtime '" + options.runtimeArchive +
                "' does not exist (set " +
                (gpu ? "M3SAT_GPU_TASK_RUNTIME" : "M3SAT_TASK_RUNTIME") + ")");

  ImportOptions importOptions;
  importOptions.tasks = options.tasks;
  for (const std::string &shape : inputShapes) {
    std::string error = parseInputShapeOption(shape, importOptions);
    if (!error.empty())
      return fail(error);
  }
  for (const std::string &binding : bindings) {
    std::string error = parseBindOption(binding, importOptions);
    if (!error.empty())
      return fail(error);
  }
  auto loadONNX = [&](const std::string &path, mlir::MLIRContext &ctx) {
    return importONNXModel(path, ctx, importOptions);
  };
  if (mlir::failed(compileModel(context, options, loadONNX)))
    return 1;
  if (!profile.empty()) {
    std::string error = reportDeviation(outDir, profileSamples, coverage);
    if (!error.empty())
      return fail(error);
  }
  return 0;
}
