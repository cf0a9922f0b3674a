//===- EmitScalarOps.cpp - arith and math ops as HLS C++ expressions ------===//
//
// The HLS C++ emitter's scalar ops: constants, arith and math on integers,
// indices and floats, each a `const T name = expr;` (fixed point through
// m3sat_hls.h's functions).
//
//===----------------------------------------------------------------------===//

#include "HLSCppEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace m3sat::hlscpp {

LogicalResult HLSCppEmitter::emitScalar(Operation *op) {
  auto isScalar = [](Type type) { return type.isIntOrIndexOrFloat(); };
  if (op->getNumRegions() != 0 || op->getNumResults() != 1 ||
      !isScalar(op->getResult(0).getType()) ||
      !llvm::all_of(op->getOperandTypes(), isScalar) ||
      !isa<arith::ArithDialect, math::MathDialect>(op->getDialect()))
    return op->emitOpError("cannot be emitted as HLS C++");
  Value result = op->getResult(0);
  Type type = result.getType();

  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    Attribute value = constant.getValue();
    if (auto floatAttr = dyn_cast<FloatAttr>(value)) {
      if (!type.isF32() && !type.isF64())
        return op->emitOpError("cannot be emitted as HLS C++ (floats are "
                               "f32 or f64)");
      const APFloat &number = floatAttr.getValue();
      std::string literal = floatLiteral(number, type.isF32());
      // In a fixed-point build a float literal becomes the element type;
      // one beyond every fixed-point range (a sentinel such as -FLT_MAX)
      // saturates there.
      if (!type.isF32() || !number.isFinite())
        names[result] = literal;
      else if (std::abs(number.convertToDouble()) >=
               std::ldexp(1.0, kHLSMaxFixedWidth))
        names[result] = "m3sat_hls::huge<m3sat_act_t>(" + literal + ")";
      else
        names[result] = "m3sat_act_t(" + literal + ")";
      return success();
    }
    if (auto intAttr = dyn_cast<IntegerAttr>(value)) {
      if (failed(scalarType(type, op)))
        return failure();
      names[result] = intLiteral(intAttr.getValue(), type);
      return success();
    }
    return op->emitOpError("cannot be emitted as HLS C++");
  }

  FailureOr<std::string> resultType = scalarType(type, op);
  if (failed(resultType))
    return failure();
  for (Type operand : op->getOperandTypes())
    if (failed(scalarType(operand, op)))
      return failure();
  auto operand = [&](unsigned i) { return name(op->getOperand(i)); };

  // Booleans are bitwise only: C++ would promote them to int otherwise.
  std::string binary = binaryOperator(op);
  if (!binary.empty() && (!type.isInteger(1) ||
                          isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp>(op)))
    return assign(result, operand(0) + " " + binary + " " + operand(1), op);

  std::string function = mathFunction(op);
  if (!function.empty()) {
    std::string call = "m3sat_hls::" + function + "(";
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      call += (i ? ", " : "") + operand(i);
    return assign(result, call + ")", op);
  }

  std::string expr;
  std::string to = *resultType;
  Type sourceType = op->getNumOperands() ? op->getOperand(0).getType() : type;
  auto asUnsigned = [&](unsigned i) {
    return "static_cast<" + unsignedType(op->getOperand(i).getType()) + ">(" +
           operand(i) + ")";
  };
  if (isa<arith::NegFOp>(op)) {
    expr = "-" + operand(0);
  } else if (isa<arith::DivUIOp, arith::RemUIOp, arith::ShRUIOp>(op) &&
             !type.isInteger(1)) {
    StringRef sign = isa<arith::DivUIOp>(op)   ? "/"
                     : isa<arith::RemUIOp>(op) ? "%"
                                               : ">>";
    expr = "static_cast<" + to + ">(" + asUnsigned(0) + " " + sign.str() + " " +
           asUnsigned(1) + ")";
  } else if (isa<arith::MaxSIOp, arith::MinSIOp>(op)) {
    expr = "(" + operand(0) + (isa<arith::MaxSIOp>(op) ? " > " : " < ") +
           operand(1) + " ? " + operand(0) + " : " + operand(1) + ")";
  } else if (isa<arith::MaxUIOp, arith::MinUIOp>(op)) {
    expr = "(" + asUnsigned(0) + (isa<arith::MaxUIOp>(op) ? " > " : " < ") +
           asUnsigned(1) + " ? " + operand(0) + " : " + operand(1) + ")";
  } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    expr = compareFloats(cmp.getPredicate(), operand(0), operand(1));
  } else if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    using P = arith::CmpIPredicate;
    P p = cmp.getPredicate();
    bool isUnsigned = p == P::ult || p == P::ule || p == P::ugt || p == P::uge;
    std::string a = isUnsigned ? asUnsigned(0) : operand(0);
    std::string b = isUnsigned ? asUnsigned(1) : operand(1);
    StringRef relation = (p == P::eq)                   ? "=="
                         : (p == P::ne)                 ? "!="
                         : (p == P::slt || p == P::ult) ? "<"
                         : (p == P::sle || p == P::ule) ? "<="
                         : (p == P::sgt || p == P::ugt) ? ">"
                                                        : ">=";
    expr = "(" + a + " " + relation.str() + " " + b + ")";
  } else if (isa<arith::SelectOp>(op)) {
    expr = "(" + operand(0) + " ? " + operand(1) + " : " + operand(2) + ")";
  } else if (isa<arith::FPToSIOp, arith::ExtFOp>(op) && sourceType.isF32()) {
    // From m3sat_act_t, which may be fixed point.
    expr = "m3sat_hls::from_act<" + to + ">(" + operand(0) + ")";
  } else if (isa<arith::FPToUIOp>(op) && sourceType.isF32()) {
    expr = "static_cast<" + to + ">(m3sat_hls::from_act<" + unsignedType(type) +
           ">(" + operand(0) + "))";
  } else if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp,
                 arith::SIToFPOp, arith::FPToSIOp, arith::ExtFOp,
                 arith::TruncFOp>(op)) {
    expr = "static_cast<" + to + ">(" + operand(0) + ")";
  } else if (isa<arith::IndexCastUIOp, arith::ExtUIOp, arith::UIToFPOp>(op)) {
    expr = "static_cast<" + to + ">(" + asUnsigned(0) + ")";
  } else if (isa<arith::FPToUIOp>(op)) {
    expr = "static_cast<" + to + ">(static_cast<" + unsignedType(type) + ">(" +
           operand(0) + "))";
  } else {
    return op->emitOpError("cannot be emitted as HLS C++");
  }
  return assign(result, expr, op);
}

} // namespace m3sat::hlscpp
