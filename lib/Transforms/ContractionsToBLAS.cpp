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
#include "m3sat/Transforms/QuantizedMatmul.h"

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
constexpr StringLiteral kQgemm = "m3sat_qgemm";
constexpr StringLiteral kQgemmParts = "m3sat_qgemm_parts";

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
    SmallVector<linalg::GenericOp> quantized;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (op->hasAttr(kQuantizedMatmulAttr)) {
        if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
          quantized.push_back(generic);
      } else if (op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1 &&
                 linalg::isaContractionOpInterface(op)) {
        candidates.push_back(op);
      }
    });
    for (linalg::LinalgOp op : candidates)
      if (succeeded(convert(op)))
        ++numConverted;
    for (linalg::GenericOp op : quantized)
      if (succeeded(convertQuantized(op)))
        ++numConverted;
  }

  /// Base address (aligned pointer + offset, in bytes) and strides (in
  /// elements) of `buffer`, read at run time.
  struct Runtime {
    Value base;
    SmallVector<Value> strides;
  };
  Runtime metadata(OpBuilder &builder, Location loc, Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    auto meta = memref::ExtractStridedMetadataOp::create(builder, loc, buffer);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
    Value offsetBytes = arith::MulIOp::create(
        builder, loc, meta.getOffset(),
        arith::ConstantIndexOp::create(builder, loc,
                                       type.getElementTypeBitWidth() / 8));
    Runtime runtime;
    runtime.base = arith::AddIOp::create(builder, loc, pointer, offsetBytes);
    runtime.strides.assign(meta.getStrides().begin(), meta.getStrides().end());
    return runtime;
  }

  /// The loop `parts` parts of a product run in: parallel (one part per
  /// thread of the task's pool) with `parallel`, else one sequential part.
  /// Returns the part's index, with the builder inside the loop.
  Value partLoop(OpBuilder &builder, Location loc, Value parts) {
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    if (parallel) {
      auto loop = scf::ParallelOp::create(builder, loc, ValueRange{zero},
                                          ValueRange{parts}, ValueRange{one});
      builder.setInsertionPointToStart(loop.getBody());
      return loop.getInductionVars()[0];
    }
    auto loop = scf::ForOp::create(builder, loc, zero, parts, one);
    builder.setInsertionPointToStart(loop.getBody());
    return loop.getInductionVar();
  }

  /// A generic marked with kQuantizedMatmulAttr (see QuantizedMatmul.h) as
  /// a call to m3sat_qgemm per part: C [M, N] (+)= x [M, K] W^T. Left as it
  /// is (loops) unless every operand has the layout the kernel reads: rows
  /// with unit stride along their last dimension.
  LogicalResult convertQuantized(linalg::GenericOp op) {
    auto attr = op->getAttrOfType<DictionaryAttr>(kQuantizedMatmulAttr);
    auto bitsAttr = attr ? attr.getAs<IntegerAttr>("bits") : IntegerAttr();
    auto blockAttr =
        attr ? attr.getAs<IntegerAttr>("block_size") : IntegerAttr();
    if (!bitsAttr || !blockAttr || op.getNumLoops() != 3 ||
        op.getNumDpsInits() != 1 ||
        (op.getNumDpsInputs() != 3 && op.getNumDpsInputs() != 4))
      return failure();
    int64_t bits = bitsAttr.getInt(), block = blockAttr.getInt();
    if ((bits != 4 && bits != 8) || block < 0)
      return failure();
    bool hasZeros = op.getNumDpsInputs() == 4;
    // Loops (m, n, k) as buildQuantizedLinear builds them: x (m, k), C (m,
    // n).
    MLIRContext *ctx = op.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (maps[0] != AffineMap::get(3, 0, {m, k}, ctx) ||
        maps.back() != AffineMap::get(3, 0, {m, n}, ctx))
      return failure();
    Value x = op.getDpsInputs()[0], codes = op.getDpsInputs()[1],
          scales = op.getDpsInputs()[2],
          zeros = hasZeros ? op.getDpsInputs()[3] : Value(),
          c = op.getDpsInits()[0];
    // Each operand: its rank, element type and a unit innermost stride.
    auto laidOut = [](Value buffer, int64_t rank, bool isFloat) {
      auto type = dyn_cast_or_null<MemRefType>(buffer.getType());
      if (!type || type.getRank() != rank ||
          (isFloat ? !type.getElementType().isF32()
                   : !type.getElementType().isInteger(8)))
        return false;
      SmallVector<int64_t> strides;
      int64_t offset;
      return succeeded(type.getStridesAndOffset(strides, offset)) &&
             strides.back() == 1;
    };
    if (!laidOut(x, 2, true) || !laidOut(codes, 2, false) ||
        !laidOut(scales, block ? 2 : 1, true) || !laidOut(c, 2, true) ||
        (zeros && !laidOut(zeros, block ? 2 : 1, false)))
      return failure();

    OpBuilder builder(op);
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    func::FuncOp qgemm = declare(module, kQgemm, 18, 0);
    auto constant = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, v);
    };
    Value sizeM = memref::DimOp::create(builder, loc, x, 0);
    Value sizeK = memref::DimOp::create(builder, loc, x, 1);
    Value sizeN = memref::DimOp::create(builder, loc, c, 1);
    Runtime rx = metadata(builder, loc, x), rw = metadata(builder, loc, codes),
            rs = metadata(builder, loc, scales), rc = metadata(builder, loc, c);
    Value zeroBase = constant(0), zeroStride = constant(0);
    if (zeros) {
      Runtime rz = metadata(builder, loc, zeros);
      zeroBase = rz.base;
      zeroStride = rz.strides.front();
    }
    Operation *zeroFill = zeroFillBefore(op);
    Value parts = constant(1);
    if (parallel)
      parts =
          func::CallOp::create(builder, loc, declare(module, kQgemmParts, 3, 1),
                               ValueRange{sizeM, sizeN, sizeK})
              .getResult(0);
    Value part = partLoop(builder, loc, parts);
    func::CallOp::create(
        builder, loc, qgemm,
        ValueRange{part, parts, sizeM, sizeN, sizeK, rx.base,
                   rx.strides.front(), rw.base, rw.strides.front(), rs.base,
                   rs.strides.front(), zeroBase, zeroStride, constant(bits),
                   constant(block), constant(zeroFill ? 0 : 1), rc.base,
                   rc.strides.front()});
    op->erase();
    if (zeroFill)
      zeroFill->erase();
    return success();
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
    // How many parts a product splits into depends on its sizes and the
    // thread count only: calls may move (m3sat-merge-parallel-regions).
    if (name == kSgemmParts || name == kQgemmParts)
      decl->setAttr(kPureCalleeAttr, builder.getUnitAttr());
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
    // Base address and strides of each operand, read at run time.
    Runtime ra = metadata(builder, loc, a->buffer),
            rb = metadata(builder, loc, b->buffer),
            rc = metadata(builder, loc, c->buffer);
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
