//===- PoolOps.cpp - ONNX pooling -----------------------------------------===//
//
// MaxPool and AveragePool (1-D and 2-D, NCHW; pads, auto_pad, strides,
// dilations, ceil_mode, count_include_pad) as linalg.pooling_nchw_max/sum
// over the input padded with tensor.pad; an average divides the sum by the
// number of elements each window counts, a constant computed here.
// GlobalAveragePool and GlobalMaxPool reduce the spatial dimensions.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// One spatial dimension of a pooling window.
struct PoolDim {
  int64_t in, kernel, stride, dilation;
  int64_t padBegin, padEnd; // the explicit (or automatic) padding
  int64_t out;
  int64_t extraEnd = 0; // more padding so the last window fits (ceil_mode)
};

/// Checks input 'X' of MaxPool/AveragePool (float, rank 3 or 4) and the
/// MaxPool features not supported.
LogicalResult checkPoolInput(NodeContext &ctx, RankedTensorType type,
                             bool isMax) {
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  int64_t rank = type.getRank();
  if (rank != 3 && rank != 4)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(type.getShape())
                           << ": only 1-D and 2-D pooling (NCW, NCHW) is "
                              "supported";
  if (isMax && ctx.hasOutput(1))
    return ctx.emitError() << "output 'Indices' is not supported";
  if (isMax && ctx.intAttr("storage_order", 0))
    return ctx.emitError() << "attribute 'storage_order' = 1 is not "
                              "supported at opset "
                           << ctx.opset();
  return success();
}

/// The output size and the padding of one window dimension `d` (its input,
/// kernel, stride, dilation and explicit pads set).
LogicalResult resolvePoolDim(NodeContext &ctx, RankedTensorType type,
                             StringRef autoPad, bool ceilMode, PoolDim &d) {
  int64_t window = d.dilation * (d.kernel - 1) + 1;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    d.out = (d.in - 1) / d.stride + 1;
    int64_t total =
        std::max<int64_t>(0, (d.out - 1) * d.stride + d.kernel - d.in);
    std::tie(d.padBegin, d.padEnd) =
        splitSamePadding(total, autoPad == "SAME_UPPER");
  } else if (autoPad == "VALID") {
    d.padBegin = d.padEnd = 0;
    d.out = (d.in - d.kernel) / d.stride + 1;
  } else {
    int64_t span = d.in + d.padBegin + d.padEnd - window;
    if (span < 0)
      return ctx.emitError() << "kernel extent " << window
                             << " is larger than the padded input "
                             << d.in + d.padBegin + d.padEnd;
    d.out =
        ceilMode ? (span + d.stride - 1) / d.stride + 1 : span / d.stride + 1;
    // The last window must start inside the input or its left padding.
    if (ceilMode && (d.out - 1) * d.stride >= d.in + d.padBegin)
      --d.out;
  }
  if (d.out < 1)
    return ctx.emitError() << "the window does not fit the input "
                           << formatShape(type.getShape());
  int64_t need = (d.out - 1) * d.stride + window;
  d.extraEnd = std::max<int64_t>(0, need - (d.in + d.padBegin + d.padEnd));
  return success();
}

/// The window of each spatial dimension of a MaxPool/AveragePool node;
/// `includePad` is set from count_include_pad.
FailureOr<SmallVector<PoolDim>> poolWindow(NodeContext &ctx,
                                           RankedTensorType type, bool isMax,
                                           bool &includePad) {
  int64_t spatial = type.getRank() - 2;
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape", {});
  if (static_cast<int64_t>(kernel.size()) != spatial)
    return ctx.emitError() << "attribute 'kernel_shape' needs " << spatial
                           << " values";
  FailureOr<WindowAttrs> attrs = readWindowAttrs(ctx, spatial);
  if (failed(attrs))
    return failure();
  ArrayRef<int64_t> strides = attrs->strides, dilations = attrs->dilations,
                    pads = attrs->pads;
  for (int64_t i = 0; i < spatial; ++i)
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[spatial + i] < 0)
      return ctx.emitError() << "kernel_shape, strides and dilations must be "
                                "positive and pads not negative";
  bool ceilMode = ctx.intAttr("ceil_mode", 0);
  includePad = !isMax && ctx.intAttr("count_include_pad", 0);
  FailureOr<std::string> autoPad = readAutoPad(ctx);
  if (failed(autoPad))
    return failure();
  SmallVector<PoolDim> dims;
  for (int64_t i = 0; i < spatial; ++i) {
    PoolDim d{
        type.getDimSize(2 + i), kernel[i], strides[i], dilations[i], pads[i],
        pads[spatial + i],      0};
    if (failed(resolvePoolDim(ctx, type, *autoPad, ceilMode, d)))
      return failure();
    dims.push_back(d);
  }
  return dims;
}

/// For each output position of `d`, the number of elements its window
/// counts: inside the input, or inside the explicit padding with
/// count_include_pad (never the ceil_mode extra).
SmallVector<int64_t> windowCounts(const PoolDim &d, bool includePad) {
  SmallVector<int64_t> result;
  for (int64_t o = 0; o < d.out; ++o) {
    int64_t count = 0;
    for (int64_t k = 0; k < d.kernel; ++k) {
      int64_t pos = o * d.stride + k * d.dilation;
      if (includePad ? pos < d.in + d.padBegin + d.padEnd
                     : pos >= d.padBegin && pos < d.padBegin + d.in)
        ++count;
    }
    result.push_back(count);
  }
  return result;
}

/// The 2-D pooling of NCHW `input` over the windows `dims` (H, W): a max,
/// or a sum scaled by the inverse of each window's count.
Value buildPool(OpBuilder &b, Location loc, Value input, ArrayRef<PoolDim> dims,
                bool isMax, bool includePad) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  SmallVector<int64_t> low = {0, 0, dims[0].padBegin, dims[1].padBegin};
  SmallVector<int64_t> high = {0, 0, dims[0].padEnd + dims[0].extraEnd,
                               dims[1].padEnd + dims[1].extraEnd};
  if (llvm::any_of(low, [](int64_t v) { return v; }) ||
      llvm::any_of(high, [](int64_t v) { return v; })) {
    Value fill = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(elementType, padValue));
    input = createConstantPad(b, loc, input, low, high, fill);
  }
  SmallVector<int64_t> outShape = {n, c, dims[0].out, dims[1].out};
  Value init = tensor::EmptyOp::create(b, loc, outShape, elementType);
  Value initValue =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, padValue));
  init = linalg::FillOp::create(b, loc, initValue, init).getResult(0);
  Value window = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{dims[0].kernel, dims[1].kernel}, elementType);
  auto i64Attr = [&](ArrayRef<int64_t> values) {
    return DenseIntElementsAttr::get(RankedTensorType::get({2}, b.getI64Type()),
                                     values);
  };
  Attribute strideAttr = i64Attr({dims[0].stride, dims[1].stride});
  Attribute dilationAttr = i64Attr({dims[0].dilation, dims[1].dilation});
  auto resultType = RankedTensorType::get(outShape, elementType);
  if (isMax)
    return linalg::PoolingNchwMaxOp::create(
               b, loc, TypeRange{resultType}, ValueRange{input, window},
               ValueRange{init}, strideAttr, dilationAttr)
        .getResult(0);
  Value result = linalg::PoolingNchwSumOp::create(
                     b, loc, TypeRange{resultType}, ValueRange{input, window},
                     ValueRange{init}, strideAttr, dilationAttr)
                     .getResult(0);
  SmallVector<int64_t> rows = windowCounts(dims[0], includePad),
                       cols = windowCounts(dims[1], includePad);
  ConstData inverse;
  for (int64_t r : rows)
    for (int64_t col : cols)
      inverse.floats.push_back(r * col != 0 ? 1.0 / (r * col) : 0.0);
  Value scale = materializeConstData(
      b, loc,
      RankedTensorType::get({1, 1, dims[0].out, dims[1].out}, elementType),
      inverse);
  return createMul(b, loc, result, scale);
}

LogicalResult convertPool(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  bool isMax = ctx.opType() == "MaxPool";
  if (failed(checkPoolInput(ctx, type, isMax)))
    return failure();
  bool includePad = false;
  FailureOr<SmallVector<PoolDim>> dims =
      poolWindow(ctx, type, isMax, includePad);
  if (failed(dims))
    return failure();
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  int64_t spatial = type.getRank() - 2;
  // Work in 2-D: 1-D pooling gets a unit H.
  if (spatial == 1)
    dims->insert(dims->begin(), PoolDim{1, 1, 1, 1, 0, 0, 1, 0});
  Value input = createReshape(b, loc, *x, {n, c, (*dims)[0].in, (*dims)[1].in});
  Value result = buildPool(b, loc, input, *dims, isMax, includePad);
  SmallVector<int64_t> shape = {n, c};
  for (int64_t i = 0; i < 2; ++i)
    if (spatial == 2 || i == 1)
      shape.push_back((*dims)[i].out);
  ctx.setResult(0, createReshape(b, loc, result, shape));
  return success();
}

LogicalResult convertGlobalPool(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  if (type.getRank() < 2)
    return ctx.emitError() << "input 'X' must have rank >= 2";
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  Value result = *x;
  int64_t count = 1;
  for (int64_t axis = 2; axis < rank; ++axis) {
    count *= type.getDimSize(axis);
    auto current = cast<RankedTensorType>(result.getType());
    SmallVector<int64_t> shape(current.getShape());
    shape[axis] = 1;
    auto reducedType = RankedTensorType::get(shape, elementType);
    if (ctx.opType() == "GlobalMaxPool")
      result = tosa::ReduceMaxOp::create(b, loc, reducedType, result,
                                         b.getI32IntegerAttr(axis));
    else
      result = tosa::ReduceSumOp::create(b, loc, reducedType, result,
                                         b.getI32IntegerAttr(axis));
  }
  if (ctx.opType() == "GlobalAveragePool")
    result = createMul(b, loc, result,
                       createSplat(b, loc, SmallVector<int64_t>(rank, 1),
                                   elementType, 1.0 / count));
  ctx.setResult(0, result);
  return success();
}

} // namespace

void onnx_import::registerPoolConverters(ConverterRegistry &registry) {
  registry.add("", "MaxPool", convertPool);
  registry.add("", "AveragePool", convertPool);
  registry.add("", "GlobalAveragePool", convertGlobalPool);
  registry.add("", "GlobalMaxPool", convertGlobalPool);
}
