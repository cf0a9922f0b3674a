//===- OutlineWeights.cpp - large constants to weight arguments -----------===//
//
// Implements m3sat-outline-weights: the weights of task functions become
// function arguments carrying their data as an attribute, for the bundle.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "m3sat/Support/Diagnostics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"

namespace m3sat {
#define GEN_PASS_DEF_OUTLINEWEIGHTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// A name for the weight: its resource key or its ONNX location name.
std::string weightName(Operation *op, ElementsAttr value, unsigned ordinal) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return resource.getRawHandle().getKey().str();
  if (std::string node = getNodeName(op->getLoc()); !node.empty())
    return node;
  return "weight" + std::to_string(ordinal);
}

struct OutlineWeightsPass
    : m3sat::impl::OutlineWeightsBase<OutlineWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr("m3sat.task"))
        outline(func);
  }

  void outline(func::FuncOp func) {
    // Group the constants (arith, tosa, ...) by value: identical weights
    // share an argument.
    llvm::MapVector<Attribute, SmallVector<Operation *>> weights;
    func.walk([&](Operation *op) {
      ElementsAttr value;
      if (op->hasTrait<OpTrait::ConstantLike>() &&
          matchPattern(op->getResult(0), m_Constant(&value)) &&
          value.getNumElements() >= minElements &&
          isa<RankedTensorType>(op->getResult(0).getType()))
        weights[value].push_back(op);
    });
    Block &entry = func.getBody().front();
    MLIRContext *context = func.getContext();
    unsigned ordinal = 0;
    for (auto &[value, ops] : weights) {
      auto elements = cast<ElementsAttr>(value);
      std::string name = weightName(ops.front(), elements, ordinal++);
      SmallVector<NamedAttribute> attrs = {
          NamedAttribute(StringAttr::get(context, "m3sat.name"),
                         StringAttr::get(context, name)),
          NamedAttribute(StringAttr::get(context, "m3sat.weight"), value)};
      unsigned index = func.getNumArguments();
      Type type = ops.front()->getResult(0).getType();
      if (failed(func.insertArgument(index, type,
                                     DictionaryAttr::get(context, attrs),
                                     ops.front()->getLoc())))
        return signalPassFailure();
      for (Operation *op : ops) {
        op->getResult(0).replaceAllUsesWith(entry.getArgument(index));
        op->erase();
      }
      ++numWeights;
    }
  }
};

} // namespace
