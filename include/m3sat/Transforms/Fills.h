//===- Fills.h - recognizing fills of whole buffers -------------*- C++ -*-===//
//
// Bufferization leaves fills in two forms: linalg.fill, and (after named
// ops are generalized for fusion) a linalg.generic without inputs that
// yields a value defined outside it. Passes that reason about what a buffer
// holds recognize both.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_FILLS_H
#define M3SAT_TRANSFORMS_FILLS_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace m3sat {

/// The value `op` writes to every element of `buffer` if `op` is a fill of
/// all of it: linalg.fill, or a linalg.generic on buffers without inputs
/// whose only output is `buffer` with an identity map and whose body yields
/// a value defined outside it. std::nullopt otherwise.
std::optional<mlir::Value> filledValue(mlir::Operation *op, mlir::Value buffer);

/// The fill of +0.0 into all of `buffer` (filledValue) that last wrote it
/// before `op`, with only side-effect free ops in between; null if there is
/// none. Where `op` writes every element of `buffer` without reading it,
/// that fill is dead.
mlir::Operation *zeroFillBefore(mlir::Operation *op, mlir::Value buffer);

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_FILLS_H
