//===- PoolOps.cpp - ONNX pooling -----------------------------------------===//
//
// MaxPool and AveragePool (1-D, 2-D and 3-D, NCHW; pads, auto_pad,
// strides, dilations, ceil_mode, count_include_pad) as
// linalg.pooling_nchw_max/sum (3-D: the same window reduction as a
// linalg.generic) over the input padded with tensor.pad; an average divides
// the sum by the number of elements each window counts, a constant
// computed here.
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

/// Checks input 'X' of MaxPool/AveragePool (float, rank 3 to 5) and the
/// MaxPool features not supported.
LogicalResult checkPoolInput(NodeContext &ctx, RankedTensorType type,
                             bool isMax) {
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  int64_t rank = type.getRank();
  if (rank < 3 || rank > 5)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(type.getShape())
                           << ": only 1-D, 2-D and 3-D pooling (NCW, NCHW, "
                              "NCDHW) is supported";
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
        std::max<int64_t>(0, (d.out - 1) * d.stride + window - d.in);
    std::tie(d.padBegin, d.padEnd) =
        splitSamePadding(total, autoPad == "SAME_UPPER");
  } else if (autoPad == "VALID") {
    d.padBegin = d.padEnd = 0;
    d.out = d.in < window ? 0 : (d.in - window) / d.stride + 1;
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

/// The 3-D window reduction of NCDHW `input` (padded) into `init`: what
/// linalg.pooling_nchw_max/sum are in 2-D, as a linalg.generic (linalg has
/// no NCDHW pooling op).
Value createPool3D(OpBuilder &b, Location loc, Value input, Value window,
                   Value init, ArrayRef<PoolDim> dims, bool isMax) {
  int64_t spatial = dims.size(), numLoops = 2 + 2 * spatial;
  SmallVector<AffineExpr> inputExprs = {b.getAffineDimExpr(0),
                                        b.getAffineDimExpr(1)};
  SmallVector<AffineExpr> windowExprs, outExprs = inputExprs;
  for (auto [i, d] : llvm::enumerate(dims)) {
    AffineExpr o = b.getAffineDimExpr(2 + i),
               k = b.getAffineDimExpr(2 + spatial + i);
    inputExprs.push_back(o * d.stride + k * d.dilation);
    windowExprs.push_back(k);
    outExprs.push_back(o);
  }
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::get(numLoops, 0, inputExprs, context),
      AffineMap::get(numLoops, 0, windowExprs, context),
      AffineMap::get(numLoops, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{input, window},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value acc =
                   isMax ? arith::MaximumFOp::create(nb, nl, args[2], args[0])
                               .getResult()
                         : arith::AddFOp::create(nb, nl, args[2], args[0])
                               .getResult();
               linalg::YieldOp::create(nb, nl, acc);
             })
      .getResult(0);
}

/// The pooling of NCHW or NCDHW `input` over the windows `dims` (one per
/// spatial axis, 2 or 3): a max, or a sum scaled by the inverse of each
/// window's count.
Value buildPool(OpBuilder &b, Location loc, Value input, ArrayRef<PoolDim> dims,
                bool isMax, bool includePad) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  SmallVector<int64_t> low = {0, 0}, high = {0, 0};
  SmallVector<int64_t> outShape = {n, c}, kernel, strides, dilations;
  for (const PoolDim &d : dims) {
    low.push_back(d.padBegin);
    high.push_back(d.padEnd + d.extraEnd);
    outShape.push_back(d.out);
    kernel.push_back(d.kernel);
    strides.push_back(d.stride);
    dilations.push_back(d.dilation);
  }
  if (llvm::any_of(low, [](int64_t v) { return v; }) ||
      llvm::any_of(high, [](int64_t v) { return v; })) {
    Value fill = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(elementType, padValue));
    input = createConstantPad(b, loc, input, low, high, fill);
  }
  Value init = tensor::EmptyOp::create(b, loc, outShape, elementType);
  Value initValue =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, padValue));
  init = linalg::FillOp::create(b, loc, initValue, init).getResult(0);
  Value window = tensor::EmptyOp::create(b, loc, kernel, elementType);
  auto i64Attr = [&](ArrayRef<int64_t> values) {
    return DenseIntElementsAttr::get(
        RankedTensorType::get({int64_t(values.size())}, b.getI64Type()),
        values);
  };
  auto resultType = RankedTensorType::get(outShape, elementType);
  Value result;
  if (dims.size() == 3)
    result = createPool3D(b, loc, input, window, init, dims, isMax);
  else if (isMax)
    result = linalg::PoolingNchwMaxOp::create(
                 b, loc, TypeRange{resultType}, ValueRange{input, window},
                 ValueRange{init}, i64Attr(strides), i64Attr(dilations))
                 .getResult(0);
  else
    result = linalg::PoolingNchwSumOp::create(
                 b, loc, TypeRange{resultType}, ValueRange{input, window},
                 ValueRange{init}, i64Attr(strides), i64Attr(dilations))
                 .getResult(0);
  if (isMax)
    return result;
  // 1 / (the product of the counts along each axis), row-major.
  ConstData inverse;
  inverse.floats.push_back(1.0);
  for (const PoolDim &d : dims) {
    SmallVector<int64_t> counts = windowCounts(d, includePad);
    SmallVector<double> next;
    for (double outer : inverse.floats)
      for (int64_t count : counts)
        next.push_back(outer * count);
    inverse.floats.assign(next.begin(), next.end());
  }
  for (double &v : inverse.floats)
    v = v != 0 ? 1.0 / v : 0.0;
  SmallVector<int64_t> scaleShape(outShape);
  scaleShape[0] = scaleShape[1] = 1;
  Value scale = materializeConstData(
      b, loc, RankedTensorType::get(scaleShape, elementType), inverse);
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
  int64_t spatial = type.getRank() - 2;
  // 1-D pooling runs as 2-D with a unit H.
  if (spatial == 1)
    dims->insert(dims->begin(), PoolDim{1, 1, 1, 1, 0, 0, 1, 0});
  SmallVector<int64_t> shape = {type.getDimSize(0), type.getDimSize(1)};
  for (const PoolDim &d : *dims)
    shape.push_back(d.in);
  Value input = createReshape(b, loc, *x, shape);
  Value result = buildPool(b, loc, input, *dims, isMax, includePad);
  shape.resize(2);
  for (const PoolDim &d : ArrayRef<PoolDim>(*dims).take_back(spatial))
    shape.push_back(d.out);
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
