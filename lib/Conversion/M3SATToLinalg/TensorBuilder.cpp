//===- TensorBuilder.cpp - IR building helpers for the lowering -----------===//
//
// Implements TensorBuilder: linalg.generic contractions and maps, slices and
// filled tensors used by the m3sat lowering patterns.
//
//===----------------------------------------------------------------------===//

#include "TensorBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace m3sat;

static SmallVector<utils::IteratorType>
iterators(unsigned numDims, ArrayRef<unsigned> reductionDims) {
  SmallVector<utils::IteratorType> result(numDims,
                                          utils::IteratorType::parallel);
  for (unsigned d : reductionDims)
    result[d] = utils::IteratorType::reduction;
  return result;
}

static AffineMap dimsMap(MLIRContext *context, unsigned numDims,
                         ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(numDims, 0, exprs, context);
}

Value TensorBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value TensorBuilder::i64(int64_t value) {
  return arith::ConstantIntOp::create(b, b.getI64Type(), value);
}

Value TensorBuilder::floatConst(Type type, double value) {
  return arith::ConstantOp::create(b, type, b.getFloatAttr(type, value));
}

Value TensorBuilder::filled(ArrayRef<int64_t> shape, Type elementType,
                            Value value, ValueRange dynamicSizes) {
  Value empty = tensor::EmptyOp::create(b, shape, elementType, dynamicSizes);
  return linalg::FillOp::create(b, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value TensorBuilder::zeros(ArrayRef<int64_t> shape, Type elementType,
                           ValueRange dynamicSizes) {
  Value zero = isa<FloatType>(elementType)
                   ? floatConst(elementType, 0.0)
                   : arith::ConstantOp::create(b, elementType,
                                               b.getIntegerAttr(elementType, 0))
                         .getResult();
  return filled(shape, elementType, zero, dynamicSizes);
}

Value TensorBuilder::sliceFirst(Value source, OpFoldResult index) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[0] = index;
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d = 1; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  return tensor::ExtractSliceOp::create(b, resultType, source, offsets, sizes,
                                        strides);
}

Value TensorBuilder::sliceRows(Value source, OpFoldResult offset,
                               OpFoldResult size) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets = {offset, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {size, b.getIndexAttr(type.getDimSize(1))};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, source, offsets, sizes, strides);
}

Value TensorBuilder::insertRows(Value rows, Value dest, OpFoldResult offset) {
  auto type = cast<RankedTensorType>(rows.getType());
  SmallVector<OpFoldResult> offsets = {offset, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {
      tensor::getMixedSize(b, b.getLoc(), rows, 0),
      b.getIndexAttr(type.getDimSize(1))};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, rows, dest, offsets, sizes, strides);
}

Value TensorBuilder::contract(Value lhs, ArrayRef<unsigned> lhsDims, Value rhs,
                              ArrayRef<unsigned> rhsDims, Value init,
                              ArrayRef<unsigned> outDims, unsigned numDims,
                              ArrayRef<unsigned> reductionDims) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {dimsMap(context, numDims, lhsDims),
                                 dimsMap(context, numDims, rhsDims),
                                 dimsMap(context, numDims, outDims)};
  auto generic = linalg::GenericOp::create(
      b, TypeRange{init.getType()}, ValueRange{lhs, rhs}, ValueRange{init},
      maps, iterators(numDims, reductionDims),
      [](OpBuilder &nested, Location loc, ValueRange args) {
        // Reassociation lets LLVM vectorize the dot products; contraction
        // lets it use FMA. Both change rounding only (within 1e-6 relative
        // here, well inside the tests' tolerance).
        auto flags = arith::FastMathFlagsAttr::get(
            nested.getContext(),
            arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
        Value product =
            arith::MulFOp::create(nested, loc, args[0], args[1], flags);
        Value sum = arith::AddFOp::create(nested, loc, args[2], product, flags);
        linalg::YieldOp::create(nested, loc, sum);
      });
  return generic.getResult(0);
}

SmallVector<Value> TensorBuilder::dynamicSizes(Value value) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, value, d));
  return sizes;
}

Value TensorBuilder::linearInit(Value x, int64_t outFeatures, Value bias,
                                Value into) {
  auto xType = cast<RankedTensorType>(x.getType());
  unsigned rank = xType.getRank();
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = outFeatures;
  Type elementType = xType.getElementType();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d + 1 < xType.getRank(); ++d)
    if (xType.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, x, d));
  if (into && !bias)
    return linalg::FillOp::create(b, ValueRange{floatConst(elementType, 0.0)},
                                  ValueRange{into})
        .getResult(0);
  if (!bias)
    return zeros(shape, elementType, sizes);
  // Start from the bias broadcast over the leading dims.
  Value empty =
      into ? into : tensor::EmptyOp::create(b, shape, elementType, sizes);
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      dimsMap(context, rank, {rank - 1}),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  return linalg::GenericOp::create(
             b, TypeRange{empty.getType()}, ValueRange{bias}, ValueRange{empty},
             maps, iterators(rank, {}),
             [](OpBuilder &nested, Location loc, ValueRange args) {
               linalg::YieldOp::create(nested, loc, args[0]);
             })
      .getResult(0);
}

Value TensorBuilder::linear(Value x, Value w, Value bias, Value into) {
  return linearOf(x, w, /*inOut=*/false, bias, into);
}

Value TensorBuilder::linearInOut(Value x, Value w, Value bias, Value into) {
  return linearOf(x, w, /*inOut=*/true, bias, into);
}

Value TensorBuilder::linearOf(Value x, Value w, bool inOut, Value bias,
                              Value into) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  unsigned rank = xType.getRank();

  // Loops: the rank-1 leading dims of x, then n (output), then k (reduced).
  unsigned n = rank - 1, k = rank, numDims = rank + 1;
  SmallVector<unsigned> lead;
  for (unsigned d = 0; d + 1 < rank; ++d)
    lead.push_back(d);
  SmallVector<unsigned> xDims(lead), outDims(lead);
  xDims.push_back(k);
  outDims.push_back(n);
  Value init = linearInit(x, wType.getDimSize(inOut ? 1 : 0), bias, into);
  SmallVector<unsigned> wDims =
      inOut ? SmallVector<unsigned>{k, n} : SmallVector<unsigned>{n, k};
  return contract(x, xDims, w, wDims, init, outDims, numDims, {k});
}

Value TensorBuilder::mapInto(Value init, ValueRange inputs,
                             ArrayRef<SmallVector<unsigned>> inputDims,
                             ScalarFn fn) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(init.getType());
  unsigned rank = type.getRank();
  SmallVector<AffineMap> maps;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    if (i < inputDims.size() && !inputDims[i].empty())
      maps.push_back(dimsMap(context, rank, inputDims[i]));
    else
      maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));
  return linalg::GenericOp::create(
             b, TypeRange{type}, inputs, ValueRange{init}, maps,
             iterators(rank, {}),
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder inner(loc, nested);
               linalg::YieldOp::create(inner, fn(inner, args));
             })
      .getResult(0);
}

Value TensorBuilder::map(ValueRange inputs,
                         ArrayRef<SmallVector<unsigned>> inputDims,
                         RankedTensorType resultType, ScalarFn fn) {
  SmallVector<Value> sizes;
  for (unsigned d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, inputs[0], d));
  Value empty = tensor::EmptyOp::create(b, resultType.getShape(),
                                        resultType.getElementType(), sizes);
  return mapInto(empty, inputs, inputDims,
                 [&](ImplicitLocOpBuilder &inner, ValueRange args) {
                   return fn(inner, args.drop_back());
                 });
}

Value TensorBuilder::reduceLast(Value input, Value initial, ScalarFn combine) {
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  SmallVector<unsigned> all, kept;
  for (unsigned d = 0; d < rank; ++d) {
    all.push_back(d);
    if (d + 1 < rank)
      kept.push_back(d);
  }
  SmallVector<Value> sizes;
  for (unsigned d = 0; d + 1 < rank; ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, input, d));
  Value init = filled(type.getShape().drop_back(), type.getElementType(),
                      initial, sizes);
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {dimsMap(context, rank, all),
                                 dimsMap(context, rank, kept)};
  return linalg::GenericOp::create(
             b, TypeRange{init.getType()}, ValueRange{input}, ValueRange{init},
             maps, iterators(rank, {rank - 1}),
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder inner(loc, nested);
               linalg::YieldOp::create(inner, combine(inner, args));
             })
      .getResult(0);
}

Value TensorBuilder::softmaxLast(Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  unsigned rank = type.getRank();
  SmallVector<unsigned> kept;
  for (unsigned d = 0; d + 1 < rank; ++d)
    kept.push_back(d);
  Value lowest =
      floatConst(elementType, -std::numeric_limits<double>::infinity());
  Value max =
      reduceLast(input, lowest, [](ImplicitLocOpBuilder &nb, ValueRange args) {
        return arith::MaximumFOp::create(nb, args[0], args[1]).getResult();
      });
  Value exps = map({input, max}, {{}, kept}, type,
                   [](ImplicitLocOpBuilder &nb, ValueRange args) {
                     Value shifted =
                         arith::SubFOp::create(nb, args[0], args[1]);
                     return math::ExpOp::create(nb, shifted).getResult();
                   });
  Value sum = reduceLast(
      exps, floatConst(elementType, 0.0),
      [](ImplicitLocOpBuilder &nb, ValueRange args) {
        return arith::AddFOp::create(nb, args[1], args[0]).getResult();
      });
  return map({exps, sum}, {{}, kept}, type,
             [](ImplicitLocOpBuilder &nb, ValueRange args) {
               return arith::DivFOp::create(nb, args[0], args[1]).getResult();
             });
}
