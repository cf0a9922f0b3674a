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
#include "m3sat/Transforms/RuntimeCalls.h"
#include "m3sat/Transforms/SerialTasks.h"

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
constexpr StringLiteral kSgemmEpilogue = "m3sat_sgemm_epilogue";
/// Terms an epilogue may add (m3sat_sgemm_epilogue's).
constexpr unsigned kMaxEpilogueTerms = 2;

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

/// The zero fill of `op`'s C (m3sat::zeroFillBefore): `op` writes every
/// element of C, so that fill is dead once `op` does not read C.
Operation *zeroFillBefore(linalg::LinalgOp op) {
  Value c = op.getDpsInits()[0];
  if (llvm::is_contained(op.getDpsInputs(), c))
    return nullptr;
  return m3sat::zeroFillBefore(op, c);
}

/// Base address (aligned pointer + offset, in bytes) and strides (in
/// elements) of a buffer, read at run time.
struct Runtime {
  Value base;
  SmallVector<Value> strides;

  /// The stride along loop dimension `d` of the operand read as `access`;
  /// null where it does not index the operand.
  Value stride(const OperandAccess &access, unsigned d) const {
    return access.dimOf[d] < 0 ? Value() : strides[access.dimOf[d]];
  }
};

/// A product as the kernel computes it: how A, B and C are read, which loop
/// dimensions are the kernel's M, N and K, and the others, looped over.
struct Product {
  mutable linalg::LinalgOp op; // a handle: its methods are not const
  OperandAccess a, b, c;
  unsigned m = 0, n = 0, k = 0;
  bool transA = false, transB = false;
  SmallVector<unsigned> outer;
  SmallVector<int64_t> ranges; // static loop ranges

  /// The static stride of `access` along loop dimension `d` (which indexes
  /// it).
  static int64_t stride(const OperandAccess &access, unsigned d) {
    return access.strides[access.dimOf[d]];
  }
};

/// What the kernel call takes, read from the operands.
struct KernelArguments {
  SmallVector<Value> sizes; // per loop dimension
  Runtime a, b, c;
  Value lda, ldb, ldc, transA, transB, accumulate, parts;
  Operation *zeroFill = nullptr;
};

/// Where a buffer's elements lie: bytes [begin, end) of `root` (a function
/// argument, an allocation, or the buffer a memref.view carves up), and the
/// byte offset of its first element.
struct Extent {
  Value root;
  int64_t begin = 0, end = 0;
  bool overlaps(const Extent &other) const {
    return root == other.root && begin < other.end && other.begin < end;
  }
};

/// The extent of `buffer` when its layout is static and it is a view (past
/// reshapes, subviews and casts, at most one memref.view with a constant
/// shift) of a root buffer.
std::optional<Extent> extentOf(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || !type.hasStaticShape() || type.getNumElements() == 0 ||
      failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || llvm::any_of(strides, [](int64_t s) {
        return ShapedType::isDynamic(s) || s < 0;
      }))
    return std::nullopt;
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  Extent extent;
  extent.root = buffer;
  int64_t shift = 0;
  while (Operation *def = extent.root.getDefiningOp()) {
    if (auto view = dyn_cast<memref::ViewOp>(def)) {
      std::optional<int64_t> bytes = getConstantIntValue(view.getByteShift());
      if (!bytes || view.getSource().getDefiningOp<ViewLikeOpInterface>())
        return std::nullopt;
      shift = *bytes;
      extent.root = view.getSource();
      break;
    }
    auto like = dyn_cast<ViewLikeOpInterface>(def);
    if (!like)
      break;
    extent.root = like.getViewSource();
  }
  int64_t last = 0;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides))
    last += (size - 1) * stride;
  extent.begin = shift + offset * elementBytes;
  extent.end = extent.begin + (last + 1) * elementBytes;
  return extent;
}

/// Static strides (elements) of `buffer` along each of `numLoops` loop
/// dimensions of an op that reads it through `map` (results dimensions or
/// the constant 0); 0 where a dimension does not index it.
std::optional<SmallVector<int64_t>> loopStrides(Value buffer, AffineMap map,
                                                unsigned numLoops) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || failed(type.getStridesAndOffset(strides, offset)))
    return std::nullopt;
  SmallVector<int64_t> result(numLoops, 0);
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      if (ShapedType::isDynamic(strides[i]) || result[dim.getPosition()])
        return std::nullopt;
      result[dim.getPosition()] = strides[i];
      continue;
    }
    auto zero = dyn_cast<AffineConstantExpr>(expr);
    if (!zero || zero.getValue() != 0)
      return std::nullopt;
  }
  return result;
}

/// An operand of an epilogue: its static strides (elements) along each loop
/// dimension of the product, 0 where it is broadcast.
struct EpilogueOperand {
  Value buffer;
  SmallVector<int64_t> strides;
};

/// The elementwise op right after a product that reads its C:
/// D = C * alpha + T0 + T1 (terms added in that order), computed by
/// m3sat_sgemm_epilogue on each part's band of C.
struct Epilogue {
  linalg::GenericOp op;
  float alpha = 1.0f;
  EpilogueOperand d;
  SmallVector<EpilogueOperand> terms;
};

/// The body of `g` as C * alpha + terms: the input that reads C is
/// `cInput`; on success `alpha` and the term inputs in the order they are
/// added. Each operation of the chain reads the chain so far and one input
/// (a commuted add is the same sum).
LogicalResult matchEpilogueBody(linalg::GenericOp g, unsigned cInput,
                                float &alpha,
                                SmallVector<unsigned> &termInputs) {
  Block *body = g.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (g.payloadUsesValueFromOperand(g.getDpsInitOperand(0)))
    return failure();
  auto inputOf = [&](Value v) -> std::optional<unsigned> {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != body ||
        arg.getArgNumber() >= g.getNumDpsInputs())
      return std::nullopt;
    return arg.getArgNumber();
  };
  Value cArg = body->getArgument(cInput);
  // Walks down the chain from the yielded value, collecting terms.
  SmallVector<unsigned> reversed;
  bool scaled = false;
  Value v = yield.getOperand(0);
  while (v != cArg) {
    auto add = v.getDefiningOp<arith::AddFOp>();
    if (add) {
      std::optional<unsigned> rhs = inputOf(add.getRhs());
      std::optional<unsigned> lhs = inputOf(add.getLhs());
      if (rhs && *rhs != cInput) {
        reversed.push_back(*rhs);
        v = add.getLhs();
      } else if (lhs && *lhs != cInput) {
        reversed.push_back(*lhs);
        v = add.getRhs();
      } else {
        return failure();
      }
      continue;
    }
    // C * constant, at the bottom of the chain.
    auto mul = v.getDefiningOp<arith::MulFOp>();
    if (!mul || scaled)
      return failure();
    Value other = mul.getLhs() == cArg ? mul.getRhs() : mul.getLhs();
    FloatAttr factor;
    if ((mul.getLhs() != cArg && mul.getRhs() != cArg) ||
        !matchPattern(other, m_Constant(&factor)) || !factor.getType().isF32())
      return failure();
    alpha = factor.getValue().convertToFloat();
    scaled = true;
    v = cArg;
  }
  // Every operation of the body but constants is part of the chain.
  size_t computing =
      llvm::count_if(body->without_terminator(),
                     [](Operation &op) { return !isa<arith::ConstantOp>(op); });
  if (computing != reversed.size() + (scaled ? 1 : 0))
    return failure();
  termInputs.assign(reversed.rbegin(), reversed.rend());
  return success();
}

/// The epilogue of product `p`, when the next op with memory effects other
/// than allocation reads its C elementwise (every element once, through
/// any reshape) in a parallel generic whose body matchEpilogueBody accepts,
/// with static layouts, and computing it band by band is safe: D overlaps
/// neither A nor B (other parts still read them), D is C or apart from it,
/// and each term is D or apart from it and apart from C. Distinct function
/// arguments are distinct buffers (the task ABI).
std::optional<Epilogue> matchEpilogue(const Product &p) {
  // Past side-effect free ops and allocations (the product moves down to
  // the epilogue, past them).
  Operation *next = p.op->getNextNode();
  while (next && (isMemoryEffectFree(next) ||
                  hasSingleEffect<MemoryEffects::Allocate>(next)))
    next = next->getNextNode();
  auto g = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!g || !g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops() ||
      llvm::any_of(p.ranges, ShapedType::isDynamic))
    return std::nullopt;
  unsigned numLoops = g.getNumLoops();
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  std::optional<Extent> cExtent = extentOf(p.c.buffer);
  if (!cExtent)
    return std::nullopt;

  // The input that reads C, and which loop dimension of the product each
  // loop dimension of `g` walks (same size, same stride through C's bytes).
  std::optional<unsigned> cInput;
  SmallVector<int64_t> productDimOf;
  for (auto [i, input] : llvm::enumerate(g.getDpsInputs())) {
    std::optional<Extent> extent = extentOf(input);
    std::optional<SmallVector<int64_t>> strides =
        loopStrides(input, maps[i], numLoops);
    if (!extent || !strides || extent->root != cExtent->root ||
        extent->begin != cExtent->begin || extent->end != cExtent->end)
      continue;
    SmallVector<int64_t> dimOf(numLoops, -1);
    SmallVector<bool> covered(p.ranges.size(), false);
    bool ok = true;
    for (unsigned gd = 0; gd < numLoops && ok; ++gd) {
      if (ranges[gd] == 1)
        continue;
      ok = false;
      for (unsigned d = 0; d < p.ranges.size(); ++d) {
        if (d == p.k || covered[d] || p.c.dimOf[d] < 0 ||
            p.ranges[d] != ranges[gd] ||
            Product::stride(p.c, d) != (*strides)[gd])
          continue;
        dimOf[gd] = d;
        covered[d] = true;
        ok = true;
        break;
      }
    }
    for (unsigned d = 0; d < p.ranges.size() && ok; ++d)
      if (d != p.k && !covered[d] && p.ranges[d] != 1)
        ok = false;
    if (ok) {
      cInput = i;
      productDimOf = dimOf;
      break;
    }
  }
  if (!cInput)
    return std::nullopt;

  Epilogue epilogue;
  epilogue.op = g;
  SmallVector<unsigned> termInputs;
  if (failed(matchEpilogueBody(g, *cInput, epilogue.alpha, termInputs)) ||
      termInputs.size() > kMaxEpilogueTerms)
    return std::nullopt;

  // An operand's strides along the product's loop dimensions.
  auto operand = [&](Value buffer,
                     AffineMap map) -> std::optional<EpilogueOperand> {
    auto type = dyn_cast<MemRefType>(buffer.getType());
    std::optional<SmallVector<int64_t>> strides =
        loopStrides(buffer, map, numLoops);
    if (!type || !type.getElementType().isF32() || !strides)
      return std::nullopt;
    EpilogueOperand result{buffer, SmallVector<int64_t>(p.ranges.size(), 0)};
    for (unsigned gd = 0; gd < numLoops; ++gd)
      if (productDimOf[gd] >= 0)
        result.strides[productDimOf[gd]] = (*strides)[gd];
    return result;
  };
  std::optional<EpilogueOperand> d = operand(g.getDpsInits()[0], maps.back());
  if (!d || !maps.back().isPermutation() || d->strides[p.n] != 1)
    return std::nullopt;
  epilogue.d = *d;
  for (unsigned i : termInputs) {
    std::optional<EpilogueOperand> term = operand(g.getDpsInputs()[i], maps[i]);
    if (!term)
      return std::nullopt;
    epilogue.terms.push_back(*term);
  }

  // Safe band by band?
  std::optional<Extent> a = extentOf(p.a.buffer), b = extentOf(p.b.buffer),
                        dExtent = extentOf(d->buffer);
  if (!a || !b || !dExtent || dExtent->overlaps(*a) || dExtent->overlaps(*b))
    return std::nullopt;
  auto same = [&](const Extent &x, ArrayRef<int64_t> xStrides, const Extent &y,
                  ArrayRef<int64_t> yStrides) {
    return x.root == y.root && x.begin == y.begin && xStrides == yStrides;
  };
  SmallVector<int64_t> cStrides(p.ranges.size(), 0);
  for (unsigned dim = 0; dim < p.ranges.size(); ++dim)
    if (dim != p.k && p.c.dimOf[dim] >= 0)
      cStrides[dim] = Product::stride(p.c, dim);
  if (dExtent->overlaps(*cExtent) &&
      !same(*dExtent, d->strides, *cExtent, cStrides))
    return std::nullopt;
  for (const EpilogueOperand &term : epilogue.terms) {
    std::optional<Extent> extent = extentOf(term.buffer);
    if (!extent || extent->overlaps(*cExtent) ||
        (extent->overlaps(*dExtent) &&
         !same(*extent, term.strides, *dExtent, d->strides)))
      return std::nullopt;
  }
  return epilogue;
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
    for (linalg::LinalgOp op : candidates) {
      parallelHere = parallel && !m3sat::inSerialTask(op);
      if (succeeded(convert(op)))
        ++numConverted;
    }
    for (linalg::GenericOp op : quantized) {
      parallelHere = parallel && !m3sat::inSerialTask(op);
      if (succeeded(convertQuantized(op)))
        ++numConverted;
    }
  }

  /// `parallel`, unless the product being converted is in a serial task
  /// (m3sat-serial-small-tasks): then its parts run in scf.for loops.
  bool parallelHere = false;

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
  /// thread of the task's pool) with `parallelHere`, else one sequential
  /// part.
  /// Returns the part's index, with the builder inside the loop.
  Value partLoop(OpBuilder &builder, Location loc, Value parts) {
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    if (parallelHere) {
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
    if (parallelHere)
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
    // How many parts a product splits into depends on its sizes and the
    // thread count only: calls may move (m3sat-merge-parallel-regions).
    return declareRuntimeFunction(module, name, numArguments, numResults,
                                  name == kSgemmParts || name == kQgemmParts);
  }

  /// Phase 1 of a product: whether it fits the kernel, and how.
  FailureOr<Product> analyzeProduct(linalg::LinalgOp op) {
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
    Product product{op, *a, *b, *c};

    // The kernel's M and N: the innermost m and n dimensions of C (the
    // others, and the batch dimensions, are looped over).
    auto innermostIn = [&](ArrayRef<unsigned> candidates) {
      unsigned best = candidates.front();
      for (unsigned d : candidates)
        if (c->dimOf[d] > c->dimOf[best])
          best = d;
      return best;
    };
    product.m = innermostIn(dims->m);
    product.n = innermostIn(dims->n);
    product.k = dims->k.front();
    // C row-major in (m, n); A and B either way round.
    if (product.stride(product.c, product.n) != 1)
      return failure();
    if (product.stride(product.a, product.k) == 1)
      product.transA = false;
    else if (product.stride(product.a, product.m) == 1)
      product.transA = true;
    else
      return failure();
    if (product.stride(product.b, product.n) == 1)
      product.transB = false;
    else if (product.stride(product.b, product.k) == 1)
      product.transB = true;
    else
      return failure();

    product.ranges = op.getStaticLoopRanges();
    ArrayRef<int64_t> ranges = product.ranges;
    unsigned m = product.m, n = product.n, k = product.k;
    if (!ShapedType::isDynamic(ranges[m]) &&
        !ShapedType::isDynamic(ranges[n]) &&
        !ShapedType::isDynamic(ranges[k]) &&
        ranges[m] * ranges[n] * ranges[k] < minFlops)
      return failure();
    for (unsigned d = 0; d < numLoops; ++d)
      if (d != m && d != n && d != k)
        product.outer.push_back(d);
    return product;
  }

  /// Phase 2: the kernel's arguments, read from the operands at the
  /// builder's position.
  KernelArguments kernelArguments(OpBuilder &builder, Location loc,
                                  const Product &p) {
    auto constant = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, v);
    };
    KernelArguments args;
    // Loop sizes, from the operands' shapes.
    unsigned numLoops = p.op.getNumLoops();
    args.sizes.resize(numLoops);
    for (unsigned d = 0; d < numLoops; ++d)
      for (const OperandAccess *access : {&p.a, &p.b, &p.c})
        if (!args.sizes[d] && access->dimOf[d] >= 0)
          args.sizes[d] = memref::DimOp::create(builder, loc, access->buffer,
                                                access->dimOf[d]);
    // Base address and strides of each operand, read at run time.
    args.a = metadata(builder, loc, p.a.buffer);
    args.b = metadata(builder, loc, p.b.buffer);
    args.c = metadata(builder, loc, p.c.buffer);
    // A leading dimension of at least the row length (BLAS requires it even
    // where the other dimension has size 1).
    auto leading = [&](Value stride, Value rowLength) -> Value {
      return arith::MaxSIOp::create(
          builder, loc, stride,
          arith::MaxSIOp::create(builder, loc, rowLength, constant(1)));
    };
    ArrayRef<Value> sizes = args.sizes;
    args.lda = p.transA ? leading(args.a.stride(p.a, p.k), sizes[p.m])
                        : leading(args.a.stride(p.a, p.m), sizes[p.k]);
    args.ldb = p.transB ? leading(args.b.stride(p.b, p.n), sizes[p.k])
                        : leading(args.b.stride(p.b, p.k), sizes[p.n]);
    args.ldc = leading(args.c.stride(p.c, p.m), sizes[p.n]);
    args.transA = constant(p.transA);
    args.transB = constant(p.transB);
    args.zeroFill = zeroFillBefore(p.op);
    args.accumulate = constant(args.zeroFill ? 0 : 1);
    // The product splits into parts, each a band of C, that the threads of
    // the task's pool compute side by side.
    args.parts = constant(1);
    if (parallelHere) {
      auto module = p.op->getParentOfType<ModuleOp>();
      args.parts =
          func::CallOp::create(builder, loc, declare(module, kSgemmParts, 3, 1),
                               ValueRange{sizes[p.m], sizes[p.n], sizes[p.k]})
              .getResult(0);
    }
    return args;
  }

  /// Phase 3: one loop over the dimensions around the kernel and the parts
  /// (parallel, or sequential without `parallel`), with the builder inside
  /// it; returns the induction variables, the part's last.
  SmallVector<Value> partLoops(OpBuilder &builder, Location loc,
                               const Product &p, const KernelArguments &args) {
    SmallVector<Value> lower, upper, steps;
    for (unsigned d : p.outer)
      upper.push_back(args.sizes[d]);
    upper.push_back(args.parts);
    lower.assign(upper.size(), arith::ConstantIndexOp::create(builder, loc, 0));
    steps.assign(upper.size(), arith::ConstantIndexOp::create(builder, loc, 1));
    SmallVector<Value> ivs;
    if (parallelHere) {
      auto loop = scf::ParallelOp::create(builder, loc, lower, upper, steps);
      builder.setInsertionPointToStart(loop.getBody());
      ivs.assign(loop.getInductionVars().begin(),
                 loop.getInductionVars().end());
      return ivs;
    }
    for (auto [l, u, s] : llvm::zip(lower, upper, steps)) {
      auto loop = scf::ForOp::create(builder, loc, l, u, s);
      builder.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
    }
    return ivs;
  }

  /// `base` advanced to the element at the outer induction variables `ivs`,
  /// given the stride (elements; null: not indexed) of each outer dimension.
  Value advance(OpBuilder &builder, Location loc, Value base,
                ArrayRef<Value> ivs, ArrayRef<Value> strides) {
    for (auto [iv, s] : llvm::zip(ivs, strides)) {
      if (!s)
        continue;
      Value step = arith::MulIOp::create(
          builder, loc, arith::MulIOp::create(builder, loc, iv, s),
          arith::ConstantIndexOp::create(builder, loc, 4));
      base = arith::AddIOp::create(builder, loc, base, step);
    }
    return base;
  }

  LogicalResult convert(linalg::LinalgOp op) {
    FailureOr<Product> product = analyzeProduct(op);
    if (failed(product))
      return failure();
    const Product &p = *product;
    std::optional<Epilogue> epilogue;
    if (epilogues)
      epilogue = matchEpilogue(p);

    // With an epilogue, the product moves down to it (past side-effect free
    // ops only), where every operand of both is defined.
    OpBuilder builder(epilogue ? epilogue->op.getOperation()
                               : op.getOperation());
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    KernelArguments args = kernelArguments(builder, loc, p);
    auto constant = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, v);
    };
    SmallVector<Value> epilogueBases;
    if (epilogue) {
      epilogueBases.push_back(metadata(builder, loc, epilogue->d.buffer).base);
      for (const EpilogueOperand &term : epilogue->terms)
        epilogueBases.push_back(metadata(builder, loc, term.buffer).base);
    }

    SmallVector<Value> ivs = partLoops(builder, loc, p, args);
    ArrayRef<Value> outerIvs = ArrayRef<Value>(ivs).drop_back();
    auto outerStrides = [&](const OperandAccess &access,
                            const Runtime &runtime) {
      SmallVector<Value> strides;
      for (unsigned d : p.outer)
        strides.push_back(runtime.stride(access, d));
      return strides;
    };
    Value baseA =
        advance(builder, loc, args.a.base, outerIvs, outerStrides(p.a, args.a));
    Value baseB =
        advance(builder, loc, args.b.base, outerIvs, outerStrides(p.b, args.b));
    Value baseC =
        advance(builder, loc, args.c.base, outerIvs, outerStrides(p.c, args.c));
    SmallVector<Value> operands = {
        ivs.back(),      args.parts,      args.transA,     args.transB,
        args.sizes[p.m], args.sizes[p.n], args.sizes[p.k], baseA,
        args.lda,        baseB,           args.ldb,        args.accumulate,
        baseC,           args.ldc};
    if (!epilogue) {
      func::CallOp::create(builder, loc, declare(module, kSgemm, 14, 0),
                           operands);
    } else {
      // D, then each term: base at the outer indices, strides along m, n.
      auto staticOuter = [&](const EpilogueOperand &operand) {
        SmallVector<Value> strides;
        for (unsigned d : p.outer)
          strides.push_back(operand.strides[d] ? constant(operand.strides[d])
                                               : Value());
        return strides;
      };
      operands.push_back(arith::ConstantFloatOp::create(
          builder, loc, builder.getF32Type(), APFloat(epilogue->alpha)));
      operands.push_back(advance(builder, loc, epilogueBases[0], outerIvs,
                                 staticOuter(epilogue->d)));
      operands.push_back(constant(epilogue->d.strides[p.m]));
      operands.push_back(constant(epilogue->terms.size()));
      for (unsigned t = 0; t < kMaxEpilogueTerms; ++t) {
        if (t < epilogue->terms.size()) {
          const EpilogueOperand &term = epilogue->terms[t];
          operands.push_back(advance(builder, loc, epilogueBases[t + 1],
                                     outerIvs, staticOuter(term)));
          operands.push_back(constant(term.strides[p.m]));
          operands.push_back(constant(term.strides[p.n]));
        } else {
          operands.append({constant(0), constant(0), constant(0)});
        }
      }
      func::CallOp::create(builder, loc, declareEpilogue(module), operands);
      epilogue->op->erase();
      ++numEpilogues;
    }
    op->erase();
    if (args.zeroFill)
      args.zeroFill->erase();
    return success();
  }

  /// The declaration of m3sat_sgemm_epilogue: m3sat_sgemm's 14 arguments,
  /// alpha (f32), D and its leading dimension, the number of terms and
  /// kMaxEpilogueTerms of (base, stride along m, stride along n).
  func::FuncOp declareEpilogue(ModuleOp module) {
    if (auto existing = module.lookupSymbol<func::FuncOp>(kSgemmEpilogue))
      return existing;
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    Type index = builder.getIndexType();
    SmallVector<Type> arguments(14, index);
    arguments.push_back(builder.getF32Type());
    arguments.append(3 + 3 * kMaxEpilogueTerms, index);
    auto decl =
        func::FuncOp::create(builder, module.getLoc(), kSgemmEpilogue,
                             builder.getFunctionType(arguments, TypeRange{}));
    decl.setPrivate();
    return decl;
  }
};

} // namespace
