//===- DeviceFit.cpp - a design against a part's budgets ------------------===//

#include "m3sat/Target/HLS/Analysis/Device.h"

#include "m3sat/Target/HLS/Analysis/Estimate.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace m3sat;

namespace {

/// A resource: its name in reports and JSON, and its field.
struct ResourceField {
  const char *name;
  const char *key;
  int64_t HLSResources::*used;
  int64_t HLSDevice::*available;
};

constexpr ResourceField kResourceFields[] = {
    {"BRAM18K", "bram18k", &HLSResources::bram18k, &HLSDevice::bram18k},
    {"URAM", "uram", &HLSResources::uram, &HLSDevice::uram},
    {"DSP", "dsp", &HLSResources::dsp, &HLSDevice::dsp},
    {"LUT", "lut", &HLSResources::lut, &HLSDevice::lut},
    {"FF", "ff", &HLSResources::ff, &HLSDevice::ff},
};

} // namespace

HLSDeviceFit m3sat::fitHLSDevice(const HLSEstimate &estimate,
                                 const HLSDevice &device) {
  HLSDeviceFit fit;
  fit.computeMs = estimate.cycles / (device.clockMHz * 1e3);
  fit.memoryMs = estimate.portTrafficBytes / (device.memoryGBps * 1e6);
  fit.latencyMs = std::max(fit.computeMs, fit.memoryMs);
  fit.fps = fit.latencyMs > 0 ? 1e3 / fit.latencyMs : 0;
  double worst = 1;
  for (const ResourceField &field : kResourceFields) {
    int64_t used = estimate.resources.*field.used;
    int64_t available = device.*field.available;
    if (used <= available)
      continue;
    fit.fits = false;
    double share = available ? double(used) / available : 1e300;
    if (!fit.resource.empty() && share <= worst)
      continue;
    worst = share;
    fit.resource = field.name;
    fit.used = used;
    fit.available = available;
    fit.layer.clear();
    fit.layerUsed = 0;
    for (const auto &[layer, resources] : estimate.layerResources)
      if (resources.*field.used > fit.layerUsed) {
        fit.layer = layer;
        fit.layerUsed = resources.*field.used;
      }
  }
  return fit;
}

llvm::json::Value m3sat::hlsDeviceFitToJSON(const HLSEstimate &estimate,
                                            const HLSDevice &device) {
  HLSDeviceFit fit = fitHLSDevice(estimate, device);
  llvm::json::Object object{{"part", device.part},
                            {"board", device.board},
                            {"clock_mhz", device.clockMHz},
                            {"fits", fit.fits}};
  for (const ResourceField &field : kResourceFields)
    object[field.key] =
        llvm::json::Object{{"used", estimate.resources.*field.used},
                           {"available", device.*field.available}};
  object["latency_ms"] = fit.latencyMs;
  object["compute_ms"] = fit.computeMs;
  object["memory_ms"] = fit.memoryMs;
  object["memory_gbps"] = device.memoryGBps;
  object["memory_bytes"] = estimate.portTrafficBytes;
  object["fps"] = fit.fps;
  if (!fit.fits)
    object["overflow"] = llvm::json::Object{{"resource", fit.resource},
                                            {"used", fit.used},
                                            {"available", fit.available},
                                            {"layer", fit.layer},
                                            {"layer_used", fit.layerUsed}};
  return object;
}

std::string m3sat::formatHLSDeviceFit(const HLSEstimate &estimate,
                                      const HLSDevice &device) {
  HLSDeviceFit fit = fitHLSDevice(estimate, device);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "  device " << device.part << " (" << device.board << ") at "
     << llvm::format("%g", device.clockMHz)
     << " MHz: " << (fit.fits ? "fits" : "does not fit") << "\n   ";
  for (const ResourceField &field : kResourceFields) {
    int64_t used = estimate.resources.*field.used;
    int64_t available = device.*field.available;
    os << " " << field.name << " " << used << "/" << available;
    if (available)
      os << llvm::format(" (%.1f%%)", 100.0 * used / available);
  }
  os << "\n    latency "
     << llvm::format("%.3f ms (loops %.3f ms; ports %lld bytes, accessed "
                     "%lld bytes: %.3f ms at %.1f GB/s): %.1f FPS",
                     fit.latencyMs, fit.computeMs,
                     (long long)estimate.offChipBytes,
                     (long long)estimate.portTrafficBytes, fit.memoryMs,
                     device.memoryGBps, fit.fps)
     << "\n";
  if (!fit.fits)
    os << "    overflow: " << fit.resource << " " << fit.used << " used, "
       << fit.available << " available; most in '" << fit.layer << "' ("
       << fit.layerUsed << ")\n";
  return text;
}

std::string m3sat::describeHLSOverflow(llvm::StringRef task,
                                       const HLSDeviceFit &fit,
                                       const HLSDevice &device) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "task '" << task << "' does not fit " << device.part << " ("
     << device.board << "): " << fit.resource << " " << fit.used << " used, "
     << fit.available << " available; most in layer '" << fit.layer << "' ("
     << fit.layerUsed << "); --hls-allow-overflow writes the project anyway";
  return text;
}
