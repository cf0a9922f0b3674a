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

#include "HLSCppEmitter.h"

#include "M3SAT/M3SATHLSAttrs.h"
#include "m3sat/Target/HLS/Analysis/Channels.h"
#include "m3sat/Target/HLS/Analysis/WeightArrays.h"

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
using namespace m3sat::hlscpp;

namespace m3sat::hlscpp {

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
  auto channel = op->getAttrOfType<HLSChannelKindAttr>(kHLSChannelAttr);
  if (channel && channel.getValue() == HLSChannelKind::fifo) {
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
  if (auto partition = op->getAttrOfType<HLSPartitionAttr>(kHLSPartitionAttr))
    os << "#ifdef __SYNTHESIS__\n#pragma HLS ARRAY_PARTITION variable=" << var
       << " cyclic factor=" << partition.getFactor()
       << " dim=" << partition.getDim() << "\n#endif\n";
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

} // namespace m3sat::hlscpp

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
