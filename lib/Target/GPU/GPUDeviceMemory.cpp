//===- GPUDeviceMemory.cpp - host buffers into device memory --------------===//
//
// Implements m3sat-gpu-device-memory: the buffers the host code of a task
// allocates become device buffers, constants that kernels read are
// re-created inside them, and nothing else on the host may touch memory.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace m3sat {
#define GEN_PASS_DEF_GPUDEVICEMEMORY
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// True if `value` is a memref.get_global, or a view of one.
bool isGlobalView(Value value) {
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<memref::GetGlobalOp>(def))
    return true;
  if (auto view = dyn_cast_or_null<ViewLikeOpInterface>(def))
    return isGlobalView(view.getViewSource());
  return false;
}

/// Clones the chain that computes `value` (a global or a view of one) at
/// `builder`'s insertion point.
Value cloneGlobalView(OpBuilder &builder, Value value, IRMapping &mapping) {
  if (Value known = mapping.lookupOrNull(value))
    return known;
  Operation *def = value.getDefiningOp();
  if (auto view = dyn_cast<ViewLikeOpInterface>(def))
    cloneGlobalView(builder, view.getViewSource(), mapping);
  builder.clone(*def, mapping);
  return mapping.lookup(value);
}

/// Ops the host code of a GPU task may keep.
bool allowedOnHost(Operation *op) {
  if (m3sat::isGPULibraryCall(op))
    return true;
  if (isa<func::ReturnOp, gpu::LaunchOp, gpu::AllocOp, gpu::DeallocOp,
          gpu::MemcpyOp, gpu::WaitOp, memref::GetGlobalOp, ViewLikeOpInterface>(
          op))
    return true;
  return op->getNumRegions() == 0 && isPure(op);
}

struct GPUDeviceMemoryPass
    : m3sat::impl::GPUDeviceMemoryBase<GPUDeviceMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();

    // Host allocations become device allocations, freed before returning
    // unless the code frees them earlier. gpu-to-llvm lowers allocation
    // and deallocation only in their asynchronous form: each is ordered
    // after a `gpu.wait async` and waited for.
    auto tokenType = gpu::AsyncTokenType::get(&getContext());
    auto ordered = [&](OpBuilder &builder, Location loc,
                       function_ref<Value(Value)> build) {
      Value ready = gpu::WaitOp::create(builder, loc, tokenType, ValueRange())
                        .getAsyncToken();
      gpu::WaitOp::create(builder, loc, Type(), ValueRange{build(ready)});
    };
    auto freeBuffer = [&](OpBuilder &builder, Location loc, Value buffer) {
      ordered(builder, loc, [&](Value ready) {
        return gpu::DeallocOp::create(builder, loc, tokenType,
                                      ValueRange{ready}, buffer)
            .getAsyncToken();
      });
    };
    // Buffers of static shape are all allocated on entry, before the first
    // kernel: the launches after them then form one uninterrupted sequence
    // (gpu-async-region chains them on the stream without host waits).
    // The GPU pipeline frees nothing before the return, so there this
    // raises no peak (a buffer freed early by a memref.dealloc no longer
    // lends its memory to a later one).
    OpBuilder entry = OpBuilder::atBlockBegin(&body);
    SmallVector<Value> toFree;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      OpBuilder builder(&op);
      if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
        auto type = cast<MemRefType>(op.getResult(0).getType());
        OpBuilder &at = op.getNumOperands() == 0 ? entry : builder;
        Value buffer;
        ordered(at, op.getLoc(), [&](Value ready) {
          auto alloc = gpu::AllocOp::create(at, op.getLoc(), type, tokenType,
                                            ValueRange{ready}, op.getOperands(),
                                            ValueRange());
          buffer = alloc.getMemref();
          return alloc.getAsyncToken();
        });
        op.getResult(0).replaceAllUsesWith(buffer);
        op.erase();
        ++numAllocs;
        if (llvm::none_of(buffer.getUsers(), [](Operation *user) {
              return isa<memref::DeallocOp>(user);
            }))
          toFree.push_back(buffer);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        freeBuffer(builder, op.getLoc(), dealloc.getMemref());
        op.erase();
      } else if (auto copy = dyn_cast<memref::CopyOp>(op);
                 copy && m3sat::isWholeBufferCopy(copy)) {
        ordered(builder, op.getLoc(), [&](Value ready) {
          return gpu::MemcpyOp::create(builder, op.getLoc(), tokenType,
                                       ValueRange{ready}, copy.getTarget(),
                                       copy.getSource())
              .getAsyncToken();
        });
        op.erase();
      }
    }
    for (Operation &op : body)
      if (isa<func::ReturnOp>(op)) {
        OpBuilder builder(&op);
        for (Value buffer : toFree)
          freeBuffer(builder, op.getLoc(), buffer);
      }

    // Constants are read where the kernels run.
    for (auto launch : body.getOps<gpu::LaunchOp>()) {
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(launch.getBody(), captured);
      OpBuilder builder = OpBuilder::atBlockBegin(&launch.getBody().front());
      IRMapping mapping;
      for (Value value : captured) {
        if (!isGlobalView(value))
          continue;
        Value inside = cloneGlobalView(builder, value, mapping);
        value.replaceUsesWithIf(inside, [&](OpOperand &use) {
          return launch->isProperAncestor(use.getOwner());
        });
      }
    }

    for (Operation &op : body)
      if (!allowedOnHost(&op)) {
        op.emitOpError() << "would read or write device memory on the host "
                            "of a GPU task function";
        return signalPassFailure();
      }
  }
};

} // namespace
