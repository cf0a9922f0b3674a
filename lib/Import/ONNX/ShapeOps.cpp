//===- ShapeOps.cpp - ONNX shape and data-movement ops --------------------===//
//
// Converters of Constant and of the ops that move data without computing:
// Reshape, Flatten, (Un)Squeeze, Transpose, Concat, Shape, ConstantOfShape,
// Expand, Tile, Range, Size. Tensors known at import time (torch's shape
// arithmetic: Shape -> Gather -> Unsqueeze -> Concat -> Reshape) are folded
// here and never reach the IR. Slicing and gathering are in IndexingOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

/// Defines output 0 as input 0 with a new shape (same elements, same order).
static LogicalResult defineReshaped(NodeContext &ctx, ArrayRef<int64_t> shape) {
  RankedTensorType type = ctx.inputType(0);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (const ConstData *known = ctx.constInput(0)) {
    ctx.setKnownResult(0, resultType, *known);
    return success();
  }
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  ctx.setResult(0, createReshape(ctx.builder(), ctx.loc(), *x, shape));
  return success();
}

/// The axes of (Un)Squeeze and the reductions: an attribute before
/// `inputSinceOpset`, input #1 since.
FailureOr<std::optional<SmallVector<int64_t>>>
onnx_import::getAxes(NodeContext &ctx, int64_t inputSinceOpset) {
  if (ctx.opset() < inputSinceOpset) {
    if (!ctx.hasAttr("axes"))
      return std::optional<SmallVector<int64_t>>();
    return std::optional<SmallVector<int64_t>>(ctx.intsAttr("axes", {}));
  }
  if (!ctx.hasInput(1))
    return std::optional<SmallVector<int64_t>>();
  auto axes = ctx.constInts(1, "axes");
  if (failed(axes))
    return failure();
  return std::optional<SmallVector<int64_t>>(*axes);
}

FailureOr<SequenceElement>
onnx_import::concatElements(NodeContext &ctx, ArrayRef<SequenceElement> parts,
                            int64_t axisAttr, StringRef noun) {
  if (parts.empty())
    return ctx.emitError() << "needs at least one " << noun;
  RankedTensorType first = parts.front().type;
  int64_t rank = first.getRank();
  if (rank == 0)
    return ctx.emitError() << "cannot concatenate scalars";
  auto axis = normalizeAxis(ctx, axisAttr, rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  bool allKnown = true;
  for (auto [i, part] : llvm::enumerate(parts)) {
    RankedTensorType type = part.type;
    bool compatible = type.getRank() == rank &&
                      type.getElementType() == first.getElementType();
    for (int64_t d = 0; compatible && d < rank; ++d)
      compatible = d == *axis || type.getDimSize(d) == first.getDimSize(d);
    if (!compatible)
      return ctx.emitError()
             << noun << " #" << i << " of type " << type << " does not match "
             << noun << " #0 of type " << first << " outside axis " << *axis;
    shape[*axis] += type.getDimSize(*axis);
    allKnown &= part.known.has_value();
  }
  SequenceElement result;
  result.type = RankedTensorType::get(shape, first.getElementType());
  if (allKnown && result.type.getNumElements() <= kMaxKnownElements) {
    // Row-major: interleave blocks of each part along the axis.
    ConstData data;
    int64_t outer = numElements(ArrayRef<int64_t>(shape).take_front(*axis));
    int64_t inner = numElements(ArrayRef<int64_t>(shape).drop_front(*axis + 1));
    for (int64_t o = 0; o < outer; ++o)
      for (const SequenceElement &part : parts) {
        const ConstData &known = *part.known;
        int64_t block = part.type.getDimSize(*axis) * inner;
        data.ints.append(
            known.ints.begin() +
                std::min<int64_t>(o * block, known.ints.size()),
            known.ints.begin() +
                std::min<int64_t>((o + 1) * block, known.ints.size()));
        data.floats.append(
            known.floats.begin() +
                std::min<int64_t>(o * block, known.floats.size()),
            known.floats.begin() +
                std::min<int64_t>((o + 1) * block, known.floats.size()));
      }
    result.known = std::move(data);
    return result;
  }
  SmallVector<Value> inputs;
  for (const SequenceElement &part : parts)
    if (part.type.getDimSize(*axis) != 0)
      inputs.push_back(ctx.materialize(part));
  if (inputs.empty()) {
    result.value = tensor::EmptyOp::create(ctx.builder(), ctx.loc(), shape,
                                           first.getElementType());
    return result;
  }
  if (inputs.size() == 1) {
    result.value = inputs.front();
    return result;
  }
  result.value =
      tosa::ConcatOp::create(ctx.builder(), ctx.loc(), result.type, inputs,
                             ctx.builder().getI32IntegerAttr(*axis));
  return result;
}

namespace {

LogicalResult convertConstant(NodeContext &ctx) {
  if (const onnx::TensorProto *tensor = ctx.tensorAttr("value"))
    return ctx.setTensorResult(0, *tensor);
  Builder b(ctx.getContext());
  ConstData data;
  RankedTensorType type;
  if (ctx.hasAttr("value_float")) {
    data.floats.push_back(ctx.floatAttr("value_float", 0));
    type = RankedTensorType::get({}, b.getF32Type());
  } else if (ctx.hasAttr("value_int")) {
    data.ints.push_back(ctx.intAttr("value_int", 0));
    type = RankedTensorType::get({}, b.getI64Type());
  } else if (ctx.hasAttr("value_ints")) {
    data.ints = ctx.intsAttr("value_ints", {});
    type = RankedTensorType::get({static_cast<int64_t>(data.ints.size())},
                                 b.getI64Type());
  } else if (ctx.hasAttr("value_floats")) {
    for (const onnx::AttributeProto &attr : ctx.node().attribute())
      if (attr.name() == "value_floats")
        data.floats.assign(attr.floats().begin(), attr.floats().end());
    type = RankedTensorType::get({static_cast<int64_t>(data.floats.size())},
                                 b.getF32Type());
  } else {
    return ctx.emitError() << "needs a 'value', 'value_float', 'value_floats',"
                              " 'value_int' or 'value_ints' attribute";
  }
  ctx.setKnownResult(0, type, std::move(data));
  return success();
}

LogicalResult convertReshape(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  auto requested = ctx.constInts(1, "shape");
  if (failed(requested))
    return failure();
  bool allowZero = ctx.intAttr("allowzero", 0);
  SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, dim] : llvm::enumerate(*requested)) {
    if (dim == 0 && !allowZero) {
      if (i >= static_cast<size_t>(type.getRank()))
        return ctx.emitError()
               << "'shape' " << formatShape(*requested) << " copies dimension "
               << i << " (0) but the input " << formatShape(type.getShape())
               << " has rank " << type.getRank();
      dim = type.getDimSize(i);
    } else if (dim == -1) {
      if (inferred >= 0)
        return ctx.emitError() << "'shape' " << formatShape(*requested)
                               << " has more than one -1";
      inferred = i;
    } else if (dim < 0) {
      return ctx.emitError() << "'shape' " << formatShape(*requested)
                             << " has negative dimension " << dim;
    }
    shape.push_back(dim);
    if (static_cast<int64_t>(i) != inferred)
      known *= dim;
  }
  int64_t total = type.getNumElements();
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return ctx.emitError()
             << "cannot reshape input of shape " << formatShape(type.getShape())
             << " to " << formatShape(*requested);
    shape[inferred] = total / known;
  } else if (known != total) {
    return ctx.emitError() << "cannot reshape input of shape "
                           << formatShape(type.getShape()) << " (" << total
                           << " elements) to " << formatShape(shape);
  }
  return defineReshaped(ctx, shape);
}

LogicalResult convertFlatten(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  int64_t rank = type.getRank();
  int64_t axis = ctx.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return ctx.emitError() << "attribute 'axis' " << axis
                           << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  int64_t outer = numElements(type.getShape().take_front(axis));
  return defineReshaped(
      ctx, {outer, type.getNumElements() / std::max<int64_t>(outer, 1)});
}

LogicalResult convertUnsqueeze(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  auto axes = getAxes(ctx, 13);
  if (failed(axes))
    return failure();
  if (!*axes)
    return ctx.emitError() << "missing 'axes'";
  int64_t rank = type.getRank() + (*axes)->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : **axes) {
    auto normalized = normalizeAxis(ctx, axis, rank, "axis");
    if (failed(normalized))
      return failure();
    if (inserted[*normalized])
      return ctx.emitError() << "axis " << axis << " is repeated";
    inserted[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  unsigned next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted[i] ? 1 : type.getDimSize(next++));
  return defineReshaped(ctx, shape);
}

LogicalResult convertSqueeze(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  auto axes = getAxes(ctx, 13);
  if (failed(axes))
    return failure();
  int64_t rank = type.getRank();
  SmallVector<bool> removed(rank, false);
  if (*axes) {
    for (int64_t axis : **axes) {
      auto normalized = normalizeAxis(ctx, axis, rank, "axis");
      if (failed(normalized))
        return failure();
      if (type.getDimSize(*normalized) != 1)
        return ctx.emitError()
               << "cannot squeeze axis " << axis << " of size "
               << type.getDimSize(*normalized) << " (input shape "
               << formatShape(type.getShape()) << ")";
      removed[*normalized] = true;
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      removed[i] = type.getDimSize(i) == 1;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i)
    if (!removed[i])
      shape.push_back(type.getDimSize(i));
  return defineReshaped(ctx, shape);
}

LogicalResult convertTranspose(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  int64_t rank = type.getRank();
  SmallVector<int64_t> reversed(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  SmallVector<int64_t> perm = ctx.intsAttr("perm", reversed);
  SmallVector<int32_t> perms;
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p] ||
        perm.size() != static_cast<size_t>(rank))
      return ctx.emitError() << "attribute 'perm' " << formatShape(perm)
                             << " is not a permutation of rank " << rank;
    seen[p] = true;
    perms.push_back(p);
  }
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  if (rank == 0) {
    ctx.setResult(0, *x);
    return success();
  }
  ctx.setResult(0, createTranspose(ctx.builder(), ctx.loc(), *x, perms));
  return success();
}

LogicalResult convertConcat(NodeContext &ctx) {
  if (ctx.getNumInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  if (!ctx.hasAttr("axis"))
    return ctx.emitError() << "missing required attribute 'axis'";
  SmallVector<SequenceElement> parts;
  for (unsigned i = 0; i < ctx.getNumInputs(); ++i) {
    if (!ctx.inputType(i))
      return ctx.emitError() << "missing input #" << i;
    auto part = ctx.elementInput(i, "inputs");
    if (failed(part))
      return failure();
    parts.push_back(std::move(*part));
  }
  auto result = concatElements(ctx, parts, ctx.intAttr("axis", 0), "input");
  if (failed(result))
    return failure();
  ctx.setElementResult(0, *result);
  return success();
}

LogicalResult convertShape(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  int64_t rank = type.getRank();
  int64_t start = ctx.intAttr("start", 0), end = ctx.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  ConstData data;
  for (int64_t i = start; i < end; ++i)
    data.ints.push_back(type.getDimSize(i));
  int64_t count = data.ints.size();
  ctx.setKnownResult(
      0, RankedTensorType::get({count}, IntegerType::get(ctx.getContext(), 64)),
      std::move(data));
  return success();
}

LogicalResult convertSize(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  ConstData data;
  data.ints.push_back(type.getNumElements());
  ctx.setKnownResult(
      0, RankedTensorType::get({}, IntegerType::get(ctx.getContext(), 64)),
      std::move(data));
  return success();
}

LogicalResult convertConstantOfShape(NodeContext &ctx) {
  auto shape = ctx.constInts(0, "input");
  if (failed(shape))
    return failure();
  for (int64_t dim : *shape)
    if (dim < 0)
      return ctx.emitError()
             << "negative dimension in shape " << formatShape(*shape);
  Type elementType = Float32Type::get(ctx.getContext());
  double value = 0;
  if (const onnx::TensorProto *tensor = ctx.tensorAttr("value")) {
    auto described = ctx.describeTensor(*tensor);
    if (failed(described))
      return failure();
    if (described->first.getNumElements() != 1)
      return ctx.emitError() << "attribute 'value' must have one element";
    elementType = described->first.getElementType();
    const ConstData &data = *described->second;
    value = data.floats.empty() ? data.ints[0] : data.floats[0];
  }
  auto type = RankedTensorType::get(*shape, elementType);
  if (type.getNumElements() <= kMaxKnownElements) {
    ConstData data;
    if (isa<FloatType>(elementType))
      data.floats.assign(type.getNumElements(), value);
    else
      data.ints.assign(type.getNumElements(), static_cast<int64_t>(value));
    ctx.setKnownResult(0, type, std::move(data));
    return success();
  }
  ctx.setResult(
      0, createSplat(ctx.builder(), ctx.loc(), *shape, elementType, value));
  return success();
}

/// Broadcasts input 0 to `shape` (numpy rules) with reshape + tosa.tile.
LogicalResult broadcastTo(NodeContext &ctx, ArrayRef<int64_t> shape) {
  RankedTensorType type = ctx.inputType(0);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (const ConstData *known = ctx.constInput(0);
      known && resultType.getNumElements() <= kMaxKnownElements) {
    // Same index arithmetic as numpy: unit dims repeat.
    ConstData result;
    int64_t offset = shape.size() - type.getRank();
    for (int64_t i = 0, e = resultType.getNumElements(); i < e; ++i) {
      int64_t linear = i, index = 0, stride = 1;
      for (int64_t d = shape.size() - 1; d >= offset; --d) {
        int64_t coord = linear % shape[d];
        linear /= shape[d];
        int64_t inDim = type.getDimSize(d - offset);
        index += (inDim == 1 ? 0 : coord) * stride;
        stride *= inDim;
      }
      if (known->floats.empty())
        result.ints.push_back(known->ints[index]);
      else
        result.floats.push_back(known->floats[index]);
    }
    ctx.setKnownResult(0, resultType, std::move(result));
    return success();
  }
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  ctx.setResult(0, createBroadcast(ctx.builder(), ctx.loc(), *x, shape));
  return success();
}

LogicalResult convertExpand(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  auto requested = ctx.constInts(1, "shape");
  if (failed(requested))
    return failure();
  auto shape = broadcastShapes(type.getShape(), *requested);
  if (failed(shape))
    return ctx.emitError() << "input of shape " << formatShape(type.getShape())
                           << " cannot be expanded to "
                           << formatShape(*requested);
  return broadcastTo(ctx, *shape);
}

LogicalResult convertTile(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  auto repeats = ctx.constInts(1, "repeats");
  if (failed(repeats))
    return failure();
  if (repeats->size() != static_cast<size_t>(type.getRank()))
    return ctx.emitError() << "'repeats' " << formatShape(*repeats)
                           << " must have one entry per input dimension ("
                           << type.getRank() << ")";
  SmallVector<int64_t> shape;
  for (auto [dim, repeat] : llvm::zip(type.getShape(), *repeats)) {
    if (repeat < 0)
      return ctx.emitError() << "negative repeat " << repeat;
    shape.push_back(dim * repeat);
  }
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  ctx.setResult(0, tosa::TileOp::create(
                       b, ctx.loc(),
                       RankedTensorType::get(shape, type.getElementType()), *x,
                       createConstShape(b, ctx.loc(), *repeats)));
  return success();
}

LogicalResult convertRange(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  const ConstData *start = ctx.constInput(0), *limit = ctx.constInput(1),
                  *delta = ctx.constInput(2);
  if (!type || !start || !limit || !delta)
    return ctx.emitError() << "inputs 'start', 'limit' and 'delta' must be "
                              "scalars known at import time";
  bool isFloat = isa<FloatType>(type.getElementType());
  auto scalar = [&](const ConstData *data) {
    return isFloat ? data->floats[0] : static_cast<double>(data->ints[0]);
  };
  double first = scalar(start), last = scalar(limit), step = scalar(delta);
  if (step == 0)
    return ctx.emitError() << "'delta' is zero";
  int64_t count = std::max<int64_t>(
      0, static_cast<int64_t>(std::ceil((last - first) / step)));
  auto resultType = RankedTensorType::get({count}, type.getElementType());
  ConstData data;
  for (int64_t i = 0; i < count; ++i) {
    if (isFloat)
      data.floats.push_back(first + i * step);
    else
      data.ints.push_back(start->ints[0] + i * delta->ints[0]);
  }
  if (count > kMaxKnownElements) {
    ctx.setResult(
        0, materializeConstData(ctx.builder(), ctx.loc(), resultType, data));
    return success();
  }
  ctx.setKnownResult(0, resultType, std::move(data));
  return success();
}

} // namespace

void onnx_import::registerShapeConverters(ConverterRegistry &registry) {
  registry.add("", "Constant", convertConstant);
  registry.add("", "Reshape", convertReshape);
  registry.add("", "Flatten", convertFlatten);
  registry.add("", "Unsqueeze", convertUnsqueeze);
  registry.add("", "Squeeze", convertSqueeze);
  registry.add("", "Transpose", convertTranspose);
  registry.add("", "Concat", convertConcat);
  registry.add("", "Shape", convertShape);
  registry.add("", "Size", convertSize);
  registry.add("", "ConstantOfShape", convertConstantOfShape);
  registry.add("", "Expand", convertExpand);
  registry.add("", "Tile", convertTile);
  registry.add("", "Range", convertRange);
}
