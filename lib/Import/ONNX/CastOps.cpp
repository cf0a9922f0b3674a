//===- CastOps.cpp - ONNX Cast to and from every element type -------------===//
//
// Cast and CastLike between the types of ONNX 1.23: the float types of
// MLIR (f64, f32, f16, bf16), the 8- and 4-bit floats (encoded by the
// integer algorithm of m3sat/Support/SmallFloat.h, decoded by a table that
// APFloat builds), and signed or unsigned integers down to 2 bits
// (signedness comes from the ONNX types the importer tracks).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "ModelReader.h"

#include "m3sat/Support/SmallFloat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// The SmallFloat.h policy that builds arith ops on i32 / i1 values.
struct IROps {
  using Int = Value;
  using Bool = Value;
  OpBuilder &b;
  Location loc;
  Int c(uint32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Int add(Int x, Int y) { return arith::AddIOp::create(b, loc, x, y); }
  Int sub(Int x, Int y) { return arith::SubIOp::create(b, loc, x, y); }
  Int band(Int x, Int y) { return arith::AndIOp::create(b, loc, x, y); }
  Int bor(Int x, Int y) { return arith::OrIOp::create(b, loc, x, y); }
  Int shl(Int x, Int y) { return arith::ShLIOp::create(b, loc, x, y); }
  Int shr(Int x, Int y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Int umin(Int x, Int y) { return arith::MinUIOp::create(b, loc, x, y); }
  Bool cmp(arith::CmpIPredicate p, Int x, Int y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Bool ugt(Int x, Int y) { return cmp(arith::CmpIPredicate::ugt, x, y); }
  Bool ult(Int x, Int y) { return cmp(arith::CmpIPredicate::ult, x, y); }
  Bool eq(Int x, Int y) { return cmp(arith::CmpIPredicate::eq, x, y); }
  Bool both(Bool x, Bool y) { return arith::AndIOp::create(b, loc, x, y); }
  Bool either(Bool x, Bool y) { return arith::OrIOp::create(b, loc, x, y); }
  Int zext(Bool x) { return arith::ExtUIOp::create(b, loc, b.getI32Type(), x); }
  Int select(Bool p, Int x, Int y) {
    return arith::SelectOp::create(b, loc, p, x, y);
  }
};

/// The SmallFloat.h format of an 8- or 4-bit float type other than E8M0.
const SmallFloatFormat *smallFloatFormat(Type type) {
  if (isa<Float8E4M3FNType>(type))
    return &kFloat8E4M3FN;
  if (isa<Float8E4M3FNUZType>(type))
    return &kFloat8E4M3FNUZ;
  if (isa<Float8E5M2Type>(type))
    return &kFloat8E5M2;
  if (isa<Float8E5M2FNUZType>(type))
    return &kFloat8E5M2FNUZ;
  if (isa<Float4E2M1FNType>(type))
    return &kFloat4E2M1;
  return nullptr;
}

/// A table of the f32 value of every code of `type`, by APFloat.
Value decodeTable(OpBuilder &b, Location loc, FloatType type) {
  unsigned width = type.getWidth();
  SmallVector<float> values;
  for (uint64_t code = 0; code < (uint64_t(1) << width); ++code)
    values.push_back(
        APFloat(type.getFloatSemantics(), APInt(width, code)).convertToFloat());
  auto tableType =
      RankedTensorType::get({int64_t(values.size())}, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(values)));
}

/// One scalar with ONNX Cast semantics; `table` decodes small floats.
Value castElement(OpBuilder &b, Location loc, Value value, Type to,
                  const CastSemantics &sem, Value table) {
  Type from = value.getType();
  if (from == to)
    return value;
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  // Small floats decode to f32 by table, and go on from there.
  if (table) {
    Value code = arith::BitcastOp::create(
        b, loc, b.getIntegerType(from.getIntOrFloatBitWidth()), value);
    Value index = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), code);
    Value decoded = tensor::ExtractOp::create(b, loc, table, index);
    return castElement(b, loc, decoded, to, sem, {});
  }
  auto toFloat = dyn_cast<FloatType>(to);
  bool toSmall = smallFloatFormat(to) || isa<Float8E8M0FNUType>(to);
  if (toSmall) {
    if (!isa<FloatType>(from) || from.isInteger(1))
      value = castElement(b, loc, value, f32, sem, {});
    else if (from.getIntOrFloatBitWidth() > 32)
      value = arith::TruncFOp::create(b, loc, f32, value);
    else if (!from.isF32())
      value = arith::ExtFOp::create(b, loc, f32, value);
    IROps ops{b, loc};
    Value bits = arith::BitcastOp::create(b, loc, i32, value);
    Value code =
        isa<Float8E8M0FNUType>(to)
            ? encodeE8M0(ops, bits, sem.saturate, sem.rounding)
            : encodeSmallFloat(ops, bits, *smallFloatFormat(to), sem.saturate);
    unsigned width = toFloat.getWidth();
    code = arith::TruncIOp::create(b, loc, b.getIntegerType(width), code);
    return arith::BitcastOp::create(b, loc, to, code);
  }
  auto fromFloat = dyn_cast<FloatType>(from);
  if (to.isInteger(1)) {
    if (fromFloat)
      return arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::UNE, value,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0.0)));
    return arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne, value,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
  }
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? arith::ExtFOp::create(b, loc, to, value).getResult()
               : arith::TruncFOp::create(b, loc, to, value).getResult();
  if (toFloat)
    return sem.fromUnsigned || from.isInteger(1)
               ? arith::UIToFPOp::create(b, loc, to, value).getResult()
               : arith::SIToFPOp::create(b, loc, to, value).getResult();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromFloat) {
    if (toWidth >= 8 && !sem.toUnsigned)
      return arith::FPToSIOp::create(b, loc, to, value);
    // Unsigned and sub-byte targets: values outside the range (after
    // truncation toward zero) and NaN become 0, as the ONNX reference
    // (ml_dtypes) computes them.
    double lo = sem.toUnsigned ? -1.0 : -std::ldexp(1.0, toWidth - 1) - 1.0;
    double hi = sem.toUnsigned ? std::ldexp(1.0, toWidth)
                               : std::ldexp(1.0, toWidth - 1);
    auto constant = [&](double v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getFloatAttr(from, v));
    };
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, value,
                              constant(lo)),
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, value,
                              constant(hi)));
    Value safe = arith::SelectOp::create(b, loc, inRange, value, constant(0));
    Type wide = b.getIntegerType(std::max(toWidth, 32u) + 1);
    Value converted = arith::FPToSIOp::create(b, loc, wide, safe);
    return arith::TruncIOp::create(b, loc, to, converted);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, value);
  if (fromWidth == 1 || sem.fromUnsigned)
    return arith::ExtUIOp::create(b, loc, to, value);
  return arith::ExtSIOp::create(b, loc, to, value);
}

} // namespace

bool onnx_import::isSmallFloatType(Type type) {
  return smallFloatFormat(type) || isa<Float8E8M0FNUType>(type);
}

LogicalResult onnx_import::checkSmallFloatInputs(NodeContext &ctx) {
  // The ops that only move elements: their lowering never computes on one.
  static const char *const moving[] = {"Cast",      "CastLike",  "Identity",
                                       "Reshape",   "Flatten",   "Squeeze",
                                       "Unsqueeze", "Transpose", "Concat"};
  if (!ctx.node().domain().empty() || llvm::is_contained(moving, ctx.opType()))
    return success();
  for (unsigned i = 0, e = ctx.getNumInputs(); i < e; ++i) {
    RankedTensorType type = ctx.inputType(i);
    if (type && isSmallFloatType(type.getElementType()))
      return ctx.emitError()
             << "input #" << i << " ('" << ctx.node().input(i) << "') has type "
             << type.getElementType()
             << ": m3sat computes on the 8- and 4-bit float types only in "
                "Cast and CastLike and moves them only in Identity, Reshape, "
                "Flatten, Squeeze, Unsqueeze, Transpose and Concat (Cast to "
                "f16 or f32 first)";
  }
  return success();
}

Value onnx_import::createOnnxCast(OpBuilder &b, Location loc, Value value,
                                  Type elementType, const CastSemantics &sem) {
  Type from = cast<RankedTensorType>(value.getType()).getElementType();
  if (from == elementType)
    return value;
  Value table;
  if (isSmallFloatType(from))
    table = decodeTable(b, loc, cast<FloatType>(from));
  return createElementwiseGeneric(
      b, loc, value, elementType,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return castElement(nested, nestedLoc, args[0], elementType, sem, table);
      });
}
