//===- HLSLutGelu.cpp - m3sat-hls-lut-gelu --------------------------------===//
//
// GELU as the FPGA accelerators compute it: a table of GELU over a clamped
// range, linearly interpolated, instead of erf.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>

namespace m3sat {
#define GEN_PASS_DEF_HLSLUTGELU
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// Whether `value` is an f32 constant within 1e-6 of `expected`.
bool isConstant(Value value, double expected) {
  FloatAttr attr;
  return matchPattern(value, m_Constant(&attr)) &&
         std::abs(attr.getValueAsDouble() - expected) < 1e-6;
}

/// The operand of binary `op` other than `one`, or null when neither
/// operand satisfies `isOne`.
Value otherOperand(Operation *op, function_ref<bool(Value)> isOne) {
  if (isOne(op->getOperand(0)))
    return op->getOperand(1);
  if (isOne(op->getOperand(1)))
    return op->getOperand(0);
  return Value();
}

/// The single user of `value` if it is an `OpTy`, else null.
template <typename OpTy> OpTy soleUser(Value value) {
  if (!value.hasOneUse())
    return OpTy();
  return dyn_cast<OpTy>(*value.getUsers().begin());
}

/// The GELU that `erf` computes, 0.5 x (1 + erf(x / sqrt 2)), in either form
/// the importer and the MoE lowering produce: ((x / sqrt 2) -> erf -> + 1
/// -> * x -> * 0.5) or ((x * 1/sqrt 2) -> erf -> + 1, times x * 0.5).
/// Returns x and the op whose result is the GELU, or nulls.
std::pair<Value, Operation *> matchGelu(math::ErfOp erf) {
  Value scaled = erf.getOperand();
  Value x;
  if (auto div = scaled.getDefiningOp<arith::DivFOp>()) {
    if (isConstant(div.getRhs(), std::sqrt(2.0)))
      x = div.getLhs();
  } else if (auto mul = scaled.getDefiningOp<arith::MulFOp>()) {
    x = otherOperand(mul, [](Value v) { return isConstant(v, M_SQRT1_2); });
  }
  if (!x || !x.getType().isF32())
    return {};
  auto plusOne = soleUser<arith::AddFOp>(erf.getResult());
  if (!plusOne ||
      !otherOperand(plusOne, [](Value v) { return isConstant(v, 1.0); }))
    return {};
  auto times = soleUser<arith::MulFOp>(plusOne.getResult());
  if (!times)
    return {};
  Value factor =
      otherOperand(times, [&](Value v) { return v == plusOne.getResult(); });
  if (factor == x) {
    auto half = soleUser<arith::MulFOp>(times.getResult());
    if (half &&
        otherOperand(half, [&](Value v) { return v == times.getResult(); }) &&
        isConstant(
            otherOperand(half, [&](Value v) { return v == times.getResult(); }),
            0.5))
      return {x, half};
    return {};
  }
  auto halfX = factor ? factor.getDefiningOp<arith::MulFOp>() : nullptr;
  if (halfX && otherOperand(halfX, [&](Value v) { return v == x; }) &&
      isConstant(otherOperand(halfX, [&](Value v) { return v == x; }), 0.5))
    return {x, times};
  return {};
}

struct HLSLutGelu : public m3sat::impl::HLSLutGeluBase<HLSLutGelu> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (range <= 0 || intervals < 2) {
      module.emitError("m3sat-hls-lut-gelu: range must be positive and "
                       "intervals at least 2");
      return signalPassFailure();
    }
    SmallVector<std::pair<Value, Operation *>> sites;
    module.walk([&](math::ErfOp erf) {
      auto site = matchGelu(erf);
      if (site.first)
        sites.push_back(site);
    });
    if (sites.empty())
      return;

    // The table: GELU at intervals + 1 points evenly over [-range, range].
    SymbolTable symbols(module);
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    Location loc = module.getLoc();
    SmallVector<float> values;
    for (int64_t i = 0; i <= intervals; ++i) {
      double t = -range + 2.0 * range * i / intervals;
      values.push_back(
          static_cast<float>(0.5 * t * (1.0 + std::erf(t * M_SQRT1_2))));
    }
    auto tableType = MemRefType::get({intervals + 1}, builder.getF32Type());
    auto table = memref::GlobalOp::create(
        builder, loc, "m3sat_gelu_table", builder.getStringAttr("private"),
        tableType,
        DenseElementsAttr::get(
            RankedTensorType::get({intervals + 1}, builder.getF32Type()),
            ArrayRef<float>(values)),
        /*constant=*/true, /*alignment=*/IntegerAttr());
    symbols.insert(table);

    for (auto [x, gelu] : sites) {
      OpBuilder b(gelu);
      Location at = gelu->getLoc();
      auto f32 = [&](double v) {
        return arith::ConstantOp::create(b, at, b.getF32FloatAttr(v));
      };
      // u = (clamp(x) + range) * intervals / (2 range), in [0, intervals].
      Value low = f32(-range), high = f32(range);
      Value clamped = arith::MinNumFOp::create(
          b, at, arith::MaxNumFOp::create(b, at, x, low), high);
      Value u = arith::MulFOp::create(
          b, at, arith::AddFOp::create(b, at, clamped, high),
          f32(intervals / (2.0 * range)));
      // i = min(floor(u), intervals - 1); the fraction f = u - i.
      Value whole = arith::FPToSIOp::create(b, at, b.getI32Type(), u);
      Value last = arith::ConstantOp::create(
          b, at, b.getI32IntegerAttr(static_cast<int32_t>(intervals - 1)));
      Value i = arith::MinSIOp::create(b, at, whole, last);
      Value fraction = arith::SubFOp::create(
          b, at, u, arith::SIToFPOp::create(b, at, b.getF32Type(), i));
      Value index = arith::IndexCastOp::create(b, at, b.getIndexType(), i);
      Value next = arith::AddIOp::create(
          b, at, index, arith::ConstantIndexOp::create(b, at, 1));
      Value values =
          memref::GetGlobalOp::create(b, at, tableType, table.getSymName());
      Value left = memref::LoadOp::create(b, at, values, index);
      Value right = memref::LoadOp::create(b, at, values, next);
      Value interpolated = arith::AddFOp::create(
          b, at, left,
          arith::MulFOp::create(b, at, fraction,
                                arith::SubFOp::create(b, at, right, left)));
      // Outside the range: 0 below, x above.
      Value above =
          arith::CmpFOp::create(b, at, arith::CmpFPredicate::OGE, x, high);
      Value below =
          arith::CmpFOp::create(b, at, arith::CmpFPredicate::OLE, x, low);
      Value result = arith::SelectOp::create(
          b, at, above, x,
          arith::SelectOp::create(b, at, below, f32(0.0), interpolated));
      gelu->getResult(0).replaceAllUsesWith(result);
      gelu->erase();
      ++numReplaced;
    }
    // The erf chains are dead now.
    bool erased = true;
    while (erased) {
      SmallVector<Operation *> dead;
      module.walk([&](Operation *op) {
        if (isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) &&
            isOpTriviallyDead(op))
          dead.push_back(op);
      });
      for (Operation *op : dead)
        op->erase();
      erased = !dead.empty();
    }
  }
};

} // namespace
