//===- ExpertMath.cpp - scalar math of MoE experts ------------------------===//
//
// Builds the expert activations from arith and math ops, and the token-row
// reshapes.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/ExpertMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;

Value m3sat::buildActivation(OpBuilder &builder, Location loc, Value x,
                             Activation activation) {
  Type type = x.getType();
  auto constant = [&](double value) -> Value {
    return arith::ConstantOp::create(builder, loc, type,
                                     builder.getFloatAttr(type, value));
  };
  switch (activation) {
  case Activation::relu:
    return arith::MaximumFOp::create(builder, loc, x, constant(0.0));
  case Activation::gelu: {
    Value scaled = arith::MulFOp::create(builder, loc, x, constant(M_SQRT1_2));
    Value erf = math::ErfOp::create(builder, loc, scaled);
    Value onePlus = arith::AddFOp::create(builder, loc, erf, constant(1.0));
    Value half = arith::MulFOp::create(builder, loc, x, constant(0.5));
    return arith::MulFOp::create(builder, loc, half, onePlus);
  }
  case Activation::silu: {
    Value negated = arith::NegFOp::create(builder, loc, x);
    Value exp = math::ExpOp::create(builder, loc, negated);
    Value denominator = arith::AddFOp::create(builder, loc, exp, constant(1.0));
    return arith::DivFOp::create(builder, loc, x, denominator);
  }
  case Activation::identity:
    return x;
  }
  return x;
}

Value m3sat::buildElementwiseActivation(OpBuilder &builder, Location loc,
                                        Value input, Activation activation) {
  if (activation == Activation::identity)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  Value init = tensor::EmptyOp::create(builder, loc, type.getShape(),
                                       type.getElementType());
  AffineMap identity = builder.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{type}, ValueRange{input}, ValueRange{init},
      ArrayRef<AffineMap>{identity, identity}, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value result = buildActivation(b, l, args[0], activation);
        linalg::YieldOp::create(b, l, result);
      });
  return generic.getResult(0);
}

Value m3sat::collapseToRows(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 2)
    return value;
  if (type.getRank() == 1)
    return tensor::ExpandShapeOp::create(
        builder, loc,
        RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType()),
        value, SmallVector<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    lead.push_back(d);
  return tensor::CollapseShapeOp::create(
      builder, loc, value,
      SmallVector<ReassociationIndices>{lead, {type.getRank() - 1}});
}

Value m3sat::expandFromRows(OpBuilder &builder, Location loc, Value value,
                            RankedTensorType type) {
  if (type.getRank() == 2)
    return value;
  if (type.getRank() == 1)
    return tensor::CollapseShapeOp::create(
        builder, loc, type, value, SmallVector<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    lead.push_back(d);
  return tensor::ExpandShapeOp::create(
      builder, loc, type, value,
      SmallVector<ReassociationIndices>{lead, {type.getRank() - 1}});
}
