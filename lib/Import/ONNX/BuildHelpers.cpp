//===- BuildHelpers.cpp - op-building helpers of the ONNX converters ------===//
//
// Shapes and broadcasting, constants (dense when small, resource blobs
// otherwise), rank-equalizing wrappers around TOSA ops, and elementwise
// linalg.generic ops for the ONNX semantics TOSA does not have (exact
// division, ONNX casts).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "ModelReader.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/STLExtras.h"

#include <cstring>

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

std::string onnx_import::formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(dim);
  return text + "]";
}

int64_t onnx_import::numElements(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

FailureOr<int64_t> onnx_import::normalizeAxis(NodeContext &ctx, int64_t axis,
                                              int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << what << " " << axis
                           << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
onnx_import::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l != r && l != 1 && r != 1)
      return failure();
    result[i] = l == 1 ? r : l;
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

DenseElementsAttr onnx_import::toDenseAttr(RankedTensorType type,
                                           const ConstData &data) {
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    for (double value : data.floats) {
      APFloat converted(value);
      bool lost;
      converted.convert(floatType.getFloatSemantics(),
                        APFloat::rmNearestTiesToEven, &lost);
      values.push_back(converted);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (elementType.isInteger(1)) {
    SmallVector<bool> values;
    for (int64_t value : data.ints)
      values.push_back(value != 0);
    return DenseElementsAttr::get(type, values);
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (int64_t value : data.ints)
    values.push_back(APInt(width, static_cast<uint64_t>(value),
                           /*isSigned=*/true, /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

Value onnx_import::materializeConstData(OpBuilder &b, Location loc,
                                        RankedTensorType type,
                                        const ConstData &data) {
  Type elementType = type.getElementType();
  bool splat = llvm::all_equal(data.ints) && llvm::all_equal(data.floats);
  if (type.getNumElements() <= 16 || elementType.isInteger(1) || splat)
    return arith::ConstantOp::create(b, loc, toDenseAttr(type, data));
  // Larger tensors computed at import time (Range, folded shapes) become
  // resource blobs like the weights.
  int64_t width = elementByteWidth(elementType);
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocate(type.getNumElements() * width, 64, true);
  MutableArrayRef<char> bytes = blob.getMutableData();
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    uint64_t bits;
    if (auto floatType = dyn_cast<FloatType>(elementType)) {
      APFloat value(data.floats[i]);
      bool lost;
      value.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &lost);
      bits = value.bitcastToAPInt().getZExtValue();
    } else {
      bits = static_cast<uint64_t>(data.ints[i]);
    }
    std::memcpy(bytes.data() + i * width, &bits, width);
  }
  return arith::ConstantOp::create(
      b, loc, DenseResourceElementsAttr::get(type, "folded", std::move(blob)));
}

Value onnx_import::createSplat(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> shape, Type elementType,
                               double value) {
  auto type = RankedTensorType::get(shape, elementType);
  Attribute scalar;
  if (isa<FloatType>(elementType))
    scalar = b.getFloatAttr(elementType, value);
  else
    scalar = b.getIntegerAttr(elementType, static_cast<int64_t>(value));
  return arith::ConstantOp::create(b, loc,
                                   SplatElementsAttr::get(type, scalar));
}

Value onnx_import::createZeroPoint(OpBuilder &b, Location loc,
                                   Type elementType) {
  return createSplat(b, loc, {1}, elementType, 0.0);
}

//===----------------------------------------------------------------------===//
// TOSA wrappers
//===----------------------------------------------------------------------===//

Value onnx_import::createConstShape(OpBuilder &b, Location loc,
                                    ArrayRef<int64_t> values) {
  auto attr = DenseIntElementsAttr::get(
      RankedTensorType::get({static_cast<int64_t>(values.size())},
                            b.getIndexType()),
      values);
  return tosa::ConstShapeOp::create(
      b, loc, tosa::shapeType::get(b.getContext(), values.size()), attr);
}

Value onnx_import::createReshape(OpBuilder &b, Location loc, Value value,
                                 ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return tosa::ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      createConstShape(b, loc, shape));
}

Value onnx_import::createTranspose(OpBuilder &b, Location loc, Value value,
                                   ArrayRef<int32_t> perms) {
  auto type = cast<RankedTensorType>(value.getType());
  if (llvm::equal(perms, llvm::seq<int32_t>(0, perms.size())))
    return value;
  SmallVector<int64_t> shape;
  for (int32_t perm : perms)
    shape.push_back(type.getDimSize(perm));
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      b.getDenseI32ArrayAttr(perms));
}

Value onnx_import::expandToRank(OpBuilder &b, Location loc, Value value,
                                int64_t rank) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() >= rank)
    return value;
  SmallVector<int64_t> shape(rank - type.getRank(), 1);
  llvm::append_range(shape, type.getShape());
  return createReshape(b, loc, value, shape);
}

Value onnx_import::createBroadcast(OpBuilder &b, Location loc, Value value,
                                   ArrayRef<int64_t> shape) {
  value = expandToRank(b, loc, value, shape.size());
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  SmallVector<int64_t> multiples;
  for (auto [in, out] : llvm::zip(type.getShape(), shape))
    multiples.push_back(in == out ? 1 : out);
  return tosa::TileOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      createConstShape(b, loc, multiples));
}

Value onnx_import::createMul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = std::max(lhsType.getRank(), rhsType.getRank());
  SmallVector<int64_t> shape =
      *broadcastShapes(lhsType.getShape(), rhsType.getShape());
  Value shift = createSplat(b, loc, {1}, b.getIntegerType(8), 0.0);
  return tosa::MulOp::create(
      b, loc, RankedTensorType::get(shape, lhsType.getElementType()),
      expandToRank(b, loc, lhs, rank), expandToRank(b, loc, rhs, rank), shift);
}

Value onnx_import::createConstantPad(OpBuilder &b, Location loc, Value value,
                                     ArrayRef<int64_t> low,
                                     ArrayRef<int64_t> high, Value padValue) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> lowSizes, highSizes;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    dim += low[i] + high[i];
    lowSizes.push_back(b.getIndexAttr(low[i]));
    highSizes.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      lowSizes, highSizes, padValue);
}

Value onnx_import::createReduceSum(OpBuilder &b, Location loc, Value value,
                                   ArrayRef<int64_t> axes) {
  for (int64_t axis : axes) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = 1;
    value = tosa::ReduceSumOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), value,
        b.getI32IntegerAttr(axis));
  }
  return value;
}

//===----------------------------------------------------------------------===//
// linalg.generic elementwise ops
//===----------------------------------------------------------------------===//

Value onnx_import::createElementwiseGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, Type resultElementType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<int64_t> shape;
  for (Value input : inputs)
    shape = *broadcastShapes(
        shape, cast<RankedTensorType>(input.getType()).getShape());
  int64_t rank = shape.size();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i)
      exprs.push_back(type.getDimSize(i) == 1 && shape[offset + i] != 1
                          ? b.getAffineConstantExpr(0)
                          : b.getAffineDimExpr(offset + i));
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, shape, resultElementType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

/// One scalar converted with ONNX Cast semantics.
static Value castScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (to.isInteger(1)) {
    if (fromFloat)
      return arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::UNE, value,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0.0)));
    return arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne, value,
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
  }
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? arith::ExtFOp::create(b, loc, to, value).getResult()
               : arith::TruncFOp::create(b, loc, to, value).getResult();
  if (fromFloat)
    return arith::FPToSIOp::create(b, loc, to, value);
  if (toFloat)
    return from.isInteger(1)
               ? arith::UIToFPOp::create(b, loc, to, value).getResult()
               : arith::SIToFPOp::create(b, loc, to, value).getResult();
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, value);
  if (fromWidth == 1)
    return arith::ExtUIOp::create(b, loc, to, value);
  return arith::ExtSIOp::create(b, loc, to, value);
}

Value onnx_import::createCast(OpBuilder &b, Location loc, Value value,
                              Type elementType) {
  if (cast<RankedTensorType>(value.getType()).getElementType() == elementType)
    return value;
  return createElementwiseGeneric(
      b, loc, value, elementType,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return castScalar(nested, nestedLoc, args[0], elementType);
      });
}

Value onnx_import::createDiv(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  Type elementType = cast<RankedTensorType>(lhs.getType()).getElementType();
  if (elementType.isInteger(32) || elementType.isInteger(64))
    return createBinary<tosa::IntDivOp>(b, loc, elementType, lhs, rhs);
  return createElementwiseGeneric(
      b, loc, {lhs, rhs}, elementType,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
        if (isa<FloatType>(elementType))
          return arith::DivFOp::create(nested, nestedLoc, args[0], args[1]);
        return arith::DivSIOp::create(nested, nestedLoc, args[0], args[1]);
      });
}
