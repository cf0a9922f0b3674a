//===- HLSStageUnitOperands.cpp - m3sat-hls-stage-unit-operands -----------===//
//
// The shared linear unit reads on-chip arrays only: operands that come from
// the top function's ports (m_axi) are copied into on-chip buffers first
// (and out again for C), so that one synthesized instance of the unit
// serves every call.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSTAGEUNITOPERANDS
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using m3sat::hls::rootOf;

namespace {

/// Copies every element of `port` to `buffer` (1-D, row-major), or back
/// when `out`, in loops at the builder's insertion point.
void copy(OpBuilder &builder, Location loc, Value port, Value buffer,
          bool out) {
  auto type = cast<MemRefType>(port.getType());
  SmallVector<Value> indices;
  std::function<void(unsigned)> nest = [&](unsigned dim) {
    if (dim == type.getRank()) {
      Value offset = arith::ConstantIndexOp::create(builder, loc, 0);
      for (auto [index, size] : llvm::zip(indices, type.getShape()))
        offset = arith::AddIOp::create(
            builder, loc,
            arith::MulIOp::create(
                builder, loc, offset,
                arith::ConstantIndexOp::create(builder, loc, size)),
            index);
      if (out) {
        Value value = memref::LoadOp::create(builder, loc, buffer, offset);
        memref::StoreOp::create(builder, loc, value, port, indices);
      } else {
        Value value = memref::LoadOp::create(builder, loc, port, indices);
        memref::StoreOp::create(builder, loc, value, buffer, offset);
      }
      return;
    }
    Value lower = arith::ConstantIndexOp::create(builder, loc, 0);
    Value upper =
        arith::ConstantIndexOp::create(builder, loc, type.getDimSize(dim));
    Value step = arith::ConstantIndexOp::create(builder, loc, 1);
    auto loop = scf::ForOp::create(builder, loc, lower, upper, step);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(loop.getBody()->getTerminator());
    indices.push_back(loop.getInductionVar());
    nest(dim + 1);
    indices.pop_back();
  };
  nest(0);
}

struct HLSStageUnitOperandsPass
    : public m3sat::impl::HLSStageUnitOperandsBase<HLSStageUnitOperandsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (callee && callee->hasAttr(m3sat::kHLSSharedUnitAttr))
        calls.push_back(call);
    });
    // One buffer per function and operand (A, B, C), shared by its calls.
    DenseMap<std::pair<Operation *, unsigned>, Value> buffers;
    for (func::CallOp call : calls) {
      auto func = call->getParentOfType<func::FuncOp>();
      Block &body = func.getBody().front();
      Operation *top = body.findAncestorOpInBlock(*call);
      // The copies go around the top-level op that holds the call (once
      // for a loop over heads), unless it holds other calls of the unit.
      unsigned unitCalls = 0;
      top->walk([&](func::CallOp other) {
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            other, other.getCalleeAttr());
        unitCalls += callee && callee->hasAttr(m3sat::kHLSSharedUnitAttr);
      });
      Operation *anchor = unitCalls == 1 ? top : call.getOperation();
      for (unsigned i = 0; i < 3 && i < call.getNumOperands(); ++i) {
        Value operand = call.getOperand(i);
        Value port = rootOf(operand);
        if (!isPort(port, module) ||
            !cast<MemRefType>(port.getType()).hasStaticShape())
          continue;
        Value &buffer = buffers[{func, i}];
        if (!buffer) {
          OpBuilder builder(&body, body.begin());
          buffer = memref::AllocOp::create(builder, call.getLoc(),
                                           cast<MemRefType>(operand.getType()));
        }
        OpBuilder builder(anchor);
        copy(builder, call.getLoc(), port, buffer, /*out=*/false);
        if (i == 2) {
          builder.setInsertionPointAfter(anchor);
          copy(builder, call.getLoc(), port, buffer, /*out=*/true);
        }
        call->setOperand(i, buffer);
        if (auto flat = operand.getDefiningOp<memref::ReinterpretCastOp>();
            flat && flat->use_empty())
          flat->erase();
        ++numStaged;
      }
    }
  }

  /// Whether `memref` is a port: an argument of a public function, or of a
  /// function that some call passes a port.
  bool isPort(Value memref, ModuleOp module) {
    auto arg = dyn_cast<BlockArgument>(memref);
    if (!arg)
      return false;
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (!func || arg.getOwner() != &func.getBody().front())
      return false;
    if (func.isPublic())
      return true;
    auto [it, inserted] = visiting.insert(func);
    if (!inserted)
      return false;
    bool port = false;
    if (auto uses = SymbolTable::getSymbolUses(func, module))
      for (const SymbolTable::SymbolUse &use : *uses)
        if (auto call = dyn_cast<func::CallOp>(use.getUser()))
          port |= isPort(rootOf(call.getOperand(arg.getArgNumber())), module);
    visiting.erase(func);
    return port;
  }

  llvm::DenseSet<Operation *> visiting;
};

} // namespace
