//===- TargetBackend.h - one interface per code target ----------*- C++ -*-===//
//
// m3sat-compile drives three targets through one interface, as IREE's HAL
// target backends do: each backend takes one options struct, checks it,
// says how specialization must shape the program for it, lowers the
// specialized module with its registered pipeline and writes its code into
// OUT_DIR from the task table. The driver (TaskCompiler) only loads,
// specializes, builds the task table, calls the backend and writes the
// bundle.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_COMPILER_TARGETBACKEND_H
#define M3SAT_COMPILER_TARGETBACKEND_H

#include "m3sat/Conversion/MoELowering.h"
#include "m3sat/Target/HLS/Emit/HLSNumerics.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace m3sat {

struct SpecializePipelineOptions;
struct TaskTable;

/// The code targets of m3sat-compile --target.
enum class Target { CPU, GPU, HLS };

/// "cpu", "gpu" or "hls".
llvm::StringRef getTargetName(Target target);
/// The target named `name`, if any.
std::optional<Target> parseTarget(llvm::StringRef name);

/// --target=cpu: a task library (libm3sat_task.so) with the C ABI.
struct CPUBackendOptions {
  /// LLVM CPU name, or "native" for the host.
  std::string cpu = "native";
  /// libm3sat_task_runtime.a, linked into the task library.
  std::string runtimeArchive;
  /// Directory of libomp.so; empty: the code runs on one thread.
  std::string openmpLibraryDir;
  /// f32 matrix products call the runtime's SGEMM.
  bool blas = true;
  /// Elementwise ops and row reductions become vector code.
  bool vectorize = true;
  /// Temporary buffers in one planned arena per task, sharing bytes where
  /// their lifetimes do not overlap (`arenaReuse`).
  bool arena = true;
  bool arenaReuse = true;
  /// Form of token-routed MoE layers (default: loops).
  std::optional<MoELowering> moeLowering;
  /// Attention as one loop nest with an online softmax (the GPU's form;
  /// on the CPU to check its numerics).
  bool fuseAttention = false;
  /// Tasks of at most this much work run without parallel regions
  /// (m3sat-serial-small-tasks; 0: none).
  int64_t serialWork = 33554432;
  /// 3x3 convolutions as Winograd's F(TxT, 3x3) with this T (2 or 4; 0:
  /// direct sums).
  int64_t winogradTile = 2;
};

/// --target=gpu: host code (as for CPU) with the NVVM kernels embedded;
/// their PTX and cubin also in OUT_DIR/kernels.
struct GPUBackendOptions {
  /// The NVIDIA architecture (sm_XX).
  std::string arch = "sm_90";
  /// ptxas to assemble the PTX into cubin; empty: PTX only.
  std::string ptxas;
  /// The host side: CPU name and libm3sat_gpu_task_runtime.a.
  std::string cpu = "native";
  std::string runtimeArchive;
  /// Form of token-routed MoE layers (default: row-gather).
  std::optional<MoELowering> moeLowering;
  /// Library for f32 matrix products and grouped expert GEMMs: cublas, or
  /// none (generated kernels).
  std::string gemmLibrary = "cublas";
  /// cuBLAS may use TF32 tensor cores.
  bool tf32 = false;
  /// Attention as one kernel with an online softmax.
  bool fuseAttention = true;
};

/// --target=hls: OUT_DIR/hls with the C++ of each task's top function, its
/// testbench, weights.bin, the Vitis HLS script and the estimate.
/// The architecture options are those of m3sat-hls-pipeline, set there
/// once (emitCode); the rest says how the project is written.
struct HLSBackendOptions : HLSProjectOptions {
  /// GELU from a table with linear interpolation (m3sat-hls-lut-gelu).
  bool lutGelu = false;
  /// Softmax in one pass with a running maximum and sum
  /// (m3sat-hls-online-softmax).
  bool onlineSoftmax = false;
  /// Every matrix product a call of one linear unit
  /// (m3sat-hls-shared-linear).
  bool sharedLinear = false;
  /// DATAFLOW regions between the stages of top functions
  /// (m3sat-hls-dataflow).
  bool dataflow = false;
  /// Unroll factor of pipelined loops (their arrays partitioned to match).
  int unroll = 1;
  /// --hls-unroll=auto: the largest factor of kHLSAutoUnrollFactors whose
  /// design fits the part (then `unroll` is ignored).
  bool autoUnroll = false;
  /// Tokens per tile of token-wise layers (m3sat-hls-token-tiling); 0: off.
  int tokenTile = 1;
  /// Constant lanes of the shared linear unit over N; 0: the unroll factor.
  int linearLanes = 0;
  /// With the shared linear unit: the unroll factor of the pipelined loops
  /// that are not products (checked against their arrays' banks); 0: the
  /// unroll factor.
  int otherUnroll = 0;
};

/// The unroll factors --hls-unroll=auto tries, largest first.
inline constexpr int kHLSAutoUnrollFactors[] = {16, 8, 4, 2, 1};

/// An options struct's own consistency: "" or a one-line message naming
/// the command-line flag.
std::string verifyBackendOptions(const GPUBackendOptions &options);
std::string verifyBackendOptions(const HLSBackendOptions &options);

/// Prints how long each phase took (m3sat-compile -v) to stderr.
class PhaseTimer {
public:
  explicit PhaseTimer(bool enabled) : enabled(enabled) {}
  /// Ends the phase `phase` that began at the previous call.
  void done(llvm::StringRef phase);
  bool isEnabled() const { return enabled; }

private:
  bool enabled;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

/// What a backend adds to m3sat-compile --report.
struct BackendReport {
  /// report.json's "tasks" object (one entry per task, by task name).
  llvm::json::Object *tasks = nullptr;
  /// Text printed after the cost report.
  std::string text;
};

/// Where and how a backend writes its code.
struct EmitContext {
  std::string outDir;
  /// The bundle's code id, which the code carries too.
  std::string codeId;
  /// -v: phase timings and backend details on stderr.
  PhaseTimer &timer;
  /// --report: the backend's part of it; null without --report.
  BackendReport *report = nullptr;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  virtual Target getTarget() const = 0;

  /// Shapes specialization for this target's code (task groups, the layout
  /// of expert weights).
  virtual void
  configureSpecialization(SpecializePipelineOptions &options) const = 0;

  /// What, besides the model and the specialized program, makes the code
  /// differ (target, CPU, GPU architecture): part of the bundle's code id.
  virtual std::string getCodeIdentity() const = 0;

  /// The file or directory in OUT_DIR that holds the code, as the bundle
  /// names it.
  virtual std::string getLibraryName() const = 0;

  /// Lowers the specialized `module` (weights moved into `table`) and
  /// writes the code into `context.outDir`. On failure nothing of it is
  /// left there.
  virtual mlir::LogicalResult emitCode(mlir::ModuleOp module,
                                       const TaskTable &table,
                                       EmitContext &context) = 0;

  /// Removes what emitCode wrote (the bundle could not be written).
  virtual void removeCode(const std::string &outDir) const = 0;
};

std::unique_ptr<TargetBackend>
createCPUBackend(const CPUBackendOptions &options);
std::unique_ptr<TargetBackend>
createGPUBackend(const GPUBackendOptions &options);
std::unique_ptr<TargetBackend>
createHLSBackend(const HLSBackendOptions &options);

} // namespace m3sat

#endif // M3SAT_COMPILER_TARGETBACKEND_H
