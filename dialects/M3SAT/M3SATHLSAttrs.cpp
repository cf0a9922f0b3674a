//===- M3SATHLSAttrs.cpp - verification of the m3sat.hls.* attributes -----===//
//
// The m3sat dialect's hooks for discardable attributes: every attribute
// whose name starts with `m3sat.hls.` must be one of M3SATHLSAttrs.h's, hold
// a value of its kind and sit on the op (or function argument or result) it
// describes. Other `m3sat.*` attributes are not checked here.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATHLSAttrs.h"
#include "M3SAT/M3SATDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/ArrayRef.h"

using namespace mlir;
using namespace m3sat;

namespace {

/// What an HLS attribute holds.
enum class ValueKind {
  Unit,
  PositiveI64,
  NonNegativeI64,
  String,
  Channel,
  Partition,
  LinearTrips
};

/// Where an HLS attribute belongs.
enum class Host { ForOp, IfOp, AllocOp, FuncOp, CallOp, Argument, Port };

struct HLSAttrRule {
  llvm::StringLiteral name;
  ValueKind kind;
  Host host;
};

const HLSAttrRule kRules[] = {
    {kHLSPipelineIIAttr, ValueKind::PositiveI64, Host::ForOp},
    {kHLSMaxTripCountAttr, ValueKind::NonNegativeI64, Host::ForOp},
    {kHLSUnrollAttr, ValueKind::PositiveI64, Host::ForOp},
    {kHLSExpertScheduleAttr, ValueKind::Unit, Host::ForOp},
    {kHLSIndependentAttr, ValueKind::Unit, Host::ForOp},
    {kHLSTokenTilesAttr, ValueKind::PositiveI64, Host::ForOp},
    {kHLSSharedBranchesAttr, ValueKind::Unit, Host::IfOp},
    {kHLSPartitionAttr, ValueKind::Partition, Host::AllocOp},
    {kHLSStreamOfAttr, ValueKind::NonNegativeI64, Host::AllocOp},
    {kHLSFifoDepthAttr, ValueKind::PositiveI64, Host::AllocOp},
    {kHLSChannelAttr, ValueKind::Channel, Host::AllocOp},
    {kHLSDataflowAttr, ValueKind::Unit, Host::FuncOp},
    {kHLSDataflowRegionAttr, ValueKind::Unit, Host::FuncOp},
    {kHLSSharedUnitAttr, ValueKind::Unit, Host::FuncOp},
    {kHLSSharedLayerAttr, ValueKind::Unit, Host::FuncOp},
    {kHLSLinearTripsAttr, ValueKind::LinearTrips, Host::CallOp},
    {kHLSPortAttr, ValueKind::String, Host::Port},
    {kHLSBundleAttr, ValueKind::String, Host::Port},
    {kHLSWeightAttr, ValueKind::Unit, Host::Argument},
    // On a stage function's argument the channel's direction.
    {kHLSChannelAttr, ValueKind::Channel, Host::Argument},
};

StringRef describe(Host host) {
  switch (host) {
  case Host::ForOp:
    return "an scf.for";
  case Host::IfOp:
    return "an scf.if";
  case Host::AllocOp:
    return "a memref.alloc or memref.alloca";
  case Host::FuncOp:
    return "a func.func";
  case Host::CallOp:
    return "a func.call";
  case Host::Argument:
    return "a function argument";
  case Host::Port:
    return "a function argument or result";
  }
  return "";
}

StringRef describe(ValueKind kind) {
  switch (kind) {
  case ValueKind::Unit:
    return "a unit attribute";
  case ValueKind::PositiveI64:
    return "a positive i64";
  case ValueKind::NonNegativeI64:
    return "a non-negative i64";
  case ValueKind::String:
    return "a non-empty string";
  case ValueKind::Channel:
    return "#m3sat.hls_channel";
  case ValueKind::Partition:
    return "#m3sat.hls_partition";
  case ValueKind::LinearTrips:
    return "#m3sat.hls_linear_trips";
  }
  return "";
}

bool isOpHost(Host host, Operation *op) {
  StringRef name = op->getName().getStringRef();
  switch (host) {
  case Host::ForOp:
    return name == "scf.for";
  case Host::IfOp:
    return name == "scf.if";
  case Host::AllocOp:
    return name == "memref.alloc" || name == "memref.alloca";
  case Host::FuncOp:
    return name == "func.func";
  case Host::CallOp:
    return name == "func.call";
  case Host::Argument:
  case Host::Port:
    return false;
  }
  return false;
}

bool hasKind(ValueKind kind, Attribute value) {
  auto integer = dyn_cast<IntegerAttr>(value);
  bool isI64 = integer && integer.getType().isSignlessInteger(64);
  switch (kind) {
  case ValueKind::Unit:
    return isa<UnitAttr>(value);
  case ValueKind::PositiveI64:
    return isI64 && integer.getInt() > 0;
  case ValueKind::NonNegativeI64:
    return isI64 && integer.getInt() >= 0;
  case ValueKind::String: {
    auto string = dyn_cast<StringAttr>(value);
    return string && !string.getValue().empty();
  }
  case ValueKind::Channel:
    return isa<HLSChannelKindAttr>(value);
  case ValueKind::Partition:
    return isa<HLSPartitionAttr>(value);
  case ValueKind::LinearTrips:
    return isa<HLSLinearTripsAttr>(value);
  }
  return false;
}

/// The rules named `name` (a name has one rule per kind of host).
SmallVector<const HLSAttrRule *> rulesFor(StringRef name) {
  SmallVector<const HLSAttrRule *> rules;
  for (const HLSAttrRule &rule : kRules)
    if (rule.name == name)
      rules.push_back(&rule);
  return rules;
}

bool isArgumentChannel(HLSChannelKind kind) {
  return kind != HLSChannelKind::fifo && kind != HLSChannelKind::pipo;
}

/// Checks that go beyond the kind: a partition fits its array, a stream
/// names an argument of its function, a channel allocation is a fifo or
/// pipo.
LogicalResult verifyOnOp(Operation *op, StringRef name, Attribute value) {
  if (auto partition = dyn_cast<HLSPartitionAttr>(value)) {
    auto type = dyn_cast<MemRefType>(op->getResult(0).getType());
    if (!type || partition.getDim() > type.getRank())
      return op->emitOpError()
             << "'" << name << "' partitions dimension " << partition.getDim()
             << " of an array of rank " << (type ? type.getRank() : 0);
    int64_t size = type.getDimSize(partition.getDim() - 1);
    if (!ShapedType::isDynamic(size) && partition.getFactor() > size)
      return op->emitOpError() << "'" << name << "' splits dimension "
                               << partition.getDim() << " of size " << size
                               << " into " << partition.getFactor() << " banks";
  }
  if (name == kHLSStreamOfAttr) {
    auto func = op->getParentOfType<FunctionOpInterface>();
    int64_t index = cast<IntegerAttr>(value).getInt();
    if (func && index >= static_cast<int64_t>(func.getNumArguments()))
      return op->emitOpError()
             << "'" << name << "' names argument " << index
             << " of a function with " << func.getNumArguments();
  }
  if (auto channel = dyn_cast<HLSChannelKindAttr>(value);
      channel && isArgumentChannel(channel.getValue()))
    return op->emitOpError()
           << "'" << name << "' of an allocation is fifo or pipo, not "
           << stringifyHLSChannelKind(channel.getValue());
  return success();
}

/// Verifies an attribute of a function argument (`result` false) or result.
LogicalResult verifyFunctionAttr(Operation *op, unsigned index, bool result,
                                 NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  StringRef what = result ? "result" : "argument";
  SmallVector<const HLSAttrRule *> rules = rulesFor(name);
  if (rules.empty())
    return op->emitOpError() << what << " " << index
                             << ": unknown HLS attribute '" << name << "'";
  const HLSAttrRule *rule = nullptr;
  for (const HLSAttrRule *candidate : rules)
    if (candidate->host == Host::Port ||
        (!result && candidate->host == Host::Argument))
      rule = candidate;
  if (!rule || op->getName().getStringRef() != "func.func")
    return op->emitOpError()
           << what << " " << index << ": '" << name << "' belongs on "
           << describe(rules.front()->host);
  if (!hasKind(rule->kind, attr.getValue()))
    return op->emitOpError()
           << what << " " << index << ": '" << name << "' must be "
           << describe(rule->kind) << ", not " << attr.getValue();
  if (auto channel = dyn_cast<HLSChannelKindAttr>(attr.getValue());
      channel && !isArgumentChannel(channel.getValue()))
    return op->emitOpError()
           << what << " " << index << ": '" << name
           << "' of a stage argument is fifo_in, fifo_out, pipo_in or "
              "pipo_out, not "
           << stringifyHLSChannelKind(channel.getValue());
  return success();
}

} // namespace

LogicalResult
HLSPartitionAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t dim, int64_t factor) {
  if (dim < 1)
    return emitError() << "partitioned dimension " << dim << " is not 1-based";
  if (factor < 2)
    return emitError() << "partition factor " << factor
                       << " is less than 2 banks";
  return success();
}

LogicalResult
HLSLinearTripsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           int64_t m, int64_t n, int64_t k) {
  if (m < 1 || n < 1 || k < 1)
    return emitError() << "linear unit trip counts must be positive, not m = "
                       << m << ", n = " << n << ", k = " << k;
  return success();
}

LogicalResult M3SATDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (!name.starts_with("m3sat.hls."))
    return success();
  SmallVector<const HLSAttrRule *> rules = rulesFor(name);
  if (rules.empty())
    return op->emitOpError() << "has unknown HLS attribute '" << name << "'";
  const HLSAttrRule *rule = nullptr;
  for (const HLSAttrRule *candidate : rules)
    if (isOpHost(candidate->host, op))
      rule = candidate;
  if (!rule)
    return op->emitOpError() << "cannot carry '" << name << "': it belongs on "
                             << describe(rules.front()->host);
  if (!hasKind(rule->kind, attr.getValue()))
    return op->emitOpError()
           << "'" << name << "' must be " << describe(rule->kind) << ", not "
           << attr.getValue();
  return verifyOnOp(op, name, attr.getValue());
}

LogicalResult M3SATDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  if (!attr.getName().getValue().starts_with("m3sat.hls."))
    return success();
  return verifyFunctionAttr(op, argIndex, /*result=*/false, attr);
}

LogicalResult M3SATDialect::verifyRegionResultAttribute(Operation *op,
                                                        unsigned regionIndex,
                                                        unsigned resultIndex,
                                                        NamedAttribute attr) {
  if (!attr.getName().getValue().starts_with("m3sat.hls."))
    return success();
  return verifyFunctionAttr(op, resultIndex, /*result=*/true, attr);
}
