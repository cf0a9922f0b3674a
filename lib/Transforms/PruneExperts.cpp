//===- PruneExperts.cpp - exact pruning of unused experts -----------------===//
//
// Implements m3sat-prune-experts: MoE layers with a static expert set keep
// only their kept experts' weights.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

namespace m3sat {
#define GEN_PASS_DEF_PRUNEEXPERTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// The bytes of a constant's elements in row-major order, or failure for
/// attributes whose bytes are not plain (e.g. i1).
FailureOr<ArrayRef<char>> rawBytes(ElementsAttr value,
                                   SmallVectorImpl<char> &storage) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getElementTypeBitWidth() % 8 != 0)
    return failure();
  size_t elementBytes = type.getElementTypeBitWidth() / 8;
  size_t total = elementBytes * type.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != total)
      return failure();
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return failure();
  if (!dense.isSplat())
    return dense.getRawData();
  storage.resize(total);
  for (size_t i = 0; i < total; i += elementBytes)
    std::memcpy(storage.data() + i, dense.getRawData().data(), elementBytes);
  return ArrayRef<char>(storage);
}

/// `perExpert` [E, ...] restricted to `experts`, in that order: [n, ...].
Value gatherExperts(OpBuilder &builder, Location loc, Value perExpert,
                    ArrayRef<int64_t> experts) {
  auto type = cast<RankedTensorType>(perExpert.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = experts.size();
  auto resultType = RankedTensorType::get(shape, type.getElementType());

  ElementsAttr constant;
  SmallVector<char> storage;
  if (matchPattern(perExpert, m_Constant(&constant))) {
    FailureOr<ArrayRef<char>> bytes = rawBytes(constant, storage);
    if (succeeded(bytes)) {
      size_t sliceBytes = bytes->size() / type.getDimSize(0);
      SmallVector<char> kept;
      for (int64_t e : experts)
        kept.append(bytes->begin() + e * sliceBytes,
                    bytes->begin() + (e + 1) * sliceBytes);
      Attribute attr;
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant)) {
        std::string name =
            resource.getRawHandle().getKey().str() + "_experts";
        attr = DenseResourceElementsAttr::get(
            resultType, name,
            HeapAsmResourceBlob::allocateAndCopyWithAlign(kept, 64));
      } else {
        attr = DenseElementsAttr::getFromRawBuffer(resultType, kept);
      }
      return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(attr));
    }
  }
  // Not a constant: slice out each kept expert and concatenate.
  SmallVector<Value> slices;
  for (int64_t e : experts) {
    SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
    offsets[0] = builder.getIndexAttr(e);
    SmallVector<OpFoldResult> sizes, strides(type.getRank(),
                                             builder.getIndexAttr(1));
    sizes.push_back(builder.getIndexAttr(1));
    for (int64_t d = 1; d < type.getRank(); ++d)
      sizes.push_back(builder.getIndexAttr(type.getDimSize(d)));
    slices.push_back(tensor::ExtractSliceOp::create(builder, loc, perExpert,
                                                    offsets, sizes, strides));
  }
  if (slices.size() == 1)
    return slices.front();
  return tensor::ConcatOp::create(builder, loc, /*dim=*/0, slices);
}

struct PruneExpertsPass : m3sat::impl::PruneExpertsBase<PruneExpertsPass> {
  void runOnOperation() override {
    getOperation().walk([&](Operation *op) {
      if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
        SmallVector<OpOperand *> perExpert = {&ffn.getFc1WeightsMutable(),
                                              &ffn.getFc2WeightsMutable()};
        for (MutableOperandRange bias :
             {ffn.getFc1BiasMutable(), ffn.getFc2BiasMutable()})
          if (!bias.empty())
            perExpert.push_back(&bias[0]);
        prune(ffn, perExpert);
      } else if (auto attention = dyn_cast<MoEAttentionOp>(op)) {
        prune(attention,
              {&attention.getWqMutable(), &attention.getWoMutable()});
      }
    });
  }

  template <typename MoEOp>
  void prune(MoEOp op, ArrayRef<OpOperand *> perExpert) {
    ExpertSetAttr set = op.getStaticExpertsAttr();
    if (!set || !llvm::all_of(perExpert, [](OpOperand *operand) {
          return cast<RankedTensorType>(operand->get().getType())
              .hasStaticShape();
        }))
      return;
    ArrayRef<int64_t> experts = set.getExperts();
    int64_t numExperts = op.getNumExperts();
    SmallVector<int64_t> renumbered;
    for (int64_t i = 0; i < static_cast<int64_t>(experts.size()); ++i)
      renumbered.push_back(i);
    if (experts == ArrayRef<int64_t>(renumbered) &&
        numExperts == static_cast<int64_t>(experts.size()))
      return;

    OpBuilder builder(op);
    for (OpOperand *operand : perExpert)
      operand->set(
          gatherExperts(builder, op.getLoc(), operand->get(), experts));
    if (!op->hasAttr("m3sat.source_experts")) {
      op->setAttr("m3sat.source_experts",
                  builder.getDenseI64ArrayAttr(experts));
      op->setAttr("m3sat.source_num_experts",
                  builder.getI64IntegerAttr(numExperts));
    }
    op.setStaticExpertsAttr(ExpertSetAttr::get(
        op.getContext(), renumbered, set.getWeights().asArrayRef()));
    numPruned += numExperts - static_cast<int64_t>(experts.size());
  }
};

} // namespace
