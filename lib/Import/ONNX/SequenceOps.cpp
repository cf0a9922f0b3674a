//===- SequenceOps.cpp - ONNX tensor sequences ----------------------------===//
//
// Converters of SplitToSequence, SequenceConstruct, SequenceEmpty,
// SequenceAt, SequenceLength, SequenceInsert, SequenceErase and
// ConcatFromSequence (torch.split / torch.chunk / torch.unbind exports
// whose pieces are used as a list). A sequence exists only at import
// time: a list of tensors whose number and shapes are known, so split
// sizes and positions must be known too. Its tensors are slices and
// concats like Split's and Concat's; nothing of the sequence reaches the
// IR.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace {

/// The one-element integer input `i` (a position), known at import time.
FailureOr<int64_t> knownScalar(NodeContext &ctx, unsigned i, StringRef what) {
  auto values = ctx.constInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return ctx.emitError() << "input '" << what
                           << "' must hold one integer, got " << values->size();
  return values->front();
}

/// Position input `i` in [-size, size) (or [-size, size] when `atEnd`)
/// normalized to [0, size]; `fallback` when the input is absent.
FailureOr<int64_t> position(NodeContext &ctx, unsigned i, int64_t size,
                            bool atEnd, int64_t fallback) {
  if (!ctx.hasInput(i))
    return fallback;
  auto p = knownScalar(ctx, i, "position");
  if (failed(p))
    return failure();
  int64_t high = atEnd ? size : size - 1;
  if (*p < -size || *p > high)
    return ctx.emitError() << "position " << *p
                           << " is out of range for a sequence of " << size
                           << " tensor" << (size == 1 ? "" : "s") << " (["
                           << -size << ", " << high << "])";
  return *p < 0 ? *p + size : *p;
}

/// `element` with a new shape (same elements in the same order).
SequenceElement reshapeElement(NodeContext &ctx, const SequenceElement &element,
                               ArrayRef<int64_t> shape) {
  SequenceElement result;
  result.type = RankedTensorType::get(shape, element.type.getElementType());
  if (element.known)
    result.known = element.known;
  else
    result.value =
        createReshape(ctx.builder(), ctx.loc(), element.value, shape);
  return result;
}

LogicalResult convertSplitToSequence(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  if (!type || type.getRank() == 0)
    return ctx.emitError() << "needs an input of rank >= 1";
  int64_t rank = type.getRank();
  auto axis =
      normalizeAxis(ctx, ctx.intAttr("axis", 0), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  int64_t keepdims = ctx.intAttr("keepdims", 1);
  if (keepdims != 0 && keepdims != 1)
    return ctx.emitError() << "attribute 'keepdims' = " << keepdims
                           << " is not supported at opset " << ctx.opset()
                           << " (0 or 1)";
  int64_t dim = type.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  bool squeeze = false;
  if (ctx.hasInput(1)) {
    auto split = ctx.constInts(1, "split");
    if (failed(split))
      return failure();
    if (ctx.inputType(1).getRank() == 0) {
      // One size: equal pieces, the last one smaller.
      int64_t chunk = split->front();
      if (chunk <= 0)
        return ctx.emitError() << "split size " << chunk << " is not positive";
      for (int64_t at = 0; at < dim; at += chunk)
        sizes.push_back(std::min(chunk, dim - at));
      // As ONNX Runtime (and torch.unbind's export) reads it: keepdims = 0
      // drops the axis of pieces of one given as a scalar split.
      if (keepdims == 0 && chunk != 1)
        return ctx.emitError() << "attribute 'keepdims' = 0 needs pieces of "
                                  "one, but 'split' is "
                               << chunk;
      squeeze = keepdims == 0;
    } else {
      sizes = *split;
      int64_t total = 0;
      for (int64_t s : sizes) {
        if (s < 0)
          return ctx.emitError() << "negative split size " << s;
        total += s;
      }
      if (total != dim)
        return ctx.emitError()
               << "split sizes " << formatShape(sizes) << " must sum to " << dim
               << " (axis " << *axis << ")";
    }
  } else {
    // Pieces of one, without the axis unless keepdims (a list of sizes
    // ignores keepdims).
    sizes.assign(dim, 1);
    squeeze = keepdims == 0;
  }
  auto x = ctx.elementInput(0, "input");
  if (failed(x))
    return failure();
  SmallVector<int64_t> start(rank, 0), size(type.getShape()), step(rank, 1);
  SmallVector<int64_t> squeezed(type.getShape());
  squeezed.erase(squeezed.begin() + *axis);
  SmallVector<SequenceElement> pieces;
  for (int64_t s : sizes) {
    size[*axis] = s;
    SequenceElement piece =
        sliceElement(ctx.builder(), ctx.loc(), *x, start, size, step);
    if (squeeze)
      piece = reshapeElement(ctx, piece, squeezed);
    pieces.push_back(std::move(piece));
    start[*axis] += s;
  }
  ctx.setSequenceResult(0, std::move(pieces));
  return success();
}

/// Checks that `element` has the sequence's element type.
LogicalResult checkElementType(NodeContext &ctx,
                               ArrayRef<SequenceElement> elements,
                               const SequenceElement &element) {
  if (elements.empty() ||
      elements.front().type.getElementType() == element.type.getElementType())
    return success();
  return ctx.emitError() << "tensor of element type "
                         << element.type.getElementType()
                         << " in a sequence of "
                         << elements.front().type.getElementType();
}

LogicalResult convertSequenceConstruct(NodeContext &ctx) {
  if (ctx.getNumInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  SmallVector<SequenceElement> elements;
  for (unsigned i = 0; i < ctx.getNumInputs(); ++i) {
    auto element = ctx.elementInput(i, "inputs");
    if (failed(element) || failed(checkElementType(ctx, elements, *element)))
      return failure();
    elements.push_back(std::move(*element));
  }
  ctx.setSequenceResult(0, std::move(elements));
  return success();
}

LogicalResult convertSequenceEmpty(NodeContext &ctx) {
  ctx.setSequenceResult(0, {});
  return success();
}

LogicalResult convertSequenceAt(NodeContext &ctx) {
  auto elements = ctx.sequenceInput(0, "input_sequence");
  if (failed(elements))
    return failure();
  if (!ctx.hasInput(1))
    return ctx.emitError() << "missing required input 'position' (#1)";
  auto at = position(ctx, 1, elements->size(), /*atEnd=*/false, 0);
  if (failed(at))
    return failure();
  ctx.setElementResult(0, (*elements)[*at]);
  return success();
}

LogicalResult convertSequenceLength(NodeContext &ctx) {
  auto elements = ctx.sequenceInput(0, "input_sequence");
  if (failed(elements))
    return failure();
  ConstData length;
  length.ints.push_back(elements->size());
  ctx.setKnownResult(
      0, RankedTensorType::get({}, ctx.builder().getIntegerType(64)), length);
  return success();
}

LogicalResult convertSequenceInsert(NodeContext &ctx) {
  auto elements = ctx.sequenceInput(0, "input_sequence");
  if (failed(elements))
    return failure();
  if (!ctx.inputType(1))
    return ctx.emitError() << "missing required input 'tensor' (#1)";
  auto tensor = ctx.elementInput(1, "tensor");
  if (failed(tensor) || failed(checkElementType(ctx, *elements, *tensor)))
    return failure();
  int64_t size = elements->size();
  auto at = position(ctx, 2, size, /*atEnd=*/true, size);
  if (failed(at))
    return failure();
  SmallVector<SequenceElement> result(*elements);
  result.insert(result.begin() + *at, std::move(*tensor));
  ctx.setSequenceResult(0, std::move(result));
  return success();
}

LogicalResult convertSequenceErase(NodeContext &ctx) {
  auto elements = ctx.sequenceInput(0, "input_sequence");
  if (failed(elements))
    return failure();
  int64_t size = elements->size();
  if (size == 0)
    return ctx.emitError() << "cannot erase from an empty sequence";
  auto at = position(ctx, 1, size, /*atEnd=*/false, size - 1);
  if (failed(at))
    return failure();
  SmallVector<SequenceElement> result(*elements);
  result.erase(result.begin() + *at);
  ctx.setSequenceResult(0, std::move(result));
  return success();
}

LogicalResult convertConcatFromSequence(NodeContext &ctx) {
  auto elements = ctx.sequenceInput(0, "input_sequence");
  if (failed(elements))
    return failure();
  if (!ctx.hasAttr("axis"))
    return ctx.emitError() << "missing required attribute 'axis'";
  int64_t axis = ctx.intAttr("axis", 0);
  int64_t newAxis = ctx.intAttr("new_axis", 0);
  if (newAxis != 0 && newAxis != 1)
    return ctx.emitError() << "attribute 'new_axis' = " << newAxis
                           << " is not supported at opset " << ctx.opset()
                           << " (0 or 1)";
  if (elements->empty())
    return ctx.emitError() << "cannot concatenate an empty sequence (its "
                              "result's shape is not defined)";
  SmallVector<SequenceElement> parts(*elements);
  if (newAxis) {
    // Stacking: a unit axis inserted at `axis` in [-rank-1, rank].
    int64_t rank = parts.front().type.getRank();
    auto at = normalizeAxis(ctx, axis, rank + 1, "attribute 'axis'");
    if (failed(at))
      return failure();
    for (SequenceElement &part : parts) {
      if (part.type.getRank() != rank)
        return ctx.emitError() << "tensors of ranks " << rank << " and "
                               << part.type.getRank() << " cannot be stacked";
      SmallVector<int64_t> shape(part.type.getShape());
      shape.insert(shape.begin() + *at, 1);
      part = reshapeElement(ctx, part, shape);
    }
    axis = *at;
  }
  auto result = concatElements(ctx, parts, axis, "tensor");
  if (failed(result))
    return failure();
  ctx.setElementResult(0, *result);
  return success();
}

} // namespace

void onnx_import::registerSequenceConverters(ConverterRegistry &registry) {
  registry.add("", "SplitToSequence", convertSplitToSequence);
  registry.add("", "SequenceConstruct", convertSequenceConstruct);
  registry.add("", "SequenceEmpty", convertSequenceEmpty);
  registry.add("", "SequenceAt", convertSequenceAt);
  registry.add("", "SequenceLength", convertSequenceLength);
  registry.add("", "SequenceInsert", convertSequenceInsert);
  registry.add("", "SequenceErase", convertSequenceErase);
  registry.add("", "ConcatFromSequence", convertConcatFromSequence);
}
