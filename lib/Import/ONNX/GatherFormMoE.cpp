//===- GatherFormMoE.cpp - MoE experts that gather their tokens -----------===//
//
// torch exports `tok, slot = torch.where(idx == e)` as NonZero(Equal(idx,
// e)) -> Transpose -> Split -> Squeeze (or a one-hot mask permuted to [E,
// k, T], as HuggingFace's Mixtral block builds it); `x[tok]` as a Gather of
// the token rows; `w[tok, slot, None]` as a Gather of the flattened TopK
// values at tok * k + slot; and `out.index_add(0, tok, y)` as a
// ScatterElements of y into zeros at tok, added to out. The rewrite below
// keeps that graph and changes what it computes over: all T tokens instead
// of the N that picked expert e.
//
//===----------------------------------------------------------------------===//

#include "GatherFormMoE.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <variant>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// Producers and consumers of the values of one graph.
struct GraphIndex {
  explicit GraphIndex(const onnx::GraphProto &graph) : graph(graph) {
    for (auto [i, node] : llvm::enumerate(graph.node())) {
      for (const std::string &out : node.output())
        producer[out] = i;
      for (const std::string &in : node.input())
        if (!in.empty())
          consumers[in].push_back(i);
    }
    for (const onnx::TensorProto &init : graph.initializer())
      initializers[init.name()] = &init;
    for (const onnx::ValueInfoProto &out : graph.output())
      outputs.insert(out.name());
  }

  const onnx::NodeProto *def(const std::string &value) const {
    auto it = producer.find(value);
    return it == producer.end() ? nullptr : &graph.node(it->second);
  }
  /// The node that defines `value` if it is an `op`, else null.
  const onnx::NodeProto *def(const std::string &value, StringRef op) const {
    const onnx::NodeProto *node = def(value);
    return node && node->op_type() == op ? node : nullptr;
  }
  ArrayRef<size_t> users(const std::string &value) const {
    auto it = consumers.find(value);
    return it == consumers.end() ? ArrayRef<size_t>() : it->second;
  }

  const onnx::GraphProto &graph;
  llvm::StringMap<size_t> producer;
  llvm::StringMap<SmallVector<size_t, 2>> consumers;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringSet<> outputs;
};

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t intAttr(const onnx::NodeProto &node, StringRef name, int64_t dflt) {
  const onnx::AttributeProto *attr = findAttr(node, name);
  return attr ? attr->i() : dflt;
}

/// The elements of `t`, stored as `T` (raw bytes or the typed field).
template <typename T, typename Field>
SmallVector<int64_t> tensorValues(const onnx::TensorProto &t,
                                  const Field &typed) {
  SmallVector<int64_t> values;
  if (!t.has_raw_data()) {
    llvm::append_range(values, typed);
    return values;
  }
  const std::string &raw = t.raw_data();
  for (size_t i = 0; i + sizeof(T) <= raw.size(); i += sizeof(T)) {
    T v;
    std::memcpy(&v, raw.data() + i, sizeof(T));
    values.push_back(v);
  }
  return values;
}

/// The integers of an int32/int64 tensor, or nothing.
std::optional<SmallVector<int64_t>> tensorInts(const onnx::TensorProto &t) {
  if (t.data_type() == onnx::TensorProto::INT64)
    return tensorValues<int64_t>(t, t.int64_data());
  if (t.data_type() == onnx::TensorProto::INT32)
    return tensorValues<int32_t>(t, t.int32_data());
  return std::nullopt;
}

/// Whether a float tensor holds only zeros (false when it is not float).
bool tensorIsZero(const onnx::TensorProto &t) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    return false;
  if (t.has_raw_data())
    return llvm::all_of(t.raw_data(), [](char c) { return c == 0; });
  return llvm::all_of(t.float_data(), [](float f) { return f == 0.0f; });
}

/// The tensor a Constant node (`value`) or an initializer gives `value`.
const onnx::TensorProto *constantTensor(const GraphIndex &index,
                                        const std::string &value) {
  if (const onnx::NodeProto *c = index.def(value, "Constant")) {
    const onnx::AttributeProto *attr = findAttr(*c, "value");
    return attr && attr->has_t() ? &attr->t() : nullptr;
  }
  auto it = index.initializers.find(value);
  return it == index.initializers.end() ? nullptr : it->second;
}

std::optional<SmallVector<int64_t>> constInts(const GraphIndex &index,
                                              const std::string &value) {
  const onnx::TensorProto *t = constantTensor(index, value);
  return t ? tensorInts(*t) : std::nullopt;
}

std::optional<int64_t> constScalar(const GraphIndex &index,
                                   const std::string &value) {
  std::optional<SmallVector<int64_t>> ints = constInts(index, value);
  if (!ints || ints->size() != 1)
    return std::nullopt;
  return (*ints)[0];
}

/// Whether `value` is all zeros: a float constant, or ConstantOfShape of
/// one (or of its default, 0).
bool isZero(const GraphIndex &index, const std::string &value) {
  if (const onnx::TensorProto *t = constantTensor(index, value))
    return tensorIsZero(*t);
  if (const onnx::NodeProto *fill = index.def(value, "ConstantOfShape")) {
    const onnx::AttributeProto *attr = findAttr(*fill, "value");
    return !attr || (attr->has_t() && tensorIsZero(attr->t()));
  }
  return false;
}

/// The axes of a Squeeze/Unsqueeze (an attribute before opset 13, an
/// input since).
std::optional<SmallVector<int64_t>> axesOf(const GraphIndex &index,
                                           const onnx::NodeProto &node) {
  if (const onnx::AttributeProto *attr = findAttr(node, "axes"))
    return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
  if (node.input_size() < 2)
    return std::nullopt;
  return constInts(index, node.input(1));
}

/// One expert's routing mask, NonZero's input.
struct ExpertMask {
  std::string indices; ///< the top-k indices, [T, k]
  int64_t expert;
  int64_t tokenAxis; ///< the axis of the mask that runs over the tokens
  bool isEqual;      ///< the mask is Equal(indices, expert) itself
};

/// `indices` as the top-k indices ([T, k]) of a TopK or an ArgMax that
/// keeps its axis: a token's indices are then distinct.
bool setTopKIndices(const GraphIndex &index, const std::string &indices,
                    ExpertMask &mask) {
  const onnx::NodeProto *node = index.def(indices);
  if (!node)
    return false;
  if (node->op_type() == "TopK" && node->output_size() == 2 &&
      node->output(1) == indices && intAttr(*node, "axis", -1) == -1) {
    mask.indices = indices;
    return true;
  }
  if (node->op_type() == "ArgMax" && intAttr(*node, "keepdims", 1) == 1 &&
      intAttr(*node, "axis", 0) == 1) {
    mask.indices = indices;
    return true;
  }
  return false;
}

/// Equal(idx, e), or one_hot(idx, E).permute(2, 1, 0)[e] (Mixtral's
/// expert_mask[e], [k, T]).
std::optional<ExpertMask> matchMask(const GraphIndex &index,
                                    std::string value) {
  ExpertMask mask;
  // torch.where of an integer mask casts it to bool first.
  if (const onnx::NodeProto *cast = index.def(value, "Cast"))
    if (intAttr(*cast, "to", 0) == onnx::TensorProto::BOOL)
      value = cast->input(0);
  if (const onnx::NodeProto *eq = index.def(value, "Equal")) {
    for (auto [a, b] : {std::pair(0, 1), std::pair(1, 0)}) {
      std::optional<int64_t> e = constScalar(index, eq->input(b));
      if (e && setTopKIndices(index, eq->input(a), mask)) {
        mask.expert = *e;
        mask.tokenAxis = 0;
        mask.isEqual = true;
        return mask;
      }
    }
    return std::nullopt;
  }
  const onnx::NodeProto *pick = index.def(value, "Gather");
  if (!pick || intAttr(*pick, "axis", 0) != 0)
    return std::nullopt;
  std::optional<int64_t> e = constScalar(index, pick->input(1));
  const onnx::NodeProto *perm = index.def(pick->input(0), "Transpose");
  if (!e || !perm)
    return std::nullopt;
  const onnx::AttributeProto *p = findAttr(*perm, "perm");
  const onnx::NodeProto *hot = index.def(perm->input(0), "OneHot");
  if (!p || p->ints_size() != 3 || p->ints(0) != 2 || !hot ||
      (intAttr(*hot, "axis", -1) != -1 && intAttr(*hot, "axis", -1) != 2))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> onOff = constInts(index, hot->input(2));
  if (!onOff || onOff->size() != 2 || (*onOff)[0] != 0 || (*onOff)[1] != 1 ||
      !setTopKIndices(index, hot->input(0), mask))
    return std::nullopt;
  // [T, k, E] permuted: the token axis lands where perm has 0.
  mask.expert = *e;
  mask.tokenAxis = p->ints(1) == 0 ? 0 : 1;
  mask.isEqual = false;
  return mask;
}

/// The rows of NonZero's output: torch's unbind (Transpose -> Split ->
/// Squeeze), or a Gather of each row. Returns the two row values (empty
/// where a row is unused) and the nodes that extract them.
std::optional<std::pair<std::array<std::string, 2>, SmallVector<size_t>>>
matchRows(const GraphIndex &index, const onnx::NodeProto &nonzero) {
  std::array<std::string, 2> rows;
  SmallVector<size_t> chain;
  const std::string &z = nonzero.output(0);
  ArrayRef<size_t> users = index.users(z);
  if (users.size() == 1 &&
      index.graph.node(users[0]).op_type() == "Transpose") {
    const onnx::NodeProto &transpose = index.graph.node(users[0]);
    const onnx::AttributeProto *perm = findAttr(transpose, "perm");
    ArrayRef<size_t> splits = index.users(transpose.output(0));
    if (!perm || perm->ints_size() != 2 || perm->ints(0) != 1 ||
        splits.size() != 1)
      return std::nullopt;
    const onnx::NodeProto &split = index.graph.node(splits[0]);
    int64_t axis = intAttr(split, "axis", 0);
    if (split.op_type() != "Split" || (axis != 1 && axis != -1) ||
        split.output_size() != 2 || index.outputs.count(transpose.output(0)))
      return std::nullopt;
    chain = {users[0], splits[0]};
    for (int r = 0; r < 2; ++r) {
      for (size_t user : index.users(split.output(r))) {
        const onnx::NodeProto &squeeze = index.graph.node(user);
        std::optional<SmallVector<int64_t>> axes = axesOf(index, squeeze);
        if (squeeze.op_type() != "Squeeze" || !axes || axes->size() != 1 ||
            ((*axes)[0] != 1 && (*axes)[0] != -1) || !rows[r].empty())
          return std::nullopt;
        rows[r] = squeeze.output(0);
        chain.push_back(user);
      }
      if (index.outputs.count(split.output(r)))
        return std::nullopt;
    }
    return std::pair(rows, chain);
  }
  for (size_t user : users) {
    const onnx::NodeProto &gather = index.graph.node(user);
    std::optional<int64_t> row = gather.op_type() == "Gather"
                                     ? constScalar(index, gather.input(1))
                                     : std::nullopt;
    if (!row || intAttr(gather, "axis", 0) != 0 || *row < 0 || *row > 1 ||
        !rows[*row].empty())
      return std::nullopt;
    rows[*row] = gather.output(0);
    chain.push_back(user);
  }
  return std::pair(rows, chain);
}

/// Ops through which the gathered tokens' values flow row by row.
bool isRowWise(StringRef op) {
  static const llvm::StringSet<> ops = {
      "Gemm",      "MatMul",   "Add",         "Sub",       "Mul",
      "Div",       "Relu",     "Erf",         "Sigmoid",   "Tanh",
      "Gelu",      "Softmax",  "Cast",        "Reshape",   "Expand",
      "Unsqueeze", "Squeeze",  "Shape",       "Concat",    "Flatten",
      "Gather",    "Identity", "Neg",         "Pow",       "Transpose",
      "Sqrt",      "Exp",      "HardSigmoid", "HardSwish", "LeakyRelu",
      "Elu",       "Selu",     "Softplus",    "Mish",      "Clip"};
  return ops.contains(op);
}

/// Whether `v` is a shape (or part of one) rather than a tensor of rows.
bool isShapeValue(const GraphIndex &index, const std::string &v,
                  int depth = 0) {
  const onnx::NodeProto *node = index.def(v);
  if (!node || depth > 8)
    return false;
  StringRef op = node->op_type();
  if (op == "Shape")
    return true;
  if (op == "Constant")
    return true;
  if (op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Cast")
    return isShapeValue(index, node->input(0), depth + 1);
  if (op == "Concat")
    return llvm::all_of(node->input(), [&](const std::string &in) {
      return isShapeValue(index, in, depth + 1);
    });
  return false;
}

/// Whether `node`, reading the region's value `v`, keeps the gathered
/// tokens' rows apart: no product that contracts over them, no softmax
/// over them, no Gather or Concat of them but of shapes.
bool keepsRowsApart(const GraphIndex &index, const onnx::NodeProto &node,
                    const std::string &v) {
  StringRef op = node.op_type();
  if (op == "MatMul")
    return node.input(0) == v && node.input(1) != v;
  if (op == "Gemm")
    return node.input(0) == v && intAttr(node, "transA", 0) == 0 &&
           node.input(1) != v;
  if (op == "Softmax")
    return intAttr(node, "axis", -1) != 0;
  if (op == "Gather")
    return node.input(0) != v || isShapeValue(index, v);
  if (op == "Concat")
    return isShapeValue(index, v);
  return true;
}

/// The analysis of one NonZero: what to replace.
struct Plan {
  ExpertMask mask;
  std::string tok, slot;
  SmallVector<size_t> removed;          ///< chain and replaced gathers
  llvm::StringMap<std::string> renamed; ///< value -> its replacement
  std::optional<size_t> weightGather;   ///< Gather of w[tok, slot]
  std::string weightValues;             ///< w, [T, k]
};

/// Whether `v` is `tok` through Unsqueeze, Expand and Reshape.
bool derivesFromTok(const GraphIndex &index, std::string v,
                    const std::string &tok) {
  for (int depth = 0; depth < 8 && v != tok; ++depth) {
    const onnx::NodeProto *node = index.def(v);
    if (!node ||
        !llvm::is_contained(
            {StringRef("Unsqueeze"), StringRef("Expand"), StringRef("Reshape")},
            node->op_type()))
      return false;
    v = node->input(0);
  }
  return v == tok;
}

/// Whether `node` is w[tok, slot] as torch indexes: Gather(Flatten(
/// Unsqueeze(w, -1), 2), Add(slot, Mul(tok, k))). Sets w.
bool matchWeightGather(const GraphIndex &index, const onnx::NodeProto &node,
                       const Plan &plan, std::string &w) {
  if (node.op_type() != "Gather" || intAttr(node, "axis", 0) != 0)
    return false;
  const onnx::NodeProto *add = index.def(node.input(1), "Add");
  if (!add)
    return false;
  auto isTokTimesK = [&](const std::string &v) {
    const onnx::NodeProto *mul = index.def(v, "Mul");
    return mul && (mul->input(0) == plan.tok || mul->input(1) == plan.tok);
  };
  if (!((add->input(0) == plan.slot && isTokTimesK(add->input(1))) ||
        (add->input(1) == plan.slot && isTokTimesK(add->input(0)))))
    return false;
  const onnx::NodeProto *flatten = index.def(node.input(0), "Flatten");
  if (!flatten || intAttr(*flatten, "axis", 1) != 2)
    return false;
  const onnx::NodeProto *unsqueeze = index.def(flatten->input(0), "Unsqueeze");
  if (!unsqueeze)
    return false;
  std::optional<SmallVector<int64_t>> axes = axesOf(index, *unsqueeze);
  if (!axes || axes->size() != 1 || ((*axes)[0] != -1 && (*axes)[0] != 2))
    return false;
  w = unsqueeze->input(0);
  return true;
}

/// Whether `updates` is a product with the weight `weight` (through
/// reshapes, expands and casts).
bool weightedBy(const GraphIndex &index, std::string updates,
                const std::string &weight) {
  std::deque<std::string> work = {updates};
  for (int steps = 0; !work.empty() && steps < 32; ++steps) {
    std::string v = work.front();
    work.pop_front();
    if (v == weight)
      return true;
    const onnx::NodeProto *node = index.def(v);
    if (!node)
      continue;
    StringRef op = node->op_type();
    if (op == "Mul") {
      work.push_back(node->input(0));
      work.push_back(node->input(1));
    } else if (op == "Reshape" || op == "Expand" || op == "Unsqueeze" ||
               op == "Cast") {
      work.push_back(node->input(0));
    }
  }
  return false;
}

/// Checks what the gathered tokens flow into; fills the rest of `plan`.
/// Returns why it cannot be rewritten, or an empty string.
std::string checkRegion(const GraphIndex &index, Plan &plan) {
  llvm::StringSet<> region = {plan.tok};
  std::deque<std::string> work = {plan.tok};
  if (!plan.slot.empty()) {
    region.insert(plan.slot);
    work.push_back(plan.slot);
  }
  SmallVector<size_t> exits;
  llvm::SmallDenseSet<size_t> seen;
  while (!work.empty()) {
    std::string v = work.front();
    work.pop_front();
    if (index.outputs.count(v))
      return "the gathered tokens' value '" + v + "' is a graph output";
    for (size_t user : index.users(v)) {
      if (!seen.insert(user).second)
        continue;
      const onnx::NodeProto &node = index.graph.node(user);
      StringRef op = node.op_type();
      if (op == "ScatterElements" || op == "ScatterND") {
        exits.push_back(user);
        continue;
      }
      if (!isRowWise(op) || !keepsRowsApart(index, node, v))
        return "node '" + node.name() + "' (" + op.str() +
               ") uses the gathered tokens";
      for (const std::string &out : node.output())
        if (region.insert(out).second)
          work.push_back(out);
    }
  }
  if (exits.empty())
    return "no ScatterElements or ScatterND adds the experts' outputs back";

  // The routing weight. (x[tok] stays: tok becomes arange(T), and the
  // importer folds a Gather at arange to its data.)
  for (size_t i : seen) {
    const onnx::NodeProto &node = index.graph.node(i);
    if (node.op_type() != "Gather" || region.count(node.input(0)))
      continue;
    std::string w;
    if (matchWeightGather(index, node, plan, w)) {
      if (plan.weightGather || region.count(w))
        return "the routing weight is gathered more than once";
      plan.weightGather = i;
      plan.weightValues = w;
    }
  }
  if (!plan.weightGather)
    return "no w[tok, slot] (a Gather of the flattened top-k weights at "
           "tok * k + slot) weights the experts' outputs";

  const std::string &weight = index.graph.node(*plan.weightGather).output(0);
  for (size_t i : exits) {
    const onnx::NodeProto &scatter = index.graph.node(i);
    std::string reduction;
    if (const onnx::AttributeProto *attr = findAttr(scatter, "reduction"))
      reduction = attr->s();
    bool nd = scatter.op_type() == "ScatterND";
    if (scatter.input_size() != 3 || region.count(scatter.input(0)) ||
        !derivesFromTok(index, scatter.input(1), plan.tok) ||
        (!nd && intAttr(scatter, "axis", 0) != 0))
      return "node '" + scatter.name() +
             "' does not scatter along the gathered tokens";
    if (!(reduction == "add" || ((reduction.empty() || reduction == "none") &&
                                 isZero(index, scatter.input(0)))))
      return "node '" + scatter.name() +
             "' neither adds to its data nor scatters into zeros";
    if (!weightedBy(index, scatter.input(2), weight))
      return "node '" + scatter.name() +
             "' scatters updates that are not weighted by w[tok, slot]";
  }
  return {};
}

/// Builds nodes; names derive from the NonZero node's.
struct NodeBuilder {
  NodeBuilder(std::string prefix, int64_t opset)
      : prefix(std::move(prefix)), opset(opset) {}

  std::string value(StringRef what) { return prefix + "/" + what.str(); }

  onnx::NodeProto &add(StringRef op, StringRef what,
                       ArrayRef<std::string> inputs) {
    onnx::NodeProto &node = nodes.emplace_back();
    node.set_op_type(op.str());
    node.set_name(value(what));
    for (const std::string &in : inputs)
      node.add_input(in);
    node.add_output(value(what));
    return node;
  }
  static void setInt(onnx::NodeProto &node, StringRef name, int64_t v) {
    onnx::AttributeProto *attr = node.add_attribute();
    attr->set_name(name.str());
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(v);
  }
  std::string constant(StringRef what, ArrayRef<int64_t> values, bool scalar) {
    onnx::NodeProto &node = add("Constant", what, {});
    onnx::AttributeProto *attr = node.add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto *t = attr->mutable_t();
    t->set_data_type(onnx::TensorProto::INT64);
    if (!scalar)
      t->add_dims(values.size());
    for (int64_t v : values)
      t->add_int64_data(v);
    return node.output(0);
  }
  /// A reduction over the last axis, keeping it (axes an input since
  /// opset 13 for ReduceSum, 18 for the others).
  std::string reduceLast(StringRef op, StringRef what, const std::string &in) {
    bool axesInput = op == "ReduceSum" ? opset >= 13 : opset >= 18;
    if (axesInput) {
      std::string axes = constant((what + "_axes").str(), {-1}, false);
      onnx::NodeProto &node = add(op, what, {in, axes});
      setInt(node, "keepdims", 1);
      return node.output(0);
    }
    onnx::NodeProto &node = add(op, what, {in});
    onnx::AttributeProto *attr = node.add_attribute();
    attr->set_name("axes");
    attr->set_type(onnx::AttributeProto::INTS);
    attr->add_ints(-1);
    setInt(node, "keepdims", 1);
    return node.output(0);
  }

  std::string prefix;
  int64_t opset;
  std::deque<onnx::NodeProto> nodes; ///< stable references for add()
};

/// The nodes computed before the NonZero: tok = arange(T) and slot = the
/// position of e in each token's top k. Sets plan.renamed for both and
/// `mask` to (idx == e), [T, k].
std::deque<onnx::NodeProto> maskNodes(const onnx::NodeProto &nonzero,
                                      Plan &plan, int64_t opset,
                                      std::string &mask) {
  NodeBuilder b(nonzero.name().empty() ? nonzero.output(0) : nonzero.name(),
                opset);
  b.prefix += "/m3sat.dense";
  mask = nonzero.input(0);
  if (!plan.mask.isEqual) {
    std::string e = b.constant("expert", {plan.mask.expert}, true);
    mask = b.add("Equal", "mask", {plan.mask.indices, e}).output(0);
  }
  onnx::NodeProto &ints = b.add("Cast", "mask_ints", {mask});
  NodeBuilder::setInt(ints, "to", onnx::TensorProto::INT32);
  std::string zero = b.constant("zero", {0}, true);
  std::string one = b.constant("one", {1}, true);
  std::string shape = b.add("Shape", "shape", {mask}).output(0);
  onnx::NodeProto &rows = b.add("Gather", "tokens", {shape, zero});
  NodeBuilder::setInt(rows, "axis", 0);
  std::string tok =
      b.add("Range", "tok", {zero, rows.output(0), one}).output(0);
  onnx::NodeProto &slot = b.add("ArgMax", "slot", {ints.output(0)});
  NodeBuilder::setInt(slot, "axis", 1);
  NodeBuilder::setInt(slot, "keepdims", 0);
  plan.renamed[plan.tok] = tok;
  if (!plan.slot.empty())
    plan.renamed[plan.slot] = slot.output(0);
  return std::move(b.nodes);
}

/// (w * (idx == e)).sum(-1, keepdim=True) in place of w[tok, slot, None].
std::deque<onnx::NodeProto> weightNodes(const onnx::NodeProto &gather,
                                        const std::string &w,
                                        const std::string &mask, int64_t opset,
                                        std::string &out) {
  NodeBuilder b(gather.name().empty() ? gather.output(0) : gather.name(),
                opset);
  b.prefix += "/m3sat.dense";
  // The weights' element type where CastLike exists, else f32.
  std::string maskFloats;
  if (opset >= 15) {
    maskFloats = b.add("CastLike", "mask_weights", {mask, w}).output(0);
  } else {
    onnx::NodeProto &cast = b.add("Cast", "mask_weights", {mask});
    NodeBuilder::setInt(cast, "to", onnx::TensorProto::FLOAT);
    maskFloats = cast.output(0);
  }
  std::string masked = b.add("Mul", "masked", {w, maskFloats}).output(0);
  out = b.reduceLast("ReduceSum", "weight", masked);
  return std::move(b.nodes);
}

/// Analyses the NonZero at `at`: the plan, or why not.
std::variant<Plan, std::string> analyse(const GraphIndex &index, size_t at) {
  const onnx::NodeProto &nonzero = index.graph.node(at);
  if (nonzero.input_size() != 1 || nonzero.output_size() != 1)
    return std::string("not a NonZero of one input");
  std::optional<ExpertMask> mask = matchMask(index, nonzero.input(0));
  if (!mask)
    return std::string("its input is not (idx == e) or one_hot(idx)[e] of "
                       "the indices of a TopK over the last axis");
  auto rows = matchRows(index, nonzero);
  if (!rows)
    return std::string("its output is not unbound into (token, slot) rows "
                       "(Transpose -> Split -> Squeeze, or a Gather per row)");
  Plan plan;
  plan.mask = *mask;
  plan.tok = rows->first[mask->tokenAxis];
  plan.slot = rows->first[1 - mask->tokenAxis];
  if (plan.tok.empty())
    return std::string("its token row is unused");
  plan.removed = rows->second;
  plan.removed.push_back(at);
  std::string why = checkRegion(index, plan);
  if (!why.empty())
    return why;
  return plan;
}

/// Applies `plan` to `graph`: new nodes before the NonZero and the weight
/// Gather, the replaced nodes dropped, their values renamed.
void apply(onnx::GraphProto &graph, size_t at, Plan &plan, int64_t opset) {
  std::string mask, weight;
  std::deque<onnx::NodeProto> before =
      maskNodes(graph.node(at), plan, opset, mask);
  const onnx::NodeProto &gather = graph.node(*plan.weightGather);
  std::deque<onnx::NodeProto> weighted =
      weightNodes(gather, plan.weightValues, mask, opset, weight);
  plan.renamed[gather.output(0)] = weight;
  plan.removed.push_back(*plan.weightGather);

  llvm::SmallDenseSet<size_t> removed(plan.removed.begin(), plan.removed.end());
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (static_cast<size_t>(i) == at)
      for (onnx::NodeProto &node : before)
        *nodes.Add() = std::move(node);
    if (static_cast<size_t>(i) == *plan.weightGather)
      for (onnx::NodeProto &node : weighted)
        *nodes.Add() = std::move(node);
    if (removed.contains(i))
      continue;
    onnx::NodeProto *node = nodes.Add();
    *node = std::move(*graph.mutable_node(i));
    for (std::string &in : *node->mutable_input()) {
      // A renamed value may itself be renamed (x[tok] -> x).
      for (int hops = 0; hops < 4; ++hops) {
        auto it = plan.renamed.find(in);
        if (it == plan.renamed.end())
          break;
        in = it->second;
      }
    }
  }
  graph.mutable_node()->Swap(&nodes);
}

} // namespace

SmallVector<GatherFormExpert>
onnx_import::densifyGatherFormExperts(onnx::GraphProto &graph, int64_t opset) {
  SmallVector<GatherFormExpert> results;
  llvm::StringSet<> tried;
  for (;;) {
    GraphIndex index(graph);
    std::optional<size_t> at;
    for (auto [i, node] : llvm::enumerate(graph.node()))
      if (node.op_type() == "NonZero" &&
          !tried.contains(node.name() + "\x1f" + node.output(0))) {
        at = i;
        break;
      }
    if (!at)
      return results;
    const onnx::NodeProto &nonzero = graph.node(*at);
    tried.insert(nonzero.name() + "\x1f" + nonzero.output(0));
    GatherFormExpert result{nonzero.name(), ""};
    // Only a NonZero of a routing mask is a candidate.
    if (!matchMask(index, nonzero.input_size() ? nonzero.input(0) : ""))
      continue;
    std::variant<Plan, std::string> plan = analyse(index, *at);
    if (auto *why = std::get_if<std::string>(&plan)) {
      result.reason = *why;
      results.push_back(result);
      continue;
    }
    apply(graph, *at, std::get<Plan>(plan), opset);
    results.push_back(result);
  }
}
