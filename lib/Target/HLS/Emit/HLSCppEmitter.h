//===- HLSCppEmitter.h - internals of the HLS C++ emitter -------*- C++ -*-===//
//
// Shared by the emitter's files: EmitHLSCpp.cpp (the module, functions,
// control flow and memory), EmitScalarOps.cpp (arith and math as C++
// expressions) and CppSyntax.cpp (identifiers and literals). Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_TARGET_HLS_EMIT_HLSCPPEMITTER_H
#define M3SAT_LIB_TARGET_HLS_EMIT_HLSCPPEMITTER_H

#include "m3sat/Target/HLS/Analysis/WeightArrays.h"
#include "m3sat/Target/HLS/Emit/HLSNumerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/IndentedOstream.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <optional>
#include <string>

namespace m3sat::hlscpp {

// C++ syntax (CppSyntax.cpp).

/// Identifiers the emitted code must not declare: C++ keywords and the
/// names m3sat_hls.h and the standard headers bring in.
bool isReserved(llvm::StringRef name);

/// `name` as a C++ identifier: other characters become '_', runs of '_'
/// collapse (no reserved "__"), and a leading digit, underscore or keyword
/// gets `prefix`.
std::string sanitize(llvm::StringRef name, llvm::StringRef prefix);

/// Prints `value` as a C++ literal of a float type ('f' suffix for float).
/// The special values of f32 are those of m3sat_act_t (fixed point has its
/// own).
std::string floatLiteral(const llvm::APFloat &value, bool isFloat);

/// Prints `value` of integer type `type` as a C++ literal.
std::string intLiteral(const llvm::APInt &value, mlir::Type type);

/// The C++ of a binary arith op, or "" when `op` is none.
std::string binaryOperator(mlir::Operation *op);

/// The m3sat_hls function of a math op or float min/max, or "".
std::string mathFunction(mlir::Operation *op);

/// The C++ of a float comparison of `a` and `b` (NaN-aware).
std::string compareFloats(mlir::arith::CmpFPredicate predicate,
                          llvm::StringRef a, llvm::StringRef b);

/// The unsigned C++ type of the same width as integer type `type`.
std::string unsignedType(mlir::Type type);

/// The emitter of one translation unit.
class HLSCppEmitter {
public:
  HLSCppEmitter(llvm::raw_ostream &out, const HLSNumerics &numerics)
      : os(out), numerics(numerics) {}

  /// Emits the functions `tops` as top functions, preceded by the globals
  /// and functions they use.
  mlir::LogicalResult emitFile(mlir::ModuleOp module,
                               llvm::ArrayRef<mlir::func::FuncOp> tops,
                               llvm::StringRef includeHeader);
  /// Emits the prototypes of `tops`.
  mlir::LogicalResult emitPrototypes(llvm::ArrayRef<mlir::func::FuncOp> tops);
  /// Emits the macros that select the numerics (before m3sat_hls.h).
  void emitNumericsPrologue();

private:
  // Types.
  mlir::FailureOr<std::string> scalarType(mlir::Type type,
                                          mlir::Operation *user);
  mlir::FailureOr<std::string> elementType(mlir::MemRefType type, bool weight,
                                           mlir::Operation *user);
  mlir::FailureOr<std::string> arrayDims(mlir::MemRefType type,
                                         mlir::Operation *user);
  mlir::FailureOr<std::string> signature(mlir::func::FuncOp func);

  // Module level.
  mlir::LogicalResult collect(mlir::func::FuncOp func,
                              llvm::SetVector<mlir::Operation *> &globals,
                              llvm::SetVector<mlir::Operation *> &callees);
  mlir::LogicalResult emitGlobal(mlir::memref::GlobalOp global);
  mlir::LogicalResult emitFunction(mlir::func::FuncOp func, bool top);

  // Function bodies.
  mlir::LogicalResult emitBlock(mlir::Block &block);
  mlir::LogicalResult emitOp(mlir::Operation *op);
  mlir::LogicalResult emitScalar(mlir::Operation *op);
  mlir::LogicalResult emitFor(mlir::scf::ForOp loop);
  mlir::LogicalResult emitIf(mlir::scf::IfOp ifOp);
  mlir::LogicalResult emitYield(mlir::ValueRange from,
                                llvm::ArrayRef<std::string> to);
  mlir::LogicalResult emitLoad(mlir::memref::LoadOp load);
  mlir::LogicalResult emitStore(mlir::memref::StoreOp store);
  mlir::LogicalResult emitAlloc(mlir::Operation *op, mlir::MemRefType type);
  mlir::LogicalResult emitCall(mlir::func::CallOp call);
  mlir::LogicalResult emitFlatView(mlir::memref::ReinterpretCastOp flat);
  mlir::LogicalResult emitReturn(mlir::func::ReturnOp ret);

  /// Whether `memref` holds weights (the weight element type).
  bool isWeightMemref(mlir::Value memref) const {
    return weights && weights->isWeight(memref);
  }

  /// `const T name = expr;` for `result`.
  mlir::LogicalResult assign(mlir::Value result, const std::string &expr,
                             mlir::Operation *op);
  std::string fresh(llvm::StringRef prefix);
  std::string access(mlir::Value memref, mlir::ValueRange indices);
  const std::string &name(mlir::Value value) { return names[value]; }

  mlir::raw_indented_ostream os;
  const HLSNumerics &numerics;
  /// C++ names of SSA values in the current function (constants map to
  /// their literals).
  llvm::DenseMap<mlir::Value, std::string> names;
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

} // namespace m3sat::hlscpp

#endif // M3SAT_LIB_TARGET_HLS_EMIT_HLSCPPEMITTER_H
