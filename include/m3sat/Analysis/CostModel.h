//===- CostModel.h - FLOPs and bytes of tensor programs ---------*- C++ -*-===//
//
// A static cost model of tensor-level m3sat programs (m3sat, linalg, tosa,
// arith ops on tensors): floating-point operations, parameter bytes
// (constant tensors: the weights) and activation bytes (results written),
// per op and per function. MoE layers count the compute their routing
// actually does: k experts per token (or the static set), not all E.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_ANALYSIS_COSTMODEL_H
#define M3SAT_ANALYSIS_COSTMODEL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace m3sat {

struct Cost {
  int64_t flops = 0;
  int64_t paramBytes = 0;
  int64_t activationBytes = 0;

  Cost &operator+=(const Cost &other) {
    flops += other.flops;
    paramBytes += other.paramBytes;
    activationBytes += other.activationBytes;
    return *this;
  }
};

/// The cost of one layer (an op with compute or parameters).
struct LayerCost {
  std::string name; ///< ONNX node name, else the op name.
  std::string op;
  Cost cost;
  /// The ONNX op an MoE layer was imported from (`m3sat.source_op`, e.g.
  /// "com.microsoft::MoE"), else empty.
  std::string sourceOp;
  /// How an MoE layer's expert weights are stored when they stay quantized
  /// (m3sat.dequantize), e.g. "4-bit codes, a scale per 32 columns"; else
  /// empty.
  std::string quantization;
};

/// Costs of a function: per layer in program order, and the total.
struct FunctionCost {
  std::vector<LayerCost> layers;
  Cost total;
};

/// Compute and activations of `op` (parameters are counted per constant).
Cost opCost(mlir::Operation *op);

/// Costs of `func`. Parameters are the constant tensors and the weight
/// arguments (`m3sat.weight`) it uses, each counted once.
FunctionCost functionCost(mlir::func::FuncOp func);

/// Writes `cost` as a table: one row per layer, then the total.
void printCostTable(llvm::raw_ostream &os, llvm::StringRef title,
                    const FunctionCost &cost);

/// The layer an ONNX node belongs to: its name without the last path
/// component ("/encoder/blocks.0/attn/MatMul" -> "/encoder/blocks.0/attn",
/// the module that torch.onnx.export named it after); other names as is.
std::string layerScope(llvm::StringRef name);

/// `cost`'s layers summed per layer scope, in order of first appearance.
llvm::SmallVector<std::pair<std::string, Cost>>
costByScope(const FunctionCost &cost);

/// Writes, per layer scope, the full model's cost beside `task`'s
/// specialized cost (FLOPs, parameter and activation bytes), then the
/// totals: the full model's layers in order (zero where specialization
/// removed them), then layers only the specialized program has.
void printLayerComparison(llvm::raw_ostream &os, llvm::StringRef task,
                          const FunctionCost &full,
                          const FunctionCost &specialized);

/// One task's activation memory after lowering: its planned arena
/// (m3sat-plan-activation-arena), the bytes of the buffers planned into it,
/// and the cost model's activation bytes (every result, no reuse).
struct ArenaRow {
  std::string task;
  int64_t arenaBytes = 0;
  int64_t plannedBytes = 0;
  int64_t activationBytes = 0;
};

/// Writes the activation memory table: per task, the arena size beside the
/// planned bytes and the sum of activation bytes.
void printArenaTable(llvm::raw_ostream &os, llvm::ArrayRef<ArenaRow> rows);

/// `cost` as JSON: {"flops", "param_bytes", "activation_bytes",
/// "layers": [{"name", "op", "flops", ...}] (per op),
/// "scopes": [{"name", "flops", ...}] (per layer scope)}.
llvm::json::Value costToJSON(const FunctionCost &cost);

} // namespace m3sat

#endif // M3SAT_ANALYSIS_COSTMODEL_H
