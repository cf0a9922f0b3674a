//===- ConvOps.cpp - ONNX Conv and ConvTranspose --------------------------===//
//
// ONNX Conv (1-D to 3-D, NCHW, pads/strides/dilations/group, auto_pad) on
// TOSA's channels-last convolutions: group 1 becomes tosa.conv2d (3-D:
// tosa.conv3d), one group per input channel in 2-D tosa.depthwise_conv2d,
// other groups one convolution per group joined with tosa.concat. 1-D
// convolutions run as 2-D with H = 1.
// ConvTranspose (1-D to 3-D, grouped) becomes the equivalent stride-1
// convolution (tosa.conv2d or tosa.conv3d per group) of the input with
// zeros inserted between its elements.
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

/// Geometry of one Conv node, in 2-D or 3-D terms (1-D runs as 2-D).
struct ConvGeometry {
  int64_t n, c, m, group;
  SmallVector<int64_t> in, kernel, out; // per spatial axis
  SmallVector<int64_t> pad; // begin, end per spatial axis (TOSA order)
  SmallVector<int64_t> stride, dilation;
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

/// One TOSA convolution of channels-last `input` ([N, spatial..., I]) with
/// `weight` ([O, k..., I]): tosa.conv2d for 2 spatial axes, tosa.conv3d
/// for 3; `pad` holds begin and end per spatial axis.
Value createConv(OpBuilder &b, Location loc, Value input, Value weight,
                 Value bias, ArrayRef<int64_t> pad, ArrayRef<int64_t> stride,
                 ArrayRef<int64_t> dilation) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type elementType = weightType.getElementType();
  int64_t spatial = inputType.getRank() - 2;
  SmallVector<int64_t> shape = {inputType.getDimSize(0)};
  for (int64_t d = 0; d < spatial; ++d)
    shape.push_back((inputType.getDimSize(1 + d) + pad[2 * d] + pad[2 * d + 1] -
                     dilation[d] * (weightType.getDimSize(1 + d) - 1) - 1) /
                        stride[d] +
                    1);
  shape.push_back(weightType.getDimSize(0));
  auto resultType = RankedTensorType::get(shape, elementType);
  Value inputZeroPoint = createZeroPoint(b, loc, elementType);
  Value weightZeroPoint = createZeroPoint(b, loc, elementType);
  if (spatial == 2)
    return tosa::Conv2DOp::create(
        b, loc, resultType, input, weight, bias, inputZeroPoint,
        weightZeroPoint, b.getDenseI64ArrayAttr(pad),
        b.getDenseI64ArrayAttr(stride), b.getDenseI64ArrayAttr(dilation),
        TypeAttr::get(elementType), /*local_bound=*/b.getBoolAttr(false));
  return tosa::Conv3DOp::create(
      b, loc, resultType, input, weight, bias, inputZeroPoint, weightZeroPoint,
      b.getDenseI64ArrayAttr(pad), b.getDenseI64ArrayAttr(stride),
      b.getDenseI64ArrayAttr(dilation), TypeAttr::get(elementType),
      /*local_bound=*/b.getBoolAttr(false));
}

/// Checks inputs 'X' and 'W' of a (transposed) convolution: float tensors
/// of one type, rank 3 up to 2 + `maxSpatial` (2 or 3); `kind` names the
/// op in the rank error.
LogicalResult checkConvInputs(NodeContext &ctx, RankedTensorType xType,
                              RankedTensorType wType, StringRef kind,
                              int64_t maxSpatial) {
  if (!xType || !wType)
    return ctx.emitError() << "needs inputs 'X' and 'W'";
  int64_t rank = xType.getRank();
  if (rank < 3 || rank > 2 + maxSpatial || wType.getRank() != rank)
    return ctx.emitError()
           << "input 'X' has shape " << formatShape(xType.getShape())
           << " and 'W' " << formatShape(wType.getShape()) << ": only "
           << (maxSpatial == 3 ? "1-D, 2-D and 3-D " : "1-D and 2-D ") << kind
           << (maxSpatial == 3 ? " (NCW, NCHW, NCDHW)" : " (NCW, NCHW)")
           << " are supported";
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
/// input and kernel sizes are set) from the window attributes (pads as
/// begins, then ends) and auto_pad.
LogicalResult resolveConvWindow(NodeContext &ctx, WindowAttrs attrs,
                                ConvGeometry &g) {
  SmallVector<int64_t> &strides = attrs.strides, &dilations = attrs.dilations,
                       &pads = attrs.pads;
  int64_t spatial = g.in.size();
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  g.out.resize(spatial);
  g.pad.resize(2 * spatial);
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t in = g.in[d], &begin = pads[d], &end = pads[spatial + d];
    int64_t extent = dilations[d] * (g.kernel[d] - 1) + 1;
    if (autoPad == "VALID") {
      begin = end = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t want = (in + strides[d] - 1) / strides[d];
      int64_t total =
          std::max<int64_t>(0, (want - 1) * strides[d] + extent - in);
      std::tie(begin, end) = splitSamePadding(total, autoPad == "SAME_UPPER");
    } else if (autoPad != "NOTSET") {
      return ctx.emitError() << "attribute 'auto_pad' = '" << autoPad
                             << "' is not NOTSET, SAME_UPPER, SAME_LOWER or "
                                "VALID";
    }
    int64_t padded = in + begin + end;
    if (padded < extent)
      return ctx.emitError() << "kernel extent " << extent
                             << " is larger than the padded input " << padded;
    g.out[d] = (padded - extent) / strides[d] + 1;
    // TOSA wants the strided window to end exactly at the padded edge:
    // drop the trailing padding no output reads.
    int64_t unused = (padded - extent) % strides[d];
    end -= std::min(unused, end);
    g.pad[2 * d] = begin;
    g.pad[2 * d + 1] = end;
  }
  g.stride = strides;
  g.dilation = dilations;
  return success();
}

/// The geometry of a Conv node in 2-D or 3-D terms (1-D gets a unit H).
FailureOr<ConvGeometry> convGeometry(NodeContext &ctx, RankedTensorType xType,
                                     RankedTensorType wType) {
  int64_t rank = xType.getRank(), spatial = rank - 2;
  ConvGeometry g;
  g.n = xType.getDimSize(0);
  g.c = xType.getDimSize(1);
  g.m = wType.getDimSize(0);
  g.in.assign(xType.getShape().begin() + 2, xType.getShape().end());
  g.kernel.assign(wType.getShape().begin() + 2, wType.getShape().end());
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
    g.in.insert(g.in.begin(), 1);
    g.kernel.insert(g.kernel.begin(), 1);
  }
  if (failed(resolveConvWindow(ctx, *attrs, g)))
    return failure();
  return g;
}

/// The convolution of `x` (NCHW or NCDHW) with `w` ([M, C / group, k...])
/// as TOSA convolutions, channels last: one convolution for group 1, a
/// tosa.depthwise_conv2d for one input channel per group in 2-D, else one
/// convolution per group joined by tosa.concat.
Value buildConv(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                const ConvGeometry &g) {
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  int64_t spatial = g.in.size();
  SmallVector<int64_t> shape = {g.n, g.c}, oihw = {g.m, g.c / g.group},
                       outShape = {g.n};
  llvm::append_range(shape, g.in);
  llvm::append_range(oihw, g.kernel);
  llvm::append_range(outShape, g.out);
  outShape.push_back(g.m);
  SmallVector<int32_t> toLast = {0};
  for (int32_t d = 0; d < spatial; ++d)
    toLast.push_back(2 + d);
  toLast.push_back(1);
  Value input =
      createTranspose(b, loc, createReshape(b, loc, x, shape), toLast);
  // Trailing padding cut above may leave input rows no window reads.
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t need = (g.out[d] - 1) * g.stride[d] +
                   g.dilation[d] * (g.kernel[d] - 1) + 1 - g.pad[2 * d] -
                   g.pad[2 * d + 1];
    if (need < g.in[d])
      input = sliceAxis(b, loc, input, 1 + d, 0, need);
  }
  int64_t cg = g.c / g.group, mg = g.m / g.group;
  Value weight = createReshape(b, loc, w, oihw);
  if (g.group == 1)
    return createConv(b, loc, input, createTranspose(b, loc, weight, toLast),
                      bias, g.pad, g.stride, g.dilation);
  if (cg == 1 && spatial == 2) {
    // Depthwise: TOSA weights [KH, KW, C, M / C].
    Value dw = createTranspose(
        b, loc,
        createReshape(b, loc, weight, {g.c, mg, g.kernel[0], g.kernel[1]}),
        {2, 3, 0, 1});
    Value inputZeroPoint = createZeroPoint(b, loc, elementType);
    Value weightZeroPoint = createZeroPoint(b, loc, elementType);
    return tosa::DepthwiseConv2DOp::create(
        b, loc, RankedTensorType::get(outShape, elementType), input, dw, bias,
        inputZeroPoint, weightZeroPoint, b.getDenseI64ArrayAttr(g.pad),
        b.getDenseI64ArrayAttr(g.stride), b.getDenseI64ArrayAttr(g.dilation),
        TypeAttr::get(elementType), b.getBoolAttr(false));
  }
  SmallVector<Value> parts;
  Value ohwi = createTranspose(b, loc, weight, toLast);
  for (int64_t i = 0; i < g.group; ++i)
    parts.push_back(createConv(
        b, loc, sliceAxis(b, loc, input, spatial + 1, i * cg, cg),
        sliceAxis(b, loc, ohwi, 0, i * mg, mg),
        sliceAxis(b, loc, bias, 0, i * mg, mg), g.pad, g.stride, g.dilation));
  return tosa::ConcatOp::create(b, loc,
                                RankedTensorType::get(outShape, elementType),
                                parts, b.getI32IntegerAttr(spatial + 1));
}

LogicalResult convertConv(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (failed(checkConvInputs(ctx, xType, wType, "convolutions", 3)))
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
  SmallVector<int32_t> back = {0, static_cast<int32_t>(g->in.size()) + 1};
  for (int32_t d = 0; d < static_cast<int32_t>(g->in.size()); ++d)
    back.push_back(1 + d);
  result = createTranspose(b, loc, result, back);
  if (xType.getRank() == 3)
    result = createReshape(b, loc, result, {g->n, g->m, g->out[1]});
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

/// Channels-last `input` ([N, spatial..., C]) with stride - 1 zeros
/// inserted between its elements along each spatial axis.
Value insertZeros(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> sizes, steps = {b.getIndexAttr(1)};
  for (int64_t size : type.getShape())
    sizes.push_back(b.getIndexAttr(size));
  for (auto [d, stride] : llvm::enumerate(strides)) {
    shape[1 + d] = (shape[1 + d] - 1) * stride + 1;
    steps.push_back(b.getIndexAttr(stride));
  }
  steps.push_back(b.getIndexAttr(1));
  if (shape == type.getShape())
    return input;
  // A filled tensor, not a constant: the insertion writes into it.
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value zeros =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
          .getResult(0);
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0));
  return tensor::InsertSliceOp::create(b, loc, input, zeros, offsets, sizes,
                                       steps);
}

/// The transposed convolution of `x` (NCHW or NCDHW) with `w` ([C,
/// M / group, k...]) as `t` (in 2-D or 3-D terms) describes, channels
/// last.
Value buildConvTranspose(OpBuilder &b, Location loc, Value x, Value w,
                         Value bias, const ConvTransposeGeometry &t) {
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  int64_t spatial = t.in.size();
  ArrayRef<int64_t> kernel = t.kernel, dilations = t.dilations;
  SmallVector<int64_t> shape = {t.n, t.c};
  llvm::append_range(shape, t.in);
  // NC... -> N...C, [G, C / G, M / G, k...] -> [G, M / G, k..., C / G],
  // N...M -> NM...
  SmallVector<int32_t> toLast = {0}, weightPerms = {0, 2}, back = {0, 0};
  for (int32_t d = 0; d < spatial; ++d) {
    toLast.push_back(2 + d);
    weightPerms.push_back(3 + d);
    back.push_back(1 + d);
  }
  toLast.push_back(1);
  weightPerms.push_back(1);
  back[1] = spatial + 1;
  Value input = insertZeros(
      b, loc, createTranspose(b, loc, createReshape(b, loc, x, shape), toLast),
      t.strides);
  auto zeroed = cast<RankedTensorType>(input.getType());
  // Padding of the equivalent convolution, negative parts cropped later.
  SmallVector<int64_t> convPad(2 * spatial), crop(2 * spatial),
      outShape = {t.n};
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t extent = dilations[d] * (kernel[d] - 1);
    int64_t begin = extent - t.pads[d];
    int64_t end = extent - t.pads[spatial + d] + t.outputPadding[d];
    convPad[2 * d] = std::max<int64_t>(begin, 0);
    convPad[2 * d + 1] = std::max<int64_t>(end, 0);
    crop[2 * d] = convPad[2 * d] - begin;
    crop[2 * d + 1] = convPad[2 * d + 1] - end;
    outShape.push_back(zeroed.getDimSize(1 + d) + convPad[2 * d] +
                       convPad[2 * d + 1] - extent);
  }
  outShape.push_back(t.m);
  // W [C, M / group, k...] -> per group [M / group, k..., C / group],
  // flipped along each spatial axis.
  SmallVector<int64_t> grouped = {t.group, t.cg, t.mg};
  llvm::append_range(grouped, kernel);
  Value weight =
      createTranspose(b, loc, createReshape(b, loc, w, grouped), weightPerms);
  for (int32_t d = 0; d < spatial; ++d)
    weight = tosa::ReverseOp::create(b, loc, weight.getType(), weight,
                                     b.getI32IntegerAttr(2 + d));
  SmallVector<int64_t> groupShape = {t.mg};
  llvm::append_range(groupShape, kernel);
  groupShape.push_back(t.cg);
  SmallVector<int64_t> ones(spatial, 1);
  SmallVector<Value> parts;
  for (int64_t i = 0; i < t.group; ++i) {
    Value groupWeight =
        createReshape(b, loc, sliceAxis(b, loc, weight, 0, i, 1), groupShape);
    Value groupInput =
        t.group == 1 ? input
                     : sliceAxis(b, loc, input, spatial + 1, i * t.cg, t.cg);
    parts.push_back(createConv(b, loc, groupInput, groupWeight,
                               sliceAxis(b, loc, bias, 0, i * t.mg, t.mg),
                               convPad, ones, dilations));
  }
  Value result = parts.size() == 1
                     ? parts.front()
                     : tosa::ConcatOp::create(
                           b, loc, RankedTensorType::get(outShape, elementType),
                           parts, b.getI32IntegerAttr(spatial + 1))
                           .getResult();
  if (llvm::any_of(crop, [](int64_t v) { return v; }))
    for (int64_t d = 0; d < spatial; ++d)
      result = sliceAxis(b, loc, result, 1 + d, crop[2 * d],
                         outShape[1 + d] - crop[2 * d] - crop[2 * d + 1]);
  return createTranspose(b, loc, result, back);
}

/// ConvTranspose as the convolution it is the adjoint of: the input with
/// stride - 1 zeros inserted between its elements, padded by
/// dilation * (kernel - 1) less the ONNX pads (output_padding more at the
/// end), convolved with stride 1 by the spatially flipped kernel whose
/// input and output channels swap places. Negative paddings crop the
/// result.
LogicalResult convertConvTranspose(NodeContext &ctx) {
  RankedTensorType xType = ctx.inputType(0), wType = ctx.inputType(1);
  if (failed(checkConvInputs(ctx, xType, wType, "transposed convolutions", 3)))
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
