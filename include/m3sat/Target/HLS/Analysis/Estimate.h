//===- Estimate.h - sizing HLS top functions --------------------*- C++ -*-===//
//
// A first-order estimate of an HLS top function from its loop-level IR, for
// sizing a design before synthesis: cycles with every pipelined loop at its
// requested initiation interval, on-chip buffer bytes and multiplier count,
// per loop nest (an ONNX node, when the importer named it) and in total, at
// a choice of parallelism (innermost pipelined loops unrolled P times).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_ESTIMATE_H
#define M3SAT_TARGET_HLS_ANALYSIS_ESTIMATE_H

#include "m3sat/Target/HLS/Analysis/Resources.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace m3sat {

/// Cost of one loop nest (or of the straight-line code between them).
struct HLSStageEstimate {
  /// The layer (ONNX node) the nest computes, "" when unknown.
  std::string name;
  /// 1-based index of the loop nest in the function (0: straight-line code).
  unsigned nest = 0;
  /// Cycles at parallelism 1, and multipliers instantiated.
  int64_t cycles = 0;
  int64_t multipliers = 0;
  /// The arithmetic and control of the nest (Resources.h).
  HLSResources units;
};

/// Cost of a top function.
struct HLSEstimate {
  std::string function;
  /// Cycles at parallelism 1: pipelined loops take trip count x II, loops
  /// around them multiply, each straight-line run of ops takes one cycle;
  /// pipeline fill and memory latency are ignored. Loops with bounds known
  /// only at run time count at the upper bound the integer range analysis
  /// proves.
  int64_t cycles = 0;
  /// Bytes of on-chip arrays: local buffers and constant tables.
  int64_t bufferBytes = 0;
  /// Multipliers (f32 multiplies and fmas, integer multiplies of two
  /// variables) and dividers instantiated at parallelism 1.
  int64_t multipliers = 0;
  int64_t dividers = 0;
  /// Loops counted at an upper bound rather than an exact trip count.
  int64_t boundedLoops = 0;
  /// Pipelined loops whose iterations carry a float accumulation (a
  /// reduction into a scalar or a buffer element): they run at
  /// `accumulationII` per float add or multiply on the recurrence (one for
  /// a sum), not at the II requested.
  int64_t accumulationLoops = 0;
  int64_t accumulationII = 1;
  /// Calls of the shared linear unit (m3sat-hls-shared-linear), which take
  /// turns on one unit, and its multipliers at parallelism 1.
  int64_t sharedUnitCalls = 0;
  int64_t sharedUnitMultipliers = 0;
  /// DATAFLOW regions (m3sat-hls-dataflow), their stages, and their
  /// channels: FIFOs (bytes: depth x element) and ping-pong buffers
  /// (bytes: two buffers), included in bufferBytes.
  int64_t dataflowRegions = 0;
  int64_t dataflowStages = 0;
  int64_t fifoChannels = 0;
  int64_t fifoBytes = 0;
  int64_t pipoChannels = 0;
  int64_t pipoBytes = 0;
  /// Cycles and multipliers at parallelism 1, 2, 4, 8, 16.
  std::vector<std::pair<int64_t, std::pair<int64_t, int64_t>>> byParallelism;
  std::vector<HLSStageEstimate> stages;
  /// On-chip buffer bytes by the layer (ONNX node) that allocates them, in
  /// order of allocation ("" for buffers of no known layer and for
  /// constant tables).
  std::vector<std::pair<std::string, int64_t>> layerBufferBytes;

  /// The resources of the design as emitted (Resources.h): arrays,
  /// arithmetic and control, interfaces.
  HLSResources resources;
  /// The same by layer: the arrays a layer allocates and the units of its
  /// loop nests, in order of first appearance ("interfaces" for the m_axi
  /// and s_axilite adapters, "constant tables", "straight-line code").
  std::vector<std::pair<std::string, HLSResources>> layerResources;
  /// Bytes of the top function's m_axi ports (inputs, weights, outputs):
  /// what one run moves at least once between the part and its memory.
  int64_t offChipBytes = 0;
  /// Bytes the loads and stores of those ports move in one run, each
  /// access one element (a loop that reads a weight once per token reads
  /// it that many times): what the memory time is counted from.
  int64_t portTrafficBytes = 0;
};

/// The latency in cycles of a float adder (Vitis HLS's f32 add at
/// 200 to 300 MHz): the II of a pipelined loop that accumulates
/// in float, since each addition needs the previous sum. Fixed-point adds
/// take one cycle.
inline constexpr int64_t kHLSFloatAddLatency = 4;

/// Estimates `top`; fails (after a diagnostic) when a loop has no bound.
/// Pipelined loops that carry a float accumulation run at
/// `accumulationII` (kHLSFloatAddLatency for float, 1 for fixed point) per
/// float add or multiply on the recurrence; pipelined loops unrolled
/// (`m3sat.hls.unroll`) run that many iterations at a time. `model` gives
/// the number formats the resources are counted in.
mlir::FailureOr<HLSEstimate> estimateHLS(mlir::func::FuncOp top,
                                         int64_t accumulationII,
                                         const HLSResourceModel &model = {});

struct HLSDevice;

/// The estimates as a text table, each with its fit on `device` if given.
std::string formatHLSEstimates(llvm::ArrayRef<HLSEstimate> estimates,
                               const HLSDevice *device = nullptr);

/// The estimates as JSON, each with its fit on `device` if given (and a
/// top-level "device": the part, and whether every design fits).
llvm::json::Value hlsEstimatesToJSON(llvm::ArrayRef<HLSEstimate> estimates,
                                     const HLSDevice *device = nullptr);

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_ESTIMATE_H
