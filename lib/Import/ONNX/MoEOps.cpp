//===- MoEOps.cpp - the MoE custom ops of DESIGN.md -----------------------===//
//
// m3sat::MoE and com.microsoft::MoE become m3sat.moe_ffn; m3sat::MoAttention
// becomes m3sat.moe_attention. Shapes are checked here so that each mismatch
// names the ONNX input; expert weights stored in the layout of older ONNX
// Runtime releases (fc1 [E, D, H], fc2 [E, H, D]) are detected against the
// input width D, reported with a remark and transposed.
//
// com.microsoft::MoE means what ONNX Runtime's CPU kernel computes: `gelu`
// is the tanh approximation, router_probs may be [B*S, E] for an input
// [B, S, D], `swiglu` and the fc3 inputs make gated experts (stored as one
// fc1 with gate and linear rows interleaved, ORT's swiglu_fusion = 1), and
// use_sparse_mixer (k = 2) routes as plain softmax top-2, as that kernel
// does. com.microsoft::QMoE is the same layer with expert weights packed as
// 4- or 8-bit codes, which stay packed (m3sat.dequantize).
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "M3SAT/M3SATOps.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// The discardable attribute naming an MoE layer's ONNX op.
constexpr llvm::StringLiteral kSourceOpAttr = "m3sat.source_op";

/// Checks `input` and `router_probs` (inputs 0 and 1): float [T, D] or
/// [B, S, D], and logits with the same leading dimensions over E experts.
LogicalResult checkTokens(NodeContext &ctx, ArrayRef<int64_t> allowedRanks,
                          int64_t &d, int64_t &e) {
  RankedTensorType input = ctx.inputType(0), router = ctx.inputType(1);
  if (!input || !router)
    return ctx.emitError() << "needs inputs 'input' and 'router_probs'";
  if (!llvm::is_contained(allowedRanks, input.getRank()) ||
      !isa<FloatType>(input.getElementType()))
    return ctx.emitError() << "input 'input' has type " << input
                           << " but needs a float tensor of shape "
                           << (allowedRanks.size() > 1 ? "[T, D] or " : "")
                           << "[B, S, D]";
  d = input.getShape().back();
  if (router.getRank() != input.getRank() ||
      router.getShape().drop_back() != input.getShape().drop_back() ||
      router.getElementType() != input.getElementType()) {
    std::string expected = formatShape(input.getShape().drop_back());
    expected.pop_back();
    return ctx.emitError() << "input 'router_probs' has type " << router
                           << " but needs " << input.getElementType()
                           << " logits of shape " << expected << ", E]";
  }
  e = router.getShape().back();
  return success();
}

/// Checks that `value`, input `name` (#`i`), is a float tensor of `shape`;
/// `quantized` says that it was dequantized from a QMoE input.
LogicalResult checkShape(NodeContext &ctx, Value value, unsigned i,
                         StringRef name, ArrayRef<int64_t> shape,
                         StringRef symbolic, bool quantized = false) {
  if (!value)
    return ctx.emitError() << "missing required input '" << name << "' (#" << i
                           << ")";
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() != shape || !isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "input '" << name << "' has type " << type
                           << (quantized ? " (dequantized)" : "")
                           << " but needs float " << symbolic << " = "
                           << formatShape(shape);
  return success();
}

/// Checks that input `i` (named `name`) is a float tensor of `shape`.
LogicalResult checkInputShape(NodeContext &ctx, unsigned i, StringRef name,
                              ArrayRef<int64_t> shape, StringRef symbolic) {
  RankedTensorType type = ctx.inputType(i);
  if (!type)
    return ctx.emitError() << "missing required input '" << name << "' (#" << i
                           << ")";
  if (type.getShape() != shape || !isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "input '" << name << "' has type " << type
                           << " but needs float " << symbolic << " = "
                           << formatShape(shape);
  return success();
}

/// `k` and `normalize_routing_weights`, checked against E.
LogicalResult getRouting(NodeContext &ctx, int64_t e, int64_t &k,
                         bool &normalize) {
  k = ctx.intAttr("k", 1);
  if (k < 1 || k > e)
    return ctx.emitError() << "attribute 'k' = " << k
                           << " must be in [1, E = " << e << "]";
  int64_t norm = ctx.intAttr("normalize_routing_weights", 0);
  if (norm != 0 && norm != 1)
    return ctx.emitError() << "attribute 'normalize_routing_weights' = " << norm
                           << " must be 0 or 1";
  normalize = norm;
  return success();
}

FailureOr<Value> optionalInput(NodeContext &ctx, unsigned i, StringRef name) {
  if (!ctx.hasInput(i))
    return Value();
  return ctx.input(i, name);
}

/// The activation of an MoE node in its domain: `gelu` is the exact erf
/// form in m3sat and ONNX Runtime's tanh approximation in com.microsoft,
/// which adds `swiglu` (with `swiglu_fusion`, `activation_alpha`,
/// `activation_beta` and `swiglu_limit`).
struct MoEActivation {
  Activation kind = Activation::relu;
  /// 0: fc1 and fc3 separate, 1: fc1 interleaved, 2: fc1 [gate; linear].
  int64_t fusion = 0;
  FloatAttr alpha, beta, limit;
};

FailureOr<MoEActivation> readActivation(NodeContext &ctx, bool ort) {
  MoEActivation act;
  std::string name = ctx.stringAttr("activation_type", "relu");
  if (name == "relu")
    act.kind = Activation::relu;
  else if (name == "gelu")
    act.kind = ort ? Activation::gelu_tanh : Activation::gelu;
  else if (name == "silu")
    act.kind = Activation::silu;
  else if (name == "identity")
    act.kind = Activation::identity;
  else if (ort && name == "swiglu")
    act.kind = Activation::swiglu;
  else
    return ctx.emitError() << "attribute 'activation_type' = '" << name
                           << "' is not one of relu, gelu, silu, identity"
                           << (ort ? ", swiglu" : "");
  if (!ort)
    return act;
  act.fusion = ctx.intAttr("swiglu_fusion", 0);
  if (act.fusion < 0 || act.fusion > 2)
    return ctx.emitError() << "attribute 'swiglu_fusion' = " << act.fusion
                           << " must be 0 (fc1 and fc3), 1 (interleaved) or "
                              "2 (concatenated)";
  if (act.kind != Activation::swiglu)
    return act;
  // ONNX Runtime's defaults: alpha 1, beta 0, no clamp.
  Builder b(ctx.getContext());
  act.alpha = b.getF32FloatAttr(ctx.floatAttr("activation_alpha", 1.0f));
  act.beta = b.getF32FloatAttr(ctx.floatAttr("activation_beta", 0.0f));
  if (ctx.hasAttr("swiglu_limit")) {
    float limit = ctx.floatAttr("swiglu_limit", 0.0f);
    if (!(limit >= 0.0f))
      return ctx.emitError()
             << "attribute 'swiglu_limit' = " << limit << " must be >= 0";
    act.limit = b.getF32FloatAttr(limit);
  }
  return act;
}

/// Gate and linear parts [E, H, ...] as one tensor [E, 2H, ...] whose rows
/// alternate gate, linear (the interleaved layout of m3sat.moe_ffn).
Value interleaveRows(OpBuilder &b, Location loc, Value gate, Value linear) {
  auto type = cast<RankedTensorType>(gate.getType());
  SmallVector<int64_t> pairShape(type.getShape());
  pairShape.insert(pairShape.begin() + 2, 1);
  SmallVector<int64_t> pairsShape = pairShape;
  pairsShape[2] = 2;
  Value pairs = tosa::ConcatOp::create(
      b, loc, RankedTensorType::get(pairsShape, type.getElementType()),
      ValueRange{createReshape(b, loc, gate, pairShape),
                 createReshape(b, loc, linear, pairShape)},
      b.getI32IntegerAttr(2));
  SmallVector<int64_t> shape(type.getShape());
  shape[1] *= 2;
  return createReshape(b, loc, pairs, shape);
}

/// [E, 2H, ...] with the gate rows first, then the linear rows
/// (swiglu_fusion = 2), as interleaved rows.
Value interleaveHalves(OpBuilder &b, Location loc, Value fused) {
  auto type = cast<RankedTensorType>(fused.getType());
  SmallVector<int64_t> halves(type.getShape());
  halves[1] /= 2;
  halves.insert(halves.begin() + 1, 2);
  SmallVector<int32_t> perms = {0, 2, 1};
  for (int32_t i = 3; i < static_cast<int32_t>(halves.size()); ++i)
    perms.push_back(i);
  Value pairs =
      createTranspose(b, loc, createReshape(b, loc, fused, halves), perms);
  return createReshape(b, loc, pairs, type.getShape());
}

/// The expert inputs of an MoE node as float tensors: the node's own for
/// MoE, dequantized ones (current layout only) for QMoE.
struct ExpertInputs {
  Value fc1, fc1Bias, fc2, fc2Bias, fc3, fc3Bias;
  bool quantized = false;
  /// QMoE: ONNX Runtime's kernel renormalizes the top-k weights whatever
  /// normalize_routing_weights says.
  bool alwaysNormalize = false;
  /// ONNX input indices, for messages.
  unsigned fc1Index = 2, fc1BiasIndex = 3, fc2Index = 4, fc2BiasIndex = 5,
           fc3Index = 6, fc3BiasIndex = 7;
};

/// The token width D and expert count E of an MoE node; `flatRouter` is
/// set for ONNX Runtime's router_probs [T, E] of an input [B, S, D].
LogicalResult readMoETokens(NodeContext &ctx, bool ort, bool &flatRouter,
                            int64_t &d, int64_t &e) {
  RankedTensorType inputType = ctx.inputType(0), routerType = ctx.inputType(1);
  flatRouter = ort && inputType && routerType && inputType.getRank() == 3 &&
               routerType.getRank() == 2;
  if (!flatRouter)
    return checkTokens(ctx, {2, 3}, d, e);
  d = inputType.getShape().back();
  e = routerType.getShape().back();
  int64_t tokens = inputType.getDimSize(0) * inputType.getDimSize(1);
  if (!isa<FloatType>(inputType.getElementType()) ||
      routerType.getDimSize(0) != tokens ||
      routerType.getElementType() != inputType.getElementType())
    return ctx.emitError() << "input 'router_probs' has type " << routerType
                           << " but needs " << inputType.getElementType()
                           << " logits of shape [B*S = " << tokens
                           << ", E] for 'input' " << inputType;
  return success();
}

/// How an MoE node routes: top-k, renormalized or not (use_sparse_mixer
/// checked and reported).
LogicalResult readMoERouting(NodeContext &ctx, const ExpertInputs &in, bool ort,
                             int64_t e, int64_t &k, bool &normalize) {
  int64_t sparseMixer = ctx.intAttr("use_sparse_mixer", 0);
  if (sparseMixer != 0 && (!ort || sparseMixer != 1))
    return ctx.emitError() << "attribute 'use_sparse_mixer' = " << sparseMixer
                           << (ort ? " must be 0 or 1" : " is not supported");
  if (failed(getRouting(ctx, e, k, normalize)))
    return failure();
  if (in.alwaysNormalize && !normalize) {
    ctx.emitRemark() << "normalize_routing_weights = 0 is computed as ONNX "
                        "Runtime's CPU QMoE kernel computes it: the top-k "
                        "weights are renormalized";
    normalize = true;
  }
  if (sparseMixer) {
    if (k != 2)
      return ctx.emitError() << "attribute 'use_sparse_mixer' = 1 needs 'k' = "
                                "2, got "
                             << k;
    ctx.emitRemark() << "use_sparse_mixer = 1 is computed as ONNX Runtime's "
                        "CPU kernel computes it: softmax over all experts, "
                        "top 2";
  }
  return success();
}

/// The layout of an MoE node's expert weights.
struct ExpertLayout {
  /// Gate and linear parts in fc1 and fc3, or both in fc1.
  bool hasFc3 = false, fusedFc1 = false, gated = false;
  /// fc1 [E, D, H], fc2 [E, H, D] of older ONNX Runtime releases.
  bool oldLayout = false;
  int64_t h = 0;
};

/// Checks where the gate and linear parts of gated experts are.
LogicalResult checkGatedInputs(NodeContext &ctx, const ExpertInputs &in,
                               bool ort, const MoEActivation &act,
                               ExpertLayout &layout) {
  bool swiglu = act.kind == Activation::swiglu;
  layout.hasFc3 = static_cast<bool>(in.fc3);
  if (!ort && (layout.hasFc3 || in.fc3Bias))
    return ctx.emitError() << "input 'fc3_experts_weights' (gated experts) is "
                              "not an input of m3sat::MoE (use "
                              "com.microsoft::MoE)";
  if (in.fc3Bias && !layout.hasFc3)
    return ctx.emitError() << "input 'fc3_experts_bias' needs "
                              "'fc3_experts_weights'";
  layout.fusedFc1 = swiglu && act.fusion != 0;
  if (layout.fusedFc1 && layout.hasFc3)
    return ctx.emitError() << "input 'fc3_experts_weights' is given but "
                              "'swiglu_fusion' = "
                           << act.fusion << " stores the linear part in fc1";
  if (swiglu && !layout.fusedFc1 && !layout.hasFc3)
    return ctx.emitError() << "activation 'swiglu' with 'swiglu_fusion' = 0 "
                              "needs input 'fc3_experts_weights'";
  layout.gated = swiglu || layout.hasFc3;
  return success();
}

/// Checks the shapes of the expert weights and biases against D and E, and
/// sets the layout (fc1 is [E, F, D] now, [E, D, F] in older ONNX Runtime,
/// F = H, or 2H fused; F == D is ambiguous and read as the current layout;
/// QMoE has the current layout only).
LogicalResult checkExpertShapes(NodeContext &ctx, const ExpertInputs &in,
                                int64_t d, int64_t e, ExpertLayout &layout) {
  bool fusedFc1 = layout.fusedFc1;
  int64_t fc1Factor = fusedFc1 ? 2 : 1;
  auto fc1Type =
      in.fc1 ? dyn_cast<RankedTensorType>(in.fc1.getType()) : nullptr;
  bool fc1Current = fc1Type && fc1Type.getDimSize(2) == d;
  if (!fc1Type || fc1Type.getRank() != 3 || fc1Type.getDimSize(0) != e ||
      (!fc1Current && (in.quantized || fc1Type.getDimSize(1) != d)))
    return ctx.emitError() << "input 'fc1_experts_weights' has type "
                           << (fc1Type ? fc1Type : Type())
                           << (in.quantized ? " (dequantized)" : "")
                           << " but needs [E, " << (fusedFc1 ? "2H" : "H")
                           << ", D] with E = " << e << ", D = " << d
                           << (in.quantized ? ""
                                            : " (or [E, D, H] of older "
                                              "ONNX Runtime)");
  bool oldLayout = layout.oldLayout = !fc1Current;
  int64_t f = oldLayout ? fc1Type.getDimSize(2) : fc1Type.getDimSize(1);
  if (f % fc1Factor)
    return ctx.emitError() << "input 'fc1_experts_weights' has type " << fc1Type
                           << " but a fused SwiGLU needs an even "
                           << "number of rows (2H)";
  int64_t h = layout.h = f / fc1Factor;
  auto weightShape = [&](int64_t rows) {
    return oldLayout ? SmallVector<int64_t>{e, d, rows}
                     : SmallVector<int64_t>{e, rows, d};
  };
  bool q = in.quantized;
  if (failed(checkShape(
          ctx, in.fc2, in.fc2Index, "fc2_experts_weights",
          oldLayout ? ArrayRef<int64_t>{e, h, d} : ArrayRef<int64_t>{e, d, h},
          oldLayout ? "[E, H, D] (older layout, as fc1)" : "[E, D, H]", q)))
    return failure();
  if (in.fc1Bias &&
      failed(checkShape(ctx, in.fc1Bias, in.fc1BiasIndex, "fc1_experts_bias",
                        {e, f}, fusedFc1 ? "[E, 2H]" : "[E, H]")))
    return failure();
  if (in.fc2Bias && failed(checkShape(ctx, in.fc2Bias, in.fc2BiasIndex,
                                      "fc2_experts_bias", {e, d}, "[E, D]")))
    return failure();
  if (layout.hasFc3 &&
      failed(checkShape(
          ctx, in.fc3, in.fc3Index, "fc3_experts_weights", weightShape(h),
          oldLayout ? "[E, D, H] (older layout, as fc1)" : "[E, H, D]", q)))
    return failure();
  if (in.fc3Bias && failed(checkShape(ctx, in.fc3Bias, in.fc3BiasIndex,
                                      "fc3_experts_bias", {e, h}, "[E, H]")))
    return failure();
  return success();
}

/// The expert weights in m3sat.moe_ffn's layout: fc1 [E, H or 2H
/// interleaved, D] with its bias, fc2 [E, D, H] (fc2's bias is unchanged).
void toMoEFFNLayout(NodeContext &ctx, const ExpertInputs &in,
                    const ExpertLayout &layout, const MoEActivation &act,
                    int64_t e, Type element, Value &w1, Value &b1, Value &w2) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  w1 = in.fc1;
  w2 = in.fc2;
  b1 = in.fc1Bias;
  Value w3 = in.fc3, b3 = in.fc3Bias;
  if (layout.oldLayout) {
    ctx.emitRemark() << "expert weights use the older ONNX Runtime layout "
                        "(fc1 [E, D, H], fc2 [E, H, D]); transposed to fc1 "
                        "[E, H, D], fc2 [E, D, H]";
    w1 = createTranspose(b, loc, w1, {0, 2, 1});
    w2 = createTranspose(b, loc, w2, {0, 2, 1});
    if (w3)
      w3 = createTranspose(b, loc, w3, {0, 2, 1});
  }
  // Gated experts: fc1 holds gate and linear rows interleaved.
  if (layout.hasFc3) {
    w1 = interleaveRows(b, loc, w1, w3);
    if (b1 || b3) {
      if (!b1)
        b1 = createSplat(b, loc, {e, layout.h}, element, 0.0);
      if (!b3)
        b3 = createSplat(b, loc, {e, layout.h}, element, 0.0);
      b1 = interleaveRows(b, loc, b1, b3);
    }
  } else if (layout.fusedFc1 && act.fusion == 2) {
    w1 = interleaveHalves(b, loc, w1);
    if (b1)
      b1 = interleaveHalves(b, loc, b1);
  }
}

/// Builds m3sat.moe_ffn for an m3sat::MoE, com.microsoft::MoE or
/// com.microsoft::QMoE node whose expert inputs are `in`.
LogicalResult buildMoE(NodeContext &ctx, ExpertInputs in) {
  bool ort = ctx.node().domain() == "com.microsoft";
  bool flatRouter;
  int64_t d, e;
  if (failed(readMoETokens(ctx, ort, flatRouter, d, e)))
    return failure();
  FailureOr<MoEActivation> act = readActivation(ctx, ort);
  if (failed(act))
    return failure();
  int64_t k;
  bool normalize;
  ExpertLayout layout;
  if (failed(readMoERouting(ctx, in, ort, e, k, normalize)) ||
      failed(checkGatedInputs(ctx, in, ort, *act, layout)) ||
      failed(checkExpertShapes(ctx, in, d, e, layout)))
    return failure();

  auto input = ctx.input(0, "input");
  auto router = ctx.input(1, "router_probs");
  if (failed(input) || failed(router))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType inputType = ctx.inputType(0), routerType = ctx.inputType(1);
  Value w1, b1, w2;
  toMoEFFNLayout(ctx, in, layout, *act, e, inputType.getElementType(), w1, b1,
                 w2);
  Value tokens = *input, logits = *router;
  if (flatRouter)
    tokens = createReshape(b, loc, tokens, {routerType.getDimSize(0), d});
  auto moe =
      MoEFFNOp::create(b, loc, tokens.getType(), tokens, logits, w1, b1, w2,
                       in.fc2Bias, k, act->kind, normalize, ExpertSetAttr(),
                       layout.gated, act->alpha, act->beta, act->limit);
  // The ONNX op it came from, for --report ("com.microsoft::MoE").
  moe->setAttr(kSourceOpAttr,
               b.getStringAttr((ort ? "com.microsoft::" : "m3sat::") +
                               ctx.opType().str()));
  Value result = moe;
  if (flatRouter)
    result = createReshape(b, loc, result, inputType.getShape());
  ctx.setResult(0, result);
  return success();
}

LogicalResult convertMoE(NodeContext &ctx) {
  ExpertInputs in;
  const char *names[] = {"fc1_experts_weights", "fc1_experts_bias",
                         "fc2_experts_weights", "fc2_experts_bias",
                         "fc3_experts_weights", "fc3_experts_bias"};
  Value *slots[] = {&in.fc1,     &in.fc1Bias, &in.fc2,
                    &in.fc2Bias, &in.fc3,     &in.fc3Bias};
  for (unsigned i = 0; i < 6; ++i) {
    auto value = optionalInput(ctx, i + 2, names[i]);
    if (failed(value))
      return failure();
    *slots[i] = *value;
  }
  return buildMoE(ctx, in);
}

/// The float weights [E, R, C] of QMoE input `wi` (uint8 [E, R, C / p],
/// p = 8 / bits codes per byte) with its scales `si` and optional zero
/// points `zi`, as an m3sat.dequantize; a null value if `wi` is absent.
FailureOr<Value> dequantizeInput(NodeContext &ctx, unsigned wi, StringRef wname,
                                 unsigned si, StringRef sname, unsigned zi,
                                 StringRef zname, int64_t bits, int64_t block,
                                 Type element) {
  if (!ctx.hasInput(wi)) {
    for (auto [i, name] :
         {std::pair<unsigned, StringRef>{si, sname}, {zi, zname}})
      if (ctx.hasInput(i))
        return ctx.emitError() << "input '" << name << "' (#" << i
                               << ") is given without '" << wname << "'";
    return Value();
  }
  int64_t p = 8 / bits;
  RankedTensorType wt = ctx.inputType(wi);
  if (!wt || wt.getRank() != 3 || !wt.hasStaticShape() ||
      !wt.getElementType().isInteger(8))
    return ctx.emitError() << "input '" << wname << "' has type "
                           << (wt ? wt : Type())
                           << " but needs uint8 [E, R, C / " << p << "] ("
                           << bits << "-bit codes, " << p << " per byte)";
  int64_t e = wt.getDimSize(0), r = wt.getDimSize(1), c = wt.getDimSize(2) * p;
  if (block && c % block)
    return ctx.emitError() << "attribute 'block_size' = " << block
                           << " does not divide the " << c << " columns of "
                           << "input '" << wname << "'";
  SmallVector<int64_t> scaleShape = {e, r};
  if (block)
    scaleShape.push_back(c / block);
  if (!ctx.hasInput(si))
    return ctx.emitError() << "missing required input '" << sname << "' (#"
                           << si << ") of '" << wname << "'";
  RankedTensorType st = ctx.inputType(si);
  if (!st || st.getShape() != ArrayRef<int64_t>(scaleShape) ||
      st.getElementType() != element)
    return ctx.emitError() << "input '" << sname << "' has type "
                           << (st ? st : Type()) << " but needs " << element
                           << (block ? " [E, R, C / block_size] = "
                                     : " [E, R] = ")
                           << formatShape(scaleShape) << " for '" << wname
                           << "' " << wt;
  SmallVector<int64_t> zeroShape = scaleShape;
  zeroShape.back() = (zeroShape.back() + p - 1) / p;
  if (ctx.hasInput(zi)) {
    RankedTensorType zt = ctx.inputType(zi);
    if (!zt || zt.getShape() != ArrayRef<int64_t>(zeroShape) ||
        !zt.getElementType().isInteger(8))
      return ctx.emitError()
             << "input '" << zname << "' has type " << (zt ? zt : Type())
             << " but needs uint8 " << formatShape(zeroShape)
             << " (one code per scale of '" << sname << "', " << p
             << " per byte)";
  }
  auto packed = ctx.input(wi, wname);
  auto scales = ctx.input(si, sname);
  auto zeros = optionalInput(ctx, zi, zname);
  if (failed(packed) || failed(scales) || failed(zeros))
    return failure();
  OpBuilder &b = ctx.builder();
  return DequantizeOp::create(
             b, ctx.loc(), RankedTensorType::get({e, r, c}, element), *packed,
             *scales, *zeros, b.getI64IntegerAttr(bits),
             b.getI64IntegerAttr(block))
      .getResult();
}

/// com.microsoft::QMoE: the expert weights stay packed 4- or 8-bit codes
/// (m3sat.dequantize); the rest is com.microsoft::MoE.
LogicalResult convertQMoE(NodeContext &ctx) {
  int64_t bits = ctx.intAttr("expert_weight_bits", 4);
  if (bits != 4 && bits != 8)
    return ctx.emitError() << "attribute 'expert_weight_bits' = " << bits
                           << " must be 4 or 8";
  int64_t block = ctx.intAttr("block_size", 0);
  if (block < 0)
    return ctx.emitError() << "attribute 'block_size' = " << block
                           << " must be > 0 (or absent: one scale per row)";
  for (unsigned i = 14; i < ctx.node().input_size(); ++i)
    if (ctx.hasInput(i))
      return ctx.emitError()
             << "input #" << i << (i == 14 ? " ('router_weights')" : "")
             << " is not supported (only the integer "
                "weight-only QMoE is)";
  RankedTensorType inputType = ctx.inputType(0);
  if (!inputType || !isa<FloatType>(inputType.getElementType()))
    return ctx.emitError() << "input 'input' needs a float tensor";
  Type element = inputType.getElementType();
  ExpertInputs in;
  in.quantized = true;
  in.alwaysNormalize = true;
  in.fc1BiasIndex = 4;
  in.fc2Index = 5;
  in.fc2BiasIndex = 7;
  in.fc3Index = 8;
  in.fc3BiasIndex = 10;
  struct Part {
    unsigned w, s, z;
    const char *wname, *sname, *zname;
    Value *slot;
  } parts[] = {{2, 3, 11, "fc1_experts_weights", "fc1_scales",
                "fc1_zero_points", &in.fc1},
               {5, 6, 12, "fc2_experts_weights", "fc2_scales",
                "fc2_zero_points", &in.fc2},
               {8, 9, 13, "fc3_experts_weights", "fc3_scales",
                "fc3_zero_points", &in.fc3}};
  for (const Part &part : parts) {
    FailureOr<Value> w =
        dequantizeInput(ctx, part.w, part.wname, part.s, part.sname, part.z,
                        part.zname, bits, block, element);
    if (failed(w))
      return failure();
    *part.slot = *w;
  }
  for (auto [i, name, slot] : {std::tuple<unsigned, StringRef, Value *>{
                                   4, "fc1_experts_bias", &in.fc1Bias},
                               {7, "fc2_experts_bias", &in.fc2Bias},
                               {10, "fc3_experts_bias", &in.fc3Bias}}) {
    auto value = optionalInput(ctx, i, name);
    if (failed(value))
      return failure();
    *slot = *value;
  }
  return buildMoE(ctx, in);
}

LogicalResult convertMoAttention(NodeContext &ctx) {
  int64_t d, e;
  if (failed(checkTokens(ctx, {3}, d, e)))
    return failure();
  int64_t k;
  bool normalize;
  if (failed(getRouting(ctx, e, k, normalize)))
    return failure();
  RankedTensorType wqType = ctx.inputType(2);
  if (!wqType || wqType.getRank() != 3 || wqType.getDimSize(0) != e ||
      wqType.getDimSize(2) != d)
    return ctx.emitError() << "input 'wq' has type "
                           << (wqType ? wqType : Type())
                           << " but needs [E, Dh, D] with E = " << e
                           << ", D = " << d;
  int64_t dh = wqType.getDimSize(1);
  if (failed(checkInputShape(ctx, 3, "wk", {dh, d}, "[Dh, D]")) ||
      failed(checkInputShape(ctx, 4, "wv", {dh, d}, "[Dh, D]")) ||
      failed(checkInputShape(ctx, 5, "wo", {e, d, dh}, "[E, D, Dh]")) ||
      (ctx.hasInput(6) && failed(checkInputShape(ctx, 6, "bo", {d}, "[D]"))))
    return failure();
  FloatAttr scale;
  if (ctx.hasAttr("scale"))
    scale = ctx.builder().getF32FloatAttr(ctx.floatAttr("scale", 1.0f));

  SmallVector<Value> operands;
  const char *names[] = {"input", "router_probs", "wq", "wk", "wv", "wo"};
  for (auto [i, name] : llvm::enumerate(names)) {
    auto value = ctx.input(i, name);
    if (failed(value))
      return failure();
    operands.push_back(*value);
  }
  auto bo = optionalInput(ctx, 6, "bo");
  if (failed(bo))
    return failure();
  auto moa = MoEAttentionOp::create(
      ctx.builder(), ctx.loc(), operands[0].getType(), operands[0], operands[1],
      operands[2], operands[3], operands[4], operands[5], *bo,
      /*kv_source=*/Value(), k, normalize, scale, ExpertSetAttr());
  moa->setAttr(kSourceOpAttr,
               ctx.builder().getStringAttr("m3sat::MoAttention"));
  ctx.setResult(0, moa);
  return success();
}

} // namespace

void onnx_import::registerMoEConverters(ConverterRegistry &registry) {
  registry.add("m3sat", "MoE", convertMoE);
  registry.add("com.microsoft", "MoE", convertMoE);
  registry.add("com.microsoft", "QMoE", convertQMoE);
  registry.add("m3sat", "MoAttention", convertMoAttention);
}
