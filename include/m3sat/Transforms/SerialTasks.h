//===- SerialTasks.h - task functions that run on one thread ----*- C++ -*-===//
//
// m3sat-serial-small-tasks marks a task function whose whole run is too
// little work to share among threads with kSerialTaskAttr; the passes that
// create parallel loops afterwards (m3sat-contractions-to-blas,
// m3sat-select-parallel-loops) then leave it none, so that it runs on the
// calling thread without entering a parallel region.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_SERIALTASKS_H
#define M3SAT_TRANSFORMS_SERIALTASKS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringRef.h"

namespace m3sat {

/// Unit attribute of a func.func that runs without parallel regions.
constexpr llvm::StringLiteral kSerialTaskAttr = "m3sat.serial";

/// Whether `op` is inside (or is) a function marked kSerialTaskAttr.
inline bool inSerialTask(mlir::Operation *op) {
  auto func = llvm::dyn_cast<mlir::func::FuncOp>(op);
  if (!func)
    func = op->getParentOfType<mlir::func::FuncOp>();
  return func && func->hasAttr(kSerialTaskAttr);
}

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_SERIALTASKS_H
