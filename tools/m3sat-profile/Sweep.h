//===- Sweep.h - the pruning trade-off of m3sat-profile ---------*- C++ -*-===//
//
// m3sat-profile --sweep=C1,C2,...: after the profile is written, every
// coverage is compiled (m3sat-compile --profile --coverage=C --report) and
// each task run on the profile's reference samples (the held-out ones,
// read once):
// experts and parameter bytes kept per layer and in total, FLOPs, and the
// output deviation from the unpruned task (max and mean abs error, the
// share of argmax changes for classification-like outputs). Writes a JSON,
// the trade-off plot (deviation against parameter bytes kept, one curve per
// task) and the cost plot (FLOPs and bytes: full model, task, pruned).
//
// A coverage that keeps the same experts as an earlier one (by the rule of
// m3sat-prune-by-profile, checked against the bundle of the earlier one's
// compile) shares its compile and measurement; one that keeps every expert
// shares the unpruned tasks'. m3sat-compile does not run its own held-out
// check (--profile-check=false): the sweep measures the same samples.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TOOLS_PROFILE_SWEEP_H
#define M3SAT_TOOLS_PROFILE_SWEEP_H

#include <map>
#include <string>
#include <vector>

namespace m3sat {

struct SweepOptions {
  std::string compiler;                 ///< m3sat-compile.
  std::vector<std::string> compileArgs; ///< Model, tasks, bindings, ...
  std::string usagePath;                ///< The profile just written.
  std::vector<double> coverages;
  /// Outputs whose argmax along the axis is a class; outputs not named:
  /// rank 2 with 2 or more entries along axis 1.
  std::map<std::string, int> argmaxAxes;
  /// Reference runs side by side, as m3sat-profile --jobs.
  unsigned jobs = 0;
  std::string workDir;
  std::string jsonPath, svgPath, costSvgPath;
  std::string modelName;
};

/// Runs the sweep and writes its files; returns a one-line error or "".
std::string runSweep(const SweepOptions &options);

/// Parses "0.9,0.95" entries into coverages in (0, 1]; returns an error
/// naming the flag or "".
std::string parseCoverages(const std::vector<std::string> &texts,
                           std::vector<double> &coverages);

} // namespace m3sat

#endif // M3SAT_TOOLS_PROFILE_SWEEP_H
