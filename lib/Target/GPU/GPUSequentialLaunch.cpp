//===- GPUSequentialLaunch.cpp - sequential host code into kernels --------===//
//
// Implements m3sat-gpu-sequential-launch: the top-level ops of a task
// function that touch memory and are not parallel loops run in kernels of
// one thread, so that the host of a GPU task never reads device memory.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace m3sat {
#define GEN_PASS_DEF_GPUSEQUENTIALLAUNCH
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Ops that the host runs: they neither read nor write buffer contents.
bool staysOnHost(Operation *op) {
  if (auto loop = dyn_cast<scf::ParallelOp>(op))
    return loop.getNumResults() == 0;
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return m3sat::isWholeBufferCopy(copy);
  if (m3sat::isGPULibraryCall(op))
    return true;
  if (isa<func::ReturnOp, gpu::LaunchOp, memref::AllocOp, memref::AllocaOp,
          memref::DeallocOp, memref::GetGlobalOp, ViewLikeOpInterface>(op))
    return true;
  return op->getNumRegions() == 0 && isPure(op);
}

/// Rewrites `loop` (no reductions) into a nest of scf.for loops.
void sequentialize(scf::ParallelOp loop) {
  OpBuilder builder(loop);
  IRMapping mapping;
  for (auto [iv, lb, ub, step] :
       llvm::zip(loop.getInductionVars(), loop.getLowerBound(),
                 loop.getUpperBound(), loop.getStep())) {
    auto forOp = scf::ForOp::create(builder, loop.getLoc(), lb, ub, step);
    mapping.map(iv, forOp.getInductionVar());
    builder.setInsertionPointToStart(forOp.getBody());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    builder.clone(op, mapping);
  loop.erase();
}

struct GPUSequentialLaunchPass
    : m3sat::impl::GPUSequentialLaunchBase<GPUSequentialLaunchPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    Operation *op = &body.front();
    while (op && !op->hasTrait<OpTrait::IsTerminator>()) {
      if (staysOnHost(op)) {
        op = op->getNextNode();
        continue;
      }
      FailureOr<gpu::LaunchOp> launch = wrap(body, op);
      if (failed(launch))
        return signalPassFailure();
      ++numLaunches;
      op = (*launch)->getNextNode();
    }
  }

  /// Moves `first` and every op after it up to the last user of their
  /// results into a new single-thread gpu.launch.
  FailureOr<gpu::LaunchOp> wrap(Block &body, Operation *first) {
    Operation *last = first;
    for (Operation *current = first;; current = current->getNextNode()) {
      for (Operation *user : current->getUsers()) {
        Operation *ancestor = body.findAncestorOpInBlock(*user);
        if (ancestor && last->isBeforeInBlock(ancestor))
          last = ancestor;
      }
      if (current == last)
        break;
    }
    if (last->hasTrait<OpTrait::IsTerminator>())
      return first->emitOpError()
             << "computes a value that the task function returns; GPU task "
                "functions return results through out-params only";

    SmallVector<Operation *> range;
    for (Operation *op = first;; op = op->getNextNode()) {
      range.push_back(op);
      if (op == last)
        break;
    }
    // Buffers are allocated (and freed) by the host, around the kernel.
    SmallVector<Operation *> moved, frees;
    for (Operation *op : range) {
      if (m3sat::isGPULibraryCall(op))
        return first->emitOpError()
               << "computes a value that a GPU library call after it needs; "
                  "library calls run on the host";
      if (isa<memref::DeallocOp>(op)) {
        frees.push_back(op);
        continue;
      }
      if (isa<memref::AllocOp, memref::AllocaOp>(op) &&
          llvm::all_of(op->getOperands(), [&](Value v) {
            Operation *def = v.getDefiningOp();
            return !def || def->isBeforeInBlock(first);
          })) {
        op->moveBefore(first);
        continue;
      }
      moved.push_back(op);
    }

    OpBuilder builder(moved.front());
    Location loc = moved.front()->getLoc();
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    auto launch =
        gpu::LaunchOp::create(builder, loc, one, one, one, one, one, one);
    Block &kernel = launch.getBody().front();
    builder.setInsertionPointToEnd(&kernel);
    auto terminator = gpu::TerminatorOp::create(builder, loc);
    for (Operation *op : moved)
      op->moveBefore(terminator);
    for (Operation *op : llvm::reverse(frees))
      op->moveAfter(launch);

    // One thread runs everything: nested parallel loops become loops
    // (inner ones first: an outer loop's rewrite clones its body).
    SmallVector<scf::ParallelOp> loops;
    launch.walk<WalkOrder::PostOrder>(
        [&](scf::ParallelOp loop) { loops.push_back(loop); });
    for (scf::ParallelOp loop : loops) {
      if (loop.getNumResults() != 0)
        return loop.emitOpError()
               << "with reductions cannot run in a sequential GPU kernel";
      sequentialize(loop);
    }
    return launch;
  }
};

} // namespace
