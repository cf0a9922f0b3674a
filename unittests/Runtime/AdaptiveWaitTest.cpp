//===- AdaptiveWaitTest.cpp - M3SAT_WAIT=adaptive's decisions -------------===//

#include "AdaptiveWait.h"

#include "gtest/gtest.h"

using namespace m3sat;

namespace {

/// Runs `wait` through `runs` runs that all report `preempted`; returns how
/// many of them blocked.
int blockingRuns(AdaptiveWait &wait, int runs, bool preempted) {
  int blocked = 0;
  for (int i = 0; i < runs; ++i) {
    blocked += wait.blocks();
    wait.afterRun(preempted);
  }
  return blocked;
}

/// A policy past its first run.
AdaptiveWait warmedUp() {
  AdaptiveWait wait;
  wait.afterRun(/*preempted=*/false);
  return wait;
}

TEST(AdaptiveWaitTest, SpinsUntilASpinningRunIsPreempted) {
  AdaptiveWait wait = warmedUp();
  EXPECT_EQ(blockingRuns(wait, 100, false), 0);
  wait.afterRun(true);
  EXPECT_TRUE(wait.blocks());
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
  wait.afterRun(true);
  EXPECT_FALSE(wait.blocks());
}

// Blocking runs are preempted by the threads they wake: that must not keep
// the policy blocking for good.
TEST(AdaptiveWaitTest, SpinsAgainAfterAStretchOfPreemptedBlockingRuns) {
  AdaptiveWait wait = warmedUp();
  wait.afterRun(true);
  EXPECT_EQ(blockingRuns(wait, AdaptiveWait::kFirstStretch, true),
            AdaptiveWait::kFirstStretch);
  EXPECT_FALSE(wait.blocks());
}

// While other processes are runnable at the end of a stretch, the next
// stretch blocks too, without a spinning run in between; once they are
// gone, the next run spins.
TEST(AdaptiveWaitTest, BlocksOnWhileOthersAreRunnable) {
  AdaptiveWait wait = warmedUp();
  wait.afterRun(true);
  for (int stretch = 0; stretch < 3; ++stretch) {
    for (int i = 0; i < AdaptiveWait::kFirstStretch; ++i) {
      EXPECT_TRUE(wait.blocks());
      EXPECT_EQ(wait.wantsLoad(), i == AdaptiveWait::kFirstStretch - 1);
      wait.afterRun(true, /*othersRunnable=*/wait.wantsLoad());
    }
  }
  EXPECT_TRUE(wait.blocks());
  EXPECT_EQ(blockingRuns(wait, AdaptiveWait::kFirstStretch, true),
            AdaptiveWait::kFirstStretch);
  EXPECT_FALSE(wait.blocks());
}

TEST(AdaptiveWaitTest, StretchDoublesWhileTheMachineStaysLoaded) {
  AdaptiveWait wait = warmedUp();
  int stretch = AdaptiveWait::kFirstStretch;
  for (int round = 0; round < 6; ++round) {
    EXPECT_FALSE(wait.blocks()) << "round " << round;
    wait.afterRun(true); // the spinning run, preempted
    EXPECT_EQ(blockingRuns(wait, stretch, true), stretch) << "round " << round;
    stretch = std::min(2 * stretch, AdaptiveWait::kLongestStretch);
  }
  EXPECT_FALSE(wait.blocks());
}

TEST(AdaptiveWaitTest, CleanSpinningRunResetsTheStretch) {
  AdaptiveWait wait = warmedUp();
  wait.afterRun(true);
  blockingRuns(wait, AdaptiveWait::kFirstStretch, true);
  wait.afterRun(true); // the next stretch is twice as long
  blockingRuns(wait, 2 * AdaptiveWait::kFirstStretch, false);
  wait.afterRun(false); // clean
  wait.afterRun(true);
  EXPECT_EQ(blockingRuns(wait, 4 * AdaptiveWait::kFirstStretch, false),
            AdaptiveWait::kFirstStretch);
}

} // namespace
