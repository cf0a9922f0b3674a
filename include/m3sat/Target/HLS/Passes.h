//===- Passes.h - every HLS pass --------------------------------*- C++ -*-===//
//
// The HLS passes of every role (architecture transforms, emission
// preparation, checks) and one function that registers them all.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_PASSES_H
#define M3SAT_TARGET_HLS_PASSES_H

#include "m3sat/Target/HLS/Analysis/Passes.h"
#include "m3sat/Target/HLS/Prepare/Passes.h"
#include "m3sat/Target/HLS/Transforms/Passes.h"

namespace m3sat {

/// Registers every HLS pass with the global pass registry.
inline void registerM3SATHLSPasses() {
  registerM3SATHLSTransformsPasses();
  registerM3SATHLSPreparePasses();
  registerM3SATHLSAnalysisPasses();
}

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_PASSES_H
