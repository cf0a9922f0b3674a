//===- RaiseMoE.cpp - MoE layers written as standard ONNX ops -------------===//
//
// Implements m3sat-raise-moe: recognizes MoE layers that plain PyTorch
// writes with standard ops (a softmax gate, top-k, and a loop over experts,
// each expert's output weighted by its top-k weight masked to that expert,
// summed) in the imported tosa/linalg IR and rewrites each into one
// `m3sat.moe_ffn`, so that token-routed layers run their selected experts
// only and task-routed ones fold to static expert sets.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "RaiseMoEPatterns.h"

#include "m3sat/Transforms/ExpertSelection.h"
#include "m3sat/Transforms/RaiseMoE.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <optional>

namespace m3sat {
#define GEN_PASS_DEF_RAISEMOE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;
using namespace m3sat::raise_moe;

namespace {

//===----------------------------------------------------------------------===//
// Small matchers over the importer's tosa/linalg forms
//===----------------------------------------------------------------------===//

/// `v` = num / den elementwise (the importer's Div, or num * (1/den)).
bool matchDiv(Value v, Value &num, Value &den) {
  if (auto inputs = elementwiseGeneric<arith::DivFOp>(v)) {
    num = (*inputs)[0];
    den = (*inputs)[1];
    return true;
  }
  if (auto mul = v.getDefiningOp<tosa::MulOp>()) {
    for (auto [a, b] : {std::pair(mul.getInput1(), mul.getInput2()),
                        std::pair(mul.getInput2(), mul.getInput1())})
      if (auto reciprocal =
              skipReshapes(b).getDefiningOp<tosa::ReciprocalOp>()) {
        num = a;
        den = reciprocal.getInput1();
        return true;
      }
  }
  return false;
}

/// `v` = a / sum(a) over the last axis: returns a.
Value matchRowNormalized(Value v) {
  Value num, den;
  if (!matchDiv(v, num, den))
    return {};
  auto sum = skipReshapes(den).getDefiningOp<tosa::ReduceSumOp>();
  if (!sum || sum.getInput() != num ||
      static_cast<int64_t>(sum.getAxis()) != lastAxis(num))
    return {};
  return num;
}

/// `p` = softmax(logits) over the last axis (with or without the max
/// subtracted): returns the logits.
Value matchSoftmax(Value p) {
  Value exp = matchRowNormalized(p);
  if (!exp)
    return {};
  auto expOp = exp.getDefiningOp<tosa::ExpOp>();
  if (!expOp)
    return {};
  Value x = expOp.getInput1();
  if (auto sub = x.getDefiningOp<tosa::SubOp>()) {
    auto max = skipReshapes(sub.getInput2()).getDefiningOp<tosa::ReduceMaxOp>();
    if (max && max.getInput() == sub.getInput1() &&
        static_cast<int64_t>(max.getAxis()) == lastAxis(max.getInput()))
      return sub.getInput1();
  }
  return x;
}

/// `mask` = (iota == part) with iota the constant 0..n-1 along the last axis.
bool isIndexMask(Value mask, Value part) {
  auto equal = mask.getDefiningOp<tosa::EqualOp>();
  if (!equal)
    return false;
  Value other;
  if (equal.getInput2() == part)
    other = equal.getInput1();
  else if (equal.getInput1() == part)
    other = equal.getInput2();
  else
    return false;
  auto dense = dyn_cast_or_null<DenseElementsAttr>(constantOf(other));
  if (!dense || !isa<IntegerType>(dense.getElementType()))
    return false;
  int64_t i = 0;
  for (const APInt &value : dense.getValues<APInt>())
    if (value.getSExtValue() != i++)
      return false;
  return true;
}

/// A TopK over the last axis of `probs`, as the importer expands it (k
/// rounds of argmax, each masking out what it found).
struct TopK {
  Value probs;
  Value values;
  Value indices;
  int64_t k = 0;
  Operation *anchor = nullptr; // the first argmax, for the layer's name
};

/// `indices` = the indices of a TopK (the values are matched separately).
/// The k parts of a TopK's output `v` along the last axis: the inputs of
/// its concat, the first k of them for a sort's leading slice
/// (torch.sort(p, descending=True)[..., :k] exports TopK(E), then Slice),
/// else `v` itself.
SmallVector<Value> topKParts(Value v) {
  int64_t last = lastAxis(v);
  auto concatParts = [&](Value c) -> std::optional<SmallVector<Value>> {
    auto concat = c.getDefiningOp<tosa::ConcatOp>();
    if (!concat || static_cast<int64_t>(concat.getAxis()) != last ||
        llvm::any_of(concat.getInput1(), [&](Value part) {
          return cast<RankedTensorType>(part.getType()).getDimSize(last) != 1;
        }))
      return std::nullopt;
    return SmallVector<Value>(concat.getInput1());
  };
  if (std::optional<SmallVector<Value>> parts = concatParts(v))
    return *parts;
  if (auto slice = v.getDefiningOp<tosa::SliceOp>()) {
    SmallVector<int64_t> start, size;
    auto type = cast<RankedTensorType>(slice.getInput1().getType());
    std::optional<SmallVector<Value>> parts = concatParts(slice.getInput1());
    if (parts &&
        tosa::getConstShapeValues(slice.getStart().getDefiningOp(), start) &&
        tosa::getConstShapeValues(slice.getSize().getDefiningOp(), size) &&
        llvm::all_of(start, [](int64_t s) { return s == 0; }) &&
        llvm::all_of(
            llvm::seq<int64_t>(0, last),
            [&](int64_t d) { return size[d] == type.getDimSize(d); }) &&
        size[last] >= 1 && size[last] <= type.getDimSize(last)) {
      parts->resize(size[last]);
      return *parts;
    }
  }
  return {v};
}

std::optional<TopK> matchTopKIndices(Value indices) {
  SmallVector<Value> parts = topKParts(indices);
  SmallVector<Value> works;
  TopK topk;
  for (Value part : parts) {
    auto reshape = part.getDefiningOp<tosa::ReshapeOp>();
    if (!reshape)
      return std::nullopt;
    auto cast = elementwiseGeneric<arith::ExtSIOp>(reshape.getInput1());
    if (!cast)
      return std::nullopt;
    auto argmax = (*cast)[0].getDefiningOp<tosa::ArgMaxOp>();
    if (!argmax ||
        static_cast<int64_t>(argmax.getAxis()) != lastAxis(argmax.getInput()))
      return std::nullopt;
    if (!topk.anchor)
      topk.anchor = argmax;
    works.push_back(argmax.getInput());
  }
  // works[0] = probs, works[j] = select(mask of part j-1, -inf, works[j-1]).
  topk.probs = works.front();
  for (size_t j = 1; j < works.size(); ++j) {
    auto select = works[j].getDefiningOp<tosa::SelectOp>();
    if (!select || select.getInput3() != works[j - 1] ||
        !isIndexMask(select.getInput1(), parts[j - 1]) ||
        !isSplat(select.getInput2(), -INFINITY))
      return std::nullopt;
  }
  topk.indices = indices;
  topk.k = parts.size();
  return topk;
}

/// `values` = the values of `topk`.
bool matchTopKValues(Value values, const TopK &topk) {
  SmallVector<Value> parts = topKParts(values);
  if (static_cast<int64_t>(parts.size()) != topk.k)
    return false;
  SmallVector<Value> indexParts = topKParts(topk.indices);
  for (auto [part, index] : llvm::zip(parts, indexParts)) {
    auto max = part.getDefiningOp<tosa::ReduceMaxOp>();
    if (!max || static_cast<int64_t>(max.getAxis()) != lastAxis(part))
      return false;
    auto select = max.getInput().getDefiningOp<tosa::SelectOp>();
    if (!select || select.getInput2() != topk.probs ||
        !isIndexMask(select.getInput1(), index) ||
        !isSplat(select.getInput3(), -INFINITY))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The expert FFN
//===----------------------------------------------------------------------===//

/// y = v * W (+ b): W a constant [D, N], b a constant of N elements.
struct Linear {
  Value input;
  ElementsAttr weight; // [D, N], or [N, D] if outIn
  ElementsAttr bias;   // N elements, or null
  /// The weight is stored (out, in), as Gemm's transB = 1 (torch's export
  /// of nn.Linear on 2-D inputs) and the importer transposes it.
  bool outIn = false;
  int64_t in = 0, out = 0;
};

std::optional<Linear> matchLinear(Value y) {
  Linear linear;
  Value product = y;
  if (auto add = y.getDefiningOp<tosa::AddOp>()) {
    for (auto [a, b] : {std::pair(add.getInput1(), add.getInput2()),
                        std::pair(add.getInput2(), add.getInput1())}) {
      ElementsAttr bias = constantOf(b);
      if (!bias || !skipReshapes(a).getDefiningOp<tosa::MatMulOp>())
        continue;
      linear.bias = bias;
      product = a;
      break;
    }
    if (!linear.bias)
      return std::nullopt;
  }
  auto matmul = skipReshapes(product).getDefiningOp<tosa::MatMulOp>();
  if (!matmul)
    return std::nullopt;
  auto aType = cast<RankedTensorType>(matmul.getA().getType());
  auto bType = cast<RankedTensorType>(matmul.getB().getType());
  if (aType.getDimSize(0) != 1 || bType.getDimSize(0) != 1)
    return std::nullopt;
  int64_t d = bType.getDimSize(1), n = bType.getDimSize(2);
  ElementsAttr weight = constantOf(matmul.getB());
  SmallVector<int64_t> expected = {d, n};
  if (!weight) {
    // Gemm with transB: B = transpose(W) of a constant W [N, D].
    auto transpose =
        skipReshapes(matmul.getB()).getDefiningOp<tosa::TransposeOp>();
    if (!transpose || transpose.getPerms() != ArrayRef<int32_t>({1, 0}))
      return std::nullopt;
    weight = constantOf(transpose.getInput1());
    linear.outIn = true;
    expected = {n, d};
  }
  if (!weight)
    return std::nullopt;
  auto weightType = cast<ShapedType>(weight.getType());
  if (weightType.getShape() != ArrayRef(expected))
    return std::nullopt;
  if (linear.bias && linear.bias.getNumElements() != n)
    return std::nullopt;
  // The input's rows are the tokens: [..., D] flattened to [1, T, D]. The
  // input is the first reshape back (from the matmul's) whose tokens are
  // the output's.
  Value input;
  ArrayRef<int64_t> tokens =
      cast<RankedTensorType>(y.getType()).getShape().drop_back();
  for (Value v = matmul.getA(); v;) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.hasStaticShape() && type.getShape().back() == d &&
        type.getShape().drop_back() == tokens) {
      input = v;
      break;
    }
    auto reshape = v.getDefiningOp<tosa::ReshapeOp>();
    v = reshape ? reshape.getInput1() : Value();
  }
  if (!input)
    return std::nullopt;
  linear.input = input;
  linear.weight = weight;
  linear.in = d;
  linear.out = n;
  return linear;
}

/// The factors of a tree of tosa.mul ops.
void mulFactors(Value v, SmallVectorImpl<Value> &factors) {
  if (auto mul = v.getDefiningOp<tosa::MulOp>()) {
    mulFactors(mul.getInput1(), factors);
    mulFactors(mul.getInput2(), factors);
    return;
  }
  factors.push_back(v);
}

/// `v` = h * c or h / c with c a scalar constant: returns c's effect.
std::optional<double> scaleOf(Value v, Value h) {
  Value num, den;
  if (matchDiv(v, num, den) && num == h)
    if (std::optional<double> c = splatFloat(den))
      return 1.0 / *c;
  SmallVector<Value> factors;
  mulFactors(v, factors);
  double scale = 1.0;
  int hs = 0;
  for (Value factor : factors) {
    if (factor == h)
      ++hs;
    else if (std::optional<double> c = splatFloat(factor))
      scale *= *c;
    else
      return std::nullopt;
  }
  if (hs != 1)
    return std::nullopt;
  return scale;
}

/// The activation `a` = act(h), if it is one the op knows.
std::optional<Activation> matchActivation(Value a, Value h) {
  if (a == h)
    return Activation::identity;
  if (auto clamp = a.getDefiningOp<tosa::ClampOp>()) {
    auto lo = dyn_cast<FloatAttr>(clamp.getMinValAttr());
    auto hi = dyn_cast<FloatAttr>(clamp.getMaxValAttr());
    if (clamp.getInput() == h && lo && hi && lo.getValueAsDouble() == 0.0 &&
        std::isinf(hi.getValueAsDouble()))
      return Activation::relu;
    return std::nullopt;
  }
  if (auto max = a.getDefiningOp<tosa::MaximumOp>()) {
    if ((max.getInput1() == h && isSplat(max.getInput2(), 0.0)) ||
        (max.getInput2() == h && isSplat(max.getInput1(), 0.0)))
      return Activation::relu;
    return std::nullopt;
  }
  SmallVector<Value> factors;
  mulFactors(a, factors);
  double scale = 1.0;
  int hs = 0;
  SmallVector<Value> rest;
  for (Value factor : factors) {
    if (factor == h)
      ++hs;
    else if (std::optional<double> c = splatFloat(factor))
      scale *= *c;
    else
      rest.push_back(factor);
  }
  if (hs != 1 || rest.size() != 1)
    return std::nullopt;
  // silu: h * sigmoid(h).
  if (auto sigmoid = rest[0].getDefiningOp<tosa::SigmoidOp>())
    if (sigmoid.getInput() == h && scale == 1.0)
      return Activation::silu;
  // gelu: 0.5 * h * (1 + erf(h / sqrt 2)), or its tanh form.
  auto add = rest[0].getDefiningOp<tosa::AddOp>();
  if (!add || std::abs(scale - 0.5) > 1e-6)
    return std::nullopt;
  Value inner;
  if (isSplat(add.getInput1(), 1.0))
    inner = add.getInput2();
  else if (isSplat(add.getInput2(), 1.0))
    inner = add.getInput1();
  else
    return std::nullopt;
  if (auto erf = inner.getDefiningOp<tosa::ErfOp>()) {
    std::optional<double> c = scaleOf(erf.getInput(), h);
    if (c && std::abs(*c - M_SQRT1_2) < 1e-5)
      return Activation::gelu;
    return std::nullopt;
  }
  if (auto tanh = inner.getDefiningOp<tosa::TanhOp>()) {
    // sqrt(2/pi) * (h + 0.044715 h^3), in the importer's and torch's forms.
    SmallVector<Value> outer;
    mulFactors(tanh.getInput(), outer);
    double c = 1.0;
    Value sum;
    for (Value factor : outer) {
      if (std::optional<double> s = splatFloat(factor))
        c *= *s;
      else if (!sum)
        sum = factor;
      else
        return std::nullopt;
    }
    auto sumOp = sum ? sum.getDefiningOp<tosa::AddOp>() : nullptr;
    if (!sumOp || std::abs(c - 0.7978845608) > 1e-5)
      return std::nullopt;
    for (auto [x, cubic] : {std::pair(sumOp.getInput1(), sumOp.getInput2()),
                            std::pair(sumOp.getInput2(), sumOp.getInput1())}) {
      if (x != h)
        continue;
      SmallVector<Value> cube;
      mulFactors(cubic, cube);
      double s = 1.0;
      int count = 0;
      for (Value factor : cube) {
        if (factor == h)
          ++count;
        else if (auto pow = factor.getDefiningOp<tosa::PowOp>();
                 pow && pow.getInput1() == h && isSplat(pow.getInput2(), 3.0))
          count += 3;
        else if (std::optional<double> v = splatFloat(factor))
          s *= *v;
        else
          return std::nullopt;
      }
      if (count == 3 && std::abs(s - 0.044715) < 1e-6)
        return Activation::gelu_tanh;
    }
  }
  return std::nullopt;
}

/// One expert: y = fc2(act(fc1(x))).
struct Expert {
  Linear fc1, fc2;
  Activation activation;
};

FailureOr<Expert> matchExpert(Value y, std::string &why) {
  std::optional<Linear> fc2 = matchLinear(y);
  if (!fc2) {
    why = "its output is not a linear layer with constant weights";
    return failure();
  }
  Value a = fc2->input;
  // The hidden layer: the activation's input is the first linear layer.
  SmallVector<Value> candidates = {a};
  if (Operation *def = a.getDefiningOp())
    for (Value operand : def->getOperands())
      candidates.push_back(operand);
  // Look a few ops deep for the operand that is fc1's output.
  SmallVector<Value> worklist(candidates);
  for (size_t i = 0; i < worklist.size() && i < 64; ++i) {
    Value h = worklist[i];
    if (std::optional<Linear> fc1 = matchLinear(h)) {
      if (std::optional<Activation> act = matchActivation(a, h))
        return Expert{*fc1, *fc2, *act};
    }
    if (Operation *def = h.getDefiningOp())
      if (isa<tosa::TosaDialect, linalg::LinalgDialect>(def->getDialect()))
        for (Value operand : def->getOperands())
          worklist.push_back(operand);
  }
  why = "its hidden layer is not linear, then relu/gelu/silu/identity";
  return failure();
}

//===----------------------------------------------------------------------===//
// The layer
//===----------------------------------------------------------------------===//

/// The leaves of the tree of sums rooted at `v` whose inner sums have no
/// other users.
void addLeaves(Value v, bool root, SmallVectorImpl<Value> &leaves) {
  SmallVector<Value, 2> parts;
  if (root || onlyLiveUser(v))
    parts = summands(v);
  if (parts.empty()) {
    leaves.push_back(v);
    return;
  }
  for (Value part : parts)
    addLeaves(part, false, leaves);
}

/// The sum `v` is the only user of, if it is one (see summands).
Value sumUser(Value v) {
  Operation *user = onlyLiveUser(v);
  if (!user || user->getNumResults() != 1)
    return {};
  Value result = user->getResult(0);
  return llvm::is_contained(summands(result), v) ? result : Value();
}

/// Stacks per-expert [D, N] constants into [E, N, D] (transposed to the
/// op's (out, in) layout), per-expert [N, D] ones (already (out, in)) into
/// [E, N, D], or per-expert N-vectors into [E, N].
FailureOr<Value> stackConstants(OpBuilder &builder, Location loc,
                                ArrayRef<ElementsAttr> perExpert,
                                bool transpose, StringRef name) {
  auto firstType = cast<ShapedType>(perExpert.front().getType());
  bool matrix = firstType.getRank() == 2;
  auto type = cast<ShapedType>(perExpert.front().getType());
  Type elementType = type.getElementType();
  if (!elementType.isIntOrFloat() || elementType.getIntOrFloatBitWidth() % 8)
    return failure();
  size_t bytes = elementType.getIntOrFloatBitWidth() / 8;
  int64_t rows = transpose ? type.getDimSize(0) : 1;
  int64_t cols = type.getNumElements() / rows;
  SmallVector<char> stacked;
  stacked.reserve(perExpert.size() * type.getNumElements() * bytes);
  for (ElementsAttr attr : perExpert) {
    if (attr.getType() != perExpert.front().getType() &&
        cast<ShapedType>(attr.getType()).getNumElements() !=
            type.getNumElements())
      return failure();
    SmallVector<char> storage;
    FailureOr<ArrayRef<char>> data = constantBytes(attr, storage);
    if (failed(data))
      return failure();
    if (!transpose) {
      stacked.append(data->begin(), data->end());
      continue;
    }
    for (int64_t c = 0; c < cols; ++c)
      for (int64_t r = 0; r < rows; ++r) {
        const char *at = data->data() + (r * cols + c) * bytes;
        stacked.append(at, at + bytes);
      }
  }
  SmallVector<int64_t> shape = {static_cast<int64_t>(perExpert.size())};
  if (transpose)
    shape.append({cols, rows});
  else if (matrix)
    llvm::append_range(shape, firstType.getShape());
  else
    shape.push_back(cols);
  auto resultType = RankedTensorType::get(shape, elementType);
  // Weights in resource blobs stay in one; small inline ones stay inline.
  TypedAttr attr;
  if (llvm::all_of(perExpert, llvm::IsaPred<DenseElementsAttr>))
    attr = DenseElementsAttr::getFromRawBuffer(resultType, stacked);
  else
    attr = DenseResourceElementsAttr::get(
        resultType, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(stacked, 64));
  return arith::ConstantOp::create(builder, loc, resultType, attr).getResult();
}

/// The TopK values of `topk` among the users of its probabilities (as the
/// importer expands a TopK: select, reduce_max, concat, a sort's slice), or
/// null.
Value findTopKWeights(const TopK &topk) {
  Value weights;
  for (Operation *select : topk.probs.getUsers()) {
    if (!isa<tosa::SelectOp>(select) || weights)
      continue;
    for (Operation *max : select->getResult(0).getUsers()) {
      if (!isa<tosa::ReduceMaxOp>(max) || weights)
        continue;
      SmallVector<Value> candidates = {max->getResult(0)};
      for (Operation *concat : max->getResult(0).getUsers())
        if (isa<tosa::ConcatOp>(concat)) {
          candidates.push_back(concat->getResult(0));
          // A sort's leading k.
          for (Operation *slice : concat->getResult(0).getUsers())
            if (isa<tosa::SliceOp>(slice))
              candidates.push_back(slice->getResult(0));
        }
      for (Value candidate : candidates)
        if (!weights && matchTopKValues(candidate, topk))
          weights = candidate;
    }
  }
  return weights;
}

/// The combines of the routing weights `w` of all experts: zeros.scatter(-1,
/// idx, w), or the one-hot combine (and their reshapes).
SmallVector<Value> findCombines(Value w, const TopK &topk) {
  SmallVector<Value> combines;
  for (Operation *user : w.getUsers()) {
    if (user->getNumResults() != 1)
      continue;
    if (isCombineScatter(user->getResult(0), w, topk.indices))
      combines.push_back(user->getResult(0));
    if (isa<tosa::ReshapeOp>(user))
      for (Operation *mul : user->getResult(0).getUsers())
        for (Operation *sum : mul->getResult(0).getUsers())
          if (isa<tosa::MulOp>(mul) && isa<tosa::ReduceSumOp>(sum) &&
              isOneHotCombine(sum->getResult(0), w, topk.indices))
            combines.push_back(sum->getResult(0));
  }
  return combines;
}

/// Records in `gates` (one per expert, null where not found) the values that
/// mask the routing weights `w` to one expert: sum_k(w * mask_e), or a
/// column of a combine. Returns how many it found.
int findGates(Value w, const TopK &topk, MutableArrayRef<Value> gates) {
  int64_t numExperts = gates.size();
  int found = 0;
  auto record = [&](std::optional<int64_t> e, Value g) {
    if (e && *e >= 0 && *e < numExperts && !gates[*e]) {
      gates[*e] = g;
      ++found;
    }
  };
  Operation *scope = topk.anchor->getParentOp();
  scope->walk([&](tosa::ReduceSumOp sum) {
    record(matchExpertGate(sum.getResult(), w, topk.indices), sum.getResult());
  });
  SmallVector<Value> combines = findCombines(w, topk);
  for (size_t i = 0; i < combines.size(); ++i)
    for (Operation *user : combines[i].getUsers()) {
      if (user->getNumResults() != 1)
        continue;
      Value column = user->getResult(0);
      if (isa<tosa::ReshapeOp>(user) &&
          cast<RankedTensorType>(column.getType()).getShape().back() ==
              numExperts) {
        combines.push_back(column);
        continue;
      }
      record(matchCombineColumn(column, combines[i]), column);
      // combine[..., e] reads the combine reshaped to [N, E, 1].
      if (isa<tosa::ReshapeOp>(user))
        for (Operation *gather : column.getUsers())
          if (isa<tosa::GatherOp>(gather))
            record(matchCombineColumn(gather->getResult(0), combines[i]),
                   gather->getResult(0));
    }
  return found;
}

/// Finds the gates of the TopK values `weights`, or else of the values
/// renormalized over the k (then `weights` becomes those and `normalize`
/// is set).
void findRoutingGates(const TopK &topk, Value &weights, bool &normalize,
                      MutableArrayRef<Value> gates) {
  if (findGates(weights, topk, gates) != 0)
    return;
  for (Operation *user : weights.getUsers()) {
    if (user->getNumResults() != 1)
      continue;
    Value normalized = user->getResult(0);
    if (matchRowNormalized(normalized) != weights) {
      for (Operation *next : normalized.getUsers())
        if (next->getNumResults() == 1 &&
            matchRowNormalized(next->getResult(0)) == weights)
          normalized = next->getResult(0);
    }
    if (matchRowNormalized(normalized) == weights &&
        findGates(normalized, topk, gates) > 0) {
      weights = normalized;
      normalize = true;
      return;
    }
  }
}

/// For each expert e, the product gate_e * output_e (`terms[e]`) and the
/// output it scales (`outputs[e]`).
LogicalResult findWeightedOutputs(ArrayRef<Value> gates,
                                  MutableArrayRef<Value> terms,
                                  MutableArrayRef<Value> outputs,
                                  std::string &why) {
  for (auto [e, gate] : llvm::enumerate(gates)) {
    // The gate, perhaps reshaped ([..., 1] from combine[..., e]).
    SmallVector<Value> uses = {gate};
    for (size_t i = 0; i < uses.size() && i < 8; ++i)
      for (Operation *user : uses[i].getUsers())
        if (isa<tosa::ReshapeOp>(user))
          uses.push_back(user->getResult(0));
    for (Value g : uses)
      for (Operation *user : g.getUsers()) {
        auto mul = dyn_cast<tosa::MulOp>(user);
        if (!mul)
          continue;
        terms[e] = mul.getResult();
        outputs[e] = mul.getInput1() == g ? mul.getInput2() : mul.getInput1();
      }
    if (!terms[e]) {
      why = llvm::formatv("expert {0}'s routing weight does not scale an "
                          "output",
                          e);
      return failure();
    }
  }
  return success();
}

/// The sum of the weighted outputs `terms`: the first add up from the last
/// expert's term whose tree holds every term (and nothing else but zeros),
/// each once.
FailureOr<Value> findTermSum(ArrayRef<Value> terms, std::string &why) {
  Value root = terms.back();
  SmallVector<Value> leaves, pure;
  auto onlyTerms = [&](ArrayRef<Value> values) {
    return llvm::all_of(values, [&](Value leaf) {
      return llvm::is_contained(terms, leaf) || isSplat(leaf, 0.0);
    });
  };
  while (true) {
    leaves.clear();
    addLeaves(root, true, leaves);
    if (onlyTerms(leaves))
      pure = leaves;
    if (llvm::all_of(terms,
                     [&](Value t) { return llvm::is_contained(leaves, t); }))
      break;
    Value up = sumUser(root);
    if (!up) {
      std::string missing;
      for (auto [e, term] : llvm::enumerate(terms))
        if (!llvm::is_contained(pure, term))
          missing += (missing.empty() ? "" : ", ") + std::to_string(e);
      why = "the sum of the experts' weighted outputs misses expert(s) " +
            missing;
      return failure();
    }
    root = up;
  }
  if (!onlyTerms(leaves)) {
    why = "the experts' weighted outputs are summed with something else";
    return failure();
  }
  for (auto [e, term] : llvm::enumerate(terms))
    if (llvm::count(leaves, term) != 1) {
      why = llvm::formatv("expert {0}'s weighted output is summed twice", e);
      return failure();
    }
  return root;
}

/// The experts behind `outputs`, checked to be one layer: one input, one
/// activation, equal shapes, tokens [T, D] or [B, S, D] in f32 like the
/// sum `root` and with logits of the same leading shape.
FailureOr<SmallVector<Expert>> matchExperts(ArrayRef<Value> outputs, Value root,
                                            Value logits, std::string &why) {
  SmallVector<Expert> experts;
  for (auto [e, output] : llvm::enumerate(outputs)) {
    std::string expertWhy;
    FailureOr<Expert> expert = matchExpert(output, expertWhy);
    if (failed(expert)) {
      why = llvm::formatv("expert {0}: {1}", e, expertWhy);
      return failure();
    }
    experts.push_back(*expert);
  }
  const Expert &first = experts.front();
  Value input = first.fc1.input;
  auto rootType = cast<RankedTensorType>(root.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  auto logitsType = cast<RankedTensorType>(logits.getType());
  for (const Expert &expert : experts) {
    // x[None, tok].reshape(-1, D) per expert (Mixtral): reshapes of one
    // value to one type are that value.
    if (expert.fc1.input != input &&
        (expert.fc1.input.getType() != input.getType() ||
         skipReshapes(expert.fc1.input) != skipReshapes(input))) {
      why = "the experts do not share one input";
      return failure();
    }
    if (expert.activation != first.activation) {
      why = "the experts' activations differ";
      return failure();
    }
    if (expert.fc1.weight.getType() != first.fc1.weight.getType() ||
        expert.fc2.weight.getType() != first.fc2.weight.getType() ||
        expert.fc1.outIn != first.fc1.outIn ||
        expert.fc2.outIn != first.fc2.outIn ||
        bool(expert.fc1.bias) != bool(first.fc1.bias) ||
        bool(expert.fc2.bias) != bool(first.fc2.bias)) {
      why = "the experts' shapes differ";
      return failure();
    }
  }
  if (rootType != inputType || logitsType.getRank() != inputType.getRank() ||
      logitsType.getShape().drop_back() != inputType.getShape().drop_back() ||
      (inputType.getRank() != 2 && inputType.getRank() != 3) ||
      !logitsType.getElementType().isF32() ||
      !inputType.getElementType().isF32()) {
    why = "the layer's shapes are not [T, D] or [B, S, D] tokens in f32";
    return failure();
  }
  return experts;
}

/// Replaces `root` by one m3sat.moe_ffn of `experts` (their weights stacked
/// into constants named after `base`) routed by top-`k` of `logits`.
LogicalResult createMoEFFN(Value root, Value logits, ArrayRef<Expert> experts,
                           int64_t k, bool normalize, StringRef base,
                           std::string &why) {
  const Expert &first = experts.front();
  OpBuilder builder(root.getDefiningOp());
  Location loc = root.getLoc();
  auto collect = [&](auto get) {
    SmallVector<ElementsAttr> attrs;
    for (const Expert &expert : experts)
      attrs.push_back(get(expert));
    return attrs;
  };
  FailureOr<Value> fc1 = stackConstants(
      builder, loc, collect([](const Expert &x) { return x.fc1.weight; }),
      /*transpose=*/!first.fc1.outIn, (base + "_fc1").str());
  FailureOr<Value> fc2 = stackConstants(
      builder, loc, collect([](const Expert &x) { return x.fc2.weight; }),
      /*transpose=*/!first.fc2.outIn, (base + "_fc2").str());
  FailureOr<Value> b1 = failure(), b2 = failure();
  if (first.fc1.bias)
    b1 = stackConstants(builder, loc,
                        collect([](const Expert &x) { return x.fc1.bias; }),
                        false, (base + "_fc1_bias").str());
  if (first.fc2.bias)
    b2 = stackConstants(builder, loc,
                        collect([](const Expert &x) { return x.fc2.bias; }),
                        false, (base + "_fc2_bias").str());
  if (failed(fc1) || failed(fc2) || (first.fc1.bias && failed(b1)) ||
      (first.fc2.bias && failed(b2))) {
    why = "the expert weights' element type is not supported";
    return failure();
  }
  auto moe = MoEFFNOp::create(
      builder, loc, root.getType(), first.fc1.input, logits, *fc1,
      first.fc1.bias ? *b1 : Value(), *fc2, first.fc2.bias ? *b2 : Value(),
      builder.getI64IntegerAttr(k),
      ActivationAttr::get(builder.getContext(), first.activation),
      normalize ? builder.getUnitAttr() : UnitAttr(), ExpertSetAttr(),
      UnitAttr(), FloatAttr(), FloatAttr(), FloatAttr());
  root.replaceAllUsesWith(moe.getResult());
  return success();
}

struct RaiseMoEPass : m3sat::impl::RaiseMoEBase<RaiseMoEPass> {
  using RaiseMoEBase::RaiseMoEBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Attribute> log;
    unsigned index = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      // Candidates: every TopK whose indices are compared with an expert id.
      SmallVector<TopK> candidates;
      // (An expert id test, a one-hot or a scatter by the indices.)
      func.walk([&](Operation *op) {
        if (!isa<tosa::ConcatOp, tosa::ReshapeOp, tosa::SliceOp>(op))
          return;
        Value indices = op->getResult(0);
        if (!isa<IntegerType>(getElementTypeOrSelf(indices.getType())) ||
            llvm::any_of(candidates,
                         [&](const TopK &t) { return t.indices == indices; }) ||
            !usedAsExpertIds(indices))
          return;
        if (std::optional<TopK> topk = matchTopKIndices(indices))
          candidates.push_back(*topk);
      });
      for (TopK &topk : candidates) {
        std::string name = moeLayerName(topk.anchor, index++);
        std::string why;
        std::string what = raise(topk, why);
        NamedAttrList entry;
        entry.append("layer", StringAttr::get(&getContext(), name));
        if (what.empty()) {
          entry.append("reason", StringAttr::get(&getContext(), why));
        } else {
          entry.append("raised", StringAttr::get(&getContext(), what));
          ++numRaised;
        }
        log.push_back(entry.getDictionary(&getContext()));
      }
    }
    if (!log.empty())
      module->setAttr(kRaiseMoELogAttr, ArrayAttr::get(&getContext(), log));
  }

  /// Raises the layer around `topk`: returns what it became, or "" with
  /// `why` saying why not.
  std::string raise(TopK &topk, std::string &why) {
    auto probsType = cast<RankedTensorType>(topk.probs.getType());
    int64_t numExperts = probsType.getShape().back();
    Value logits = matchSoftmax(topk.probs);
    if (!logits) {
      why = "the top-k is not taken of a softmax over the experts";
      return "";
    }
    // The weights: the TopK values, perhaps renormalized over the k.
    Value weights = findTopKWeights(topk);
    if (!weights) {
      why = "the top-k values are not found";
      return "";
    }
    // Gates: the users of the indices that mask the weights to one expert.
    SmallVector<Value> gates(numExperts);
    bool normalize = false;
    findRoutingGates(topk, weights, normalize, gates);
    int64_t numGates = llvm::count_if(gates, [](Value g) { return bool(g); });
    if (numGates == 0) {
      why = "no expert's output is weighted by its top-k weight";
      return "";
    }
    if (numGates != numExperts) {
      why = llvm::formatv("{0} of the {1} experts have a routing weight",
                          numGates, numExperts);
      return "";
    }
    // Terms: gate_e * expert_e(x), all summed into one value.
    SmallVector<Value> terms(numExperts), outputs(numExperts);
    if (failed(findWeightedOutputs(gates, terms, outputs, why)))
      return "";
    FailureOr<Value> root = findTermSum(terms, why);
    if (failed(root))
      return "";
    FailureOr<SmallVector<Expert>> experts =
        matchExperts(outputs, *root, logits, why);
    if (failed(experts))
      return "";
    std::string base = "raised_moe_" + std::to_string(numRaised.getValue());
    if (failed(createMoEFFN(*root, logits, *experts, topk.k, normalize, base,
                            why)))
      return "";
    const Expert &first = experts->front();
    return llvm::formatv("m3sat.moe_ffn: {0} experts, top-{1}{2}, hidden {3}, "
                         "{4}",
                         numExperts, topk.k, normalize ? " renormalized" : "",
                         first.fc1.out, stringifyActivation(first.activation))
        .str();
  }
};

} // namespace

void m3sat::printRaiseMoELog(ModuleOp module, llvm::raw_ostream &os,
                             StringRef prefix) {
  auto log = module->getAttrOfType<ArrayAttr>(kRaiseMoELogAttr);
  if (!log)
    return;
  for (auto entry : log.getAsRange<DictionaryAttr>()) {
    auto layer = entry.getAs<StringAttr>("layer");
    if (auto raised = entry.getAs<StringAttr>("raised"))
      os << prefix << "raised MoE layer " << layer.getValue() << " to "
         << raised.getValue() << "\n";
    else if (auto reason = entry.getAs<StringAttr>("reason"))
      os << prefix << "MoE candidate " << layer.getValue()
         << " not raised: " << reason.getValue() << "\n";
  }
}

llvm::json::Array m3sat::raiseMoELogJSON(ModuleOp module) {
  llvm::json::Array layers;
  auto log = module->getAttrOfType<ArrayAttr>(kRaiseMoELogAttr);
  if (!log)
    return layers;
  for (auto entry : log.getAsRange<DictionaryAttr>()) {
    llvm::json::Object layer{
        {"layer", entry.getAs<StringAttr>("layer").getValue()}};
    if (auto raised = entry.getAs<StringAttr>("raised")) {
      layer["raised"] = true;
      layer["as"] = raised.getValue();
    } else if (auto reason = entry.getAs<StringAttr>("reason")) {
      layer["raised"] = false;
      layer["reason"] = reason.getValue();
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}
