//===- ConvOps.cpp - ONNX Conv --------------------------------------------===//
//
// ONNX Conv (1-D and 2-D, NCHW, pads/strides/dilations/group, auto_pad) on
// TOSA's NHWC convolutions: group 1 becomes tosa.conv2d, one group per
// input channel tosa.depthwise_conv2d, other groups one tosa.conv2d per
// group joined with tosa.concat. 1-D convolutions run as 2-D with H = 1.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

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

} // namespace

void onnx_import::registerConvConverters(ConverterRegistry &registry) {
  registry.add("", "Conv", convertConv);
}
