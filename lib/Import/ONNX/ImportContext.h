//===- ImportContext.h - what ONNX node converters see ----------*- C++ -*-===//
//
// Step two of the import: converters, one per (domain, op type), turn ONNX
// nodes into ops. This header is their whole interface: NodeContext (the
// node's inputs, attributes and outputs, with the opset version and the
// node's location), the registry they are kept in, and the op-building
// helpers they share (rank-equalizing broadcasts, TOSA reshapes and
// constants, elementwise linalg.generic ops for what TOSA lacks).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_IMPORT_ONNX_IMPORTCONTEXT_H
#define M3SAT_LIB_IMPORT_ONNX_IMPORTCONTEXT_H

#include "m3sat/Support/SmallFloat.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>
#include <vector>

namespace m3sat {
namespace onnx_import {

class GraphImporter;

/// Contents of a small tensor known at import time (shapes, axes, indices,
/// scalar constants): `ints` for integer and bool element types, `floats`
/// for floating-point ones, in row-major order.
struct ConstData {
  llvm::SmallVector<int64_t> ints;
  llvm::SmallVector<double> floats;
};

/// One tensor of a sequence (SplitToSequence, SequenceConstruct, ...):
/// sequences exist only at import time, as lists of such elements whose
/// number is known; each element is a value, or known contents not yet
/// materialized.
struct SequenceElement {
  mlir::RankedTensorType type;
  mlir::Value value;
  std::optional<ConstData> known;
};

/// Tensors up to this many elements have their contents tracked as
/// ConstData when known.
constexpr int64_t kMaxKnownElements = 4096;
/// The most elements a tensor may have (2^40: far beyond any model, and
/// small enough that byte sizes cannot overflow int64_t).
constexpr int64_t kMaxTensorElements = int64_t(1) << 40;

/// Whether a static shape has at most kMaxTensorElements elements (computed
/// without overflow; negative dimensions do not fit).
bool shapeFits(llvm::ArrayRef<int64_t> shape);

/// One ONNX node as a converter sees it. Attribute getters report a wrong
/// attribute type as an error and return the default; the driver fails the
/// node after the converter returns in that case.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
              int64_t opset, mlir::Location loc, mlir::OpBuilder &builder)
      : importer(importer), nodeProto(node), opsetVersion(opset), location(loc),
        b(builder) {}

  /// The node, its op type, the opset version of its domain, its location.
  const onnx::NodeProto &node() const { return nodeProto; }
  llvm::StringRef opType() const { return nodeProto.op_type(); }
  int64_t opset() const { return opsetVersion; }
  mlir::Location loc() const { return location; }
  mlir::OpBuilder &builder() { return b; }
  mlir::MLIRContext *getContext() { return b.getContext(); }

  /// An error at the node, its message starting with "<OpType>: ".
  mlir::InFlightDiagnostic emitError();
  /// A remark at the node, its message starting with "<OpType>: ".
  mlir::InFlightDiagnostic emitRemark();
  /// Why the gather-form MoE rewrite left this NonZero node as it was
  /// (empty when the node is no such candidate).
  llvm::StringRef gatherFormReason() const;

  /// Inputs as listed (absent optional inputs have empty names).
  unsigned getNumInputs() const { return nodeProto.input_size(); }
  bool hasInput(unsigned i) const {
    return i < getNumInputs() && !nodeProto.input(i).empty();
  }
  /// The type of input `i`, or null when absent.
  mlir::RankedTensorType inputType(unsigned i);
  /// Whether input `i` has an unsigned ONNX integer type (as declared by a
  /// graph input or initializer, or made by a Cast).
  bool isUnsignedInput(unsigned i);
  /// Input `i` as a value (materializing constants); an error naming
  /// `what` if it is absent.
  mlir::FailureOr<mlir::Value> input(unsigned i, llvm::StringRef what);
  /// Inputs 0 and 1 ('A' and 'B' of binary ops) as values.
  mlir::FailureOr<std::pair<mlir::Value, mlir::Value>> binaryInputs();
  /// The known contents of input `i`, or null.
  const ConstData *constInput(unsigned i);
  /// The known integer contents of input `i`; an error naming `what` if the
  /// input is not an integer tensor known at import time.
  mlir::FailureOr<llvm::SmallVector<int64_t>> constInts(unsigned i,
                                                        llvm::StringRef what);
  /// The known contents of input `i` as doubles (of any numeric type); an
  /// error naming `what` if they are not known at import time.
  mlir::FailureOr<llvm::SmallVector<double>> constFloats(unsigned i,
                                                         llvm::StringRef what);
  /// The error for input `i` (called `what`) that must be `kind` known at
  /// import time, with the remedy: --bind for a graph input, --bind or
  /// --input-shape for a value computed from them.
  mlir::InFlightDiagnostic emitNotKnown(unsigned i, llvm::StringRef what,
                                        llvm::StringRef kind);

  /// Whether input `i` is a tensor sequence.
  bool isSequenceInput(unsigned i);
  /// The elements of sequence input `i`; an error naming `what` if it is
  /// absent or a tensor.
  mlir::FailureOr<llvm::ArrayRef<SequenceElement>>
  sequenceInput(unsigned i, llvm::StringRef what);
  /// Tensor input `i` as a sequence element (its contents when known,
  /// else its value).
  mlir::FailureOr<SequenceElement> elementInput(unsigned i,
                                                llvm::StringRef what);
  /// `element` as a value (materializing known contents).
  mlir::Value materialize(const SequenceElement &element);

  /// Outputs as listed (unused optional outputs have empty names).
  unsigned getNumOutputs() const { return nodeProto.output_size(); }
  bool hasOutput(unsigned i) const {
    return i < getNumOutputs() && !nodeProto.output(i).empty();
  }
  /// Defines output `i` (ignored when the output is unused); `isUnsigned`
  /// marks an unsigned ONNX integer type.
  void setResult(unsigned i, mlir::Value value, bool isUnsigned = false);
  /// Defines output `i` as a tensor known at import time; it becomes an op
  /// only if something needs it as a value.
  void setKnownResult(unsigned i, mlir::RankedTensorType type, ConstData data);

  /// Defines output `i` as the tensor `element`.
  void setElementResult(unsigned i, const SequenceElement &element);
  /// Defines output `i` as a sequence of `elements`.
  void setSequenceResult(unsigned i,
                         llvm::SmallVector<SequenceElement> elements);

  /// Attribute getters.
  bool hasAttr(llvm::StringRef name) const { return findAttr(name); }
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue);
  float floatAttr(llvm::StringRef name, float defaultValue);
  std::string stringAttr(llvm::StringRef name, llvm::StringRef defaultValue);
  llvm::SmallVector<int64_t> intsAttr(llvm::StringRef name,
                                      llvm::ArrayRef<int64_t> defaultValue);
  const onnx::TensorProto *tensorAttr(llvm::StringRef name);
  /// Whether an attribute getter or an output definition reported an
  /// error.
  bool attrFailed() const { return attrError; }

  /// Known tensor contents of a TensorProto attribute (Constant's `value`).
  mlir::FailureOr<std::pair<mlir::RankedTensorType, std::optional<ConstData>>>
  describeTensor(const onnx::TensorProto &tensor);
  /// Defines output `i` as the constant `tensor` (an attribute of the node).
  mlir::LogicalResult setTensorResult(unsigned i,
                                      const onnx::TensorProto &tensor);

private:
  const onnx::AttributeProto *findAttr(llvm::StringRef name) const;
  const onnx::AttributeProto *
  findTyped(llvm::StringRef name, onnx::AttributeProto::AttributeType type,
            llvm::StringRef typeName);

  GraphImporter &importer;
  const onnx::NodeProto &nodeProto;
  int64_t opsetVersion;
  mlir::Location location;
  mlir::OpBuilder &b;
  bool attrError = false;
};

/// A converter: builds the ops of one node and defines its outputs, or
/// reports an error and fails.
using ConvertFn = mlir::LogicalResult (*)(NodeContext &);

/// Converters keyed by (domain, op type); "" is the default ONNX domain.
class ConverterRegistry {
public:
  void add(llvm::StringRef domain, llvm::StringRef opType, ConvertFn fn);
  /// The converter of (domain, opType), or null.
  ConvertFn lookup(llvm::StringRef domain, llvm::StringRef opType) const;
  /// "OpType" or "domain::OpType" for every converter, sorted.
  std::vector<std::string> names() const;

  /// The registry holding every converter of the importer.
  static const ConverterRegistry &get();

private:
  llvm::StringMap<ConvertFn> converters;
};

/// Registration of each family of converters.
void registerElementwiseConverters(ConverterRegistry &registry);
void registerShapeConverters(ConverterRegistry &registry);
void registerIndexingConverters(ConverterRegistry &registry);
void registerNNConverters(ConverterRegistry &registry);
void registerConvConverters(ConverterRegistry &registry);
void registerMoEConverters(ConverterRegistry &registry);
void registerResizeConverters(ConverterRegistry &registry);
void registerNormConverters(ConverterRegistry &registry);
void registerPoolConverters(ConverterRegistry &registry);
void registerActivationConverters(ConverterRegistry &registry);
void registerTensorConverters(ConverterRegistry &registry);
void registerSequenceConverters(ConverterRegistry &registry);

//===----------------------------------------------------------------------===//
// Helpers shared by the converters (BuildHelpers.cpp)
//===----------------------------------------------------------------------===//

/// "[2, 3, 4]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);
/// Number of elements of a static shape.
int64_t numElements(llvm::ArrayRef<int64_t> shape);
/// Normalizes an ONNX axis in [-rank, rank) to [0, rank); an error naming
/// `what` when out of range.
mlir::FailureOr<int64_t> normalizeAxis(NodeContext &ctx, int64_t axis,
                                       int64_t rank, llvm::StringRef what);
/// Numpy broadcast of two shapes, or failure when incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// A dense constant of `type` holding `data`.
mlir::DenseElementsAttr toDenseAttr(mlir::RankedTensorType type,
                                    const ConstData &data);
/// `arith.constant` holding `data` (dense when small, a resource blob
/// otherwise).
mlir::Value materializeConstData(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::RankedTensorType type,
                                 const ConstData &data);
/// `arith.constant` splat of `value` with the given shape and element type.
mlir::Value createSplat(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                        double value);
/// The zero-point operand of TOSA ops (tensor<1xT> of zero).
mlir::Value createZeroPoint(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Type elementType);

/// The axes of (Un)Squeeze and the reductions: the `axes` attribute before
/// opset `inputSinceOpset`, input #1 since; none when absent.
mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
getAxes(NodeContext &ctx, int64_t inputSinceOpset);

/// `tosa.const_shape` holding `values`.
mlir::Value createConstShape(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<int64_t> values);
/// `tosa.reshape` (nothing when the shape already matches).
mlir::Value createReshape(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, llvm::ArrayRef<int64_t> shape);
/// `tosa.transpose`.
mlir::Value createTranspose(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value value, llvm::ArrayRef<int32_t> perms);
/// Prepends unit dimensions so that `value` has rank `rank`.
mlir::Value expandToRank(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, int64_t rank);
/// Broadcasts `value` to `shape` (numpy rules; the shapes must broadcast)
/// with `tosa.reshape` and `tosa.tile`.
mlir::Value createBroadcast(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value value, llvm::ArrayRef<int64_t> shape);
/// `tosa.mul` with its zero shift, operands brought to equal rank.
mlir::Value createMul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                      mlir::Value rhs);
/// A TOSA binary elementwise op with operands brought to equal rank
/// (TOSA broadcasts unit dimensions itself); the shapes must broadcast.
template <typename OpTy>
mlir::Value createBinary(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type resultElementType, mlir::Value lhs,
                         mlir::Value rhs) {
  auto lhsType = llvm::cast<mlir::RankedTensorType>(lhs.getType());
  auto rhsType = llvm::cast<mlir::RankedTensorType>(rhs.getType());
  int64_t rank = std::max(lhsType.getRank(), rhsType.getRank());
  llvm::SmallVector<int64_t> shape =
      *broadcastShapes(lhsType.getShape(), rhsType.getShape());
  return OpTy::create(
      b, loc, mlir::RankedTensorType::get(shape, resultElementType),
      expandToRank(b, loc, lhs, rank), expandToRank(b, loc, rhs, rank));
}
/// A `linalg.generic` over the broadcast shape of `inputs` (numpy rules)
/// whose body is built by `body` from the input scalars.
mlir::Value createElementwiseGeneric(
    mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
    mlir::Type resultElementType,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>
        body);
/// Converts `value` to `elementType` with ONNX Cast semantics (float to
/// int truncates toward zero, to bool is `!= 0`).
mlir::Value createCast(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value value, mlir::Type elementType);
/// How an ONNX Cast converts, beyond the two element types.
struct CastSemantics {
  /// The ONNX types are unsigned integers (MLIR's are signless).
  bool fromUnsigned = false, toUnsigned = false;
  /// Cast's `saturate` (opset 19): out-of-range values and infinities
  /// become the largest finite value of an 8-bit float target.
  bool saturate = true;
  /// Cast's `round_mode` (opset 24), for FLOAT8E8M0 targets.
  E8M0Rounding rounding = E8M0Rounding::Up;
};
/// Whether `type` is one of the 8- and 4-bit float types.
bool isSmallFloatType(mlir::Type type);
/// An error at the node unless its op handles inputs of the 8- and 4-bit
/// float types (Cast, CastLike and the ops that only move elements).
mlir::LogicalResult checkSmallFloatInputs(NodeContext &ctx);
/// Converts `value` to `elementType` as ONNX Cast does, for every element
/// type the importer has (CastOps.cpp).
mlir::Value createOnnxCast(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value value, mlir::Type elementType,
                           const CastSemantics &cast);
/// Elementwise square root (`math.sqrt` in a linalg.generic; TOSA has
/// none).
mlir::Value createSqrt(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value value);
/// Division with broadcasting: arith.divf, or tosa.intdiv for integers.
mlir::Value createDiv(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                      mlir::Value rhs);
/// `tensor.pad` of `value` by `low` and `high` elements per dimension with
/// the scalar `padValue`.
mlir::Value createConstantPad(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value value, llvm::ArrayRef<int64_t> low,
                              llvm::ArrayRef<int64_t> high,
                              mlir::Value padValue);
/// Elements of `value` along `axis` at the (static, in-range) positions
/// `index`: the result has index.size() elements along `axis`.
mlir::Value createAxisGather(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value value, int64_t axis,
                             llvm::ArrayRef<int64_t> index);
/// The slice of `x` at `start + i * step` per dimension, `size` elements
/// (known when `x` is).
SequenceElement sliceElement(mlir::OpBuilder &b, mlir::Location loc,
                             const SequenceElement &x,
                             llvm::ArrayRef<int64_t> start,
                             llvm::ArrayRef<int64_t> size,
                             llvm::ArrayRef<int64_t> step);
/// `parts` concatenated along `axis` (known when all are); an error naming
/// each part as "<noun> #i" when their types do not match.
mlir::FailureOr<SequenceElement>
concatElements(NodeContext &ctx, llvm::ArrayRef<SequenceElement> parts,
               int64_t axis, llvm::StringRef noun);

/// Sum of `value` over `axes` (kept as unit dimensions).
mlir::Value createReduceSum(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value value, llvm::ArrayRef<int64_t> axes);

//===----------------------------------------------------------------------===//
// Window attributes of Conv, ConvTranspose and the pools (WindowAttrs.cpp)
//===----------------------------------------------------------------------===//

/// The `strides`, `dilations` and `pads` attributes of a windowed op over
/// `spatial` axes (defaults 1, 1 and 0; pads as all begins, then all ends).
struct WindowAttrs {
  llvm::SmallVector<int64_t> strides, dilations, pads;
};
/// Reads the window attributes; an error when their sizes do not match
/// `spatial`.
mlir::FailureOr<WindowAttrs> readWindowAttrs(NodeContext &ctx, int64_t spatial);
/// The `auto_pad` attribute (default NOTSET); an error when it is not
/// NOTSET, SAME_UPPER, SAME_LOWER or VALID.
mlir::FailureOr<std::string> readAutoPad(NodeContext &ctx);
/// Splits `total` padding into (begin, end) as SAME_UPPER (`upper`: the
/// larger half at the end) or SAME_LOWER does; a negative total (which
/// crops) is halved with floor division.
std::pair<int64_t, int64_t> splitSamePadding(int64_t total, bool upper);
/// The `kernel_shape` attribute, when given, must equal the spatial
/// dimensions of the weights `wType` ([M, C, k...] or [C, M, k...]).
mlir::LogicalResult checkKernelShape(NodeContext &ctx,
                                     mlir::RankedTensorType wType);

} // namespace onnx_import
} // namespace m3sat

#endif // M3SAT_LIB_IMPORT_ONNX_IMPORTCONTEXT_H
