//===- BufferAccesses.h - how HLS passes see buffer accesses ---*- C++ -*-===//
//
// Helpers for passes that reason about the loads and stores of loop-level
// IR: which buffers an op reads and writes (through calls), whether an
// access visits a buffer element by element in order, whether two index
// values are the same.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_BUFFERACCESSES_H
#define M3SAT_TARGET_HLS_ANALYSIS_BUFFERACCESSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

#include <optional>

namespace m3sat::hls {

/// The buffers an op reads and writes (defined outside it).
struct Effects {
  llvm::SetVector<mlir::Value> reads, writes;
};

/// The array a memref value names: views (reinterpret_cast) are followed to
/// their source.
mlir::Value rootOf(mlir::Value memref);

/// Whether `value` is a constant table (`memref.get_global`).
bool isGlobal(mlir::Value value);

/// The buffers ops read and write, with the effects of callees on their
/// arguments (computed once per function).
class EffectAnalysis {
public:
  /// The buffers `op` reads and writes that are defined outside it. A call
  /// reads (writes) an operand its callee loads (stores); any other op on a
  /// buffer reads and writes it.
  Effects of(mlir::Operation *op);

private:
  const llvm::SmallVector<std::pair<bool, bool>> &
  ofFunction(mlir::func::FuncOp func);
  void collect(mlir::Operation *root, Effects &effects,
               llvm::function_ref<bool(mlir::Value)> isOutside);

  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<std::pair<bool, bool>>>
      functions;
};

/// The constant integer value of `v`, if any.
std::optional<int64_t> constantOf(mlir::Value v);

/// Whether `access` (a load or store of a buffer of `type` with `indices`,
/// inside `stageOp`) visits every element of the buffer once, in row-major
/// order: its enclosing ops up to `stageOp` are loops from 0 by 1 to
/// constants, and the offset it computes is those loops' counters in order,
/// each scaled by the trip counts of the loops inside it.
bool isInOrder(mlir::Operation *access, mlir::Operation *stageOp,
               mlir::MemRefType type, mlir::ValueRange indices);

/// Whether `a` and `b` are the same index: one SSA value, or computed by
/// the same pure op from the same values.
bool sameValue(mlir::Value a, mlir::Value b, unsigned depth = 0);

} // namespace m3sat::hls

#endif // M3SAT_TARGET_HLS_ANALYSIS_BUFFERACCESSES_H
