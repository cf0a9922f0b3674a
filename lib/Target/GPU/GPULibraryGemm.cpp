//===- GPULibraryGemm.cpp - f32 products as cuBLAS calls ------------------===//
//
// Implements m3sat-gpu-library-gemm: f32 contractions on buffers and the
// row-gather form's grouped expert products become calls of the GPU task
// runtime's m3sat_gpu_sgemm and m3sat_gpu_grouped_sgemm (cuBLAS), with
// device addresses, before the loops become kernels.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"
#include "m3sat/Transforms/Fills.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace m3sat {
#define GEN_PASS_DEF_GPULIBRARYGEMM
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

constexpr StringLiteral kSgemm = "m3sat_gpu_sgemm";
constexpr StringLiteral kGroupedSgemm = "m3sat_gpu_grouped_sgemm";
constexpr unsigned kSgemmArguments = 17;
constexpr unsigned kGroupedArguments = 15;

/// A row-major matrix as BLAS reads it: op(X) = X or its transpose.
struct Matrix {
  Value buffer;
  bool trans = false;
  int64_t ld = 0;
};

/// How BLAS reads a rows x cols matrix with these element strides: unit
/// stride along cols (no transpose, ld the stride along rows) or along rows
/// (transposed, ld the stride along cols). A dimension of size 1 leaves its
/// stride free. std::nullopt when neither fits.
std::optional<Matrix> matrixLayout(Value buffer, int64_t rows,
                                   int64_t rowStride, int64_t cols,
                                   int64_t colStride) {
  if (colStride == 1 || cols == 1) {
    int64_t ld = rows == 1 ? cols : rowStride;
    if (ld >= cols)
      return Matrix{buffer, false, ld};
  }
  if (rowStride == 1 || rows == 1) {
    int64_t ld = cols == 1 ? rows : colStride;
    if (ld >= rows)
      return Matrix{buffer, true, ld};
  }
  return std::nullopt;
}

/// The buffer that `value` is a view of: a function argument or an
/// allocation (device memory once m3sat-gpu-device-memory ran); null for
/// anything else (a global constant stays in host memory).
Value deviceRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (isa<memref::AllocOp, memref::AllocaOp>(def))
      return value;
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return nullptr;
    value = view.getViewSource();
  }
  return isa<BlockArgument>(value) ? value : nullptr;
}

/// Static element strides of `buffer` along each loop dimension of an op
/// that reads it through `map` (a projected permutation); -1 where a loop
/// does not index it.
std::optional<SmallVector<int64_t>>
loopStrides(Value buffer, AffineMap map, unsigned numLoops, Type element) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || type.getElementType() != element ||
      !map.isProjectedPermutation(/*allowZeroInResults=*/false) ||
      failed(type.getStridesAndOffset(strides, offset)) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return std::nullopt;
  SmallVector<int64_t> result(numLoops, -1);
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    result[cast<AffineDimExpr>(expr).getPosition()] = strides[i];
  return result;
}

/// A group of loop dimensions taken as one kernel dimension: its size and
/// each operand's stride along it (0 for an operand it does not index).
struct Collapsed {
  int64_t size = 1;
  SmallVector<int64_t, 3> strides;
};

/// Collapses `dims` (of sizes `ranges`) into one dimension, ordered by
/// their strides in operand `reference`: every operand must index all of
/// them or none, contiguously in that order.
std::optional<Collapsed> collapse(ArrayRef<unsigned> dims,
                                  ArrayRef<int64_t> ranges,
                                  ArrayRef<SmallVector<int64_t>> operands,
                                  unsigned reference) {
  SmallVector<unsigned> kept;
  for (unsigned d : dims)
    if (ranges[d] != 1)
      kept.push_back(d);
  llvm::stable_sort(kept, [&](unsigned x, unsigned y) {
    return operands[reference][x] > operands[reference][y];
  });
  Collapsed result;
  for (const SmallVector<int64_t> &strides : operands) {
    bool indexed = !kept.empty() && strides[kept.front()] >= 0;
    for (auto [i, d] : llvm::enumerate(kept)) {
      if ((strides[d] >= 0) != indexed)
        return std::nullopt;
      if (indexed && i + 1 < kept.size() &&
          strides[d] != ranges[kept[i + 1]] * strides[kept[i + 1]])
        return std::nullopt;
    }
    result.strides.push_back(indexed ? strides[kept.back()] : 0);
  }
  for (unsigned d : kept)
    result.size *= ranges[d];
  return result;
}

/// A product C = op(A) op(B) (+ C) of `batch` row-major matrices.
struct Product {
  Matrix a, b, c;
  int64_t m = 0, n = 0, k = 0, batch = 1;
  int64_t strideA = 0, strideB = 0, strideC = 0;

  /// The same product computed as its transpose, C^T = op(B)^T op(A)^T.
  void transpose() {
    std::swap(a, b);
    a.trans = !a.trans;
    b.trans = !b.trans;
    c.trans = !c.trans;
    std::swap(m, n);
    std::swap(strideA, strideB);
  }
};

/// The product `op` computes, when the library can compute it.
std::optional<Product> analyzeProduct(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned numLoops = op.getNumLoops();
  if (failed(dims) || llvm::any_of(ranges, [](int64_t r) {
        return ShapedType::isDynamic(r) || r <= 0;
      }))
    return std::nullopt;
  if (dims->batch.size() + dims->m.size() + dims->n.size() + dims->k.size() !=
      numLoops)
    return std::nullopt;
  Type f32 = Float32Type::get(op->getContext());
  SmallVector<SmallVector<int64_t>> strides;
  for (OpOperand &operand : op->getOpOperands()) {
    std::optional<SmallVector<int64_t>> s = loopStrides(
        operand.get(), op.getMatchingIndexingMap(&operand), numLoops, f32);
    if (!s)
      return std::nullopt;
    strides.push_back(*s);
  }
  enum { A = 0, B = 1, C = 2 };
  std::optional<Collapsed> batch = collapse(dims->batch, ranges, strides, C);
  std::optional<Collapsed> m = collapse(dims->m, ranges, strides, C);
  std::optional<Collapsed> n = collapse(dims->n, ranges, strides, C);
  std::optional<Collapsed> k = collapse(dims->k, ranges, strides, A);
  if (!batch || !m || !n || !k)
    return std::nullopt;
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  std::optional<Matrix> ma =
      matrixLayout(a, m->size, m->strides[A], k->size, k->strides[A]);
  std::optional<Matrix> mb =
      matrixLayout(b, k->size, k->strides[B], n->size, n->strides[B]);
  std::optional<Matrix> mc =
      matrixLayout(c, m->size, m->strides[C], n->size, n->strides[C]);
  if (!ma || !mb || !mc)
    return std::nullopt;
  Product product{*ma,
                  *mb,
                  *mc,
                  m->size,
                  n->size,
                  k->size,
                  batch->size,
                  batch->strides[A],
                  batch->strides[B],
                  batch->strides[C]};
  if (product.c.trans)
    product.transpose();
  return product;
}

/// The grouped expert product of the row-gather form:
///   C[r, n] = select(rowExpert[r] >= 0,
///                    C[r, n] + A[r, k] * W[clamp(rowExpert[r]), n, k], C)
/// (or W[.., k, n] in the (in, out) layout).
struct Grouped {
  Matrix a, w, c;
  Value rowExpert;
  int64_t rows = 0, n = 0, k = 0, experts = 0, strideW = 0;
};

/// `value` is linalg.index `dim`.
bool isLoopIndex(Value value, unsigned dim) {
  auto index = value.getDefiningOp<linalg::IndexOp>();
  return index && index.getDim() == dim;
}

/// `value` is index_cast(minsi(maxsi(expert, 0), experts - 1)).
bool isClampedExpert(Value value, Value expert, int64_t experts) {
  auto cast = value.getDefiningOp<arith::IndexCastOp>();
  auto min = cast ? cast.getIn().getDefiningOp<arith::MinSIOp>() : nullptr;
  auto max = min ? min.getLhs().getDefiningOp<arith::MaxSIOp>() : nullptr;
  APInt high;
  return max && max.getLhs() == expert &&
         matchPattern(max.getRhs(), m_Zero()) &&
         matchPattern(min.getRhs(), m_ConstantInt(&high)) &&
         high.getSExtValue() == experts - 1;
}

/// The other operand of the binary op `op` when one of them is `value`.
template <typename OpTy> Value otherOperand(OpTy op, Value value) {
  if (op.getLhs() == value)
    return op.getRhs();
  return op.getRhs() == value ? op.getLhs() : Value();
}

/// The weights load of the grouped product's body, or null.
memref::LoadOp matchGroupedBody(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  Value lhs = body.getArgument(0), expert = body.getArgument(1),
        acc = body.getArgument(2);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto select = yield.getOperand(0).getDefiningOp<arith::SelectOp>();
  if (!select || select.getFalseValue() != acc)
    return nullptr;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpIOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::sge ||
      cmp.getLhs() != expert || !matchPattern(cmp.getRhs(), m_Zero()))
    return nullptr;
  auto add = select.getTrueValue().getDefiningOp<arith::AddFOp>();
  Value product = add ? otherOperand(add, acc) : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  Value weight = mul ? otherOperand(mul, lhs) : Value();
  auto load = weight ? weight.getDefiningOp<memref::LoadOp>() : nullptr;
  if (!load || load.getIndices().size() != 3 ||
      op->isAncestor(load.getMemRef().getParentRegion()->getParentOp()))
    return nullptr;
  return load;
}

std::optional<Grouped> analyzeGrouped(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      op.getNumReductionLoops() != 1)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto dimAt = [&](unsigned operand, unsigned result) {
    return cast<AffineDimExpr>(maps[operand].getResult(result)).getPosition();
  };
  if (!llvm::all_of(
          maps, [](AffineMap m) { return m.isProjectedPermutation(false); }) ||
      maps[0].getNumResults() != 2 || maps[1].getNumResults() != 1 ||
      maps[2].getNumResults() != 2)
    return std::nullopt;
  unsigned r = dimAt(2, 0), n = dimAt(2, 1), k = dimAt(0, 1);
  if (dimAt(0, 0) != r || dimAt(1, 0) != r || k == n ||
      op.getIteratorTypesArray()[k] != utils::IteratorType::reduction)
    return std::nullopt;
  memref::LoadOp load = matchGroupedBody(op);
  if (!load)
    return std::nullopt;
  Value weights = load.getMemRef();
  auto weightsType = cast<MemRefType>(weights.getType());
  int64_t experts = weightsType.getDimSize(0);
  ValueRange at = load.getIndices();
  Block &body = op.getRegion().front();
  bool inOut = isLoopIndex(at[1], k) && isLoopIndex(at[2], n);
  if (!(inOut || (isLoopIndex(at[1], n) && isLoopIndex(at[2], k))) ||
      ShapedType::isDynamic(experts) ||
      !isClampedExpert(at[0], body.getArgument(1), experts))
    return std::nullopt;

  Type f32 = Float32Type::get(op->getContext());
  Type i64 = IntegerType::get(op->getContext(), 64);
  Value lhs = op.getDpsInputs()[0], rowExpert = op.getDpsInputs()[1],
        out = op.getDpsInits()[0];
  std::optional<SmallVector<int64_t>> sa = loopStrides(lhs, maps[0], 3, f32);
  std::optional<SmallVector<int64_t>> se =
      loopStrides(rowExpert, maps[1], 3, i64);
  std::optional<SmallVector<int64_t>> sc = loopStrides(out, maps[2], 3, f32);
  std::optional<SmallVector<int64_t>> sw = loopStrides(
      weights, AffineMap::getMultiDimIdentityMap(3, op->getContext()), 3, f32);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!sa || !se || !sc || !sw || !weightsType.hasStaticShape() ||
      llvm::any_of(
          ranges, [](int64_t v) { return ShapedType::isDynamic(v) || v <= 0; }))
    return std::nullopt;
  if ((*se)[r] != 1 && ranges[r] != 1)
    return std::nullopt;
  Grouped grouped;
  grouped.rows = ranges[r];
  grouped.n = ranges[n];
  grouped.k = ranges[k];
  grouped.experts = experts;
  grouped.rowExpert = rowExpert;
  grouped.strideW = (*sw)[0];
  int64_t wk = inOut ? (*sw)[1] : (*sw)[2], wn = inOut ? (*sw)[2] : (*sw)[1];
  std::optional<Matrix> ma =
      matrixLayout(lhs, grouped.rows, (*sa)[r], grouped.k, (*sa)[k]);
  std::optional<Matrix> mw =
      matrixLayout(weights, grouped.k, wk, grouped.n, wn);
  std::optional<Matrix> mc =
      matrixLayout(out, grouped.rows, (*sc)[r], grouped.n, (*sc)[n]);
  if (!ma || !mw || !mc || mc->trans)
    return std::nullopt;
  grouped.a = *ma;
  grouped.w = *mw;
  grouped.c = *mc;
  return grouped;
}

/// Declares `name`(index x `numArguments`) in `module`, once.
func::FuncOp declare(ModuleOp module, StringRef name, unsigned numArguments) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto type = builder.getFunctionType(
      SmallVector<Type>(numArguments, builder.getIndexType()), {});
  auto function = func::FuncOp::create(builder, module.getLoc(), name, type);
  function.setPrivate();
  return function;
}

/// Builds the arguments of one library call before `op`.
struct CallBuilder {
  OpBuilder builder;
  Location loc;
  SmallVector<Value> arguments;

  CallBuilder(Operation *op) : builder(op), loc(op->getLoc()) {}

  CallBuilder &constant(int64_t value) {
    arguments.push_back(arith::ConstantIndexOp::create(builder, loc, value));
    return *this;
  }
  /// The device address of `buffer`'s first element.
  CallBuilder &address(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
    auto metadata =
        memref::ExtractStridedMetadataOp::create(builder, loc, buffer);
    Value bytes = arith::MulIOp::create(
        builder, loc, metadata.getOffset(),
        arith::ConstantIndexOp::create(builder, loc,
                                       type.getElementTypeBitWidth() / 8));
    arguments.push_back(arith::AddIOp::create(builder, loc, pointer, bytes));
    return *this;
  }
  void call(func::FuncOp callee) {
    auto call = func::CallOp::create(builder, loc, callee, arguments);
    call->setAttr(m3sat::kGPULibraryCallAttr, builder.getUnitAttr());
  }
};

/// C and the operands it is computed from lie in distinct device buffers.
bool distinctRoots(Value c, ArrayRef<Value> inputs) {
  Value root = deviceRoot(c);
  return root && llvm::all_of(inputs, [&](Value input) {
           Value other = deviceRoot(input);
           return other && other != root;
         });
}

struct GPULibraryGemmPass
    : m3sat::impl::GPULibraryGemmBase<GPULibraryGemmPass> {
  using Base::Base;

  void runOnOperation() override {
    if (library == "none")
      return;
    if (library != "cublas") {
      getOperation().emitError()
          << "m3sat-gpu-library-gemm: library must be 'cublas' or 'none', "
             "not '"
          << library << "'";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> ops;
    module.walk([&](func::FuncOp func) {
      if (!func.isExternal())
        func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    });
    for (linalg::LinalgOp op : ops) {
      if (std::optional<Product> product = analyzeProduct(op)) {
        if (distinctRoots(product->c.buffer,
                          {product->a.buffer, product->b.buffer})) {
          emitProduct(module, op, *product);
          ++numProducts;
        }
        continue;
      }
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic)
        continue;
      if (std::optional<Grouped> grouped = analyzeGrouped(generic)) {
        if (distinctRoots(
                grouped->c.buffer,
                {grouped->a.buffer, grouped->w.buffer, grouped->rowExpert})) {
          emitGrouped(module, op, *grouped);
          ++numGrouped;
        }
      }
    }
  }

  void emitProduct(ModuleOp module, linalg::LinalgOp op,
                   const Product &product) {
    Operation *fill = m3sat::zeroFillBefore(op, op.getDpsInits()[0]);
    CallBuilder call(op);
    call.constant(product.a.trans)
        .constant(product.b.trans)
        .constant(product.m)
        .constant(product.n)
        .constant(product.k)
        .address(product.a.buffer)
        .constant(product.a.ld)
        .constant(product.strideA)
        .address(product.b.buffer)
        .constant(product.b.ld)
        .constant(product.strideB)
        .address(product.c.buffer)
        .constant(product.c.ld)
        .constant(product.strideC)
        .constant(product.batch)
        .constant(fill ? 0 : 1)
        .constant(tf32);
    call.call(declare(module, kSgemm, kSgemmArguments));
    op->erase();
    if (fill)
      fill->erase();
  }

  void emitGrouped(ModuleOp module, linalg::LinalgOp op,
                   const Grouped &grouped) {
    CallBuilder call(op);
    call.constant(grouped.rows)
        .constant(grouped.n)
        .constant(grouped.k)
        .constant(grouped.experts)
        .address(grouped.a.buffer)
        .constant(grouped.a.trans)
        .constant(grouped.a.ld)
        .address(grouped.rowExpert)
        .address(grouped.w.buffer)
        .constant(grouped.w.trans)
        .constant(grouped.w.ld)
        .constant(grouped.strideW)
        .address(grouped.c.buffer)
        .constant(grouped.c.ld)
        .constant(tf32);
    call.call(declare(module, kGroupedSgemm, kGroupedArguments));
    op->erase();
  }
};

} // namespace
