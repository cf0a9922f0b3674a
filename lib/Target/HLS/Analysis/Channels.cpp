//===- Channels.cpp - DATAFLOW channels as the emitter sees them ----------===//

#include "m3sat/Target/HLS/Analysis/Channels.h"

#include "M3SAT/M3SATHLSAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace m3sat;

bool m3sat::isHLSFifoArgument(Value memref) {
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg)
    return false;
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func || arg.getOwner() != &func.getBody().front())
    return false;
  auto kind = func.getArgAttrOfType<HLSChannelKindAttr>(arg.getArgNumber(),
                                                        kHLSChannelAttr);
  return kind && isHLSFifoChannel(kind.getValue());
}

/// A FIFO argument is read (or written) once per element, by one load (or
/// store) in loops that visit the buffer in order.
static LogicalResult verifyFifoArguments(func::FuncOp func) {
  if (func.isExternal())
    return success();
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    BlockArgument arg = func.getArgument(i);
    if (!isHLSFifoArgument(arg))
      continue;
    bool in = isHLSChannelIn(
        func.getArgAttrOfType<HLSChannelKindAttr>(i, kHLSChannelAttr)
            .getValue());
    unsigned uses = 0;
    for (OpOperand &use : arg.getUses()) {
      Operation *user = use.getOwner();
      ++uses;
      if (in ? !isa<memref::LoadOp>(user)
             : !(isa<memref::StoreOp>(user) && use.getOperandNumber() == 1))
        return func.emitOpError("has a FIFO argument ")
               << i << " that is not only " << (in ? "loaded" : "stored")
               << "; a stream is " << (in ? "read" : "written")
               << " one value at a time";
    }
    if (uses != 1)
      return func.emitOpError("has a FIFO argument ")
             << i << " with " << uses << " accesses; a stream is "
             << (in ? "read" : "written") << " by one access in its loops";
  }
  return success();
}

LogicalResult m3sat::verifyHLSChannels(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    if (auto func = dyn_cast<func::FuncOp>(op))
      return failed(verifyFifoArguments(func)) ? WalkResult::interrupt()
                                               : WalkResult::advance();
    auto channel = op->getAttrOfType<HLSChannelKindAttr>(kHLSChannelAttr);
    if (!isa<memref::AllocOp, memref::AllocaOp>(op) || !channel ||
        channel.getValue() != HLSChannelKind::fifo)
      return WalkResult::advance();
    auto depth = op->getAttrOfType<IntegerAttr>(kHLSFifoDepthAttr);
    if (!depth || depth.getInt() < 1) {
      op->emitOpError("is a FIFO channel without a depth "
                      "(m3sat.hls.fifo_depth)");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}
