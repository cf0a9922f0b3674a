//===- ElementwiseOps.cpp - ONNX elementwise ops --------------------------===//
//
// Converters of the unary, binary and ternary elementwise ONNX ops, with
// numpy broadcasting made explicit for TOSA (operands reshaped to equal
// rank). Integer results known at import time (shape arithmetic) are folded
// instead of emitted.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "ModelReader.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// Index into `inShape` (right-aligned, unit dims broadcast) of element
/// `linear` of `outShape`.
int64_t broadcastIndex(ArrayRef<int64_t> outShape, ArrayRef<int64_t> inShape,
                       int64_t linear) {
  int64_t index = 0, stride = 1;
  int64_t offset = outShape.size() - inShape.size();
  for (int64_t d = outShape.size() - 1; d >= 0; --d) {
    int64_t coord = linear % outShape[d];
    linear /= outShape[d];
    if (d >= offset) {
      int64_t inDim = inShape[d - offset];
      index += (inDim == 1 ? 0 : coord) * stride;
      stride *= inDim;
    }
  }
  return index;
}

/// Two inputs with equal element types and broadcastable shapes; returns the
/// broadcast shape.
FailureOr<SmallVector<int64_t>> checkBinaryInputs(NodeContext &ctx,
                                                  bool sameElementType = true) {
  RankedTensorType lhs = ctx.inputType(0), rhs = ctx.inputType(1);
  if (!lhs || !rhs)
    return ctx.emitError() << "needs 2 inputs";
  if (sameElementType && lhs.getElementType() != rhs.getElementType())
    return ctx.emitError() << "inputs have different element types "
                           << lhs.getElementType() << " and "
                           << rhs.getElementType();
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape))
    return ctx.emitError() << "input shapes " << formatShape(lhs.getShape())
                           << " and " << formatShape(rhs.getShape())
                           << " do not broadcast";
  return shape;
}

/// Folds a binary op over known inputs; false if they are not both known.
bool foldBinary(NodeContext &ctx, ArrayRef<int64_t> shape, Type resultType,
                function_ref<int64_t(int64_t, int64_t)> intFn,
                function_ref<double(double, double)> floatFn) {
  const ConstData *lhs = ctx.constInput(0), *rhs = ctx.constInput(1);
  if (!lhs || !rhs || numElements(shape) > kMaxKnownElements)
    return false;
  RankedTensorType lhsType = ctx.inputType(0), rhsType = ctx.inputType(1);
  bool isFloat = isa<FloatType>(lhsType.getElementType());
  if ((isFloat && !floatFn) || (!isFloat && !intFn))
    return false;
  ConstData result;
  for (int64_t i = 0, e = numElements(shape); i < e; ++i) {
    int64_t l = broadcastIndex(shape, lhsType.getShape(), i);
    int64_t r = broadcastIndex(shape, rhsType.getShape(), i);
    if (isFloat) {
      double value = floatFn(lhs->floats[l], rhs->floats[r]);
      if (isa<FloatType>(resultType))
        result.floats.push_back(value);
      else
        result.ints.push_back(static_cast<int64_t>(value));
    } else {
      result.ints.push_back(intFn(lhs->ints[l], rhs->ints[r]));
    }
  }
  ctx.setKnownResult(0, RankedTensorType::get(shape, resultType),
                     std::move(result));
  return true;
}

LogicalResult requireFloat(NodeContext &ctx, RankedTensorType type) {
  if (!type)
    return ctx.emitError() << "missing required input 'X' (#0)";
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "needs a floating-point input, got "
                           << type.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

LogicalResult convertArithmetic(NodeContext &ctx) {
  auto shape = checkBinaryInputs(ctx);
  if (failed(shape))
    return failure();
  StringRef op = ctx.opType();
  Type elementType = ctx.inputType(0).getElementType();
  std::function<int64_t(int64_t, int64_t)> intFn;
  std::function<double(double, double)> floatFn;
  if (op == "Add") {
    intFn = [](int64_t a, int64_t b) { return a + b; };
    floatFn = [](double a, double b) { return a + b; };
  } else if (op == "Sub") {
    intFn = [](int64_t a, int64_t b) { return a - b; };
    floatFn = [](double a, double b) { return a - b; };
  } else if (op == "Mul") {
    intFn = [](int64_t a, int64_t b) { return a * b; };
    floatFn = [](double a, double b) { return a * b; };
  } else {
    intFn = [](int64_t a, int64_t b) { return b == 0 ? 0 : a / b; };
    floatFn = [](double a, double b) { return a / b; };
  }
  if (foldBinary(ctx, *shape, elementType, intFn, floatFn))
    return success();
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  Value lhs = inputs->first, rhs = inputs->second;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result;
  if (op == "Add")
    result = createBinary<tosa::AddOp>(b, loc, elementType, lhs, rhs);
  else if (op == "Sub")
    result = createBinary<tosa::SubOp>(b, loc, elementType, lhs, rhs);
  else if (op == "Mul")
    result = createMul(b, loc, lhs, rhs);
  else
    result = createDiv(b, loc, lhs, rhs);
  ctx.setResult(0, result);
  return success();
}

} // namespace

Value onnx_import::createSqrt(OpBuilder &b, Location loc, Value value) {
  Type elementType = cast<RankedTensorType>(value.getType()).getElementType();
  return createElementwiseGeneric(
      b, loc, value, elementType,
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
        return math::SqrtOp::create(nested, nestedLoc, args[0]);
      });
}

namespace {

/// Pow of an integer base: `math.ipowi` for an integer exponent (exact in
/// the base's width; a negative exponent gives 0 unless the base is +-1),
/// else the f64 power truncated toward zero, as NumPy computes it.
LogicalResult convertIntegerPow(NodeContext &ctx) {
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  Type exponentType = ctx.inputType(1).getElementType();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value exponent = inputs->second;
  if (isa<IntegerType>(exponentType) && exponentType != elementType)
    exponent = createCast(b, loc, exponent, elementType);
  bool integerExponent = isa<IntegerType>(exponentType);
  ctx.setResult(
      0,
      createElementwiseGeneric(
          b, loc, {inputs->first, exponent}, elementType,
          [&](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
            if (integerExponent)
              return math::IPowIOp::create(nested, nestedLoc, args[0], args[1]);
            Type f64 = nested.getF64Type();
            Value base =
                arith::SIToFPOp::create(nested, nestedLoc, f64, args[0]);
            Value exp =
                args[1].getType() == f64
                    ? args[1]
                    : arith::ExtFOp::create(nested, nestedLoc, f64, args[1]);
            Value power = math::PowFOp::create(nested, nestedLoc, base, exp);
            return arith::FPToSIOp::create(nested, nestedLoc, elementType,
                                           power);
          }));
  return success();
}

LogicalResult convertPow(NodeContext &ctx) {
  auto shape = checkBinaryInputs(ctx, /*sameElementType=*/false);
  if (failed(shape))
    return failure();
  Type elementType = ctx.inputType(0).getElementType();
  Type exponentType = ctx.inputType(1).getElementType();
  if (isa<IntegerType>(elementType) && !elementType.isInteger(1) &&
      (isa<IntegerType>(exponentType) ? !exponentType.isInteger(1)
                                      : isa<FloatType>(exponentType)))
    return convertIntegerPow(ctx);
  if (failed(requireFloat(ctx, ctx.inputType(0))))
    return failure();
  if (foldBinary(ctx, *shape, elementType, nullptr,
                 [](double a, double b) { return std::pow(a, b); }))
    return success();
  auto base = ctx.input(0, "X");
  if (failed(base))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  // Common constant exponents become exact products or square roots (powf
  // of a negative base is NaN in some lowerings).
  const ConstData *known = ctx.constInput(1);
  auto baseType = cast<RankedTensorType>(base->getType());
  if (known && baseType.getShape() == ArrayRef<int64_t>(*shape)) {
    SmallVector<double> values = known->floats;
    for (int64_t v : known->ints)
      values.push_back(static_cast<double>(v));
    if (!values.empty() && llvm::all_equal(values)) {
      double e = values.front();
      if (e == 1.0) {
        ctx.setResult(0, *base);
        return success();
      }
      if (e == 2.0 || e == 3.0) {
        Value square = createMul(b, loc, *base, *base);
        ctx.setResult(0, e == 2.0 ? square : createMul(b, loc, square, *base));
        return success();
      }
      if (e == 0.5) {
        ctx.setResult(0, createSqrt(b, loc, *base));
        return success();
      }
    }
  }
  auto exponent = ctx.input(1, "Y");
  if (failed(exponent))
    return failure();
  Value exp = createCast(b, loc, *exponent, elementType);
  ctx.setResult(0, createBinary<tosa::PowOp>(b, loc, elementType, *base, exp));
  return success();
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

LogicalResult convertUnaryFloat(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (failed(requireFloat(ctx, type)))
    return failure();
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  StringRef op = ctx.opType();
  Value result;
  if (op == "Sqrt")
    result = createSqrt(b, loc, *x);
  else if (op == "Erf")
    result = tosa::ErfOp::create(b, loc, type, *x);
  else if (op == "Tanh")
    result = tosa::TanhOp::create(b, loc, type, *x);
  else if (op == "Sigmoid")
    result = tosa::SigmoidOp::create(b, loc, type, *x);
  else if (op == "Exp")
    result = tosa::ExpOp::create(b, loc, type, *x);
  else if (op == "Log")
    result = tosa::LogOp::create(b, loc, type, *x);
  else if (op == "Reciprocal")
    result = tosa::ReciprocalOp::create(b, loc, type, *x);
  else if (op == "Floor")
    result = tosa::FloorOp::create(b, loc, type, *x);
  else if (op == "Ceil")
    result = tosa::CeilOp::create(b, loc, type, *x);
  else
    result = tosa::ClampOp::create(
        b, loc, type, *x, b.getFloatAttr(type.getElementType(), 0.0),
        b.getFloatAttr(type.getElementType(),
                       std::numeric_limits<double>::infinity()));
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertNegAbs(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  const ConstData *known = ctx.constInput(0);
  if (type && known && isa<IntegerType>(type.getElementType())) {
    ConstData result;
    for (int64_t v : known->ints)
      result.ints.push_back(ctx.opType() == "Neg" ? -v : std::abs(v));
    ctx.setKnownResult(0, type, std::move(result));
    return success();
  }
  auto x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (ctx.opType() == "Abs") {
    ctx.setResult(0, tosa::AbsOp::create(b, loc, type, *x));
    return success();
  }
  Value zp = createZeroPoint(b, loc, type.getElementType());
  ctx.setResult(0, tosa::NegateOp::create(b, loc, type, *x, zp, zp));
  return success();
}

LogicalResult convertIdentity(NodeContext &ctx) {
  // Since opset 14 Identity also passes a tensor sequence through.
  if (ctx.isSequenceInput(0)) {
    auto elements = ctx.sequenceInput(0, "input");
    if (failed(elements))
      return failure();
    ctx.setSequenceResult(0, SmallVector<SequenceElement>(*elements));
    return success();
  }
  if (const ConstData *known = ctx.constInput(0)) {
    ctx.setKnownResult(0, ctx.inputType(0), *known);
    return success();
  }
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  ctx.setResult(0, *x);
  return success();
}

/// Cast's `saturate` and `round_mode` (since opsets 19 and 24); an error
/// naming the attribute, value and opset when unsupported.
static FailureOr<CastSemantics> castAttributes(NodeContext &ctx) {
  CastSemantics sem;
  if (ctx.opset() >= 19 && ctx.hasAttr("saturate")) {
    int64_t saturate = ctx.intAttr("saturate", 1);
    if (saturate != 0 && saturate != 1)
      return ctx.emitError() << "attribute 'saturate' = " << saturate
                             << " is not supported at opset " << ctx.opset()
                             << " (must be 0 or 1)";
    sem.saturate = saturate == 1;
  }
  if (ctx.opset() >= 24 && ctx.hasAttr("round_mode")) {
    std::string mode = ctx.stringAttr("round_mode", "up");
    if (mode == "up")
      sem.rounding = E8M0Rounding::Up;
    else if (mode == "down")
      sem.rounding = E8M0Rounding::Down;
    else if (mode == "nearest")
      sem.rounding = E8M0Rounding::Nearest;
    else
      return ctx.emitError() << "attribute 'round_mode' = '" << mode
                             << "' is not supported at opset " << ctx.opset()
                             << " (must be 'up', 'down' or 'nearest')";
  }
  return sem;
}

LogicalResult convertCast(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'input' (#0)";
  Type elementType;
  bool toUnsigned;
  if (ctx.opType() == "CastLike") {
    // The target type is that of input 'target_type'.
    RankedTensorType target = ctx.inputType(1);
    if (!target)
      return ctx.emitError() << "missing required input 'target_type' (#1)";
    elementType = target.getElementType();
    toUnsigned = ctx.isUnsignedInput(1);
  } else {
    if (!ctx.hasAttr("to"))
      return ctx.emitError() << "missing required attribute 'to'";
    int64_t to = ctx.intAttr("to", 0);
    elementType = to == static_cast<int32_t>(to)
                      ? convertElementType(to, ctx.getContext())
                      : Type();
    if (!elementType)
      return ctx.emitError()
             << "attribute 'to' = " << to
             << " is not a supported cast target at opset " << ctx.opset();
    int64_t since = dataTypeSinceOpset(to);
    if (ctx.opset() < since)
      return ctx.emitError()
             << "attribute 'to' = " << to << " (" << dataTypeName(to)
             << ") is not a cast target at opset " << ctx.opset()
             << " (the type exists since opset " << since << ")";
    toUnsigned = isUnsignedDataType(to);
  }
  auto sem = castAttributes(ctx);
  if (failed(sem))
    return failure();
  sem->fromUnsigned = ctx.isUnsignedInput(0);
  sem->toUnsigned = toUnsigned;
  auto resultType = RankedTensorType::get(type.getShape(), elementType);
  // Import-time folding for the types whose conversion is plain (signed
  // integers and the wide floats); the others are computed by the cast.
  auto plain = [](Type t) {
    return !isSmallFloatType(t) && !t.isBF16() &&
           (isa<FloatType>(t) || t.getIntOrFloatBitWidth() >= 8 ||
            t.isInteger(1));
  };
  const ConstData *known = ctx.constInput(0);
  if (known && plain(type.getElementType()) && plain(elementType) &&
      !sem->fromUnsigned && !sem->toUnsigned) {
    bool fromFloat = isa<FloatType>(type.getElementType());
    ConstData result;
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
      double value = fromFloat ? known->floats[i] : known->ints[i];
      if (isa<FloatType>(elementType))
        result.floats.push_back(value);
      else if (elementType.isInteger(1))
        result.ints.push_back(value != 0);
      else
        result.ints.push_back(fromFloat ? static_cast<int64_t>(value)
                                        : known->ints[i]);
    }
    ctx.setKnownResult(0, resultType, std::move(result));
    return success();
  }
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  ctx.setResult(0,
                createOnnxCast(ctx.builder(), ctx.loc(), *x, elementType, *sem),
                toUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// Comparisons, logic and selection
//===----------------------------------------------------------------------===//

LogicalResult convertCompare(NodeContext &ctx) {
  auto shape = checkBinaryInputs(ctx);
  if (failed(shape))
    return failure();
  StringRef op = ctx.opType();
  Type i1 = IntegerType::get(ctx.getContext(), 1);
  std::function<bool(double, double)> cmp;
  if (op == "Equal")
    cmp = [](double a, double b) { return a == b; };
  else if (op == "Greater")
    cmp = [](double a, double b) { return a > b; };
  else if (op == "Less")
    cmp = [](double a, double b) { return a < b; };
  else if (op == "GreaterOrEqual")
    cmp = [](double a, double b) { return a >= b; };
  else
    cmp = [](double a, double b) { return a <= b; };
  if (foldBinary(
          ctx, *shape, i1,
          [&](int64_t a, int64_t b) -> int64_t { return cmp(a, b); },
          [&](double a, double b) -> double { return cmp(a, b); }))
    return success();
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  Value lhs = inputs->first, rhs = inputs->second;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result;
  if (op == "Equal")
    result = createBinary<tosa::EqualOp>(b, loc, i1, lhs, rhs);
  else if (op == "Greater")
    result = createBinary<tosa::GreaterOp>(b, loc, i1, lhs, rhs);
  else if (op == "Less")
    result = createBinary<tosa::GreaterOp>(b, loc, i1, rhs, lhs);
  else if (op == "GreaterOrEqual")
    result = createBinary<tosa::GreaterEqualOp>(b, loc, i1, lhs, rhs);
  else
    result = createBinary<tosa::GreaterEqualOp>(b, loc, i1, rhs, lhs);
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertLogic(NodeContext &ctx) {
  StringRef op = ctx.opType();
  RankedTensorType type = ctx.inputType(0);
  if (!type || !type.getElementType().isInteger(1))
    return ctx.emitError() << "needs bool inputs";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (op == "Not") {
    auto x = ctx.input(0, "X");
    if (failed(x))
      return failure();
    ctx.setResult(0, tosa::LogicalNotOp::create(b, loc, type, *x));
    return success();
  }
  auto shape = checkBinaryInputs(ctx);
  if (failed(shape))
    return failure();
  auto inputs = ctx.binaryInputs();
  if (failed(inputs))
    return failure();
  Value lhs = inputs->first, rhs = inputs->second;
  Type i1 = type.getElementType();
  ctx.setResult(0, op == "And"
                       ? createBinary<tosa::LogicalAndOp>(b, loc, i1, lhs, rhs)
                       : createBinary<tosa::LogicalOrOp>(b, loc, i1, lhs, rhs));
  return success();
}

LogicalResult convertMinMax(NodeContext &ctx) {
  if (ctx.getNumInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  auto result = ctx.input(0, "data_0");
  if (failed(result))
    return failure();
  Value acc = *result;
  for (unsigned i = 1; i < ctx.getNumInputs(); ++i) {
    auto next = ctx.input(i, "data");
    if (failed(next))
      return failure();
    auto accType = cast<RankedTensorType>(acc.getType());
    auto nextType = cast<RankedTensorType>(next->getType());
    if (accType.getElementType() != nextType.getElementType() ||
        failed(broadcastShapes(accType.getShape(), nextType.getShape())))
      return ctx.emitError() << "input #" << i << " of type " << nextType
                             << " does not broadcast with " << accType;
    acc = ctx.opType() == "Max"
              ? createBinary<tosa::MaximumOp>(ctx.builder(), ctx.loc(),
                                              accType.getElementType(), acc,
                                              *next)
              : createBinary<tosa::MinimumOp>(ctx.builder(), ctx.loc(),
                                              accType.getElementType(), acc,
                                              *next);
  }
  ctx.setResult(0, acc);
  return success();
}

LogicalResult convertWhere(NodeContext &ctx) {
  RankedTensorType cond = ctx.inputType(0), x = ctx.inputType(1),
                   y = ctx.inputType(2);
  if (!cond || !x || !y)
    return ctx.emitError() << "needs 3 inputs (condition, X, Y)";
  if (!cond.getElementType().isInteger(1))
    return ctx.emitError() << "input 'condition' must be bool, got "
                           << cond.getElementType();
  if (x.getElementType() != y.getElementType())
    return ctx.emitError() << "inputs 'X' and 'Y' have different element "
                              "types "
                           << x.getElementType() << " and "
                           << y.getElementType();
  auto xy = broadcastShapes(x.getShape(), y.getShape());
  FailureOr<SmallVector<int64_t>> shape =
      succeeded(xy) ? broadcastShapes(cond.getShape(), *xy) : xy;
  if (failed(shape))
    return ctx.emitError() << "input shapes " << formatShape(cond.getShape())
                           << ", " << formatShape(x.getShape()) << " and "
                           << formatShape(y.getShape()) << " do not broadcast";
  auto resultType = RankedTensorType::get(*shape, x.getElementType());
  const ConstData *c = ctx.constInput(0), *a = ctx.constInput(1),
                  *bData = ctx.constInput(2);
  if (c && a && bData && numElements(*shape) <= kMaxKnownElements) {
    ConstData result;
    bool isFloat = isa<FloatType>(x.getElementType());
    for (int64_t i = 0, e = numElements(*shape); i < e; ++i) {
      bool pick = c->ints[broadcastIndex(*shape, cond.getShape(), i)];
      const ConstData *from = pick ? a : bData;
      int64_t j = broadcastIndex(*shape, (pick ? x : y).getShape(), i);
      if (isFloat)
        result.floats.push_back(from->floats[j]);
      else
        result.ints.push_back(from->ints[j]);
    }
    ctx.setKnownResult(0, resultType, std::move(result));
    return success();
  }
  auto condValue = ctx.input(0, "condition");
  auto xValue = ctx.input(1, "X");
  auto yValue = ctx.input(2, "Y");
  if (failed(condValue) || failed(xValue) || failed(yValue))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t rank = shape->size();
  ctx.setResult(0,
                tosa::SelectOp::create(b, loc, resultType,
                                       expandToRank(b, loc, *condValue, rank),
                                       expandToRank(b, loc, *xValue, rank),
                                       expandToRank(b, loc, *yValue, rank)));
  return success();
}

} // namespace

void onnx_import::registerElementwiseConverters(ConverterRegistry &registry) {
  for (StringRef op : {"Add", "Sub", "Mul", "Div"})
    registry.add("", op, convertArithmetic);
  registry.add("", "Pow", convertPow);
  for (StringRef op : {"Sqrt", "Erf", "Tanh", "Sigmoid", "Exp", "Log",
                       "Reciprocal", "Relu", "Floor", "Ceil"})
    registry.add("", op, convertUnaryFloat);
  registry.add("", "Neg", convertNegAbs);
  registry.add("", "Abs", convertNegAbs);
  registry.add("", "Identity", convertIdentity);
  registry.add("", "Cast", convertCast);
  registry.add("", "CastLike", convertCast);
  for (StringRef op :
       {"Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"})
    registry.add("", op, convertCompare);
  for (StringRef op : {"Not", "And", "Or"})
    registry.add("", op, convertLogic);
  registry.add("", "Max", convertMinMax);
  registry.add("", "Min", convertMinMax);
  registry.add("", "Where", convertWhere);
}
