//===- Pipelines.h - m3sat named pass pipelines -----------------*- C++ -*-===//
//
// The named pipelines of m3sat-compile's phases: `m3sat-specialize-pipeline`
// (imported model to one function per task with outlined weights), then one
// that takes the specialized program to a target: `m3sat-cpu-pipeline`,
// `m3sat-gpu-pipeline` and `m3sat-hls-pipeline`, which share their front
// half (tensors to bufferized linalg with out-params).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_PIPELINES_PIPELINES_H
#define M3SAT_PIPELINES_PIPELINES_H

#include "m3sat/Conversion/MoELowering.h"

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace m3sat {

/// The values of the pipelines' moe-lowering option.
inline auto moeLoweringValues() {
  return llvm::cl::values(
      clEnumValN(MoELowering::Loops, "loops",
                 "scf.for loops over tokens, slots and experts"),
      clEnumValN(MoELowering::RowGather, "row-gather",
                 "parallel loop nests; grouped_matmul as one contraction "
                 "over all rows"));
}

/// Options of the CPU pipeline.
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> foldRouting{
      *this, "fold-routing",
      llvm::cl::desc("Canonicalize first, so that routing with constant "
                     "logits becomes a static expert set"),
      llvm::cl::init(true)};
  Option<MoELowering> moeLowering{
      *this, "moe-lowering",
      llvm::cl::desc("Form of the token-routed MoE ops (route, dispatch, "
                     "grouped_matmul, combine)"),
      llvm::cl::init(MoELowering::Loops), moeLoweringValues()};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run large parallel loops on all cores (OpenMP)"),
      llvm::cl::init(true)};
  Option<bool> blas{
      *this, "blas",
      llvm::cl::desc("f32 matrix products call m3sat_sgemm (provided by "
                     "the task runtime; m3sat-contractions-to-blas)"),
      llvm::cl::init(false)};
  Option<bool> convolutionsToBLAS{
      *this, "convolutions-to-blas",
      llvm::cl::desc("With blas: 2-D convolutions of unit strides with a "
                     "window over 1x1 call m3sat_sconv, one SGEMM per "
                     "filter tap and tile of output rows, instead of "
                     "im2col and one SGEMM (m3sat-convolutions-to-blas)"),
      llvm::cl::init(true)};
  Option<int64_t> winogradTile{
      *this, "winograd-tile",
      llvm::cl::desc("With convolutions-to-blas: 3x3 convolutions of 16 or "
                     "more channels in and out run as Winograd's F(TxT, "
                     "3x3) with this T, 2 (4 multiply-adds per pixel and "
                     "channel pair instead of 9) or 4 (2.25); 0: not "
                     "(m3sat_swinograd)"),
      llvm::cl::init(2)};
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Elementwise and row-reduction ops become SIMD vector "
                     "code, with polynomial erf/exp "
                     "(m3sat-vectorize-elementwise)"),
      llvm::cl::init(true)};
  Option<bool> arena{
      *this, "arena",
      llvm::cl::desc("Temporary buffers of each task become views into one "
                     "arena planned from their lifetimes "
                     "(m3sat-plan-activation-arena)"),
      llvm::cl::init(true)};
  Option<bool> arenaReuse{
      *this, "arena-reuse",
      llvm::cl::desc("With arena: buffers whose lifetimes do not overlap "
                     "share bytes (false: each has its own)"),
      llvm::cl::init(true)};
  Option<bool> splitSharedInits{
      *this, "split-shared-inits",
      llvm::cl::desc("Each user of a tensor.empty or fill that CSE shared "
                     "gets its own before bufferization, so that buffers "
                     "live one layer, not all (m3sat-split-shared-inits)"),
      llvm::cl::init(true)};
  Option<bool> mergeParallelRegions{
      *this, "merge-parallel-regions",
      llvm::cl::desc("With parallel: neighbouring OpenMP parallel regions "
                     "become one (m3sat-merge-parallel-regions)"),
      llvm::cl::init(true)};
  Option<bool> inlineStaticWorksharing{
      *this, "inline-static-worksharing",
      llvm::cl::desc("With parallel: static worksharing loops and singles "
                     "are split by inline arithmetic rather than libomp "
                     "calls (m3sat-inline-static-worksharing)"),
      llvm::cl::init(true)};
  Option<int64_t> serialWork{
      *this, "serial-work",
      llvm::cl::desc("With parallel: a task whose loops do at most this many "
                     "iterations in all (a product's multiply-adds, an "
                     "elementwise op's elements) runs on the calling thread "
                     "without parallel regions (m3sat-serial-small-tasks); "
                     "0: every task may use the pool"),
      llvm::cl::init(33554432)};
  Option<int64_t> minParallelIterations{
      *this, "min-parallel-iterations",
      llvm::cl::desc("Smallest loop nest worth a parallel region"),
      llvm::cl::init(4096)};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Scaled dot-product attention as one loop nest with an "
                     "online softmax (m3sat-fuse-attention; the GPU's form, "
                     "run on the CPU to check its numerics)"),
      llvm::cl::init(false)};
};

/// Builds the front half that every target shares: tosa and m3sat on
/// tensors -> linalg (generalized, fused, interchanged) -> one-shot
/// bufferization across function boundaries -> results as caller-provided
/// out-params (statically shaped result allocations hoisted into them). No
/// deallocation is inserted: targets add what they need. `moeLowering` is
/// the form of the token-routed MoE ops (m3sat-convert-to-linalg). With
/// `convolutionsAsMatmul`, 2-D convolutions become im2col and a matrix
/// product (m3sat-convolutions-to-matmul); without
/// `unitStrideConvolutionsAsMatmul`, those of unit strides and a window over
/// 1x1 stay convolutions (for m3sat-convolutions-to-blas). With
/// `splitSharedInits`, each
/// user of a shared tensor.empty or fill gets its own before bufferization
/// (m3sat-split-shared-inits), so that no buffer lives across layers only
/// because CSE merged their inits. With `fuseAttention`, scaled dot-product
/// attention becomes one loop nest with an online softmax
/// (m3sat-fuse-attention; its scf.forall becomes scf.parallel after
/// bufferization).
void buildBufferizedLinalgPipeline(mlir::OpPassManager &pm, bool foldRouting,
                                   MoELowering moeLowering = MoELowering::Loops,
                                   bool convolutionsAsMatmul = false,
                                   bool splitSharedInits = false,
                                   bool unitStrideConvolutionsAsMatmul = true,
                                   bool fuseAttention = false);

/// Builds the CPU pipeline: tosa and m3sat on tensors -> linalg -> one-shot
/// bufferization -> loops -> the LLVM dialect, ready for translation to LLVM
/// IR.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Options of the GPU pipeline.
struct GPUPipelineOptions
    : public mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<bool> foldRouting{
      *this, "fold-routing",
      llvm::cl::desc("Canonicalize first, so that routing with constant "
                     "logits becomes a static expert set"),
      llvm::cl::init(true)};
  Option<MoELowering> moeLowering{
      *this, "moe-lowering",
      llvm::cl::desc("Form of the token-routed MoE ops (route, dispatch, "
                     "grouped_matmul, combine)"),
      llvm::cl::init(MoELowering::RowGather), moeLoweringValues()};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("NVIDIA architecture (sm_XX)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX features, e.g. +ptx80 (empty: the lowest PTX "
                     "version the chip allows)"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("NVPTX optimization level"),
                            llvm::cl::init(3)};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Most threads in a block"),
                            llvm::cl::init(256)};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit whose libdevice the kernels link (empty: "
                     "$CUDA_HOME, else /usr/local/cuda)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the kernels become: isa (PTX), bin (cubin, "
                     "needs ptxas) or fatbin"),
      llvm::cl::init("isa")};
  Option<std::string> gemmLibrary{
      *this, "gemm-library",
      llvm::cl::desc("Library for f32 matrix products and grouped expert "
                     "GEMMs: cublas (the task runtime's m3sat_gpu_* calls), "
                     "or none (generated kernels)"),
      llvm::cl::init("cublas")};
  Option<bool> tf32{*this, "tf32",
                    llvm::cl::desc("Let cuBLAS use TF32 tensor cores"),
                    llvm::cl::init(false)};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Scaled dot-product attention as one kernel with an "
                     "online softmax (m3sat-fuse-attention)"),
      llvm::cl::init(true)};
};

/// Builds the GPU pipeline: the shared front half (token-routed MoE in the
/// row-gather form by default), then linalg to parallel
/// loops; sequential code into single-thread kernels; parallel loops tiled
/// into blocks of threads and mapped to gpu.launch; host buffers into
/// device memory; kernels outlined, lowered to NVVM and serialized for
/// `chip`; host code to the LLVM dialect calling the `mgpu*` runtime
/// functions, memrefs passed as bare pointers (host and kernels).
void buildGPUPipeline(mlir::OpPassManager &pm,
                      const GPUPipelineOptions &options);

/// Options of the HLS pipeline.
struct HLSPipelineOptions
    : public mlir::PassPipelineOptions<HLSPipelineOptions> {
  Option<bool> foldRouting{
      *this, "fold-routing",
      llvm::cl::desc("Canonicalize first, so that routing with constant "
                     "logits becomes a static expert set"),
      llvm::cl::init(true)};
  Option<int64_t> initiationInterval{
      *this, "ii",
      llvm::cl::desc("Initiation interval requested for innermost loops"),
      llvm::cl::init(1)};
  Option<int64_t> unroll{
      *this, "unroll",
      llvm::cl::desc("Unroll factor for pipelined loops whose trip count it "
                     "divides (arrays they access are partitioned to match)"),
      llvm::cl::init(1)};
  Option<bool> lutGelu{*this, "lut-gelu",
                       llvm::cl::desc("GELU from a table with linear "
                                      "interpolation (m3sat-hls-lut-gelu)"),
                       llvm::cl::init(false)};
  Option<bool> shareLayers{
      *this, "share-layers",
      llvm::cl::desc("Loop nests of a top function that compute alike "
                     "become calls of one function (m3sat-hls-share-layers)"),
      llvm::cl::init(true)};
  Option<bool> onlineSoftmax{
      *this, "online-softmax",
      llvm::cl::desc("Softmax in one pass with a running maximum and sum "
                     "(m3sat-hls-online-softmax)"),
      llvm::cl::init(false)};
  Option<bool> sharedLinear{
      *this, "shared-linear",
      llvm::cl::desc("Every matrix product a call of one shared linear unit "
                     "(m3sat-hls-shared-linear)"),
      llvm::cl::init(false)};
  Option<int64_t> linearLanes{
      *this, "linear-lanes",
      llvm::cl::desc("With shared-linear: constant lanes of the unit over N "
                     "(0: the unroll factor)"),
      llvm::cl::init(0)};
  Option<int64_t> otherUnroll{
      *this, "other-unroll",
      llvm::cl::desc("With shared-linear: unroll factor of the pipelined "
                     "loops that do not multiply-accumulate (elementwise "
                     "ops, softmax, transposes, fills), kept where their "
                     "arrays get the banks (0: the unroll factor)"),
      llvm::cl::init(0)};
  Option<bool> unitWeightTiles{
      *this, "unit-weight-tiles",
      llvm::cl::desc("With shared-linear: the unit's weight operands stream "
                     "from their port through two on-chip tiles of rows, "
                     "one loading while the unit computes from the other "
                     "(m3sat-hls-unit-weight-tiles)"),
      llvm::cl::init(true)};
  Option<bool> dataflow{
      *this, "dataflow",
      llvm::cl::desc("DATAFLOW regions between the stages of top functions, "
                     "connected by FIFOs and ping-pong buffers "
                     "(m3sat-hls-dataflow; not with shared-linear)"),
      llvm::cl::init(false)};
  Option<bool> dataflowFifo{
      *this, "dataflow-fifo",
      llvm::cl::desc("With dataflow: FIFO channels where producer and "
                     "consumer walk a buffer in the same order (else every "
                     "channel is a ping-pong buffer)"),
      llvm::cl::init(true)};
  Option<int64_t> tokenTile{
      *this, "token-tile",
      llvm::cl::desc("Tokens per tile of the token-wise layers "
                     "(m3sat-hls-token-tiling; 0: whole sequences; with "
                     "dataflow the regions form in each tile; not with "
                     "shared-linear)"),
      llvm::cl::init(1)};
};

/// Builds the HLS pipeline: the shared front half, then memref copies and
/// linalg to scf loops over static buffers, view ops folded into the
/// indices of loads and stores, affine lowered to arith, and innermost loops
/// marked for pipelining. The result uses only func, scf, memref, arith and
/// math: the input of the HLS C++ emitter (`--emit-hls-cpp`).
void buildHLSPipeline(mlir::OpPassManager &pm,
                      const HLSPipelineOptions &options);

/// Registers the lowering pipelines (CPU, GPU, HLS) with the global pass
/// registry.
void registerPipelines();

/// Options of the specialization pipeline (m3sat-compile's first phase
/// after import).
struct SpecializePipelineOptions
    : public mlir::PassPipelineOptions<SpecializePipelineOptions> {
  ListOption<std::string> tasks{
      *this, "tasks", llvm::cl::desc("Tasks to compile (default: all)")};
  Option<bool> raiseMoE{
      *this, "raise",
      llvm::cl::desc("MoE layers written as standard ops become m3sat MoE "
                     "ops first (m3sat-raise-moe; default on)"),
      llvm::cl::init(true)};
  ListOption<std::string> modalities{
      *this, "modalities",
      llvm::cl::desc("Modalities the device has (default: all)")};
  Option<bool> groupTasks{
      *this, "group-tasks",
      llvm::cl::desc("With two or more tasks (and no expose-routing), one "
                     "more function computes them all, sharing their common "
                     "work (m3sat-group-tasks)"),
      llvm::cl::init(true)};
  Option<bool> exposeRouting{
      *this, "expose-routing",
      llvm::cl::desc("Token-routed MoE layers also return their routing "
                     "decisions (m3sat-expose-routing; for m3sat-profile)"),
      llvm::cl::init(false)};
  Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("Expert usage JSON of m3sat-profile: prune the experts "
                     "the routing rarely picks (m3sat-prune-by-profile)"),
      llvm::cl::init("")};
  Option<double> coverage{
      *this, "coverage",
      llvm::cl::desc("With profile: share of the routing mass the kept "
                     "experts must carry"),
      llvm::cl::init(0.999)};
  Option<bool> transposeExpertWeights{
      *this, "transpose-expert-weights",
      llvm::cl::desc("Expert weights stored as (in, out), as the row-gather "
                     "form of routed MoE layers reads them best "
                     "(m3sat-transpose-expert-weights)"),
      llvm::cl::init(false)};
  Option<bool> pointwiseConvBeforeResize{
      *this, "pointwise-conv-before-resize",
      llvm::cl::desc("A 1x1 convolution that reduces channels runs before "
                     "the Resize that feeds it "
                     "(m3sat-pointwise-conv-before-resize)"),
      llvm::cl::init(true)};
  Option<bool> sinkTransposes{
      *this, "sink-transposes",
      llvm::cl::desc("A transpose that feeds elementwise ops and Resize "
                     "steps ending in its inverse moves down to it, where "
                     "both go (m3sat-sink-transposes)"),
      llvm::cl::init(true)};
};

/// Builds the specialization pipeline: one function per task (routing of
/// the bound task folded, constant subgraphs evaluated, static expert sets
/// pruned and fused, optionally pruned by a profile), then the large
/// constants outlined as weight arguments. This is what m3sat-compile runs
/// between import and the target's lowering pipeline.
void buildSpecializePipeline(mlir::OpPassManager &pm,
                             const SpecializePipelineOptions &options);

/// Registers `m3sat-specialize-pipeline` with the global pass registry.
void registerSpecializePipeline();

} // namespace m3sat

#endif // M3SAT_PIPELINES_PIPELINES_H
