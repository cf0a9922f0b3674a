//===- MoEOps.cpp - the MoE custom ops of DESIGN.md -----------------------===//
//
// m3sat::MoE and com.microsoft::MoE become m3sat.moe_ffn; m3sat::MoAttention
// becomes m3sat.moe_attention. Shapes are checked here so that each mismatch
// names the ONNX input; expert weights stored in the layout of older ONNX
// Runtime releases (fc1 [E, D, H], fc2 [E, H, D]) are detected against the
// input width D, reported with a remark and transposed.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "M3SAT/M3SATOps.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

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

/// Checks that input `i` (named `name`) is a float tensor of `shape`.
LogicalResult checkShape(NodeContext &ctx, unsigned i, StringRef name,
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

LogicalResult convertMoE(NodeContext &ctx) {
  int64_t d, e;
  if (failed(checkTokens(ctx, {2, 3}, d, e)))
    return failure();
  if (ctx.hasInput(6))
    return ctx.emitError() << "input 'fc3_experts_weights' (gated experts) is "
                              "not supported";
  if (ctx.intAttr("use_sparse_mixer", 0) != 0)
    return ctx.emitError() << "attribute 'use_sparse_mixer' = 1 is not "
                              "supported";
  std::string activationName = ctx.stringAttr("activation_type", "relu");
  std::optional<Activation> activation = symbolizeActivation(activationName);
  if (!activation)
    return ctx.emitError() << "attribute 'activation_type' = '"
                           << activationName
                           << "' is not one of relu, gelu, silu, identity";
  int64_t k;
  bool normalize;
  if (failed(getRouting(ctx, e, k, normalize)))
    return failure();

  // fc1 is [E, H, D] now, [E, D, H] in older ONNX Runtime; H == D is
  // ambiguous and read as the current layout.
  RankedTensorType fc1Type = ctx.inputType(2);
  if (!fc1Type || fc1Type.getRank() != 3 || fc1Type.getDimSize(0) != e ||
      (fc1Type.getDimSize(2) != d && fc1Type.getDimSize(1) != d))
    return ctx.emitError() << "input 'fc1_experts_weights' has type "
                           << (fc1Type ? fc1Type : Type())
                           << " but needs [E, H, D] with E = " << e
                           << ", D = " << d
                           << " (or [E, D, H] of older ONNX Runtime)";
  bool oldLayout = fc1Type.getDimSize(2) != d;
  int64_t h = oldLayout ? fc1Type.getDimSize(2) : fc1Type.getDimSize(1);
  if (failed(checkShape(
          ctx, 4, "fc2_experts_weights",
          oldLayout ? ArrayRef<int64_t>{e, h, d} : ArrayRef<int64_t>{e, d, h},
          oldLayout ? "[E, H, D] (older layout, as fc1)" : "[E, D, H]")))
    return failure();
  if (ctx.hasInput(3) &&
      failed(checkShape(ctx, 3, "fc1_experts_bias", {e, h}, "[E, H]")))
    return failure();
  if (ctx.hasInput(5) &&
      failed(checkShape(ctx, 5, "fc2_experts_bias", {e, d}, "[E, D]")))
    return failure();

  auto input = ctx.input(0, "input");
  auto router = ctx.input(1, "router_probs");
  auto fc1 = ctx.input(2, "fc1_experts_weights");
  auto fc1Bias = optionalInput(ctx, 3, "fc1_experts_bias");
  auto fc2 = ctx.input(4, "fc2_experts_weights");
  auto fc2Bias = optionalInput(ctx, 5, "fc2_experts_bias");
  if (failed(input) || failed(router) || failed(fc1) || failed(fc1Bias) ||
      failed(fc2) || failed(fc2Bias))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value w1 = *fc1, w2 = *fc2;
  if (oldLayout) {
    ctx.emitRemark() << "expert weights use the older ONNX Runtime layout "
                        "(fc1 [E, D, H], fc2 [E, H, D]); transposed to fc1 "
                        "[E, H, D], fc2 [E, D, H]";
    w1 = createTranspose(b, loc, w1, {0, 2, 1});
    w2 = createTranspose(b, loc, w2, {0, 2, 1});
  }
  ctx.setResult(0, MoEFFNOp::create(b, loc, input->getType(), *input, *router,
                                    w1, *fc1Bias, w2, *fc2Bias, k, *activation,
                                    normalize, ExpertSetAttr()));
  return success();
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
  if (failed(checkShape(ctx, 3, "wk", {dh, d}, "[Dh, D]")) ||
      failed(checkShape(ctx, 4, "wv", {dh, d}, "[Dh, D]")) ||
      failed(checkShape(ctx, 5, "wo", {e, d, dh}, "[E, D, Dh]")) ||
      (ctx.hasInput(6) && failed(checkShape(ctx, 6, "bo", {d}, "[D]"))))
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
  ctx.setResult(0, MoEAttentionOp::create(ctx.builder(), ctx.loc(),
                                          operands[0].getType(), operands[0],
                                          operands[1], operands[2], operands[3],
                                          operands[4], operands[5], *bo,
                                          /*kv_source=*/Value(), k,
                                          normalize, scale, ExpertSetAttr()));
  return success();
}

} // namespace

void onnx_import::registerMoEConverters(ConverterRegistry &registry) {
  registry.add("m3sat", "MoE", convertMoE);
  registry.add("com.microsoft", "MoE", convertMoE);
  registry.add("m3sat", "MoAttention", convertMoAttention);
}
