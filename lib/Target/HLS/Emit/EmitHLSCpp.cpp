//===- EmitHLSCpp.cpp - loop-level IR to Vitis-style HLS C++ --------------===//
//
// A read-only printer from func/scf/memref/arith/math on static buffers to
// C++ for Vitis HLS and for C simulation with g++. Memrefs are fixed-size
// arrays (arguments of top functions become m_axi ports, allocations become
// on-chip arrays with static storage), scf loops are for loops, scalar ops
// are C++ expressions and math goes through m3sat_hls.h. Pragmas come from
// attributes set by passes. Any op it cannot print is a diagnostic and the
// whole translation fails.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"

#include "m3sat/Target/HLS/Analysis/Channels.h"
#include "m3sat/Target/HLS/Analysis/WeightArrays.h"
#include "m3sat/Target/HLS/Attributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/IndentedOstream.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;

namespace {

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

/// Names of a function's arguments as C++ parameters: the `m3sat.hls.port`
/// name when there is one, else argN; unique within the function.
SmallVector<std::string> portNames(func::FuncOp func) {
  SmallVector<std::string> names;
  llvm::StringSet<> used;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    std::string name;
    if (auto port = func.getArgAttrOfType<StringAttr>(i, kHLSPortAttr))
      name = sanitize(port.getValue(), "p_");
    else
      name = "arg" + std::to_string(i);
    std::string unique = name;
    for (unsigned n = 1; used.contains(unique); ++n)
      unique = name + "_" + std::to_string(n);
    used.insert(unique);
    names.push_back(unique);
  }
  return names;
}

/// Whether a memref is only read (it can be declared const): loaded from,
/// or passed (as it is or flattened) to callees that only read it.
bool isReadOnly(Value memref, Operation *function) {
  return llvm::none_of(memref.getUses(), [&](OpOperand &use) {
    Operation *user = use.getOwner();
    if (auto call = dyn_cast<func::CallOp>(user)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      return !callee || callee.isExternal() || callee == function ||
             !isReadOnly(callee.getArgument(use.getOperandNumber()), callee);
    }
    if (auto store = dyn_cast<memref::StoreOp>(user))
      return store.getMemRef() == memref;
    if (auto flat = dyn_cast<memref::ReinterpretCastOp>(user))
      return !isReadOnly(flat.getResult(), function);
    return !isa<memref::LoadOp>(user);
  });
}
bool isReadOnly(BlockArgument arg) {
  return isReadOnly(arg, arg.getOwner()->getParentOp());
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

/// The emitter of one translation unit.
class HLSCppEmitter {
public:
  HLSCppEmitter(raw_ostream &out, const HLSNumerics &numerics)
      : os(out), numerics(numerics) {}

  /// Emits the functions `tops` as top functions, preceded by the globals
  /// and functions they use.
  LogicalResult emitFile(ModuleOp module, ArrayRef<func::FuncOp> tops,
                         StringRef includeHeader);
  /// Emits the prototypes of `tops`.
  LogicalResult emitPrototypes(ArrayRef<func::FuncOp> tops);
  /// Emits the macros that select the numerics (before m3sat_hls.h).
  void emitNumericsPrologue();

private:
  // Types.
  FailureOr<std::string> scalarType(Type type, Operation *user);
  FailureOr<std::string> elementType(MemRefType type, bool weight,
                                     Operation *user);
  FailureOr<std::string> arrayDims(MemRefType type, Operation *user);
  FailureOr<std::string> signature(func::FuncOp func);

  // Module level.
  LogicalResult collect(func::FuncOp func,
                        llvm::SetVector<Operation *> &globals,
                        llvm::SetVector<Operation *> &callees);
  LogicalResult emitGlobal(memref::GlobalOp global);
  LogicalResult emitFunction(func::FuncOp func, bool top);

  // Function bodies.
  LogicalResult emitBlock(Block &block);
  LogicalResult emitOp(Operation *op);
  LogicalResult emitScalar(Operation *op);
  LogicalResult emitFor(scf::ForOp loop);
  LogicalResult emitIf(scf::IfOp ifOp);
  LogicalResult emitYield(ValueRange from, ArrayRef<std::string> to);
  LogicalResult emitLoad(memref::LoadOp load);
  LogicalResult emitStore(memref::StoreOp store);
  LogicalResult emitAlloc(Operation *op, MemRefType type);
  LogicalResult emitCall(func::CallOp call);
  LogicalResult emitFlatView(memref::ReinterpretCastOp flat);
  LogicalResult emitReturn(func::ReturnOp ret);

  /// Whether `memref` holds weights (the weight element type).
  bool isWeightMemref(Value memref) const {
    return weights && weights->isWeight(memref);
  }

  /// `const T name = expr;` for `result`.
  LogicalResult assign(Value result, const std::string &expr, Operation *op);
  std::string fresh(StringRef prefix);
  std::string access(Value memref, ValueRange indices);
  const std::string &name(Value value) { return names[value]; }

  raw_indented_ostream os;
  const HLSNumerics &numerics;
  /// C++ names of SSA values in the current function (constants map to
  /// their literals).
  DenseMap<Value, std::string> names;
  /// Identifiers taken in the current function.
  llvm::StringSet<> localNames;
  /// Identifiers taken at file scope.
  llvm::StringSet<> fileNames;
  /// C++ names of globals and functions by symbol.
  llvm::StringMap<std::string> symbolNames;
  /// The weight arrays of the translation unit.
  std::optional<HLSWeightArrays> weights;
  unsigned counter = 0;
};

FailureOr<std::string> HLSCppEmitter::scalarType(Type type, Operation *user) {
  if (type.isF32())
    return std::string("m3sat_act_t");
  if (type.isF64())
    return std::string("double");
  if (type.isIndex())
    return std::string("int");
  if (auto integer = dyn_cast<IntegerType>(type)) {
    if (!integer.isSignless()) {
      user->emitOpError() << "has type " << type
                          << "; HLS C++ takes signless integers only";
      return failure();
    }
    switch (integer.getWidth()) {
    case 1:
      return std::string("bool");
    case 8:
      return std::string("int8_t");
    case 16:
      return std::string("int16_t");
    case 32:
      return std::string("int32_t");
    case 64:
      return std::string("int64_t");
    }
  }
  user->emitOpError() << "has type " << type
                      << " that HLS C++ cannot represent (f32, f64, index, "
                         "i1, i8, i16, i32, i64)";
  return failure();
}

FailureOr<std::string> HLSCppEmitter::elementType(MemRefType type, bool weight,
                                                  Operation *user) {
  if (weight && type.getElementType().isF32())
    return std::string("m3sat_weight_t");
  return scalarType(type.getElementType(), user);
}

FailureOr<std::string> HLSCppEmitter::arrayDims(MemRefType type,
                                                Operation *user) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace()) {
    user->emitOpError() << "uses " << type
                        << "; HLS C++ arrays need a static shape, the "
                           "identity layout and the default memory space";
    return failure();
  }
  if (type.getNumElements() == 0 ||
      type.getNumElements() > std::numeric_limits<int32_t>::max()) {
    user->emitOpError() << "uses " << type
                        << "; HLS C++ arrays hold 1 to 2^31-1 elements";
    return failure();
  }
  std::string dims;
  if (type.getRank() == 0)
    return std::string("[1]");
  for (int64_t dim : type.getShape())
    dims += "[" + std::to_string(dim) + "]";
  return dims;
}

std::string HLSCppEmitter::fresh(StringRef prefix) {
  std::string name;
  do
    name = (prefix + Twine(counter++)).str();
  while (localNames.contains(name) || fileNames.contains(name));
  localNames.insert(name);
  return name;
}

std::string HLSCppEmitter::access(Value memref, ValueRange indices) {
  std::string text = name(memref);
  if (indices.empty())
    return text + "[0]";
  for (Value index : indices)
    text += "[" + name(index) + "]";
  return text;
}

LogicalResult HLSCppEmitter::assign(Value result, const std::string &expr,
                                    Operation *op) {
  // Pure values nobody reads are not printed (g++ -Wall would warn).
  if (result.use_empty())
    return success();
  FailureOr<std::string> type = scalarType(result.getType(), op);
  if (failed(type))
    return failure();
  std::string var = fresh("v");
  os << "const " << *type << " " << var << " = " << expr << ";\n";
  names[result] = var;
  return success();
}

FailureOr<std::string> HLSCppEmitter::signature(func::FuncOp func) {
  SmallVector<std::string> ports = portNames(func);
  std::string text;
  FunctionType type = func.getFunctionType();
  if (type.getNumResults() > 1) {
    func.emitOpError("returns more than one value; HLS C++ functions "
                     "return at most one scalar");
    return failure();
  }
  if (type.getNumResults() == 1) {
    FailureOr<std::string> result = scalarType(type.getResult(0), func);
    if (failed(result))
      return failure();
    text += *result;
  } else {
    text += "void";
  }
  text += " " + symbolNames.lookup(func.getSymName()) + "(";
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    if (i)
      text += ", ";
    Type argType = func.getArgument(i).getType();
    if (auto memref = dyn_cast<MemRefType>(argType)) {
      bool weight = isWeightMemref(func.getArgument(i));
      if (func.isExternal())
        weight = static_cast<bool>(func.getArgAttr(i, kHLSWeightAttr));
      FailureOr<std::string> element = elementType(memref, weight, func);
      FailureOr<std::string> dims = arrayDims(memref, func);
      if (failed(element) || failed(dims))
        return failure();
      if (!func.isExternal() && isHLSFifoArgument(func.getArgument(i))) {
        text += "m3sat_stream<" + *element + "> &" + ports[i];
        continue;
      }
      bool readOnly = !func.isExternal() && isReadOnly(func.getArgument(i));
      text += (readOnly ? "const " : "") + *element + " " + ports[i] + *dims;
      continue;
    }
    FailureOr<std::string> scalar = scalarType(argType, func);
    if (failed(scalar))
      return failure();
    text += *scalar + " " + ports[i];
  }
  return text + ")";
}

LogicalResult HLSCppEmitter::collect(func::FuncOp func,
                                     llvm::SetVector<Operation *> &globals,
                                     llvm::SetVector<Operation *> &callees) {
  WalkResult result = func.walk([&](Operation *op) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
      auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
          op, get.getNameAttr());
      if (!global) {
        op->emitOpError("refers to no memref.global");
        return WalkResult::interrupt();
      }
      globals.insert(global);
    } else if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          op, call.getCalleeAttr());
      if (!callee || callee.isExternal()) {
        op->emitOpError("calls a function without a body; HLS C++ needs "
                        "every callee's definition");
        return WalkResult::interrupt();
      }
      if (callee == func || callees.contains(callee)) {
        if (callee == func) {
          op->emitOpError("is recursive; HLS C++ cannot recurse");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      }
      if (failed(collect(callee, globals, callees)))
        return WalkResult::interrupt();
      callees.insert(callee);
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult HLSCppEmitter::emitGlobal(memref::GlobalOp global) {
  FailureOr<std::string> element = elementType(global.getType(), false, global);
  FailureOr<std::string> dims = arrayDims(global.getType(), global);
  if (failed(element) || failed(dims))
    return failure();
  os << "static " << (global.getConstant() ? "const " : "") << *element << " "
     << symbolNames.lookup(global.getSymName()) << *dims;
  Attribute initialValue = global.getInitialValue().value_or(Attribute());
  auto initial = dyn_cast_or_null<DenseElementsAttr>(initialValue);
  // A resource blob (an initializer the importer kept out of line) holds
  // the raw element data.
  if (auto resource =
          dyn_cast_or_null<DenseResourceElementsAttr>(initialValue)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    bool splat = false;
    if (blob && !global.getType().getElementType().isInteger(1) &&
        DenseElementsAttr::isValidRawBuffer(resource.getType(), blob->getData(),
                                            splat))
      initial = DenseElementsAttr::getFromRawBuffer(resource.getType(),
                                                    blob->getData());
  }
  if (!initial) {
    if (global.getConstant() || global.getInitialValue()) {
      global.emitOpError("has no dense initial value that HLS C++ can "
                         "print");
      return failure();
    }
    os << ";\n";
    return success();
  }
  Type elementTy = global.getType().getElementType();
  SmallVector<std::string> values;
  if (auto floats = dyn_cast<DenseFPElementsAttr>(initial)) {
    for (const APFloat &value : floats.getValues<APFloat>())
      values.push_back(floatLiteral(value, elementTy.isF32()));
  } else if (auto ints = dyn_cast<DenseIntElementsAttr>(initial)) {
    for (const APInt &value : ints.getValues<APInt>())
      values.push_back(intLiteral(value, elementTy));
  } else {
    global.emitOpError("has an initial value HLS C++ cannot print");
    return failure();
  }
  // Nested braces, one level per dimension, eight values a line.
  ArrayRef<int64_t> shape = global.getType().getShape();
  size_t next = 0;
  std::function<void(unsigned)> print = [&](unsigned dim) {
    os << "{";
    if (dim + 1 >= shape.size()) {
      int64_t count = shape.empty() ? 1 : shape[dim];
      for (int64_t i = 0; i < count; ++i) {
        if (i)
          os << (i % 8 ? ", " : ",\n  ");
        os << values[next++];
      }
    } else {
      for (int64_t i = 0; i < shape[dim]; ++i) {
        if (i)
          os << ",\n ";
        print(dim + 1);
      }
    }
    os << "}";
  };
  os << " = ";
  print(0);
  os << ";\n";
  return success();
}

LogicalResult HLSCppEmitter::emitFunction(func::FuncOp func, bool top) {
  names.clear();
  localNames.clear();
  counter = 0;
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("has several blocks; HLS C++ is emitted from "
                            "structured control flow (scf) only");
  FailureOr<std::string> sig = signature(func);
  if (failed(sig))
    return failure();
  SmallVector<std::string> ports = portNames(func);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    names[func.getArgument(i)] = ports[i];
    localNames.insert(ports[i]);
  }
  os << (top ? "" : "static ") << *sig << " {\n";
  os.indent();
  // Pragmas only for synthesis: g++ -Wall warns about unknown pragmas (and
  // GCC 12 cannot be told otherwise from a header).
  if (top) {
    os << "#ifdef __SYNTHESIS__\n";
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto memref = dyn_cast<MemRefType>(func.getArgument(i).getType());
      if (!memref) {
        os << "#pragma HLS INTERFACE s_axilite port=" << ports[i] << "\n";
        continue;
      }
      StringRef bundle = "gmem";
      if (auto attr = func.getArgAttrOfType<StringAttr>(i, kHLSBundleAttr))
        bundle = attr.getValue();
      os << "#pragma HLS INTERFACE m_axi port=" << ports[i]
         << " offset=slave bundle=" << sanitize(bundle, "b_")
         << " depth=" << memref.getNumElements() << "\n";
    }
    os << "#pragma HLS INTERFACE s_axilite port=return\n";
    os << "#endif\n";
  }
  // Calls that run as concurrent tasks (an expert step: the next expert's
  // weights load while the current one computes).
  if (func->hasAttr(kHLSDataflowAttr))
    os << "#ifdef __SYNTHESIS__\n#pragma HLS DATAFLOW\n#endif\n";
  // A shared unit is one instance that its callers take turns on.
  if (func->hasAttr(kHLSSharedUnitAttr) || func->hasAttr(kHLSSharedLayerAttr))
    os << "#ifdef __SYNTHESIS__\n#pragma HLS INLINE off\n#endif\n";
  llvm::SetVector<Operation *> sharedCallees;
  func.walk([&](func::CallOp call) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (callee && (callee->hasAttr(kHLSSharedUnitAttr) ||
                   callee->hasAttr(kHLSSharedLayerAttr)))
      sharedCallees.insert(callee);
  });
  for (Operation *callee : sharedCallees)
    os << "#ifdef __SYNTHESIS__\n#pragma HLS ALLOCATION function instances="
       << symbolNames.lookup(cast<func::FuncOp>(callee).getSymName())
       << " limit=1\n#endif\n";
  // Arguments nobody reads would make g++ -Wextra warn.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (func.getArgument(i).use_empty())
      os << "(void)" << ports[i] << ";\n";
  if (failed(emitBlock(func.getBody().front())))
    return failure();
  os.unindent();
  os << "}\n";
  return success();
}

LogicalResult HLSCppEmitter::emitBlock(Block &block) {
  for (Operation &op : block)
    if (failed(emitOp(&op)))
      return failure();
  return success();
}

LogicalResult HLSCppEmitter::emitOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<scf::ForOp>([&](auto loop) { return emitFor(loop); })
      .Case<scf::IfOp>([&](auto ifOp) { return emitIf(ifOp); })
      .Case<memref::LoadOp>([&](auto load) { return emitLoad(load); })
      .Case<memref::StoreOp>([&](auto store) { return emitStore(store); })
      .Case<memref::AllocOp, memref::AllocaOp>(
          [&](auto alloc) { return emitAlloc(alloc, alloc.getType()); })
      .Case<memref::GetGlobalOp>([&](auto get) {
        names[get.getResult()] = symbolNames.lookup(get.getName());
        return success();
      })
      .Case<memref::ReinterpretCastOp>(
          [&](auto flat) { return emitFlatView(flat); })
      // Static storage is never freed.
      .Case<memref::DeallocOp>([&](auto) { return success(); })
      .Case<func::CallOp>([&](auto call) { return emitCall(call); })
      .Case<func::ReturnOp>([&](auto ret) { return emitReturn(ret); })
      .Default([&](Operation *other) { return emitScalar(other); });
}

LogicalResult HLSCppEmitter::emitFor(scf::ForOp loop) {
  FailureOr<std::string> ivType =
      scalarType(loop.getInductionVar().getType(), loop);
  if (failed(ivType))
    return failure();
  // Loop-carried values live in variables declared before the loop; the
  // loop's results are those variables.
  SmallVector<std::string> carried;
  for (auto [init, iterArg, result] : llvm::zip(
           loop.getInitArgs(), loop.getRegionIterArgs(), loop.getResults())) {
    if (isa<MemRefType>(iterArg.getType()))
      return loop.emitOpError("carries a memref across iterations; HLS C++ "
                              "carries scalars only");
    FailureOr<std::string> type = scalarType(iterArg.getType(), loop);
    if (failed(type))
      return failure();
    std::string var = fresh("a");
    os << *type << " " << var << " = " << name(init) << ";\n";
    names[iterArg] = var;
    names[result] = var;
    carried.push_back(var);
  }
  std::string iv = fresh("i");
  names[loop.getInductionVar()] = iv;
  os << "for (" << *ivType << " " << iv << " = " << name(loop.getLowerBound())
     << "; " << iv << " < " << name(loop.getUpperBound()) << "; " << iv
     << " += " << name(loop.getStep()) << ") {\n";
  os.indent();
  auto ii = loop->getAttrOfType<IntegerAttr>(kHLSPipelineIIAttr);
  auto trips = loop->getAttrOfType<IntegerAttr>(kHLSMaxTripCountAttr);
  if (ii || trips) {
    os << "#ifdef __SYNTHESIS__\n";
    if (ii)
      os << "#pragma HLS PIPELINE II=" << ii.getInt() << "\n";
    if (auto unroll = loop->getAttrOfType<IntegerAttr>(kHLSUnrollAttr))
      os << "#pragma HLS UNROLL factor=" << unroll.getInt() << "\n";
    if (trips)
      os << "#pragma HLS LOOP_TRIPCOUNT max=" << trips.getInt() << "\n";
    // Iterations that write other elements: no dependence between them
    // through the arrays stored to.
    if (loop->hasAttr(kHLSIndependentAttr)) {
      llvm::SetVector<Value> stored;
      loop.getBody()->walk(
          [&](memref::StoreOp store) { stored.insert(store.getMemRef()); });
      for (Value memref : stored)
        os << "#pragma HLS DEPENDENCE variable=" << name(memref)
           << " inter false\n";
    }
    os << "#endif\n";
  }
  Block &body = *loop.getBody();
  for (Operation &op : body.without_terminator())
    if (failed(emitOp(&op)))
      return failure();
  auto yield = cast<scf::YieldOp>(body.getTerminator());
  if (failed(emitYield(yield.getOperands(), carried)))
    return failure();
  os.unindent();
  os << "}\n";
  return success();
}

LogicalResult HLSCppEmitter::emitYield(ValueRange from,
                                       ArrayRef<std::string> to) {
  // Read every yielded value before any variable is overwritten.
  SmallVector<std::string> sources;
  for (auto [value, var] : llvm::zip(from, to)) {
    std::string source = name(value);
    if (from.size() > 1 && source != var) {
      FailureOr<std::string> type =
          scalarType(value.getType(), value.getParentBlock()->getParentOp());
      if (failed(type))
        return failure();
      std::string temporary = fresh("t");
      os << "const " << *type << " " << temporary << " = " << source << ";\n";
      source = temporary;
    }
    sources.push_back(source);
  }
  for (auto [source, var] : llvm::zip(sources, to))
    if (source != var)
      os << var << " = " << source << ";\n";
  return success();
}

LogicalResult HLSCppEmitter::emitIf(scf::IfOp ifOp) {
  SmallVector<std::string> results;
  for (Value result : ifOp.getResults()) {
    if (isa<MemRefType>(result.getType()))
      return ifOp.emitOpError("yields a memref; HLS C++ selects scalars "
                              "only");
    FailureOr<std::string> type = scalarType(result.getType(), ifOp);
    if (failed(type))
      return failure();
    std::string var = fresh("r");
    os << *type << " " << var << "{};\n";
    names[result] = var;
    results.push_back(var);
  }
  auto emitRegion = [&](Region &region) -> LogicalResult {
    os.indent();
    Block &block = region.front();
    for (Operation &op : block.without_terminator())
      if (failed(emitOp(&op)))
        return failure();
    auto yield = cast<scf::YieldOp>(block.getTerminator());
    if (failed(emitYield(yield.getOperands(), results)))
      return failure();
    os.unindent();
    return success();
  };
  os << "if (" << name(ifOp.getCondition()) << ") {\n";
  if (failed(emitRegion(ifOp.getThenRegion())))
    return failure();
  if (!ifOp.getElseRegion().empty()) {
    os << "} else {\n";
    if (failed(emitRegion(ifOp.getElseRegion())))
      return failure();
  }
  os << "}\n";
  return success();
}

LogicalResult HLSCppEmitter::emitLoad(memref::LoadOp load) {
  std::string expr = isHLSFifoArgument(load.getMemRef())
                         ? name(load.getMemRef()) + ".read()"
                         : access(load.getMemRef(), load.getIndices());
  if (!weights || !weights->isWeightOperand(load))
    return assign(load.getResult(), expr, load);
  std::string var = fresh("v");
  os << "const m3sat_weight_t " << var << " = " << expr << ";\n";
  names[load.getResult()] = var;
  return success();
}

LogicalResult HLSCppEmitter::emitStore(memref::StoreOp store) {
  if (isHLSFifoArgument(store.getMemRef())) {
    os << name(store.getMemRef()) << ".write(" << name(store.getValueToStore())
       << ");\n";
    return success();
  }
  os << access(store.getMemRef(), store.getIndices()) << " = "
     << name(store.getValueToStore()) << ";\n";
  return success();
}

LogicalResult HLSCppEmitter::emitAlloc(Operation *op, MemRefType type) {
  FailureOr<std::string> element =
      elementType(type, isWeightMemref(op->getResult(0)), op);
  FailureOr<std::string> dims = arrayDims(type, op);
  if (failed(element) || failed(dims))
    return failure();
  // A FIFO channel of a DATAFLOW region: a stream of the given depth.
  auto channel = op->getAttrOfType<StringAttr>(kHLSChannelAttr);
  if (channel && channel.getValue() == "fifo") {
    auto depth = op->getAttrOfType<IntegerAttr>(kHLSFifoDepthAttr);
    if (!depth)
      return op->emitOpError("is a FIFO channel without a depth");
    std::string var = fresh("fifo");
    os << "m3sat_stream<" << *element << "> " << var << ";\n"
       << "#ifdef __SYNTHESIS__\n#pragma HLS STREAM variable=" << var
       << " depth=" << depth.getInt() << "\n#endif\n";
    names[op->getResult(0)] = var;
    return success();
  }
  // Static storage: an on-chip array in hardware, and no stack overflow
  // in C simulation. A ping-pong channel of a DATAFLOW region is a local
  // array for synthesis (M3SAT_HLS_PIPO is empty there).
  std::string var = fresh("buf");
  os << (channel ? "M3SAT_HLS_PIPO " : "static ") << *element << " " << var
     << *dims << ";\n";
  names[op->getResult(0)] = var;
  if (auto partition = op->getAttrOfType<DenseI64ArrayAttr>(kHLSPartitionAttr);
      partition && partition.size() == 2)
    os << "#ifdef __SYNTHESIS__\n#pragma HLS ARRAY_PARTITION variable=" << var
       << " cyclic factor=" << partition[1] << " dim=" << partition[0]
       << "\n#endif\n";
  return success();
}

LogicalResult HLSCppEmitter::emitFlatView(memref::ReinterpretCastOp flat) {
  // An array seen as 1-D from its first element (passed to a callee that
  // takes the largest size its callers pass): a pointer to that element.
  auto source = cast<MemRefType>(flat.getSource().getType());
  MemRefType type = flat.getType();
  if (type.getRank() != 1 || !type.getLayout().isIdentity() ||
      !source.hasStaticShape() || !source.getLayout().isIdentity() ||
      flat.getStaticOffsets() != ArrayRef<int64_t>{0})
    return flat.emitOpError("is not an array seen as 1-D from its first "
                            "element, the only view HLS C++ prints");
  std::string text = "(&" + name(flat.getSource());
  for (int64_t d = 0; d < std::max<int64_t>(source.getRank(), 1); ++d)
    text += "[0]";
  names[flat.getResult()] = text + ")";
  return success();
}

LogicalResult HLSCppEmitter::emitCall(func::CallOp call) {
  std::string expr = symbolNames.lookup(call.getCallee()) + "(";
  for (auto [i, operand] : llvm::enumerate(call.getOperands()))
    expr += (i ? ", " : "") + name(operand);
  expr += ")";
  if (call.getNumResults() == 0) {
    os << expr << ";\n";
    return success();
  }
  if (call.getNumResults() > 1 || isa<MemRefType>(call.getType(0)))
    return call.emitOpError("returns more than one value or a memref; HLS "
                            "C++ calls return at most one scalar");
  if (call.getResult(0).use_empty()) {
    os << expr << ";\n";
    return success();
  }
  return assign(call.getResult(0), expr, call);
}

LogicalResult HLSCppEmitter::emitReturn(func::ReturnOp ret) {
  if (ret.getNumOperands() == 0) {
    if (ret->getNextNode() ||
        ret->getBlock() != &ret->getParentRegion()->front())
      os << "return;\n";
    return success();
  }
  if (ret.getNumOperands() > 1 || isa<MemRefType>(ret.getOperand(0).getType()))
    return ret.emitOpError("returns a memref or several values; top "
                           "functions write their results to out-params");
  os << "return " << name(ret.getOperand(0)) << ";\n";
  return success();
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

LogicalResult HLSCppEmitter::emitFile(ModuleOp module,
                                      ArrayRef<func::FuncOp> tops,
                                      StringRef includeHeader) {
  // Everything the tops use, callees before callers.
  llvm::SetVector<Operation *> globals, callees;
  for (func::FuncOp top : tops)
    if (failed(collect(top, globals, callees)))
      return failure();
  for (func::FuncOp top : tops)
    callees.remove(top);
  weights.emplace(tops, callees.getArrayRef());

  // File-scope names: top functions keep their (sanitized) symbol names;
  // callees and globals (always prefixed) avoid every port name, which
  // would hide them inside a function.
  llvm::StringSet<> portNamesInFile;
  for (func::FuncOp top : tops)
    for (const std::string &port : portNames(top))
      portNamesInFile.insert(port);
  for (Operation *callee : callees)
    for (const std::string &port : portNames(cast<func::FuncOp>(callee)))
      portNamesInFile.insert(port);
  auto claim = [&](StringRef symbol, std::string base) {
    std::string unique = base;
    for (unsigned n = 1;
         fileNames.contains(unique) || portNamesInFile.contains(unique); ++n)
      unique = base + "_" + std::to_string(n);
    fileNames.insert(unique);
    symbolNames[symbol] = unique;
  };
  for (func::FuncOp top : tops) {
    std::string name = hlsFunctionName(top);
    fileNames.insert(name);
    symbolNames[top.getSymName()] = name;
  }
  for (Operation *callee : callees) {
    StringRef symbol = cast<func::FuncOp>(callee).getSymName();
    claim(symbol, "f_" + sanitize(symbol, ""));
  }
  for (Operation *global : globals) {
    StringRef symbol = cast<memref::GlobalOp>(global).getSymName();
    claim(symbol, "g_" + sanitize(symbol, ""));
  }

  os << "// Generated by m3sat (HLS C++ for Vitis HLS and C simulation); do "
        "not edit.\n";
  emitNumericsPrologue();
  if (!includeHeader.empty())
    os << "#include \"" << includeHeader << "\"\n";
  os << "#include \"m3sat_hls.h\"\n\n";
  for (Operation *global : globals)
    if (failed(emitGlobal(cast<memref::GlobalOp>(global))))
      return failure();
  if (!globals.empty())
    os << "\n";
  for (Operation *callee : callees) {
    if (failed(emitFunction(cast<func::FuncOp>(callee), /*top=*/false)))
      return failure();
    os << "\n";
  }
  for (auto [i, top] : llvm::enumerate(tops)) {
    if (i)
      os << "\n";
    if (failed(emitFunction(top, /*top=*/true)))
      return failure();
  }
  return success();
}

void HLSCppEmitter::emitNumericsPrologue() {
  os << "// Numerics: " << describeHLSNumerics(numerics) << ".\n";
  if (!numerics.fixed)
    return;
  os << "#define M3SAT_HLS_FIXED 1\n"
     << "#define M3SAT_HLS_ACT_W " << numerics.actWidth << "\n"
     << "#define M3SAT_HLS_ACT_I " << numerics.actInt << "\n"
     << "#define M3SAT_HLS_WEIGHT_W " << numerics.weightWidth << "\n"
     << "#define M3SAT_HLS_WEIGHT_I " << numerics.weightInt << "\n";
}

LogicalResult HLSCppEmitter::emitPrototypes(ArrayRef<func::FuncOp> tops) {
  // Ports only: a top function's weights carry m3sat.hls.weight.
  weights.emplace(ArrayRef<func::FuncOp>(), ArrayRef<Operation *>());
  for (func::FuncOp top : tops) {
    symbolNames[top.getSymName()] = hlsFunctionName(top);
    FailureOr<std::string> sig = signature(top);
    if (failed(sig))
      return failure();
    os << *sig << ";\n";
  }
  return success();
}

/// Every public function with a body, in module order.
SmallVector<func::FuncOp> publicFunctions(ModuleOp module) {
  SmallVector<func::FuncOp> tops;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      tops.push_back(func);
  return tops;
}

} // namespace

std::string m3sat::hlsPortName(func::FuncOp func, unsigned index) {
  return portNames(func)[index];
}

std::string m3sat::hlsFunctionName(func::FuncOp func) {
  return sanitize(func.getSymName(), "f_");
}

LogicalResult m3sat::emitHLSCppFile(ModuleOp module,
                                    ArrayRef<func::FuncOp> tops,
                                    StringRef includeHeader, raw_ostream &os,
                                    const HLSNumerics &numerics) {
  std::string text;
  llvm::raw_string_ostream buffer(text);
  HLSCppEmitter emitter(buffer, numerics);
  if (failed(emitter.emitFile(module, tops, includeHeader)))
    return failure();
  os << text;
  return success();
}

LogicalResult m3sat::emitHLSCppHeader(ArrayRef<func::FuncOp> tops,
                                      StringRef guard, raw_ostream &os,
                                      const HLSNumerics &numerics) {
  std::string text, prologue;
  llvm::raw_string_ostream buffer(text), prologueOS(prologue);
  HLSCppEmitter emitter(buffer, numerics);
  if (failed(emitter.emitPrototypes(tops)))
    return failure();
  HLSCppEmitter(prologueOS, numerics).emitNumericsPrologue();
  os << "// Generated by m3sat: the HLS top functions; do not edit.\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << prologue << "#include \"m3sat_hls.h\"\n\n"
     << text << "\n#endif // " << guard << "\n";
  return success();
}

LogicalResult m3sat::translateToHLSCpp(ModuleOp module, raw_ostream &os) {
  for (Operation &op : *module.getBody())
    if (!isa<func::FuncOp, memref::GlobalOp>(op))
      return op.emitOpError("cannot be emitted as HLS C++ (a module holds "
                            "func.func and memref.global only)");
  SmallVector<func::FuncOp> tops = publicFunctions(module);
  if (tops.empty())
    return module.emitError("no public function to emit as an HLS top "
                            "function");
  // Names must not collide after sanitizing.
  llvm::StringSet<> seen;
  for (func::FuncOp top : tops)
    if (!seen.insert(hlsFunctionName(top)).second)
      return top.emitOpError("has a name that collides with another top "
                             "function's in C++ ('")
             << hlsFunctionName(top) << "')";
  if (failed(verifyHLSChannels(module)))
    return failure();
  return emitHLSCppFile(module, tops, "", os);
}

static const std::pair<llvm::StringRef, llvm::StringRef> kSupportHeaders[] = {
#include "HLSHeaders.inc"
};

ArrayRef<std::pair<StringRef, StringRef>> m3sat::getHLSSupportHeaders() {
  return kSupportHeaders;
}

void m3sat::registerToHLSCppTranslation() {
  TranslateFromMLIRRegistration registration(
      "emit-hls-cpp", "Emit loop-level IR as Vitis-style HLS C++",
      [](Operation *op, raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("--emit-hls-cpp translates a module");
        return translateToHLSCpp(module, os);
      },
      [](DialectRegistry &registry) {
        registry
            .insert<arith::ArithDialect, func::FuncDialect, math::MathDialect,
                    memref::MemRefDialect, scf::SCFDialect>();
      });
}
