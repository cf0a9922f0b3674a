//===- CppSyntax.cpp - identifiers and literals of emitted HLS C++ --------===//
//
// How the HLS C++ emitter spells names, literals and operators: reserved
// identifiers, sanitized names, float and integer literals, and the C++ of
// scalar arith and math ops.
//
//===----------------------------------------------------------------------===//

#include "HLSCppEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace mlir;

namespace m3sat::hlscpp {

/// Identifiers the emitted code must not declare: C++ keywords and the
/// names m3sat_hls.h and the standard headers bring in.
bool isReserved(StringRef name) {
  static const llvm::StringSet<> reserved = {"alignas",
                                             "alignof",
                                             "and",
                                             "and_eq",
                                             "asm",
                                             "auto",
                                             "bitand",
                                             "bitor",
                                             "bool",
                                             "break",
                                             "case",
                                             "catch",
                                             "char",
                                             "char16_t",
                                             "char32_t",
                                             "class",
                                             "compl",
                                             "const",
                                             "constexpr",
                                             "const_cast",
                                             "continue",
                                             "decltype",
                                             "default",
                                             "delete",
                                             "do",
                                             "double",
                                             "dynamic_cast",
                                             "else",
                                             "enum",
                                             "explicit",
                                             "export",
                                             "extern",
                                             "false",
                                             "float",
                                             "for",
                                             "friend",
                                             "goto",
                                             "if",
                                             "inline",
                                             "int",
                                             "long",
                                             "mutable",
                                             "namespace",
                                             "new",
                                             "noexcept",
                                             "not",
                                             "not_eq",
                                             "nullptr",
                                             "operator",
                                             "or",
                                             "or_eq",
                                             "private",
                                             "protected",
                                             "public",
                                             "register",
                                             "reinterpret_cast",
                                             "return",
                                             "short",
                                             "signed",
                                             "sizeof",
                                             "static",
                                             "static_assert",
                                             "static_cast",
                                             "struct",
                                             "switch",
                                             "template",
                                             "this",
                                             "thread_local",
                                             "throw",
                                             "true",
                                             "try",
                                             "typedef",
                                             "typeid",
                                             "typename",
                                             "union",
                                             "unsigned",
                                             "using",
                                             "virtual",
                                             "void",
                                             "volatile",
                                             "wchar_t",
                                             "while",
                                             "xor",
                                             "xor_eq",
                                             "main",
                                             "std",
                                             "hls",
                                             "m3sat_hls",
                                             "m3sat_npy",
                                             "m3sat_act_t",
                                             "m3sat_weight_t",
                                             "int8_t",
                                             "int16_t",
                                             "int32_t",
                                             "int64_t",
                                             "uint8_t",
                                             "uint16_t",
                                             "uint32_t",
                                             "uint64_t",
                                             "size_t",
                                             "NULL",
                                             "INFINITY",
                                             "NAN"};
  return reserved.contains(name);
}

/// `name` as a C++ identifier: other characters become '_', runs of '_'
/// collapse (no reserved "__"), and a leading digit, underscore or keyword
/// gets `prefix`.
std::string sanitize(StringRef name, StringRef prefix) {
  std::string result;
  for (char c : name) {
    char out = llvm::isAlnum(c) ? c : '_';
    if (out == '_' && !result.empty() && result.back() == '_')
      continue;
    result += out;
  }
  while (!result.empty() && result.back() == '_')
    result.pop_back();
  if (!result.empty() && result[0] == '_')
    result.erase(0, 1);
  if (result.empty() || llvm::isDigit(result[0]) || isReserved(result))
    result = (prefix + result).str();
  return result;
}

/// Prints `value` as a C++ literal of a float type ('f' suffix for float).
/// The special values of f32 are those of m3sat_act_t (fixed point has its
/// own).
std::string floatLiteral(const APFloat &value, bool isFloat) {
  StringRef type = isFloat ? "m3sat_act_t" : "double";
  if (value.isNaN())
    return ("m3sat_hls::nan<" + type + ">()").str();
  if (value.isInfinity())
    return ((value.isNegative() ? "(-m3sat_hls::infinity<"
                                : "m3sat_hls::"
                                  "infinity<") +
            type + (value.isNegative() ? ">())" : ">()"))
        .str();
  double number = value.convertToDouble();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format(isFloat ? "%.9g" : "%.17g", number);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  if (isFloat)
    text += "f";
  if (text[0] == '-')
    text = "(" + text + ")";
  return text;
}

/// Prints `value` of integer type `type` as a C++ literal.
std::string intLiteral(const APInt &value, Type type) {
  if (type.isInteger(1))
    return value.isZero() ? "false" : "true";
  int64_t number = value.getSExtValue();
  if (type.isInteger(64)) {
    if (number == std::numeric_limits<int64_t>::min())
      return "INT64_MIN";
    return "INT64_C(" + std::to_string(number) + ")";
  }
  std::string text = std::to_string(number);
  return number < 0 ? "(" + text + ")" : text;
}

/// The C++ of a binary arith op, or "" when `op` is none.
std::string binaryOperator(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::string>(op)
      .Case<arith::AddFOp, arith::AddIOp>([](auto) { return "+"; })
      .Case<arith::SubFOp, arith::SubIOp>([](auto) { return "-"; })
      .Case<arith::MulFOp, arith::MulIOp>([](auto) { return "*"; })
      .Case<arith::DivFOp, arith::DivSIOp>([](auto) { return "/"; })
      .Case<arith::RemSIOp>([](auto) { return "%"; })
      .Case<arith::AndIOp>([](auto) { return "&"; })
      .Case<arith::OrIOp>([](auto) { return "|"; })
      .Case<arith::XOrIOp>([](auto) { return "^"; })
      .Case<arith::ShLIOp>([](auto) { return "<<"; })
      .Case<arith::ShRSIOp>([](auto) { return ">>"; })
      .Default([](Operation *) { return ""; });
}

/// The m3sat_hls function of a math op or float min/max, or "".
std::string mathFunction(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::string>(op)
      .Case<math::ExpOp>([](auto) { return "exp"; })
      .Case<math::Exp2Op>([](auto) { return "exp2"; })
      .Case<math::ExpM1Op>([](auto) { return "expm1"; })
      .Case<math::LogOp>([](auto) { return "log"; })
      .Case<math::Log2Op>([](auto) { return "log2"; })
      .Case<math::Log10Op>([](auto) { return "log10"; })
      .Case<math::Log1pOp>([](auto) { return "log1p"; })
      .Case<math::SqrtOp>([](auto) { return "sqrt"; })
      .Case<math::RsqrtOp>([](auto) { return "rsqrt"; })
      .Case<math::TanhOp>([](auto) { return "tanh"; })
      .Case<math::ErfOp>([](auto) { return "erf"; })
      .Case<math::SinOp>([](auto) { return "sin"; })
      .Case<math::CosOp>([](auto) { return "cos"; })
      .Case<math::AtanOp>([](auto) { return "atan"; })
      .Case<math::Atan2Op>([](auto) { return "atan2"; })
      .Case<math::AbsFOp>([](auto) { return "abs"; })
      .Case<math::FloorOp>([](auto) { return "floor"; })
      .Case<math::CeilOp>([](auto) { return "ceil"; })
      .Case<math::TruncOp>([](auto) { return "trunc"; })
      .Case<math::RoundOp>([](auto) { return "round"; })
      .Case<math::RoundEvenOp>([](auto) { return "roundeven"; })
      .Case<math::PowFOp>([](auto) { return "pow"; })
      .Case<math::IPowIOp>([](auto) { return "ipowi"; })
      .Case<math::FPowIOp>([](auto) { return "fpowi"; })
      .Case<math::CopySignOp>([](auto) { return "copysign"; })
      .Case<math::FmaOp>([](auto) { return "fma"; })
      .Case<arith::RemFOp>([](auto) { return "rem"; })
      .Case<arith::MaximumFOp>([](auto) { return "maximum"; })
      .Case<arith::MinimumFOp>([](auto) { return "minimum"; })
      .Case<arith::MaxNumFOp>([](auto) { return "maxnum"; })
      .Case<arith::MinNumFOp>([](auto) { return "minnum"; })
      .Default([](Operation *) { return ""; });
}

/// The C++ of a float comparison of `a` and `b` (NaN-aware).
std::string compareFloats(arith::CmpFPredicate predicate, StringRef a,
                          StringRef b) {
  std::string x = a.str(), y = b.str();
  switch (predicate) {
  case arith::CmpFPredicate::AlwaysFalse:
    return "false";
  case arith::CmpFPredicate::AlwaysTrue:
    return "true";
  case arith::CmpFPredicate::OEQ:
    return "(" + x + " == " + y + ")";
  case arith::CmpFPredicate::OGT:
    return "(" + x + " > " + y + ")";
  case arith::CmpFPredicate::OGE:
    return "(" + x + " >= " + y + ")";
  case arith::CmpFPredicate::OLT:
    return "(" + x + " < " + y + ")";
  case arith::CmpFPredicate::OLE:
    return "(" + x + " <= " + y + ")";
  case arith::CmpFPredicate::ONE:
    return "(" + x + " < " + y + " || " + x + " > " + y + ")";
  case arith::CmpFPredicate::ORD:
    return "(" + x + " == " + x + " && " + y + " == " + y + ")";
  case arith::CmpFPredicate::UEQ:
    return "!(" + x + " < " + y + " || " + x + " > " + y + ")";
  case arith::CmpFPredicate::UGT:
    return "!(" + x + " <= " + y + ")";
  case arith::CmpFPredicate::UGE:
    return "!(" + x + " < " + y + ")";
  case arith::CmpFPredicate::ULT:
    return "!(" + x + " >= " + y + ")";
  case arith::CmpFPredicate::ULE:
    return "!(" + x + " > " + y + ")";
  case arith::CmpFPredicate::UNE:
    return "(" + x + " != " + y + ")";
  case arith::CmpFPredicate::UNO:
    return "(" + x + " != " + x + " || " + y + " != " + y + ")";
  }
  return "false";
}

/// The unsigned C++ type of the same width as integer type `type`.
std::string unsignedType(Type type) {
  if (type.isIndex())
    return "unsigned";
  switch (type.getIntOrFloatBitWidth()) {
  case 1:
    return "bool";
  case 8:
    return "uint8_t";
  case 16:
    return "uint16_t";
  case 32:
    return "uint32_t";
  default:
    return "uint64_t";
  }
}

} // namespace m3sat::hlscpp
