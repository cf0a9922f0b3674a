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

ExpertActivation m3sat::expertActivation(MoEFFNOp op) {
  ExpertActivation activation;
  activation.kind = op.getActivation();
  activation.gated = op.getGated();
  if (FloatAttr alpha = op.getActivationAlphaAttr())
    activation.alpha = alpha.getValueAsDouble();
  if (FloatAttr beta = op.getActivationBetaAttr())
    activation.beta = beta.getValueAsDouble();
  if (FloatAttr limit = op.getSwigluLimitAttr())
    activation.limit = limit.getValueAsDouble();
  return activation;
}

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
  case Activation::gelu_tanh: {
    // ONNX Runtime's constants: sqrt(2 / pi) and 0.044715.
    Value cube = arith::MulFOp::create(
        builder, loc, arith::MulFOp::create(builder, loc, x, x), x);
    Value inner = arith::AddFOp::create(
        builder, loc, x,
        arith::MulFOp::create(builder, loc, cube, constant(0.044715)));
    Value tanh = math::TanhOp::create(
        builder, loc,
        arith::MulFOp::create(builder, loc, inner, constant(0.7978845608)));
    Value onePlus = arith::AddFOp::create(builder, loc, tanh, constant(1.0));
    Value half = arith::MulFOp::create(builder, loc, x, constant(0.5));
    return arith::MulFOp::create(builder, loc, half, onePlus);
  }
  case Activation::identity:
  case Activation::swiglu:
    return x;
  }
  return x;
}

Value m3sat::buildGatedActivation(OpBuilder &builder, Location loc, Value g,
                                  Value l, const ExpertActivation &activation) {
  if (activation.kind != Activation::swiglu)
    return arith::MulFOp::create(
        builder, loc, buildActivation(builder, loc, g, activation.kind), l);
  Type type = g.getType();
  auto constant = [&](double value) -> Value {
    return arith::ConstantOp::create(builder, loc, type,
                                     builder.getFloatAttr(type, value));
  };
  if (activation.limit) {
    Value limit = constant(*activation.limit);
    g = arith::MinimumFOp::create(builder, loc, g, limit);
    l = arith::MinimumFOp::create(builder, loc, l, limit);
    l = arith::MaximumFOp::create(builder, loc, l,
                                  constant(-*activation.limit));
  }
  // sigmoid(alpha g) = 1 / (1 + exp(-alpha g)).
  Value scaled =
      arith::MulFOp::create(builder, loc, g, constant(activation.alpha));
  Value exp = math::ExpOp::create(builder, loc,
                                  arith::NegFOp::create(builder, loc, scaled));
  Value sigmoid = arith::DivFOp::create(
      builder, loc, constant(1.0),
      arith::AddFOp::create(builder, loc, exp, constant(1.0)));
  Value swish = arith::MulFOp::create(builder, loc, g, sigmoid);
  Value linear =
      arith::AddFOp::create(builder, loc, l, constant(activation.beta));
  return arith::MulFOp::create(builder, loc, swish, linear);
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

Value m3sat::buildExpertActivation(OpBuilder &builder, Location loc,
                                   Value input,
                                   const ExpertActivation &activation) {
  if (!activation.gated)
    return buildElementwiseActivation(builder, loc, input, activation.kind);
  // [rows, 2H] -> [rows, H]: unit j reads columns 2j (gate) and 2j + 1.
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rows = type.getDimSize(0), hidden = type.getDimSize(1) / 2;
  Value init = tensor::EmptyOp::create(builder, loc, {rows, hidden},
                                       type.getElementType());
  MLIRContext *context = builder.getContext();
  AffineExpr row = getAffineDimExpr(0, context),
             unit = getAffineDimExpr(1, context);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(2, 0, results, context);
  };
  SmallVector<AffineMap> maps = {map({row, unit * 2}), map({row, unit * 2 + 1}),
                                 map({row, unit})};
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{init.getType()}, ValueRange{input, input},
      ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(
            b, l, buildGatedActivation(b, l, args[0], args[1], activation));
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
