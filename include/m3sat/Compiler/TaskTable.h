//===- TaskTable.h - the tasks of a specialized module ----------*- C++ -*-===//
//
// What every backend and the bundle serialize from: per task its function,
// its inputs and outputs (names, bundle dtypes, static shapes), its weights
// (moved out of the IR into the bundle's weight blob, a weight shared by
// tasks stored once) and the experts its MoE layers keep.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_COMPILER_TASKTABLE_H
#define M3SAT_COMPILER_TASKTABLE_H

#include "m3sat/Runtime/BundleWriter.h"
#include "m3sat/Target/CPU/TaskLibrary.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace m3sat {

struct TaskTable {
  /// Tasks, ports and weights; writes bundle.m3b.
  BundleWriter bundle;
  /// Per task (TaskDesc::entry), its function and pointer argument count.
  llvm::SmallVector<TaskEntry> entries;

  const TaskEntry &getEntry(const TaskDesc &task) const {
    return entries[task.entry];
  }
  /// The task a function computes, or null.
  const TaskDesc *lookupFunction(llvm::StringRef function) const;
};

/// The bundle dtype of a tensor element type, if the bundle can hold it.
std::optional<bundle::DType> getBundleDType(mlir::Type elementType);

/// Fills `table` from the task functions (`m3sat.task`) of `module`: their
/// argument and result names (`m3sat.name`), the `m3sat.weight` arguments'
/// data, and their MoE layers. The weight attributes are removed from the
/// IR (the data lives in the table); fails with a diagnostic on a port that
/// is not a static tensor of a bundle dtype or when there is no task.
mlir::LogicalResult buildTaskTable(mlir::ModuleOp module, TaskTable &table);

} // namespace m3sat

#endif // M3SAT_COMPILER_TASKTABLE_H
