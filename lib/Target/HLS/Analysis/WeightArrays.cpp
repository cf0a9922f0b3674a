//===- WeightArrays.cpp - which arrays hold weights -----------------------===//

#include "m3sat/Target/HLS/Analysis/WeightArrays.h"

#include "M3SAT/M3SATHLSAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace m3sat;

HLSWeightArrays::HLSWeightArrays(ArrayRef<func::FuncOp> tops,
                                 ArrayRef<Operation *> callees) {
  // Callers first: tops, then callees from the last collected (callers
  // are collected after their callees).
  SmallVector<Operation *> callers(tops.begin(), tops.end());
  callers.append(callees.rbegin(), callees.rend());
  for (Operation *caller : callers)
    caller->walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee)
        return;
      auto it =
          calleeWeights
              .try_emplace(callee,
                           SmallVector<bool>(callee.getNumArguments(), true))
              .first;
      for (auto [i, operand] : llvm::enumerate(call.getOperands()))
        if (!isa<MemRefType>(operand.getType()) || !isWeight(operand))
          it->second[i] = false;
    });
}

bool HLSWeightArrays::isWeight(Value memref) const {
  if (auto arg = dyn_cast<BlockArgument>(memref)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (!func || arg.getOwner() != &func.getBody().front())
      return false;
    if (func.getArgAttr(arg.getArgNumber(), kHLSWeightAttr))
      return true;
    auto it = calleeWeights.find(func);
    return it != calleeWeights.end() && it->second[arg.getArgNumber()];
  }
  // A ping-pong buffer holds the slices of a weight argument.
  Operation *def = memref.getDefiningOp();
  auto source =
      def ? def->getAttrOfType<IntegerAttr>(kHLSStreamOfAttr) : IntegerAttr();
  auto func = def ? def->getParentOfType<func::FuncOp>() : func::FuncOp();
  if (!source || !func || source.getInt() < 0 ||
      source.getInt() >= func.getNumArguments())
    return false;
  return isWeight(func.getArgument(source.getInt()));
}

bool HLSWeightArrays::isWeightOperand(memref::LoadOp load) const {
  if (!load.getType().isF32() || !isWeight(load.getMemRef()))
    return false;
  Value value = load.getResult();
  return !value.use_empty() &&
         llvm::all_of(value.getUsers(), [&](Operation *user) {
           if (auto store = dyn_cast<memref::StoreOp>(user))
             return store.getValueToStore() == value &&
                    isWeight(store.getMemRef());
           return isa<arith::MulFOp>(user);
         });
}
