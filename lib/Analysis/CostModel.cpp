//===- CostModel.cpp - FLOPs and bytes of tensor programs -----------------===//

#include "m3sat/Analysis/CostModel.h"

#include "M3SAT/M3SATOps.h"

#include "m3sat/Support/Diagnostics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

#include <tuple>

using namespace mlir;
using namespace m3sat;

namespace {

int64_t bytesOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  return shaped.getNumElements() * ((shaped.getElementTypeBitWidth() + 7) / 8);
}

int64_t elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape() ? shaped.getNumElements() : 0;
}

int64_t dim(Value value, int64_t i) {
  int64_t size = cast<ShapedType>(value.getType()).getDimSize(i);
  return ShapedType::isDynamic(size) ? 0 : size;
}

/// Tokens of an MoE layer input: all dims but the last.
int64_t tokensOf(Value input) {
  auto type = cast<ShapedType>(input.getType());
  return type.hasStaticShape() ? type.getNumElements() / type.getShape().back()
                               : 0;
}

/// Experts each token visits: the static set, else k.
template <typename MoEOp> int64_t expertsPerToken(MoEOp op) {
  if (ExpertSetAttr set = op.getStaticExpertsAttr())
    return set.getExperts().size();
  return op.getK();
}

/// Routing: softmax over E and the top-k selection, per token.
template <typename MoEOp> int64_t routingFlops(MoEOp op, int64_t tokens) {
  if (op.getStaticExpertsAttr())
    return 0;
  return tokens * op.getNumExperts() * (3 + op.getK());
}

/// K and V of an attention layer: two [B*S', D] x [D, Dh] products.
int64_t sharedKeyValueFlops(MoEAttentionOp op) {
  Value source = op.getKeyValueInput();
  return 2 * 2 * dim(source, 0) * dim(source, 1) * dim(source, 2) *
         dim(op.getWq(), 1);
}

int64_t linalgFlops(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t iterations = 1;
  for (int64_t r : ranges)
    iterations *= ShapedType::isDynamic(r) ? 0 : r;
  // Scalar float ops in the body, per iteration (a contraction has 2).
  int64_t perIteration = 0;
  for (Operation &inner : op->getRegion(0).front())
    if (llvm::any_of(inner.getResultTypes(),
                     [](Type t) { return isa<FloatType>(t); }))
      ++perIteration;
  // Fills, copies, broadcasts and transposes compute nothing.
  return iterations * perIteration;
}

} // namespace

Cost m3sat::opCost(Operation *op) {
  Cost cost;
  for (Type type : op->getResultTypes())
    cost.activationBytes += bytesOf(type);
  cost.flops =
      llvm::TypeSwitch<Operation *, int64_t>(op)
          .Case<MoEFFNOp>([](MoEFFNOp ffn) {
            int64_t tokens = tokensOf(ffn.getInput());
            int64_t d =
                dim(ffn.getInput(),
                    cast<ShapedType>(ffn.getInput().getType()).getRank() - 1);
            // fc1 has F = H rows, or 2H for a gated expert.
            int64_t f = dim(ffn.getFc1Weights(), 1);
            int64_t h = dim(ffn.getFc2Weights(), 2);
            // Two matmuls, biases, the activation and the weighted sum.
            int64_t perExpert = 2 * d * f + f + 2 * d * h + h + d + 2 * d;
            return tokens * expertsPerToken(ffn) * perExpert +
                   routingFlops(ffn, tokens);
          })
          .Case<MoEAttentionOp>([](MoEAttentionOp attention) {
            Value input = attention.getInput();
            int64_t b = dim(input, 0), s = dim(input, 1), d = dim(input, 2);
            int64_t dh = dim(attention.getWq(), 1);
            int64_t tokens = b * s;
            // Keys and values: S' tokens of kv_source (else input).
            int64_t kv = dim(attention.getKeyValueInput(), 1);
            // Shared K and V, then per token and head expert: q, scores,
            // softmax, context, output projection, weighted sum.
            int64_t shared = sharedKeyValueFlops(attention);
            int64_t perExpert = 2 * d * dh + 2 * kv * dh + 3 * kv +
                                2 * kv * dh + 2 * dh * d + 2 * d;
            return shared + tokens * expertsPerToken(attention) * perExpert +
                   routingFlops(attention, tokens);
          })
          .Case<tosa::MatMulOp>([](tosa::MatMulOp matmul) {
            Value a = matmul.getA();
            return 2 * dim(a, 0) * dim(a, 1) * dim(a, 2) *
                   dim(matmul.getB(), 2);
          })
          .Case<tosa::Conv2DOp>([](tosa::Conv2DOp conv) {
            Value w = conv.getWeight();
            return 2 * elementsOf(conv.getType()) * dim(w, 1) * dim(w, 2) *
                   dim(w, 3);
          })
          .Case<tosa::Conv3DOp>([](tosa::Conv3DOp conv) {
            Value w = conv.getWeight();
            return 2 * elementsOf(conv.getType()) * dim(w, 1) * dim(w, 2) *
                   dim(w, 3) * dim(w, 4);
          })
          .Case<linalg::LinalgOp>(
              [](linalg::LinalgOp linalgOp) { return linalgFlops(linalgOp); })
          .Default([](Operation *other) -> int64_t {
            // Elementwise and reductions: about one op per element, for
            // float results of compute dialects; data movement is free.
            StringRef dialect =
                other->getDialect() ? other->getDialect()->getNamespace() : "";
            if (dialect != "tosa" && dialect != "arith" && dialect != "math")
              return 0;
            if (isa<arith::ConstantOp, tosa::ConstOp, tosa::ReshapeOp,
                    tosa::TransposeOp, tosa::SliceOp, tosa::ConcatOp,
                    tosa::GatherOp, tosa::ConstShapeOp, tosa::TileOp,
                    tosa::CastOp>(other))
              return 0;
            int64_t elements = 0;
            for (Value operand : other->getOperands())
              elements = std::max(elements, elementsOf(operand.getType()));
            return elements;
          });
  return cost;
}

FunctionCost m3sat::functionCost(func::FuncOp func) {
  FunctionCost result;
  llvm::DenseSet<Attribute> seenParams;
  auto paramBytes = [&](Attribute value, Type type) -> int64_t {
    return seenParams.insert(value).second ? bytesOf(type) : 0;
  };
  // Weight arguments (outlined parameters) count for the ops that read them.
  auto weightOf = [&](Value value) -> ElementsAttr {
    auto argument = dyn_cast<BlockArgument>(value);
    if (!argument || argument.getOwner()->getParentOp() != func)
      return {};
    auto attrs = func.getArgAttrDict(argument.getArgNumber());
    return attrs ? attrs.getAs<ElementsAttr>("m3sat.weight") : ElementsAttr();
  };

  // Expert weights stored (in, out) (m3sat-transpose-expert-weights): a
  // transpose that only feeds MoE FFN weights is a layout, which the
  // lowering reads through; its input counts for the layer.
  auto isWeightLayout = [](Operation *op) {
    auto transpose = dyn_cast<linalg::TransposeOp>(op);
    return transpose && llvm::all_of(transpose->getUses(), [](OpOperand &use) {
             return isa<MoEFFNOp>(use.getOwner());
           });
  };
  llvm::DenseSet<std::tuple<Value, Value, Value>> keyValues;
  func.walk([&](Operation *op) {
    if (op == func || op->getParentOfType<linalg::LinalgOp>() ||
        isWeightLayout(op))
      return;
    Cost cost = opCost(op);
    // Attention runs over one input (m3sat-segment-static-routing) compute
    // the same K and V, which the program computes once (CSE).
    if (auto attention = dyn_cast<MoEAttentionOp>(op))
      if (!keyValues
               .insert({attention.getKeyValueInput(), attention.getWk(),
                        attention.getWv()})
               .second)
        cost.flops -= sharedKeyValueFlops(attention);
    // The constants and weights an op reads directly count as its
    // parameters.
    for (Value operand : op->getOperands()) {
      if (Operation *definer = operand.getDefiningOp();
          definer && isWeightLayout(definer))
        operand = definer->getOperand(0);
      auto constant = operand.getDefiningOp<arith::ConstantOp>();
      if (constant && isa<ShapedType>(constant.getType()))
        cost.paramBytes += paramBytes(constant.getValue(), constant.getType());
      else if (ElementsAttr weight = weightOf(operand))
        cost.paramBytes += paramBytes(weight, operand.getType());
    }
    // Constants are parameters; tensor.empty writes nothing.
    if (isa<arith::ConstantOp, tensor::EmptyOp>(op))
      cost.activationBytes = 0;
    result.total.flops += cost.flops;
    result.total.paramBytes += cost.paramBytes;
    result.total.activationBytes += cost.activationBytes;
    if (cost.flops == 0 && cost.paramBytes == 0)
      return;
    std::string name = op->getName().getStringRef().str();
    if (std::string node = getNodeName(op->getLoc()); !node.empty())
      name = node;
    std::string sourceOp;
    if (auto source = op->getAttrOfType<StringAttr>("m3sat.source_op"))
      sourceOp = source.str();
    std::string quantization;
    if (auto ffn = dyn_cast<MoEFFNOp>(op))
      if (auto dequantize = ffn.getFc1Weights().getDefiningOp<DequantizeOp>())
        quantization =
            std::to_string(dequantize.getBits()) + "-bit codes, " +
            (dequantize.getBlockSize()
                 ? "a scale per " + std::to_string(dequantize.getBlockSize()) +
                       " columns"
                 : std::string("a scale per row")) +
            (dequantize.getZeroPoints() ? ", zero points" : "");
    result.layers.push_back({name, op->getName().getStringRef().str(), cost,
                             sourceOp, quantization});
  });
  // Weights no op reads still take bytes in the bundle.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (ElementsAttr weight = weightOf(func.getArgument(i)))
      result.total.paramBytes += paramBytes(weight, func.getArgumentTypes()[i]);
  return result;
}

void m3sat::printCostTable(llvm::raw_ostream &os, StringRef title,
                           const FunctionCost &cost) {
  os << title << "\n";
  os << llvm::format("  %-40s %-22s %14s %14s %14s\n", "layer", "op", "FLOPs",
                     "param bytes", "act bytes");
  for (const LayerCost &layer : cost.layers)
    os << llvm::format(
        "  %-40s %-22s %14lld %14lld %14lld\n",
        layer.name.substr(0, 40).c_str(), layer.op.substr(0, 22).c_str(),
        (long long)layer.cost.flops, (long long)layer.cost.paramBytes,
        (long long)layer.cost.activationBytes);
  os << llvm::format("  %-40s %-22s %14lld %14lld %14lld\n", "total", "",
                     (long long)cost.total.flops,
                     (long long)cost.total.paramBytes,
                     (long long)cost.total.activationBytes);
}

void m3sat::printArenaTable(llvm::raw_ostream &os, ArrayRef<ArenaRow> rows) {
  os << llvm::format("%-28s %16s %16s %16s\n", "activation memory",
                     "arena bytes", "planned bytes", "act bytes");
  for (const ArenaRow &row : rows)
    os << llvm::format(
        "%-28s %16lld %16lld %16lld  (arena %.1f%% of act "
        "bytes)\n",
        ("task " + row.task).c_str(), (long long)row.arenaBytes,
        (long long)row.plannedBytes, (long long)row.activationBytes,
        row.activationBytes ? 100.0 * row.arenaBytes / row.activationBytes
                            : 0.0);
}

llvm::json::Value m3sat::costToJSON(const FunctionCost &cost) {
  llvm::json::Array layers;
  for (const LayerCost &layer : cost.layers) {
    llvm::json::Object entry{{"name", layer.name},
                             {"op", layer.op},
                             {"flops", layer.cost.flops},
                             {"param_bytes", layer.cost.paramBytes},
                             {"activation_bytes", layer.cost.activationBytes}};
    if (!layer.sourceOp.empty())
      entry["source_op"] = layer.sourceOp;
    if (!layer.quantization.empty())
      entry["quantization"] = layer.quantization;
    layers.push_back(std::move(entry));
  }
  llvm::json::Array scopes;
  for (auto &[scope, scopeCost] : costByScope(cost))
    scopes.push_back(
        llvm::json::Object{{"name", scope},
                           {"flops", scopeCost.flops},
                           {"param_bytes", scopeCost.paramBytes},
                           {"activation_bytes", scopeCost.activationBytes}});
  return llvm::json::Object{{"flops", cost.total.flops},
                            {"param_bytes", cost.total.paramBytes},
                            {"activation_bytes", cost.total.activationBytes},
                            {"layers", std::move(layers)},
                            {"scopes", std::move(scopes)}};
}

std::string m3sat::layerScope(StringRef name) {
  // ONNX node names from torch.onnx.export are module paths,
  // "/encoder/blocks.0/attn/MatMul": the layer is the module.
  size_t slash = name.rfind('/');
  if (slash == StringRef::npos || slash == 0)
    return name.str();
  return name.take_front(slash).str();
}

SmallVector<std::pair<std::string, Cost>>
m3sat::costByScope(const FunctionCost &cost) {
  SmallVector<std::pair<std::string, Cost>> scopes;
  llvm::StringMap<size_t> index;
  for (const LayerCost &layer : cost.layers) {
    std::string scope = layerScope(layer.name);
    auto [it, inserted] = index.try_emplace(scope, scopes.size());
    if (inserted)
      scopes.push_back({scope, Cost()});
    scopes[it->second].second += layer.cost;
  }
  return scopes;
}

void m3sat::printLayerComparison(llvm::raw_ostream &os, StringRef task,
                                 const FunctionCost &full,
                                 const FunctionCost &specialized) {
  SmallVector<std::pair<std::string, Cost>> before = costByScope(full);
  SmallVector<std::pair<std::string, Cost>> after = costByScope(specialized);
  llvm::StringMap<Cost> afterByScope;
  for (auto &[scope, cost] : after)
    afterByScope[scope] += cost;
  // The full model's layers in its order, then layers only the specialized
  // program has (split or renamed ones).
  SmallVector<std::tuple<std::string, Cost, Cost>> rows;
  llvm::StringSet<> seen;
  for (auto &[scope, cost] : before) {
    seen.insert(scope);
    auto it = afterByScope.find(scope);
    rows.push_back(
        {scope, cost, it == afterByScope.end() ? Cost() : it->second});
  }
  for (auto &[scope, cost] : after)
    if (!seen.contains(scope))
      rows.push_back({scope, Cost(), cost});

  os << "task " << task << ": per layer, full model -> specialized\n";
  const char *format = "  %-44s %13s %13s %12s %12s %12s %12s\n";
  os << llvm::format(format, "layer", "FLOPs full", "FLOPs task", "params full",
                     "params task", "act full", "act task");
  auto number = [](int64_t v) { return std::to_string(v); };
  auto row = [&](StringRef name, const Cost &a, const Cost &b) {
    std::string shown =
        name.size() > 44 ? ("..." + name.take_back(41)).str() : name.str();
    os << llvm::format(
        format, shown.c_str(), number(a.flops).c_str(), number(b.flops).c_str(),
        number(a.paramBytes).c_str(), number(b.paramBytes).c_str(),
        number(a.activationBytes).c_str(), number(b.activationBytes).c_str());
  };
  for (auto &[scope, a, b] : rows)
    row(scope, a, b);
  row("total", full.total, specialized.total);
  // Where each MoE layer came from (its GELU form depends on it).
  for (const LayerCost &layer : full.layers)
    if (!layer.sourceOp.empty())
      os << "  MoE layer " << layer.name << ": " << layer.op << " from "
         << layer.sourceOp
         << (layer.quantization.empty()
                 ? ""
                 : " (experts kept quantized: " + layer.quantization + ")")
         << "\n";
}
