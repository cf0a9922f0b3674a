//===- HLSStageWeightVectors.cpp - m3sat-hls-stage-weight-vectors ---------===//
//
// Weight vectors (biases) that a loop nest reads again and again from their
// m_axi port are copied into an on-chip buffer before the nest, so that the
// nest's loops can take lanes (an m_axi port serves one element a cycle).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/LoopInvariance.h"
#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/MapVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSTAGEWEIGHTVECTORS
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// A weight vector: a static shape of at most `maxElements` elements with
/// at most one dimension larger than 1.
bool isVector(MemRefType type, int64_t maxElements) {
  return type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace() && type.getNumElements() <= maxElements &&
         llvm::count_if(type.getShape(),
                        [](int64_t size) { return size > 1; }) <= 1;
}

struct HLSStageWeightVectorsPass
    : public m3sat::impl::HLSStageWeightVectorsBase<HLSStageWeightVectorsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (lanes < 1 || maxElements < 1) {
      getOperation().emitError("m3sat-hls-stage-weight-vectors: lanes and "
                               "max-elements must be at least 1");
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        stage(func);
  }

  /// Whether `load` (in top-level op `top`) is in a loop that the other
  /// unroll may take lanes of, and reads an element again in some loop of
  /// the nest.
  bool qualifies(memref::LoadOp load, Operation *top) {
    auto inner = load->getParentOfType<scf::ForOp>();
    if (!inner || !top->isAncestor(inner) || inner.getNumRegionIterArgs() != 0)
      return false;
    bool innermost = true;
    inner.getBody()->walk([&](Operation *op) {
      if (!isa<scf::ForOp, func::CallOp>(op))
        return WalkResult::advance();
      innermost = false;
      return WalkResult::interrupt();
    });
    std::optional<APInt> trips = inner.getStaticTripCount();
    if (!innermost || !trips || trips->getSExtValue() < lanes ||
        trips->getSExtValue() % lanes != 0)
      return false;
    for (auto loop = inner; loop && top->isAncestor(loop);
         loop = loop->getParentOfType<scf::ForOp>()) {
      std::optional<APInt> loopTrips = loop.getStaticTripCount();
      if (loopTrips && loopTrips->getSExtValue() < 2)
        continue;
      llvm::SmallPtrSet<Operation *, 16> visited;
      if (llvm::none_of(load.getIndices(), [&](Value index) {
            return m3sat::hls::dependsOn(index, loop.getInductionVar(), top,
                                         visited);
          }))
        return true;
    }
    return false;
  }

  void stage(func::FuncOp func) {
    Block &body = func.getBody().front();
    // One buffer per port type, shared by the nests of the function.
    DenseMap<Type, Value> buffers;
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type ||
          !func.getArgAttr(arg.getArgNumber(), m3sat::kHLSWeightAttr) ||
          !isVector(type, maxElements) ||
          !llvm::all_of(arg.getUsers(), [](Operation *user) {
            return isa<memref::LoadOp>(user);
          }))
        continue;
      llvm::MapVector<Operation *, SmallVector<memref::LoadOp>> byNest;
      for (Operation *user : arg.getUsers()) {
        auto load = cast<memref::LoadOp>(user);
        Operation *top = body.findAncestorOpInBlock(*load);
        if (top && isa<scf::ForOp>(top) && qualifies(load, top))
          byNest[top].push_back(load);
      }
      for (auto &[top, loads] : byNest) {
        Value &buffer = buffers[type];
        if (!buffer) {
          OpBuilder builder(&body, body.begin());
          buffer = memref::AllocOp::create(
              builder, func.getLoc(),
              MemRefType::get(type.getShape(), type.getElementType()));
        }
        OpBuilder builder(top);
        copy(builder, top->getLoc(), arg, buffer);
        ++numCopies;
        for (memref::LoadOp load : loads) {
          load.getMemrefMutable().set(buffer);
          ++numLoads;
        }
      }
    }
  }

  /// Copies every element of `port` to `buffer` (the same shape), in one
  /// loop over its dimension larger than 1 (size-1 dimensions at index 0).
  static void copy(OpBuilder &builder, Location loc, Value port, Value buffer) {
    auto type = cast<MemRefType>(port.getType());
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    SmallVector<Value> indices(type.getRank(), zero);
    const int64_t *wide =
        llvm::find_if(type.getShape(), [](int64_t size) { return size > 1; });
    if (wide == type.getShape().end()) {
      Value value = memref::LoadOp::create(builder, loc, port, indices);
      memref::StoreOp::create(builder, loc, value, buffer, indices);
      return;
    }
    Value upper = arith::ConstantIndexOp::create(builder, loc, *wide);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    auto loop = scf::ForOp::create(builder, loc, zero, upper, one);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(loop.getBody()->getTerminator());
    indices[wide - type.getShape().begin()] = loop.getInductionVar();
    Value value = memref::LoadOp::create(builder, loc, port, indices);
    memref::StoreOp::create(builder, loc, value, buffer, indices);
  }
};

} // namespace
