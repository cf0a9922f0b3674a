//===- Importer.cpp - ONNX graph to func.func -----------------------------===//
//
// Drives the import: checks that every node has a converter, turns graph
// inputs into arguments of `func.func @main`, initializers and Constant
// tensors into constants (resource blobs for weights), runs the converter
// of each node in order, and returns the graph outputs.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Import/ONNX/ONNXImporter.h"

#include "GatherFormMoE.h"
#include "GraphPruning.h"
#include "ImportContext.h"
#include "ModelReader.h"

#include "M3SAT/M3SATDialect.h"
#include "m3sat/Support/Npy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace m3sat;
using namespace m3sat::onnx_import;

namespace m3sat {
namespace onnx_import {

/// A value of the ONNX graph: its type, and its op once materialized, the
/// tensor it comes from while not, and its contents when small and known.
struct ValueEntry {
  RankedTensorType type;
  Value value;
  const onnx::TensorProto *tensor = nullptr;
  std::optional<ConstData> known;
  LocationAttr loc;
  /// Set for initializers: errors name them at the file, not at a node.
  bool isInitializer = false;
  /// Set for a tensor sequence (`type` is then null).
  std::optional<SmallVector<SequenceElement>> sequence;
  /// Set when the ONNX type is an unsigned integer (MLIR's are signless).
  bool isUnsigned = false;
};

/// Imports one model; holds the value table the converters read and write.
class GraphImporter {
public:
  /// Imports the model at `path`, or held in `bytes` when given (external
  /// data is then looked up next to `path`).
  GraphImporter(MLIRContext &context, StringRef path,
                const ImportOptions &options,
                std::optional<StringRef> bytes = std::nullopt)
      : context(context), path(path.str()), bytes(bytes), options(options),
        fileLoc(FileLineColLoc::get(&context, path, 0, 0)), builder(&context) {
    modelDir = llvm::sys::path::parent_path(path).str();
    if (modelDir.empty())
      modelDir = ".";
  }

  OwningOpRef<ModuleOp> run();

  ValueEntry *lookup(StringRef name) {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
  FailureOr<Value> materialize(ValueEntry &entry, StringRef name);
  LogicalResult define(StringRef name, ValueEntry entry, Location loc);
  FailureOr<std::pair<RankedTensorType, std::optional<ConstData>>>
  describeTensor(const onnx::TensorProto &tensor, Location loc, StringRef what);
  /// Why the gather-form rewrite left the NonZero producing `output` as it
  /// was (empty when it did not look at it).
  StringRef gatherFormReason(StringRef output) const {
    auto it = gatherFormReasons.find(output);
    return it == gatherFormReasons.end() ? StringRef() : it->second;
  }

private:
  LogicalResult checkSupported(const onnx::GraphProto &graph);
  LogicalResult bindInputs(onnx::GraphProto &graph);
  FailureOr<RankedTensorType> inputType(const onnx::ValueInfoProto &info);
  LogicalResult importNode(const onnx::NodeProto &node, unsigned index);

  MLIRContext &context;
  std::string path;
  std::optional<StringRef> bytes;
  std::string modelDir;
  const ImportOptions &options;
  Location fileLoc;
  OpBuilder builder;
  std::unique_ptr<onnx::ModelProto> model;
  llvm::StringMap<int64_t> opsets;
  llvm::StringMap<ValueEntry> values;
  llvm::StringMap<std::string> gatherFormReasons;
};

} // namespace onnx_import
} // namespace m3sat

//===----------------------------------------------------------------------===//
// Tensors and the value table
//===----------------------------------------------------------------------===//

/// Decodes little-endian raw bytes of `type` into ConstData.
static ConstData decodeConstData(RankedTensorType type, ArrayRef<char> bytes) {
  ConstData data;
  Type elementType = type.getElementType();
  int64_t count = type.getNumElements();
  int64_t width = elementByteWidth(elementType);
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, bytes.data() + i * width, width);
    if (auto floatType = dyn_cast<FloatType>(elementType)) {
      APFloat value(floatType.getFloatSemantics(),
                    APInt(floatType.getWidth(), bits));
      data.floats.push_back(value.convertToDouble());
      continue;
    }
    unsigned bitWidth = elementType.getIntOrFloatBitWidth();
    APInt value(bitWidth == 1 ? 8 : bitWidth, bits);
    data.ints.push_back(bitWidth == 1 ? value != 0 : value.getSExtValue());
  }
  return data;
}

static std::string sanitizeBlobName(StringRef name) {
  std::string result;
  for (char c : name)
    result += llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_';
  return result.empty() ? "tensor" : result;
}

bool onnx_import::shapeFits(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return false;
    if (dim == 0)
      return true;
    if (count > kMaxTensorElements / dim)
      return false;
    count *= dim;
  }
  return true;
}

FailureOr<std::pair<RankedTensorType, std::optional<ConstData>>>
GraphImporter::describeTensor(const onnx::TensorProto &tensor, Location loc,
                              StringRef what) {
  Type elementType = convertElementType(tensor.data_type(), &context);
  if (!elementType)
    return emitError(loc) << what << ": unsupported data type "
                          << dataTypeName(tensor.data_type());
  SmallVector<int64_t> shape;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return emitError(loc) << what << ": negative dimension " << dim;
    shape.push_back(dim);
  }
  if (!shapeFits(shape))
    return emitError(loc) << what << ": shape " << formatShape(shape)
                          << " has more than 2^40 elements";
  auto type = RankedTensorType::get(shape, elementType);
  std::optional<ConstData> known;
  if (type.getNumElements() <= kMaxKnownElements) {
    std::vector<char> bytes(type.getNumElements() *
                            elementByteWidth(elementType));
    if (failed(readTensorData(tensor, elementType, type.getNumElements(),
                              modelDir, loc, what, bytes)))
      return failure();
    known = decodeConstData(type, bytes);
  }
  return std::make_pair(type, known);
}

FailureOr<Value> GraphImporter::materialize(ValueEntry &entry, StringRef name) {
  if (entry.value)
    return entry.value;
  Location loc = cast<Location>(entry.loc);
  RankedTensorType type = entry.type;
  if (entry.known && (type.getNumElements() <= 16 ||
                      type.getElementType().isInteger(1) || !entry.tensor)) {
    entry.value = materializeConstData(builder, loc, type, *entry.known);
    return entry.value;
  }
  if (!entry.tensor)
    return emitError(loc) << "internal: value '" << name << "' has no data";
  Type elementType = type.getElementType();
  int64_t size = type.getNumElements() * elementByteWidth(elementType);
  std::string what =
      ((entry.isInitializer ? "initializer '" : "tensor '") + name + "'").str();
  Location errorLoc = entry.isInitializer ? fileLoc : loc;
  if (elementType.isInteger(1)) {
    // Resource blobs do not hold i1: booleans stay dense.
    std::vector<char> bytes(size);
    if (failed(readTensorData(*entry.tensor, elementType, type.getNumElements(),
                              modelDir, errorLoc, what, bytes)))
      return failure();
    SmallVector<bool> bools(bytes.begin(), bytes.end());
    entry.value = arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(type, ArrayRef<bool>(bools)));
    return entry.value;
  }
  // Large tensors: check that the data is there before allocating for it
  // (small ones are checked, with the precise reason, while reading).
  if (size > (int64_t(1) << 26)) {
    FailureOr<uint64_t> stored =
        storedDataBytes(*entry.tensor, elementType, modelDir);
    if (failed(stored)) {
      // The external file is missing: reading says so precisely.
      if (failed(readTensorData(*entry.tensor, elementType,
                                type.getNumElements(), modelDir, errorLoc, what,
                                {})))
        return failure();
      return emitError(errorLoc) << what << ": cannot read its external data";
    }
    if (*stored != static_cast<uint64_t>(size))
      return emitError(errorLoc)
             << what << ": holds " << *stored << " bytes of data but shape "
             << formatShape(type.getShape()) << " needs " << size;
  }
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocate(size, /*align=*/64, /*dataIsMutable=*/true);
  if (failed(readTensorData(*entry.tensor, elementType, type.getNumElements(),
                            modelDir, errorLoc, what, blob.getMutableData())))
    return failure();
  auto attr = DenseResourceElementsAttr::get(type, sanitizeBlobName(name),
                                             std::move(blob));
  entry.value = arith::ConstantOp::create(builder, loc, attr);
  return entry.value;
}

LogicalResult GraphImporter::define(StringRef name, ValueEntry entry,
                                    Location loc) {
  if (values.count(name))
    return emitError(loc) << "value '" << name << "' is defined twice";
  values[name] = std::move(entry);
  return success();
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

InFlightDiagnostic NodeContext::emitError() {
  InFlightDiagnostic diag = mlir::emitError(location);
  diag << opType() << ": ";
  return diag;
}

StringRef NodeContext::gatherFormReason() const {
  return getNumOutputs() ? importer.gatherFormReason(nodeProto.output(0))
                         : StringRef();
}

InFlightDiagnostic NodeContext::emitRemark() {
  InFlightDiagnostic diag = mlir::emitRemark(location);
  diag << opType() << ": ";
  return diag;
}

RankedTensorType NodeContext::inputType(unsigned i) {
  if (!hasInput(i))
    return {};
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  return entry ? entry->type : RankedTensorType();
}

bool NodeContext::isUnsignedInput(unsigned i) {
  if (!hasInput(i))
    return false;
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  return entry && entry->isUnsigned;
}

FailureOr<std::pair<Value, Value>> NodeContext::binaryInputs() {
  FailureOr<Value> lhs = input(0, "A");
  FailureOr<Value> rhs = input(1, "B");
  if (failed(lhs) || failed(rhs))
    return failure();
  return std::make_pair(*lhs, *rhs);
}

FailureOr<Value> NodeContext::input(unsigned i, StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing required input '" << what << "' (#" << i
                       << ")";
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  if (!entry)
    return emitError() << "input '" << nodeProto.input(i)
                       << "' is not defined before this node";
  if (entry->sequence)
    return emitError() << "input '" << what << "' ('" << nodeProto.input(i)
                       << "') is a tensor sequence, not a tensor";
  return importer.materialize(*entry, nodeProto.input(i));
}

bool NodeContext::isSequenceInput(unsigned i) {
  if (!hasInput(i))
    return false;
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  return entry && entry->sequence;
}

FailureOr<ArrayRef<SequenceElement>>
NodeContext::sequenceInput(unsigned i, StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing required input '" << what << "' (#" << i
                       << ")";
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  if (!entry || !entry->sequence)
    return emitError() << "input '" << what << "' ('" << nodeProto.input(i)
                       << "') must be a tensor sequence";
  return ArrayRef<SequenceElement>(*entry->sequence);
}

FailureOr<SequenceElement> NodeContext::elementInput(unsigned i,
                                                     StringRef what) {
  SequenceElement element;
  element.type = inputType(i);
  if (const ConstData *known = constInput(i)) {
    element.known = *known;
    return element;
  }
  auto value = input(i, what);
  if (failed(value))
    return failure();
  element.value = *value;
  return element;
}

Value NodeContext::materialize(const SequenceElement &element) {
  if (element.value)
    return element.value;
  return materializeConstData(b, location, element.type, *element.known);
}

const ConstData *NodeContext::constInput(unsigned i) {
  if (!hasInput(i))
    return nullptr;
  ValueEntry *entry = importer.lookup(nodeProto.input(i));
  return entry && entry->known ? &*entry->known : nullptr;
}

InFlightDiagnostic NodeContext::emitNotKnown(unsigned i, StringRef what,
                                             StringRef kind) {
  InFlightDiagnostic diag = emitError();
  StringRef name = nodeProto.input(i);
  diag << "input '" << what << "' ('" << name << "') must be " << kind
       << " known at import time";
  ValueEntry *entry = importer.lookup(name);
  if (!entry || entry->known)
    return diag;
  if (entry->value && isa<BlockArgument>(entry->value))
    diag << ": bind graph input '" << name
         << "' to a value with --bind=" << name << "=FILE.npy";
  else
    diag << ": it depends on graph input values; bind them with --bind, or "
            "give symbolic dimensions with --input-shape";
  return diag;
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(unsigned i,
                                                       StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing required input '" << what << "' (#" << i
                       << ")";
  RankedTensorType type = inputType(i);
  const ConstData *data = constInput(i);
  if (!type || !isa<IntegerType>(type.getElementType()) || !data)
    return emitNotKnown(i, what, "an integer tensor");
  return data->ints;
}

FailureOr<SmallVector<double>> NodeContext::constFloats(unsigned i,
                                                        StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing required input '" << what << "' (#" << i
                       << ")";
  RankedTensorType type = inputType(i);
  const ConstData *data = constInput(i);
  if (!type || !data)
    return emitNotKnown(i, what, "a tensor");
  if (isa<FloatType>(type.getElementType()))
    return data->floats;
  return SmallVector<double>(data->ints.begin(), data->ints.end());
}

void NodeContext::setResult(unsigned i, Value value, bool isUnsigned) {
  if (!hasOutput(i))
    return;
  // A tensor with no elements has no contents to compute: any value of its
  // type is it. tensor.empty keeps zero-size shapes away from ops (TOSA's)
  // that reject them, and from the lowering.
  auto type = cast<RankedTensorType>(value.getType());
  if (type.hasStaticShape() && type.getNumElements() == 0 &&
      !value.getDefiningOp<tensor::EmptyOp>()) {
    Operation *producer = value.getDefiningOp();
    value = tensor::EmptyOp::create(builder(), location, type.getShape(),
                                    type.getElementType());
    // Only the op just built: earlier values may still be in the table.
    if (producer && isOpTriviallyDead(producer))
      producer->erase();
  }
  ValueEntry entry;
  entry.type = cast<RankedTensorType>(value.getType());
  entry.value = value;
  entry.loc = location;
  entry.isUnsigned = isUnsigned;
  if (failed(importer.define(nodeProto.output(i), std::move(entry), location)))
    attrError = true;
}

void NodeContext::setKnownResult(unsigned i, RankedTensorType type,
                                 ConstData data) {
  if (!hasOutput(i))
    return;
  ValueEntry entry;
  entry.type = type;
  entry.known = std::move(data);
  entry.loc = location;
  if (failed(importer.define(nodeProto.output(i), std::move(entry), location)))
    attrError = true;
}

void NodeContext::setElementResult(unsigned i, const SequenceElement &element) {
  if (element.value)
    setResult(i, element.value);
  else
    setKnownResult(i, element.type, *element.known);
}

void NodeContext::setSequenceResult(unsigned i,
                                    SmallVector<SequenceElement> elements) {
  if (!hasOutput(i))
    return;
  ValueEntry entry;
  entry.sequence = std::move(elements);
  entry.loc = location;
  if (failed(importer.define(nodeProto.output(i), std::move(entry), location)))
    attrError = true;
}

FailureOr<std::pair<RankedTensorType, std::optional<ConstData>>>
NodeContext::describeTensor(const onnx::TensorProto &tensor) {
  return importer.describeTensor(tensor, location, "tensor attribute");
}

LogicalResult NodeContext::setTensorResult(unsigned i,
                                           const onnx::TensorProto &tensor) {
  auto described = describeTensor(tensor);
  if (failed(described))
    return failure();
  if (!hasOutput(i))
    return success();
  ValueEntry entry;
  entry.type = described->first;
  entry.known = described->second;
  entry.tensor = &tensor;
  entry.loc = location;
  return importer.define(nodeProto.output(i), std::move(entry), location);
}

const onnx::AttributeProto *NodeContext::findAttr(StringRef name) const {
  for (const onnx::AttributeProto &attr : nodeProto.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

const onnx::AttributeProto *
NodeContext::findTyped(StringRef name, onnx::AttributeProto::AttributeType type,
                       StringRef typeName) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return nullptr;
  // Old exporters leave `type` unset; trust the field that is filled then.
  if (attr->type() != type && attr->type() != onnx::AttributeProto::UNDEFINED) {
    emitError() << "attribute '" << name << "' must be " << typeName
                << " but is "
                << onnx::AttributeProto::AttributeType_Name(attr->type());
    attrError = true;
    return nullptr;
  }
  return attr;
}

int64_t NodeContext::intAttr(StringRef name, int64_t defaultValue) {
  const onnx::AttributeProto *attr =
      findTyped(name, onnx::AttributeProto::INT, "an int");
  return attr ? attr->i() : defaultValue;
}

float NodeContext::floatAttr(StringRef name, float defaultValue) {
  const onnx::AttributeProto *attr =
      findTyped(name, onnx::AttributeProto::FLOAT, "a float");
  return attr ? attr->f() : defaultValue;
}

std::string NodeContext::stringAttr(StringRef name, StringRef defaultValue) {
  const onnx::AttributeProto *attr =
      findTyped(name, onnx::AttributeProto::STRING, "a string");
  return attr ? attr->s() : defaultValue.str();
}

SmallVector<int64_t> NodeContext::intsAttr(StringRef name,
                                           ArrayRef<int64_t> defaultValue) {
  const onnx::AttributeProto *attr =
      findTyped(name, onnx::AttributeProto::INTS, "a list of ints");
  if (!attr)
    return SmallVector<int64_t>(defaultValue);
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

const onnx::TensorProto *NodeContext::tensorAttr(StringRef name) {
  const onnx::AttributeProto *attr =
      findTyped(name, onnx::AttributeProto::TENSOR, "a tensor");
  return attr ? &attr->t() : nullptr;
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

static StringRef canonicalDomain(StringRef domain) {
  return domain == "ai.onnx" ? StringRef() : domain;
}

void ConverterRegistry::add(StringRef domain, StringRef opType, ConvertFn fn) {
  converters[(canonicalDomain(domain) + "::" + opType).str()] = fn;
}

ConvertFn ConverterRegistry::lookup(StringRef domain, StringRef opType) const {
  auto it = converters.find((canonicalDomain(domain) + "::" + opType).str());
  return it == converters.end() ? nullptr : it->second;
}

std::vector<std::string> ConverterRegistry::names() const {
  std::vector<std::string> result;
  for (const auto &entry : converters) {
    StringRef key = entry.getKey();
    result.push_back(key.starts_with("::") ? key.drop_front(2).str()
                                           : key.str());
  }
  llvm::sort(result);
  return result;
}

const ConverterRegistry &ConverterRegistry::get() {
  static const ConverterRegistry registry = [] {
    ConverterRegistry r;
    registerElementwiseConverters(r);
    registerShapeConverters(r);
    registerIndexingConverters(r);
    registerNNConverters(r);
    registerConvConverters(r);
    registerMoEConverters(r);
    registerResizeConverters(r);
    registerNormConverters(r);
    registerPoolConverters(r);
    registerActivationConverters(r);
    registerTensorConverters(r);
    registerSequenceConverters(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

static std::string displayName(StringRef domain, StringRef opType) {
  domain = canonicalDomain(domain);
  return domain.empty() ? opType.str() : (domain + "::" + opType).str();
}

LogicalResult GraphImporter::checkSupported(const onnx::GraphProto &graph) {
  const ConverterRegistry &registry = ConverterRegistry::get();
  llvm::StringMap<std::string> firstNode;
  SmallVector<std::string> order;
  for (const auto &[index, node] : llvm::enumerate(graph.node())) {
    if (registry.lookup(node.domain(), node.op_type()))
      continue;
    std::string op = displayName(node.domain(), node.op_type());
    if (firstNode.count(op))
      continue;
    firstNode[op] = node.name().empty()
                        ? node.op_type() + "_" + std::to_string(index)
                        : node.name();
    order.push_back(op);
  }
  if (order.empty())
    return success();
  InFlightDiagnostic diag = emitError(fileLoc);
  diag << "unsupported ONNX op" << (order.size() > 1 ? "s" : "") << ": ";
  llvm::interleaveComma(order, diag, [&](const std::string &op) {
    diag << op << " (node '" << firstNode[op] << "')";
  });
  return failure();
}

FailureOr<RankedTensorType>
GraphImporter::inputType(const onnx::ValueInfoProto &info) {
  StringRef name = info.name();
  if (!info.type().has_tensor_type())
    return emitError(fileLoc) << "graph input '" << name << "' is not a tensor";
  const onnx::TypeProto::Tensor &tensorType = info.type().tensor_type();
  Type elementType = convertElementType(tensorType.elem_type(), &context);
  if (!elementType)
    return emitError(fileLoc)
           << "graph input '" << name << "': unsupported data type "
           << dataTypeName(tensorType.elem_type());
  auto fits = [&](ArrayRef<int64_t> shape) -> FailureOr<RankedTensorType> {
    if (!shapeFits(shape))
      return emitError(fileLoc)
             << "graph input '" << name << "': shape " << formatShape(shape)
             << " has more than 2^40 elements";
    return RankedTensorType::get(shape, elementType);
  };
  auto override = options.inputShapes.find(name);
  if (override != options.inputShapes.end())
    return fits(override->second);
  if (!tensorType.has_shape())
    return emitError(fileLoc)
           << "graph input '" << name
           << "' has no shape: give one with --input-shape=" << name
           << "=D0xD1x...";
  SmallVector<int64_t> shape;
  for (const auto &[i, dim] : llvm::enumerate(tensorType.shape().dim())) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    InFlightDiagnostic diag = emitError(fileLoc);
    diag << "graph input '" << name << "' dimension " << i;
    if (dim.has_dim_param())
      diag << " is symbolic ('" << dim.dim_param() << "')";
    else
      diag << " is unknown";
    diag << ": give a static shape with --input-shape=" << name << "=D0xD1x...";
    return failure();
  }
  return fits(shape);
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  Location loc = NameLoc::get(StringAttr::get(&context, name), fileLoc);
  ConvertFn convert =
      ConverterRegistry::get().lookup(node.domain(), node.op_type());
  StringRef domain = canonicalDomain(node.domain());
  auto opset = opsets.find(domain);
  int64_t version = opset == opsets.end() ? 1 : opset->second;
  // Ops that take a tensor sequence, and at which input.
  auto takesSequence = [&](unsigned i) {
    return domain.empty() && i == 0 &&
           llvm::is_contained({"SequenceAt", "SequenceLength",
                               "ConcatFromSequence", "SequenceInsert",
                               "SequenceErase", "Identity"},
                              node.op_type());
  };
  for (const auto &[i, input] : llvm::enumerate(node.input())) {
    if (input.empty())
      continue;
    ValueEntry *entry = lookup(input);
    if (!entry)
      return emitError(loc) << node.op_type() << ": input '" << input
                            << "' is not defined before this node";
    if (entry->sequence && !takesSequence(i))
      return emitError(loc)
             << node.op_type() << ": input #" << i << " ('" << input
             << "') is a tensor sequence; this op takes tensors";
  }
  NodeContext ctx(*this, node, version, loc, builder);
  if (failed(checkSmallFloatInputs(ctx)) || failed(convert(ctx)) ||
      ctx.attrFailed())
    return failure();
  for (const auto &[i, output] : llvm::enumerate(node.output()))
    if (!output.empty() && !lookup(output))
      return emitError(loc) << node.op_type() << ": output #" << i << " ('"
                            << output << "') is not supported";
  return success();
}

/// The ONNX TensorProto.DataType of a .npy dtype descriptor, or 0.
static int32_t npyDataType(StringRef descr) {
  return llvm::StringSwitch<int32_t>(descr)
      .Case("<f4", onnx::TensorProto::FLOAT)
      .Case("<f8", onnx::TensorProto::DOUBLE)
      .Case("<f2", onnx::TensorProto::FLOAT16)
      .Case("<i8", onnx::TensorProto::INT64)
      .Case("<i4", onnx::TensorProto::INT32)
      .Case("<i2", onnx::TensorProto::INT16)
      .Case("|i1", onnx::TensorProto::INT8)
      .Case("|u1", onnx::TensorProto::UINT8)
      .Case("|b1", onnx::TensorProto::BOOL)
      .Default(0);
}

/// Whether a .npy file of `descr` holds the bit patterns of `dataType`, a
/// type numpy lacks (bfloat16 as '<u2' or '<V2'; the 8-, 4- and 2-bit
/// types one element per byte as '|u1', '|V1' or '<V1', as ml_dtypes
/// arrays are saved; see docs/bundle.md).
static bool holdsBitPatterns(StringRef descr, int32_t dataType) {
  if (dataType == onnx::TensorProto::BFLOAT16)
    return descr == "<u2" || descr == "<V2";
  return dataTypeSinceOpset(dataType) > 1 &&
         (descr == "|u1" || descr == "|V1" || descr == "<V1");
}

/// ONNX's raw_data of `count` sub-byte elements of `bits` bits, given one
/// per byte: packed, the first element in the low bits.
static std::string packElements(ArrayRef<uint8_t> bytes, unsigned bits) {
  unsigned perByte = 8 / bits;
  std::string packed((bytes.size() + perByte - 1) / perByte, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    packed[i / perByte] |= static_cast<char>((bytes[i] & ((1u << bits) - 1))
                                             << (bits * (i % perByte)));
  return packed;
}

/// Turns every input named by --bind into an initializer holding the .npy
/// file's value, after checking it against the input's declared type.
LogicalResult GraphImporter::bindInputs(onnx::GraphProto &graph) {
  for (const auto &entry : options.boundInputs) {
    StringRef name = entry.getKey();
    const std::string &file = entry.getValue();
    auto info = llvm::find_if(
        graph.input(), [&](const auto &input) { return input.name() == name; });
    if (info == graph.input().end())
      return emitError(fileLoc)
             << "--bind: '" << name << "' is not a graph input";
    if (llvm::any_of(graph.initializer(),
                     [&](const auto &tensor) { return tensor.name() == name; }))
      return emitError(fileLoc)
             << "--bind: '" << name << "' already has an initializer";
    NpyArray array;
    std::string error;
    if (!readNpy(file, array, error))
      return emitError(fileLoc) << "--bind " << name << ": " << error;
    const onnx::TypeProto &type = info->type();
    if (!type.has_tensor_type())
      return emitError(fileLoc)
             << "--bind: '" << name << "' is not a tensor input";
    const onnx::TypeProto::Tensor &tensorType = type.tensor_type();
    int32_t dataType = holdsBitPatterns(array.descr, tensorType.elem_type())
                           ? tensorType.elem_type()
                           : npyDataType(array.descr);
    if (!dataType)
      return emitError(fileLoc)
             << "--bind " << name << ": " << file << ": dtype '" << array.descr
             << "' cannot be bound";
    if (tensorType.elem_type() != dataType)
      return emitError(fileLoc)
             << "--bind " << name << ": " << file << " holds "
             << dataTypeName(dataType) << " but the input is declared "
             << dataTypeName(tensorType.elem_type());
    if (tensorType.has_shape()) {
      const auto &dims = tensorType.shape().dim();
      bool matches = dims.size() == static_cast<int>(array.shape.size());
      for (int i = 0; matches && i < dims.size(); ++i)
        matches =
            !dims[i].has_dim_value() || dims[i].dim_value() == array.shape[i];
      if (!matches) {
        SmallVector<int64_t> declared;
        for (const auto &dim : dims)
          declared.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
        return emitError(fileLoc)
               << "--bind " << name << ": " << file << " has shape "
               << onnx_import::formatShape(array.shape)
               << " but the input is declared "
               << onnx_import::formatShape(declared);
      }
    }
    onnx::TensorProto *tensor = graph.add_initializer();
    tensor->set_name(name.str());
    tensor->set_data_type(dataType);
    for (int64_t dim : array.shape)
      tensor->add_dims(dim);
    Type elementType = convertElementType(dataType, &context);
    unsigned width = elementType ? elementType.getIntOrFloatBitWidth() : 0;
    if (width == 4 || width == 2)
      tensor->set_raw_data(packElements(array.data, width));
    else
      tensor->set_raw_data(array.data.data(), array.data.size());
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  auto parsed =
      bytes ? parseModelProto(*bytes, fileLoc) : readModelProto(path, fileLoc);
  if (failed(parsed))
    return {};
  model = std::move(*parsed);
  // Only what the requested tasks need is converted.
  if (failed(pruneToTasks(*model, options.tasks, fileLoc)))
    return {};
  const onnx::GraphProto &graph = model->graph();

  for (const onnx::OperatorSetIdProto &opset : model->opset_import())
    opsets[canonicalDomain(opset.domain())] = opset.version();
  if (!opsets.count(""))
    return emitError(fileLoc) << "model imports no opset of the default "
                                 "ONNX domain (opset_import)",
           nullptr;
  // Experts that gather their tokens run over all tokens instead.
  for (const GatherFormExpert &expert :
       densifyGatherFormExperts(*model->mutable_graph(), opsets[""]))
    if (!expert.reason.empty())
      for (const onnx::NodeProto &node : graph.node())
        if (node.name() == expert.node && node.op_type() == "NonZero")
          gatherFormReasons[node.output(0)] = expert.reason;
  if (failed(checkSupported(graph)))
    return {};
  for (const auto &entry : options.inputShapes)
    if (llvm::none_of(graph.input(), [&](const onnx::ValueInfoProto &info) {
          return info.name() == entry.getKey();
        }))
      return emitError(fileLoc) << "--input-shape: '" << entry.getKey()
                                << "' is not a graph input",
             nullptr;
  if (failed(bindInputs(*model->mutable_graph())))
    return {};

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  for (const onnx::StringStringEntryProto &prop : model->metadata_props())
    if (prop.key() == "m3sat")
      (*module)->setAttr("m3sat.metadata", builder.getStringAttr(prop.value()));
  (*module)->setAttr("m3sat.opset", builder.getI64IntegerAttr(opsets[""]));

  // Initializers: constants materialized on first use.
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
    auto described = describeTensor(
        tensor, fileLoc, ("initializer '" + tensor.name() + "'").c_str());
    if (failed(described))
      return {};
    ValueEntry entry;
    entry.type = described->first;
    entry.known = described->second;
    entry.tensor = &tensor;
    entry.loc = loc;
    entry.isInitializer = true;
    entry.isUnsigned = isUnsignedDataType(tensor.data_type());
    if (failed(define(tensor.name(), std::move(entry), fileLoc)))
      return {};
  }

  // Graph inputs that are not initializers become arguments.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (lookup(info.name()))
      continue;
    auto type = inputType(info);
    if (failed(type))
      return {};
    argTypes.push_back(*type);
    args.push_back(&info);
  }
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (auto [i, info] : llvm::enumerate(args)) {
    func.setArgAttr(i, "m3sat.name", builder.getStringAttr(info->name()));
    ValueEntry entry;
    entry.type = cast<RankedTensorType>(argTypes[i]);
    entry.value = body->getArgument(i);
    entry.loc = fileLoc;
    entry.isUnsigned =
        isUnsignedDataType(info->type().tensor_type().elem_type());
    if (failed(define(info->name(), std::move(entry), fileLoc)))
      return {};
  }

  builder.setInsertionPointToEnd(body);
  for (const auto &[index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, index)))
      return {};

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &info : graph.output()) {
    ValueEntry *entry = lookup(info.name());
    if (!entry)
      return emitError(fileLoc) << "graph output '" << info.name()
                                << "' is not computed by any node",
             nullptr;
    if (entry->sequence)
      return emitError(fileLoc) << "graph output '" << info.name()
                                << "' is a tensor sequence; tasks return "
                                   "tensors (concatenate it with "
                                   "ConcatFromSequence, or pick its tensors "
                                   "with SequenceAt)",
             nullptr;
    auto value = materialize(*entry, info.name());
    if (failed(value))
      return {};
    // A fully static declared shape must agree with the computed one.
    if (info.type().has_tensor_type() &&
        info.type().tensor_type().has_shape()) {
      SmallVector<int64_t> declared;
      for (const auto &dim : info.type().tensor_type().shape().dim())
        declared.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      if (!llvm::is_contained(declared, -1) &&
          ArrayRef<int64_t>(declared) != entry->type.getShape())
        return emitError(fileLoc)
                   << "graph output '" << info.name()
                   << "' is declared with shape " << formatShape(declared)
                   << " but computes " << formatShape(entry->type.getShape()),
               nullptr;
    }
    results.push_back(*value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, info] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "m3sat.name", builder.getStringAttr(info.name()));

  if (failed(verify(*module)))
    return {};
  return module;
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

void m3sat::registerONNXImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect, tosa::TosaDialect,
                  M3SATDialect>();
}

/// Imports from `path`, or from `bytes` when given.
static OwningOpRef<ModuleOp> importWith(StringRef path, MLIRContext &context,
                                        const ImportOptions &options,
                                        std::optional<StringRef> bytes) {
  DialectRegistry registry;
  registerONNXImportDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  return GraphImporter(context, path, options, bytes).run();
}

OwningOpRef<ModuleOp> m3sat::importONNXModel(StringRef path,
                                             MLIRContext &context,
                                             const ImportOptions &options) {
  return importWith(path, context, options, std::nullopt);
}

OwningOpRef<ModuleOp>
m3sat::importONNXModelFromBuffer(StringRef bytes, StringRef path,
                                 MLIRContext &context,
                                 const ImportOptions &options) {
  return importWith(path, context, options, bytes);
}

std::vector<std::string> m3sat::getSupportedONNXOps() {
  return ConverterRegistry::get().names();
}

std::string m3sat::parseBindOption(StringRef text, ImportOptions &options) {
  auto [name, file] = text.split('=');
  if (name.empty() || file.empty())
    return ("--bind: expected NAME=FILE.npy, got '" + text + "'").str();
  if (options.boundInputs.count(name))
    return ("--bind: '" + name + "' is bound twice").str();
  options.boundInputs[name] = file.str();
  return "";
}

std::string m3sat::parseInputShapeOption(StringRef text,
                                         ImportOptions &options) {
  auto [name, dims] = text.rsplit('=');
  if (name.empty() || dims.empty() || !text.contains('='))
    return ("--input-shape: expected NAME=D0xD1x..., got '" + text + "'").str();
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  if (dims != "scalar")
    dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return ("--input-shape: bad dimension '" + part + "' in '" + text + "'")
          .str();
    shape.push_back(dim);
  }
  options.inputShapes[name] = shape;
  return "";
}
