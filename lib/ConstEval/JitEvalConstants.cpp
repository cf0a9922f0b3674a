//===- JitEvalConstants.cpp - constant subgraphs evaluated at compile time ===//
//
// Implements m3sat-jit-eval-constants: the constant parts of a function are
// copied into a module of their own, lowered with m3sat's CPU pipeline, run
// with MLIR's ExecutionEngine, and their results come back as constants.
//
//===----------------------------------------------------------------------===//

#include "m3sat/ConstEval/Passes.h"

#include "m3sat/Pipelines/Pipelines.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/TargetSelect.h"

namespace m3sat {
#define GEN_PASS_DEF_JITEVALCONSTANTS
#include "m3sat/ConstEval/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// Bytes one element of `type` takes in memory after lowering.
int64_t storageBytes(Type type) {
  if (type.isIndex())
    return 8;
  return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
}

bool isEvaluableType(Type type, int64_t maxElements) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() ||
      tensor.getNumElements() > maxElements)
    return false;
  Type element = tensor.getElementType();
  return element.isIntOrIndexOrFloat();
}

/// Every value `op`'s regions use from outside is in `known`.
bool regionsClosed(Operation *op, const llvm::DenseSet<Value> &known) {
  bool closed = true;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands()) {
      Region *region = operand.getParentRegion();
      if (!op->isProperAncestor(region->getParentOp()) &&
          region->getParentOp() != op && !known.contains(operand))
        closed = false;
    }
  });
  return closed;
}

/// A constant for evaluated bytes: small ones as dense elements, large ones
/// as resource blobs (kept out of the IR text).
TypedAttr makeConstant(RankedTensorType type, ArrayRef<char> bytes) {
  Type element = type.getElementType();
  if (element.isInteger(1)) {
    SmallVector<bool> values;
    for (char byte : bytes)
      values.push_back(byte & 1);
    return DenseElementsAttr::get(type, values);
  }
  if (type.getNumElements() <= 4096)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  return DenseResourceElementsAttr::get(
      type, "m3sat_const_eval",
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
}

/// The ops of a function body computed from constants alone, in order,
/// and which of their results depend on constant tensor data.
struct Foldable {
  SmallVector<Operation *> ops;
  llvm::SmallPtrSet<Operation *, 16> set;
  llvm::DenseSet<Value> dataDependent;
};

/// Constants, and the ops computed from constants alone. A value counts for
/// folding only if it depends on constant tensor data (a fill of an empty
/// tensor is cheaper to compute than to store).
Foldable findFoldable(Block &body, int64_t maxElements) {
  Foldable foldable;
  llvm::DenseSet<Value> known;
  llvm::DenseSet<Value> &dataDependent = foldable.dataDependent;
  for (Operation &op : body) {
    if (op.hasTrait<OpTrait::ConstantLike>()) {
      for (Value result : op.getResults()) {
        known.insert(result);
        if (isa<RankedTensorType>(result.getType()))
          dataDependent.insert(result);
      }
      continue;
    }
    // Quantized weights stay quantized: their dequantization runs with
    // the task (a 4-bit expert is an eighth of its float bytes).
    if (isa<DequantizeOp>(op) || op.hasTrait<OpTrait::IsTerminator>() ||
        !isMemoryEffectFree(&op) || op.getNumResults() == 0 ||
        !llvm::all_of(op.getOperands(),
                      [&](Value v) { return known.contains(v); }) ||
        !llvm::all_of(
            op.getResultTypes(),
            [&](Type t) { return isEvaluableType(t, maxElements); }) ||
        !regionsClosed(&op, known))
      continue;
    bool fromData = llvm::any_of(
        op.getOperands(), [&](Value v) { return dataDependent.contains(v); });
    op.walk([&](Operation *inner) {
      for (Value operand : inner->getOperands())
        fromData |= dataDependent.contains(operand);
    });
    foldable.ops.push_back(&op);
    for (Value result : op.getResults()) {
      known.insert(result);
      if (fromData)
        dataDependent.insert(result);
    }
  }
  foldable.set.insert(foldable.ops.begin(), foldable.ops.end());
  return foldable;
}

/// The data-dependent foldable values the rest of the function needs.
SmallVector<Value> frontierOf(const Foldable &foldable) {
  SmallVector<Value> frontier;
  for (Operation *op : foldable.ops)
    for (Value result : op->getResults())
      if (foldable.dataDependent.contains(result) &&
          llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !foldable.set.contains(user);
          }))
        frontier.push_back(result);
  return frontier;
}

/// A module whose function `m3sat_const_eval` computes the frontier, each
/// distinct value returned once: identical computations (e.g. the same
/// weight transpose in two tasks' code) become one, since a buffer returned
/// twice is more than buffer-results-to-out-params handles. `slot[i]` is
/// the result that frontier[i] reads.
FailureOr<OwningOpRef<ModuleOp>> buildEvalModule(func::FuncOp func,
                                                 const Foldable &foldable,
                                                 ArrayRef<Value> frontier,
                                                 SmallVector<unsigned> &slot) {
  MLIRContext *context = func.getContext();
  Location loc = func.getLoc();
  OwningOpRef<ModuleOp> evalModule = ModuleOp::create(loc);
  OpBuilder builder = OpBuilder::atBlockEnd(evalModule->getBody());
  auto evalFunc = func::FuncOp::create(
      builder, loc, "m3sat_const_eval",
      FunctionType::get(context, {}, ValueRange(frontier).getTypes()));
  builder.setInsertionPointToStart(evalFunc.addEntryBlock());
  IRMapping mapping;
  for (Operation &op : func.getBody().front()) {
    // Constants only when a folded op (or an op in its regions) reads
    // them: weights that stay in the program stay out of the JIT.
    bool needed = foldable.set.contains(&op) ||
                  (op.hasTrait<OpTrait::ConstantLike>() &&
                   llvm::any_of(op.getUsers(), [&](Operation *user) {
                     return llvm::any_of(foldable.ops, [&](Operation *f) {
                       return f->isAncestor(user);
                     });
                   }));
    if (needed)
      builder.clone(op, mapping);
  }
  SmallVector<Value> results;
  for (Value value : frontier)
    results.push_back(mapping.lookup(value));
  auto returnOp = func::ReturnOp::create(builder, loc, results);

  PassManager cse(context);
  cse.addPass(createCSEPass());
  if (failed(cse.run(*evalModule)))
    return func.emitError("compile-time evaluation of constants failed "
                          "to simplify");
  SmallVector<Value> unique;
  for (Value result : returnOp.getOperands()) {
    auto *it = llvm::find(unique, result);
    slot.push_back(it - unique.begin());
    if (it == unique.end())
      unique.push_back(result);
  }
  returnOp->setOperands(unique);
  evalFunc.setType(
      FunctionType::get(context, {}, ValueRange(unique).getTypes()));
  return evalModule;
}

/// Lowers `evalModule` with the CPU pipeline, JIT-compiles and runs it:
/// one buffer per result of `m3sat_const_eval`.
FailureOr<std::vector<std::vector<char>>> runEvalModule(func::FuncOp func,
                                                        ModuleOp evalModule) {
  MLIRContext *context = func.getContext();
  // (The values themselves are gone with the lowering.)
  auto evalFunc = evalModule.lookupSymbol<func::FuncOp>("m3sat_const_eval");
  SmallVector<Type> resultTypes(evalFunc.getResultTypes());
  PassManager lower(context);
  CPUPipelineOptions pipeline;
  pipeline.parallel = false;
  // The JIT links no task runtime: no m3sat_sgemm.
  pipeline.blas = false;
  buildCPUPipeline(lower, pipeline);
  if (failed(lower.run(evalModule)))
    return func.emitError("compile-time evaluation of constants failed "
                          "to lower");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*context);
  registerLLVMDialectTranslation(*context);
  auto engine = ExecutionEngine::create(evalModule);
  if (!engine)
    return func.emitError() << "compile-time evaluation of constants: "
                            << llvm::toString(engine.takeError());

  std::vector<std::vector<char>> buffers;
  SmallVector<void *> pointers, arguments;
  for (Type resultType : resultTypes) {
    auto type = cast<RankedTensorType>(resultType);
    buffers.emplace_back(type.getNumElements() *
                         storageBytes(type.getElementType()));
  }
  for (std::vector<char> &buffer : buffers)
    pointers.push_back(buffer.data());
  for (void *&pointer : pointers)
    arguments.push_back(&pointer);
  if (llvm::Error error =
          (*engine)->invokePacked("m3sat_const_eval", arguments))
    return func.emitError() << "compile-time evaluation of constants: "
                            << llvm::toString(std::move(error));
  return buffers;
}

struct JitEvalConstantsPass
    : m3sat::impl::JitEvalConstantsBase<JitEvalConstantsPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(evaluate(func)))
        return signalPassFailure();
  }

  LogicalResult evaluate(func::FuncOp func) {
    Block &body = func.getBody().front();
    Foldable foldable = findFoldable(body, maxElements);
    SmallVector<Value> frontier = frontierOf(foldable);
    if (frontier.empty())
      return success();
    SmallVector<unsigned> slot;
    FailureOr<OwningOpRef<ModuleOp>> evalModule =
        buildEvalModule(func, foldable, frontier, slot);
    if (failed(evalModule))
      return failure();
    FailureOr<std::vector<std::vector<char>>> buffers =
        runEvalModule(func, **evalModule);
    if (failed(buffers))
      return failure();

    // The results replace the frontier; what only fed it goes away. One
    // constant per distinct value, so that equal computations end as one
    // constant (and the ops reading it can be CSE'd).
    OpBuilder builder = OpBuilder::atBlockBegin(&body);
    SmallVector<Value> constants(buffers->size());
    for (auto [value, index] : llvm::zip(frontier, slot)) {
      auto type = cast<RankedTensorType>(value.getType());
      Value &constant = constants[index];
      if (!constant)
        constant = arith::ConstantOp::create(
            builder, value.getLoc(), makeConstant(type, (*buffers)[index]));
      value.replaceUsesWithIf(constant, [&](OpOperand &use) {
        return !foldable.set.contains(use.getOwner());
      });
      ++numFolded;
    }
    for (Operation *op : llvm::reverse(foldable.ops))
      if (isOpTriviallyDead(op))
        op->erase();
    return success();
  }
};

} // namespace
