//===- WeightArrays.h - which arrays hold weights ---------------*- C++ -*-===//
//
// The arrays of emitted functions whose elements have the weight element
// type (`m3sat_weight_t`, narrower than activations in fixed point): the
// weight ports of top functions (`m3sat.hls.weight`), the arguments of
// callees that every call passes a weight array, and the ping-pong buffers
// of weight slices (`m3sat.hls.stream_of`).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_WEIGHTARRAYS_H
#define M3SAT_TARGET_HLS_ANALYSIS_WEIGHTARRAYS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/DenseMap.h"

namespace m3sat {

/// The weight arrays of one translation unit.
class HLSWeightArrays {
public:
  /// Computes them for the top functions `tops` and the functions
  /// `callees` that they call, callees before their callers.
  HLSWeightArrays(llvm::ArrayRef<mlir::func::FuncOp> tops,
                  llvm::ArrayRef<mlir::Operation *> callees);

  /// Whether `memref` (a function argument or an allocation) is a weight
  /// array.
  bool isWeight(mlir::Value memref) const;

  /// Whether `load` reads an f32 weight array and only feeds
  /// multiplications or copies into weight arrays: the value then keeps the
  /// (narrower) weight type, so that a fixed-point build multiplies weights
  /// at their own width.
  bool isWeightOperand(mlir::memref::LoadOp load) const;

private:
  /// For each callee, which arguments every call passes a weight array.
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<bool>> calleeWeights;
};

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_WEIGHTARRAYS_H
