//===- AdaptiveWait.h - when a task's waiting threads block ---------------===//
//
// The decision behind M3SAT_WAIT=adaptive (TaskRuntime.cpp), kept apart
// from libomp and getrusage so that it can be tested: whether the next run's
// waiting threads spin (libomp's block time) or block at once.
//
// Only a run whose threads spun says whether other processes compete for
// the cores: when its threads were preempted (involuntary context
// switches), the next runs block. Blocking runs count involuntary
// switches of their own (the multimodal activity task, 2 threads,
// M3SAT_WAIT=passive against spin on the same machine: about 115 per run
// against under 1), so their count does not tell load apart: after a
// stretch of blocking runs the next one spins again and decides anew. A stretch that
// ends in another preempted run is twice as long as the one before (up to
// kLongestStretch), so that a machine that stays loaded pays for one spinning
// run in kLongestStretch; a clean spinning run resets it. The first run of a
// process (it loads the kernel library and JIT-compiles its kernels) decides
// nothing.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H
#define M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H

#include <algorithm>

namespace m3sat {

class AdaptiveWait {
public:
  /// Blocking runs after the first preempted spinning run.
  static constexpr int kFirstStretch = 8;
  /// The longest stretch of blocking runs.
  static constexpr int kLongestStretch = 64;

  /// Whether the next run's waiting threads block at once.
  bool blocks() const { return blockingRunsLeft > 0; }

  /// After a run: whether its threads were preempted.
  void afterRun(bool preempted) {
    if (firstRun) {
      firstRun = false;
      return;
    }
    if (blockingRunsLeft > 0) {
      --blockingRunsLeft;
      return;
    }
    if (!preempted) {
      stretch = kFirstStretch;
      return;
    }
    blockingRunsLeft = stretch;
    stretch = std::min(2 * stretch, kLongestStretch);
  }

private:
  bool firstRun = true;
  int blockingRunsLeft = 0;
  int stretch = kFirstStretch;
};

} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H
