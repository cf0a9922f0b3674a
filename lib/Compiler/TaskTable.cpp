//===- TaskTable.cpp - the tasks of a specialized module ------------------===//

#include "m3sat/Compiler/TaskTable.h"

#include "M3SAT/M3SATOps.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Support/Diagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace m3sat;

const TaskDesc *TaskTable::lookupFunction(StringRef function) const {
  for (const TaskDesc &task : bundle.getTasks())
    if (getEntry(task).function == function)
      return &task;
  return nullptr;
}

std::optional<bundle::DType> m3sat::getBundleDType(Type type) {
  if (type.isF32())
    return bundle::DType::f32;
  if (type.isF16())
    return bundle::DType::f16;
  if (type.isF64())
    return bundle::DType::f64;
  if (type.isBF16())
    return bundle::DType::bf16;
  if (isa<Float8E4M3FNType>(type))
    return bundle::DType::f8e4m3fn;
  if (isa<Float8E4M3FNUZType>(type))
    return bundle::DType::f8e4m3fnuz;
  if (isa<Float8E5M2Type>(type))
    return bundle::DType::f8e5m2;
  if (isa<Float8E5M2FNUZType>(type))
    return bundle::DType::f8e5m2fnuz;
  if (isa<Float8E8M0FNUType>(type))
    return bundle::DType::f8e8m0fnu;
  if (isa<Float4E2M1FNType>(type))
    return bundle::DType::f4e2m1fn;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    switch (integer.getWidth()) {
    case 64:
      return bundle::DType::i64;
    case 32:
      return bundle::DType::i32;
    case 16:
      return bundle::DType::i16;
    case 8:
      return bundle::DType::i8;
    case 4:
      return bundle::DType::i4;
    case 2:
      return bundle::DType::i2;
    case 1:
      return bundle::DType::i1;
    }
  }
  return std::nullopt;
}

namespace {

std::string nameOf(DictionaryAttr attrs, StringRef fallback) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("m3sat.name"))
      return name.str();
  return fallback.str();
}

/// The raw little-endian bytes of a weight, splats expanded.
FailureOr<std::vector<uint8_t>> weightBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  size_t elementBytes = type.getElementTypeBitWidth() / 8;
  size_t total = elementBytes * type.getNumElements();
  std::vector<uint8_t> bytes(total);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != total)
      return failure();
    std::memcpy(bytes.data(), blob->getData().data(), total);
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || type.getElementTypeBitWidth() % 8 != 0)
    return failure();
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (size_t i = 0; i < total; i += elementBytes)
      std::memcpy(bytes.data() + i, raw.data(), elementBytes);
  } else {
    if (raw.size() != total)
      return failure();
    std::memcpy(bytes.data(), raw.data(), total);
  }
  return bytes;
}

/// A static tensor port of a bundle dtype, or a diagnostic naming it.
FailureOr<TensorSpecDesc> describePort(func::FuncOp func, StringRef task,
                                       Type type, StringRef name,
                                       bool isInput) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<bundle::DType> dtype =
      tensor ? getBundleDType(tensor.getElementType()) : std::nullopt;
  if (!tensor || !tensor.hasStaticShape() || !dtype)
    return func.emitError()
           << "task '" << task << "': " << (isInput ? "input" : "output")
           << " '" << name << "' has type " << type << "; tasks "
           << (isInput ? "take" : "return")
           << " static tensors of f16, bf16, f32, f64, the 8- and 4-bit "
              "floats, i1, i2, i4, i8, i16, i32 or i64";
  return TensorSpecDesc{
      name.str(), *dtype,
      std::vector<int64_t>(tensor.getShape().begin(), tensor.getShape().end())};
}

/// The MoE layer `op` describes, if it is one: the model's expert count
/// (before pruning, when it happened) and the experts it keeps.
std::optional<MoELayerDesc> describeMoELayer(Operation *op) {
  MoELayerDesc layer;
  ExpertSetAttr set;
  if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
    layer.numExperts = ffn.getNumExperts();
    set = ffn.getStaticExpertsAttr();
  } else if (auto attention = dyn_cast<MoEAttentionOp>(op)) {
    layer.numExperts = attention.getNumExperts();
    set = attention.getStaticExpertsAttr();
  } else {
    return std::nullopt;
  }
  layer.name = getNodeName(op->getLoc());
  layer.staticRouting = static_cast<bool>(set);
  // Pruned layers know which of the model's experts they kept.
  if (auto source =
          op->getAttrOfType<DenseI64ArrayAttr>("m3sat.source_experts"))
    layer.keptExperts.assign(source.asArrayRef().begin(),
                             source.asArrayRef().end());
  else if (set)
    layer.keptExperts.assign(set.getExperts().begin(), set.getExperts().end());
  if (auto source = op->getAttrOfType<IntegerAttr>("m3sat.source_num_experts"))
    layer.numExperts = source.getInt();
  else
    for (int64_t e = 0; e < layer.numExperts; ++e)
      layer.keptExperts.push_back(e);
  return layer;
}

/// Marks the weights that m3sat.dequantize ops of `func` read as codes as
/// quantized in the bundle, with their scales and zero points.
void describeQuantizedWeights(func::FuncOp func,
                              const llvm::DenseMap<Value, uint32_t> &buffers,
                              TaskTable &table) {
  func.walk([&](DequantizeOp op) {
    auto codes = buffers.find(op.getPacked());
    auto scales = buffers.find(op.getScales());
    auto zeros =
        op.getZeroPoints() ? buffers.find(op.getZeroPoints()) : buffers.end();
    if (codes == buffers.end() || scales == buffers.end() ||
        (op.getZeroPoints() && zeros == buffers.end()))
      return;
    QuantizationDesc quantization;
    quantization.bits = op.getBits();
    quantization.columns = cast<ShapedType>(op.getType()).getShape().back();
    quantization.blockSize = op.getBlockSize();
    quantization.scales = scales->second;
    quantization.zeroPoints =
        zeros == buffers.end() ? -1 : static_cast<int64_t>(zeros->second);
    table.bundle.setQuantization(codes->second, quantization);
  });
}

/// Adds the task of `func` to `table`, moving its weights into the bundle.
LogicalResult addTask(func::FuncOp func, StringRef taskName, TaskTable &table) {
  TaskDesc task;
  task.name = taskName.str();
  task.entry = table.entries.size();
  auto weightAttr = StringAttr::get(func.getContext(), "m3sat.weight");
  llvm::DenseMap<Value, uint32_t> weightBuffers;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    DictionaryAttr attrs = func.getArgAttrDict(i);
    std::string name = nameOf(attrs, "input" + std::to_string(i));
    FailureOr<TensorSpecDesc> port = describePort(
        func, task.name, func.getArgumentTypes()[i], name, /*isInput=*/true);
    if (failed(port))
      return failure();
    auto weight = attrs ? attrs.getAs<ElementsAttr>(weightAttr) : nullptr;
    if (!weight) {
      task.inputs.push_back(std::move(*port));
      continue;
    }
    FailureOr<std::vector<uint8_t>> bytes = weightBytes(weight);
    if (failed(bytes))
      return func.emitError() << "weight '" << name << "' has no readable data";
    // A weight shared by tasks is the same attribute: stored once.
    std::string key = std::to_string(
        reinterpret_cast<uintptr_t>(weight.getAsOpaquePointer()));
    task.weights.push_back(table.bundle.addBuffer(
        key, name, port->dtype, port->shape, bytes->data(), bytes->size()));
    weightBuffers[func.getArgument(i)] = task.weights.back();
    func.removeArgAttr(i, weightAttr);
  }
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    std::string name =
        nameOf(func.getResultAttrDict(i), "output" + std::to_string(i));
    FailureOr<TensorSpecDesc> port = describePort(
        func, task.name, func.getResultTypes()[i], name, /*isInput=*/false);
    if (failed(port))
      return failure();
    task.outputs.push_back(std::move(*port));
  }
  describeQuantizedWeights(func, weightBuffers, table);
  func.walk([&](Operation *op) {
    if (std::optional<MoELayerDesc> layer = describeMoELayer(op))
      task.moeLayers.push_back(std::move(*layer));
  });
  table.entries.push_back(
      {func.getSymName().str(),
       static_cast<unsigned>(task.inputs.size() + task.weights.size() +
                             task.outputs.size())});
  table.bundle.addTask(std::move(task));
  return success();
}

} // namespace

LogicalResult m3sat::buildTaskTable(ModuleOp module, TaskTable &table) {
  for (auto func : module.getOps<func::FuncOp>())
    if (auto task = func->getAttrOfType<StringAttr>("m3sat.task"))
      if (failed(addTask(func, task.getValue(), table)))
        return failure();
  if (table.entries.empty())
    return module.emitError("no task to compile");
  return success();
}
