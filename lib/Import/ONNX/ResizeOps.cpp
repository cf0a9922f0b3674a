//===- ResizeOps.cpp - ONNX Resize ----------------------------------------===//
//
// Resize (opset 11 on: nearest, linear and cubic, every
// coordinate_transformation_mode, scales or sizes, axes, antialias,
// keep_aspect_ratio_policy, exclude_outside, tf_crop_and_resize's roi and
// extrapolation_value). With static shapes the interpolation of each
// resized axis is a fixed set of taps per output position, computed here:
// each axis becomes one linalg.generic that sums the tapped input elements
// (tensor.extract) weighted by constant coefficients. Axes are resized one
// after the other, as the ONNX reference computes it (the interpolation is
// separable).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// How one resized axis reads its input: for output position i, tap t reads
/// input index `index[i][t]` with weight `coeff[i][t]`; `extrapolated[i]`
/// outputs take the extrapolation value instead.
struct AxisTaps {
  int64_t taps = 0;
  std::vector<std::vector<int64_t>> index;
  std::vector<std::vector<double>> coeff;
  std::vector<bool> extrapolated;
};

/// The attributes of one Resize that shape the taps.
struct ResizeMode {
  std::string mode, coordinateMode, nearestMode;
  double cubicA = -0.75;
  bool antialias = false, excludeOutside = false;
};

std::vector<double> nearestCoeffs(double ratio, StringRef nearestMode) {
  if (ratio == std::floor(ratio))
    return {0, 1};
  if (nearestMode == "round_prefer_floor")
    return {double(ratio <= 0.5), double(ratio > 0.5)};
  if (nearestMode == "round_prefer_ceil")
    return {double(ratio < 0.5), double(ratio >= 0.5)};
  if (nearestMode == "floor")
    return {1, 0};
  return {0, 1}; // ceil
}

std::vector<double> linearCoeffs(double ratio, double scale, bool antialias) {
  if (!antialias)
    return {1 - ratio, ratio};
  scale = std::min(scale, 1.0);
  int64_t start = static_cast<int64_t>(std::floor(-1 / scale) + 1);
  int64_t footprint = 2 - 2 * start;
  std::vector<double> coeffs;
  double sum = 0;
  for (int64_t i = start; i < start + footprint; ++i) {
    double c = std::clamp(1 - std::abs((i - ratio) * scale), 0.0, 1.0);
    coeffs.push_back(c);
    sum += c;
  }
  for (double &c : coeffs)
    c /= sum;
  return coeffs;
}

std::vector<double> cubicCoeffs(double ratio, double scale, double a,
                                bool antialias) {
  if (!antialias) {
    double r1 = ratio + 1, s = 1 - ratio, s1 = s + 1;
    return {((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
            ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a};
  }
  scale = std::min(scale, 1.0);
  auto coeff = [&](double x) {
    x = std::abs(x);
    double x2 = x * x, x3 = x * x2;
    if (x <= 1)
      return (a + 2) * x3 - (a + 3) * x2 + 1;
    if (x < 2)
      return a * x3 - 5 * a * x2 + 8 * a * x - 4 * a;
    return 0.0;
  };
  int64_t start = static_cast<int64_t>(std::floor(-2 / scale) + 1);
  int64_t end = 2 - start;
  std::vector<double> coeffs;
  double sum = 0;
  for (int64_t i = start; i < end; ++i) {
    coeffs.push_back(coeff(scale * (i - ratio)));
    sum += coeffs.back();
  }
  for (double &c : coeffs)
    c /= sum;
  return coeffs;
}

/// The taps of one axis of `in` elements resized to `out` with `scale`;
/// `roi` holds (start, end) for tf_crop_and_resize.
AxisTaps computeTaps(const ResizeMode &m, int64_t in, int64_t out, double scale,
                     double roiStart, double roiEnd) {
  AxisTaps taps;
  double outWidth = scale * in;
  StringRef mode = m.coordinateMode;
  for (int64_t y = 0; y < out; ++y) {
    double x;
    bool extrapolated = false;
    if (mode == "align_corners") {
      x = outWidth == 1 ? 0.0 : y * double(in - 1) / (outWidth - 1);
    } else if (mode == "asymmetric") {
      x = y / scale;
    } else if (mode == "tf_crop_and_resize") {
      x = outWidth == 1 ? (roiEnd - roiStart) * (in - 1) / 2
                        : y * (roiEnd - roiStart) * (in - 1) / (outWidth - 1);
      x += roiStart * (in - 1);
      extrapolated = x < 0 || x > in - 1;
    } else if (mode == "pytorch_half_pixel") {
      x = outWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
    } else if (mode == "half_pixel_symmetric") {
      double adjustment = out / outWidth;
      double center = in / 2.0;
      x = center * (1 - adjustment) + (y + 0.5) / scale - 0.5;
    } else { // half_pixel
      x = (y + 0.5) / scale - 0.5;
    }
    double floorX = std::floor(x);
    double ratio = x == floorX ? 1.0 : x - floorX;
    std::vector<double> coeffs;
    if (m.mode == "nearest")
      coeffs = nearestCoeffs(ratio, m.nearestMode);
    else if (m.mode == "linear")
      coeffs = linearCoeffs(ratio, scale, m.antialias);
    else
      coeffs = cubicCoeffs(ratio, scale, m.cubicA, m.antialias);
    int64_t n = coeffs.size();
    // The n input positions nearest to x (ties to the smaller), as the
    // reference finds them on the edge-padded input.
    int64_t pad = (n + 1) / 2;
    double padded = x + pad;
    double p = std::floor(padded);
    double frac = padded - p;
    int64_t offset;
    if (n % 2 == 0)
      offset = frac == 0 ? -(n / 2) : -(n / 2) + 1;
    else
      offset = frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1;
    int64_t start = static_cast<int64_t>(p) + offset - pad;
    std::vector<int64_t> index;
    for (int64_t t = 0; t < n; ++t)
      index.push_back(start + t);
    if (m.excludeOutside) {
      double sum = 0;
      for (int64_t t = 0; t < n; ++t) {
        if (index[t] < 0 || index[t] >= in)
          coeffs[t] = 0;
        sum += coeffs[t];
      }
      if (sum != 0)
        for (double &c : coeffs)
          c /= sum;
    }
    // Edge padding is clamping; taps of weight zero are dropped.
    std::vector<int64_t> keptIndex;
    std::vector<double> keptCoeff;
    for (int64_t t = 0; t < n; ++t) {
      if (coeffs[t] == 0)
        continue;
      int64_t clamped = std::clamp<int64_t>(index[t], 0, in - 1);
      // Taps that clamp onto the same element add up.
      auto same = llvm::find(keptIndex, clamped);
      if (same != keptIndex.end()) {
        keptCoeff[same - keptIndex.begin()] += coeffs[t];
        continue;
      }
      keptIndex.push_back(clamped);
      keptCoeff.push_back(coeffs[t]);
    }
    taps.taps = std::max<int64_t>(taps.taps, keptIndex.size());
    taps.index.push_back(std::move(keptIndex));
    taps.coeff.push_back(std::move(keptCoeff));
    taps.extrapolated.push_back(extrapolated);
  }
  taps.taps = std::max<int64_t>(taps.taps, 1);
  for (int64_t y = 0; y < out; ++y) {
    taps.index[y].resize(taps.taps, 0);
    taps.coeff[y].resize(taps.taps, 0.0);
  }
  return taps;
}

/// Resizes `value` along `axis` to `out` elements by `taps`.
Value resizeAxis(OpBuilder &b, Location loc, Value value, int64_t axis,
                 int64_t out, const AxisTaps &taps, double extrapolation) {
  auto type = cast<RankedTensorType>(value.getType());
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = out;
  bool unitWeights = taps.taps == 1 && llvm::all_of(taps.coeff, [](auto &c) {
                       return c[0] == 1.0;
                     });
  bool anyExtrapolated = llvm::is_contained(taps.extrapolated, true);

  // Per tap: its input index and weight, one per output position.
  SmallVector<Value> inputs;
  Type indexType = b.getI32Type();
  for (int64_t t = 0; t < taps.taps; ++t) {
    ConstData index;
    for (int64_t y = 0; y < out; ++y)
      index.ints.push_back(taps.index[y][t]);
    inputs.push_back(materializeConstData(
        b, loc, RankedTensorType::get({out}, indexType), index));
  }
  if (!unitWeights)
    for (int64_t t = 0; t < taps.taps; ++t) {
      ConstData coeff;
      for (int64_t y = 0; y < out; ++y)
        coeff.floats.push_back(taps.coeff[y][t]);
      inputs.push_back(materializeConstData(
          b, loc, RankedTensorType::get({out}, elementType), coeff));
    }
  if (anyExtrapolated) {
    ConstData mask;
    for (int64_t y = 0; y < out; ++y)
      mask.ints.push_back(taps.extrapolated[y]);
    inputs.push_back(materializeConstData(
        b, loc, RankedTensorType::get({out}, b.getI1Type()), mask));
  }
  SmallVector<AffineMap> maps(
      inputs.size(), AffineMap::get(rank, 0, b.getAffineDimExpr(axis)));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  int64_t numTaps = taps.taps;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nl, d));
        Value acc;
        for (int64_t t = 0; t < numTaps; ++t) {
          indices[axis] =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[t]);
          Value element = tensor::ExtractOp::create(nb, nl, value, indices);
          if (!unitWeights)
            element = arith::MulFOp::create(nb, nl, element, args[numTaps + t]);
          acc = acc ? arith::AddFOp::create(nb, nl, acc, element).getResult()
                    : element;
        }
        if (anyExtrapolated) {
          Value fill = arith::ConstantOp::create(
              nb, nl, nb.getFloatAttr(elementType, extrapolation));
          acc =
              arith::SelectOp::create(nb, nl, args[args.size() - 2], fill, acc);
        }
        linalg::YieldOp::create(nb, nl, acc);
      });
  return generic.getResult(0);
}

/// The attributes of a Resize node, checked: the interpolation in `m`,
/// and the extrapolation value and keep_aspect_ratio_policy.
LogicalResult readResizeMode(NodeContext &ctx, ResizeMode &m,
                             double &extrapolation, std::string &policy) {
  m.mode = ctx.stringAttr("mode", "nearest");
  m.coordinateMode =
      ctx.stringAttr("coordinate_transformation_mode", "half_pixel");
  m.nearestMode = ctx.stringAttr("nearest_mode", "round_prefer_floor");
  m.cubicA = ctx.floatAttr("cubic_coeff_a", -0.75f);
  m.excludeOutside = ctx.intAttr("exclude_outside", 0);
  m.antialias = ctx.intAttr("antialias", 0);
  extrapolation = ctx.floatAttr("extrapolation_value", 0.0f);
  policy = ctx.stringAttr("keep_aspect_ratio_policy", "stretch");
  auto badAttr = [&](StringRef name, StringRef value) {
    return ctx.emitError() << "attribute '" << name << "' = '" << value
                           << "' is not supported at opset " << ctx.opset();
  };
  if (!llvm::is_contained({"nearest", "linear", "cubic"}, m.mode))
    return badAttr("mode", m.mode);
  SmallVector<StringRef> coordinateModes = {"half_pixel", "pytorch_half_pixel",
                                            "align_corners", "asymmetric",
                                            "tf_crop_and_resize"};
  if (ctx.opset() >= 19)
    coordinateModes.push_back("half_pixel_symmetric");
  if (!llvm::is_contained(coordinateModes, m.coordinateMode))
    return badAttr("coordinate_transformation_mode", m.coordinateMode);
  if (!llvm::is_contained(
          {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
          m.nearestMode))
    return badAttr("nearest_mode", m.nearestMode);
  if (!llvm::is_contained({"stretch", "not_larger", "not_smaller"}, policy))
    return badAttr("keep_aspect_ratio_policy", policy);
  if (m.antialias && m.mode == "nearest")
    return ctx.emitError() << "attribute 'antialias' = 1 needs mode linear or "
                              "cubic, not nearest";
  return success();
}

/// The resized axes: attribute 'axes' (normalized, no repeats), or all.
FailureOr<SmallVector<int64_t>> resizeAxes(NodeContext &ctx, int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t axis :
       ctx.intsAttr("axes", llvm::to_vector(llvm::seq<int64_t>(0, rank)))) {
    auto d = normalizeAxis(ctx, axis, rank, "attribute 'axes' entry");
    if (failed(d))
      return failure();
    if (llvm::is_contained(axes, *d))
      return ctx.emitError() << "attribute 'axes' repeats axis " << axis;
    axes.push_back(*d);
  }
  return axes;
}

/// Whether optional input `i` is given (an empty tensor counts as absent).
bool givenInput(NodeContext &ctx, unsigned i) {
  RankedTensorType t = ctx.inputType(i);
  return ctx.hasInput(i) && t && t.getNumElements() > 0;
}

/// The scale and output size of every axis, from input 'scales' (2) or
/// 'sizes' (3, under keep_aspect_ratio_policy `policy`).
LogicalResult resizeTargets(NodeContext &ctx, RankedTensorType type,
                            ArrayRef<int64_t> axes, StringRef policy,
                            SmallVector<double> &scales,
                            SmallVector<int64_t> &sizes) {
  int64_t n = axes.size();
  scales.assign(type.getRank(), 1.0);
  sizes.assign(type.getShape().begin(), type.getShape().end());
  if (givenInput(ctx, 3)) {
    if (givenInput(ctx, 2))
      return ctx.emitError() << "inputs 'scales' and 'sizes' are both given";
    auto given = ctx.constInts(3, "sizes");
    if (failed(given))
      return failure();
    if (static_cast<int64_t>(given->size()) != n)
      return ctx.emitError() << "input 'sizes' has " << given->size()
                             << " values for " << n << " axes";
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if ((*given)[i] < 0)
        return ctx.emitError()
               << "input 'sizes' holds negative size " << (*given)[i];
      sizes[axis] = (*given)[i];
      scales[axis] = double(sizes[axis]) / type.getDimSize(axis);
    }
    if (policy != "stretch") {
      double scale = scales[axes[0]];
      for (int64_t axis : axes)
        scale = policy == "not_larger" ? std::min(scale, scales[axis])
                                       : std::max(scale, scales[axis]);
      for (int64_t axis : axes) {
        scales[axis] = scale;
        sizes[axis] = static_cast<int64_t>(scale * type.getDimSize(axis) + 0.5);
      }
    }
  } else if (givenInput(ctx, 2)) {
    auto given = ctx.constFloats(2, "scales");
    if (failed(given))
      return failure();
    if (static_cast<int64_t>(given->size()) != n)
      return ctx.emitError() << "input 'scales' has " << given->size()
                             << " values for " << n << " axes";
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if (!((*given)[i] > 0))
        return ctx.emitError() << "input 'scales' holds " << (*given)[i]
                               << ", scales must be positive";
      scales[axis] = (*given)[i];
      sizes[axis] = static_cast<int64_t>(scales[axis] * type.getDimSize(axis));
    }
  } else {
    return ctx.emitError() << "needs input 'scales' or 'sizes'";
  }
  if (!shapeFits(sizes))
    return ctx.emitError() << "output shape " << formatShape(sizes)
                           << " has more than 2^40 elements";
  return success();
}

/// tf_crop_and_resize's region of interest (input 'roi': starts then ends
/// per axis); [0, 1] for every axis in the other modes.
LogicalResult resizeRoi(NodeContext &ctx, const ResizeMode &m, int64_t rank,
                        ArrayRef<int64_t> axes, SmallVector<double> &roiStart,
                        SmallVector<double> &roiEnd) {
  int64_t n = axes.size();
  roiStart.assign(rank, 0.0);
  roiEnd.assign(rank, 1.0);
  if (m.coordinateMode != "tf_crop_and_resize")
    return success();
  if (!givenInput(ctx, 1))
    return ctx.emitError() << "coordinate_transformation_mode "
                              "'tf_crop_and_resize' needs input 'roi'";
  auto roi = ctx.constFloats(1, "roi");
  if (failed(roi))
    return failure();
  if (static_cast<int64_t>(roi->size()) != 2 * n)
    return ctx.emitError() << "input 'roi' has " << roi->size()
                           << " values but needs " << 2 * n;
  for (auto [i, axis] : llvm::enumerate(axes)) {
    roiStart[axis] = (*roi)[i];
    roiEnd[axis] = (*roi)[n + i];
  }
  return success();
}

LogicalResult convertResize(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (ctx.opset() < 11)
    return ctx.emitError() << "opset " << ctx.opset()
                           << " is not supported (Resize needs opset 11 or "
                              "later)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  int64_t rank = type.getRank();
  ResizeMode m;
  double extrapolation;
  std::string policy;
  if (failed(readResizeMode(ctx, m, extrapolation, policy)))
    return failure();
  FailureOr<SmallVector<int64_t>> axes = resizeAxes(ctx, rank);
  SmallVector<double> scales, roiStart, roiEnd;
  SmallVector<int64_t> sizes;
  if (failed(axes) ||
      failed(resizeTargets(ctx, type, *axes, policy, scales, sizes)) ||
      failed(resizeRoi(ctx, m, rank, *axes, roiStart, roiEnd)))
    return failure();

  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result = *x;
  for (int64_t axis : *axes) {
    int64_t in = type.getDimSize(axis), out = sizes[axis];
    bool fullRoi = roiStart[axis] == 0.0 && roiEnd[axis] == 1.0;
    if (in == out && std::abs(scales[axis] - 1.0) < 1e-9 && fullRoi)
      continue;
    if (out == 0 || in == 0) {
      auto current = cast<RankedTensorType>(result.getType());
      SmallVector<int64_t> shape(current.getShape());
      shape[axis] = out;
      result = tensor::EmptyOp::create(b, loc, shape, current.getElementType());
      continue;
    }
    AxisTaps taps =
        computeTaps(m, in, out, scales[axis], roiStart[axis], roiEnd[axis]);
    result = resizeAxis(b, loc, result, axis, out, taps, extrapolation);
  }
  ctx.setResult(0, result);
  return success();
}

} // namespace

Value onnx_import::createAxisGather(OpBuilder &b, Location loc, Value value,
                                    int64_t axis, ArrayRef<int64_t> index) {
  AxisTaps taps;
  taps.taps = 1;
  for (int64_t i : index) {
    taps.index.push_back({i});
    taps.coeff.push_back({1.0});
    taps.extrapolated.push_back(false);
  }
  return resizeAxis(b, loc, value, axis, index.size(), taps, 0.0);
}

void onnx_import::registerResizeConverters(ConverterRegistry &registry) {
  registry.add("", "Resize", convertResize);
}
