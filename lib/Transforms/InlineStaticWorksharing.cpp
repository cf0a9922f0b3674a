//===- InlineStaticWorksharing.cpp - static schedules without libomp calls ===//
//
// Implements m3sat-inline-static-worksharing: inside an omp.parallel
// region, a worksharing loop of the static schedule becomes a loop over
// this thread's share of the iterations, computed from
// omp_get_thread_num / omp_get_num_threads, followed by omp.barrier where
// the loop had its implicit barrier; an omp.single becomes the same code
// run by thread 0, followed by omp.barrier. libomp's
// __kmpc_for_static_init and __kmpc_single do the same work at run time;
// the libomp that LLVM 22's Debian packages ship is built with KMP_DEBUG,
// and its __kmpc_for_static_init formats two trace strings (malloc,
// vsnprintf, free) on every call, whether tracing is on or not.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace m3sat {
#define GEN_PASS_DEF_INLINESTATICWORKSHARING
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kThreadNum = "omp_get_thread_num";
constexpr llvm::StringLiteral kNumThreads = "omp_get_num_threads";

/// A 1-D worksharing loop of the static schedule without clauses (no
/// chunk, reduction, private, linear, allocate or ordered), directly around
/// its loop nest, or null.
omp::LoopNestOp plainStaticLoop(omp::WsloopOp loop) {
  if (loop->getNumOperands() != 0 || loop.getOrderedAttr() ||
      loop.getOrderAttr() || loop.getScheduleSimdAttr() ||
      loop.getScheduleModAttr() || loop.getReductionSymsAttr() ||
      loop.getPrivateSymsAttr())
    return nullptr;
  if (loop.getScheduleKind() &&
      *loop.getScheduleKind() != omp::ClauseScheduleKind::Static)
    return nullptr;
  Block &body = loop.getRegion().front();
  if (!llvm::hasSingleElement(body.getOperations()))
    return nullptr;
  auto nest = dyn_cast<omp::LoopNestOp>(body.front());
  if (!nest || nest.getNumLoops() != 1 || !nest.getRegion().hasOneBlock() ||
      nest.getTileSizesAttr() ||
      !nest.getLoopLowerBounds()[0].getType().isIndex())
    return nullptr;
  return nest;
}

/// An omp.single without clauses and with a single block, or null.
bool isPlainSingle(omp::SingleOp single) {
  return single->getNumOperands() == 0 && single.getRegion().hasOneBlock() &&
         !single.getCopyprivateSymsAttr() && !single.getPrivateSymsAttr();
}

struct InlineStaticWorksharingPass
    : m3sat::impl::InlineStaticWorksharingBase<InlineStaticWorksharingPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<omp::WsloopOp> loops;
    SmallVector<omp::SingleOp> singles;
    module.walk([&](Operation *op) {
      // Only what a parallel region of the same function holds: an
      // orphaned construct binds to whatever region its caller runs in.
      if (!op->getParentOfType<omp::ParallelOp>())
        return;
      if (auto loop = dyn_cast<omp::WsloopOp>(op)) {
        if (plainStaticLoop(loop) &&
            loop->getParentOp() == getParallel(loop).getOperation())
          loops.push_back(loop);
      } else if (auto single = dyn_cast<omp::SingleOp>(op)) {
        if (isPlainSingle(single) &&
            single->getParentOp() == getParallel(single).getOperation())
          singles.push_back(single);
      }
    });
    if (loops.empty() && singles.empty())
      return;
    declare(module, kThreadNum);
    declare(module, kNumThreads);
    for (omp::WsloopOp loop : loops)
      inlineLoop(loop);
    for (omp::SingleOp single : singles)
      inlineSingle(single);
  }

  static omp::ParallelOp getParallel(Operation *op) {
    return op->getParentOfType<omp::ParallelOp>();
  }

  static void declare(ModuleOp module, StringRef name) {
    if (module.lookupSymbol(name))
      return;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto func = func::FuncOp::create(b, module.getLoc(), name,
                                     b.getFunctionType({}, {b.getI32Type()}));
    func.setPrivate();
  }

  /// omp_get_thread_num() or omp_get_num_threads() as an index.
  static Value query(OpBuilder &b, Location loc, StringRef name) {
    Value value =
        func::CallOp::create(b, loc, name, TypeRange{b.getI32Type()}, {})
            .getResult(0);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
  }

  void inlineLoop(omp::WsloopOp loop) {
    omp::LoopNestOp nest = plainStaticLoop(loop);
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value lb = nest.getLoopLowerBounds()[0];
    Value ub = nest.getLoopUpperBounds()[0];
    Value step = nest.getLoopSteps()[0];
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    // Iterations: ceil((ub - lb) / step), or (ub - lb) / step + 1 when the
    // upper bound is inclusive; none when the range is empty.
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    if (nest.getLoopInclusive())
      span = arith::AddIOp::create(b, loc, span, c1);
    Value trips = arith::CeilDivSIOp::create(b, loc, span, step);
    trips = arith::MaxSIOp::create(b, loc, trips, c0);
    // The balanced static schedule: each of the n threads takes
    // trips / n iterations, the first trips % n one more.
    Value tid = query(b, loc, kThreadNum);
    Value threads = query(b, loc, kNumThreads);
    Value share = arith::DivUIOp::create(b, loc, trips, threads);
    Value extra = arith::RemUIOp::create(b, loc, trips, threads);
    Value begin =
        arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, tid, share),
                              arith::MinUIOp::create(b, loc, tid, extra));
    Value more = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tid, extra),
        c1, c0);
    Value end = arith::AddIOp::create(
        b, loc, begin, arith::AddIOp::create(b, loc, share, more));
    auto mine = scf::ForOp::create(b, loc, begin, end, c1);
    {
      OpBuilder inner = OpBuilder::atBlockBegin(mine.getBody());
      Value iv = arith::AddIOp::create(
          inner, loc, lb,
          arith::MulIOp::create(inner, loc, mine.getInductionVar(), step));
      Block &body = nest.getRegion().front();
      body.getArgument(0).replaceAllUsesWith(iv);
      Operation *yield = body.getTerminator();
      mine.getBody()->getOperations().splice(
          mine.getBody()->getTerminator()->getIterator(), body.getOperations(),
          body.begin(), yield->getIterator());
    }
    if (!loop.getNowait())
      omp::BarrierOp::create(b, loc);
    loop.erase();
    ++numLoops;
  }

  void inlineSingle(omp::SingleOp single) {
    Location loc = single.getLoc();
    OpBuilder b(single);
    Value tid = query(b, loc, kThreadNum);
    Value first =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                              arith::ConstantIndexOp::create(b, loc, 0));
    auto once = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
    Block &body = single.getRegion().front();
    Block *then = once.thenBlock();
    then->getOperations().splice(then->getTerminator()->getIterator(),
                                 body.getOperations(), body.begin(),
                                 body.getTerminator()->getIterator());
    if (!single.getNowait())
      omp::BarrierOp::create(b, loc);
    single.erase();
    ++numSingles;
  }
};

} // namespace
