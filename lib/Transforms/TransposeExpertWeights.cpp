//===- TransposeExpertWeights.cpp - routed expert weights as (in, out) ----===//
//
// Implements m3sat-transpose-expert-weights: the constant weights of an
// m3sat.moe_ffn (routed, or a static expert set) become a constant in the
// (in, out) layout and a linalg.transpose of it, which the lowerings read
// through: the row-gather form's grouped GEMM, and the per-expert products
// (expertLinear), whose matrix products then read their weights row by
// row along the output (SGEMM "NN", faster than "NT" for the few rows of
// one expert).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/ExpertSelection.h"
#include "m3sat/Transforms/Passes.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

namespace m3sat {
#define GEN_PASS_DEF_TRANSPOSEEXPERTWEIGHTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// `constant` [E, N, K] as an attribute [E, K, N], or null if its bytes
/// are not plain.
TypedAttr transposedAttr(ElementsAttr constant) {
  auto type = cast<RankedTensorType>(constant.getType());
  SmallVector<char> storage;
  FailureOr<ArrayRef<char>> bytes = constantBytes(constant, storage);
  if (failed(bytes))
    return {};
  int64_t numExperts = type.getDimSize(0), n = type.getDimSize(1),
          k = type.getDimSize(2);
  size_t elementBytes = type.getElementTypeBitWidth() / 8;
  SmallVector<char> transposed(bytes->size());
  for (int64_t e = 0; e < numExperts; ++e)
    for (int64_t row = 0; row < n; ++row)
      for (int64_t col = 0; col < k; ++col)
        std::memcpy(transposed.data() +
                        ((e * k + col) * n + row) * elementBytes,
                    bytes->data() + ((e * n + row) * k + col) * elementBytes,
                    elementBytes);
  auto resultType =
      RankedTensorType::get({numExperts, k, n}, type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant))
    return DenseResourceElementsAttr::get(
        resultType, resource.getRawHandle().getKey().str() + "_in_out",
        HeapAsmResourceBlob::allocateAndCopyWithAlign(transposed, 64));
  return DenseElementsAttr::getFromRawBuffer(resultType, transposed);
}

struct TransposeExpertWeightsPass
    : m3sat::impl::TransposeExpertWeightsBase<TransposeExpertWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    // One transposed attribute per value, for every function of the module;
    // one constant op per constant op, however many layers share it.
    llvm::DenseMap<Attribute, TypedAttr> transposedAttrs;
    llvm::DenseMap<Operation *, Value> transposedOf;
    SmallVector<Operation *> replaced;
    OpBuilder builder(&getContext());
    getOperation().walk([&](MoEFFNOp op) {
      for (OpOperand *operand :
           {&op.getFc1WeightsMutable(), &op.getFc2WeightsMutable()}) {
        Operation *definer = operand->get().getDefiningOp();
        ElementsAttr constant;
        auto type = dyn_cast<RankedTensorType>(operand->get().getType());
        if (!definer || !type || type.getRank() != 3 ||
            !type.hasStaticShape() ||
            !matchPattern(operand->get(), m_Constant(&constant)))
          continue;
        Value &transposed = transposedOf[definer];
        if (!transposed) {
          TypedAttr &attr = transposedAttrs[constant];
          if (!attr)
            attr = transposedAttr(constant);
          if (!attr)
            continue;
          builder.setInsertionPointAfter(definer);
          transposed =
              arith::ConstantOp::create(builder, definer->getLoc(), attr);
          replaced.push_back(definer);
        }
        builder.setInsertionPoint(op);
        Value init = tensor::EmptyOp::create(
            builder, op.getLoc(), type.getShape(), type.getElementType());
        auto transpose = linalg::TransposeOp::create(
            builder, op.getLoc(), transposed, init, ArrayRef<int64_t>{0, 2, 1});
        operand->set(transpose->getResult(0));
        ++numTransposed;
      }
    });
    for (Operation *definer : replaced)
      if (definer->use_empty())
        definer->erase();
  }
};

} // namespace
