//===- AdaptiveWait.h - when a task's waiting threads block ---------------===//
//
// The decision behind M3SAT_WAIT=adaptive (TaskRuntime.cpp), kept apart
// from libomp, clocks and getrusage so that it can be tested: whether the
// next run's waiting threads spin (libomp's block time) or block at once,
// or the run is serial (one thread).
//
// Each way of waiting is judged by what it costs this task: the run times
// measured in it. Which one is faster depends on the task and the load. A
// task of many short parallel loops pays a wake-up per loop when its
// threads block (the multimodal caption task, 2 threads, quiet machine:
// 0.22 ms spinning, about 3 ms blocking); on a machine that other processes
// load, a spinning thread takes the core its partner needs (Edge-MoE
// semseg, 2 threads, load 10: 170-280 ms spinning, 12-15 ms blocking).
//
//  - Runs spin until one whose threads were preempted (involuntary context
//    switches) is slower than the fastest recent spinning runs: then a
//    probe of kProbeRuns blocking runs and kProbeRuns serial ones (the
//    task on one thread: no thread to wake; on a loaded machine a task of
//    many short loops runs several times faster so, e.g. the multimodal
//    scene task at load 8: 1.02 ms blocking on 2 threads, 0.17 ms serial).
//    The faster of the two is the way of not spinning. It wins when the
//    median of its probe is below that of the last kRecent spinning runs
//    (one slow run among them is a hiccup, not load); otherwise the runs
//    spin again.
//    The next slow preempted run probes again (a second one in a row is
//    load), and after each further failed probe the next waits for twice
//    as many of them (up to kLongestStretch).
//  - Runs that do not spin go in stretches, all serial or all blocking
//    (whichever won the probe). At the end of one, while other processes
//    are runnable (the caller reads the machine's runnable tasks beyond
//    the task's threads), the next stretch goes the same way, without a
//    spinning run: a spinning run on a loaded machine is the expensive
//    mistake. Otherwise a probe of kProbeRuns spinning runs: spinning wins
//    when their median is below that of the last kRecent runs of the
//    stretches; otherwise another stretch, twice as long as the last (up
//    to kLongestStretch).
//  - The first run of a process (it loads the kernel library and
//    JIT-compiles its kernels) decides nothing.
//
// Blocking runs count involuntary switches of their own (their threads
// are woken per loop), so only spinning runs say whether the task was
// preempted; the verdicts compare times, never switch counts. The caller
// runs a serial run with one thread (omp_set_num_threads) and tells
// preemption by the pool's thread count.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H
#define M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H

#include <algorithm>
#include <array>

namespace m3sat {

class AdaptiveWait {
public:
  /// Runs of the other way of waiting that a probe measures.
  static constexpr int kProbeRuns = 2;
  /// Recent runs of each way of waiting whose median a probe is held to.
  static constexpr int kRecent = 3;
  /// Spinning runs whose fastest sets what a slow run is.
  static constexpr int kWindow = 8;
  /// Blocking runs after blocking won a probe.
  static constexpr int kFirstStretch = 8;
  /// The longest stretch of blocking runs, and the most preempted spinning
  /// runs between two probes of blocking.
  static constexpr int kLongestStretch = 64;
  /// A preempted spinning run asks for a probe of blocking only when it is
  /// this much slower than the fastest of the recent spinning runs.
  static constexpr double kSlower = 1.5;

  /// A nearly idle machine preempts a spinning thread about this often
  /// (daemons, kernel threads): M3ViT depth, 2 threads, quiet: 3-9
  /// involuntary switches in runs of 120-180 ms.
  static constexpr double kQuietSwitchMs = 25.0;

  /// Whether a spinning run of `threads` threads with `switches`
  /// involuntary context switches over `ms` was preempted: more than one
  /// per thread, plus one per thread per kQuietSwitchMs of the run. A
  /// switch or two on a nearly idle machine is not load, nor are a few in
  /// a long run; a loaded machine preempts spinning runs tens to hundreds
  /// of times (Edge-MoE semseg, 220 ms at load 10: 40-400).
  static bool preempted(long switches, int threads, double ms = 0.0) {
    int n = std::max(threads, 1);
    return switches >
           n + static_cast<long>(n * std::max(ms, 0.0) / kQuietSwitchMs);
  }

  /// Whether the next run's waiting threads block at once (also when it
  /// runs serially: nothing waits then).
  bool blocks() const {
    return state == State::ProbeBlock || state == State::ProbeSerial ||
           state == State::Block;
  }

  /// Whether the next run's loops run on the calling thread alone.
  bool serial() const {
    return state == State::ProbeSerial ||
           (state == State::Block && serialStretches);
  }

  /// Whether afterRun of the coming run uses `othersRunnable` (the last run
  /// of a blocking stretch; finding it out costs a system call).
  bool wantsLoad() const { return state == State::Block && left == 1; }

  /// After a run: its time, whether its threads were preempted, and (when
  /// wantsLoad() was true) whether other processes were runnable at its
  /// end.
  void afterRun(double ms, bool preempted, bool othersRunnable = false) {
    switch (state) {
    case State::First:
      state = State::Spin;
      return;
    case State::Spin:
      return afterSpinningRun(ms, preempted);
    case State::ProbeBlock:
      probe.add(ms);
      if (--left == 0) {
        state = State::ProbeSerial;
        left = kProbeRuns;
        serialProbe.clear();
      }
      return;
    case State::ProbeSerial:
      serialProbe.add(ms);
      if (--left == 0)
        endBlockingProbe();
      return;
    case State::Block:
      blocking.add(ms);
      if (--left > 0)
        return;
      if (othersRunnable)
        left = kFirstStretch;
      else
        startProbe(State::ProbeSpin);
      return;
    case State::ProbeSpin:
      probe.add(ms);
      if (--left == 0)
        endSpinningProbe();
      return;
    }
  }

private:
  enum class State { First, Spin, ProbeBlock, ProbeSerial, Block, ProbeSpin };

  /// The last kWindow run times of one way of waiting.
  class Window {
  public:
    void add(double ms) {
      times[next] = ms;
      next = (next + 1) % kWindow;
      count = std::min(count + 1, kWindow);
    }
    void clear() { count = next = 0; }
    bool empty() const { return count == 0; }
    /// The median of the last `n` (or all, if fewer) run times.
    double median(int n = kWindow) const {
      n = std::min(n, count);
      std::array<double, kWindow> last{};
      for (int i = 0; i < n; ++i)
        last[i] = times[(next - 1 - i + kWindow) % kWindow];
      std::sort(last.begin(), last.begin() + n);
      return n % 2 ? last[n / 2] : (last[n / 2 - 1] + last[n / 2]) / 2;
    }
    double fastest() const {
      return *std::min_element(times.begin(), times.begin() + count);
    }

  private:
    std::array<double, kWindow> times{};
    int next = 0;
    int count = 0;
  };

  void afterSpinningRun(double ms, bool preempted) {
    bool slower = spinning.empty() || ms > kSlower * spinning.fastest();
    spinning.add(ms);
    if (preempted && slower && --credit <= 0)
      startProbe(State::ProbeBlock);
  }

  void startProbe(State next) {
    state = next;
    left = kProbeRuns;
    probe.clear();
  }

  void endBlockingProbe() {
    serialStretches = serialProbe.median() < probe.median();
    const Window &best = serialStretches ? serialProbe : probe;
    if (best.median() < spinning.median(kRecent)) {
      state = State::Block;
      left = stretch = kFirstStretch;
      blocking = best;
      backoff = 1;
      return;
    }
    state = State::Spin;
    credit = backoff;
    backoff = std::min(2 * backoff, kLongestStretch);
  }

  void endSpinningProbe() {
    if (probe.median() < blocking.median(kRecent)) {
      state = State::Spin;
      spinning = probe;
      credit = backoff = 1;
      return;
    }
    state = State::Block;
    left = stretch = std::min(2 * stretch, kLongestStretch);
  }

  State state = State::First;
  /// Runs left in the current probe or stretch.
  int left = 0;
  /// The length of the current (or last) blocking stretch.
  int stretch = kFirstStretch;
  /// Slow preempted spinning runs still to come before a blocking probe,
  /// and how many the next failed probe asks for.
  int credit = 1;
  int backoff = 1;
  /// Whether the stretches of runs that do not spin run serially (serial
  /// beat blocking in the last probe) rather than block.
  bool serialStretches = false;
  /// Runs of the way of not spinning (serial or blocking), of the current
  /// probe (blocking, then serial), of spinning.
  Window spinning, blocking, probe, serialProbe;
};

} // namespace m3sat

#endif // M3SAT_LIB_RUNTIME_ADAPTIVEWAIT_H
