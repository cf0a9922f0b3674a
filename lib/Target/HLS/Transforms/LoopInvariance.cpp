//===- LoopInvariance.cpp - whether a value varies with a loop ------------===//

#include "m3sat/Target/HLS/Transforms/LoopInvariance.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

bool m3sat::hls::dependsOn(Value value, Value iv, Operation *scope,
                           llvm::SmallPtrSetImpl<Operation *> &visited) {
  if (value == iv)
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || !scope->isProperAncestor(def) || !visited.insert(def).second)
    return false;
  if (def->getNumRegions() != 0)
    return true;
  return llvm::any_of(def->getOperands(), [&](Value operand) {
    return dependsOn(operand, iv, scope, visited);
  });
}
