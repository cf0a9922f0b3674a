//===- SampleRunner.h - samples of one task, side by side -------*- C++ -*-===//
//
// m3sat-profile runs every task on many independent samples. Small tasks
// spend most of a run starting and joining the parallel loops of their
// OpenMP pool (the small M3ViT: ~360 thread wake-ups per run), so samples
// run side by side instead: one opened task per worker, each run on one
// thread (LoadedTask::limitThreads), results handed back in sample order,
// so that everything that adds them up does so in the same order as one
// worker would, and prints the same.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TOOLS_PROFILE_SAMPLERUNNER_H
#define M3SAT_TOOLS_PROFILE_SAMPLERUNNER_H

#include "m3sat/Runtime/TaskLoader.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace m3sat {

/// Workers for `jobs` (0: one per hardware thread), at most one per sample.
unsigned workerCount(unsigned jobs, int64_t samples);

/// Opens `count` instances of `task` of `outDir` (the first one may be
/// given); returns "" or a one-line error.
std::string openWorkers(const std::string &outDir, const std::string &task,
                        unsigned count,
                        std::vector<std::unique_ptr<LoadedTask>> &workers);

/// Runs `work(task, sample, error)` for samples 0..count-1, on the calling
/// thread with one worker (the task's runs then use its whole pool), else
/// on a thread per worker with one thread per run; `done(sample, error)`
/// runs on the calling thread in sample order once `work` for that sample
/// is done. `work` runs concurrently with other samples' `work` and with
/// `done`: it may touch only what belongs to its sample. Returns the error
/// of the first sample (in order) whose `work` or `done` failed, or "" when
/// every one succeeded; no `work` runs any more when it returns.
std::string
runSamples(std::vector<std::unique_ptr<LoadedTask>> &workers, int64_t count,
           llvm::function_ref<bool(LoadedTask &, int64_t, std::string &)> work,
           llvm::function_ref<bool(int64_t, std::string &)> done);

} // namespace m3sat

#endif // M3SAT_TOOLS_PROFILE_SAMPLERUNNER_H
