//===- AdaptiveWaitTest.cpp - M3SAT_WAIT=adaptive's decisions -------------===//
//
// The machine is simulated: each case says what a run costs this task when
// its threads spin, when they block and when it runs serially, and whether
// spinning runs are preempted and other processes runnable.
//
//===----------------------------------------------------------------------===//

#include "AdaptiveWait.h"

#include "gtest/gtest.h"

using namespace m3sat;

namespace {

/// A simulated machine: run times of the task when its waiting threads
/// spin or block, whether spinning runs are preempted, whether other
/// processes are runnable, and the run time of a serial run (by default
/// the blocking one's: then serial never wins, a tie goes to blocking).
struct Machine {
  double spinMs;
  double blockMs;
  bool preemptsSpinning;
  bool othersRunnable;
  double serialMs = -1;
};

/// Runs `runs` runs of `wait` on `machine`; returns how many did not spin
/// (blocked or ran serially); `serial` counts the serial ones.
int run(AdaptiveWait &wait, const Machine &machine, int runs,
        int *serial = nullptr) {
  int blocked = 0;
  for (int i = 0; i < runs; ++i) {
    bool blocks = wait.blocks();
    bool alone = wait.serial();
    EXPECT_TRUE(blocks || !alone);
    blocked += blocks;
    if (serial)
      *serial += alone;
    double serialMs = machine.serialMs < 0 ? machine.blockMs : machine.serialMs;
    bool load = wait.wantsLoad() && machine.othersRunnable;
    wait.afterRun(alone    ? serialMs
                  : blocks ? machine.blockMs
                           : machine.spinMs,
                  !blocks && machine.preemptsSpinning, load);
  }
  return blocked;
}

/// Runs of one probe of not spinning: blocking, then serial.
constexpr int kNotSpinningProbe = 2 * AdaptiveWait::kProbeRuns;

/// A policy past its first run and a few clean spinning runs of `spinMs`.
AdaptiveWait warmedUp(double spinMs) {
  AdaptiveWait wait;
  wait.afterRun(/*ms=*/500.0, /*preempted=*/true); // load, JIT: ignored
  for (int i = 0; i < 4; ++i)
    wait.afterRun(spinMs, false);
  return wait;
}

// A switch or two per thread is not preemption; more are.
TEST(AdaptiveWaitTest, PreemptedMeansMoreThanOneSwitchPerThread) {
  EXPECT_FALSE(AdaptiveWait::preempted(0, 2));
  EXPECT_FALSE(AdaptiveWait::preempted(1, 2));
  EXPECT_FALSE(AdaptiveWait::preempted(2, 2));
  EXPECT_TRUE(AdaptiveWait::preempted(3, 2));
  EXPECT_TRUE(AdaptiveWait::preempted(40, 2));
  EXPECT_TRUE(AdaptiveWait::preempted(2, 1));
  EXPECT_FALSE(AdaptiveWait::preempted(1, 0));
}

// A long run on a quiet machine sees a few switches (M3ViT depth, 124 ms
// spinning on 2 threads: 9); a loaded machine many more (Edge-MoE semseg,
// 220 ms at load 10: 40 and up).
TEST(AdaptiveWaitTest, LongRunsMayBeSwitchedNowAndThen) {
  EXPECT_FALSE(AdaptiveWait::preempted(9, 2, 124.0));
  EXPECT_TRUE(AdaptiveWait::preempted(12, 2, 124.0));
  EXPECT_TRUE(AdaptiveWait::preempted(40, 2, 220.0));
  EXPECT_FALSE(AdaptiveWait::preempted(2, 2, 0.2));
  EXPECT_TRUE(AdaptiveWait::preempted(3, 2, 0.2));
  EXPECT_EQ(AdaptiveWait::preempted(3, 2, -1.0), AdaptiveWait::preempted(3, 2));
}

TEST(AdaptiveWaitTest, FirstRunDecidesNothing) {
  AdaptiveWait wait;
  EXPECT_FALSE(wait.blocks());
  wait.afterRun(500.0, true);
  EXPECT_FALSE(wait.blocks());
}

TEST(AdaptiveWaitTest, SpinsWhileSpinningRunsAreNotPreempted) {
  AdaptiveWait wait = warmedUp(5.0);
  EXPECT_EQ(run(wait, {5.0, 0.1, false, true}, 1000), 0);
}

// On a loaded machine blocking is much faster (Edge-MoE semseg, 2 threads,
// load 10: 170-280 ms spinning, 12-15 ms blocking). When the load comes,
// the first slow run is taken for a hiccup (its probe loses against the
// recent quiet runs); after a second one every run blocks, and no spinning
// run is tried while other processes are runnable.
TEST(AdaptiveWaitTest, BlocksOnALoadedMachine) {
  AdaptiveWait wait = warmedUp(5.4);
  Machine loaded{220.0, 13.0, true, true};
  EXPECT_EQ(run(wait, loaded, 1000), 1000 - 2);
}

// Loaded from the start: the first counted run decides.
TEST(AdaptiveWaitTest, BlocksAtOnceWhenLoadedFromTheStart) {
  AdaptiveWait wait;
  Machine loaded{220.0, 13.0, true, true};
  EXPECT_EQ(run(wait, loaded, 100), 100 - 2);
}

// One slow preempted run on a quiet machine (a daemon) is a hiccup: even
// when it is ten times slower, the task keeps spinning where spinning is
// faster (Edge-MoE semseg quiet: 5.3 ms spinning, 17-20 ms blocking).
TEST(AdaptiveWaitTest, OneSlowRunIsAHiccup) {
  AdaptiveWait wait = warmedUp(5.3);
  wait.afterRun(53.0, true);
  EXPECT_EQ(run(wait, {5.3, 18.0, false, false}, 100), kNotSpinningProbe);
  EXPECT_FALSE(wait.blocks());
}

// A task of many short loops pays a wake-up per loop when it blocks (the
// multimodal caption task: 0.22 ms spinning, about 3 ms blocking). Its
// spinning runs, preempted now and then on a quiet machine, must keep
// spinning: one probe of blocking, after which probes grow rarer.
TEST(AdaptiveWaitTest, KeepsSpinningWhenBlockingIsSlower) {
  AdaptiveWait wait = warmedUp(0.22);
  // A preempted run at twice the time, then clean ones.
  int blocked = 0;
  for (int round = 0; round < 8; ++round) {
    wait.afterRun(0.5, true);
    blocked += run(wait, {0.22, 3.0, false, false}, 50);
  }
  // Probes after 1, 1, 2 and 4 slow preempted runs: in rounds 0, 1, 3
  // and 7.
  EXPECT_EQ(blocked, 4 * kNotSpinningProbe);
  EXPECT_FALSE(wait.blocks());
}

// A preempted spinning run that is not slower than the recent ones asks
// for no probe: the preemption cost this task nothing.
TEST(AdaptiveWaitTest, PreemptedButNotSlowerKeepsSpinning) {
  AdaptiveWait wait = warmedUp(5.0);
  EXPECT_EQ(run(wait, {5.5, 20.0, true, true}, 200), 0);
}

// Once the load is gone (nothing else runnable at the end of a stretch),
// spinning is tried again and kept when it is faster.
TEST(AdaptiveWaitTest, SpinsAgainWhenTheLoadIsGone) {
  AdaptiveWait wait = warmedUp(5.4);
  run(wait, {220.0, 13.0, true, true}, 100);
  EXPECT_TRUE(wait.blocks());
  Machine quiet{5.4, 13.0, false, false};
  // At most one stretch (up to kLongestStretch) and the spinning probe.
  EXPECT_LE(run(wait, quiet, AdaptiveWait::kLongestStretch + 2),
            AdaptiveWait::kLongestStretch);
  EXPECT_EQ(run(wait, quiet, 500), 0);
}

// When spinning loses its probe, the next stretch is twice as long, up to
// kLongestStretch: few spinning runs on a machine where they are slow.
TEST(AdaptiveWaitTest, StretchDoublesWhileSpinningStaysSlower) {
  AdaptiveWait wait = warmedUp(5.4);
  // Loaded, but the load is not seen as runnable processes (e.g. another
  // container's): every stretch ends in a spinning probe.
  Machine hidden{220.0, 13.0, true, false};
  int spinning = 2000 - run(wait, hidden, 2000);
  // Two slow runs before the first stretch, then kProbeRuns after each
  // stretch: stretches of 8, 16, 32, then 64.
  int stretches = 3 + (2000 - 8 - 16 - 32) / AdaptiveWait::kLongestStretch;
  EXPECT_LE(spinning, 2 + AdaptiveWait::kProbeRuns * (stretches + 1));
  EXPECT_GE(spinning, 2 + AdaptiveWait::kProbeRuns * (stretches - 1));
}

// Blocking is kept only when measured faster: with equal costs the runs go
// back to spinning after the probe.
TEST(AdaptiveWaitTest, ProbeOfBlockingMustBeFaster) {
  AdaptiveWait wait = warmedUp(5.0);
  wait.afterRun(9.0, true); // slow and preempted: probe
  EXPECT_TRUE(wait.blocks());
  run(wait, {5.0, 5.0, false, false}, kNotSpinningProbe);
  EXPECT_FALSE(wait.blocks());
}

// A task of many short loops on a loaded machine: a serial run wakes no
// thread (the multimodal scene task at load 8: 1.02 ms blocking on two
// threads, 0.17 ms serial). The first probe loses to the clean spinning
// runs before the load (one slow run is a hiccup), the second, after a
// second slow run, wins with serial runs; the stretches then run serially
// while the load lasts.
TEST(AdaptiveWaitTest, SerialWhenItBeatsBlocking) {
  AdaptiveWait wait = warmedUp(0.17);
  Machine loaded{4.0, 1.02, true, true, 0.17};
  int serial = 0;
  EXPECT_EQ(run(wait, loaded, 200, &serial), 200 - 2);
  EXPECT_EQ(serial, 200 - 2 - 2 * AdaptiveWait::kProbeRuns);
  EXPECT_TRUE(wait.serial());
}

// A task whose loops are long enough to gain from the second thread even
// when it is woken per loop: blocking wins, stretches block on all threads.
TEST(AdaptiveWaitTest, BlockingWhenSerialIsSlower) {
  AdaptiveWait wait = warmedUp(5.4);
  Machine loaded{220.0, 13.0, true, true, 25.0};
  int serial = 0;
  EXPECT_EQ(run(wait, loaded, 200, &serial), 200 - 2);
  // The serial runs of the two probes only.
  EXPECT_EQ(serial, 2 * AdaptiveWait::kProbeRuns);
  EXPECT_TRUE(wait.blocks());
  EXPECT_FALSE(wait.serial());
}

// On a quiet machine a serial run that is slower than spinning loses the
// probe like a blocking one: back to spinning.
TEST(AdaptiveWaitTest, SpinsWhenSerialIsSlowerThanSpinning) {
  AdaptiveWait wait = warmedUp(0.22);
  wait.afterRun(0.5, true); // slow and preempted: probe
  int serial = 0;
  EXPECT_EQ(run(wait, {0.22, 3.0, false, false, 0.30}, 100, &serial),
            kNotSpinningProbe);
  EXPECT_EQ(serial, AdaptiveWait::kProbeRuns);
  EXPECT_FALSE(wait.blocks());
}

} // namespace
