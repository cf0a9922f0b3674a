//===- Specialize.cpp - one function per task -----------------------------===//
//
// Implements m3sat-specialize: reads the model's m3sat metadata, clones the
// imported @main once per requested task keeping only the task's outputs,
// binds the task selector, and removes what the kept outputs do not reach.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

namespace m3sat {
#define GEN_PASS_DEF_SPECIALIZE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct TaskInfo {
  std::string name;
  int64_t index = 0;
  std::vector<std::string> outputs;
};

/// The parts of the metadata this pass needs.
struct Metadata {
  std::string selector;
  std::vector<TaskInfo> tasks;
  /// modality -> input names
  std::vector<std::pair<std::string, std::vector<std::string>>> modalities;
};

StringRef nameOf(DictionaryAttr attrs) {
  if (!attrs)
    return {};
  if (auto name = attrs.getAs<StringAttr>("m3sat.name"))
    return name.getValue();
  return {};
}

/// Reads the metadata JSON; fills `error` with the offending field.
bool parseMetadata(StringRef text, Metadata &metadata, std::string &error) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed) {
    error = "m3sat metadata is not valid JSON: " +
            llvm::toString(parsed.takeError());
    return false;
  }
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root) {
    error = "m3sat metadata: the top level must be an object";
    return false;
  }
  if (const llvm::json::Value *selector = root->get("task_selector")) {
    if (!selector->getAsString()) {
      error = "m3sat metadata: field 'task_selector' must be a string";
      return false;
    }
    metadata.selector = selector->getAsString()->str();
  }
  const llvm::json::Object *tasks = root->getObject("tasks");
  if (!tasks) {
    error = "m3sat metadata: field 'tasks' must be an object";
    return false;
  }
  for (const auto &[key, value] : *tasks) {
    TaskInfo task;
    task.name = key.str();
    const llvm::json::Object *entry = value.getAsObject();
    std::string field = "m3sat metadata: field 'tasks." + task.name;
    if (!entry) {
      error = field + "' must be an object";
      return false;
    }
    if (std::optional<int64_t> index = entry->getInteger("index"))
      task.index = *index;
    else if (!metadata.selector.empty()) {
      error = field + ".index' must be an integer";
      return false;
    }
    const llvm::json::Array *outputs = entry->getArray("outputs");
    if (!outputs || outputs->empty()) {
      error = field + ".outputs' must be a non-empty list of output names";
      return false;
    }
    for (const llvm::json::Value &output : *outputs) {
      if (!output.getAsString()) {
        error = field + ".outputs' must hold strings";
        return false;
      }
      task.outputs.push_back(output.getAsString()->str());
    }
    metadata.tasks.push_back(std::move(task));
  }
  llvm::sort(metadata.tasks, [](const TaskInfo &a, const TaskInfo &b) {
    return a.name < b.name;
  });
  if (const llvm::json::Object *modalities = root->getObject("modalities")) {
    for (const auto &[key, value] : *modalities) {
      const llvm::json::Array *inputs = value.getAsArray();
      if (!inputs) {
        error = "m3sat metadata: field 'modalities." + key.str() +
                "' must be a list of input names";
        return false;
      }
      std::vector<std::string> names;
      for (const llvm::json::Value &input : *inputs)
        if (input.getAsString())
          names.push_back(input.getAsString()->str());
      metadata.modalities.emplace_back(key.str(), std::move(names));
    }
  }
  return true;
}

/// Erases the function body's ops without uses or side effects; visiting
/// the last ops first removes whole dead chains in one sweep.
void eraseDeadOps(func::FuncOp func) {
  for (Operation &op : llvm::make_early_inc_range(
           llvm::reverse(func.getBody().front())))
    if (isOpTriviallyDead(&op))
      op.erase();
}

std::string symbolFor(StringRef task) {
  std::string symbol = "task_";
  for (char c : task)
    symbol += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return symbol;
}

struct SpecializePass : m3sat::impl::SpecializeBase<SpecializePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main) {
      module.emitError("m3sat-specialize: the module has no @main to "
                       "specialize");
      return signalPassFailure();
    }

    // Graph output names, in order.
    SmallVector<std::string> outputNames;
    for (unsigned i = 0; i < main.getNumResults(); ++i) {
      StringRef name = nameOf(main.getResultAttrDict(i));
      outputNames.push_back(name.empty() ? "output" + std::to_string(i)
                                         : name.str());
    }

    Metadata metadata;
    if (auto text = module->getAttrOfType<StringAttr>("m3sat.metadata")) {
      std::string error;
      if (!parseMetadata(text.getValue(), metadata, error)) {
        module.emitError(error);
        return signalPassFailure();
      }
      for (const TaskInfo &task : metadata.tasks)
        for (const std::string &output : task.outputs)
          if (!llvm::is_contained(outputNames, output)) {
            module.emitError() << "m3sat metadata: field 'tasks." << task.name
                               << ".outputs' names output '" << output
                               << "' that the graph does not have";
            return signalPassFailure();
          }
    } else {
      for (const std::string &output : outputNames)
        metadata.tasks.push_back({output, 0, {output}});
    }

    std::string valid;
    for (const TaskInfo &task : metadata.tasks)
      valid += (valid.empty() ? "" : ", ") + task.name;
    SmallVector<const TaskInfo *> selected;
    if (tasks.empty()) {
      for (const TaskInfo &task : metadata.tasks)
        selected.push_back(&task);
    }
    for (const std::string &name : tasks) {
      auto it = llvm::find_if(metadata.tasks, [&](const TaskInfo &task) {
        return task.name == name;
      });
      if (it == metadata.tasks.end()) {
        module.emitError() << "unknown task '" << name
                           << "' (tasks: " << valid << ")";
        return signalPassFailure();
      }
      if (!llvm::is_contained(selected, &*it))
        selected.push_back(&*it);
    }

    // Inputs of modalities the device does not have.
    llvm::StringSet<> unavailable;
    if (!modalities.empty()) {
      std::string validModalities;
      for (const auto &[name, inputs] : metadata.modalities)
        validModalities += (validModalities.empty() ? "" : ", ") + name;
      for (const std::string &name : modalities)
        if (llvm::none_of(metadata.modalities,
                          [&](const auto &m) { return m.first == name; })) {
          module.emitError() << "unknown modality '" << name
                             << "' (modalities: "
                             << (validModalities.empty() ? "none"
                                                         : validModalities)
                             << ")";
          return signalPassFailure();
        }
      for (const auto &[name, inputs] : metadata.modalities)
        if (!llvm::is_contained(modalities, name))
          for (const std::string &input : inputs)
            unavailable.insert(input);
    }

    OpBuilder builder(module.getContext());
    for (const TaskInfo *task : selected) {
      builder.setInsertionPoint(main);
      auto clone = cast<func::FuncOp>(builder.clone(*main));
      clone.setSymName(symbolFor(task->name));
      clone->setAttr("m3sat.task", builder.getStringAttr(task->name));
      if (failed(specialize(clone, *task, metadata, outputNames,
                            unavailable)))
        return signalPassFailure();
    }
    main.erase();
  }

  LogicalResult specialize(func::FuncOp func, const TaskInfo &task,
                           const Metadata &metadata,
                           ArrayRef<std::string> outputNames,
                           const llvm::StringSet<> &unavailable) {
    // Keep the task's outputs, in the task's order.
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    SmallVector<Value> kept;
    SmallVector<DictionaryAttr> keptAttrs;
    for (const std::string &output : task.outputs) {
      unsigned i = llvm::find(outputNames, output) - outputNames.begin();
      kept.push_back(ret.getOperand(i));
      keptAttrs.push_back(func.getResultAttrDict(i));
    }
    ret->setOperands(kept);

    // Bind the task selector.
    BitVector erasedArgs(func.getNumArguments());
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      if (metadata.selector.empty() ||
          nameOf(func.getArgAttrDict(i)) != metadata.selector)
        continue;
      BlockArgument arg = func.getArgument(i);
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type || type.getNumElements() != 1 ||
          !type.getElementType().isInteger()) {
        return func.emitError() << "task selector '" << metadata.selector
                                << "' must be an integer scalar input";
      }
      OpBuilder builder = OpBuilder::atBlockBegin(&func.getBody().front());
      auto value = DenseElementsAttr::get(
          type, builder.getIntegerAttr(type.getElementType(), task.index));
      Value constant =
          arith::ConstantOp::create(builder, arg.getLoc(), type, value);
      arg.replaceAllUsesWith(constant);
    }

    eraseDeadOps(func);
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      if (!func.getArgument(i).use_empty())
        continue;
      erasedArgs.set(i);
    }
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      StringRef name = nameOf(func.getArgAttrDict(i));
      if (!erasedArgs.test(i) && unavailable.contains(name))
        return func.emitError()
               << "task '" << task.name << "' needs input '" << name
               << "' of a modality that was not selected";
    }
    if (failed(func.eraseArguments(erasedArgs)))
      return failure();
    func.setType(FunctionType::get(func.getContext(),
                                   func.getArgumentTypes(),
                                   ValueRange(kept).getTypes()));
    func.setAllResultAttrs(keptAttrs);
    return success();
  }
};

} // namespace
