//===- IndexingOps.cpp - ONNX slicing, splitting and gathering ------------===//
//
// Converters of Slice, Split, Gather, OneHot, ArgMax, TopK and NonZero.
// Slices with unit steps become tosa.slice, strided ones
// tensor.extract_slice (negative steps reverse the axis first); Gather
// becomes tosa.gather on the data viewed as [outer, K, inner]. Known inputs
// fold; NonZero's only do (its output's shape depends on its input's
// values).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <limits>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

/// Elements of known `data` of `shape` at `start + i * step` per dimension.
static ConstData sliceKnown(const ConstData &data, ArrayRef<int64_t> shape,
                            ArrayRef<int64_t> start, ArrayRef<int64_t> step,
                            ArrayRef<int64_t> resultShape) {
  ConstData result;
  int64_t rank = shape.size();
  for (int64_t i = 0, e = numElements(resultShape); i < e; ++i) {
    int64_t linear = i, index = 0, stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t coord = linear % resultShape[d];
      linear /= resultShape[d];
      index += (start[d] + coord * step[d]) * stride;
      stride *= shape[d];
    }
    if (data.floats.empty())
      result.ints.push_back(data.ints[index]);
    else
      result.floats.push_back(data.floats[index]);
  }
  return result;
}

SequenceElement onnx_import::sliceElement(OpBuilder &b, Location loc,
                                          const SequenceElement &x,
                                          ArrayRef<int64_t> start,
                                          ArrayRef<int64_t> size,
                                          ArrayRef<int64_t> step) {
  RankedTensorType type = x.type;
  SequenceElement result;
  result.type = RankedTensorType::get(size, type.getElementType());
  if (x.known) {
    result.known = sliceKnown(*x.known, type.getShape(), start, step, size);
    return result;
  }
  if (result.type.getNumElements() == 0) {
    result.value = tensor::EmptyOp::create(b, loc, size, type.getElementType());
    return result;
  }
  Value value = x.value;
  SmallVector<int64_t> offsets(start), strides(step);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (step[d] > 0)
      continue;
    // A negative step walks the reversed axis forward.
    value = tosa::ReverseOp::create(b, loc, value.getType(), value,
                                    b.getI32IntegerAttr(d));
    offsets[d] = type.getDimSize(d) - 1 - start[d];
    strides[d] = -step[d];
  }
  if (type.getShape() == size) {
    result.value = value;
    return result;
  }
  if (llvm::all_of(strides, [](int64_t s) { return s == 1; })) {
    result.value = tosa::SliceOp::create(b, loc, result.type, value,
                                         createConstShape(b, loc, offsets),
                                         createConstShape(b, loc, size));
    return result;
  }
  auto toFoldResults = [&](ArrayRef<int64_t> values) {
    SmallVector<OpFoldResult> folded;
    for (int64_t v : values)
      folded.push_back(b.getIndexAttr(v));
    return folded;
  };
  result.value = tensor::ExtractSliceOp::create(
      b, loc, result.type, value, toFoldResults(offsets), toFoldResults(size),
      toFoldResults(strides));
  return result;
}

/// Slices `x` (input 0) into output `output` (per-dimension start, size,
/// step).
static void defineSlice(NodeContext &ctx, unsigned output,
                        const SequenceElement &x, ArrayRef<int64_t> start,
                        ArrayRef<int64_t> size, ArrayRef<int64_t> step) {
  ctx.setElementResult(
      output, sliceElement(ctx.builder(), ctx.loc(), x, start, size, step));
}

namespace {

/// `tosa.slice` of `value` along `axis`.
Value sliceAxis(OpBuilder &b, Location loc, Value value, int64_t axis,
                int64_t start, int64_t size) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), sizes(type.getShape());
  starts[axis] = start;
  sizes[axis] = size;
  return tosa::SliceOp::create(
      b, loc, RankedTensorType::get(sizes, type.getElementType()), value,
      createConstShape(b, loc, starts), createConstShape(b, loc, sizes));
}

LogicalResult convertSlice(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  int64_t rank = type.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    starts = ctx.intsAttr("starts", {});
    ends = ctx.intsAttr("ends", {});
    axes = ctx.intsAttr("axes", {});
  } else {
    auto s = ctx.constInts(1, "starts");
    auto e = ctx.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (ctx.hasInput(3)) {
      auto a = ctx.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      auto st = ctx.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    axes.assign(llvm::seq<int64_t>(0, starts.size()).begin(),
                llvm::seq<int64_t>(0, starts.size()).end());
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.emitError() << "'starts', 'ends', 'axes' and 'steps' have "
                              "different lengths";
  SmallVector<int64_t> start(rank, 0), size(type.getShape()), step(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    auto d = normalizeAxis(ctx, axis, rank, "axis");
    if (failed(d))
      return failure();
    if (seen[*d])
      return ctx.emitError() << "axis " << axis << " is repeated";
    seen[*d] = true;
    int64_t dim = type.getDimSize(*d), s = starts[i], e = ends[i];
    if (steps[i] == 0)
      return ctx.emitError() << "'steps' has a zero step for axis " << axis;
    if (s < 0)
      s = s < -dim ? 0 : s + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (steps[i] > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      size[*d] = std::max<int64_t>(0, (e - s + steps[i] - 1) / steps[i]);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      size[*d] = std::max<int64_t>(0, (s - e - steps[i] - 1) / -steps[i]);
    }
    start[*d] = s;
    step[*d] = steps[i];
  }
  auto x = ctx.elementInput(0, "data");
  if (failed(x))
    return failure();
  defineSlice(ctx, 0, *x, start, size, step);
  return success();
}

LogicalResult convertSplit(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0)
    return ctx.emitError() << "needs an input of rank >= 1";
  int64_t rank = type.getRank();
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  int64_t dim = type.getDimSize(*axis);
  int64_t outputs = ctx.getNumOutputs();
  SmallVector<int64_t> sizes;
  if (ctx.opset() >= 13 && ctx.hasInput(1)) {
    auto split = ctx.constInts(1, "split");
    if (failed(split))
      return failure();
    sizes = *split;
  } else if (ctx.opset() < 13 && ctx.hasAttr("split")) {
    sizes = ctx.intsAttr("split", {});
  } else {
    if (ctx.hasAttr("num_outputs"))
      outputs = ctx.intAttr("num_outputs", outputs);
    if (outputs <= 0)
      return ctx.emitError() << "needs at least one output";
    int64_t chunk = (dim + outputs - 1) / outputs;
    if (ctx.opset() < 18 && dim % outputs != 0)
      return ctx.emitError()
             << "axis " << *axis << " of size " << dim
             << " does not split evenly into " << outputs << " outputs";
    for (int64_t i = 0; i < outputs; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - chunk * i)));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      return ctx.emitError() << "negative split size " << s;
    total += s;
  }
  if (total != dim || static_cast<int64_t>(sizes.size()) != ctx.getNumOutputs())
    return ctx.emitError() << "split sizes " << formatShape(sizes)
                           << " must sum to " << dim << " (axis " << *axis
                           << ") with one size per output ("
                           << ctx.getNumOutputs() << ")";
  auto x = ctx.elementInput(0, "input");
  if (failed(x))
    return failure();
  SmallVector<int64_t> start(rank, 0), size(type.getShape()), step(rank, 1);
  for (auto [i, s] : llvm::enumerate(sizes)) {
    size[*axis] = s;
    defineSlice(ctx, i, *x, start, size, step);
    start[*axis] += s;
  }
  return success();
}

/// Whether `value` is computed from the indices of a TopK or ArgMax (the
/// importer's tosa.argmax), looking a bounded number of ops up.
bool dependsOnArgMax(Value value) {
  SmallVector<Operation *> worklist;
  llvm::SmallPtrSet<Operation *, 32> seen;
  if (Operation *def = value.getDefiningOp())
    worklist.push_back(def);
  for (size_t i = 0; i < worklist.size() && i < 512; ++i) {
    Operation *op = worklist[i];
    if (isa<tosa::ArgMaxOp>(op))
      return true;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        if (seen.insert(def).second)
          worklist.push_back(def);
  }
  return false;
}

/// NonZero: its output's shape is the number of nonzero elements, so its
/// input must be known (it folds); otherwise the error names the remedy,
/// or, for a mask of routing indices (an MoE layer whose experts gather
/// their own tokens), the forms that compile.
LogicalResult convertNonZero(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0)
    return ctx.emitError() << "needs an input 'X' of rank >= 1";
  const ConstData *known = ctx.constInput(0);
  if (!known) {
    FailureOr<Value> x = ctx.input(0, "X");
    if (succeeded(x) && dependsOnArgMax(*x)) {
      InFlightDiagnostic diag = ctx.emitError();
      diag << "input 'X' ('" << ctx.node().input(0)
           << "') depends on the indices of a TopK or ArgMax, so the "
              "output's shape depends on the input values (--bind cannot "
              "help)";
      if (StringRef why = ctx.gatherFormReason(); !why.empty())
        diag << "; not an expert gathering its tokens that m3sat can run "
                "over all tokens: "
             << why;
      return diag << " (docs/importer.md)";
    }
    return ctx.emitNotKnown(0, "X",
                            "a tensor (its values give the output's shape)");
  }
  int64_t rank = type.getRank();
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<SmallVector<int64_t>> coords(rank);
  int64_t count = 0;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    bool nonzero =
        known->floats.empty() ? known->ints[i] != 0 : known->floats[i] != 0.0;
    if (!nonzero)
      continue;
    ++count;
    for (int64_t d = rank - 1, rest = i; d >= 0; --d) {
      coords[d].push_back(rest % shape[d]);
      rest /= shape[d];
    }
  }
  ConstData result;
  for (const SmallVector<int64_t> &row : coords)
    llvm::append_range(result.ints, row);
  ctx.setKnownResult(
      0, RankedTensorType::get({rank, count}, ctx.builder().getIntegerType(64)),
      std::move(result));
  return success();
}

LogicalResult convertGather(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1);
  if (!type || !indicesType)
    return ctx.emitError() << "needs inputs 'data' and 'indices'";
  if (!isa<IntegerType>(indicesType.getElementType()))
    return ctx.emitError() << "input 'indices' must be integers, got "
                           << indicesType.getElementType();
  int64_t rank = type.getRank();
  if (rank == 0)
    return ctx.emitError() << "input 'data' must have rank >= 1";
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  int64_t k = type.getDimSize(*axis);
  int64_t outer = numElements(type.getShape().take_front(*axis));
  int64_t inner = numElements(type.getShape().drop_front(*axis + 1));
  int64_t w = indicesType.getNumElements();
  SmallVector<int64_t> shape(type.getShape().take_front(*axis));
  llvm::append_range(shape, indicesType.getShape());
  llvm::append_range(shape, type.getShape().drop_front(*axis + 1));
  auto resultType = RankedTensorType::get(shape, type.getElementType());

  const ConstData *indices = ctx.constInput(1);
  SmallVector<int64_t> normalized;
  if (indices) {
    for (int64_t index : indices->ints) {
      if (index < -k || index >= k)
        return ctx.emitError()
               << "index " << index << " is out of range for axis " << *axis
               << " of size " << k;
      normalized.push_back(index < 0 ? index + k : index);
    }
    if (const ConstData *data = ctx.constInput(0);
        data && resultType.getNumElements() <= kMaxKnownElements) {
      ConstData result;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t index : normalized)
          for (int64_t i = 0; i < inner; ++i) {
            int64_t from = (o * k + index) * inner + i;
            if (data->floats.empty())
              result.ints.push_back(data->ints[from]);
            else
              result.floats.push_back(data->floats[from]);
          }
      ctx.setKnownResult(0, resultType, std::move(result));
      return success();
    }
  }
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  // arange(k) along the axis, as a 1-D tensor: the data itself.
  if (indices && indicesType.getRank() == 1 && w == k &&
      llvm::all_of(llvm::enumerate(normalized), [](auto pair) {
        return pair.value() == static_cast<int64_t>(pair.index());
      })) {
    ctx.setResult(0, *x);
    return success();
  }
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (w == 0 || resultType.getNumElements() == 0) {
    ctx.setResult(
        0, tensor::EmptyOp::create(b, loc, shape, type.getElementType()));
    return success();
  }
  // Consecutive constant indices (a scalar index among them: q, k and v
  // picked from a fused qkv projection) select a slice along the axis,
  // which bufferizes to a view of the data instead of a copy.
  if (indices && llvm::all_of(llvm::enumerate(normalized), [&](auto pair) {
        return pair.value() ==
               normalized.front() + static_cast<int64_t>(pair.index());
      })) {
    Value slice = sliceAxis(b, loc, *x, *axis, normalized.front(), w);
    ctx.setResult(0, createReshape(b, loc, slice, shape));
    return success();
  }
  Type i32 = b.getI32Type();
  Value index2D;
  if (indices) {
    ConstData repeated;
    for (int64_t o = 0; o < outer; ++o)
      llvm::append_range(repeated.ints, normalized);
    index2D = materializeConstData(
        b, loc, RankedTensorType::get({outer, w}, i32), repeated);
  } else {
    auto idx = ctx.input(1, "indices");
    if (failed(idx))
      return failure();
    // Negative indices count from the end of the axis.
    Value flat = createReshape(b, loc, createCast(b, loc, *idx, i32), {1, w});
    Value zero = createSplat(b, loc, {1, 1}, i32, 0);
    Value wrapped = createBinary<tosa::AddOp>(
        b, loc, i32, flat, createSplat(b, loc, {1, 1}, i32, k));
    Value negative =
        createBinary<tosa::GreaterOp>(b, loc, b.getI1Type(), zero, flat);
    Value fixed =
        tosa::SelectOp::create(b, loc, flat.getType(), negative, wrapped, flat);
    index2D = createBroadcast(b, loc, fixed, {outer, w});
  }
  Value values = createReshape(b, loc, *x, {outer, k, inner});
  Value gathered = tosa::GatherOp::create(
      b, loc, RankedTensorType::get({outer, w, inner}, type.getElementType()),
      values, index2D);
  ctx.setResult(0, createReshape(b, loc, gathered, shape));
  return success();
}

LogicalResult convertArgMax(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0)
    return ctx.emitError() << "needs an input of rank >= 1";
  int64_t rank = type.getRank();
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  auto x = ctx.input(0, "data");
  if (failed(axis) || failed(x))
    return failure();
  bool keepDims = ctx.intAttr("keepdims", 1);
  bool last = ctx.intAttr("select_last_index", 0);
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value input = *x;
  if (last)
    input = tosa::ReverseOp::create(b, loc, input.getType(), input,
                                    b.getI32IntegerAttr(*axis));
  SmallVector<int64_t> reduced(type.getShape());
  reduced.erase(reduced.begin() + *axis);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Value index =
      tosa::ArgMaxOp::create(b, loc, RankedTensorType::get(reduced, i32), input,
                             b.getI32IntegerAttr(*axis));
  index = createCast(b, loc, index, i64);
  if (last)
    index = createBinary<tosa::SubOp>(
        b, loc, i64,
        createSplat(b, loc, SmallVector<int64_t>(reduced.size(), 1), i64,
                    type.getDimSize(*axis) - 1),
        index);
  if (keepDims) {
    SmallVector<int64_t> shape(type.getShape());
    shape[*axis] = 1;
    index = createReshape(b, loc, index, shape);
  }
  ctx.setResult(0, index);
  return success();
}

/// Index `i` along `axis` as an i64 constant of shape [1, .., n, .., 1].
Value createIota(OpBuilder &b, Location loc, int64_t rank, int64_t axis,
                 int64_t n) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  ConstData data;
  for (int64_t i = 0; i < n; ++i)
    data.ints.push_back(i);
  return materializeConstData(
      b, loc, RankedTensorType::get(shape, b.getI64Type()), data);
}

LogicalResult convertOneHot(NodeContext &ctx) {
  RankedTensorType indicesType = ctx.inputType(0),
                   valuesType = ctx.inputType(2);
  const ConstData *depthData = ctx.constInput(1);
  if (!indicesType || !valuesType || !depthData)
    return ctx.emitError() << "needs inputs 'indices', 'depth' (known at "
                              "import time) and 'values'";
  if (valuesType.getRank() != 1 || valuesType.getDimSize(0) != 2)
    return ctx.emitError() << "input 'values' has shape "
                           << formatShape(valuesType.getShape())
                           << " but needs [2] (off, on)";
  int64_t depth = depthData->ints.empty()
                      ? static_cast<int64_t>(depthData->floats.front())
                      : depthData->ints.front();
  if (depth < 1)
    return ctx.emitError() << "'depth' = " << depth << " must be positive";
  int64_t rank = indicesType.getRank() + 1;
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", -1), rank, "attribute 'axis'");
  auto indices = ctx.input(0, "indices");
  auto values = ctx.input(2, "values");
  if (failed(axis) || failed(indices) || failed(values))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  SmallVector<int64_t> expanded(indicesType.getShape());
  expanded.insert(expanded.begin() + *axis, 1);
  SmallVector<int64_t> ones(rank, 1);
  // Negative indices count from the end.
  Value index =
      createReshape(b, loc, createCast(b, loc, *indices, i64), expanded);
  Value negative = createBinary<tosa::GreaterOp>(
      b, loc, i1, createSplat(b, loc, ones, i64, 0), index);
  Value wrapped = createBinary<tosa::AddOp>(
      b, loc, i64, index, createSplat(b, loc, ones, i64, depth));
  index =
      tosa::SelectOp::create(b, loc, index.getType(), negative, wrapped, index);
  Value hot = createBinary<tosa::EqualOp>(
      b, loc, i1, index, createIota(b, loc, rank, *axis, depth));
  Type elementType = valuesType.getElementType();
  Value off = createReshape(b, loc, sliceAxis(b, loc, *values, 0, 0, 1), ones);
  Value on = createReshape(b, loc, sliceAxis(b, loc, *values, 0, 1, 1), ones);
  auto hotType = cast<RankedTensorType>(hot.getType());
  ctx.setResult(0, tosa::SelectOp::create(
                       b, loc,
                       RankedTensorType::get(hotType.getShape(), elementType),
                       hot, on, off));
  return success();
}

/// TopK of integers: k rounds of argmax over an order-preserving key (the
/// sign bit flipped for unsigned inputs, all bits flipped for the smallest;
/// both are their own inverse, so the key of the element found gives its
/// value back). Returns the values and the i64 indices.
static std::pair<Value, Value>
topKIntegers(NodeContext &ctx, Value x, int64_t k, int64_t axis, bool largest) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType(), i1 = b.getI1Type();
  unsigned width = elementType.getIntOrFloatBitWidth();
  int64_t rank = type.getRank(), n = type.getDimSize(axis);
  SmallVector<int64_t> ones(rank, 1), resultShape(type.getShape());
  resultShape[axis] = k;
  auto splat = [&](const APInt &value) -> Value {
    auto splatType = RankedTensorType::get(ones, elementType);
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(splatType,
                               b.getIntegerAttr(elementType, value)));
  };
  APInt signBit = APInt::getSignMask(width);
  auto toKey = [&](Value v) -> Value {
    if (ctx.isUnsignedInput(0))
      v = createBinary<tosa::BitwiseXorOp>(b, loc, elementType, v,
                                           splat(signBit));
    if (!largest)
      v = tosa::BitwiseNotOp::create(b, loc, v.getType(), v);
    return v;
  };
  auto fromKey = [&](Value v) -> Value {
    if (!largest)
      v = tosa::BitwiseNotOp::create(b, loc, v.getType(), v);
    if (ctx.isUnsignedInput(0))
      v = createBinary<tosa::BitwiseXorOp>(b, loc, elementType, v,
                                           splat(signBit));
    return v;
  };
  Value work = toKey(x), lowest = splat(signBit);
  Value iota = createIota(b, loc, rank, axis, n);
  SmallVector<int64_t> reduced(type.getShape()), kept(type.getShape());
  reduced.erase(reduced.begin() + axis);
  kept[axis] = 1;
  SmallVector<Value> values, indices;
  for (int64_t j = 0; j < k; ++j) {
    Value index = tosa::ArgMaxOp::create(
        b, loc, RankedTensorType::get(reduced, b.getI32Type()), work,
        b.getI32IntegerAttr(axis));
    index =
        createReshape(b, loc, createCast(b, loc, index, b.getI64Type()), kept);
    Value mask = createBinary<tosa::EqualOp>(b, loc, i1, iota, index);
    Value picked = tosa::SelectOp::create(b, loc, type, mask, work, lowest);
    values.push_back(fromKey(tosa::ReduceMaxOp::create(
        b, loc, RankedTensorType::get(kept, elementType), picked,
        b.getI32IntegerAttr(axis))));
    indices.push_back(index);
    work = tosa::SelectOp::create(b, loc, type, mask, lowest, work);
  }
  auto concat = [&](ArrayRef<Value> parts, Type partType) -> Value {
    if (parts.size() == 1)
      return parts.front();
    return tosa::ConcatOp::create(b, loc,
                                  RankedTensorType::get(resultShape, partType),
                                  parts, b.getI32IntegerAttr(axis));
  };
  return {concat(values, elementType), concat(indices, b.getI64Type())};
}

LogicalResult convertTopK(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0 ||
      !(isa<FloatType>(type.getElementType()) ||
        (isa<IntegerType>(type.getElementType()) &&
         type.getElementType().getIntOrFloatBitWidth() >= 8)))
    return ctx.emitError()
           << "needs a floating-point or integer input of rank >= 1";
  int64_t rank = type.getRank();
  int64_t k;
  if (ctx.opset() < 10) {
    k = ctx.intAttr("k", -1);
  } else {
    auto kInput = ctx.constInts(1, "K");
    if (failed(kInput))
      return failure();
    if (kInput->size() != 1)
      return ctx.emitError() << "input 'K' must have one element";
    k = kInput->front();
  }
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", -1), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  int64_t n = type.getDimSize(*axis);
  if (k < 0 || k > n)
    return ctx.emitError() << "K = " << k << " must be in [0, " << n
                           << "] (axis " << *axis << ")";
  bool largest = ctx.intAttr("largest", 1);
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = type.getElementType(), i64 = b.getI64Type(),
       i1 = b.getI1Type();
  SmallVector<int64_t> ones(rank, 1), resultShape(type.getShape());
  resultShape[*axis] = k;
  if (k == 0) {
    ctx.setResult(0, tensor::EmptyOp::create(b, loc, resultShape, elementType));
    ctx.setResult(1, tensor::EmptyOp::create(b, loc, resultShape, i64));
    return success();
  }
  if (isa<IntegerType>(elementType)) {
    auto result = topKIntegers(ctx, *x, k, *axis, largest);
    ctx.setResult(0, result.first, ctx.isUnsignedInput(0));
    ctx.setResult(1, result.second);
    return success();
  }
  // k rounds of argmax, each masking out the element it found (ties: the
  // lower index first, as argmax returns the first maximum).
  double worst = largest ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity();
  Value exclude = createSplat(b, loc, ones, elementType, worst);
  Value work = *x;
  if (!largest) {
    Value zp = createZeroPoint(b, loc, elementType);
    work = tosa::NegateOp::create(b, loc, type, *x, zp, zp);
    exclude = createSplat(b, loc, ones, elementType,
                          -std::numeric_limits<double>::infinity());
  }
  Value iota = createIota(b, loc, rank, *axis, n);
  SmallVector<int64_t> reduced(type.getShape()), kept(type.getShape());
  reduced.erase(reduced.begin() + *axis);
  kept[*axis] = 1;
  SmallVector<Value> values, indices;
  for (int64_t j = 0; j < k; ++j) {
    Value index = tosa::ArgMaxOp::create(
        b, loc, RankedTensorType::get(reduced, b.getI32Type()), work,
        b.getI32IntegerAttr(*axis));
    index = createReshape(b, loc, createCast(b, loc, index, i64), kept);
    Value mask = createBinary<tosa::EqualOp>(b, loc, i1, iota, index);
    Value picked = tosa::SelectOp::create(
        b, loc, type, mask, *x, createSplat(b, loc, ones, elementType, worst));
    auto keptType = RankedTensorType::get(kept, elementType);
    values.push_back(largest
                         ? tosa::ReduceMaxOp::create(b, loc, keptType, picked,
                                                     b.getI32IntegerAttr(*axis))
                               .getResult()
                         : tosa::ReduceMinOp::create(b, loc, keptType, picked,
                                                     b.getI32IntegerAttr(*axis))
                               .getResult());
    indices.push_back(index);
    if (j + 1 < k)
      work = tosa::SelectOp::create(b, loc, type, mask, exclude, work);
  }
  auto concat = [&](ArrayRef<Value> parts, Type elementType) -> Value {
    if (parts.size() == 1)
      return parts.front();
    return tosa::ConcatOp::create(
        b, loc, RankedTensorType::get(resultShape, elementType), parts,
        b.getI32IntegerAttr(*axis));
  };
  ctx.setResult(0, concat(values, elementType));
  ctx.setResult(1, concat(indices, i64));
  return success();
}

} // namespace

void onnx_import::registerIndexingConverters(ConverterRegistry &registry) {
  registry.add("", "Slice", convertSlice);
  registry.add("", "Split", convertSplit);
  registry.add("", "NonZero", convertNonZero);
  registry.add("", "Gather", convertGather);
  registry.add("", "ArgMax", convertArgMax);
  registry.add("", "OneHot", convertOneHot);
  registry.add("", "TopK", convertTopK);
}
