//===- ExpertSelection.cpp - restricting MoE layers to some experts -------===//

#include "m3sat/Transforms/ExpertSelection.h"

#include "M3SAT/M3SATOps.h"

#include "m3sat/Support/Diagnostics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace m3sat;

std::string m3sat::moeLayerName(Operation *op, unsigned index) {
  std::string name = getNodeName(op->getLoc());
  return name.empty() ? "moe" + std::to_string(index) : name;
}

SmallVector<OpOperand *> m3sat::perExpertOperands(Operation *op) {
  SmallVector<OpOperand *> operands;
  if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
    operands = {&ffn.getFc1WeightsMutable(), &ffn.getFc2WeightsMutable()};
    for (MutableOperandRange bias :
         {ffn.getFc1BiasMutable(), ffn.getFc2BiasMutable()})
      if (!bias.empty())
        operands.push_back(&bias[0]);
  } else if (auto attention = dyn_cast<MoEAttentionOp>(op)) {
    operands = {&attention.getWqMutable(), &attention.getWoMutable()};
  }
  return operands;
}

FailureOr<ArrayRef<char>> m3sat::constantBytes(ElementsAttr value,
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

Value m3sat::gatherExperts(OpBuilder &builder, Location loc, Value perExpert,
                           ArrayRef<int64_t> experts, int64_t dim) {
  auto type = cast<RankedTensorType>(perExpert.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = experts.size();
  auto resultType = RankedTensorType::get(shape, type.getElementType());

  ElementsAttr constant;
  SmallVector<char> storage;
  if (dim == 0 && matchPattern(perExpert, m_Constant(&constant))) {
    FailureOr<ArrayRef<char>> bytes = constantBytes(constant, storage);
    if (succeeded(bytes)) {
      size_t sliceBytes = bytes->size() / type.getDimSize(0);
      SmallVector<char> kept;
      for (int64_t e : experts)
        kept.append(bytes->begin() + e * sliceBytes,
                    bytes->begin() + (e + 1) * sliceBytes);
      Attribute attr;
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant)) {
        std::string name = resource.getRawHandle().getKey().str() + "_experts";
        attr = DenseResourceElementsAttr::get(
            resultType, name,
            HeapAsmResourceBlob::allocateAndCopyWithAlign(kept, 64));
      } else {
        attr = DenseElementsAttr::getFromRawBuffer(resultType, kept);
      }
      return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(attr));
    }
  }
  // Quantized weights: select the experts of the codes, scales and zero
  // points, so that only the kept experts' bytes remain.
  if (auto dequantize = perExpert.getDefiningOp<DequantizeOp>();
      dequantize && dim == 0) {
    Value zeros = dequantize.getZeroPoints();
    if (zeros)
      zeros = gatherExperts(builder, loc, zeros, experts, 0);
    return DequantizeOp::create(
        builder, loc, resultType,
        gatherExperts(builder, loc, dequantize.getPacked(), experts, 0),
        gatherExperts(builder, loc, dequantize.getScales(), experts, 0), zeros,
        dequantize.getBitsAttr(), dequantize.getBlockSizeAttr());
  }
  // Not a constant: slice out each kept expert and concatenate.
  SmallVector<Value> slices;
  for (int64_t e : experts) {
    SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
    offsets[dim] = builder.getIndexAttr(e);
    SmallVector<OpFoldResult> sizes,
        strides(type.getRank(), builder.getIndexAttr(1));
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(builder.getIndexAttr(d == dim ? 1 : type.getDimSize(d)));
    slices.push_back(tensor::ExtractSliceOp::create(builder, loc, perExpert,
                                                    offsets, sizes, strides));
  }
  if (slices.size() == 1)
    return slices.front();
  return tensor::ConcatOp::create(builder, loc, dim, slices);
}
