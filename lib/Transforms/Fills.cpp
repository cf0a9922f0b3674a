//===- Fills.cpp - recognizing fills of whole buffers ---------------------===//

#include "m3sat/Transforms/Fills.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

std::optional<Value> m3sat::filledValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    if (fill.hasPureBufferSemantics() && fill.getDpsInits().front() == buffer)
      return fill.getInputs().front();
    return std::nullopt;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInputs() > 1 || generic.getNumDpsInits() != 1 ||
      generic.getDpsInits().front() != buffer ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity() ||
      !generic.getBody()->without_terminator().empty())
    return std::nullopt;
  Value yielded = generic.getBody()->getTerminator()->getOperand(0);
  if (generic.getNumDpsInputs() == 1) {
    // linalg.fill generalized: its scalar is the one input, yielded as is.
    OpOperand *input = generic.getDpsInputOperand(0);
    if (isa<ShapedType>(input->get().getType()) ||
        yielded != generic.getMatchingBlockArgument(input))
      return std::nullopt;
    return input->get();
  }
  if (generic.getRegion().isAncestor(yielded.getParentRegion()))
    return std::nullopt;
  return yielded;
}

Operation *m3sat::zeroFillBefore(Operation *op, Value buffer) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (std::optional<Value> value = filledValue(prev, buffer))
      return matchPattern(*value, m_PosZeroFloat()) ? prev : nullptr;
    if (!isMemoryEffectFree(prev))
      return nullptr;
  }
  return nullptr;
}
