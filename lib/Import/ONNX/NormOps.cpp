//===- NormOps.cpp - ONNX normalizations over channels and groups ---------===//
//
// Converters of BatchNormalization (inference), InstanceNormalization,
// GroupNormalization and RMSNormalization on TOSA: per-channel affine maps
// (folded to one scale and shift when the statistics are known), and
// means and variances as reductions. LayerNormalization is in NNOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// `value` of shape [C] viewed as [1, C, 1, ...] for an input of `rank`.
Value perChannel(OpBuilder &b, Location loc, Value value, int64_t rank) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(rank, 1);
  shape[1] = type.getNumElements();
  return createReshape(b, loc, value, shape);
}

/// 1 / sqrt(value + epsilon).
Value createInvStdDev(OpBuilder &b, Location loc, Value variance,
                      double epsilon) {
  auto type = cast<RankedTensorType>(variance.getType());
  Type elementType = type.getElementType();
  SmallVector<int64_t> ones(type.getRank(), 1);
  return tosa::ReciprocalOp::create(
      b, loc, type,
      createSqrt(b, loc,
                 createBinary<tosa::AddOp>(
                     b, loc, elementType, variance,
                     createSplat(b, loc, ones, elementType, epsilon))));
}

/// Mean over `axes` (kept as unit dimensions).
Value createMean(OpBuilder &b, Location loc, Value value,
                 ArrayRef<int64_t> axes) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= type.getDimSize(axis);
  return createMul(b, loc, createReduceSum(b, loc, value, axes),
                   createSplat(b, loc, SmallVector<int64_t>(type.getRank(), 1),
                               type.getElementType(), 1.0 / count));
}

/// (x - mean) / sqrt(var + epsilon) with the statistics over `axes`.
Value createStandardize(OpBuilder &b, Location loc, Value x,
                        ArrayRef<int64_t> axes, double epsilon) {
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  Value mean = createMean(b, loc, x, axes);
  Value centered = createBinary<tosa::SubOp>(b, loc, elementType, x, mean);
  Value variance =
      createMean(b, loc, createMul(b, loc, centered, centered), axes);
  return createMul(b, loc, centered,
                   createInvStdDev(b, loc, variance, epsilon));
}

/// Checks that inputs `from`.. are [C] tensors of `x`'s element type.
LogicalResult checkChannelParams(NodeContext &ctx, ArrayRef<StringRef> names,
                                 unsigned from, int64_t channels,
                                 Type elementType) {
  for (auto [i, name] : llvm::enumerate(names)) {
    RankedTensorType type = ctx.inputType(from + i);
    if (!type)
      return ctx.emitError()
             << "missing required input '" << name << "' (#" << from + i << ")";
    if (type.getNumElements() != channels || type.getRank() > 1 ||
        type.getElementType() != elementType)
      return ctx.emitError()
             << "input '" << name << "' of type " << type << " must be ["
             << channels << "] of " << elementType;
  }
  return success();
}

LogicalResult requireFloatRank(NodeContext &ctx, int64_t minRank) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  if (type.getRank() < minRank)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(type.getShape()) << " but needs rank "
                           << minRank << " or more";
  return success();
}

LogicalResult convertBatchNorm(NodeContext &ctx) {
  if (failed(requireFloatRank(ctx, 2)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (ctx.opset() < 7)
    return ctx.emitError() << "opset " << ctx.opset()
                           << " is not supported (BatchNormalization needs "
                              "opset 7 or later)";
  if (ctx.intAttr("training_mode", 0))
    return ctx.emitError() << "attribute 'training_mode' = 1 is not "
                              "supported at opset "
                           << ctx.opset() << " (inference only)";
  if (ctx.opset() < 9 && !ctx.intAttr("spatial", 1))
    return ctx.emitError() << "attribute 'spatial' = 0 is not supported at "
                              "opset "
                           << ctx.opset();
  for (unsigned i = 1; i < ctx.getNumOutputs(); ++i)
    if (ctx.hasOutput(i))
      return ctx.emitError()
             << "output #" << i << " (training statistics) is not supported";
  int64_t rank = type.getRank(), channels = type.getDimSize(1);
  Type elementType = type.getElementType();
  if (failed(checkChannelParams(ctx, {"scale", "B", "input_mean", "input_var"},
                                1, channels, elementType)))
    return failure();
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value scale, shift;
  const ConstData *s = ctx.constInput(1), *bias = ctx.constInput(2),
                  *mean = ctx.constInput(3), *var = ctx.constInput(4);
  auto paramType = RankedTensorType::get({channels}, elementType);
  if (s && bias && mean && var) {
    // Known statistics: y = x * a + c per channel.
    ConstData a, c;
    for (int64_t i = 0; i < channels; ++i) {
      double factor = s->floats[i] / std::sqrt(var->floats[i] + epsilon);
      a.floats.push_back(factor);
      c.floats.push_back(bias->floats[i] - mean->floats[i] * factor);
    }
    scale = materializeConstData(b, loc, paramType, a);
    shift = materializeConstData(b, loc, paramType, c);
  } else {
    SmallVector<Value> params;
    for (unsigned i = 1; i <= 4; ++i) {
      auto value = ctx.input(i, "parameter");
      if (failed(value))
        return failure();
      params.push_back(*value);
    }
    scale = createMul(b, loc, params[0],
                      createInvStdDev(b, loc, params[3], epsilon));
    shift = createBinary<tosa::SubOp>(b, loc, elementType, params[1],
                                      createMul(b, loc, params[2], scale));
  }
  Value result = createMul(b, loc, *x, perChannel(b, loc, scale, rank));
  result = createBinary<tosa::AddOp>(b, loc, elementType, result,
                                     perChannel(b, loc, shift, rank));
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertInstanceNorm(NodeContext &ctx) {
  if (failed(requireFloatRank(ctx, 3)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank(), channels = type.getDimSize(1);
  Type elementType = type.getElementType();
  if (failed(checkChannelParams(ctx, {"scale", "B"}, 1, channels, elementType)))
    return failure();
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  auto x = ctx.input(0, "input");
  auto scale = ctx.input(1, "scale");
  auto bias = ctx.input(2, "B");
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  Value result = createStandardize(b, loc, *x, axes, epsilon);
  result = createMul(b, loc, result, perChannel(b, loc, *scale, rank));
  result = createBinary<tosa::AddOp>(b, loc, elementType, result,
                                     perChannel(b, loc, *bias, rank));
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertGroupNorm(NodeContext &ctx) {
  if (failed(requireFloatRank(ctx, 3)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank(), n = type.getDimSize(0),
          channels = type.getDimSize(1);
  Type elementType = type.getElementType();
  if (!ctx.hasAttr("num_groups"))
    return ctx.emitError() << "missing required attribute 'num_groups'";
  int64_t groups = ctx.intAttr("num_groups", 1);
  if (groups < 1 || channels % groups != 0)
    return ctx.emitError() << "attribute 'num_groups' = " << groups
                           << " does not divide the " << channels
                           << " channels";
  // Opset 18: scale and bias per group; opset 21: per channel.
  bool perGroup = ctx.opset() < 21;
  if (failed(checkChannelParams(ctx, {"scale", "bias"}, 1,
                                perGroup ? groups : channels, elementType)))
    return failure();
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  auto x = ctx.input(0, "X");
  auto scale = ctx.input(1, "scale");
  auto bias = ctx.input(2, "bias");
  if (failed(x) || failed(scale) || failed(bias))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t perGroupElements = type.getNumElements() / (n * groups);
  Value grouped = createReshape(b, loc, *x, {n, groups, perGroupElements});
  Value result = createStandardize(b, loc, grouped, {2}, epsilon);
  if (perGroup) {
    result = createMul(b, loc, result, perChannel(b, loc, *scale, 3));
    result = createBinary<tosa::AddOp>(b, loc, elementType, result,
                                       perChannel(b, loc, *bias, 3));
    result = createReshape(b, loc, result, type.getShape());
  } else {
    result = createReshape(b, loc, result, type.getShape());
    result = createMul(b, loc, result, perChannel(b, loc, *scale, rank));
    result = createBinary<tosa::AddOp>(b, loc, elementType, result,
                                       perChannel(b, loc, *bias, rank));
  }
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertRMSNorm(NodeContext &ctx) {
  if (failed(requireFloatRank(ctx, 1)))
    return failure();
  RankedTensorType type = ctx.inputType(0), scaleType = ctx.inputType(1);
  if (!scaleType)
    return ctx.emitError() << "missing required input 'scale' (#1)";
  int64_t rank = type.getRank();
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", -1), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = type.getShape().drop_front(*axis);
  auto shape = broadcastShapes(scaleType.getShape(), normalized);
  if (failed(shape) || ArrayRef<int64_t>(*shape) != normalized ||
      scaleType.getElementType() != type.getElementType())
    return ctx.emitError() << "input 'scale' of type " << scaleType
                           << " does not broadcast to the normalized shape "
                           << formatShape(normalized);
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  auto x = ctx.input(0, "X");
  auto scale = ctx.input(1, "scale");
  if (failed(x) || failed(scale))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
  Value meanSquare = createMean(b, loc, createMul(b, loc, *x, *x), axes);
  Value result =
      createMul(b, loc, *x, createInvStdDev(b, loc, meanSquare, epsilon));
  ctx.setResult(0, createMul(b, loc, result, *scale));
  return success();
}

} // namespace

void onnx_import::registerNormConverters(ConverterRegistry &registry) {
  registry.add("", "BatchNormalization", convertBatchNorm);
  registry.add("", "InstanceNormalization", convertInstanceNorm);
  registry.add("", "GroupNormalization", convertGroupNorm);
  registry.add("", "RMSNormalization", convertRMSNorm);
}
