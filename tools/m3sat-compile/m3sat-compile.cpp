//===- m3sat-compile.cpp - compile a model into task binaries -------------===//
//
// m3sat-compile MODEL.onnx --tasks=semseg[,depth] [--modalities=rgb,...]
//               [--profile=usage.json --coverage=0.999]
//               --target=cpu|gpu|hls -o OUT_DIR [--emit=mlir] [-v]
//               [--gpu-arch=sm_90] [--gpu-gemm-library=cublas|none]
//               [--gpu-tf32] [--moe-lowering=loops|row-gather]
//
// Writes OUT_DIR/libm3sat_task.so (the task code with its C ABI; for GPU,
// the host code with the kernels embedded, their PTX and cubin also in
// OUT_DIR/kernels) or OUT_DIR/hls, and OUT_DIR/bundle.m3b (metadata and
// the kept weights). Every error is one
// line naming the file and node or field, with exit code 1.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Compiler/ProfileDeviation.h"
#include "m3sat/Compiler/TaskCompiler.h"
#include "m3sat/Import/ONNX/ONNXImporter.h"
#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Support/ImportCLOptions.h"
#include "m3sat/Support/ToolOptions.h"
#include "m3sat/Target/GPU/KernelObjects.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

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
// --input-shape, --bind.
static ImportCLOptions importFlags;

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
static cl::opt<bool> profileCheck(
    "profile-check",
    cl::desc("With --profile: run the pruned tasks on the profile's "
             "held-out samples (m3sat-profile --sweep measures them itself)"),
    cl::init(true), cl::Hidden);
static cl::opt<bool> threads("parallel",
                             cl::desc("Run large loops on all cores with "
                                      "OpenMP (needs libomp)"),
                             cl::init(true));
static cl::opt<bool> raiseMoE(
    "raise-moe",
    cl::desc("MoE layers written as standard ops (softmax, topk, masked "
             "experts) become m3sat.moe_ffn (default on); --raise-moe=false "
             "compiles them as written"),
    cl::init(true));
static cl::opt<bool> pointwiseConvBeforeResize(
    "pointwise-conv-before-resize",
    cl::desc("A 1x1 convolution that reduces channels runs before the "
             "Resize that feeds it (default on; results differ by rounding)"),
    cl::init(true), cl::Hidden);
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
static cl::opt<std::string> gpuGemmLibrary(
    "gpu-gemm-library",
    cl::desc("--target=gpu: f32 matrix products and grouped expert GEMMs "
             "through cublas (opened at run time) or none (generated "
             "kernels)"),
    cl::value_desc("cublas|none"), cl::init("cublas"));
static cl::opt<bool>
    gpuTf32("gpu-tf32",
            cl::desc("--target=gpu: cuBLAS may use TF32 tensor cores (inputs "
                     "rounded to 10 mantissa bits; docs/gpu.md gives the "
                     "tolerance)"));
static cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Scaled dot-product attention as one loop nest with an online "
             "softmax (--target=gpu default; on --target=cpu it checks the "
             "GPU's form; results differ by rounding)"),
    cl::Hidden);
static cl::opt<int64_t> serialWork(
    "serial-work",
    cl::desc("--target=cpu: a task whose loops do at most this many "
             "iterations in all runs on the calling thread without parallel "
             "regions (m3sat-serial-small-tasks; 0: every task may use the "
             "thread pool)"),
    cl::init(33554432), cl::Hidden);
static cl::opt<int> winogradTile(
    "winograd-tile",
    cl::desc("--target=cpu: 3x3 convolutions of 16 or more channels in and "
             "out run as Winograd's F(TxT, 3x3): 2 (default; 4 "
             "multiply-adds per pixel and channel pair instead of 9, "
             "rounding about 1e-6 relative), 4 (2.25, about 1e-5; on "
             "images of 128 or more 4x4 tiles) or 0 (direct sums)"),
    cl::value_desc("T"), cl::init(2));
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
             "dense FFN and experts take turns on; with --hls-unroll=P, P "
             "constant lanes over the output dimension)"));
static cl::opt<bool> hlsDataflow(
    "hls-dataflow",
    cl::desc("--target=hls: DATAFLOW between the stages of each top function "
             "(each stage a function, FIFO or ping-pong channels between "
             "them; not with --hls-shared-linear)"));
static cl::opt<std::string> hlsUnroll(
    "hls-unroll",
    cl::desc("--target=hls: unroll pipelined loops P times (#pragma HLS "
             "UNROLL) and partition the arrays they access cyclically by P; "
             "auto: the largest of 16, 8, 4, 2 and 1 whose design fits "
             "--hls-part"),
    cl::value_desc("P|auto"), cl::init("1"));
static cl::opt<int> hlsLinearLanes(
    "hls-linear-lanes",
    cl::desc("--target=hls with --hls-shared-linear: constant lanes of the "
             "linear unit over the output dimension (default: the "
             "--hls-unroll factor)"),
    cl::value_desc("P"), cl::init(0));
static cl::opt<int> hlsOtherUnroll(
    "hls-other-unroll",
    cl::desc("--target=hls with --hls-shared-linear: unroll the pipelined "
             "loops that are not products (elementwise ops, softmax, "
             "transposes, fills) Q times where each copy gets its own bank "
             "of their arrays (default: the --hls-unroll factor; 1: off)"),
    cl::value_desc("Q"), cl::init(0));
static cl::opt<int> hlsTokenTile(
    "hls-token-tile",
    cl::desc("--target=hls: token-wise layers (linear, MLP, MoE FFN, norms) "
             "run over tiles of T tokens, their buffers one tile long; with "
             "T > 1 dense weights stream through on-chip ping-pong row "
             "tiles, read from DDR once per tile (default 1; 0: whole "
             "sequences)"),
    cl::value_desc("T"), cl::init(1));
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

#ifndef M3SAT_OPENMP_LIBRARY_DIR
#define M3SAT_OPENMP_LIBRARY_DIR ""
#endif

#ifndef M3SAT_TASK_RUNTIME_ARCHIVE
#define M3SAT_TASK_RUNTIME_ARCHIVE ""
#endif

#ifndef M3SAT_GPU_TASK_RUNTIME_ARCHIVE
#define M3SAT_GPU_TASK_RUNTIME_ARCHIVE ""
#endif

namespace {

/// The target-specific flags, each with the targets it applies to; given
/// for another target, a flag is an error.
struct TargetFlag {
  const cl::Option &option;
  std::vector<Target> targets;
};

std::string checkTargetFlags(Target target) {
  const TargetFlag flags[] = {
      {gpuArch, {Target::GPU}},
      {gpuGemmLibrary, {Target::GPU}},
      {gpuTf32, {Target::GPU}},
      {moeLowering, {Target::CPU, Target::GPU}},
      {fuseAttention, {Target::CPU, Target::GPU}},
      {serialWork, {Target::CPU}},
      {winogradTile, {Target::CPU}},
      {hlsFixed, {Target::HLS}},
      {hlsActFixed, {Target::HLS}},
      {hlsWeightFixed, {Target::HLS}},
      {hlsLutGelu, {Target::HLS}},
      {hlsOnlineSoftmax, {Target::HLS}},
      {hlsSharedLinear, {Target::HLS}},
      {hlsDataflow, {Target::HLS}},
      {hlsUnroll, {Target::HLS}},
      {hlsTokenTile, {Target::HLS}},
      {hlsLinearLanes, {Target::HLS}},
      {hlsOtherUnroll, {Target::HLS}},
      {hlsPart, {Target::HLS}},
      {hlsAllowOverflow, {Target::HLS}},
  };
  for (const TargetFlag &flag : flags) {
    if (!flag.option.getNumOccurrences() ||
        llvm::is_contained(flag.targets, target))
      continue;
    std::string names;
    for (Target allowed : flag.targets)
      names += (names.empty() ? "--target=" : " or --target=") +
               getTargetName(allowed).str();
    return "--" + flag.option.ArgStr.str() + " needs " + names;
  }
  return "";
}

/// The task runtime archive: $M3SAT_TASK_RUNTIME (CPU) or
/// $M3SAT_GPU_TASK_RUNTIME (GPU), else next to this tool (<prefix>/lib, in
/// the build tree and when installed), else where the build put it.
std::string findTaskRuntime(const char *argv0, bool gpu) {
  if (std::optional<std::string> fromEnv = llvm::sys::Process::GetEnv(
          gpu ? "M3SAT_GPU_TASK_RUNTIME" : "M3SAT_TASK_RUNTIME"))
    return *fromEnv;
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&findTaskRuntime);
  llvm::SmallString<256> sibling(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(sibling, "..", "lib",
                          gpu ? "libm3sat_gpu_task_runtime.a"
                              : "libm3sat_task_runtime.a");
  if (llvm::sys::fs::exists(sibling))
    return std::string(sibling);
  return gpu ? M3SAT_GPU_TASK_RUNTIME_ARCHIVE : M3SAT_TASK_RUNTIME_ARCHIVE;
}

std::optional<MoELowering> readMoELowering(std::string &error) {
  if (!moeLowering.getNumOccurrences())
    return std::nullopt;
  if (moeLowering == "loops")
    return MoELowering::Loops;
  if (moeLowering == "row-gather")
    return MoELowering::RowGather;
  error = "--moe-lowering=" + moeLowering +
          " is not known (use loops or row-gather)";
  return std::nullopt;
}

std::string readHLSOptions(HLSBackendOptions &hls) {
  for (auto [option, text, width, intBits] :
       {std::make_tuple("hls-act-fixed", &hlsActFixed, &hls.numerics.actWidth,
                        &hls.numerics.actInt),
        std::make_tuple("hls-weight-fixed", &hlsWeightFixed,
                        &hls.numerics.weightWidth, &hls.numerics.weightInt)})
    if (std::string error =
            parseHLSFixedFormat(option, text->getValue(), *width, *intBits);
        !error.empty())
      return error;
  hls.numerics.fixed = hlsFixed;
  hls.lutGelu = hlsLutGelu;
  hls.onlineSoftmax = hlsOnlineSoftmax;
  hls.sharedLinear = hlsSharedLinear;
  hls.dataflow = hlsDataflow;
  if (hlsUnroll == "auto")
    hls.autoUnroll = true;
  else if (llvm::StringRef(hlsUnroll).getAsInteger(10, hls.unroll))
    return "--hls-unroll=" + hlsUnroll + ": expected 1 to 64, or auto";
  hls.tokenTile = hlsTokenTile;
  hls.linearLanes = hlsLinearLanes;
  hls.otherUnroll = hlsOtherUnroll;
  hls.part = hlsPart;
  hls.allowOverflow = hlsAllowOverflow;
  return verifyBackendOptions(hls);
}

/// The compile options from the command line; an error message or "".
std::string readOptions(const char *argv0, CompileOptions &options) {
  if (!emit.empty() && emit != "mlir")
    return "--emit=" + emit + " is not known (use --emit=mlir)";
  if (!profile.empty() && exposeRouting)
    return "--profile and --expose-routing exclude each other";
  if (!(coverage > 0.0 && coverage <= 1.0)) {
    std::string text;
    llvm::raw_string_ostream(text)
        << llvm::format("--coverage=%g: not in (0, 1]", double(coverage));
    return text;
  }
  std::optional<Target> parsed = parseTarget(target);
  if (!parsed)
    return "--target=" + target + " is not known (use cpu, gpu or hls)";
  options.target = *parsed;
  if (std::string error = checkTargetFlags(options.target); !error.empty())
    return error;
  options.modelPath = model;
  options.tasks.assign(tasks.begin(), tasks.end());
  options.modalities.assign(modalities.begin(), modalities.end());
  options.outDir = outDir;
  options.emitMLIR = emit == "mlir";
  options.verbose = verbose;
  options.report = report;
  options.profilePath = profile;
  options.coverage = coverage;
  options.exposeRouting = exposeRouting;
  options.raiseMoE = raiseMoE;
  options.pointwiseConvBeforeResize = pointwiseConvBeforeResize;

  std::string error;
  std::optional<MoELowering> lowering = readMoELowering(error);
  if (!error.empty())
    return error;
  switch (options.target) {
  case Target::CPU: {
    CPUBackendOptions &cpuOptions = options.cpu;
    cpuOptions.cpu = cpu;
    cpuOptions.runtimeArchive = findTaskRuntime(argv0, /*gpu=*/false);
    if (threads)
      cpuOptions.openmpLibraryDir = M3SAT_OPENMP_LIBRARY_DIR;
    cpuOptions.blas = blas;
    cpuOptions.vectorize = vectorize;
    cpuOptions.arena = arena;
    cpuOptions.arenaReuse = arenaReuse;
    cpuOptions.moeLowering = lowering;
    cpuOptions.fuseAttention = fuseAttention;
    cpuOptions.serialWork = serialWork;
    if (winogradTile != 0 && winogradTile != 2 && winogradTile != 4)
      return "--winograd-tile=" + std::to_string(winogradTile) +
             " is not a tile size m3sat has (use 0, 2 or 4)";
    cpuOptions.winogradTile = winogradTile;
    if (!llvm::sys::fs::exists(cpuOptions.runtimeArchive))
      return "the task runtime '" + cpuOptions.runtimeArchive +
             "' does not exist (set M3SAT_TASK_RUNTIME)";
    return "";
  }
  case Target::GPU: {
    GPUBackendOptions &gpu = options.gpu;
    gpu.arch = gpuArch;
    gpu.cpu = cpu;
    gpu.moeLowering = lowering;
    gpu.gemmLibrary = gpuGemmLibrary;
    gpu.tf32 = gpuTf32;
    if (fuseAttention.getNumOccurrences())
      gpu.fuseAttention = fuseAttention;
    if (std::string error = verifyBackendOptions(gpu); !error.empty())
      return error;
    gpu.ptxas = findPtxas();
    gpu.runtimeArchive = findTaskRuntime(argv0, /*gpu=*/true);
    if (gpu.runtimeArchive.empty())
      return "this build has no GPU task runtime (cuda.h was not found when "
             "it was configured), so --target=gpu cannot link task "
             "libraries";
    if (!llvm::sys::fs::exists(gpu.runtimeArchive))
      return "the task runtime '" + gpu.runtimeArchive +
             "' does not exist (set M3SAT_GPU_TASK_RUNTIME)";
    return "";
  }
  case Target::HLS:
    return readHLSOptions(options.hls);
  }
  return "";
}

} // namespace

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
  CompileOptions options;
  if (std::string error = readOptions(argv[0], options); !error.empty())
    return fail(error);
  // The profile's reference samples, checked before compiling.
  ProfileReferences references;
  if (!profile.empty() && profileCheck)
    if (std::string error = readProfileReferences(profile, references);
        !error.empty())
      return fail(error);

  ImportOptions importOptions;
  importOptions.tasks = options.tasks;
  if (std::string error = applyImportCLOptions(importFlags, importOptions);
      !error.empty())
    return fail(error);
  auto loadONNX = [&](const std::string &path, mlir::MLIRContext &ctx) {
    return importONNXModel(path, ctx, importOptions);
  };
  if (mlir::failed(compileModel(context, options, loadONNX)))
    return 1;
  if (!profile.empty() && profileCheck)
    if (std::string error =
            reportProfileDeviation(outDir, references, coverage, llvm::outs());
        !error.empty())
      return fail(error);
  return 0;
}
