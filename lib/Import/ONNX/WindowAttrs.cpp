//===- WindowAttrs.cpp - window attributes of convolutions and pools ------===//
//
// The attributes Conv, ConvTranspose, MaxPool and AveragePool share:
// strides, dilations and pads per spatial axis, auto_pad and its SAME
// padding split, and kernel_shape against the weights.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

FailureOr<WindowAttrs> onnx_import::readWindowAttrs(NodeContext &ctx,
                                                    int64_t spatial) {
  WindowAttrs attrs;
  attrs.strides = ctx.intsAttr("strides", SmallVector<int64_t>(spatial, 1));
  attrs.dilations = ctx.intsAttr("dilations", SmallVector<int64_t>(spatial, 1));
  attrs.pads = ctx.intsAttr("pads", SmallVector<int64_t>(2 * spatial, 0));
  if (static_cast<int64_t>(attrs.strides.size()) != spatial ||
      static_cast<int64_t>(attrs.dilations.size()) != spatial ||
      static_cast<int64_t>(attrs.pads.size()) != 2 * spatial)
    return ctx.emitError() << "attributes 'strides', 'dilations' and 'pads' "
                              "need "
                           << spatial << ", " << spatial << " and "
                           << 2 * spatial << " values";
  return attrs;
}

FailureOr<std::string> onnx_import::readAutoPad(NodeContext &ctx) {
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (!llvm::is_contained({"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"},
                          autoPad))
    return ctx.emitError() << "attribute 'auto_pad' = '" << autoPad
                           << "' is not supported at opset " << ctx.opset();
  return autoPad;
}

std::pair<int64_t, int64_t> onnx_import::splitSamePadding(int64_t total,
                                                          bool upper) {
  int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
  int64_t begin = upper ? half : total - half;
  return {begin, total - begin};
}

LogicalResult onnx_import::checkKernelShape(NodeContext &ctx,
                                            RankedTensorType wType) {
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  SmallVector<int64_t> given = ctx.intsAttr("kernel_shape", kernel);
  if (given == kernel)
    return success();
  return ctx.emitError() << "attribute 'kernel_shape' " << formatShape(given)
                         << " does not match 'W' "
                         << formatShape(wType.getShape());
}
