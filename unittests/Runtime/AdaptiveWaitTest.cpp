//===- AdaptiveWaitTest.cpp - M3SAT_WAIT=adaptive's decisions -------------===//
//
// The machine is simulated: each case says what a run costs this task when
// its threads spin and when they block, and whether spinning runs are
// preempted and other processes runnable.
//
//===----------------------------------------------------------------------===//

#include "AdaptiveWait.h"

#include "gtest/gtest.h"

using namespace m3sat;

namespace {

/// A simulated machine: run times of the task when its waiting threads
/// spin or block, whether spinning runs are preempted, and whether other
/// processes are runnable.
struct Machine {
  double spinMs;
  double blockMs;
  bool preemptsSpinning;
  bool othersRunnable;
};

/// Runs `runs` runs of `wait` on `machine`; returns how many blocked.
int run(AdaptiveWait &wait, const Machine &machine, int runs) {
  int blocked = 0;
  for (int i = 0; i < runs; ++i) {
    bool blocks = wait.blocks();
    blocked += blocks;
    bool load = wait.wantsLoad() && machine.othersRunnable;
    wait.afterRun(blocks ? machine.blockMs : machine.spinMs,
                  !blocks && machine.preemptsSpinning, load);
  }
  return blocked;
}

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
  EXPECT_EQ(run(wait, {5.3, 18.0, false, false}, 100),
            AdaptiveWait::kProbeRuns);
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
  EXPECT_EQ(blocked, 4 * AdaptiveWait::kProbeRuns);
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
  run(wait, {5.0, 5.0, false, false}, AdaptiveWait::kProbeRuns);
  EXPECT_FALSE(wait.blocks());
}

} // namespace
