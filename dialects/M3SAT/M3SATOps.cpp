//===- M3SATOps.cpp - m3sat operation verifiers ---------------------------===//
//
// Shape and attribute verification of the m3sat operations. Every mismatch is
// reported with the operand name, the expected layout and the actual type.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace m3sat;

namespace {

/// One expected dimension: its symbol in the layout (e.g. "E") and its size,
/// or ShapedType::kDynamic when not known yet (then any size is accepted).
struct Dim {
  StringRef symbol;
  int64_t size;
};

/// Verifies operand shapes against named layouts and keeps the op to report
/// errors on.
class ShapeChecker {
public:
  explicit ShapeChecker(Operation *op) : op(op) {}

  /// Checks that `value` is a ranked tensor of exactly `dims`; a dimension
  /// that is dynamic on either side is not compared.
  LogicalResult check(StringRef name, Value value, ArrayRef<Dim> dims) {
    auto type = cast<RankedTensorType>(value.getType());
    bool ok = type.getRank() == static_cast<int64_t>(dims.size());
    for (int64_t i = 0; ok && i < type.getRank(); ++i) {
      int64_t actual = type.getDimSize(i);
      ok = ShapedType::isDynamic(actual) ||
           ShapedType::isDynamic(dims[i].size) || actual == dims[i].size;
    }
    if (ok)
      return success();
    return op->emitOpError() << kind(value) << " '" << name << "' must be "
                             << layout(dims) << ", got " << type;
  }

  /// Checks that `value` has rank `rank`; `layoutText` names the dimensions.
  LogicalResult checkRank(StringRef name, Value value, int64_t rank,
                          StringRef layoutText) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getRank() == rank)
      return success();
    return op->emitOpError()
           << kind(value) << " '" << name << "' must have rank " << rank << " ("
           << layoutText << "), got " << type;
  }

  /// Checks that `value` has the element type `elementType` of `refName`.
  LogicalResult checkElementType(StringRef name, Value value, StringRef refName,
                                 Type elementType) {
    Type actual = cast<ShapedType>(value.getType()).getElementType();
    if (actual == elementType)
      return success();
    return op->emitOpError()
           << kind(value) << " '" << name << "' has element type " << actual
           << " but '" << refName << "' has " << elementType;
  }

private:
  /// "result" for a result of the checked op, "operand" otherwise.
  StringRef kind(Value value) const {
    auto result = dyn_cast<OpResult>(value);
    return result && result.getOwner() == op ? "result" : "operand";
  }

  static std::string layout(ArrayRef<Dim> dims) {
    std::string symbols, sizes;
    for (auto [i, d] : llvm::enumerate(dims)) {
      if (i) {
        symbols += ", ";
        sizes += ", ";
      }
      symbols += d.symbol.str();
      sizes += ShapedType::isDynamic(d.size) ? "?" : std::to_string(d.size);
    }
    return "[" + symbols + "] = [" + sizes + "]";
  }

  Operation *op;
};

int64_t dimOf(Value value, int64_t i) {
  return cast<RankedTensorType>(value.getType()).getDimSize(i);
}

/// Product of two sizes that stays dynamic when either is.
int64_t mulDims(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return ShapedType::kDynamic;
  return a * b;
}

/// Shared checks of the routing of an MoE layer: exactly one of dynamic
/// logits or a static expert set, 1 <= k <= E, and a static set that fits.
LogicalResult verifyRouting(Operation *op, Value routerLogits,
                            ExpertSetAttr staticExperts, int64_t k,
                            int64_t numExperts) {
  if (!routerLogits == !staticExperts)
    return op->emitOpError()
           << "requires exactly one of a 'router_logits' operand (dynamic "
              "routing) or a 'static_experts' attribute (static routing)";
  if (k < 1)
    return op->emitOpError() << "attribute 'k' must be at least 1, got " << k;
  if (!ShapedType::isDynamic(numExperts) && k > numExperts)
    return op->emitOpError()
           << "attribute 'k' = " << k
           << " exceeds the number of experts E = " << numExperts;
  if (!staticExperts)
    return success();
  int64_t setSize = staticExperts.getExperts().size();
  if (setSize != k)
    return op->emitOpError() << "attribute 'static_experts' holds " << setSize
                             << " experts but 'k' = " << k;
  for (int64_t e : staticExperts.getExperts())
    if (!ShapedType::isDynamic(numExperts) && e >= numExperts)
      return op->emitOpError()
             << "attribute 'static_experts' names expert " << e
             << " but there are only E = " << numExperts << " experts";
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// MoEFFNOp
//===----------------------------------------------------------------------===//

LogicalResult MoEFFNOp::verify() {
  ShapeChecker checker(*this);
  auto inputType = cast<RankedTensorType>(getInput().getType());
  int64_t rank = inputType.getRank();
  if (rank != 2 && rank != 3)
    return emitOpError() << "operand 'input' must be [T, D] or [B, S, D], got "
                         << inputType;
  if (getOutput().getType() != inputType)
    return emitOpError() << "result type " << getOutput().getType()
                         << " must equal the type of 'input' " << inputType;
  if (failed(checker.checkRank("fc1_weights", getFc1Weights(), 3, "[E, H, D]")))
    return failure();

  int64_t d = inputType.getDimSize(rank - 1);
  int64_t e = dimOf(getFc1Weights(), 0);
  int64_t h = dimOf(getFc1Weights(), 1);
  // A gated expert's fc1 computes gate and linear part interleaved: 2H rows.
  bool gated = getGated();
  if (gated && !ShapedType::isDynamic(h)) {
    if (h % 2)
      return emitOpError() << "operand 'fc1_weights' of a gated expert must "
                              "have an even number of rows (2H), got "
                           << getFc1Weights().getType();
    h /= 2;
  }
  Dim fc1Rows = {gated ? "2H" : "H", mulDims(h, gated ? 2 : 1)};
  Type elementType = inputType.getElementType();
  if (failed(checker.check("fc1_weights", getFc1Weights(),
                           {{"E", e}, fc1Rows, {"D", d}})) ||
      failed(checker.check("fc2_weights", getFc2Weights(),
                           {{"E", e}, {"D", d}, {"H", h}})))
    return failure();
  if (getFc1Bias() &&
      failed(checker.check("fc1_bias", getFc1Bias(), {{"E", e}, fc1Rows})))
    return failure();
  if (getActivation() == Activation::swiglu && !gated)
    return emitOpError() << "activation 'swiglu' needs 'gated' (fc1 [E, 2H, D] "
                            "with gate and linear rows interleaved)";
  if (getActivation() != Activation::swiglu &&
      (getActivationAlphaAttr() || getActivationBetaAttr() ||
       getSwigluLimitAttr()))
    return emitOpError() << "attributes 'activation_alpha', 'activation_beta' "
                            "and 'swiglu_limit' apply to activation 'swiglu' "
                            "only";
  if (FloatAttr limit = getSwigluLimitAttr();
      limit && !(limit.getValueAsDouble() >= 0.0))
    return emitOpError() << "attribute 'swiglu_limit' = "
                         << limit.getValueAsDouble() << " must be >= 0";
  if (getFc2Bias() &&
      failed(checker.check("fc2_bias", getFc2Bias(), {{"E", e}, {"D", d}})))
    return failure();
  if (Value logits = getRouterLogits()) {
    SmallVector<Dim> dims;
    if (rank == 3)
      dims.append(
          {{"B", inputType.getDimSize(0)}, {"S", inputType.getDimSize(1)}});
    else
      dims.push_back({"T", inputType.getDimSize(0)});
    dims.push_back({"E", e});
    if (failed(checker.check("router_logits", logits, dims)))
      return failure();
  }
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"router_logits", getRouterLogits()},
        {"fc1_weights", getFc1Weights()},
        {"fc1_bias", getFc1Bias()},
        {"fc2_weights", getFc2Weights()},
        {"fc2_bias", getFc2Bias()}})
    if (value &&
        failed(checker.checkElementType(name, value, "input", elementType)))
      return failure();
  return verifyRouting(*this, getRouterLogits(), getStaticExpertsAttr(), getK(),
                       e);
}

//===----------------------------------------------------------------------===//
// MoEAttentionOp
//===----------------------------------------------------------------------===//

float MoEAttentionOp::getScaleOrDefault() {
  if (FloatAttr scale = getScaleAttr())
    return static_cast<float>(scale.getValueAsDouble());
  int64_t headDim = dimOf(getWq(), 1);
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(headDim)));
}

LogicalResult MoEAttentionOp::verify() {
  ShapeChecker checker(*this);
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (inputType.getRank() != 3)
    return emitOpError() << "operand 'input' must be [B, S, D], got "
                         << inputType;
  if (getOutput().getType() != inputType)
    return emitOpError() << "result type " << getOutput().getType()
                         << " must equal the type of 'input' " << inputType;
  if (failed(checker.checkRank("wq", getWq(), 3, "[E, Dh, D]")))
    return failure();

  int64_t b = inputType.getDimSize(0), s = inputType.getDimSize(1);
  int64_t d = inputType.getDimSize(2);
  int64_t e = dimOf(getWq(), 0), dh = dimOf(getWq(), 1);
  if (failed(checker.check("wq", getWq(), {{"E", e}, {"Dh", dh}, {"D", d}})) ||
      failed(checker.check("wk", getWk(), {{"Dh", dh}, {"D", d}})) ||
      failed(checker.check("wv", getWv(), {{"Dh", dh}, {"D", d}})) ||
      failed(checker.check("wo", getWo(), {{"E", e}, {"D", d}, {"Dh", dh}})))
    return failure();
  if (getBo() && failed(checker.check("bo", getBo(), {{"D", d}})))
    return failure();
  if (Value source = getKvSource()) {
    if (failed(checker.checkRank("kv_source", source, 3, "[B, S', D]")))
      return failure();
    auto sourceType = cast<RankedTensorType>(source.getType());
    if (failed(checker.check(
            "kv_source", source,
            {{"B", b}, {"S'", sourceType.getDimSize(1)}, {"D", d}})))
      return failure();
  }
  if (getRouterLogits() &&
      failed(checker.check("router_logits", getRouterLogits(),
                           {{"B", b}, {"S", s}, {"E", e}})))
    return failure();
  Type elementType = inputType.getElementType();
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"router_logits", getRouterLogits()},
        {"wq", getWq()},
        {"wk", getWk()},
        {"wv", getWv()},
        {"wo", getWo()},
        {"bo", getBo()},
        {"kv_source", getKvSource()}})
    if (value &&
        failed(checker.checkElementType(name, value, "input", elementType)))
      return failure();
  if (FloatAttr scale = getScaleAttr()) {
    double value = scale.getValueAsDouble();
    if (!(std::isfinite(value) && value > 0.0))
      return emitOpError()
             << "attribute 'scale' must be finite and positive, got " << value;
  }
  return verifyRouting(*this, getRouterLogits(), getStaticExpertsAttr(), getK(),
                       e);
}

//===----------------------------------------------------------------------===//
// RouteOp
//===----------------------------------------------------------------------===//

LogicalResult RouteOp::verify() {
  ShapeChecker checker(*this);
  auto logitsType = cast<RankedTensorType>(getLogits().getType());
  if (logitsType.getRank() < 1)
    return emitOpError() << "operand 'logits' must be [..., E], got "
                         << logitsType;
  int64_t e = logitsType.getDimSize(logitsType.getRank() - 1);
  int64_t k = getK();
  if (k < 1)
    return emitOpError() << "attribute 'k' must be at least 1, got " << k;
  if (!ShapedType::isDynamic(e) && k > e)
    return emitOpError() << "attribute 'k' = " << k
                         << " exceeds the number of experts E = " << e;
  SmallVector<int64_t> expected(logitsType.getShape());
  expected.back() = k;
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"indices", getIndices()},
        {"weights", getWeights()}}) {
    auto type = cast<RankedTensorType>(value.getType());
    if (failed(verifyCompatibleShape(type.getShape(), expected)))
      return emitOpError() << "result '" << name
                           << "' must have the shape of 'logits' with the "
                              "last dimension k = "
                           << k << ", got " << type;
  }
  Type weightType = getWeights().getType().getElementType();
  if (weightType != logitsType.getElementType())
    return emitOpError() << "result 'weights' has element type " << weightType
                         << " but 'logits' has " << logitsType.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

LogicalResult DispatchOp::verify() {
  ShapeChecker checker(*this);
  int64_t numExperts = static_cast<int64_t>(getNumExperts());
  if (numExperts < 1)
    return emitOpError() << "attribute 'num_experts' must be at least 1, got "
                         << numExperts;
  if (failed(checker.checkRank("input", getInput(), 2, "[T, D]")) ||
      failed(checker.checkRank("indices", getIndices(), 2, "[T, k]")))
    return failure();
  int64_t t = dimOf(getInput(), 0), d = dimOf(getInput(), 1);
  int64_t k = dimOf(getIndices(), 1);
  int64_t tk = mulDims(t, k);
  if (failed(checker.check("indices", getIndices(), {{"T", t}, {"k", k}})))
    return failure();
  if (failed(checker.check("sorted", getSorted(), {{"T*k", tk}, {"D", d}})) ||
      failed(checker.check("permutation", getPermutation(), {{"T*k", tk}})) ||
      failed(checker.check("offsets", getOffsets(),
                           {{"num_experts+1", numExperts + 1}})))
    return failure();
  return checker.checkElementType("sorted", getSorted(), "input",
                                  getInput().getType().getElementType());
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult GroupedMatmulOp::verify() {
  ShapeChecker checker(*this);
  if (failed(checker.checkRank("lhs", getLhs(), 2, "[N, K]")) ||
      failed(checker.checkRank("weights", getWeights(), 3, "[E, M, K]")))
    return failure();
  int64_t n = dimOf(getLhs(), 0), kDim = dimOf(getLhs(), 1);
  int64_t e = dimOf(getWeights(), 0), m = dimOf(getWeights(), 1);
  if (failed(checker.check("weights", getWeights(),
                           {{"E", e}, {"M", m}, {"K", kDim}})) ||
      failed(
          checker.check("offsets", getOffsets(),
                        {{"E+1", ShapedType::isDynamic(e) ? ShapedType::kDynamic
                                                          : e + 1}})) ||
      failed(checker.check("result", getResult(), {{"N", n}, {"M", m}})))
    return failure();
  if (getBias() &&
      failed(checker.check("bias", getBias(), {{"E", e}, {"M", m}})))
    return failure();
  Type elementType = getLhs().getType().getElementType();
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"weights", getWeights()},
        {"bias", getBias()},
        {"result", getResult()}})
    if (value &&
        failed(checker.checkElementType(name, value, "lhs", elementType)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

LogicalResult CombineOp::verify() {
  ShapeChecker checker(*this);
  if (failed(checker.checkRank("rows", getRows(), 2, "[T*k, D]")) ||
      failed(checker.checkRank("weights", getWeights(), 2, "[T, k]")))
    return failure();
  int64_t t = dimOf(getWeights(), 0), k = dimOf(getWeights(), 1);
  int64_t d = dimOf(getRows(), 1);
  int64_t tk = mulDims(t, k);
  if (failed(checker.check("rows", getRows(), {{"T*k", tk}, {"D", d}})) ||
      failed(checker.check("permutation", getPermutation(), {{"T*k", tk}})) ||
      failed(checker.check("result", getResult(), {{"T", t}, {"D", d}})))
    return failure();
  Type elementType = getRows().getType().getElementType();
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"weights", getWeights()},
        {"result", getResult()}})
    if (failed(checker.checkElementType(name, value, "rows", elementType)))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  int64_t bits = getBits();
  if (bits != 4 && bits != 8)
    return emitOpError() << "'bits' must be 4 or 8, got " << bits;
  int64_t block = getBlockSize();
  if (block < 0)
    return emitOpError() << "'block_size' must be >= 0, got " << block;
  ShapeChecker checker(*this);
  if (failed(checker.checkRank("packed", getPacked(), 3, "[E, R, C / p]")) ||
      failed(checker.checkRank("result", getResult(), 3, "[E, R, C]")))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"packed", getPacked()},
                             {"scales", getScales()},
                             {"zero_points", getZeroPoints()},
                             {"result", getResult()}})
    if (value && !cast<RankedTensorType>(value.getType()).hasStaticShape())
      return emitOpError() << "'" << name << "' must have a static shape, got "
                           << value.getType();
  int64_t p = getCodesPerByte();
  int64_t e = dimOf(getPacked(), 0), r = dimOf(getPacked(), 1);
  int64_t c = dimOf(getPacked(), 2) * p;
  if (failed(checker.check("result", getResult(),
                           {{"E", e}, {"R", r}, {"C = p * packed[2]", c}})))
    return failure();
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  if (block == 0) {
    if (failed(checker.check("scales", getScales(), {{"E", e}, {"R", r}})) ||
        (getZeroPoints() &&
         failed(checker.check("zero_points", getZeroPoints(),
                              {{"E", e}, {"ceil(R / p)", ceilDiv(r, p)}}))))
      return failure();
  } else {
    if (c % block)
      return emitOpError() << "'block_size' = " << block
                           << " does not divide the " << c
                           << " columns of a row";
    int64_t nb = c / block;
    if (failed(checker.check("scales", getScales(),
                             {{"E", e}, {"R", r}, {"C / block_size", nb}})) ||
        (getZeroPoints() &&
         failed(checker.check(
             "zero_points", getZeroPoints(),
             {{"E", e}, {"R", r}, {"ceil(NB / p)", ceilDiv(nb, p)}}))))
      return failure();
  }
  return checker.checkElementType("result", getResult(), "scales",
                                  getScales().getType().getElementType());
}

#define GET_OP_CLASSES
#include "M3SAT/M3SATOps.cpp.inc"
