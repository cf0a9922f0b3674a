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

LogicalResult convertPool(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  bool isMax = ctx.opType() == "MaxPool";
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
  int64_t spatial = rank - 2;
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape", {});
  if (static_cast<int64_t>(kernel.size()) != spatial)
    return ctx.emitError() << "attribute 'kernel_shape' needs " << spatial
                           << " values";
  SmallVector<int64_t> strides =
      ctx.intsAttr("strides", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations =
      ctx.intsAttr("dilations", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads =
      ctx.intsAttr("pads", SmallVector<int64_t>(2 * spatial, 0));
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return ctx.emitError() << "attributes 'strides', 'dilations' and 'pads' "
                              "need "
                           << spatial << ", " << spatial << " and "
                           << 2 * spatial << " values";
  for (int64_t i = 0; i < spatial; ++i)
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[spatial + i] < 0)
      return ctx.emitError() << "kernel_shape, strides and dilations must be "
                                "positive and pads not negative";
  bool ceilMode = ctx.intAttr("ceil_mode", 0);
  bool includePad = !isMax && ctx.intAttr("count_include_pad", 0);
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (!llvm::is_contained({"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"},
                          autoPad))
    return ctx.emitError() << "attribute 'auto_pad' = '" << autoPad
                           << "' is not supported at opset " << ctx.opset();

  SmallVector<PoolDim> dims;
  for (int64_t i = 0; i < spatial; ++i) {
    PoolDim d{
        type.getDimSize(2 + i), kernel[i], strides[i], dilations[i], pads[i],
        pads[spatial + i],      0};
    int64_t window = d.dilation * (d.kernel - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      d.out = (d.in - 1) / d.stride + 1;
      int64_t total =
          std::max<int64_t>(0, (d.out - 1) * d.stride + d.kernel - d.in);
      d.padBegin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      d.padEnd = total - d.padBegin;
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
    dims.push_back(d);
  }
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  // Work in 2-D: 1-D pooling gets a unit H.
  if (spatial == 1)
    dims.insert(dims.begin(), PoolDim{1, 1, 1, 1, 0, 0, 1, 0});
  Value input = createReshape(b, loc, *x, {n, c, dims[0].in, dims[1].in});
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
  Value result;
  if (isMax) {
    result = linalg::PoolingNchwMaxOp::create(
                 b, loc, TypeRange{resultType}, ValueRange{input, window},
                 ValueRange{init}, strideAttr, dilationAttr)
                 .getResult(0);
  } else {
    result = linalg::PoolingNchwSumOp::create(
                 b, loc, TypeRange{resultType}, ValueRange{input, window},
                 ValueRange{init}, strideAttr, dilationAttr)
                 .getResult(0);
    // The elements each window counts: inside the input, or inside the
    // explicit padding with count_include_pad (never the ceil_mode extra).
    auto counts = [&](const PoolDim &d) {
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
    };
    SmallVector<int64_t> rows = counts(dims[0]), cols = counts(dims[1]);
    ConstData inverse;
    for (int64_t r : rows)
      for (int64_t col : cols)
        inverse.floats.push_back(r * col != 0 ? 1.0 / (r * col) : 0.0);
    Value scale = materializeConstData(
        b, loc,
        RankedTensorType::get({1, 1, dims[0].out, dims[1].out}, elementType),
        inverse);
    result = createMul(b, loc, result, scale);
  }
  SmallVector<int64_t> shape = {n, c};
  for (int64_t i = 0; i < 2; ++i)
    if (spatial == 2 || i == 1)
      shape.push_back(dims[i].out);
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
