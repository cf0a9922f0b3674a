//===- GraphPruning.h - the part of a graph some tasks need -----*- C++ -*-===//
//
// Between reading and converting: a model compiled for some of its tasks is
// cut down to what those tasks' outputs reach, so that the nodes of other
// tasks (their heads, their unsupported ops) are never converted.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_IMPORT_ONNX_GRAPHPRUNING_H
#define M3SAT_LIB_IMPORT_ONNX_GRAPHPRUNING_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include "onnx/onnx_pb.h"

#include <string>

namespace m3sat {
namespace onnx_import {

/// Restricts `model` to the tasks named in `tasks`: the graph keeps only
/// the outputs of these tasks (from the `m3sat` metadata, else the outputs
/// named like them) and the nodes those outputs depend on; the metadata
/// keeps only these tasks (their indices unchanged). Nothing changes when
/// `tasks` is empty or when the metadata cannot be read (specializing
/// reports what is wrong with it). A task the model does not have is an
/// error at `fileLoc` listing the model's tasks. Returns the number of
/// nodes removed.
mlir::FailureOr<int64_t> pruneToTasks(onnx::ModelProto &model,
                                      llvm::ArrayRef<std::string> tasks,
                                      mlir::Location fileLoc);

} // namespace onnx_import
} // namespace m3sat

#endif // M3SAT_LIB_IMPORT_ONNX_GRAPHPRUNING_H
