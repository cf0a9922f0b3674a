//===- TargetBackend.cpp - targets and the backend interface --------------===//

#include "m3sat/Compiler/TargetBackend.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace m3sat;

TargetBackend::~TargetBackend() = default;

llvm::StringRef m3sat::getTargetName(Target target) {
  switch (target) {
  case Target::CPU:
    return "cpu";
  case Target::GPU:
    return "gpu";
  case Target::HLS:
    return "hls";
  }
  llvm_unreachable("unknown target");
}

std::optional<Target> m3sat::parseTarget(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Target>>(name)
      .Case("cpu", Target::CPU)
      .Case("gpu", Target::GPU)
      .Case("hls", Target::HLS)
      .Default(std::nullopt);
}

void PhaseTimer::done(llvm::StringRef phase) {
  auto now = std::chrono::steady_clock::now();
  if (enabled)
    llvm::errs() << llvm::format(
        "m3sat-compile: %-24s %8.3f s\n", (phase + ":").str().c_str(),
        std::chrono::duration<double>(now - last).count());
  last = now;
}
