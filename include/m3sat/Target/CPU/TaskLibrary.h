//===- TaskLibrary.h - CPU task libraries from the LLVM dialect -*- C++ -*-===//
//
// The CPU target's last steps: give the lowered task functions their entry
// table (the ABI the task runtime calls), translate to LLVM IR, optimize for
// the target CPU, emit an object file and link it with the task runtime into
// OUT_DIR/libm3sat_task.so.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_CPU_TASKLIBRARY_H
#define M3SAT_TARGET_CPU_TASKLIBRARY_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace m3sat {

/// A lowered task function and the number of pointer arguments it takes
/// (inputs, weights, outputs).
struct TaskEntry {
  std::string function;
  unsigned numArguments = 0;
};

/// Adds `m3sat_entry_<i>(void **args)` for every task, the tables
/// `m3sat_entries` and `m3sat_arena_bytes`, `m3sat_entry_count` and
/// `m3sat_code_id` to a module in the LLVM dialect. A task function with
/// `m3sat.arena_bytes` (m3sat-plan-activation-arena) takes one more pointer
/// after the outputs, to an arena of that many bytes; its size goes into
/// `m3sat_arena_bytes` (0 for the others). Fails with a diagnostic if a
/// task function is missing or does not take its number of pointers.
mlir::LogicalResult addTaskEntries(mlir::ModuleOp module,
                                   llvm::ArrayRef<TaskEntry> tasks,
                                   llvm::StringRef codeId);

struct CPUTargetOptions {
  /// LLVM CPU name, or "native" for the host.
  std::string cpu = "native";
  /// Path of libm3sat_task_runtime.a.
  std::string runtimeArchive;
  /// Directory of the LLVM OpenMP runtime (libomp.so) to link, for parallel
  /// code; empty for sequential code.
  std::string openmpLibraryDir;
  /// Keep the object file next to the library (for inspection).
  bool keepObject = false;
};

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at O3 for the
/// target CPU and links it with the task runtime into `libraryPath`,
/// atomically. Diagnostics go to `module`'s location.
mlir::LogicalResult emitTaskLibrary(mlir::ModuleOp module,
                                    llvm::StringRef libraryPath,
                                    const CPUTargetOptions &options);

} // namespace m3sat

#endif // M3SAT_TARGET_CPU_TASKLIBRARY_H
