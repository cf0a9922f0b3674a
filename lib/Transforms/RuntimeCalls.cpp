//===- RuntimeCalls.cpp - declarations of task-runtime functions ----------===//

#include "m3sat/Transforms/RuntimeCalls.h"
#include "m3sat/Transforms/Passes.h"

using namespace mlir;

func::FuncOp m3sat::declareRuntimeFunction(ModuleOp module, StringRef name,
                                           unsigned numArguments,
                                           unsigned numResults, bool pure) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  Type index = builder.getIndexType();
  auto decl = func::FuncOp::create(
      builder, module.getLoc(), name,
      builder.getFunctionType(SmallVector<Type>(numArguments, index),
                              SmallVector<Type>(numResults, index)));
  decl.setPrivate();
  if (pure)
    decl->setAttr(kPureCalleeAttr, builder.getUnitAttr());
  return decl;
}
