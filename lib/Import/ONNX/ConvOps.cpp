//===- ConvOps.cpp - ONNX Conv and ConvTranspose --------------------------===//
//
// ONNX Conv (1-D and 2-D, NCHW, pads/strides/dilations/group, auto_pad) on
// TOSA's NHWC convolutions: group 1 becomes tosa.conv2d, one group per
// input channel tosa.depthwise_conv2d, other groups one tosa.conv2d per
// group joined with tosa.concat. 1-D convolutions run as 2-D with H = 1.
// ConvTranspose becomes the equivalent stride-1 convolution of the input
// with zeros inserted between its elements.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// Geometry of one convolution, in 2-D terms.
struct ConvGeometry {
  int64_t n, c, h, w; // input
  int64_t m, kh, kw;  // weights
  int64_t group;
  SmallVector<int64_t> pad; // top, bottom, left, right (TOSA order)
  SmallVector<int64_t> stride, dilation;
  int64_t oh, ow;
};

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

/// One tosa.conv2d of NHWC `input` with OHWI `weight`.
Value createConv2D(OpBuilder &b, Location loc, Value input, Value weight,
                   Value bias, const ConvGeometry &g) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type elementType = weightType.getElementType();
  auto resultType = RankedTensorType::get(
      {g.n, g.oh, g.ow, weightType.getDimSize(0)}, elementType);
  Value inputZeroPoint = createZeroPoint(b, loc, elementType);
  Value weightZeroPoint = createZeroPoint(b, loc, elementType);
  return tosa::Conv2DOp::create(
      b, loc, resultType, input, weight, bias, inputZeroPoint, weightZeroPoint,
      b.getDenseI64ArrayAttr(g.pad), b.getDenseI64ArrayAttr(g.stride),
      b.getDenseI64ArrayAttr(g.dilation), TypeAttr::get(elementType),
      /*local_bound=*/b.getBoolAttr(false));
}

LogicalResult convertConv(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (!xType || !wType)
    return ctx.emitError() << "needs inputs 'X' and 'W'";
  int64_t rank = xType.getRank();
  if ((rank != 3 && rank != 4) || wType.getRank() != rank)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(xType.getShape()) << " and 'W' "
                           << formatShape(wType.getShape())
                           << ": only 1-D and 2-D convolutions (NCW, NCHW) "
                              "are supported";
  if (!isa<FloatType>(xType.getElementType()) ||
      xType.getElementType() != wType.getElementType())
    return ctx.emitError() << "needs floating-point inputs of one type";
  int64_t spatial = rank - 2;
  ConvGeometry g;
  g.n = xType.getDimSize(0);
  g.c = xType.getDimSize(1);
  g.h = spatial == 2 ? xType.getDimSize(2) : 1;
  g.w = xType.getDimSize(rank - 1);
  g.m = wType.getDimSize(0);
  g.kh = spatial == 2 ? wType.getDimSize(2) : 1;
  g.kw = wType.getDimSize(rank - 1);
  g.group = ctx.intAttr("group", 1);
  if (g.group < 1 || g.c % g.group != 0 || g.m % g.group != 0 ||
      wType.getDimSize(1) * g.group != g.c)
    return ctx.emitError() << "input 'W' has shape "
                           << formatShape(wType.getShape()) << " but X has "
                           << g.c << " channels and group = " << g.group
                           << " (needs [M, C / group, ...], M divisible by "
                              "group)";
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape", {});
  if (!kernel.empty() &&
      kernel != ArrayRef<int64_t>(wType.getShape()).drop_front(2))
    return ctx.emitError() << "attribute 'kernel_shape' " << formatShape(kernel)
                           << " does not match 'W' "
                           << formatShape(wType.getShape());
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
  for (int64_t v : strides)
    if (v < 1)
      return ctx.emitError() << "attribute 'strides' must be positive";
  for (int64_t v : dilations)
    if (v < 1)
      return ctx.emitError() << "attribute 'dilations' must be positive";
  // Work in 2-D: 1-D convolutions get a unit H.
  if (spatial == 1) {
    strides.insert(strides.begin(), 1);
    dilations.insert(dilations.begin(), 1);
    pads = {0, pads[0], 0, pads[1]};
  }
  int64_t inH[2] = {g.h, g.w}, k[2] = {g.kh, g.kw};
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  int64_t out[2];
  for (int d = 0; d < 2; ++d) {
    int64_t extent = dilations[d] * (k[d] - 1) + 1;
    if (autoPad == "VALID") {
      pads[d] = pads[d + 2] = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t want = (inH[d] + strides[d] - 1) / strides[d];
      int64_t total =
          std::max<int64_t>(0, (want - 1) * strides[d] + extent - inH[d]);
      int64_t small = total / 2, large = total - small;
      pads[d] = autoPad == "SAME_UPPER" ? small : large;
      pads[d + 2] = autoPad == "SAME_UPPER" ? large : small;
    } else if (autoPad != "NOTSET") {
      return ctx.emitError() << "attribute 'auto_pad' = '" << autoPad
                             << "' is not NOTSET, SAME_UPPER, SAME_LOWER or "
                                "VALID";
    }
    int64_t padded = inH[d] + pads[d] + pads[d + 2];
    if (padded < extent)
      return ctx.emitError() << "kernel extent " << extent
                             << " is larger than the padded input " << padded;
    out[d] = (padded - extent) / strides[d] + 1;
    // TOSA wants the strided window to end exactly at the padded edge:
    // drop the trailing padding no output reads.
    int64_t unused = (padded - extent) % strides[d];
    pads[d + 2] -= std::min(unused, pads[d + 2]);
  }
  g.oh = out[0];
  g.ow = out[1];
  g.stride = {strides[0], strides[1]};
  g.dilation = {dilations[0], dilations[1]};
  g.pad = {pads[0], pads[2], pads[1], pads[3]};
  RankedTensorType bType = ctx.inputType(2);
  if (bType && (bType.getRank() != 1 || bType.getDimSize(0) != g.m))
    return ctx.emitError() << "input 'B' has shape "
                           << formatShape(bType.getShape()) << " but needs ["
                           << g.m << "]";

  auto x = ctx.input(0, "X");
  auto w = ctx.input(1, "W");
  if (failed(x) || failed(w))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = xType.getElementType();
  Value bias;
  if (bType) {
    auto given = ctx.input(2, "B");
    if (failed(given))
      return failure();
    bias = *given;
  } else {
    bias = createSplat(b, loc, {g.m}, elementType, 0.0);
  }
  // Trailing padding cut above may leave input rows no window reads.
  int64_t needH = (g.oh - 1) * g.stride[0] + g.dilation[0] * (g.kh - 1) + 1 -
                  g.pad[0] - g.pad[1];
  int64_t needW = (g.ow - 1) * g.stride[1] + g.dilation[1] * (g.kw - 1) + 1 -
                  g.pad[2] - g.pad[3];
  Value input = createTranspose(
      b, loc, createReshape(b, loc, *x, {g.n, g.c, g.h, g.w}), {0, 2, 3, 1});
  if (needH < g.h)
    input = sliceAxis(b, loc, input, 1, 0, needH);
  if (needW < g.w)
    input = sliceAxis(b, loc, input, 2, 0, needW);
  int64_t cg = g.c / g.group, mg = g.m / g.group;
  Value weight = createReshape(b, loc, *w, {g.m, cg, g.kh, g.kw}); // OIHW, 2-D
  Value result;
  if (g.group == 1) {
    result = createConv2D(
        b, loc, input, createTranspose(b, loc, weight, {0, 2, 3, 1}), bias, g);
  } else if (cg == 1) {
    // Depthwise: TOSA weights [KH, KW, C, M / C].
    Value dw = createTranspose(
        b, loc, createReshape(b, loc, weight, {g.c, mg, g.kh, g.kw}),
        {2, 3, 0, 1});
    Value inputZeroPoint = createZeroPoint(b, loc, elementType);
    Value weightZeroPoint = createZeroPoint(b, loc, elementType);
    result = tosa::DepthwiseConv2DOp::create(
        b, loc, RankedTensorType::get({g.n, g.oh, g.ow, g.m}, elementType),
        input, dw, bias, inputZeroPoint, weightZeroPoint,
        b.getDenseI64ArrayAttr(g.pad), b.getDenseI64ArrayAttr(g.stride),
        b.getDenseI64ArrayAttr(g.dilation), TypeAttr::get(elementType),
        b.getBoolAttr(false));
  } else {
    SmallVector<Value> parts;
    Value ohwi = createTranspose(b, loc, weight, {0, 2, 3, 1});
    for (int64_t i = 0; i < g.group; ++i)
      parts.push_back(createConv2D(b, loc,
                                   sliceAxis(b, loc, input, 3, i * cg, cg),
                                   sliceAxis(b, loc, ohwi, 0, i * mg, mg),
                                   sliceAxis(b, loc, bias, 0, i * mg, mg), g));
    result = tosa::ConcatOp::create(
        b, loc, RankedTensorType::get({g.n, g.oh, g.ow, g.m}, elementType),
        parts, b.getI32IntegerAttr(3));
  }
  result = createTranspose(b, loc, result, {0, 3, 1, 2});
  if (spatial == 1)
    result = createReshape(b, loc, result, {g.n, g.m, g.ow});
  ctx.setResult(0, result);
  return success();
}

/// ConvTranspose as the convolution it is the adjoint of: the input with
/// stride - 1 zeros inserted between its elements, padded by
/// dilation * (kernel - 1) less the ONNX pads (output_padding more at the
/// end), convolved with stride 1 by the spatially flipped kernel whose
/// input and output channels swap places. Negative paddings crop the
/// result.
LogicalResult convertConvTranspose(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (!xType || !wType)
    return ctx.emitError() << "needs inputs 'X' and 'W'";
  int64_t rank = xType.getRank();
  if ((rank != 3 && rank != 4) || wType.getRank() != rank)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(xType.getShape()) << " and 'W' "
                           << formatShape(wType.getShape())
                           << ": only 1-D and 2-D transposed convolutions "
                              "(NCW, NCHW) are supported";
  if (!isa<FloatType>(xType.getElementType()) ||
      xType.getElementType() != wType.getElementType())
    return ctx.emitError() << "needs floating-point inputs of one type";
  int64_t spatial = rank - 2;
  int64_t n = xType.getDimSize(0), c = xType.getDimSize(1);
  int64_t group = ctx.intAttr("group", 1);
  if (group < 1 || c % group != 0 || wType.getDimSize(0) != c)
    return ctx.emitError() << "input 'W' has shape "
                           << formatShape(wType.getShape()) << " but X has "
                           << c << " channels and group = " << group
                           << " (needs [C, M / group, ...])";
  int64_t mg = wType.getDimSize(1), m = mg * group, cg = c / group;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  SmallVector<int64_t> kernelAttr = ctx.intsAttr("kernel_shape", kernel);
  if (kernelAttr != ArrayRef<int64_t>(kernel))
    return ctx.emitError() << "attribute 'kernel_shape' "
                           << formatShape(kernelAttr) << " does not match 'W' "
                           << formatShape(wType.getShape());
  SmallVector<int64_t> strides =
      ctx.intsAttr("strides", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations =
      ctx.intsAttr("dilations", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> outputPadding =
      ctx.intsAttr("output_padding", SmallVector<int64_t>(spatial, 0));
  SmallVector<int64_t> outputShape = ctx.intsAttr("output_shape", {});
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (!llvm::is_contained({"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"},
                          autoPad))
    return ctx.emitError() << "attribute 'auto_pad' = '" << autoPad
                           << "' is not supported at opset " << ctx.opset();
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(outputPadding.size()) != spatial ||
      (!outputShape.empty() &&
       static_cast<int64_t>(outputShape.size()) != spatial))
    return ctx.emitError() << "attributes 'strides', 'dilations', "
                              "'output_padding' and 'output_shape' need "
                           << spatial << " values";
  for (int64_t i = 0; i < spatial; ++i)
    if (strides[i] < 1 || dilations[i] < 1)
      return ctx.emitError() << "attributes 'strides' and 'dilations' must be "
                                "positive";
  SmallVector<int64_t> in(xType.getShape().drop_front(2));
  SmallVector<int64_t> pads;
  bool explicitPads =
      ctx.hasAttr("pads") || (autoPad != "SAME_UPPER" &&
                              autoPad != "SAME_LOWER" && outputShape.empty());
  if (explicitPads) {
    pads = ctx.intsAttr("pads", SmallVector<int64_t>(2 * spatial, 0));
    if (static_cast<int64_t>(pads.size()) != 2 * spatial)
      return ctx.emitError()
             << "attribute 'pads' needs " << 2 * spatial << " values";
  } else {
    // Pads from the requested output shape (in * stride for SAME_*).
    pads.assign(2 * spatial, 0);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t want = outputShape.empty() ? in[i] * strides[i] : outputShape[i];
      int64_t total = strides[i] * (in[i] - 1) + outputPadding[i] +
                      (kernel[i] - 1) * dilations[i] + 1 - want;
      // Floor division: an output larger than the natural one makes the
      // total negative.
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[spatial + i] = total - pads[i];
    }
  }
  SmallVector<int64_t> out(spatial);
  for (int64_t i = 0; i < spatial; ++i) {
    out[i] = strides[i] * (in[i] - 1) + outputPadding[i] +
             (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[spatial + i];
    if (out[i] < 1)
      return ctx.emitError() << "the output would have no elements along "
                                "spatial axis "
                             << i;
  }
  if (!outputShape.empty() && explicitPads && outputShape != out)
    return ctx.emitError() << "attribute 'output_shape' "
                           << formatShape(outputShape)
                           << " differs from the shape the pads give, "
                           << formatShape(out);
  RankedTensorType bType = ctx.inputType(2);
  if (bType && (bType.getRank() != 1 || bType.getDimSize(0) != m))
    return ctx.emitError() << "input 'B' has shape "
                           << formatShape(bType.getShape()) << " but needs ["
                           << m << "]";
  auto x = ctx.input(0, "X");
  auto w = ctx.input(1, "W");
  if (failed(x) || failed(w))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type elementType = xType.getElementType();
  Value bias;
  if (bType) {
    auto given = ctx.input(2, "B");
    if (failed(given))
      return failure();
    bias = *given;
  } else {
    bias = createSplat(b, loc, {m}, elementType, 0.0);
  }
  // Work in 2-D: 1-D gets a unit H.
  if (spatial == 1) {
    auto front = [](SmallVector<int64_t> &v, int64_t value) {
      v.insert(v.begin(), value);
    };
    front(in, 1);
    front(kernel, 1);
    front(strides, 1);
    front(dilations, 1);
    front(outputPadding, 0);
    front(out, 1);
    pads = {0, pads[0], 0, pads[1]};
  }
  Value input = createTranspose(
      b, loc, createReshape(b, loc, *x, {n, c, in[0], in[1]}), {0, 2, 3, 1});
  // Zeros between the elements.
  int64_t zh = (in[0] - 1) * strides[0] + 1, zw = (in[1] - 1) * strides[1] + 1;
  if (zh != in[0] || zw != in[1]) {
    // A filled tensor, not a constant: the insertion writes into it.
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
    Value empty = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, zh, zw, c}, elementType);
    Value zeros =
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
            .getResult(0);
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(in[0]),
                                       b.getIndexAttr(in[1]),
                                       b.getIndexAttr(c)};
    SmallVector<OpFoldResult> steps = {
        b.getIndexAttr(1), b.getIndexAttr(strides[0]),
        b.getIndexAttr(strides[1]), b.getIndexAttr(1)};
    input = tensor::InsertSliceOp::create(b, loc, input, zeros, offsets, sizes,
                                          steps);
  }
  // Padding of the equivalent convolution, negative parts cropped later.
  ConvGeometry g;
  g.n = n;
  g.c = cg;
  g.h = zh;
  g.w = zw;
  g.m = mg;
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.group = 1;
  int64_t convPad[4], crop[4];
  for (int d = 0; d < 2; ++d) {
    int64_t extent = dilations[d] * (kernel[d] - 1);
    int64_t begin = extent - pads[d];
    int64_t end = extent - pads[2 + d] + outputPadding[d];
    convPad[2 * d] = std::max<int64_t>(begin, 0);
    convPad[2 * d + 1] = std::max<int64_t>(end, 0);
    crop[2 * d] = convPad[2 * d] - begin;
    crop[2 * d + 1] = convPad[2 * d + 1] - end;
  }
  g.pad = {convPad[0], convPad[1], convPad[2], convPad[3]};
  g.stride = {1, 1};
  g.dilation = {dilations[0], dilations[1]};
  g.oh = zh + convPad[0] + convPad[1] - dilations[0] * (kernel[0] - 1);
  g.ow = zw + convPad[2] + convPad[3] - dilations[1] * (kernel[1] - 1);
  // W [C, M / group, KH, KW] -> per group OHWI [M / group, KH, KW, C / group],
  // flipped in KH and KW.
  Value weight =
      createReshape(b, loc, *w, {group, cg, mg, kernel[0], kernel[1]});
  weight = createTranspose(b, loc, weight, {0, 2, 3, 4, 1});
  weight = tosa::ReverseOp::create(b, loc, weight.getType(), weight,
                                   b.getI32IntegerAttr(2));
  weight = tosa::ReverseOp::create(b, loc, weight.getType(), weight,
                                   b.getI32IntegerAttr(3));
  SmallVector<Value> parts;
  for (int64_t i = 0; i < group; ++i) {
    Value groupWeight =
        createReshape(b, loc, sliceAxis(b, loc, weight, 0, i, 1),
                      {mg, kernel[0], kernel[1], cg});
    Value groupInput =
        group == 1 ? input : sliceAxis(b, loc, input, 3, i * cg, cg);
    parts.push_back(createConv2D(b, loc, groupInput, groupWeight,
                                 sliceAxis(b, loc, bias, 0, i * mg, mg), g));
  }
  Value result =
      parts.size() == 1
          ? parts.front()
          : tosa::ConcatOp::create(
                b, loc, RankedTensorType::get({n, g.oh, g.ow, m}, elementType),
                parts, b.getI32IntegerAttr(3))
                .getResult();
  if (crop[0] || crop[1] || crop[2] || crop[3]) {
    result = sliceAxis(b, loc, result, 1, crop[0], g.oh - crop[0] - crop[1]);
    result = sliceAxis(b, loc, result, 2, crop[2], g.ow - crop[2] - crop[3]);
  }
  result = createTranspose(b, loc, result, {0, 3, 1, 2});
  if (spatial == 1)
    result = createReshape(b, loc, result, {n, m, out[1]});
  ctx.setResult(0, result);
  return success();
}

} // namespace

void onnx_import::registerConvConverters(ConverterRegistry &registry) {
  registry.add("", "Conv", convertConv);
  registry.add("", "ConvTranspose", convertConvTranspose);
}
