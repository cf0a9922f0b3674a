//===- NNOps.cpp - ONNX neural-network ops --------------------------------===//
//
// Converters of MatMul, Gemm, Softmax/LogSoftmax, LayerNormalization and the
// reductions, on TOSA: tosa.matmul on 3-D operands (batch dimensions
// broadcast and folded), reductions one axis at a time. Conv is in
// ConvOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

/// `tosa.matmul` of [B, M, K] x [B, K, N].
static Value createMatmul3D(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Type elementType = lhsType.getElementType();
  auto resultType = RankedTensorType::get(
      {lhsType.getDimSize(0), lhsType.getDimSize(1), rhsType.getDimSize(2)},
      elementType);
  Value lhsZeroPoint = createZeroPoint(b, loc, elementType);
  Value rhsZeroPoint = createZeroPoint(b, loc, elementType);
  return tosa::MatMulOp::create(b, loc, resultType, lhs, rhs, lhsZeroPoint,
                                rhsZeroPoint);
}

/// A * B for A [..., M, K] and B [..., K, N] with numpy batch broadcasting.
static Value createBatchedMatmul(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, ArrayRef<int64_t> batch) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t m = lhsType.getDimSize(lhsType.getRank() - 2);
  int64_t k = lhsType.getDimSize(lhsType.getRank() - 1);
  int64_t n = rhsType.getDimSize(rhsType.getRank() - 1);
  int64_t batchSize = numElements(batch);
  SmallVector<int64_t> resultShape(batch);
  resultShape.append({m, n});
  Value result;
  if (numElements(rhsType.getShape().drop_back(2)) == 1) {
    // B is one matrix (weights): fold A's batch into its rows.
    Value a = createReshape(b, loc, lhs, {1, batchSize * m, k});
    Value w = createReshape(b, loc, rhs, {1, k, n});
    result = createMatmul3D(b, loc, a, w);
  } else {
    SmallVector<int64_t> lhsShape(batch), rhsShape(batch);
    lhsShape.append({m, k});
    rhsShape.append({k, n});
    Value a = createReshape(b, loc, createBroadcast(b, loc, lhs, lhsShape),
                            {batchSize, m, k});
    Value w = createReshape(b, loc, createBroadcast(b, loc, rhs, rhsShape),
                            {batchSize, k, n});
    result = createMatmul3D(b, loc, a, w);
  }
  return createReshape(b, loc, result, resultShape);
}

namespace {

LogicalResult convertMatMul(NodeContext &ctx) {
  RankedTensorType lhsType = ctx.inputType(0), rhsType = ctx.inputType(1);
  if (!lhsType || !rhsType)
    return ctx.emitError() << "needs 2 inputs";
  if (!isa<FloatType>(lhsType.getElementType()) ||
      lhsType.getElementType() != rhsType.getElementType())
    return ctx.emitError() << "needs floating-point inputs of one type, got "
                           << lhsType.getElementType() << " and "
                           << rhsType.getElementType();
  if (lhsType.getRank() == 0 || rhsType.getRank() == 0)
    return ctx.emitError() << "inputs must have rank >= 1";
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  Value lhs = inputs->first, rhs = inputs->second;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  // 1-D operands get a unit dimension, removed from the result.
  SmallVector<int64_t> lhsShape(lhsType.getShape()),
      rhsShape(rhsType.getShape());
  if (lhsType.getRank() == 1)
    lhsShape.insert(lhsShape.begin(), 1);
  if (rhsType.getRank() == 1)
    rhsShape.push_back(1);
  int64_t k = lhsShape.back(), k2 = rhsShape[rhsShape.size() - 2];
  if (k != k2)
    return ctx.emitError() << "input 'A' has shape "
                           << formatShape(lhsType.getShape())
                           << " but input 'B' has shape "
                           << formatShape(rhsType.getShape())
                           << ": inner dimensions " << k << " and " << k2
                           << " differ";
  auto batch = broadcastShapes(ArrayRef<int64_t>(lhsShape).drop_back(2),
                               ArrayRef<int64_t>(rhsShape).drop_back(2));
  if (failed(batch))
    return ctx.emitError() << "batch dimensions of "
                           << formatShape(lhsType.getShape()) << " and "
                           << formatShape(rhsType.getShape())
                           << " do not broadcast";
  Value a = createReshape(b, loc, lhs, lhsShape);
  Value w = createReshape(b, loc, rhs, rhsShape);
  Value result = createBatchedMatmul(b, loc, a, w, *batch);
  SmallVector<int64_t> shape(*batch);
  if (lhsType.getRank() > 1)
    shape.push_back(lhsShape[lhsShape.size() - 2]);
  if (rhsType.getRank() > 1)
    shape.push_back(rhsShape.back());
  ctx.setResult(0, createReshape(b, loc, result, shape));
  return success();
}

LogicalResult convertGemm(NodeContext &ctx) {
  RankedTensorType aType = ctx.inputType(0), bType = ctx.inputType(1);
  if (!aType || !bType)
    return ctx.emitError() << "needs inputs 'A' and 'B'";
  float alpha = ctx.floatAttr("alpha", 1.0f),
        beta = ctx.floatAttr("beta", 1.0f);
  bool transA = ctx.intAttr("transA", 0), transB = ctx.intAttr("transB", 0);
  if (aType.getRank() != 2)
    return ctx.emitError() << "input 'A' has shape "
                           << formatShape(aType.getShape())
                           << " but Gemm needs a matrix";
  if (!isa<FloatType>(aType.getElementType()) ||
      aType.getElementType() != bType.getElementType())
    return ctx.emitError() << "needs floating-point inputs of one type";
  int64_t m = aType.getDimSize(transA ? 1 : 0);
  int64_t k = aType.getDimSize(transA ? 0 : 1);
  if (bType.getRank() != 2 || bType.getDimSize(transB ? 1 : 0) != k)
    return ctx.emitError() << "input 'B' has shape "
                           << formatShape(bType.getShape())
                           << " but transB=" << transB << " needs "
                           << (transB ? "[N, " + std::to_string(k) + "]"
                                      : "[" + std::to_string(k) + ", N]");
  int64_t n = bType.getDimSize(transB ? 0 : 1);
  RankedTensorType cType = ctx.inputType(2);
  if (cType) {
    auto shape = broadcastShapes(cType.getShape(), {m, n});
    if (failed(shape) || ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>{m, n})
      return ctx.emitError()
             << "input 'C' has shape " << formatShape(cType.getShape())
             << " which does not broadcast to [" << m << ", " << n << "]";
  }
  auto a = ctx.input(0, "A");
  auto w = ctx.input(1, "B");
  if (failed(a) || failed(w))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = aType.getElementType();
  Value lhs = transA ? createTranspose(b, loc, *a, {1, 0}) : *a;
  Value rhs = transB ? createTranspose(b, loc, *w, {1, 0}) : *w;
  Value result = createReshape(
      b, loc,
      createMatmul3D(b, loc, createReshape(b, loc, lhs, {1, m, k}),
                     createReshape(b, loc, rhs, {1, k, n})),
      {m, n});
  if (alpha != 1.0f)
    result = createMul(b, loc, result,
                       createSplat(b, loc, {1, 1}, elementType, alpha));
  if (cType && beta != 0.0f) {
    auto c = ctx.input(2, "C");
    if (failed(c))
      return failure();
    Value bias = *c;
    if (beta != 1.0f)
      bias = createMul(b, loc, bias,
                       createSplat(b, loc,
                                   SmallVector<int64_t>(cType.getRank(), 1),
                                   elementType, beta));
    result = createBinary<tosa::AddOp>(b, loc, elementType, result, bias);
  }
  ctx.setResult(0, result);
  return success();
}

/// Softmax (or LogSoftmax) of `x` along `axis`.
Value createSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis,
                    bool log) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> reduced(type.getShape());
  reduced[axis] = 1;
  auto reducedType = RankedTensorType::get(reduced, type.getElementType());
  Value max = tosa::ReduceMaxOp::create(b, loc, reducedType, x,
                                        b.getI32IntegerAttr(axis));
  Value shifted =
      createBinary<tosa::SubOp>(b, loc, type.getElementType(), x, max);
  Value exp = tosa::ExpOp::create(b, loc, type, shifted);
  Value sum = createReduceSum(b, loc, exp, {axis});
  if (!log)
    return createDiv(b, loc, exp, sum);
  Value logSum = tosa::LogOp::create(b, loc, reducedType, sum);
  return createBinary<tosa::SubOp>(b, loc, type.getElementType(), shifted,
                                   logSum);
}

LogicalResult convertSoftmax(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || !isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input";
  int64_t rank = type.getRank();
  if (rank == 0)
    return ctx.emitError() << "input must have rank >= 1";
  bool coerced = ctx.opset() < 13;
  auto axis = normalizeAxis(ctx, ctx.intAttr("axis", coerced ? 1 : -1), rank,
                            "attribute 'axis'");
  auto x = ctx.input(0, "input");
  if (failed(axis) || failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  bool log = ctx.opType() == "LogSoftmax";
  if (!coerced) {
    ctx.setResult(0, createSoftmax(b, loc, *x, *axis, log));
    return success();
  }
  // Before opset 13: softmax over the flattened dimensions [axis, rank).
  int64_t outer = numElements(type.getShape().take_front(*axis));
  Value flat = createReshape(
      b, loc, *x, {outer, type.getNumElements() / std::max<int64_t>(outer, 1)});
  ctx.setResult(0, createReshape(b, loc, createSoftmax(b, loc, flat, 1, log),
                                 type.getShape()));
  return success();
}

LogicalResult convertLayerNorm(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), scaleType = ctx.inputType(1);
  if (!type || !scaleType)
    return ctx.emitError() << "needs inputs 'X' and 'Scale'";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input";
  int64_t rank = type.getRank();
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", -1), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  float epsilon = ctx.floatAttr("epsilon", 1e-5f);
  ArrayRef<int64_t> normalized = type.getShape().drop_front(*axis);
  for (unsigned i = 1; i < 3; ++i) {
    RankedTensorType paramType = ctx.inputType(i);
    if (!paramType)
      continue;
    auto shape = broadcastShapes(paramType.getShape(), normalized);
    if (failed(shape) || ArrayRef<int64_t>(*shape) != normalized ||
        paramType.getElementType() != type.getElementType())
      return ctx.emitError()
             << "input '" << (i == 1 ? "Scale" : "B") << "' of type "
             << paramType << " does not broadcast to the normalized shape "
             << formatShape(normalized);
  }
  auto x = ctx.input(0, "X");
  auto scale = ctx.input(1, "Scale");
  if (failed(x) || failed(scale))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = type.getElementType();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
  SmallVector<int64_t> ones(rank, 1);
  Value invCount =
      createSplat(b, loc, ones, elementType, 1.0 / numElements(normalized));
  Value mean = createMul(b, loc, createReduceSum(b, loc, *x, axes), invCount);
  Value centered = createBinary<tosa::SubOp>(b, loc, elementType, *x, mean);
  Value variance = createMul(
      b, loc,
      createReduceSum(b, loc, createMul(b, loc, centered, centered), axes),
      invCount);
  // 1 / sqrt rather than tosa.rsqrt: math.rsqrt has no libm function to
  // lower to on CPU.
  Value invStdDev = tosa::ReciprocalOp::create(
      b, loc, variance.getType(),
      createSqrt(b, loc,
                 createBinary<tosa::AddOp>(
                     b, loc, elementType, variance,
                     createSplat(b, loc, ones, elementType, epsilon))));
  Value result =
      createMul(b, loc, createMul(b, loc, centered, invStdDev), *scale);
  if (ctx.hasInput(2)) {
    auto bias = ctx.input(2, "B");
    if (failed(bias))
      return failure();
    result = createBinary<tosa::AddOp>(b, loc, elementType, result, *bias);
  }
  ctx.setResult(0, result);
  ctx.setResult(1, mean);
  ctx.setResult(2, invStdDev);
  return success();
}

/// The value of ReduceMax, ReduceMin and ReduceSum over an empty set: the
/// lowest, highest value of the type (infinities for floats; false, true
/// for bool), and 0. Null for the other reductions.
static Attribute emptyReduction(OpBuilder &b, StringRef op, Type type) {
  bool isMax = op == "ReduceMax";
  if (op == "ReduceSum")
    return b.getZeroAttr(type);
  if (!isMax && op != "ReduceMin")
    return {};
  if (auto floatType = dyn_cast<FloatType>(type))
    return b.getFloatAttr(
        type, APFloat::getInf(floatType.getFloatSemantics(), isMax));
  unsigned width = type.getIntOrFloatBitWidth();
  if (width == 1)
    return b.getIntegerAttr(type, isMax ? 0 : 1);
  return b.getIntegerAttr(type, isMax ? APInt::getSignedMinValue(width)
                                      : APInt::getSignedMaxValue(width));
}

LogicalResult convertReduce(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  StringRef op = ctx.opType();
  auto axesOr = getAxes(ctx, op == "ReduceSum" ? 13 : 18);
  if (failed(axesOr))
    return failure();
  int64_t rank = type.getRank();
  bool keepDims = ctx.intAttr("keepdims", 1);
  SmallVector<int64_t> axes;
  if (!*axesOr || (*axesOr)->empty()) {
    if (ctx.intAttr("noop_with_empty_axes", 0)) {
      auto x = ctx.input(0, "data");
      if (failed(x))
        return failure();
      ctx.setResult(0, *x);
      return success();
    }
    axes.assign(llvm::seq<int64_t>(0, rank).begin(),
                llvm::seq<int64_t>(0, rank).end());
  } else {
    for (int64_t axis : **axesOr) {
      auto normalized = normalizeAxis(ctx, axis, rank, "axis");
      if (failed(normalized))
        return failure();
      if (!llvm::is_contained(axes, *normalized))
        axes.push_back(*normalized);
    }
  }
  if (op == "ReduceMean" && !isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  // A reduction over an empty set is a constant (TOSA rejects zero-size
  // operands).
  if (llvm::any_of(axes, [&](int64_t a) { return type.getDimSize(a) == 0; }))
    if (Attribute empty = emptyReduction(b, op, type.getElementType())) {
      SmallVector<int64_t> shape;
      for (int64_t i = 0; i < rank; ++i)
        if (!llvm::is_contained(axes, i) || keepDims)
          shape.push_back(llvm::is_contained(axes, i) ? 1 : type.getDimSize(i));
      auto resultType = RankedTensorType::get(shape, type.getElementType());
      ctx.setResult(0, arith::ConstantOp::create(
                           b, loc, DenseElementsAttr::get(resultType, empty)));
      return success();
    }
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  Value result = *x;
  if (rank == 0) {
    ctx.setResult(0, result);
    return success();
  }
  int64_t count = 1;
  for (int64_t axis : axes) {
    count *= type.getDimSize(axis);
    auto current = cast<RankedTensorType>(result.getType());
    SmallVector<int64_t> shape(current.getShape());
    shape[axis] = 1;
    auto reducedType = RankedTensorType::get(shape, type.getElementType());
    IntegerAttr axisAttr = b.getI32IntegerAttr(axis);
    // Bool: false < true, so max is any and min is all (TOSA's max and min
    // of i1 would compare signed).
    bool isBool = type.getElementType().isInteger(1);
    if (isBool && op == "ReduceMax")
      result = tosa::ReduceAnyOp::create(b, loc, reducedType, result, axisAttr);
    else if (isBool && op == "ReduceMin")
      result = tosa::ReduceAllOp::create(b, loc, reducedType, result, axisAttr);
    else if (op == "ReduceMax")
      result = tosa::ReduceMaxOp::create(b, loc, reducedType, result, axisAttr);
    else if (op == "ReduceMin")
      result = tosa::ReduceMinOp::create(b, loc, reducedType, result, axisAttr);
    else
      result = tosa::ReduceSumOp::create(b, loc, reducedType, result, axisAttr);
  }
  if (op == "ReduceMean")
    result = createMul(b, loc, result,
                       createSplat(b, loc, SmallVector<int64_t>(rank, 1),
                                   type.getElementType(), 1.0 / count));
  if (!keepDims) {
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i)
      if (!llvm::is_contained(axes, i))
        shape.push_back(type.getDimSize(i));
    result = createReshape(b, loc, result, shape);
  }
  ctx.setResult(0, result);
  return success();
}

} // namespace

void onnx_import::registerNNConverters(ConverterRegistry &registry) {
  registry.add("", "MatMul", convertMatMul);
  registry.add("", "Gemm", convertGemm);
  registry.add("", "Softmax", convertSoftmax);
  registry.add("", "LogSoftmax", convertSoftmax);
  registry.add("", "LayerNormalization", convertLayerNorm);
  for (StringRef op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"})
    registry.add("", op, convertReduce);
}
