//===- UniqueFunctions.h - functions built once per body ------------------===//
//
// Used by m3sat-hls-weight-tiles and m3sat-hls-unit-weight-tiles: the load,
// compute and step functions they build for one shape of product are built
// once, whichever layer asks for them.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_TRANSFORMS_UNIQUEFUNCTIONS_H
#define M3SAT_TARGET_HLS_TRANSFORMS_UNIQUEFUNCTIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringMap.h"

namespace m3sat::hls {

/// The functions built so far, by what they print (their names aside).
class UniqueFunctions {
public:
  /// The function built before that prints as `func` does (its name
  /// aside), `func` then erased; else `func`, renamed `name` (made unique
  /// in `symbols`) and remembered, and `inserted` set.
  mlir::func::FuncOp get(mlir::func::FuncOp func, llvm::StringRef name,
                         mlir::SymbolTable &symbols, bool &inserted);

  void clear() { built.clear(); }

private:
  llvm::StringMap<mlir::func::FuncOp> built;
};

} // namespace m3sat::hls

#endif // M3SAT_TARGET_HLS_TRANSFORMS_UNIQUEFUNCTIONS_H
