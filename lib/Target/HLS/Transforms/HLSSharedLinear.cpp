//===- HLSSharedLinear.cpp - m3sat-hls-shared-linear ----------------------===//
//
// One linear unit for every matrix product, as the Edge-MoE accelerator
// has: loop nests that compute C += A * B become calls of one function with
// the sizes and strides as arguments, so that synthesis builds one
// multiply-accumulate array that the products take turns on.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/Support/MathExtras.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSHAREDLINEAR
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// An index as a sum of coefficients times values (loop induction
/// variables, or values defined outside the loop nest) plus a constant.
struct Linear {
  llvm::MapVector<Value, int64_t> terms;
  int64_t constant = 0;

  int64_t coefficient(Value value) const {
    auto it = terms.find(value);
    return it == terms.end() ? 0 : it->second;
  }
  bool operator==(const Linear &other) const {
    return constant == other.constant && terms.size() == other.terms.size() &&
           llvm::all_of(terms, [&](const auto &term) {
             return other.coefficient(term.first) == term.second;
           });
  }
  void add(const Linear &other, int64_t scale) {
    for (auto [value, coefficient] : other.terms) {
      terms[value] += coefficient * scale;
      if (terms[value] == 0)
        terms.erase(value);
    }
    constant += other.constant * scale;
  }
};

/// Index arithmetic of a loop nest as Linears. A floor division or
/// remainder by a constant (as arith-expand-ops writes them: from the
/// reshapes folded into indices) is an atom until it cancels: `d (x floordiv
/// d) + (x mod d)` is `x`, and `x floordiv d` is 0 and `x mod d` is `x` when
/// `x` is in [0, d).
class Linearizer {
public:
  explicit Linearizer(ArrayRef<scf::ForOp> nest) : nest(nest) {}

  /// `value` over the induction variables of the nest and values defined
  /// outside its outermost loop, or nullopt.
  std::optional<Linear> get(Value value, unsigned depth = 0) {
    if (depth > 8)
      return std::nullopt;
    std::optional<Linear> linear = expand(value);
    if (!linear || !simplify(*linear, depth))
      return std::nullopt;
    return linear;
  }

private:
  struct Atom {
    Value x;
    int64_t divisor;
    bool remainder;
    /// divsi/remsi rather than the floor forms: x must not be negative.
    bool plain;
  };

  bool isInside(Value value) {
    Operation *def = value.getDefiningOp();
    Operation *owner =
        def ? def : cast<BlockArgument>(value).getOwner()->getParentOp();
    return nest.front()->isAncestor(owner);
  }

  scf::ForOp loopOf(Value value) {
    for (scf::ForOp loop : nest)
      if (value == loop.getInductionVar())
        return loop;
    return scf::ForOp();
  }

  /// `op` is arith.divsi or arith.remsi by a positive constant.
  static std::optional<int64_t> divisorOf(Operation *op) {
    APInt divisor;
    if (!isa_and_nonnull<arith::DivSIOp, arith::RemSIOp>(op) ||
        !matchPattern(op->getOperand(1), m_ConstantInt(&divisor)) ||
        divisor.getSExtValue() <= 0)
      return std::nullopt;
    return divisor.getSExtValue();
  }

  /// The atom that `value` computes, if any.
  std::optional<Atom> matchAtom(Value value) {
    Operation *def = value.getDefiningOp();
    if (auto divisor = divisorOf(def))
      return Atom{def->getOperand(0), *divisor, isa<arith::RemSIOp>(def), true};
    auto select = dyn_cast_or_null<arith::SelectOp>(def);
    if (!select)
      return std::nullopt;
    // Floor division: select(c, q - 1, q), q = x divsi d.
    Operation *quotient = select.getFalseValue().getDefiningOp();
    auto minusOne = select.getTrueValue().getDefiningOp<arith::AddIOp>();
    APInt constant;
    if (isa_and_nonnull<arith::DivSIOp>(quotient) && divisorOf(quotient) &&
        minusOne && minusOne.getLhs() == select.getFalseValue() &&
        matchPattern(minusOne.getRhs(), m_ConstantInt(&constant)) &&
        constant.getSExtValue() == -1)
      return Atom{quotient->getOperand(0), *divisorOf(quotient), false, false};
    // Remainder: select(r < 0, r + d, r), r = x remsi d.
    Operation *rem = select.getFalseValue().getDefiningOp();
    auto plusD = select.getTrueValue().getDefiningOp<arith::AddIOp>();
    if (isa_and_nonnull<arith::RemSIOp>(rem) && divisorOf(rem) && plusD &&
        plusD.getLhs() == select.getFalseValue() &&
        matchPattern(plusD.getRhs(), m_ConstantInt(&constant)) &&
        constant.getSExtValue() == *divisorOf(rem))
      return Atom{rem->getOperand(0), *divisorOf(rem), true, false};
    return std::nullopt;
  }

  /// `value` as a Linear whose terms may be atoms.
  std::optional<Linear> expand(Value value) {
    Linear result;
    APInt constant;
    if (matchPattern(value, m_ConstantInt(&constant))) {
      result.constant = constant.getSExtValue();
      return result;
    }
    if (!isInside(value) || loopOf(value)) {
      result.terms[value] = 1;
      return result;
    }
    Operation *def = value.getDefiningOp();
    if (!def || !value.getType().isIndex())
      return std::nullopt;
    if (std::optional<Atom> atom = matchAtom(value)) {
      atoms[value] = *atom;
      result.terms[value] = 1;
      return result;
    }
    if (isa<arith::AddIOp, arith::SubIOp>(def)) {
      auto lhs = expand(def->getOperand(0));
      auto rhs = expand(def->getOperand(1));
      if (!lhs || !rhs)
        return std::nullopt;
      lhs->add(*rhs, isa<arith::AddIOp>(def) ? 1 : -1);
      return lhs;
    }
    if (isa<arith::MulIOp>(def)) {
      for (unsigned i = 0; i < 2; ++i) {
        if (!matchPattern(def->getOperand(1 - i), m_ConstantInt(&constant)))
          continue;
        auto other = expand(def->getOperand(i));
        if (!other)
          return std::nullopt;
        result.add(*other, constant.getSExtValue());
        return result;
      }
    }
    return std::nullopt;
  }

  /// The smallest and largest value of `linear` (atoms' own ranges), or
  /// nullopt when a term is not bounded.
  std::optional<std::pair<int64_t, int64_t>> range(const Linear &linear,
                                                   unsigned depth) {
    int64_t low = linear.constant, high = linear.constant;
    for (auto [value, coefficient] : linear.terms) {
      int64_t termLow, termHigh;
      if (scf::ForOp loop = loopOf(value)) {
        APInt upper;
        int64_t trips;
        if (matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)))
          trips = upper.getSExtValue();
        else if (auto max =
                     loop->getAttrOfType<IntegerAttr>(kHLSMaxTripCountAttr))
          trips = max.getInt();
        else
          return std::nullopt;
        termLow = 0;
        termHigh = std::max<int64_t>(trips - 1, 0);
      } else if (auto it = atoms.find(value); it != atoms.end()) {
        Atom atom = it->second;
        std::optional<Linear> x = get(atom.x, depth + 1);
        auto xRange = x ? range(*x, depth + 1) : std::nullopt;
        if (atom.remainder) {
          termLow = 0;
          termHigh = atom.divisor - 1;
        } else if (xRange) {
          termLow = llvm::divideFloorSigned(xRange->first, atom.divisor);
          termHigh = llvm::divideFloorSigned(xRange->second, atom.divisor);
        } else {
          return std::nullopt;
        }
      } else {
        return std::nullopt;
      }
      int64_t a = coefficient * termLow, b = coefficient * termHigh;
      low += std::min(a, b);
      high += std::max(a, b);
    }
    return std::make_pair(low, high);
  }

  /// Cancels the atoms of `linear`; false when some remain.
  bool simplify(Linear &linear, unsigned depth) {
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto [value, coefficient] : linear.terms) {
        auto it = atoms.find(value);
        if (it == atoms.end())
          continue;
        Atom atom = it->second;
        std::optional<Linear> x = get(atom.x, depth + 1);
        if (!x)
          return false;
        auto xRange = range(*x, depth + 1);
        if (atom.plain && (!xRange || xRange->first < 0))
          return false;
        Linear replacement;
        bool replace = false;
        if (xRange && xRange->first >= 0 && xRange->second < atom.divisor) {
          // x floordiv d = 0, x mod d = x.
          if (atom.remainder)
            replacement.add(*x, coefficient);
          replace = true;
        } else if (atom.remainder) {
          // c (x mod d) + c d (x floordiv d) = c x.
          for (auto [other, otherCoefficient] : linear.terms) {
            auto quotient = atoms.find(other);
            if (quotient == atoms.end() || quotient->second.remainder ||
                quotient->second.x != atom.x ||
                quotient->second.divisor != atom.divisor ||
                otherCoefficient != coefficient * atom.divisor)
              continue;
            replacement.terms[other] = -otherCoefficient;
            replacement.add(*x, coefficient);
            replace = true;
            break;
          }
        }
        if (!replace)
          continue;
        replacement.terms[value] -= coefficient;
        linear.add(replacement, 1);
        changed = true;
        break;
      }
    }
    return llvm::none_of(linear.terms, [&](const auto &term) {
      return atoms.count(term.first) != 0;
    });
  }

  ArrayRef<scf::ForOp> nest;
  DenseMap<Value, Atom> atoms;
};

/// The row-major offset of `indices` into `memref` as a Linear.
std::optional<Linear> flatOffset(Value memref, ValueRange indices,
                                 ArrayRef<scf::ForOp> nest) {
  Linearizer linearizer(nest);
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isF32() || type.getMemorySpace())
    return std::nullopt;
  Linear offset;
  int64_t stride = 1;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    auto index = linearizer.get(indices[d]);
    if (!index)
      return std::nullopt;
    offset.add(*index, stride);
    stride *= type.getDimSize(d);
  }
  return offset;
}

/// One operand of a product: its array and flat offset.
struct Operand {
  Value memref;
  Linear offset;
};

/// A loop nest that computes C += A * B, with its dimensions.
struct Product {
  SmallVector<scf::ForOp> nest;
  /// The loops kept around the call (indexing all three arrays), outermost.
  unsigned batchLoops = 0;
  /// The M, N, K loops (null where the dimension is absent: size 1).
  scf::ForOp m, n, k;
  Operand a, b, c;
  /// The load of B in the nest.
  memref::LoadOp bLoad;
  /// The largest M, N, K.
  int64_t maxM = 1, maxN = 1, maxK = 1;
};

/// The upper bound of `loop` if it runs from 0 by 1 to a bound defined
/// outside `nest` (constant, or with a recorded largest trip count), and its
/// largest trip count.
std::optional<int64_t> tripBound(scf::ForOp loop, ArrayRef<scf::ForOp> nest) {
  APInt lower, step, upper;
  if (!matchPattern(loop.getLowerBound(), m_ConstantInt(&lower)) ||
      !lower.isZero() || !matchPattern(loop.getStep(), m_ConstantInt(&step)) ||
      !step.isOne())
    return std::nullopt;
  if (matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)))
    return upper.getSExtValue() > 0 ? std::optional(upper.getSExtValue())
                                    : std::nullopt;
  Operation *def = loop.getUpperBound().getDefiningOp();
  Operation *owner =
      def ? def
          : cast<BlockArgument>(loop.getUpperBound()).getOwner()->getParentOp();
  if (nest.front()->isAncestor(owner))
    return std::nullopt;
  if (auto max = loop->getAttrOfType<IntegerAttr>(kHLSMaxTripCountAttr))
    return max.getInt();
  return std::nullopt;
}

/// Whether `op` only computes an index or a condition of one (it may sit
/// between the loops of a nest).
bool isIndexArithmetic(Operation &op) {
  return isa<arith::ArithDialect>(op.getDialect()) && isMemoryEffectFree(&op) &&
         op.getNumResults() == 1 && op.getResult(0).getType().isIntOrIndex() &&
         llvm::none_of(op.getOperandTypes(),
                       [](Type type) { return isa<FloatType>(type); });
}

/// The product that `root` and the loops nested in it compute, if it is
/// one.
std::optional<Product> matchProduct(scf::ForOp root) {
  Product product;
  scf::ForOp loop = root;
  while (true) {
    product.nest.push_back(loop);
    scf::ForOp inner;
    bool other = false;
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (auto nested = dyn_cast<scf::ForOp>(op)) {
        other |= static_cast<bool>(inner);
        inner = nested;
      } else if (!isIndexArithmetic(op)) {
        other = true;
      }
    }
    if (!inner)
      break;
    if (other || !loop.getInitArgs().empty())
      return std::nullopt;
    loop = inner;
  }
  scf::ForOp innermost = product.nest.back();
  if (!innermost.getInitArgs().empty() || product.nest.size() < 2)
    return std::nullopt;
  // The body: C[i] = C[i] + X[j] * Y[l], index arithmetic aside.
  memref::StoreOp store;
  for (Operation &op : innermost.getBody()->without_terminator()) {
    if (auto candidate = dyn_cast<memref::StoreOp>(op)) {
      if (store)
        return std::nullopt;
      store = candidate;
    } else if (!isa<memref::LoadOp, arith::MulFOp, arith::AddFOp>(op) &&
               !isIndexArithmetic(op)) {
      return std::nullopt;
    }
  }
  if (!store)
    return std::nullopt;
  auto add = store.getValueToStore().getDefiningOp<arith::AddFOp>();
  if (!add || !add->hasOneUse())
    return std::nullopt;
  memref::LoadOp cLoad;
  arith::MulFOp mul;
  for (unsigned i = 0; i < 2; ++i) {
    cLoad = add->getOperand(i).getDefiningOp<memref::LoadOp>();
    mul = add->getOperand(1 - i).getDefiningOp<arith::MulFOp>();
    if (cLoad && mul)
      break;
  }
  if (!cLoad || !mul || !cLoad->hasOneUse() || !mul->hasOneUse() ||
      cLoad.getMemRef() != store.getMemRef())
    return std::nullopt;
  auto xLoad = mul.getLhs().getDefiningOp<memref::LoadOp>();
  auto yLoad = mul.getRhs().getDefiningOp<memref::LoadOp>();
  if (!xLoad || !yLoad || !xLoad->hasOneUse() || !yLoad->hasOneUse() ||
      xLoad.getMemRef() == store.getMemRef() ||
      yLoad.getMemRef() == store.getMemRef())
    return std::nullopt;
  auto cOffset =
      flatOffset(store.getMemRef(), store.getIndices(), product.nest);
  auto cLoadOffset =
      flatOffset(cLoad.getMemRef(), cLoad.getIndices(), product.nest);
  auto xOffset =
      flatOffset(xLoad.getMemRef(), xLoad.getIndices(), product.nest);
  auto yOffset =
      flatOffset(yLoad.getMemRef(), yLoad.getIndices(), product.nest);
  if (!cOffset || !cLoadOffset || !xOffset || !yOffset ||
      !(*cOffset == *cLoadOffset))
    return std::nullopt;

  // Each loop: batch (in C, X and Y), reduction (X and Y), or rows of X or
  // of Y (C and one of them).
  scf::ForOp xRows, yRows;
  bool pastBatch = false;
  for (scf::ForOp nested : product.nest) {
    Value iv = nested.getInductionVar();
    bool inC = cOffset->coefficient(iv) != 0;
    bool inX = xOffset->coefficient(iv) != 0;
    bool inY = yOffset->coefficient(iv) != 0;
    if (inC && inX && inY) {
      if (pastBatch)
        return std::nullopt;
      ++product.batchLoops;
      continue;
    }
    pastBatch = true;
    scf::ForOp *slot = nullptr;
    if (!inC && inX && inY)
      slot = &product.k;
    else if (inC && inX && !inY)
      slot = &xRows;
    else if (inC && !inX && inY)
      slot = &yRows;
    if (!slot || *slot)
      return std::nullopt;
    *slot = nested;
  }
  if (!product.k)
    return std::nullopt;
  // The unit's inner loop walks N: the rows of Y (or of X when Y has
  // none), so that consecutive iterations write other elements of C.
  bool swap = !yRows && xRows;
  product.m = swap ? yRows : xRows;
  product.n = swap ? xRows : yRows;
  product.a = {swap ? yLoad.getMemRef() : xLoad.getMemRef(),
               swap ? *yOffset : *xOffset};
  product.bLoad = swap ? xLoad : yLoad;
  product.b = {swap ? xLoad.getMemRef() : yLoad.getMemRef(),
               swap ? *xOffset : *yOffset};
  product.c = {store.getMemRef(), *cOffset};
  for (auto [loop, max] : {std::make_pair(product.m, &product.maxM),
                           std::make_pair(product.n, &product.maxN),
                           std::make_pair(product.k, &product.maxK)}) {
    if (!loop)
      continue;
    auto trips = tripBound(loop, product.nest);
    if (!trips)
      return std::nullopt;
    *max = *trips;
  }
  for (unsigned i = 0; i < product.batchLoops; ++i)
    if (!tripBound(product.nest[i], product.nest) &&
        !product.nest[i]->hasAttr(kHLSMaxTripCountAttr))
      return std::nullopt;
  return product;
}

/// Materializes `linear` (over values available at the builder) as an
/// index.
Value materialize(OpBuilder &b, Location loc, const Linear &linear) {
  Value sum = arith::ConstantIndexOp::create(b, loc, linear.constant);
  for (auto [value, coefficient] : linear.terms) {
    Value term = value;
    if (coefficient != 1)
      term = arith::MulIOp::create(
          b, loc, value, arith::ConstantIndexOp::create(b, loc, coefficient));
    sum = arith::AddIOp::create(b, loc, sum, term);
  }
  return sum;
}

/// The coefficient of `loop`'s induction variable in `linear` (0 without
/// the loop).
int64_t strideOf(const Linear &linear, scf::ForOp loop) {
  return loop ? linear.coefficient(loop.getInductionVar()) : 0;
}

/// The part of `linear` that does not depend on the loops of the product
/// (its M, N and K loops).
Linear outerPart(const Linear &linear, const Product &product) {
  Linear result = linear;
  for (scf::ForOp loop : {product.m, product.n, product.k})
    if (loop)
      result.terms.erase(loop.getInductionVar());
  return result;
}

/// The number of elements of a static memref.
int64_t numElements(Value memref) {
  return cast<MemRefType>(memref.getType()).getNumElements();
}

/// Builds the unit: for m < M, k < K: a = A[aOff + m aM + k aK]; for n < N
/// (pipelined; its iterations write other elements of C):
/// C[cOff + m cM + n cN] += a * B[bOff + k bK + n bN].
func::FuncOp buildUnit(ModuleOp module, StringRef name, int64_t sizeA,
                       int64_t sizeB, int64_t sizeC, int64_t maxM, int64_t maxN,
                       int64_t maxK) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  Type f32 = b.getF32Type(), index = b.getIndexType();
  SmallVector<Type> inputs = {MemRefType::get({sizeA}, f32),
                              MemRefType::get({sizeB}, f32),
                              MemRefType::get({sizeC}, f32)};
  inputs.append(12, index);
  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(inputs, TypeRange{}));
  func.setPrivate();
  func->setAttr(kHLSSharedUnitAttr, b.getUnitAttr());
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto args = body->getArguments();
  Value a = args[0], bArray = args[1], c = args[2];
  Value sizeM = args[3], sizeN = args[4], sizeK = args[5];
  Value aOff = args[6], aM = args[7], aK = args[8];
  Value bOff = args[9], bK = args[10], bN = args[11];
  Value cOff = args[12], cM = args[13], cN = args[14];
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto madd = [&](OpBuilder &nb, Value base, Value x, Value stride) {
    return arith::AddIOp::create(nb, loc, base,
                                 arith::MulIOp::create(nb, loc, x, stride))
        .getResult();
  };
  auto mLoop = scf::ForOp::create(b, loc, zero, sizeM, one);
  mLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxM));
  b.setInsertionPointToStart(mLoop.getBody());
  Value m = mLoop.getInductionVar();
  Value aRow = madd(b, aOff, m, aM);
  Value cRow = madd(b, cOff, m, cM);
  auto kLoop = scf::ForOp::create(b, loc, zero, sizeK, one);
  kLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxK));
  b.setInsertionPointToStart(kLoop.getBody());
  Value k = kLoop.getInductionVar();
  Value aValue = memref::LoadOp::create(b, loc, a, madd(b, aRow, k, aK));
  Value bRow = madd(b, bOff, k, bK);
  auto nLoop = scf::ForOp::create(b, loc, zero, sizeN, one);
  nLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxN));
  nLoop->setAttr(kHLSIndependentAttr, b.getUnitAttr());
  b.setInsertionPointToStart(nLoop.getBody());
  Value n = nLoop.getInductionVar();
  Value cIndex = madd(b, cRow, n, cN);
  Value bValue = memref::LoadOp::create(b, loc, bArray, madd(b, bRow, n, bN));
  Value cValue = memref::LoadOp::create(b, loc, c, cIndex);
  Value sum = arith::AddFOp::create(
      b, loc, cValue, arith::MulFOp::create(b, loc, aValue, bValue));
  memref::StoreOp::create(b, loc, sum, c, cIndex);
  b.setInsertionPointToEnd(body);
  func::ReturnOp::create(b, loc);
  return func;
}

/// Builds the unit of `lanes` constant lanes: for m < M, k < K: a =
/// A[aOff + m aM + k aK]; for n0 < NB (pipelined; its iterations write other
/// elements of C), for each lane j < P:
/// C[(cOff + m cM + n0) P + j] += a * B[(bOff + k bK + n0) P + j].
func::FuncOp buildLaneUnit(ModuleOp module, StringRef name, int64_t sizeA,
                           int64_t sizeB, int64_t sizeC, int64_t maxM,
                           int64_t maxN, int64_t maxK, int64_t lanes) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  Type f32 = b.getF32Type(), index = b.getIndexType();
  SmallVector<Type> inputs = {MemRefType::get({sizeA}, f32),
                              MemRefType::get({sizeB}, f32),
                              MemRefType::get({sizeC}, f32)};
  inputs.append(10, index);
  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(inputs, TypeRange{}));
  func.setPrivate();
  func->setAttr(kHLSSharedUnitAttr, b.getUnitAttr());
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto args = body->getArguments();
  Value a = args[0], bArray = args[1], c = args[2];
  Value sizeM = args[3], groups = args[4], sizeK = args[5];
  Value aOff = args[6], aM = args[7], aK = args[8];
  Value bOff = args[9], bK = args[10], cOff = args[11], cM = args[12];
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value width = arith::ConstantIndexOp::create(b, loc, lanes);
  auto madd = [&](OpBuilder &nb, Value base, Value x, Value stride) {
    return arith::AddIOp::create(nb, loc, base,
                                 arith::MulIOp::create(nb, loc, x, stride))
        .getResult();
  };
  auto mLoop = scf::ForOp::create(b, loc, zero, sizeM, one);
  mLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxM));
  b.setInsertionPointToStart(mLoop.getBody());
  Value m = mLoop.getInductionVar();
  Value aRow = madd(b, aOff, m, aM);
  Value cRow = madd(b, cOff, m, cM);
  auto kLoop = scf::ForOp::create(b, loc, zero, sizeK, one);
  kLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxK));
  b.setInsertionPointToStart(kLoop.getBody());
  Value k = kLoop.getInductionVar();
  Value aValue = memref::LoadOp::create(b, loc, a, madd(b, aRow, k, aK));
  Value bRow = madd(b, bOff, k, bK);
  auto nLoop = scf::ForOp::create(b, loc, zero, groups, one);
  nLoop->setAttr(kHLSMaxTripCountAttr, b.getI64IntegerAttr(maxN / lanes));
  nLoop->setAttr(kHLSIndependentAttr, b.getUnitAttr());
  b.setInsertionPointToStart(nLoop.getBody());
  Value n0 = nLoop.getInductionVar();
  // The group's first elements: multiples of P, so that lane j's index is
  // j modulo P.
  Value cBase = arith::MulIOp::create(
      b, loc, arith::AddIOp::create(b, loc, cRow, n0), width);
  Value bBase = arith::MulIOp::create(
      b, loc, arith::AddIOp::create(b, loc, bRow, n0), width);
  for (int64_t lane = 0; lane < lanes; ++lane) {
    Value offset = arith::ConstantIndexOp::create(b, loc, lane);
    Value cIndex = arith::AddIOp::create(b, loc, cBase, offset);
    Value bIndex = arith::AddIOp::create(b, loc, bBase, offset);
    Value bValue = memref::LoadOp::create(b, loc, bArray, bIndex);
    Value cValue = memref::LoadOp::create(b, loc, c, cIndex);
    Value sum = arith::AddFOp::create(
        b, loc, cValue, arith::MulFOp::create(b, loc, aValue, bValue));
    memref::StoreOp::create(b, loc, sum, c, cIndex);
  }
  b.setInsertionPointToEnd(body);
  func::ReturnOp::create(b, loc);
  return func;
}

/// Whether every coefficient and the constant of `linear` are multiples of
/// `lanes`.
bool isMultipleOf(const Linear &linear, int64_t lanes) {
  return linear.constant % lanes == 0 &&
         llvm::all_of(linear.terms, [&](const auto &term) {
           return term.second % lanes == 0;
         });
}

/// Whether `product` fits a unit of `lanes` constant lanes over N: N a
/// constant multiple of P, contiguous in B and C, and every other offset
/// and stride of B and C a multiple of P.
bool fitsLanes(const Product &product, int64_t lanes) {
  if (lanes <= 1)
    return true;
  APInt upper;
  scf::ForOp n = product.n;
  if (!n || !matchPattern(n.getUpperBound(), m_ConstantInt(&upper)) ||
      upper.getSExtValue() % lanes != 0)
    return false;
  if (strideOf(product.b.offset, product.n) != 1 ||
      strideOf(product.c.offset, product.n) != 1)
    return false;
  return strideOf(product.b.offset, product.k) % lanes == 0 &&
         strideOf(product.c.offset, product.m) % lanes == 0 &&
         isMultipleOf(outerPart(product.b.offset, product), lanes) &&
         isMultipleOf(outerPart(product.c.offset, product), lanes);
}

/// `linear` divided by `lanes` (every coefficient a multiple of it).
Linear dividedBy(Linear linear, int64_t lanes) {
  for (auto &term : linear.terms)
    term.second /= lanes;
  linear.constant /= lanes;
  return linear;
}

/// The constant upper bound of `loop`, or 0.
int64_t constantBound(scf::ForOp loop) {
  APInt upper;
  if (!loop || !matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)))
    return 0;
  return upper.getSExtValue();
}

/// Whether a unit of `lanes` lanes can take `product` once its B, a weight
/// port whose N is strided (stored (out, in)), is copied to an on-chip
/// [K][N] buffer: K and N constant, B's offset a constant, B an argument of
/// a public function (a port of the top function).
bool needsTransposedB(const Product &product, int64_t lanes) {
  if (lanes <= 1 || !product.n || !product.k ||
      strideOf(product.b.offset, product.n) == 1 ||
      constantBound(product.n) % lanes != 0 || !constantBound(product.k) ||
      !outerPart(product.b.offset, product).terms.empty())
    return false;
  auto arg = dyn_cast<BlockArgument>(product.b.memref);
  auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
  if (!func || !func.isPublic() || arg.getOwner() != &func.getBody().front())
    return false;
  // The rest as the lanes need it, with B as [K][N].
  Product transposed = product;
  transposed.b.offset = Linear();
  transposed.b.offset.terms[transposed.k.getInductionVar()] =
      constantBound(product.n);
  transposed.b.offset.terms[transposed.n.getInductionVar()] = 1;
  return fitsLanes(transposed, lanes);
}

/// `value` at the builder, the ops of `root` it is computed by cloned
/// (with `mapping`'s values for the loops' induction variables).
Value cloneIndex(OpBuilder &b, Value value, IRMapping &mapping,
                 Operation *root) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  Operation *def = value.getDefiningOp();
  if (!def || !root->isProperAncestor(def))
    return value;
  for (Value operand : def->getOperands())
    cloneIndex(b, operand, mapping, root);
  return b.clone(*def, mapping)
      ->getResult(cast<OpResult>(value).getResultNumber());
}

/// Copies `product`'s B into `buffer` as [K][N] (row k, column n) before
/// its nest, and makes the product read it.
void transposeB(Product &product, Value buffer) {
  Operation *root = product.nest.front();
  OpBuilder b(root);
  Location loc = root->getLoc();
  int64_t sizeN = constantBound(product.n), sizeK = constantBound(product.k);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto kLoop = scf::ForOp::create(
      b, loc, zero, arith::ConstantIndexOp::create(b, loc, sizeK), one);
  b.setInsertionPointToStart(kLoop.getBody());
  auto nLoop = scf::ForOp::create(
      b, loc, zero, arith::ConstantIndexOp::create(b, loc, sizeN), one);
  b.setInsertionPointToStart(nLoop.getBody());
  IRMapping mapping;
  mapping.map(product.k.getInductionVar(), kLoop.getInductionVar());
  mapping.map(product.n.getInductionVar(), nLoop.getInductionVar());
  // B depends on neither the M loop nor other loops of the nest.
  for (scf::ForOp loop : product.nest)
    if (loop != product.k && loop != product.n)
      mapping.map(loop.getInductionVar(), zero);
  SmallVector<Value> indices;
  for (Value index : product.bLoad.getIndices())
    indices.push_back(cloneIndex(b, index, mapping, root));
  Value value =
      memref::LoadOp::create(b, loc, product.b.memref, indices).getResult();
  Value row =
      arith::MulIOp::create(b, loc, kLoop.getInductionVar(),
                            arith::ConstantIndexOp::create(b, loc, sizeN));
  memref::StoreOp::create(
      b, loc, value, buffer,
      ValueRange{arith::AddIOp::create(b, loc, row, nLoop.getInductionVar())});
  product.b.memref = buffer;
  product.b.offset = Linear();
  product.b.offset.terms[product.k.getInductionVar()] = sizeN;
  product.b.offset.terms[product.n.getInductionVar()] = 1;
}

/// The operands of the unit's call for `product`, built at `b`: the
/// flat arrays, the sizes, and the offsets and strides (of B and C in
/// groups of `lanes` elements when there are several lanes).
SmallVector<Value> callOperands(OpBuilder &b, Location loc,
                                const Product &product, FunctionType unitType,
                                int64_t lanes) {
  auto flat = [&](Value memref, Type type) {
    auto flatType = cast<MemRefType>(type);
    return memref::ReinterpretCastOp::create(
               b, loc, flatType, memref, /*offset=*/0,
               ArrayRef<int64_t>{flatType.getDimSize(0)}, ArrayRef<int64_t>{1})
        .getResult();
  };
  auto size = [&](scf::ForOp loop) {
    return loop ? loop.getUpperBound()
                : arith::ConstantIndexOp::create(b, loc, 1).getResult();
  };
  auto stride = [&](const Linear &linear, scf::ForOp loop) {
    return arith::ConstantIndexOp::create(b, loc, strideOf(linear, loop))
        .getResult();
  };
  SmallVector<Value> operands = {flat(product.a.memref, unitType.getInput(0)),
                                 flat(product.b.memref, unitType.getInput(1)),
                                 flat(product.c.memref, unitType.getInput(2))};
  if (lanes > 1) {
    auto grouped = [&](const Linear &linear) {
      return materialize(b, loc, dividedBy(outerPart(linear, product), lanes));
    };
    auto groupStride = [&](const Linear &linear, scf::ForOp loop) {
      return arith::ConstantIndexOp::create(b, loc,
                                            strideOf(linear, loop) / lanes)
          .getResult();
    };
    operands.append(
        {size(product.m),
         arith::ConstantIndexOp::create(b, loc, product.maxN / lanes),
         size(product.k),
         materialize(b, loc, outerPart(product.a.offset, product)),
         stride(product.a.offset, product.m),
         stride(product.a.offset, product.k), grouped(product.b.offset),
         groupStride(product.b.offset, product.k), grouped(product.c.offset),
         groupStride(product.c.offset, product.m)});
    return operands;
  }
  operands.append(
      {size(product.m), size(product.n), size(product.k),
       materialize(b, loc, outerPart(product.a.offset, product)),
       stride(product.a.offset, product.m), stride(product.a.offset, product.k),
       materialize(b, loc, outerPart(product.b.offset, product)),
       stride(product.b.offset, product.k), stride(product.b.offset, product.n),
       materialize(b, loc, outerPart(product.c.offset, product)),
       stride(product.c.offset, product.m),
       stride(product.c.offset, product.n)});
  return operands;
}

struct HLSSharedLinear
    : public m3sat::impl::HLSSharedLinearBase<HLSSharedLinear> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Outermost loops first; a matched nest is not searched again.
    std::vector<Product> products;
    module.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (std::optional<Product> product = matchProduct(loop);
          product &&
          (fitsLanes(*product, lanes) || needsTransposedB(*product, lanes))) {
        products.push_back(std::move(*product));
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    if (products.empty())
      return;

    // Weights stored (out, in) go to the lanes through an on-chip [K][N]
    // copy: one buffer per function, as large as its largest such B.
    DenseMap<Operation *, int64_t> transposedSizes;
    for (const Product &product : products)
      if (!fitsLanes(product, lanes)) {
        int64_t &size = transposedSizes[product.nest.front()
                                            ->getParentOfType<func::FuncOp>()];
        size =
            std::max(size, constantBound(product.n) * constantBound(product.k));
      }
    DenseMap<Operation *, Value> transposedBuffers;
    for (auto [func, size] : transposedSizes) {
      Block &entry = cast<func::FuncOp>(func).getBody().front();
      OpBuilder b(&entry, entry.begin());
      transposedBuffers[func] = memref::AllocOp::create(
          b, func->getLoc(), MemRefType::get({size}, b.getF32Type()));
    }
    for (Product &product : products)
      if (!fitsLanes(product, lanes)) {
        transposeB(product,
                   transposedBuffers.lookup(
                       product.nest.front()->getParentOfType<func::FuncOp>()));
        ++numTransposed;
      }

    // One unit, its arrays as large as the largest passed.
    int64_t sizeA = 1, sizeB = 1, sizeC = 1, maxM = 1, maxN = 1, maxK = 1;
    for (const Product &product : products) {
      sizeA = std::max(sizeA, numElements(product.a.memref));
      sizeB = std::max(sizeB, numElements(product.b.memref));
      sizeC = std::max(sizeC, numElements(product.c.memref));
      maxM = std::max(maxM, product.maxM);
      maxN = std::max(maxN, product.maxN);
      maxK = std::max(maxK, product.maxK);
    }
    SymbolTable symbols(module);
    func::FuncOp unit =
        lanes > 1 ? buildLaneUnit(module, "m3sat_linear", sizeA, sizeB, sizeC,
                                  maxM, maxN, maxK, lanes)
                  : buildUnit(module, "m3sat_linear", sizeA, sizeB, sizeC, maxM,
                              maxN, maxK);
    symbols.insert(unit);
    FunctionType unitType = unit.getFunctionType();

    for (Product &product : products) {
      scf::ForOp first = product.nest[product.batchLoops];
      OpBuilder b(first);
      Location loc = first.getLoc();
      SmallVector<Value> operands =
          callOperands(b, loc, product, unitType, lanes);
      auto call = func::CallOp::create(b, loc, unit, operands);
      call->setAttr(kHLSLinearTripsAttr,
                    HLSLinearTripsAttr::get(b.getContext(), product.maxM,
                                            product.maxN / lanes,
                                            product.maxK));
      first.erase();
      ++numCalls;
    }
  }
};

} // namespace
