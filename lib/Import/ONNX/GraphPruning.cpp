//===- GraphPruning.cpp - the part of an ONNX graph some tasks need -------===//
//
// Walks the graph backwards from the outputs of the requested tasks and
// drops every node none of them reaches, before any node is converted.
//
//===----------------------------------------------------------------------===//

#include "GraphPruning.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

/// Every value name a subgraph reads (its nodes' inputs, recursively): a
/// node with a subgraph may read values of the enclosing graph there.
static void collectSubgraphInputs(const onnx::GraphProto &graph,
                                  llvm::StringSet<> &names) {
  for (const onnx::NodeProto &node : graph.node()) {
    for (const std::string &input : node.input())
      names.insert(input);
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectSubgraphInputs(attr.g(), names);
      for (const onnx::GraphProto &g : attr.graphs())
        collectSubgraphInputs(g, names);
    }
  }
}

/// The `m3sat` metadata entry of the model, or null.
static onnx::StringStringEntryProto *findMetadata(onnx::ModelProto &model) {
  for (onnx::StringStringEntryProto &prop : *model.mutable_metadata_props())
    if (prop.key() == "m3sat")
      return &prop;
  return nullptr;
}

/// "unknown task 'x' (tasks: a, b)", the names sorted.
static LogicalResult unknownTask(Location fileLoc, StringRef task,
                                 SmallVector<std::string> valid) {
  llvm::sort(valid);
  InFlightDiagnostic diag = emitError(fileLoc);
  diag << "unknown task '" << task << "' (tasks: ";
  llvm::interleaveComma(valid, diag);
  return diag << ")";
}

/// The graph outputs of `tasks`, and the metadata restricted to them
/// (empty without metadata); nothing when the metadata is malformed.
static FailureOr<std::optional<std::pair<llvm::StringSet<>, std::string>>>
keptOutputs(onnx::ModelProto &model, ArrayRef<std::string> tasks,
            Location fileLoc) {
  using Result = std::optional<std::pair<llvm::StringSet<>, std::string>>;
  llvm::StringSet<> outputs;
  onnx::StringStringEntryProto *metadata = findMetadata(model);
  if (!metadata) {
    // Without metadata every graph output is a task of its own name.
    SmallVector<std::string> valid;
    for (const onnx::ValueInfoProto &info : model.graph().output())
      valid.push_back(info.name());
    for (const std::string &task : tasks) {
      if (!llvm::is_contained(valid, task))
        return unknownTask(fileLoc, task, valid);
      outputs.insert(task);
    }
    return Result(std::make_pair(std::move(outputs), std::string()));
  }
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse(metadata->value());
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return Result();
  }
  llvm::json::Object *root = parsed->getAsObject();
  llvm::json::Object *all = root ? root->getObject("tasks") : nullptr;
  if (!all)
    return Result();
  llvm::json::Object selected;
  for (const std::string &task : tasks) {
    llvm::json::Object *entry = all->getObject(task);
    if (!all->get(task)) {
      SmallVector<std::string> valid;
      for (const auto &[key, value] : *all)
        valid.push_back(key.str());
      return unknownTask(fileLoc, task, valid);
    }
    llvm::json::Array *names = entry ? entry->getArray("outputs") : nullptr;
    if (!names)
      return Result();
    for (const llvm::json::Value &name : *names) {
      if (!name.getAsString())
        return Result();
      outputs.insert(*name.getAsString());
    }
    selected[task] = llvm::json::Object(*entry);
  }
  (*root)["tasks"] = std::move(selected);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(*root));
  return Result(std::make_pair(std::move(outputs), text));
}

FailureOr<int64_t> onnx_import::pruneToTasks(onnx::ModelProto &model,
                                             ArrayRef<std::string> tasks,
                                             Location fileLoc) {
  if (tasks.empty())
    return 0;
  auto found = keptOutputs(model, tasks, fileLoc);
  if (failed(found))
    return failure();
  if (!*found)
    return 0;
  auto &kept = **found;
  const llvm::StringSet<> &outputs = kept.first;
  onnx::GraphProto &graph = *model.mutable_graph();

  // Backwards from the kept outputs: a node stays when a needed value is
  // one of its outputs; its inputs are then needed too.
  llvm::StringSet<> needed;
  for (const auto &entry : outputs)
    needed.insert(entry.getKey());
  SmallVector<bool> keep(graph.node_size(), false);
  for (int i = graph.node_size() - 1; i >= 0; --i) {
    const onnx::NodeProto &node = graph.node(i);
    if (llvm::none_of(node.output(), [&](const std::string &output) {
          return !output.empty() && needed.contains(output);
        }))
      continue;
    keep[i] = true;
    for (const std::string &input : node.input())
      if (!input.empty())
        needed.insert(input);
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectSubgraphInputs(attr.g(), needed);
      for (const onnx::GraphProto &g : attr.graphs())
        collectSubgraphInputs(g, needed);
    }
  }

  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  int64_t removed = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (!keep[i]) {
      ++removed;
      continue;
    }
    // Diagnostics name an unnamed node by its position in the graph: the
    // one it had before pruning.
    onnx::NodeProto *node = graph.mutable_node(i);
    if (node->name().empty())
      node->set_name(node->op_type() + "_" + std::to_string(i));
    nodes.Add()->Swap(node);
  }
  graph.mutable_node()->Swap(&nodes);

  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> graphOutputs;
  for (onnx::ValueInfoProto &info : *graph.mutable_output())
    if (outputs.contains(info.name()))
      graphOutputs.Add()->Swap(&info);
  graph.mutable_output()->Swap(&graphOutputs);

  if (!kept.second.empty())
    findMetadata(model)->set_value(kept.second);
  return removed;
}
