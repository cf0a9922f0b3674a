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

/// Checks inputs 'X' and 'W' of a (transposed) convolution: float tensors
/// of one type, rank 3 or 4; `kind` names the op in the rank error.
LogicalResult checkConvInputs(NodeContext &ctx, RankedTensorType xType,
                              RankedTensorType wType, StringRef kind) {
  if (!xType || !wType)
    return ctx.emitError() << "needs inputs 'X' and 'W'";
  int64_t rank = xType.getRank();
  if ((rank != 3 && rank != 4) || wType.getRank() != rank)
    return ctx.emitError() << "input 'X' has shape "
                           << formatShape(xType.getShape()) << " and 'W' "
                           << formatShape(wType.getShape()) << ": only 1-D and "
                           << "2-D " << kind << " (NCW, NCHW) are supported";
  if (!isa<FloatType>(xType.getElementType()) ||
      xType.getElementType() != wType.getElementType())
    return ctx.emitError() << "needs floating-point inputs of one type";
  return success();
}

/// Checks that the optional bias 'B' (input 2) is a vector of `m`.
LogicalResult checkBias(NodeContext &ctx, int64_t m) {
  RankedTensorType bType = ctx.inputType(2);
  if (bType && (bType.getRank() != 1 || bType.getDimSize(0) != m))
    return ctx.emitError() << "input 'B' has shape "
                           << formatShape(bType.getShape()) << " but needs ["
                           << m << "]";
  return success();
}

/// The bias 'B' (input 2), or zeros of `m` when absent.
FailureOr<Value> biasInput(NodeContext &ctx, int64_t m, Type elementType) {
  if (ctx.inputType(2))
    return ctx.input(2, "B");
  return createSplat(ctx.builder(), ctx.loc(), {m}, elementType, 0.0);
}

/// Sets the padding, output size, strides and dilations of `g` (whose
/// input and kernel sizes are set) from the window attributes and
/// auto_pad; `attrs` are in 2-D terms (pads: top, left, bottom, right).
LogicalResult resolveConvWindow(NodeContext &ctx, WindowAttrs attrs,
                                ConvGeometry &g) {
  SmallVector<int64_t> &strides = attrs.strides, &dilations = attrs.dilations,
                       &pads = attrs.pads;
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
      std::tie(pads[d], pads[d + 2]) =
          splitSamePadding(total, autoPad == "SAME_UPPER");
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
  return success();
}

/// The geometry of a Conv node in 2-D terms (1-D gets a unit H).
FailureOr<ConvGeometry> convGeometry(NodeContext &ctx, RankedTensorType xType,
                                     RankedTensorType wType) {
  int64_t rank = xType.getRank(), spatial = rank - 2;
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
  if (failed(checkKernelShape(ctx, wType)))
    return failure();
  FailureOr<WindowAttrs> attrs = readWindowAttrs(ctx, spatial);
  if (failed(attrs))
    return failure();
  for (int64_t v : attrs->strides)
    if (v < 1)
      return ctx.emitError() << "attribute 'strides' must be positive";
  for (int64_t v : attrs->dilations)
    if (v < 1)
      return ctx.emitError() << "attribute 'dilations' must be positive";
  // Work in 2-D: 1-D convolutions get a unit H.
  if (spatial == 1) {
    attrs->strides.insert(attrs->strides.begin(), 1);
    attrs->dilations.insert(attrs->dilations.begin(), 1);
    attrs->pads = {0, attrs->pads[0], 0, attrs->pads[1]};
  }
  if (failed(resolveConvWindow(ctx, *attrs, g)))
    return failure();
  return g;
}

/// The convolution of NCHW `x` with OIHW `w` (both reshaped to 2-D terms)
/// as NHWC TOSA convolutions, in NHWC: one tosa.conv2d for group 1, a
/// tosa.depthwise_conv2d for one input channel per group, else one
/// tosa.conv2d per group joined by tosa.concat.
Value buildConv(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                const ConvGeometry &g) {
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  // Trailing padding cut above may leave input rows no window reads.
  int64_t needH = (g.oh - 1) * g.stride[0] + g.dilation[0] * (g.kh - 1) + 1 -
                  g.pad[0] - g.pad[1];
  int64_t needW = (g.ow - 1) * g.stride[1] + g.dilation[1] * (g.kw - 1) + 1 -
                  g.pad[2] - g.pad[3];
  Value input = createTranspose(
      b, loc, createReshape(b, loc, x, {g.n, g.c, g.h, g.w}), {0, 2, 3, 1});
  if (needH < g.h)
    input = sliceAxis(b, loc, input, 1, 0, needH);
  if (needW < g.w)
    input = sliceAxis(b, loc, input, 2, 0, needW);
  int64_t cg = g.c / g.group, mg = g.m / g.group;
  Value weight = createReshape(b, loc, w, {g.m, cg, g.kh, g.kw}); // OIHW, 2-D
  if (g.group == 1)
    return createConv2D(b, loc, input,
                        createTranspose(b, loc, weight, {0, 2, 3, 1}), bias, g);
  if (cg == 1) {
    // Depthwise: TOSA weights [KH, KW, C, M / C].
    Value dw = createTranspose(
        b, loc, createReshape(b, loc, weight, {g.c, mg, g.kh, g.kw}),
        {2, 3, 0, 1});
    Value inputZeroPoint = createZeroPoint(b, loc, elementType);
    Value weightZeroPoint = createZeroPoint(b, loc, elementType);
    return tosa::DepthwiseConv2DOp::create(
        b, loc, RankedTensorType::get({g.n, g.oh, g.ow, g.m}, elementType),
        input, dw, bias, inputZeroPoint, weightZeroPoint,
        b.getDenseI64ArrayAttr(g.pad), b.getDenseI64ArrayAttr(g.stride),
        b.getDenseI64ArrayAttr(g.dilation), TypeAttr::get(elementType),
        b.getBoolAttr(false));
  }
  SmallVector<Value> parts;
  Value ohwi = createTranspose(b, loc, weight, {0, 2, 3, 1});
  for (int64_t i = 0; i < g.group; ++i)
    parts.push_back(createConv2D(b, loc,
                                 sliceAxis(b, loc, input, 3, i * cg, cg),
                                 sliceAxis(b, loc, ohwi, 0, i * mg, mg),
                                 sliceAxis(b, loc, bias, 0, i * mg, mg), g));
  return tosa::ConcatOp::create(
      b, loc, RankedTensorType::get({g.n, g.oh, g.ow, g.m}, elementType), parts,
      b.getI32IntegerAttr(3));
}

LogicalResult convertConv(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (failed(checkConvInputs(ctx, xType, wType, "convolutions")))
    return failure();
  FailureOr<ConvGeometry> g = convGeometry(ctx, xType, wType);
  if (failed(g) || failed(checkBias(ctx, g->m)))
    return failure();
  auto x = ctx.input(0, "X");
  auto w = ctx.input(1, "W");
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> bias = biasInput(ctx, g->m, xType.getElementType());
  if (failed(bias))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result = buildConv(b, loc, *x, *w, *bias, *g);
  result = createTranspose(b, loc, result, {0, 3, 1, 2});
  if (xType.getRank() == 3)
    result = createReshape(b, loc, result, {g->n, g->m, g->ow});
  ctx.setResult(0, result);
  return success();
}

/// The shape of a ConvTranspose node: channels, groups and, per spatial
/// axis, the input and output sizes, kernel, strides, dilations,
/// output_padding and pads (all begins, then all ends).
struct ConvTransposeGeometry {
  int64_t n, c, m, group, cg, mg;
  SmallVector<int64_t> in, out, kernel, strides, dilations, outputPadding, pads;
};

/// Reads and checks the channels, groups and attributes of a ConvTranspose
/// node, except the pads; `outputShape` and `autoPad` are the attributes
/// the pads follow from.
FailureOr<ConvTransposeGeometry>
readConvTranspose(NodeContext &ctx, RankedTensorType xType,
                  RankedTensorType wType, SmallVector<int64_t> &outputShape,
                  std::string &autoPad) {
  int64_t spatial = xType.getRank() - 2;
  ConvTransposeGeometry t;
  t.n = xType.getDimSize(0);
  t.c = xType.getDimSize(1);
  t.group = ctx.intAttr("group", 1);
  if (t.group < 1 || t.c % t.group != 0 || wType.getDimSize(0) != t.c)
    return ctx.emitError() << "input 'W' has shape "
                           << formatShape(wType.getShape()) << " but X has "
                           << t.c << " channels and group = " << t.group
                           << " (needs [C, M / group, ...])";
  t.mg = wType.getDimSize(1);
  t.m = t.mg * t.group;
  t.cg = t.c / t.group;
  t.kernel.assign(wType.getShape().drop_front(2).begin(),
                  wType.getShape().end());
  if (failed(checkKernelShape(ctx, wType)))
    return failure();
  t.strides = ctx.intsAttr("strides", SmallVector<int64_t>(spatial, 1));
  t.dilations = ctx.intsAttr("dilations", SmallVector<int64_t>(spatial, 1));
  t.outputPadding =
      ctx.intsAttr("output_padding", SmallVector<int64_t>(spatial, 0));
  outputShape = ctx.intsAttr("output_shape", {});
  FailureOr<std::string> pad = readAutoPad(ctx);
  if (failed(pad))
    return failure();
  autoPad = *pad;
  if (static_cast<int64_t>(t.strides.size()) != spatial ||
      static_cast<int64_t>(t.dilations.size()) != spatial ||
      static_cast<int64_t>(t.outputPadding.size()) != spatial ||
      (!outputShape.empty() &&
       static_cast<int64_t>(outputShape.size()) != spatial))
    return ctx.emitError() << "attributes 'strides', 'dilations', "
                              "'output_padding' and 'output_shape' need "
                           << spatial << " values";
  for (int64_t i = 0; i < spatial; ++i)
    if (t.strides[i] < 1 || t.dilations[i] < 1)
      return ctx.emitError() << "attributes 'strides' and 'dilations' must be "
                                "positive";
  t.in.assign(xType.getShape().drop_front(2).begin(), xType.getShape().end());
  return t;
}

/// Sets the pads and output sizes of `t`: the attribute 'pads', or the
/// pads that give `outputShape` (in * stride for SAME_*).
LogicalResult resolveConvTransposePads(NodeContext &ctx,
                                       ArrayRef<int64_t> outputShape,
                                       StringRef autoPad,
                                       ConvTransposeGeometry &t) {
  int64_t spatial = t.in.size();
  // The output size of axis i before padding.
  auto natural = [&](int64_t i) {
    return t.strides[i] * (t.in[i] - 1) + t.outputPadding[i] +
           (t.kernel[i] - 1) * t.dilations[i] + 1;
  };
  bool explicitPads =
      ctx.hasAttr("pads") || (autoPad != "SAME_UPPER" &&
                              autoPad != "SAME_LOWER" && outputShape.empty());
  if (explicitPads) {
    t.pads = ctx.intsAttr("pads", SmallVector<int64_t>(2 * spatial, 0));
    if (static_cast<int64_t>(t.pads.size()) != 2 * spatial)
      return ctx.emitError()
             << "attribute 'pads' needs " << 2 * spatial << " values";
  } else {
    t.pads.assign(2 * spatial, 0);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t want =
          outputShape.empty() ? t.in[i] * t.strides[i] : outputShape[i];
      // An output larger than the natural one makes the total negative.
      std::tie(t.pads[i], t.pads[spatial + i]) =
          splitSamePadding(natural(i) - want, autoPad == "SAME_UPPER");
    }
  }
  t.out.resize(spatial);
  for (int64_t i = 0; i < spatial; ++i) {
    t.out[i] = natural(i) - t.pads[i] - t.pads[spatial + i];
    if (t.out[i] < 1)
      return ctx.emitError() << "the output would have no elements along "
                                "spatial axis "
                             << i;
  }
  if (!outputShape.empty() && explicitPads &&
      ArrayRef<int64_t>(t.out) != outputShape)
    return ctx.emitError() << "attribute 'output_shape' "
                           << formatShape(outputShape)
                           << " differs from the shape the pads give, "
                           << formatShape(t.out);
  return success();
}

/// NHWC `input` ([n, h, w, c]) with stride - 1 zeros inserted between its
/// elements along H and W.
Value insertZeros(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  int64_t n = type.getDimSize(0), h = type.getDimSize(1),
          w = type.getDimSize(2), c = type.getDimSize(3);
  int64_t zh = (h - 1) * strides[0] + 1, zw = (w - 1) * strides[1] + 1;
  if (zh == h && zw == w)
    return input;
  // A filled tensor, not a constant: the insertion writes into it.
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{n, zh, zw, c},
                                        elementType);
  Value zeros =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
          .getResult(0);
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(h),
                                     b.getIndexAttr(w), b.getIndexAttr(c)};
  SmallVector<OpFoldResult> steps = {
      b.getIndexAttr(1), b.getIndexAttr(strides[0]), b.getIndexAttr(strides[1]),
      b.getIndexAttr(1)};
  return tensor::InsertSliceOp::create(b, loc, input, zeros, offsets, sizes,
                                       steps);
}

/// The transposed convolution of NCHW `x` with `w` ([C, M / group, KH,
/// KW]) as `t` (in 2-D terms) describes, in NHWC.
Value buildConvTranspose(OpBuilder &b, Location loc, Value x, Value w,
                         Value bias, const ConvTransposeGeometry &t) {
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  ArrayRef<int64_t> in = t.in, kernel = t.kernel, dilations = t.dilations;
  Value input = insertZeros(
      b, loc,
      createTranspose(b, loc,
                      createReshape(b, loc, x, {t.n, t.c, in[0], in[1]}),
                      {0, 2, 3, 1}),
      t.strides);
  auto zeroed = cast<RankedTensorType>(input.getType());
  // Padding of the equivalent convolution, negative parts cropped later.
  ConvGeometry g;
  g.n = t.n;
  g.c = t.cg;
  g.h = zeroed.getDimSize(1);
  g.w = zeroed.getDimSize(2);
  g.m = t.mg;
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.group = 1;
  int64_t convPad[4], crop[4];
  for (int d = 0; d < 2; ++d) {
    int64_t extent = dilations[d] * (kernel[d] - 1);
    int64_t begin = extent - t.pads[d];
    int64_t end = extent - t.pads[2 + d] + t.outputPadding[d];
    convPad[2 * d] = std::max<int64_t>(begin, 0);
    convPad[2 * d + 1] = std::max<int64_t>(end, 0);
    crop[2 * d] = convPad[2 * d] - begin;
    crop[2 * d + 1] = convPad[2 * d + 1] - end;
  }
  g.pad = {convPad[0], convPad[1], convPad[2], convPad[3]};
  g.stride = {1, 1};
  g.dilation = {dilations[0], dilations[1]};
  g.oh = g.h + convPad[0] + convPad[1] - dilations[0] * (kernel[0] - 1);
  g.ow = g.w + convPad[2] + convPad[3] - dilations[1] * (kernel[1] - 1);
  // W [C, M / group, KH, KW] -> per group OHWI [M / group, KH, KW, C / group],
  // flipped in KH and KW.
  Value weight =
      createReshape(b, loc, w, {t.group, t.cg, t.mg, kernel[0], kernel[1]});
  weight = createTranspose(b, loc, weight, {0, 2, 3, 4, 1});
  weight = tosa::ReverseOp::create(b, loc, weight.getType(), weight,
                                   b.getI32IntegerAttr(2));
  weight = tosa::ReverseOp::create(b, loc, weight.getType(), weight,
                                   b.getI32IntegerAttr(3));
  SmallVector<Value> parts;
  for (int64_t i = 0; i < t.group; ++i) {
    Value groupWeight =
        createReshape(b, loc, sliceAxis(b, loc, weight, 0, i, 1),
                      {t.mg, kernel[0], kernel[1], t.cg});
    Value groupInput =
        t.group == 1 ? input : sliceAxis(b, loc, input, 3, i * t.cg, t.cg);
    parts.push_back(createConv2D(b, loc, groupInput, groupWeight,
                                 sliceAxis(b, loc, bias, 0, i * t.mg, t.mg),
                                 g));
  }
  Value result =
      parts.size() == 1
          ? parts.front()
          : tosa::ConcatOp::create(
                b, loc,
                RankedTensorType::get({t.n, g.oh, g.ow, t.m}, elementType),
                parts, b.getI32IntegerAttr(3))
                .getResult();
  if (crop[0] || crop[1] || crop[2] || crop[3]) {
    result = sliceAxis(b, loc, result, 1, crop[0], g.oh - crop[0] - crop[1]);
    result = sliceAxis(b, loc, result, 2, crop[2], g.ow - crop[2] - crop[3]);
  }
  return result;
}

/// ConvTranspose as the convolution it is the adjoint of: the input with
/// stride - 1 zeros inserted between its elements, padded by
/// dilation * (kernel - 1) less the ONNX pads (output_padding more at the
/// end), convolved with stride 1 by the spatially flipped kernel whose
/// input and output channels swap places. Negative paddings crop the
/// result.
LogicalResult convertConvTranspose(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (failed(checkConvInputs(ctx, xType, wType, "transposed convolutions")))
    return failure();
  SmallVector<int64_t> outputShape;
  std::string autoPad;
  FailureOr<ConvTransposeGeometry> t =
      readConvTranspose(ctx, xType, wType, outputShape, autoPad);
  if (failed(t) ||
      failed(resolveConvTransposePads(ctx, outputShape, autoPad, *t)) ||
      failed(checkBias(ctx, t->m)))
    return failure();
  auto x = ctx.input(0, "X");
  auto w = ctx.input(1, "W");
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> bias = biasInput(ctx, t->m, xType.getElementType());
  if (failed(bias))
    return failure();
  // Work in 2-D: 1-D gets a unit H.
  if (xType.getRank() == 3) {
    auto front = [](SmallVector<int64_t> &v, int64_t value) {
      v.insert(v.begin(), value);
    };
    front(t->in, 1);
    front(t->kernel, 1);
    front(t->strides, 1);
    front(t->dilations, 1);
    front(t->outputPadding, 0);
    front(t->out, 1);
    t->pads = {0, t->pads[0], 0, t->pads[1]};
  }
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result = buildConvTranspose(b, loc, *x, *w, *bias, *t);
  result = createTranspose(b, loc, result, {0, 3, 1, 2});
  if (xType.getRank() == 3)
    result = createReshape(b, loc, result, {t->n, t->m, t->out[1]});
  ctx.setResult(0, result);
  return success();
}

} // namespace

void onnx_import::registerConvConverters(ConverterRegistry &registry) {
  registry.add("", "Conv", convertConv);
  registry.add("", "ConvTranspose", convertConvTranspose);
}
