//===- ContractionsToBLAS.cpp - f32 contractions as SGEMM calls -----------===//
//
// Implements m3sat-contractions-to-blas: matrix products on buffers become
// calls to m3sat_sgemm, which the task runtime serves with an optimized
// BLAS. A product whose C was just filled with zeros (bufferization's init
// of a fresh result) computes C = AB instead (BLAS beta 0): the fill goes.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Fills.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace m3sat {
#define GEN_PASS_DEF_CONTRACTIONSTOBLAS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

constexpr StringLiteral kSgemm = "m3sat_sgemm";
constexpr StringLiteral kSgemmParts = "m3sat_sgemm_parts";

/// How one operand of the contraction is read: for each loop dimension, the
/// operand dimension it indexes (or -1).
struct OperandAccess {
  Value buffer;
  MemRefType type;
  SmallVector<int64_t> strides; // static strides of `type`
  SmallVector<int64_t> dimOf;   // loop dim -> operand dim
};

std::optional<OperandAccess> analyze(Value buffer, AffineMap map,
                                     unsigned numLoops) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.getElementType().isF32() ||
      !map.isProjectedPermutation(
          /*allowZeroInResults=*/false))
    return std::nullopt;
  OperandAccess access;
  access.buffer = buffer;
  access.type = type;
  int64_t offset;
  if (failed(type.getStridesAndOffset(access.strides, offset)))
    return std::nullopt;
  access.dimOf.assign(numLoops, -1);
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    access.dimOf[cast<AffineDimExpr>(expr).getPosition()] = i;
  return access;
}

/// The fill of +0.0 into all of `op`'s C (m3sat::filledValue) that last
/// wrote it before `op`, with only side-effect free ops in between; null if
/// there is none. `op` writes every element of C, so that fill is dead once
/// `op` does not read C.
Operation *zeroFillBefore(linalg::LinalgOp op) {
  Value c = op.getDpsInits()[0];
  if (llvm::is_contained(op.getDpsInputs(), c))
    return nullptr;
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (std::optional<Value> value = filledValue(prev, c))
      return matchPattern(*value, m_PosZeroFloat()) ? prev : nullptr;
    if (!isMemoryEffectFree(prev))
      return nullptr;
  }
  return nullptr;
}

struct ContractionsToBLASPass
    : m3sat::impl::ContractionsToBLASBase<ContractionsToBLASPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op.getNumDpsInputs() == 2 &&
          op.getNumDpsInits() == 1 && linalg::isaContractionOpInterface(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates)
      if (succeeded(convert(op)))
        ++numConverted;
  }

  /// The declaration of runtime function `name` in the module.
  func::FuncOp declare(ModuleOp module, StringRef name, unsigned numArguments,
                       unsigned numResults) {
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    Type index = builder.getIndexType();
    auto decl = func::FuncOp::create(
        builder, module.getLoc(), name,
        builder.getFunctionType(SmallVector<Type>(numArguments, index),
                                SmallVector<Type>(numResults, index)));
    decl.setPrivate();
    return decl;
  }

  LogicalResult convert(linalg::LinalgOp op) {
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims) || dims->k.size() != 1 || dims->m.empty() ||
        dims->n.empty())
      return failure();
    unsigned numLoops = op.getNumLoops();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    std::optional<OperandAccess> a =
        analyze(op.getDpsInputs()[0], maps[0], numLoops);
    std::optional<OperandAccess> b =
        analyze(op.getDpsInputs()[1], maps[1], numLoops);
    std::optional<OperandAccess> c =
        analyze(op.getDpsInits()[0], maps[2], numLoops);
    if (!a || !b || !c)
      return failure();

    // The kernel's M and N: the innermost m and n dimensions of C (the
    // others, and the batch dimensions, are looped over).
    auto innermostIn = [&](ArrayRef<unsigned> candidates,
                           const OperandAccess &access) {
      unsigned best = candidates.front();
      for (unsigned d : candidates)
        if (access.dimOf[d] > access.dimOf[best])
          best = d;
      return best;
    };
    unsigned m = innermostIn(dims->m, *c), n = innermostIn(dims->n, *c),
             k = dims->k.front();
    auto stride = [](const OperandAccess &access, unsigned loopDim) {
      return access.strides[access.dimOf[loopDim]];
    };
    // C row-major in (m, n); A and B either way round.
    if (stride(*c, n) != 1)
      return failure();
    bool transA, transB;
    if (stride(*a, k) == 1)
      transA = false;
    else if (stride(*a, m) == 1)
      transA = true;
    else
      return failure();
    if (stride(*b, n) == 1)
      transB = false;
    else if (stride(*b, k) == 1)
      transB = true;
    else
      return failure();

    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!ShapedType::isDynamic(ranges[m]) &&
        !ShapedType::isDynamic(ranges[n]) &&
        !ShapedType::isDynamic(ranges[k]) &&
        ranges[m] * ranges[n] * ranges[k] < minFlops)
      return failure();

    OpBuilder builder(op);
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    func::FuncOp sgemm = declare(module, kSgemm, 14, 0);
    auto constant = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, v);
    };
    // Loop sizes, from the operands' shapes.
    SmallVector<Value> sizes(numLoops);
    for (unsigned d = 0; d < numLoops; ++d)
      for (const OperandAccess *access : {&*a, &*b, &*c})
        if (!sizes[d] && access->dimOf[d] >= 0)
          sizes[d] = memref::DimOp::create(builder, loc, access->buffer,
                                           access->dimOf[d]);
    // Base address (aligned pointer + offset, in bytes) and strides (in
    // elements) of each operand, read at run time.
    struct Runtime {
      Value base;
      SmallVector<Value> strides;
    };
    auto metadata = [&](const OperandAccess &access) {
      auto meta =
          memref::ExtractStridedMetadataOp::create(builder, loc, access.buffer);
      Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(
          builder, loc, access.buffer);
      Value offsetBytes =
          arith::MulIOp::create(builder, loc, meta.getOffset(), constant(4));
      Runtime runtime;
      runtime.base = arith::AddIOp::create(builder, loc, pointer, offsetBytes);
      runtime.strides.assign(meta.getStrides().begin(),
                             meta.getStrides().end());
      return runtime;
    };
    Runtime ra = metadata(*a), rb = metadata(*b), rc = metadata(*c);
    auto loopStride = [&](const OperandAccess &access, const Runtime &runtime,
                          unsigned d) -> Value {
      return access.dimOf[d] < 0 ? Value() : runtime.strides[access.dimOf[d]];
    };
    // A leading dimension of at least the row length (BLAS requires it even
    // where the other dimension has size 1).
    auto leading = [&](Value stride, Value rowLength) -> Value {
      return arith::MaxSIOp::create(
          builder, loc, stride,
          arith::MaxSIOp::create(builder, loc, rowLength, constant(1)));
    };
    Value lda = transA ? leading(loopStride(*a, ra, k), sizes[m])
                       : leading(loopStride(*a, ra, m), sizes[k]);
    Value ldb = transB ? leading(loopStride(*b, rb, n), sizes[k])
                       : leading(loopStride(*b, rb, k), sizes[n]);
    Value ldc = leading(loopStride(*c, rc, m), sizes[n]);
    Value flagA = constant(transA), flagB = constant(transB);
    Operation *zeroFill = zeroFillBefore(op);
    Value accumulate = constant(zeroFill ? 0 : 1);

    // The product splits into parts, each a band of C, that the threads of
    // the task's pool compute side by side.
    Value parts = constant(1);
    if (parallel)
      parts =
          func::CallOp::create(builder, loc, declare(module, kSgemmParts, 3, 1),
                               ValueRange{sizes[m], sizes[n], sizes[k]})
              .getResult(0);

    // One loop over the remaining dimensions and the parts (parallel, or
    // sequential without `parallel`); the base addresses advance by the
    // dimensions' strides.
    SmallVector<unsigned> outer;
    SmallVector<Value> lower, upper, steps;
    for (unsigned d = 0; d < numLoops; ++d) {
      if (d == m || d == n || d == k)
        continue;
      outer.push_back(d);
      upper.push_back(sizes[d]);
    }
    upper.push_back(parts);
    lower.assign(upper.size(), constant(0));
    steps.assign(upper.size(), constant(1));
    SmallVector<Value> ivs;
    if (parallel) {
      auto loop = scf::ParallelOp::create(builder, loc, lower, upper, steps);
      builder.setInsertionPointToStart(loop.getBody());
      ivs.assign(loop.getInductionVars().begin(),
                 loop.getInductionVars().end());
    } else {
      for (auto [l, u, s] : llvm::zip(lower, upper, steps)) {
        auto loop = scf::ForOp::create(builder, loc, l, u, s);
        builder.setInsertionPointToStart(loop.getBody());
        ivs.push_back(loop.getInductionVar());
      }
    }
    SmallVector<Value> bases = {ra.base, rb.base, rc.base};
    SmallVector<const OperandAccess *> accesses = {&*a, &*b, &*c};
    SmallVector<const Runtime *> runtimes = {&ra, &rb, &rc};
    for (auto [d, iv] : llvm::zip(outer, ivs)) {
      for (unsigned i = 0; i < 3; ++i) {
        Value s = loopStride(*accesses[i], *runtimes[i], d);
        if (!s)
          continue;
        Value step = arith::MulIOp::create(
            builder, loc, arith::MulIOp::create(builder, loc, iv, s),
            constant(4));
        bases[i] = arith::AddIOp::create(builder, loc, bases[i], step);
      }
    }
    func::CallOp::create(builder, loc, sgemm,
                         ValueRange{ivs.back(), parts, flagA, flagB, sizes[m],
                                    sizes[n], sizes[k], bases[0], lda, bases[1],
                                    ldb, accumulate, bases[2], ldc});
    op->erase();
    if (zeroFill)
      zeroFill->erase();
    return success();
  }
};

} // namespace
