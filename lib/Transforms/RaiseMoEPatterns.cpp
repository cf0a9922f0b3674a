//===- RaiseMoEPatterns.cpp - matchers of m3sat-raise-moe -----------------===//
//
// Matchers over the ONNX importer's tosa/linalg forms that m3sat-raise-moe
// builds its MoE layers from: constants, casts, the scatters of
// ScatterElements/ScatterND, the one-hot masks of OneHot, the routing
// weights of one expert or of all, and the sums of weighted outputs.
//
//===----------------------------------------------------------------------===//

#include "RaiseMoEPatterns.h"

#include "m3sat/Transforms/ExpertSelection.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace m3sat;

namespace m3sat::raise_moe {

//===----------------------------------------------------------------------===//
// Constants and casts
//===----------------------------------------------------------------------===//

Value skipReshapes(Value v) {
  while (auto reshape = v.getDefiningOp<tosa::ReshapeOp>())
    v = reshape.getInput1();
  return v;
}

ElementsAttr constantOf(Value v) {
  ElementsAttr attr;
  if (matchPattern(skipReshapes(v), m_Constant(&attr)))
    return attr;
  return {};
}

std::optional<double> splatFloat(Value v) {
  ElementsAttr attr = constantOf(v);
  if (!attr)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (dense && dense.isSplat() && isa<FloatType>(dense.getElementType()))
    return dense.getSplatValue<APFloat>().convertToDouble();
  // A resource blob (torch folds zeros_like into one) whose f32 elements
  // are all alike.
  if (!cast<ShapedType>(attr.getType()).getElementType().isF32() ||
      attr.getNumElements() == 0)
    return std::nullopt;
  SmallVector<char> storage;
  FailureOr<ArrayRef<char>> bytes = constantBytes(attr, storage);
  if (failed(bytes))
    return std::nullopt;
  float first;
  std::memcpy(&first, bytes->data(), sizeof(float));
  for (size_t i = sizeof(float); i < bytes->size(); i += sizeof(float))
    if (std::memcmp(bytes->data() + i, bytes->data(), sizeof(float)))
      return std::nullopt;
  return first;
}

std::optional<int64_t> splatInt(Value v) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(constantOf(v));
  if (!dense || !dense.isSplat() || !isa<IntegerType>(dense.getElementType()))
    return std::nullopt;
  return dense.getSplatValue<APInt>().getSExtValue();
}

std::optional<SmallVector<int64_t>> constantInts(Value v) {
  v = skipReshapes(v);
  // A static slice of a constant (OneHot's off and on values).
  if (auto slice = v.getDefiningOp<tosa::SliceOp>()) {
    SmallVector<int64_t> start, size;
    std::optional<SmallVector<int64_t>> all = constantInts(slice.getInput1());
    auto type = cast<RankedTensorType>(slice.getInput1().getType());
    if (!all || type.getRank() != 1 ||
        !tosa::getConstShapeValues(slice.getStart().getDefiningOp(), start) ||
        !tosa::getConstShapeValues(slice.getSize().getDefiningOp(), size) ||
        start.size() != 1 || size.size() != 1 || start[0] < 0 || size[0] < 0 ||
        start[0] + size[0] > type.getDimSize(0))
      return std::nullopt;
    return SmallVector<int64_t>(ArrayRef(*all).slice(start[0], size[0]));
  }
  ElementsAttr attr = constantOf(v);
  if (!attr)
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  auto intType = dyn_cast<IntegerType>(type.getElementType());
  if (!intType)
    return std::nullopt;
  SmallVector<int64_t> values;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    for (const APInt &value : dense.getValues<APInt>())
      values.push_back(value.getSExtValue());
    return values;
  }
  unsigned width = intType.getWidth();
  if (width != 32 && width != 64)
    return std::nullopt;
  SmallVector<char> storage;
  FailureOr<ArrayRef<char>> bytes = constantBytes(attr, storage);
  if (failed(bytes))
    return std::nullopt;
  for (size_t i = 0; i + width / 8 <= bytes->size(); i += width / 8) {
    if (width == 64) {
      int64_t value;
      std::memcpy(&value, bytes->data() + i, sizeof(value));
      values.push_back(value);
    } else {
      int32_t value;
      std::memcpy(&value, bytes->data() + i, sizeof(value));
      values.push_back(value);
    }
  }
  if (static_cast<int64_t>(values.size()) != type.getNumElements())
    return std::nullopt;
  return values;
}

bool isSplat(Value v, double value) {
  std::optional<double> splat = splatFloat(v);
  if (!splat)
    return false;
  if (std::isinf(value))
    return *splat == value;
  return std::abs(*splat - value) <= 1e-6 * std::abs(value) + 1e-12;
}

bool isScalar(Value v, double value) {
  if (std::optional<SmallVector<int64_t>> ints = constantInts(v))
    return !ints->empty() &&
           llvm::all_of(*ints, [&](int64_t i) { return i == value; });
  return isSplat(v, value);
}

int64_t lastAxis(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank() - 1;
}

Value skipCasts(Value v) {
  while (true) {
    if (auto cast = v.getDefiningOp<tosa::CastOp>()) {
      v = cast.getInput();
      continue;
    }
    std::optional<SmallVector<Value>> inputs;
    if (!(inputs = elementwiseGeneric<arith::UIToFPOp>(v)) &&
        !(inputs = elementwiseGeneric<arith::SIToFPOp>(v)) &&
        !(inputs = elementwiseGeneric<arith::ExtUIOp>(v)) &&
        !(inputs = elementwiseGeneric<arith::ExtSIOp>(v)))
      return v;
    v = (*inputs)[0];
  }
}

//===----------------------------------------------------------------------===//
// Scatters
//===----------------------------------------------------------------------===//

namespace {

/// A constant of type index in a scatter's body.
std::optional<int64_t> indexConstant(Value v) {
  return getConstantIntValue(OpFoldResult(v));
}

/// `linalg.index d`: returns d.
std::optional<int64_t> loopIndex(Value v) {
  if (auto index = v.getDefiningOp<linalg::IndexOp>())
    return index.getDim();
  return std::nullopt;
}

/// The importer's wrapIndex(index_cast(tensor.extract), size): clamp(i < 0 ?
/// i + size : i, 0, size - 1). Returns the extract.
tensor::ExtractOp wrappedExtract(Value v, int64_t size) {
  auto min = v.getDefiningOp<arith::MinSIOp>();
  if (!min || indexConstant(min.getRhs()) != size - 1)
    return {};
  auto max = min.getLhs().getDefiningOp<arith::MaxSIOp>();
  if (!max || indexConstant(max.getRhs()) != 0)
    return {};
  auto select = max.getLhs().getDefiningOp<arith::SelectOp>();
  if (!select)
    return {};
  auto cast = select.getFalseValue().getDefiningOp<arith::IndexCastOp>();
  auto wrapped = select.getTrueValue().getDefiningOp<arith::AddIOp>();
  auto negative = select.getCondition().getDefiningOp<arith::CmpIOp>();
  if (!cast || !wrapped || !negative ||
      wrapped.getLhs() != select.getFalseValue() ||
      indexConstant(wrapped.getRhs()) != size ||
      negative.getPredicate() != arith::CmpIPredicate::slt ||
      negative.getLhs() != select.getFalseValue() ||
      indexConstant(negative.getRhs()) != 0)
    return {};
  return cast.getIn().getDefiningOp<tensor::ExtractOp>();
}

void conjuncts(Value v, SmallVectorImpl<Value> &terms) {
  if (auto andOp = v.getDefiningOp<arith::AndIOp>()) {
    conjuncts(andOp.getLhs(), terms);
    conjuncts(andOp.getRhs(), terms);
    return;
  }
  terms.push_back(v);
}

} // namespace

std::optional<Scatter> matchScatter(Value v) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1)
    return std::nullopt;
  Scatter scatter;
  scatter.updates = generic.getDpsInputs()[0];
  scatter.data = generic.getDpsInits()[0];
  auto dataType = dyn_cast<RankedTensorType>(scatter.data.getType());
  auto updatesType = dyn_cast<RankedTensorType>(scatter.updates.getType());
  if (!dataType || !updatesType || !dataType.hasStaticShape() ||
      !updatesType.hasStaticShape())
    return std::nullopt;
  int64_t r = dataType.getRank(), u = updatesType.getRank();
  // Loops: the data's r (parallel), then the updates' u (reduction).
  if (generic.getNumLoops() != static_cast<unsigned>(r + u) ||
      generic.getNumParallelLoops() != static_cast<unsigned>(r))
    return std::nullopt;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  MLIRContext *context = v.getContext();
  for (int64_t d = 0; d < r + u; ++d)
    if ((d < r) !=
        (generic.getIteratorTypesArray()[d] == utils::IteratorType::parallel))
      return std::nullopt;
  SmallVector<AffineExpr> updateExprs, dataExprs;
  for (int64_t d = 0; d < u; ++d)
    updateExprs.push_back(getAffineDimExpr(r + d, context));
  for (int64_t d = 0; d < r; ++d)
    dataExprs.push_back(getAffineDimExpr(d, context));
  if (maps[0] != AffineMap::get(r + u, 0, updateExprs, context) ||
      maps[1] != AffineMap::get(r + u, 0, dataExprs, context))
    return std::nullopt;
  // Body: yield (hit ? combine(out, in) : out).
  Block &body = generic.getRegion().front();
  Value in = body.getArgument(0), out = body.getArgument(1);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto select = yield.getOperand(0).getDefiningOp<arith::SelectOp>();
  if (!select || select.getFalseValue() != out)
    return std::nullopt;
  Value combined = select.getTrueValue();
  if (auto addf = combined.getDefiningOp<arith::AddFOp>()) {
    if (!((addf.getLhs() == out && addf.getRhs() == in) ||
          (addf.getLhs() == in && addf.getRhs() == out)))
      return std::nullopt;
    scatter.add = true;
  } else if (combined != in) {
    return std::nullopt;
  }
  // hit: a conjunction of (index == data dim) and (updates dim == data dim).
  SmallVector<Value> terms;
  conjuncts(select.getCondition(), terms);
  // Per data dim: the updates dim it equals, or the index component.
  SmallVector<int64_t> sameAs(r, -1);
  SmallVector<tensor::ExtractOp> extracts(r);
  for (Value term : terms) {
    auto cmp = term.getDefiningOp<arith::CmpIOp>();
    if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
      return std::nullopt;
    bool matched = false;
    for (auto [a, b] : {std::pair(cmp.getLhs(), cmp.getRhs()),
                        std::pair(cmp.getRhs(), cmp.getLhs())}) {
      std::optional<int64_t> dataDim = loopIndex(b);
      if (!dataDim || *dataDim >= r)
        continue;
      if (std::optional<int64_t> updateDim = loopIndex(a);
          updateDim && *updateDim >= r && sameAs[*dataDim] < 0 &&
          !extracts[*dataDim]) {
        sameAs[*dataDim] = *updateDim - r;
        matched = true;
        break;
      }
      if (auto extract = wrappedExtract(a, dataType.getDimSize(*dataDim));
          extract && sameAs[*dataDim] < 0 && !extracts[*dataDim]) {
        extracts[*dataDim] = extract;
        matched = true;
        break;
      }
    }
    if (!matched)
      return std::nullopt;
  }
  // Every data dim is constrained; the extracts read one index tensor.
  SmallVector<int64_t> indexed;
  for (int64_t d = 0; d < r; ++d) {
    if (extracts[d]) {
      indexed.push_back(d);
      if (scatter.indices && extracts[d].getTensor() != scatter.indices)
        return std::nullopt;
      scatter.indices = extracts[d].getTensor();
    } else if (sameAs[d] < 0) {
      return std::nullopt;
    }
  }
  if (indexed.empty())
    return std::nullopt;
  auto indicesType = cast<RankedTensorType>(scatter.indices.getType());
  // ScatterElements: data[.., indices[i], ..] at updates[i]; the other
  // dims equal.
  auto isElements = [&] {
    if (indexed.size() != 1 || indicesType.getRank() != u || u != r)
      return false;
    int64_t a = indexed.front();
    for (int64_t d = 0; d < r; ++d)
      if (d != a && sameAs[d] != d)
        return false;
    auto at = extracts[a].getIndices();
    for (int64_t d = 0; d < u; ++d)
      if (loopIndex(at[d]) != r + d)
        return false;
    return true;
  };
  if (isElements()) {
    scatter.axis = indexed.front();
    return scatter;
  }
  // ScatterND: indices [i..., k] address data dims 0..k-1; updates dims are
  // (i..., data dims k..r-1).
  int64_t k = indexed.size();
  int64_t q = indicesType.getRank();
  if (q < 1 || indicesType.getDimSize(q - 1) != k || u != q - 1 + r - k)
    return std::nullopt;
  for (int64_t t = 0; t < k; ++t) {
    if (indexed[t] != t)
      return std::nullopt;
    auto at = extracts[t].getIndices();
    if (static_cast<int64_t>(at.size()) != q)
      return std::nullopt;
    for (int64_t d = 0; d < q - 1; ++d)
      if (loopIndex(at[d]) != r + d)
        return std::nullopt;
    if (indexConstant(at[q - 1]) != t)
      return std::nullopt;
  }
  for (int64_t d = k; d < r; ++d)
    if (sameAs[d] != q - 1 + d - k)
      return std::nullopt;
  scatter.nd = true;
  scatter.axis = k;
  return scatter;
}

bool isIdentityScatter(const Scatter &scatter) {
  auto dataType = cast<RankedTensorType>(scatter.data.getType());
  auto updatesType = cast<RankedTensorType>(scatter.updates.getType());
  auto indicesType = cast<RankedTensorType>(scatter.indices.getType());
  if (dataType.getShape() != updatesType.getShape())
    return false;
  std::optional<SmallVector<int64_t>> indices = constantInts(scatter.indices);
  if (!indices)
    return false;
  ArrayRef<int64_t> shape = dataType.getShape();
  int64_t rank = shape.size();
  if (!scatter.nd) {
    // indices[..., i_axis, ...] == i_axis everywhere.
    if (indicesType.getShape() != shape)
      return false;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d > scatter.axis; --d)
      stride *= shape[d];
    for (auto [i, value] : llvm::enumerate(*indices))
      if (value != static_cast<int64_t>(i) / stride % shape[scatter.axis])
        return false;
    return true;
  }
  // indices[i0, .., ik-1] == (i0, .., ik-1).
  int64_t k = scatter.axis;
  SmallVector<int64_t> expected(shape.take_front(k));
  expected.push_back(k);
  if (indicesType.getShape() != ArrayRef<int64_t>(expected))
    return false;
  int64_t rows = indices->size() / k;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rest = row;
    for (int64_t t = k - 1; t >= 0; --t) {
      if ((*indices)[row * k + t] != rest % shape[t])
        return false;
      rest /= shape[t];
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// One-hot masks
//===----------------------------------------------------------------------===//

std::optional<int64_t> hotAxis(Value h, Value indices) {
  h = skipCasts(h);
  auto indicesType = cast<RankedTensorType>(indices.getType());
  if (auto transpose = h.getDefiningOp<tosa::TransposeOp>()) {
    std::optional<int64_t> axis = hotAxis(transpose.getInput1(), indices);
    if (!axis)
      return std::nullopt;
    ArrayRef<int32_t> perms = transpose.getPerms();
    std::optional<int64_t> moved;
    int32_t previous = -1;
    for (auto [j, p] : llvm::enumerate(perms)) {
      if (p == *axis) {
        moved = j;
        continue;
      }
      // The other axes keep their order.
      if (p < previous)
        return std::nullopt;
      previous = p;
    }
    return moved;
  }
  // OneHot's values: select(hot, on, off) with on = 1, off = 0.
  if (auto select = h.getDefiningOp<tosa::SelectOp>()) {
    if (isScalar(select.getInput2(), 1.0) && isScalar(select.getInput3(), 0.0))
      return hotAxis(select.getInput1(), indices);
    return std::nullopt;
  }
  auto equal = h.getDefiningOp<tosa::EqualOp>();
  if (!equal)
    return std::nullopt;
  auto type = cast<RankedTensorType>(h.getType());
  for (auto [a, iota] : {std::pair(equal.getInput1(), equal.getInput2()),
                         std::pair(equal.getInput2(), equal.getInput1())}) {
    // iota: 0..E-1 along one axis, ones elsewhere.
    auto iotaType = cast<RankedTensorType>(iota.getType());
    std::optional<SmallVector<int64_t>> values = constantInts(iota);
    if (!values || iotaType.getRank() != type.getRank())
      continue;
    std::optional<int64_t> axis;
    for (int64_t d = 0; d < iotaType.getRank(); ++d)
      if (iotaType.getDimSize(d) != 1)
        axis = axis ? -1 : d;
    if (!axis || *axis < 0 || iotaType.getDimSize(*axis) < 2 ||
        type.getDimSize(*axis) != iotaType.getDimSize(*axis))
      continue;
    if (llvm::any_of(llvm::enumerate(*values), [](auto pair) {
          return pair.value() != static_cast<int64_t>(pair.index());
        }))
      continue;
    // a: the indices with a unit class axis, negative ones wrapped
    // (select(0 > i, i + E, i)) or not.
    if (auto wrap = a.getDefiningOp<tosa::SelectOp>()) {
      auto negative = wrap.getInput1().getDefiningOp<tosa::GreaterOp>();
      auto plus = wrap.getInput2().getDefiningOp<tosa::AddOp>();
      if (negative && plus && negative.getInput2() == wrap.getInput3() &&
          isScalar(negative.getInput1(), 0) &&
          plus.getInput1() == wrap.getInput3() &&
          isScalar(plus.getInput2(), iotaType.getDimSize(*axis)))
        a = wrap.getInput3();
    }
    auto aType = cast<RankedTensorType>(a.getType());
    SmallVector<int64_t> expected(indicesType.getShape());
    expected.insert(expected.begin() + *axis, 1);
    if (aType.getShape() != ArrayRef(expected))
      continue;
    for (Value v = a; v;) {
      if (v == indices)
        return axis;
      auto reshape = v.getDefiningOp<tosa::ReshapeOp>();
      v = reshape ? reshape.getInput1() : Value();
    }
  }
  return std::nullopt;
}

std::optional<int64_t> expertOfMask(Value mask, Value indices) {
  mask = skipCasts(mask);
  auto indicesType = cast<RankedTensorType>(indices.getType());
  if (auto equal = mask.getDefiningOp<tosa::EqualOp>()) {
    if (equal.getInput1() == indices)
      return splatInt(equal.getInput2());
    if (equal.getInput2() == indices)
      return splatInt(equal.getInput1());
  }
  // One expert's slice of a one-hot tensor, reshaped to the indices' shape.
  if (cast<RankedTensorType>(mask.getType()).getShape() !=
      indicesType.getShape())
    return std::nullopt;
  Value picked = mask;
  if (auto reshape = picked.getDefiningOp<tosa::ReshapeOp>())
    picked = reshape.getInput1();
  picked = skipCasts(picked);
  // hot[e] (Gather along axis 0 with a constant index, as the importer
  // writes it: tosa.gather of [1, E, rest] at [[e]]).
  if (auto gather = picked.getDefiningOp<tosa::GatherOp>()) {
    std::optional<SmallVector<int64_t>> at = constantInts(gather.getIndices());
    auto valuesType = cast<RankedTensorType>(gather.getValues().getType());
    auto reshape = gather.getValues().getDefiningOp<tosa::ReshapeOp>();
    if (!at || at->size() != 1 || !reshape || valuesType.getDimSize(0) != 1)
      return std::nullopt;
    Value hot = reshape.getInput1();
    auto hotType = cast<RankedTensorType>(hot.getType());
    if (hotType.getRank() < 1 ||
        hotType.getDimSize(0) != valuesType.getDimSize(1))
      return std::nullopt;
    if (hotAxis(hot, indices) != 0)
      return std::nullopt;
    return at->front();
  }
  // hot[..., e:e+1, ...] along the class axis.
  if (auto slice = picked.getDefiningOp<tosa::SliceOp>()) {
    SmallVector<int64_t> start, size;
    Value hot = slice.getInput1();
    auto hotType = cast<RankedTensorType>(hot.getType());
    std::optional<int64_t> axis = hotAxis(hot, indices);
    if (!axis ||
        !tosa::getConstShapeValues(slice.getStart().getDefiningOp(), start) ||
        !tosa::getConstShapeValues(slice.getSize().getDefiningOp(), size))
      return std::nullopt;
    for (int64_t d = 0; d < hotType.getRank(); ++d)
      if (d != *axis && (start[d] != 0 || size[d] != hotType.getDimSize(d)))
        return std::nullopt;
    if (size[*axis] != 1)
      return std::nullopt;
    return start[*axis];
  }
  return std::nullopt;
}

bool usedAsExpertIds(Value indices) {
  SmallVector<Value> reach = {indices};
  for (size_t i = 0; i < reach.size() && i < 16; ++i)
    for (Operation *user : reach[i].getUsers()) {
      if (isa<tensor::ExtractOp>(user))
        return true;
      if (auto equal = dyn_cast<tosa::EqualOp>(user)) {
        Value other = equal.getInput1() == reach[i] ? equal.getInput2()
                                                    : equal.getInput1();
        // indices == e, or a one-hot (the indices with a class axis added:
        // TopK's own masks compare its parts, of the indices' rank).
        if (splatInt(other) ||
            (constantInts(other) &&
             cast<RankedTensorType>(reach[i].getType()).getRank() ==
                 cast<RankedTensorType>(indices.getType()).getRank() + 1))
          return true;
      }
      if (isa<tosa::ReshapeOp, tosa::SelectOp, tosa::AddOp, tosa::GreaterOp>(
              user))
        reach.push_back(user->getResult(0));
    }
  return false;
}

//===----------------------------------------------------------------------===//
// Routing weights and sums
//===----------------------------------------------------------------------===//

/// `g` = the routing weight of expert e for each token: the top-k weights
/// masked to e and summed over k (w * (idx == e), where(idx == e, w, 0), or
/// w times expert e's one-hot mask). Returns e.
std::optional<int64_t> matchExpertGate(Value g, Value weights, Value indices) {
  auto sum = skipReshapes(g).getDefiningOp<tosa::ReduceSumOp>();
  if (!sum || static_cast<int64_t>(sum.getAxis()) != lastAxis(weights))
    return std::nullopt;
  Value masked = sum.getInput();
  if (auto select = masked.getDefiningOp<tosa::SelectOp>()) {
    if (select.getInput2() == weights && isSplat(select.getInput3(), 0.0))
      return expertOfMask(select.getInput1(), indices);
    return std::nullopt;
  }
  auto mul = masked.getDefiningOp<tosa::MulOp>();
  if (!mul)
    return std::nullopt;
  for (auto [w, m] : {std::pair(mul.getInput1(), mul.getInput2()),
                      std::pair(mul.getInput2(), mul.getInput1())})
    if (w == weights)
      if (std::optional<int64_t> e = expertOfMask(m, indices))
        return e;
  return std::nullopt;
}

/// `combine` = zeros.scatter(-1, idx, w) (or scatter_add): the routing
/// weights of all experts, one column each.
bool isCombineScatter(Value combine, Value weights, Value indices) {
  std::optional<Scatter> scatter = matchScatter(combine);
  return scatter && !scatter->nd && scatter->indices == indices &&
         scatter->updates == weights &&
         scatter->axis == lastAxis(scatter->data) &&
         isSplat(scatter->data, 0.0);
}

/// `combine` = (w.unsqueeze(-1) * F.one_hot(idx, E)).sum(-2), perhaps
/// reshaped: the routing weights of all experts, one column each.
bool isOneHotCombine(Value combine, Value weights, Value indices) {
  auto sum = skipReshapes(combine).getDefiningOp<tosa::ReduceSumOp>();
  auto weightsType = cast<RankedTensorType>(weights.getType());
  int64_t rank = weightsType.getRank();
  if (!sum || static_cast<int64_t>(sum.getAxis()) != rank - 1)
    return false;
  auto mul = sum.getInput().getDefiningOp<tosa::MulOp>();
  if (!mul)
    return false;
  SmallVector<int64_t> unsqueezed(weightsType.getShape());
  unsqueezed.push_back(1);
  for (auto [w, hot] : {std::pair(mul.getInput1(), mul.getInput2()),
                        std::pair(mul.getInput2(), mul.getInput1())}) {
    auto reshape = w.getDefiningOp<tosa::ReshapeOp>();
    if (reshape && reshape.getInput1() == weights &&
        cast<RankedTensorType>(w.getType()).getShape() ==
            ArrayRef(unsqueezed) &&
        hotAxis(hot, indices) == rank)
      return true;
  }
  return false;
}

/// `g` = column e of a combine (combine[..., e:e+1], or combine[..., e] as
/// the importer writes Gather along the last axis: tosa.gather of
/// [N, E, 1] at e): returns e.
std::optional<int64_t> matchCombineColumn(Value g, Value combine) {
  auto type = cast<RankedTensorType>(combine.getType());
  int64_t numExperts = type.getShape().back();
  if (auto gather = g.getDefiningOp<tosa::GatherOp>()) {
    auto values = gather.getValues().getDefiningOp<tosa::ReshapeOp>();
    auto valuesType = cast<RankedTensorType>(gather.getValues().getType());
    std::optional<SmallVector<int64_t>> at = constantInts(gather.getIndices());
    if (!values || values.getInput1() != combine ||
        valuesType.getDimSize(1) != numExperts ||
        valuesType.getDimSize(2) != 1 || !at ||
        static_cast<int64_t>(at->size()) != valuesType.getDimSize(0) ||
        !llvm::all_equal(*at))
      return std::nullopt;
    return at->front();
  }
  auto slice = g.getDefiningOp<tosa::SliceOp>();
  SmallVector<int64_t> start, size;
  if (!slice || slice.getInput1() != combine ||
      !tosa::getConstShapeValues(slice.getStart().getDefiningOp(), start) ||
      !tosa::getConstShapeValues(slice.getSize().getDefiningOp(), size))
    return std::nullopt;
  int64_t last = type.getRank() - 1;
  for (int64_t d = 0; d < last; ++d)
    if (start[d] != 0 || size[d] != type.getDimSize(d))
      return std::nullopt;
  if (size[last] != 1)
    return std::nullopt;
  return start[last];
}

/// `v` as a sum of terms: a tosa.add (a + b), or a scatter that sends each
/// update to its own place (updates, or data + updates with reduction
/// add; torch's index_add_, scatter_add and index_put_(accumulate) over
/// arange(T)). Returns the summands.
SmallVector<Value, 2> summands(Value v) {
  if (auto add = v.getDefiningOp<tosa::AddOp>())
    return {add.getInput1(), add.getInput2()};
  if (std::optional<Scatter> scatter = matchScatter(v);
      scatter && isIdentityScatter(*scatter)) {
    if (scatter->add)
      return {scatter->data, scatter->updates};
    return {scatter->updates};
  }
  // A reshape to the same shape.
  if (auto reshape = v.getDefiningOp<tosa::ReshapeOp>())
    if (reshape.getInput1().getType() == v.getType())
      return {reshape.getInput1()};
  return {};
}

/// The only user of `v` that is not dead (the importer leaves dead ops
/// behind, e.g. the Slice whose Shape it folded), or null.
Operation *onlyLiveUser(Value v) {
  Operation *live = nullptr;
  for (Operation *user : v.getUsers()) {
    if (isOpTriviallyDead(user))
      continue;
    if (live && live != user)
      return nullptr;
    live = user;
  }
  return live;
}

} // namespace m3sat::raise_moe
