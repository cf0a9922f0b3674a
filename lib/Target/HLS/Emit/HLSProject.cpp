//===- HLSProject.cpp - the HLS part of an OUT_DIR ------------------------===//
//
// Generates every file of OUT_DIR/hls in memory first, then writes them into
// a temporary directory that is renamed into place, so that a failure
// leaves no partial project.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Emit/HLSProject.h"

#include "M3SAT/M3SATHLSAttrs.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Target/HLS/Analysis/Channels.h"
#include "m3sat/Target/HLS/Analysis/Device.h"
#include "m3sat/Target/HLS/Analysis/Estimate.h"
#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace mlir;
using namespace m3sat;

std::string m3sat::hlsFileStem(StringRef task) {
  std::string stem;
  for (char c : task)
    stem += (llvm::isAlnum(c) || c == '_' || c == '-') ? c : '_';
  return stem.empty() ? "task" : stem;
}

/// The port attributes of `port`: its name, its m_axi bundle (weights on
/// gmem_w, inputs and outputs on gmem_io), and the weight marker.
static DictionaryAttr portAttributes(Builder &builder, const HLSPortDesc &port,
                                     bool weight) {
  SmallVector<NamedAttribute> attrs = {
      builder.getNamedAttr(kHLSPortAttr,
                           builder.getStringAttr(port.tensor->name)),
      builder.getNamedAttr(kHLSBundleAttr, builder.getStringAttr(
                                               weight ? "gmem_w" : "gmem_io"))};
  if (weight)
    attrs.push_back(
        builder.getNamedAttr(kHLSWeightAttr, builder.getUnitAttr()));
  return builder.getDictionaryAttr(attrs);
}

LogicalResult m3sat::setHLSPortAttributes(ModuleOp module,
                                          const HLSTopDesc &top) {
  auto func = module.lookupSymbol<func::FuncOp>(top.symbol);
  size_t numArgs = top.inputs.size() + top.weights.size();
  if (!func || func.getNumArguments() != numArgs ||
      func.getNumResults() != top.outputs.size())
    return module.emitError()
           << "task '" << top.task << "': function '" << top.symbol
           << "' does not take its " << numArgs
           << " inputs and weights as arguments and return its "
           << top.outputs.size() << " outputs";
  Builder builder(module.getContext());
  unsigned arg = 0;
  for (const HLSPortDesc &port : top.inputs)
    func.setArgAttrs(arg++, portAttributes(builder, port, false));
  for (const HLSPortDesc &port : top.weights)
    func.setArgAttrs(arg++, portAttributes(builder, port, true));
  for (auto [result, port] : llvm::enumerate(top.outputs))
    func.setResultAttrs(result, portAttributes(builder, port, false));
  return success();
}

LogicalResult m3sat::checkHLSPorts(ModuleOp module, const HLSTopDesc &top) {
  auto func = module.lookupSymbol<func::FuncOp>(top.symbol);
  if (!func)
    return module.emitError()
           << "task '" << top.task << "': no function '" << top.symbol << "'";
  SmallVector<const HLSPortDesc *> ports;
  for (const std::vector<HLSPortDesc> *list :
       {&top.inputs, &top.weights, &top.outputs})
    for (const HLSPortDesc &port : *list)
      ports.push_back(&port);
  if (func.getNumArguments() != ports.size() || func.getNumResults())
    return func.emitOpError()
           << "does not take the " << ports.size() << " tensors of task '"
           << top.task << "' as arguments";
  for (auto [arg, port] : llvm::enumerate(ports)) {
    auto name = func.getArgAttrOfType<StringAttr>(arg, kHLSPortAttr);
    if (!name || name.getValue() != port->tensor->name)
      return func.emitOpError()
             << "argument " << arg << " is not port '" << port->tensor->name
             << "' of task '" << top.task << "'";
  }
  return success();
}

/// Fails with a diagnostic if an f32 weight of `tops` lies outside the range
/// of the fixed-point weight type (it would wrap).
static LogicalResult checkFixedPointWeights(ModuleOp module,
                                            ArrayRef<HLSTopDesc> tops,
                                            ArrayRef<uint8_t> weights,
                                            const HLSNumerics &numerics) {
  const double high = std::ldexp(1.0, numerics.weightInt - 1);
  const double ulp = std::ldexp(1.0, numerics.weightInt - numerics.weightWidth);
  for (const HLSTopDesc &top : tops)
    for (const HLSPortDesc &port : top.weights) {
      const TensorSpecDesc &tensor = *port.tensor;
      if (tensor.dtype != bundle::DType::f32)
        continue;
      uint64_t count = 1;
      for (int64_t dim : tensor.shape)
        count *= dim;
      if (port.offset + count * sizeof(float) > weights.size())
        return module.emitError()
               << "task '" << top.task << "': weight '" << tensor.name
               << "' lies outside the weight blob";
      // The value farthest outside the range, if any (NaN counts as out).
      bool outside = false;
      float worst = 0;
      for (uint64_t i = 0; i < count; ++i) {
        float value;
        std::memcpy(&value, weights.data() + port.offset + i * sizeof(float),
                    sizeof(float));
        // Truncation toward -inf: values in [-high, high) are in range.
        bool in = value >= -high && std::floor(value / ulp) * ulp < high;
        if (!in && (!outside || std::isnan(value) ||
                    std::abs(value) > std::abs(worst))) {
          outside = true;
          worst = value;
        }
      }
      if (outside)
        return module.emitError()
               << "task '" << top.task << "': weight '" << tensor.name
               << "' holds " << worst << ", outside the range [" << -high
               << ", " << high << ") of ap_fixed<" << numerics.weightWidth
               << "," << numerics.weightInt
               << ">; give the weights more integer bits "
                  "(--hls-weight-fixed=W,I)";
    }
  return success();
}

/// The estimate of top function `func` with the number formats of
/// `numerics`.
static FailureOr<HLSEstimate> estimateTop(func::FuncOp func,
                                          const HLSNumerics &numerics) {
  HLSResourceModel model;
  model.fixed = numerics.fixed;
  model.actWidth = numerics.actWidth;
  model.weightWidth = numerics.weightWidth;
  return estimateHLS(func, numerics.fixed ? 1 : kHLSFloatAddLatency, model);
}

FailureOr<std::string> m3sat::checkHLSFit(ModuleOp module,
                                          const HLSTopDesc &top,
                                          const HLSProjectOptions &options) {
  const HLSDevice *device = lookupHLSDevice(options.part);
  if (!device)
    return module.emitError() << checkHLSPart(options.part);
  auto func = module.lookupSymbol<func::FuncOp>(top.symbol);
  if (!func)
    return module.emitError()
           << "task '" << top.task << "': no function '" << top.symbol << "'";
  FailureOr<HLSEstimate> estimate = estimateTop(func, options.numerics);
  if (failed(estimate))
    return failure();
  HLSDeviceFit fit = fitHLSDevice(*estimate, *device);
  if (fit.fits)
    return std::string();
  return ("task '" + top.task + "': " + fit.resource + " " +
          std::to_string(fit.used) + " used, " + std::to_string(fit.available) +
          " available (most in layer '" + fit.layer + "')");
}

LogicalResult m3sat::writeHLSProject(ModuleOp module, ArrayRef<HLSTopDesc> tops,
                                     ArrayRef<uint8_t> weights,
                                     const std::string &dir,
                                     std::string &estimateText,
                                     const HLSProjectOptions &options) {
  const HLSNumerics &numerics = options.numerics;
  const HLSDevice *device = lookupHLSDevice(options.part);
  if (!device)
    return module.emitError() << checkHLSPart(options.part);
  if (numerics.fixed &&
      failed(checkFixedPointWeights(module, tops, weights, numerics)))
    return failure();
  // Streams that the emitter can print.
  if (failed(verifyHLSChannels(module)))
    return failure();
  // Every file, in memory.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<HLSEstimate> estimates;
  for (const HLSTopDesc &top : tops) {
    auto func = module.lookupSymbol<func::FuncOp>(top.symbol);
    if (!func)
      return module.emitError()
             << "task '" << top.task << "': no function '" << top.symbol << "'";
    if (hlsFunctionName(func) != top.function)
      return func.emitOpError() << "is emitted as '" << hlsFunctionName(func)
                                << "', not '" << top.function << "'";
    std::string source, header;
    llvm::raw_string_ostream sourceOS(source), headerOS(header);
    std::string guard = "M3SAT_HLS_" + llvm::StringRef(top.stem).upper() + "_H";
    for (char &c : guard)
      if (c == '-')
        c = '_';
    if (failed(emitHLSCppFile(module, {func}, top.stem + ".h", sourceOS,
                              numerics)) ||
        failed(emitHLSCppHeader({func}, guard, headerOS, numerics)))
      return failure();
    std::string error;
    std::string testbench = emitHLSTestbench(top, error);
    if (testbench.empty())
      return module.emitError() << error;
    FailureOr<HLSEstimate> estimate = estimateTop(func, numerics);
    if (failed(estimate))
      return failure();
    // The design must fit the part.
    if (HLSDeviceFit fit = fitHLSDevice(*estimate, *device);
        !fit.fits && !options.allowOverflow)
      return func.emitError() << describeHLSOverflow(top.task, fit, *device);
    estimates.push_back(std::move(*estimate));
    files.emplace_back(top.stem + ".cpp", std::move(source));
    files.emplace_back(top.stem + ".h", std::move(header));
    files.emplace_back("tb_" + top.stem + ".cpp", std::move(testbench));
  }
  for (const auto &[name, contents] : getHLSSupportHeaders())
    files.emplace_back(name.str(), contents.str());
  files.emplace_back("run_hls.tcl",
                     emitHLSTclScript(tops, device->part, device->clockMHz));
  estimateText = formatHLSEstimates(estimates, device);
  files.emplace_back("estimate.txt", estimateText);
  files.emplace_back(
      "estimate.json",
      llvm::formatv("{0:2}", hlsEstimatesToJSON(estimates, device)).str() +
          "\n");
  files.emplace_back("weights.bin",
                     std::string(reinterpret_cast<const char *>(weights.data()),
                                 weights.size()));

  // Into a temporary directory beside `dir`, then renamed into place.
  Location loc = module.getLoc();
  std::string temporary = dir + ".tmp." + std::to_string(::getpid());
  llvm::sys::fs::remove_directories(temporary);
  if (std::error_code ec = llvm::sys::fs::create_directories(temporary))
    return emitError(loc) << temporary
                          << ": cannot create directory: " << ec.message();
  for (const auto &[name, contents] : files) {
    std::string path = temporary + "/" + name;
    std::error_code ec;
    {
      llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
      if (!ec) {
        out << contents;
        out.close();
        ec = out.error();
      }
    }
    if (ec) {
      llvm::sys::fs::remove_directories(temporary);
      return emitError(loc)
             << dir << "/" << name << ": cannot write: " << ec.message();
    }
  }
  llvm::sys::fs::remove_directories(dir);
  if (std::error_code ec = llvm::sys::fs::rename(temporary, dir)) {
    llvm::sys::fs::remove_directories(temporary);
    return emitError(loc) << dir << ": cannot write: " << ec.message();
  }
  return success();
}
