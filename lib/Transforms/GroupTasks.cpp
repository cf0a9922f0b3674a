//===- GroupTasks.cpp - one function for several tasks --------------------===//
//
// Implements m3sat-group-tasks: the task functions that m3sat-specialize
// made are inlined into one function over the union of their inputs, so
// that CSE computes what they share once.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"

namespace m3sat {
#define GEN_PASS_DEF_GROUPTASKS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

StringRef nameOf(DictionaryAttr attrs) {
  if (!attrs)
    return {};
  auto name = attrs.getAs<StringAttr>("m3sat.name");
  return name ? name.getValue() : StringRef();
}

struct GroupTasksPass : m3sat::impl::GroupTasksBase<GroupTasksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> tasks;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr("m3sat.task") && !func.isExternal())
        tasks.push_back(func);
    if (tasks.size() < 2)
      return;

    // The union of the inputs, by name, in first-seen order.
    SmallVector<Type> argTypes;
    SmallVector<DictionaryAttr> argAttrs;
    llvm::StringMap<unsigned> argIndex;
    std::string group, symbol = "group";
    for (func::FuncOp task : tasks) {
      StringRef taskName =
          task->getAttrOfType<StringAttr>("m3sat.task").getValue();
      group += (group.empty() ? "" : "+") + taskName.str();
      symbol += "_";
      for (char c : taskName)
        symbol += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      for (unsigned i = 0; i < task.getNumArguments(); ++i) {
        StringRef name = nameOf(task.getArgAttrDict(i));
        if (name.empty()) {
          task.emitError() << "task argument #" << i << " has no m3sat.name";
          return signalPassFailure();
        }
        auto [it, inserted] = argIndex.try_emplace(name, argTypes.size());
        if (inserted) {
          argTypes.push_back(task.getArgument(i).getType());
          argAttrs.push_back(task.getArgAttrDict(i));
        } else if (argTypes[it->second] != task.getArgument(i).getType()) {
          task.emitError() << "input '" << name << "' has type "
                           << task.getArgument(i).getType() << " here but "
                           << argTypes[it->second] << " in another task";
          return signalPassFailure();
        }
      }
    }

    // A unique symbol even if a task is named like the group.
    while (module.lookupSymbol(symbol))
      symbol += "_";
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(tasks.back());
    auto groupFunc =
        func::FuncOp::create(builder, module.getLoc(), symbol,
                             builder.getFunctionType(argTypes, {}));
    groupFunc->setAttr("m3sat.task", builder.getStringAttr(group));
    Block *body = groupFunc.addEntryBlock();
    builder.setInsertionPointToEnd(body);

    SmallVector<Value> results;
    SmallVector<DictionaryAttr> resultAttrs;
    llvm::StringSet<> outputs;
    for (func::FuncOp task : tasks) {
      IRMapping mapping;
      for (unsigned i = 0; i < task.getNumArguments(); ++i)
        mapping.map(task.getArgument(i), body->getArgument(argIndex.lookup(
                                             nameOf(task.getArgAttrDict(i)))));
      Block &taskBody = task.getBody().front();
      for (Operation &op : taskBody.without_terminator())
        builder.clone(op, mapping);
      auto ret = cast<func::ReturnOp>(taskBody.getTerminator());
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        StringRef name = nameOf(task.getResultAttrDict(i));
        if (!name.empty() && !outputs.insert(name).second)
          continue;
        results.push_back(mapping.lookup(value));
        resultAttrs.push_back(task.getResultAttrDict(i));
      }
    }
    func::ReturnOp::create(builder, module.getLoc(), results);
    groupFunc.setType(
        builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
    groupFunc.setAllArgAttrs(argAttrs);
    groupFunc.setAllResultAttrs(resultAttrs);
  }
};

} // namespace
