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
// against under 1), so their count does not tell load apart. At the end of
// a stretch of blocking runs the caller says whether other processes are
// runnable (the machine's runnable tasks beyond the task's threads): if
// so, another stretch blocks; if not, the next run spins and decides anew.
// A spinning run on a loaded machine is expensive (Edge-MoE semseg, 2
// threads, load 10: 170-280 ms against 12-15 ms blocking), so a stretch
// that ends in another preempted spinning run is twice as long as the one
// before (up to kLongestStretch); a clean spinning run resets it. The first
// run of a process (it loads the kernel library and JIT-compiles its
// kernels) decides nothing.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H
#define M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H

#include <algorithm>

namespace m3sat {

class AdaptiveWait {
public:
  /// Blocking runs after the first preempted spinning run, and after a
  /// stretch that ends with other processes runnable.
  static constexpr int kFirstStretch = 8;
  /// The longest stretch of blocking runs.
  static constexpr int kLongestStretch = 64;

  /// Whether a spinning run of `threads` threads with `switches`
  /// involuntary context switches was preempted: more than one per thread.
  /// A single switch of a run on a nearly idle machine (a daemon, a kernel
  /// thread) costs far less than blocking does there (Edge-MoE semseg, 2
  /// threads, load 1.3: 7.3-7.5 ms spinning, 17-20 ms blocking, spinning
  /// runs with 0 or 1 switch); a loaded machine preempts spinning runs tens
  /// to hundreds of times (40-400 at load 10).
  static bool preempted(long switches, int threads) {
    return switches > std::max(threads, 1);
  }

  /// Whether the next run's waiting threads block at once.
  bool blocks() const { return blockingRunsLeft > 0; }

  /// Whether afterRun of the coming run uses `othersRunnable` (the last run
  /// of a blocking stretch; finding it out costs a system call).
  bool wantsLoad() const { return blockingRunsLeft == 1; }

  /// After a run: whether its threads were preempted, and (when wantsLoad()
  /// was true) whether other processes were runnable at its end.
  void afterRun(bool preempted, bool othersRunnable = false) {
    if (firstRun) {
      firstRun = false;
      return;
    }
    if (blockingRunsLeft > 0) {
      if (--blockingRunsLeft == 0 && othersRunnable)
        blockingRunsLeft = kFirstStretch;
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
