//===- ActivationOps.cpp - ONNX activations and inference no-ops ----------===//
//
// Converters of Clip, Gelu, HardSigmoid, HardSwish, LeakyRelu, PRelu,
// Sign and Mod (TOSA where it has the op, elementwise linalg.generic
// otherwise), and of the ops that are identities at inference: Dropout and
// CastLike's type-only input.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

LogicalResult requireFloatInput(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  return success();
}

/// `tosa.clamp` of a float tensor to [lo, hi].
Value createClamp(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType();
  return tosa::ClampOp::create(b, loc, type, x, b.getFloatAttr(elementType, lo),
                               b.getFloatAttr(elementType, hi));
}

/// x * c for a scalar c.
Value scaleBy(OpBuilder &b, Location loc, Value x, double c) {
  auto type = cast<RankedTensorType>(x.getType());
  return createMul(b, loc, x,
                   createSplat(b, loc, SmallVector<int64_t>(type.getRank(), 1),
                               type.getElementType(), c));
}

/// x + c for a scalar c.
Value shiftBy(OpBuilder &b, Location loc, Value x, double c) {
  auto type = cast<RankedTensorType>(x.getType());
  return createBinary<tosa::AddOp>(
      b, loc, type.getElementType(), x,
      createSplat(b, loc, SmallVector<int64_t>(type.getRank(), 1),
                  type.getElementType(), c));
}

LogicalResult convertClip(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  if (!isFloat && (!isa<IntegerType>(elementType) || elementType.isInteger(1)))
    return ctx.emitError() << "needs a numeric input, got " << elementType;
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  // The bounds: attributes before opset 11, optional scalar inputs since.
  Value bounds[2];
  if (ctx.opset() < 11) {
    double lo = ctx.floatAttr("min", -std::numeric_limits<float>::max());
    double hi = ctx.floatAttr("max", std::numeric_limits<float>::max());
    ctx.setResult(0, createClamp(b, loc, *x, lo, hi));
    return success();
  }
  for (unsigned i = 1; i <= 2; ++i) {
    if (!ctx.hasInput(i))
      continue;
    RankedTensorType boundType = ctx.inputType(i);
    if (!boundType || boundType.getNumElements() != 1 ||
        boundType.getElementType() != elementType)
      return ctx.emitError() << "input '" << (i == 1 ? "min" : "max")
                             << "' must be a scalar of " << elementType;
    auto bound = ctx.input(i, i == 1 ? "min" : "max");
    if (failed(bound))
      return failure();
    bounds[i - 1] = createReshape(b, loc, *bound, {});
  }
  SmallVector<Value> operands = {*x};
  for (Value bound : bounds)
    if (bound)
      operands.push_back(bound);
  bool hasLo = bool(bounds[0]), hasHi = bool(bounds[1]);
  ctx.setResult(
      0, createElementwiseGeneric(
             b, loc, operands, elementType,
             [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
               Value v = args[0];
               unsigned next = 1;
               if (hasLo) {
                 v = isFloat ? arith::MaximumFOp::create(nb, nl, v, args[next])
                                   .getResult()
                             : arith::MaxSIOp::create(nb, nl, v, args[next])
                                   .getResult();
                 ++next;
               }
               if (hasHi)
                 v = isFloat ? arith::MinimumFOp::create(nb, nl, v, args[next])
                                   .getResult()
                             : arith::MinSIOp::create(nb, nl, v, args[next])
                                   .getResult();
               return v;
             }));
  return success();
}

LogicalResult convertGelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  std::string approximate = ctx.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return ctx.emitError() << "attribute 'approximate' = '" << approximate
                           << "' is not supported at opset " << ctx.opset()
                           << " (none or tanh)";
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType type = ctx.inputType(0);
  Value inner;
  if (approximate == "none") {
    // 0.5 x (1 + erf(x / sqrt(2)))
    inner = tosa::ErfOp::create(b, loc, type, scaleBy(b, loc, *x, M_SQRT1_2));
  } else {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    Value cube = createMul(b, loc, createMul(b, loc, *x, *x), *x);
    Value sum = createBinary<tosa::AddOp>(b, loc, type.getElementType(), *x,
                                          scaleBy(b, loc, cube, 0.044715));
    inner = tosa::TanhOp::create(b, loc, type,
                                 scaleBy(b, loc, sum, std::sqrt(2.0 / M_PI)));
  }
  ctx.setResult(0, createMul(b, loc, scaleBy(b, loc, *x, 0.5),
                             shiftBy(b, loc, inner, 1.0)));
  return success();
}

LogicalResult convertHardSigmoid(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  bool swish = ctx.opType() == "HardSwish";
  double alpha = swish ? 1.0 / 6 : ctx.floatAttr("alpha", 0.2f);
  double beta = swish ? 0.5 : ctx.floatAttr("beta", 0.5f);
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value gate = createClamp(
      b, loc, shiftBy(b, loc, scaleBy(b, loc, *x, alpha), beta), 0.0, 1.0);
  ctx.setResult(0, swish ? createMul(b, loc, *x, gate) : gate);
  return success();
}

LogicalResult convertLeakyRelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  bool prelu = ctx.opType() == "PRelu";
  RankedTensorType type = ctx.inputType(0);
  Type elementType = type.getElementType();
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value slope;
  if (prelu) {
    RankedTensorType slopeType = ctx.inputType(1);
    if (!slopeType || slopeType.getElementType() != elementType)
      return ctx.emitError()
             << "input 'slope' must be a tensor of " << elementType;
    auto shape = broadcastShapes(type.getShape(), slopeType.getShape());
    if (failed(shape) || ArrayRef<int64_t>(*shape) != type.getShape())
      return ctx.emitError()
             << "input 'slope' of shape " << formatShape(slopeType.getShape())
             << " does not broadcast to " << formatShape(type.getShape());
    auto given = ctx.input(1, "slope");
    if (failed(given))
      return failure();
    slope = *given;
  } else {
    slope = createSplat(b, loc, {}, elementType, ctx.floatAttr("alpha", 0.01f));
  }
  ctx.setResult(
      0, createElementwiseGeneric(
             b, loc, {*x, slope}, elementType,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value zero = arith::ConstantOp::create(
                   nb, nl, nb.getFloatAttr(elementType, 0.0));
               Value negative = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OLT, args[0], zero);
               Value scaled = arith::MulFOp::create(nb, nl, args[0], args[1]);
               return arith::SelectOp::create(nb, nl, negative, scaled, args[0])
                   .getResult();
             }));
  return success();
}

LogicalResult convertSign(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  if (!isFloat && (!isa<IntegerType>(elementType) || elementType.isInteger(1)))
    return ctx.emitError() << "needs a numeric input, got " << elementType;
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  ctx.setResult(
      0, createElementwiseGeneric(
             ctx.builder(), ctx.loc(), *x, elementType,
             [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
               Value v = args[0];
               auto constant = [&](double c) -> Value {
                 TypedAttr attr =
                     isFloat ? TypedAttr(nb.getFloatAttr(elementType, c))
                             : TypedAttr(nb.getIntegerAttr(
                                   elementType, static_cast<int64_t>(c)));
                 return arith::ConstantOp::create(nb, nl, attr);
               };
               Value zero = constant(0), one = constant(1),
                     minusOne = constant(-1);
               Value pos, neg;
               if (isFloat) {
                 pos = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                             v, zero);
                 neg = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT,
                                             v, zero);
               } else {
                 pos = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sgt,
                                             v, zero);
                 neg = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                             v, zero);
               }
               // Zero (and NaN) stay as they are.
               Value rest = arith::SelectOp::create(nb, nl, neg, minusOne,
                                                    isFloat ? v : zero);
               return arith::SelectOp::create(nb, nl, pos, one, rest);
             }));
  return success();
}

/// Mod-28 with fmod = 0 on floats: a - floor(a / b) * b, computed as fmod
/// moved to the sign of b (a zero result takes the sign of b; a finite a
/// of the other sign than an infinite b gives b), as the spec lists.
static Value floorModFloat(OpBuilder &b, Location loc, Value x, Value y) {
  Value rem = arith::RemFOp::create(b, loc, x, y);
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 0.0));
  Value remNeg =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, rem, zero);
  Value divNeg =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y, zero);
  Value nonzero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE, rem, zero);
  Value differ = arith::XOrIOp::create(b, loc, remNeg, divNeg);
  Value fix = arith::AndIOp::create(b, loc, nonzero, differ);
  Value adjusted = arith::AddFOp::create(b, loc, rem, y);
  Value isZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, rem, zero);
  Value signedZero = math::CopySignOp::create(b, loc, rem, y);
  return arith::SelectOp::create(
      b, loc, fix, adjusted,
      arith::SelectOp::create(b, loc, isZero, signedZero, rem));
}

LogicalResult convertMod(NodeContext &ctx) {
  RankedTensorType lhs = ctx.inputType(0), rhs = ctx.inputType(1);
  if (!lhs || !rhs)
    return ctx.emitError() << "needs 2 inputs";
  Type elementType = lhs.getElementType();
  if (rhs.getElementType() != elementType)
    return ctx.emitError() << "inputs have different element types "
                           << elementType << " and " << rhs.getElementType();
  if (failed(broadcastShapes(lhs.getShape(), rhs.getShape())))
    return ctx.emitError() << "input shapes " << formatShape(lhs.getShape())
                           << " and " << formatShape(rhs.getShape())
                           << " do not broadcast";
  bool isFloat = isa<FloatType>(elementType);
  bool fmod = ctx.intAttr("fmod", 0);
  // Before opset 28 floats need fmod = 1; Mod-28 defines fmod = 0 for them
  // (the sign of the divisor).
  if (isFloat && !fmod && ctx.opset() < 28)
    return ctx.emitError() << "attribute 'fmod' = 0 is not valid for "
                              "floating-point inputs at opset "
                           << ctx.opset() << " (needs fmod = 1)";
  if (!isFloat && (!isa<IntegerType>(elementType) || elementType.isInteger(1)))
    return ctx.emitError() << "needs numeric inputs, got " << elementType;
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  ctx.setResult(
      0, createElementwiseGeneric(
             ctx.builder(), ctx.loc(), {inputs->first, inputs->second},
             elementType,
             [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
               if (isFloat)
                 return fmod ? arith::RemFOp::create(nb, nl, args[0], args[1])
                             : floorModFloat(nb, nl, args[0], args[1]);
               Value zero = arith::ConstantOp::create(
                   nb, nl, nb.getIntegerAttr(elementType, 0));
               // A zero divisor gives 0 rather than undefined behaviour.
               Value one = arith::ConstantOp::create(
                   nb, nl, nb.getIntegerAttr(elementType, 1));
               Value isZero = arith::CmpIOp::create(
                   nb, nl, arith::CmpIPredicate::eq, args[1], zero);
               Value divisor =
                   arith::SelectOp::create(nb, nl, isZero, one, args[1]);
               Value rem = arith::RemSIOp::create(nb, nl, args[0], divisor);
               if (!fmod) {
                 // The sign of the divisor, as Python's %.
                 Value remNeg = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::slt, rem, zero);
                 Value divNeg = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::slt, divisor, zero);
                 Value nonzero = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::ne, rem, zero);
                 Value differ = arith::XOrIOp::create(nb, nl, remNeg, divNeg);
                 Value fix = arith::AndIOp::create(nb, nl, nonzero, differ);
                 Value adjusted = arith::AddIOp::create(nb, nl, rem, divisor);
                 rem = arith::SelectOp::create(nb, nl, fix, adjusted, rem);
               }
               return arith::SelectOp::create(nb, nl, isZero, zero, rem);
             }));
  return success();
}

LogicalResult convertDropout(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  // Opset 12 on: training_mode is input #2; training with a nonzero ratio
  // draws random numbers, which a static program does not.
  if (ctx.opset() >= 12 && ctx.hasInput(2)) {
    const ConstData *training = ctx.constInput(2);
    if (!training)
      return ctx.emitNotKnown(2, "training_mode", "a bool");
    const ConstData *ratio = ctx.constInput(1);
    double r = 0.5;
    if (ratio)
      r = ratio->floats.empty() ? 0.5 : ratio->floats.front();
    if (!training->ints.empty() && training->ints.front() && r != 0.0)
      return ctx.emitError() << "input 'training_mode' = true is not "
                                "supported at opset "
                             << ctx.opset() << " (inference only)";
  } else if (ctx.opset() < 7 && ctx.intAttr("is_test", 0) == 0) {
    return ctx.emitError() << "attribute 'is_test' = 0 is not supported at "
                              "opset "
                           << ctx.opset() << " (inference only)";
  }
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  ctx.setResult(0, *x);
  if (ctx.hasOutput(1)) {
    // Nothing is dropped: the mask is all true.
    ConstData ones;
    ones.ints.assign(type.getNumElements(), 1);
    if (type.getNumElements() <= kMaxKnownElements)
      ctx.setKnownResult(
          1, RankedTensorType::get(type.getShape(), ctx.builder().getI1Type()),
          std::move(ones));
    else
      ctx.setResult(1, createSplat(ctx.builder(), ctx.loc(), type.getShape(),
                                   ctx.builder().getI1Type(), 1));
  }
  return success();
}

} // namespace

void onnx_import::registerActivationConverters(ConverterRegistry &registry) {
  registry.add("", "Clip", convertClip);
  registry.add("", "Gelu", convertGelu);
  registry.add("", "HardSigmoid", convertHardSigmoid);
  registry.add("", "HardSwish", convertHardSigmoid);
  registry.add("", "LeakyRelu", convertLeakyRelu);
  registry.add("", "PRelu", convertLeakyRelu);
  registry.add("", "Sign", convertSign);
  registry.add("", "Mod", convertMod);
  registry.add("", "Dropout", convertDropout);
}
