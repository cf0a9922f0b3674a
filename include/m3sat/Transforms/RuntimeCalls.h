//===- RuntimeCalls.h - declarations of task-runtime functions --*- C++ -*-===//
//
// Passes that hand work to the task runtime (m3sat_sgemm, m3sat_sconv, ...)
// call C functions whose arguments are all index-typed (sizes, strides and
// pointers as integers). This declares such a function in a module once.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_RUNTIMECALLS_H
#define M3SAT_TRANSFORMS_RUNTIMECALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace m3sat {

/// The private declaration of `name` in `module` (created at its start if
/// absent) taking `numArguments` and returning `numResults` index values.
/// With `pure`, it is marked kPureCalleeAttr: its result depends on its
/// arguments and the thread count only, so calls may move
/// (m3sat-merge-parallel-regions).
mlir::func::FuncOp declareRuntimeFunction(mlir::ModuleOp module,
                                          llvm::StringRef name,
                                          unsigned numArguments,
                                          unsigned numResults,
                                          bool pure = false);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_RUNTIMECALLS_H
