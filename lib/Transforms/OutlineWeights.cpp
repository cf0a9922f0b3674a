//===- OutlineWeights.cpp - large constants to weight arguments -----------===//
//
// Implements m3sat-outline-weights: the weights of task functions become
// function arguments carrying their data as an attribute, for the bundle.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"

namespace m3sat {
#define GEN_PASS_DEF_OUTLINEWEIGHTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// A name for the weight: its resource key or its ONNX location name.
std::string weightName(arith::ConstantOp op, ElementsAttr value,
                       unsigned ordinal) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return resource.getRawHandle().getKey().str();
  if (auto named = dyn_cast<NameLoc>(op.getLoc()))
    return named.getName().str();
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
    // Group the constants by value: identical weights share an argument.
    llvm::MapVector<Attribute, SmallVector<arith::ConstantOp>> weights;
    func.walk([&](arith::ConstantOp op) {
      auto value = dyn_cast<ElementsAttr>(op.getValue());
      if (value && value.getNumElements() >= minElements &&
          isa<RankedTensorType>(op.getType()))
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
      if (failed(func.insertArgument(index, ops.front().getType(),
                                     DictionaryAttr::get(context, attrs),
                                     ops.front().getLoc())))
        return signalPassFailure();
      for (arith::ConstantOp op : ops) {
        op.getResult().replaceAllUsesWith(entry.getArgument(index));
        op.erase();
      }
      ++numWeights;
    }
  }
};

} // namespace
