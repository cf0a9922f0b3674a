//===- ExpertSelection.h - restricting MoE layers to some experts -*- C++
//-*-===//
//
// What the passes that remove experts share (exact pruning of static sets,
// profile-guided pruning, exposing routing for profiling): a layer's name,
// its per-expert operands, and slicing tensors down to a list of experts.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_EXPERTSELECTION_H
#define M3SAT_TRANSFORMS_EXPERTSELECTION_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Operation.h"

#include <string>

namespace m3sat {

/// The name of an MoE layer: the ONNX node name its location carries, else
/// "moe<index>" with `index` its position among the function's MoE ops.
std::string moeLayerName(mlir::Operation *op, unsigned index);

/// The operands of an `m3sat.moe_ffn` or `m3sat.moe_attention` that hold
/// one slice per expert along dimension 0 (weights and biases); empty for
/// other ops.
llvm::SmallVector<mlir::OpOperand *> perExpertOperands(mlir::Operation *op);

/// The bytes of a constant's elements in row-major order (`storage` holds
/// them for a splat), or failure for attributes whose bytes are not plain
/// (e.g. i1).
llvm::FailureOr<llvm::ArrayRef<char>>
constantBytes(mlir::ElementsAttr value, llvm::SmallVectorImpl<char> &storage);

/// `value` restricted to `experts` along dimension `dim`, in that order.
/// Constants along dimension 0 are sliced at compile time (resource blobs
/// stay resource blobs); anything else goes through `tensor.extract_slice`
/// and `tensor.concat`.
mlir::Value gatherExperts(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value value, llvm::ArrayRef<int64_t> experts,
                          int64_t dim = 0);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_EXPERTSELECTION_H
