//===- TensorOps.cpp - ONNX padding, masks, scans, gathers and scatters ---===//
//
// Converters of Pad (constant, reflect, edge, wrap; negative pads crop),
// Trilu, CumSum, GatherElements, GatherND, ScatterElements and ScatterND,
// and Einsum. Static shapes make most of them index maps known at import
// time: Pad's reflect/edge/wrap gather along each axis at constant
// positions; the others are linalg.generic ops that read their data with
// tensor.extract at computed positions (scatters reduce over the updates
// for each output element, so they stay free of side effects).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// An arith.constant scalar of `type` holding `value`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  if (type.isInteger(1))
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(value != 0));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

/// `index` (an integer scalar) as an index, negative values counted from
/// the end of a dimension of `size`.
Value wrapIndex(OpBuilder &b, Location loc, Value index, int64_t size) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  Value wrapped = arith::AddIOp::create(
      b, loc, i, arith::ConstantIndexOp::create(b, loc, size));
  Value result = arith::SelectOp::create(b, loc, negative, wrapped, i);
  // Out-of-range indices read a valid element rather than past the end.
  Value last = arith::ConstantIndexOp::create(b, loc, size - 1);
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, result, zero), last);
}

/// A linalg.generic over `shape` with only an output; `body` gets the
/// builder and the iteration indices.
Value createIndexedGeneric(
    OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elementType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  int64_t rank = shape.size();
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nl, d));
        linalg::YieldOp::create(nb, nl, body(nb, nl, indices));
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

LogicalResult convertPad(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type)
    return ctx.emitError() << "missing required input 'data' (#0)";
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  std::string mode = ctx.stringAttr("mode", "constant");
  SmallVector<StringRef> modes = {"constant", "reflect", "edge"};
  if (ctx.opset() >= 19)
    modes.push_back("wrap");
  if (!llvm::is_contained(modes, mode))
    return ctx.emitError() << "attribute 'mode' = '" << mode
                           << "' is not supported at opset " << ctx.opset();
  SmallVector<int64_t> pads;
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  double constant = 0.0;
  Value constantValue;
  if (ctx.opset() < 11) {
    pads = ctx.intsAttr("pads", {});
    constant = ctx.floatAttr("value", 0.0f);
  } else {
    auto given = ctx.constInts(1, "pads");
    if (failed(given))
      return failure();
    pads = *given;
    if (ctx.hasInput(3)) {
      auto axesGiven = ctx.constInts(3, "axes");
      if (failed(axesGiven))
        return failure();
      axes.clear();
      for (int64_t axis : *axesGiven) {
        auto d = normalizeAxis(ctx, axis, rank, "input 'axes' entry");
        if (failed(d))
          return failure();
        axes.push_back(*d);
      }
    }
    if (ctx.hasInput(2) && mode == "constant") {
      RankedTensorType valueType = ctx.inputType(2);
      if (!valueType || valueType.getNumElements() != 1 ||
          valueType.getElementType() != elementType)
        return ctx.emitError()
               << "input 'constant_value' must be a scalar of " << elementType;
      if (const ConstData *known = ctx.constInput(2)) {
        constant = known->floats.empty() ? double(known->ints.front())
                                         : known->floats.front();
      } else {
        auto value = ctx.input(2, "constant_value");
        if (failed(value))
          return failure();
        OpBuilder &b = ctx.builder();
        constantValue = tensor::ExtractOp::create(
            b, ctx.loc(), createReshape(b, ctx.loc(), *value, {}),
            ValueRange{});
      }
    }
  }
  int64_t n = axes.size();
  if (static_cast<int64_t>(pads.size()) != 2 * n)
    return ctx.emitError() << "'pads' has " << pads.size()
                           << " values but needs " << 2 * n;
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    low[axis] = pads[i];
    high[axis] = pads[n + i];
  }
  for (int64_t d = 0; d < rank; ++d)
    if (type.getDimSize(d) + low[d] + high[d] < 0)
      return ctx.emitError() << "pads " << formatShape(pads)
                             << " remove more than axis " << d << " holds";
  auto x = ctx.input(0, "data");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value result = *x;
  // Negative pads crop first.
  SmallVector<int64_t> start(rank, 0), size(type.getShape());
  bool crop = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (low[d] < 0) {
      start[d] = -low[d];
      size[d] += low[d];
      low[d] = 0;
      crop = true;
    }
    if (high[d] < 0) {
      size[d] += high[d];
      high[d] = 0;
      crop = true;
    }
  }
  if (crop) {
    if (numElements(size) == 0) {
      SmallVector<int64_t> shape(size);
      for (int64_t d = 0; d < rank; ++d)
        shape[d] += low[d] + high[d];
      ctx.setResult(0, tensor::EmptyOp::create(b, loc, shape, elementType));
      return success();
    }
    result = tosa::SliceOp::create(
        b, loc, RankedTensorType::get(size, elementType), result,
        createConstShape(b, loc, start), createConstShape(b, loc, size));
  }
  if (mode == "constant") {
    if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
        llvm::all_of(high, [](int64_t v) { return v == 0; })) {
      ctx.setResult(0, result);
      return success();
    }
    Value fill = constantValue ? constantValue
                               : scalarConstant(b, loc, elementType, constant);
    ctx.setResult(0, createConstantPad(b, loc, result, low, high, fill));
    return success();
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (low[d] == 0 && high[d] == 0)
      continue;
    int64_t dim = size[d];
    if (dim == 0)
      return ctx.emitError()
             << "mode '" << mode << "' cannot pad empty axis " << d;
    SmallVector<int64_t> index;
    for (int64_t p = -low[d]; p < dim + high[d]; ++p) {
      int64_t i = p;
      if (mode == "edge") {
        i = std::clamp<int64_t>(p, 0, dim - 1);
      } else if (mode == "wrap") {
        i = ((p % dim) + dim) % dim;
      } else if (dim == 1) {
        i = 0;
      } else {
        int64_t period = 2 * (dim - 1);
        i = ((p % period) + period) % period;
        if (i >= dim)
          i = period - i;
      }
      index.push_back(i);
    }
    result = createAxisGather(b, loc, result, d, index);
  }
  ctx.setResult(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Trilu and CumSum
//===----------------------------------------------------------------------===//

LogicalResult convertTrilu(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() < 2)
    return ctx.emitError() << "needs an input of rank >= 2";
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    auto given = ctx.constInts(1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return ctx.emitError() << "input 'k' must have one element";
    k = given->front();
  }
  bool upper = ctx.intAttr("upper", 1);
  auto x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t rank = type.getRank();
  int64_t m = type.getDimSize(rank - 2), n = type.getDimSize(rank - 1);
  if (type.getNumElements() == 0) {
    ctx.setResult(0, *x);
    return success();
  }
  ConstData mask;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      mask.ints.push_back(upper ? j - i >= k : j - i <= k);
  SmallVector<int64_t> maskShape(rank, 1);
  maskShape[rank - 2] = m;
  maskShape[rank - 1] = n;
  Value maskValue = materializeConstData(
      b, loc, RankedTensorType::get(maskShape, b.getI1Type()), mask);
  Value zero = createSplat(b, loc, SmallVector<int64_t>(rank, 1),
                           type.getElementType(), 0.0);
  ctx.setResult(0, tosa::SelectOp::create(b, loc, type, maskValue, *x, zero));
  return success();
}

LogicalResult convertCumSum(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0)
    return ctx.emitError() << "needs an input of rank >= 1";
  Type elementType = type.getElementType();
  if (elementType.isInteger(1))
    return ctx.emitError() << "needs a numeric input, got " << elementType;
  auto axisGiven = ctx.constInts(1, "axis");
  if (failed(axisGiven))
    return failure();
  if (axisGiven->size() != 1)
    return ctx.emitError() << "input 'axis' must have one element";
  int64_t rank = type.getRank();
  auto axis = normalizeAxis(ctx, axisGiven->front(), rank, "axis");
  auto x = ctx.input(0, "x");
  if (failed(axis) || failed(x))
    return failure();
  bool exclusive = ctx.intAttr("exclusive", 0);
  bool reverse = ctx.intAttr("reverse", 0);
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  // out[.., i, ..] = sum over j of in[.., j, ..] for the j the scan covers.
  SmallVector<AffineExpr> inExprs;
  for (int64_t d = 0; d < rank; ++d)
    inExprs.push_back(b.getAffineDimExpr(d == *axis ? rank : d));
  AffineMap inMap = AffineMap::get(rank + 1, 0, inExprs, b.getContext());
  AffineMap outMap = AffineMap::getMultiDimIdentityMap(rank + 1, b.getContext())
                         .getMajorSubMap(rank);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType);
  init = linalg::FillOp::create(b, loc, scalarConstant(b, loc, elementType, 0),
                                init)
             .getResult(0);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  bool isFloat = isa<FloatType>(elementType);
  int64_t scanAxis = *axis;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{*x}, ValueRange{init},
      ArrayRef<AffineMap>{inMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, nl, scanAxis);
        Value j = linalg::IndexOp::create(nb, nl, rank);
        arith::CmpIPredicate predicate =
            reverse ? (exclusive ? arith::CmpIPredicate::sgt
                                 : arith::CmpIPredicate::sge)
                    : (exclusive ? arith::CmpIPredicate::slt
                                 : arith::CmpIPredicate::sle);
        Value covered = arith::CmpIOp::create(nb, nl, predicate, j, i);
        Value zero = scalarConstant(nb, nl, elementType, 0);
        Value term = arith::SelectOp::create(nb, nl, covered, args[0], zero);
        Value sum =
            isFloat ? arith::AddFOp::create(nb, nl, args[1], term).getResult()
                    : arith::AddIOp::create(nb, nl, args[1], term).getResult();
        linalg::YieldOp::create(nb, nl, sum);
      });
  ctx.setResult(0, generic.getResult(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Gathers
//===----------------------------------------------------------------------===//

LogicalResult convertGatherElements(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1);
  if (!type || !indicesType)
    return ctx.emitError() << "needs inputs 'data' and 'indices'";
  if (!isa<IntegerType>(indicesType.getElementType()))
    return ctx.emitError() << "input 'indices' must be integers";
  int64_t rank = type.getRank();
  if (rank == 0 || indicesType.getRank() != rank)
    return ctx.emitError() << "inputs 'data' and 'indices' must have the same "
                              "rank >= 1";
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  auto data = ctx.input(0, "data");
  auto indices = ctx.input(1, "indices");
  if (failed(axis) || failed(data) || failed(indices))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  int64_t k = type.getDimSize(*axis), a = *axis;
  Value dataValue = *data, indexValue = *indices;
  if (indicesType.getNumElements() == 0) {
    ctx.setResult(0, tensor::EmptyOp::create(b, loc, indicesType.getShape(),
                                             type.getElementType()));
    return success();
  }
  ctx.setResult(
      0,
      createIndexedGeneric(
          b, loc, indicesType.getShape(), type.getElementType(),
          [&](OpBuilder &nb, Location nl, ArrayRef<Value> ivs) {
            Value index = tensor::ExtractOp::create(nb, nl, indexValue, ivs);
            SmallVector<Value> at(ivs);
            at[a] = wrapIndex(nb, nl, index, k);
            return tensor::ExtractOp::create(nb, nl, dataValue, at).getResult();
          }));
  return success();
}

LogicalResult convertGatherND(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1);
  if (!type || !indicesType)
    return ctx.emitError() << "needs inputs 'data' and 'indices'";
  if (!isa<IntegerType>(indicesType.getElementType()))
    return ctx.emitError() << "input 'indices' must be integers";
  int64_t r = type.getRank(), q = indicesType.getRank();
  int64_t batch = ctx.intAttr("batch_dims", 0);
  if (q < 1 || r < 1 || batch < 0 || batch >= std::min(r, q))
    return ctx.emitError() << "attribute 'batch_dims' = " << batch
                           << " must be below the ranks of 'data' (" << r
                           << ") and 'indices' (" << q << ")";
  int64_t k = indicesType.getDimSize(q - 1);
  if (k < 1 || batch + k > r)
    return ctx.emitError() << "the last dimension of 'indices' (" << k
                           << ") must be in [1, " << r - batch << "]";
  for (int64_t d = 0; d < batch; ++d)
    if (type.getDimSize(d) != indicesType.getDimSize(d))
      return ctx.emitError() << "batch dimension " << d << " differs";
  SmallVector<int64_t> shape(indicesType.getShape().drop_back());
  llvm::append_range(shape, type.getShape().drop_front(batch + k));
  auto data = ctx.input(0, "data");
  auto indices = ctx.input(1, "indices");
  if (failed(data) || failed(indices))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (numElements(shape) == 0) {
    ctx.setResult(
        0, tensor::EmptyOp::create(b, loc, shape, type.getElementType()));
    return success();
  }
  Value dataValue = *data, indexValue = *indices;
  ctx.setResult(
      0,
      createIndexedGeneric(
          b, loc, shape, type.getElementType(),
          [&](OpBuilder &nb, Location nl, ArrayRef<Value> ivs) {
            // ivs: indices' leading q - 1 dims, then the slice.
            SmallVector<Value> at(ivs.take_front(batch));
            SmallVector<Value> lookup(ivs.take_front(q - 1));
            lookup.push_back(Value());
            for (int64_t t = 0; t < k; ++t) {
              lookup.back() = arith::ConstantIndexOp::create(nb, nl, t);
              Value index =
                  tensor::ExtractOp::create(nb, nl, indexValue, lookup);
              at.push_back(
                  wrapIndex(nb, nl, index, type.getDimSize(batch + t)));
            }
            llvm::append_range(at, ivs.drop_front(q - 1));
            return tensor::ExtractOp::create(nb, nl, dataValue, at).getResult();
          }));
  return success();
}

//===----------------------------------------------------------------------===//
// Scatters
//===----------------------------------------------------------------------===//

/// combine(acc, update) of a scatter reduction.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value acc,
              Value update) {
  bool isFloat = isa<FloatType>(acc.getType());
  if (reduction == "add")
    return isFloat ? arith::AddFOp::create(b, loc, acc, update).getResult()
                   : arith::AddIOp::create(b, loc, acc, update).getResult();
  if (reduction == "mul")
    return isFloat ? arith::MulFOp::create(b, loc, acc, update).getResult()
                   : arith::MulIOp::create(b, loc, acc, update).getResult();
  if (reduction == "max")
    return isFloat ? arith::MaximumFOp::create(b, loc, acc, update).getResult()
                   : arith::MaxSIOp::create(b, loc, acc, update).getResult();
  if (reduction == "min")
    return isFloat ? arith::MinimumFOp::create(b, loc, acc, update).getResult()
                   : arith::MinSIOp::create(b, loc, acc, update).getResult();
  return update;
}

/// A scatter as a reduction over the updates: for each output element and
/// each update (in order), `matches` says whether the update lands on the
/// element, which then combines it into the running value (initially the
/// data).
Value createScatter(
    OpBuilder &b, Location loc, Value data, Value updates,
    ArrayRef<int64_t> updateShape, StringRef reduction,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> out,
                       ArrayRef<Value> update)>
        matches) {
  auto type = cast<RankedTensorType>(data.getType());
  int64_t r = type.getRank(), u = updateShape.size();
  // Dims: the output's r, then the updates' u (a reduction).
  MLIRContext *context = b.getContext();
  SmallVector<AffineExpr> updateExprs, outExprs;
  for (int64_t d = 0; d < u; ++d)
    updateExprs.push_back(b.getAffineDimExpr(r + d));
  for (int64_t d = 0; d < r; ++d)
    outExprs.push_back(b.getAffineDimExpr(d));
  SmallVector<AffineMap> maps = {AffineMap::get(r + u, 0, updateExprs, context),
                                 AffineMap::get(r + u, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(r, utils::IteratorType::parallel);
  iterators.append(u, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{updates}, ValueRange{data}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> out, update;
        for (int64_t d = 0; d < r; ++d)
          out.push_back(linalg::IndexOp::create(nb, nl, d));
        for (int64_t d = 0; d < u; ++d)
          update.push_back(linalg::IndexOp::create(nb, nl, r + d));
        Value hit = matches(nb, nl, out, update);
        Value combined = combine(nb, nl, reduction, args[1], args[0]);
        linalg::YieldOp::create(
            nb, nl,
            arith::SelectOp::create(nb, nl, hit, combined, args[1])
                .getResult());
      });
  return generic.getResult(0);
}

FailureOr<std::string> scatterReduction(NodeContext &ctx) {
  std::string reduction = ctx.stringAttr("reduction", "none");
  SmallVector<StringRef> valid = {"none"};
  if (ctx.opset() >= 16)
    valid.append({"add", "mul"});
  if (ctx.opset() >= 18)
    valid.append({"max", "min"});
  if (!llvm::is_contained(valid, reduction))
    return ctx.emitError() << "attribute 'reduction' = '" << reduction
                           << "' is not supported at opset " << ctx.opset();
  return reduction;
}

LogicalResult convertScatterElements(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1),
                   updatesType = ctx.inputType(2);
  if (!type || !indicesType || !updatesType)
    return ctx.emitError() << "needs inputs 'data', 'indices' and 'updates'";
  int64_t rank = type.getRank();
  if (!isa<IntegerType>(indicesType.getElementType()) ||
      indicesType.getShape() != updatesType.getShape() ||
      indicesType.getRank() != rank ||
      updatesType.getElementType() != type.getElementType())
    return ctx.emitError() << "'indices' (integers) and 'updates' need one "
                              "shape of the rank of 'data'";
  auto reduction = scatterReduction(ctx);
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  auto data = ctx.input(0, "data");
  auto indices = ctx.input(1, "indices");
  auto updates = ctx.input(2, "updates");
  if (failed(reduction) || failed(axis) || failed(data) || failed(indices) ||
      failed(updates))
    return failure();
  if (indicesType.getNumElements() == 0) {
    ctx.setResult(0, *data);
    return success();
  }
  int64_t a = *axis, k = type.getDimSize(a);
  Value indexValue = *indices;
  ctx.setResult(
      0, createScatter(ctx.builder(), ctx.loc(), *data, *updates,
                       updatesType.getShape(), *reduction,
                       [&](OpBuilder &nb, Location nl, ArrayRef<Value> out,
                           ArrayRef<Value> update) {
                         Value index = tensor::ExtractOp::create(
                             nb, nl, indexValue, update);
                         Value target = wrapIndex(nb, nl, index, k);
                         Value hit = arith::CmpIOp::create(
                             nb, nl, arith::CmpIPredicate::eq, target, out[a]);
                         for (int64_t d = 0; d < rank; ++d) {
                           if (d == a)
                             continue;
                           Value same = arith::CmpIOp::create(
                               nb, nl, arith::CmpIPredicate::eq, update[d],
                               out[d]);
                           hit = arith::AndIOp::create(nb, nl, hit, same);
                         }
                         return hit;
                       }));
  return success();
}

LogicalResult convertScatterND(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1),
                   updatesType = ctx.inputType(2);
  if (!type || !indicesType || !updatesType)
    return ctx.emitError() << "needs inputs 'data', 'indices' and 'updates'";
  int64_t r = type.getRank(), q = indicesType.getRank();
  if (!isa<IntegerType>(indicesType.getElementType()) || q < 1)
    return ctx.emitError() << "input 'indices' must be integers of rank >= 1";
  int64_t k = indicesType.getDimSize(q - 1);
  SmallVector<int64_t> expected(indicesType.getShape().drop_back());
  if (k > r)
    return ctx.emitError() << "the last dimension of 'indices' (" << k
                           << ") exceeds the rank of 'data' (" << r << ")";
  llvm::append_range(expected, type.getShape().drop_front(k));
  if (updatesType.getShape() != ArrayRef<int64_t>(expected) ||
      updatesType.getElementType() != type.getElementType())
    return ctx.emitError() << "input 'updates' has shape "
                           << formatShape(updatesType.getShape())
                           << " but needs " << formatShape(expected);
  auto reduction = scatterReduction(ctx);
  auto data = ctx.input(0, "data");
  auto indices = ctx.input(1, "indices");
  auto updates = ctx.input(2, "updates");
  if (failed(reduction) || failed(data) || failed(indices) || failed(updates))
    return failure();
  if (updatesType.getNumElements() == 0) {
    ctx.setResult(0, *data);
    return success();
  }
  Value indexValue = *indices;
  ctx.setResult(
      0, createScatter(
             ctx.builder(), ctx.loc(), *data, *updates, updatesType.getShape(),
             *reduction,
             [&](OpBuilder &nb, Location nl, ArrayRef<Value> out,
                 ArrayRef<Value> update) {
               // update = (indices' leading q - 1 dims, slice dims).
               SmallVector<Value> lookup(update.take_front(q - 1));
               lookup.push_back(Value());
               Value hit;
               for (int64_t t = 0; t < k; ++t) {
                 lookup.back() = arith::ConstantIndexOp::create(nb, nl, t);
                 Value index =
                     tensor::ExtractOp::create(nb, nl, indexValue, lookup);
                 Value target = wrapIndex(nb, nl, index, type.getDimSize(t));
                 Value same = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::eq, target, out[t]);
                 hit =
                     hit ? arith::AndIOp::create(nb, nl, hit, same).getResult()
                         : same;
               }
               if (!hit)
                 hit = arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
               for (int64_t d = k; d < r; ++d) {
                 Value same =
                     arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                           update[q - 1 + d - k], out[d]);
                 hit = arith::AndIOp::create(nb, nl, hit, same);
               }
               return hit;
             }));
  return success();
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// An Einsum equation resolved against its inputs: dimension ids (the
/// ellipsis dims 0..E-1, right-aligned, then one per letter), their sizes,
/// each operand's dimensions and the output's.
struct EinsumSpec {
  SmallVector<RankedTensorType> types;
  SmallVector<SmallVector<char>> operandLetters;
  int64_t ellipsisRank = 0;
  llvm::DenseMap<char, int64_t> letterDim;
  SmallVector<int64_t> dimSize;
  SmallVector<SmallVector<int64_t>> operandDims;
  SmallVector<int64_t> outDims;
};

/// Each operand's letters, with '.' standing for its ellipsis dims, checked
/// against the ranks of the inputs.
LogicalResult parseEinsumOperands(NodeContext &ctx, StringRef equation,
                                  ArrayRef<StringRef> terms, EinsumSpec &spec) {
  for (auto [i, term] : llvm::enumerate(terms)) {
    RankedTensorType type = ctx.inputType(i);
    if (!type)
      return ctx.emitError() << "missing input #" << i;
    spec.types.push_back(type);
    size_t dots = term.find("...");
    int64_t named = term.size() - (dots == StringRef::npos ? 0 : 3);
    int64_t extra = type.getRank() - named;
    if (extra < 0 || (dots == StringRef::npos && extra != 0))
      return ctx.emitError() << "operand '" << term << "' does not match the "
                             << "rank " << type.getRank() << " of input #" << i;
    if (dots != StringRef::npos)
      spec.ellipsisRank = std::max(spec.ellipsisRank, extra);
    SmallVector<char> letters;
    for (size_t p = 0; p < term.size(); ++p) {
      if (term[p] == '.') {
        letters.push_back('.');
        p += 2;
        continue;
      }
      if (!llvm::isAlpha(term[p]))
        return ctx.emitError()
               << "equation '" << equation << "' holds '" << term[p] << "'";
      letters.push_back(term[p]);
    }
    spec.operandLetters.push_back(letters);
  }
  return success();
}

/// Assigns dimension ids to the operands' letters and ellipses, and sizes
/// to the ids (size-1 dimensions broadcast).
LogicalResult assignEinsumDims(NodeContext &ctx, StringRef equation,
                               EinsumSpec &spec) {
  spec.dimSize.assign(spec.ellipsisRank, 1);
  for (auto [i, letters] : llvm::enumerate(spec.operandLetters)) {
    SmallVector<int64_t> dims;
    int64_t extra =
        spec.types[i].getRank() - (letters.size() - llvm::count(letters, '.'));
    for (char c : letters) {
      if (c == '.') {
        for (int64_t e = 0; e < extra; ++e)
          dims.push_back(spec.ellipsisRank - extra + e);
        continue;
      }
      if (!spec.letterDim.count(c)) {
        spec.letterDim[c] = spec.dimSize.size();
        spec.dimSize.push_back(1);
      }
      dims.push_back(spec.letterDim[c]);
    }
    for (auto [d, id] : llvm::enumerate(dims)) {
      int64_t size = spec.types[i].getDimSize(d);
      if (spec.dimSize[id] != 1 && size != 1 && spec.dimSize[id] != size)
        return ctx.emitError()
               << "dimension sizes of equation '" << equation << "' disagree";
      spec.dimSize[id] = std::max(spec.dimSize[id], size);
    }
    spec.operandDims.push_back(dims);
  }
  return success();
}

/// The output's dimension ids: those of `rhs`, or for an implicit output
/// the ellipsis, then the letters seen once, sorted.
LogicalResult einsumOutputDims(NodeContext &ctx, StringRef equation,
                               StringRef rhs, bool explicitOutput,
                               EinsumSpec &spec) {
  if (explicitOutput) {
    for (size_t p = 0; p < rhs.size(); ++p) {
      if (rhs[p] == '.') {
        for (int64_t e = 0; e < spec.ellipsisRank; ++e)
          spec.outDims.push_back(e);
        p += 2;
        continue;
      }
      if (!spec.letterDim.count(rhs[p]))
        return ctx.emitError()
               << "output letter '" << rhs[p] << "' of equation '" << equation
               << "' is in no operand";
      spec.outDims.push_back(spec.letterDim[rhs[p]]);
    }
    return success();
  }
  for (int64_t e = 0; e < spec.ellipsisRank; ++e)
    spec.outDims.push_back(e);
  SmallVector<char> once;
  for (auto &[c, id] : spec.letterDim) {
    int64_t uses = 0;
    for (auto &letters : spec.operandLetters)
      uses += llvm::count(letters, c);
    if (uses == 1)
      once.push_back(c);
  }
  llvm::sort(once);
  for (char c : once)
    spec.outDims.push_back(spec.letterDim[c]);
  return success();
}

/// The Einsum of `inputs` as one linalg.generic: the product of the
/// operands summed over the dimensions the output lacks.
Value buildEinsum(OpBuilder &b, Location loc, ValueRange inputs,
                  const EinsumSpec &spec) {
  Type elementType = spec.types[0].getElementType();
  int64_t numDims = spec.dimSize.size();
  unsigned numInputs = inputs.size();
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (auto [i, dims] : llvm::enumerate(spec.operandDims)) {
    SmallVector<AffineExpr> exprs;
    for (auto [d, id] : llvm::enumerate(dims))
      exprs.push_back(spec.types[i].getDimSize(d) == 1 && spec.dimSize[id] != 1
                          ? b.getAffineConstantExpr(0)
                          : b.getAffineDimExpr(id));
    maps.push_back(AffineMap::get(numDims, 0, exprs, context));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<int64_t> outShape;
  for (int64_t id : spec.outDims) {
    outExprs.push_back(b.getAffineDimExpr(id));
    outShape.push_back(spec.dimSize[id]);
  }
  maps.push_back(AffineMap::get(numDims, 0, outExprs, context));
  SmallVector<utils::IteratorType> iterators;
  for (int64_t id = 0; id < numDims; ++id)
    iterators.push_back(llvm::is_contained(spec.outDims, id)
                            ? utils::IteratorType::parallel
                            : utils::IteratorType::reduction);
  bool isFloat = isa<FloatType>(elementType);
  Value init = tensor::EmptyOp::create(b, loc, outShape, elementType);
  init = linalg::FillOp::create(b, loc, scalarConstant(b, loc, elementType, 0),
                                init)
             .getResult(0);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = args[0];
        for (unsigned i = 1; i < numInputs; ++i)
          product =
              isFloat
                  ? arith::MulFOp::create(nb, nl, product, args[i]).getResult()
                  : arith::MulIOp::create(nb, nl, product, args[i]).getResult();
        Value sum = isFloat
                        ? arith::AddFOp::create(nb, nl, args.back(), product)
                              .getResult()
                        : arith::AddIOp::create(nb, nl, args.back(), product)
                              .getResult();
        linalg::YieldOp::create(nb, nl, sum);
      });
  return generic.getResult(0);
}

LogicalResult convertEinsum(NodeContext &ctx) {
  std::string equation = ctx.stringAttr("equation", "");
  std::string text;
  for (char c : equation)
    if (c != ' ')
      text += c;
  StringRef eq(text);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  unsigned numInputs = ctx.getNumInputs();
  if (terms.size() != numInputs || numInputs == 0)
    return ctx.emitError() << "equation '" << equation << "' has "
                           << terms.size() << " operands but the node has "
                           << numInputs << " inputs";
  EinsumSpec spec;
  if (failed(parseEinsumOperands(ctx, equation, terms, spec)) ||
      failed(assignEinsumDims(ctx, equation, spec)) ||
      failed(einsumOutputDims(ctx, equation, rhs, explicitOutput, spec)))
    return failure();
  Type elementType = spec.types[0].getElementType();
  if (elementType.isInteger(1))
    return ctx.emitError() << "needs numeric inputs";
  for (RankedTensorType type : spec.types)
    if (type.getElementType() != elementType)
      return ctx.emitError() << "inputs have different element types";
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < numInputs; ++i) {
    auto value = ctx.input(i, "Inputs");
    if (failed(value))
      return failure();
    inputs.push_back(*value);
  }
  ctx.setResult(0, buildEinsum(ctx.builder(), ctx.loc(), inputs, spec));
  return success();
}

} // namespace

void onnx_import::registerTensorConverters(ConverterRegistry &registry) {
  registry.add("", "Pad", convertPad);
  registry.add("", "Trilu", convertTrilu);
  registry.add("", "CumSum", convertCumSum);
  registry.add("", "GatherElements", convertGatherElements);
  registry.add("", "GatherND", convertGatherND);
  registry.add("", "ScatterElements", convertScatterElements);
  registry.add("", "ScatterND", convertScatterND);
  registry.add("", "Einsum", convertEinsum);
}
