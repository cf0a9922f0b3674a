//===- HLSBoundAllocs.cpp - m3sat-hls-bound-allocs ------------------------===//
//
// Dynamically sized buffers become statically sized ones of their proven
// upper bound, so that the HLS C++ emitter can declare them as arrays.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Prepare/Passes.h"

#include "m3sat/Target/HLS/Analysis/IntegerRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSBOUNDALLOCS
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct HLSBoundAllocs : public m3sat::impl::HLSBoundAllocsBase<HLSBoundAllocs> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> allocs;
    getOperation().walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::AllocaOp>(op) &&
          !cast<MemRefType>(op->getResult(0).getType()).hasStaticShape())
        allocs.push_back(op);
    });
    if (allocs.empty())
      return;

    DataFlowSolver solver;
    if (failed(m3sat::runIntegerRanges(solver, getOperation())))
      return signalPassFailure();

    for (Operation *op : allocs)
      if (failed(bound(op, solver)))
        return signalPassFailure();
  }

  /// Rewrites one dynamically sized allocation.
  LogicalResult bound(Operation *op, DataFlowSolver &solver) {
    Value buffer = op->getResult(0);
    auto type = cast<MemRefType>(buffer.getType());
    if (!type.getLayout().isIdentity())
      return op->emitOpError("allocates a buffer with a layout; only "
                             "identity-layout buffers get a static size");
    for (Operation *user : buffer.getUsers()) {
      if (auto load = dyn_cast<memref::LoadOp>(user);
          load && load.getMemRef() == buffer)
        continue;
      if (auto store = dyn_cast<memref::StoreOp>(user);
          store && store.getMemRef() == buffer)
        continue;
      if (isa<memref::DimOp, memref::DeallocOp>(user))
        continue;
      return user->emitOpError("uses a dynamically sized buffer in a way "
                               "HLS C++ cannot size statically");
    }
    ValueRange sizes = op->getOperands();
    SmallVector<int64_t> shape;
    unsigned next = 0;
    for (int64_t dim : type.getShape()) {
      if (!ShapedType::isDynamic(dim)) {
        shape.push_back(dim);
        continue;
      }
      Value size = sizes[next++];
      std::optional<ConstantIntRanges> range =
          m3sat::integerRange(solver, size);
      if (!range)
        return op->emitOpError("has a dynamic size without a known upper "
                               "bound; HLS C++ arrays need one");
      const APInt &max = range->smax();
      if (max.isNegative() || max.getSignificantBits() > 32)
        return op->emitOpError("has a dynamic size without a known upper "
                               "bound below 2^31; HLS C++ arrays need one");
      shape.push_back(std::max<int64_t>(max.getSExtValue(), 1));
    }

    // memref.dim still means the size the buffer was allocated with.
    for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
      if (auto dim = dyn_cast<memref::DimOp>(user)) {
        std::optional<int64_t> index = dim.getConstantIndex();
        if (!index || *index < 0 || *index >= type.getRank())
          return dim.emitOpError("has a non-constant or out-of-range "
                                 "index into a dynamically sized buffer");
        Value size;
        if (ShapedType::isDynamic(type.getDimSize(*index))) {
          size = sizes[type.getDynamicDimIndex(*index)];
        } else {
          OpBuilder builder(dim);
          size = arith::ConstantIndexOp::create(builder, dim.getLoc(),
                                                type.getDimSize(*index));
        }
        dim.replaceAllUsesWith(size);
        dim.erase();
      }

    OpBuilder builder(op);
    auto staticType = MemRefType::get(shape, type.getElementType());
    Operation *replacement;
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      replacement = memref::AllocOp::create(builder, op->getLoc(), staticType,
                                            alloc.getAlignmentAttr());
    else
      replacement = memref::AllocaOp::create(
          builder, op->getLoc(), staticType,
          cast<memref::AllocaOp>(op).getAlignmentAttr());
    // Loads, stores and deallocs accept any memref of the same rank.
    buffer.replaceAllUsesWith(replacement->getResult(0));
    op->erase();
    ++numBounded;
    return success();
  }
};

} // namespace
