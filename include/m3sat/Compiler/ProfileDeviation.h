//===- ProfileDeviation.h - pruning checked on reference samples -*- C++
//-*-===//
//
// m3sat-compile --profile=usage.json prunes experts by an m3sat-profile
// profile; the profile also names reference samples (the held-out ones, or
// every profiled sample when none was held out) with the unpruned model's
// outputs on them. This runs the compiled tasks on those samples and says
// how far their outputs moved.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_COMPILER_PROFILEDEVIATION_H
#define M3SAT_COMPILER_PROFILEDEVIATION_H

#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace m3sat {

/// The reference samples of a profile.
struct ProfileReferences {
  struct Sample {
    /// Input name -> .npy file.
    std::map<std::string, std::string> inputs;
    /// Task -> output name -> .npy file of the unpruned task's output.
    std::map<std::string, std::map<std::string, std::string>> outputs;
  };
  std::vector<Sample> samples;
  /// The samples were held out of the profile (else they were profiled).
  bool heldOut = false;
};

/// Reads the reference samples of the m3sat-profile JSON at `path`; returns
/// an error message naming the file and field, or "".
std::string readProfileReferences(const std::string &path,
                                  ProfileReferences &references);

/// Runs every task of `outDir` on the reference samples and prints, per
/// task, the output deviation from the references to `os`; a task group
/// ("a+b") is checked against its members' references. Returns an error
/// message or "".
std::string reportProfileDeviation(const std::string &outDir,
                                   const ProfileReferences &references,
                                   double coverage, llvm::raw_ostream &os);

} // namespace m3sat

#endif // M3SAT_COMPILER_PROFILEDEVIATION_H
