//===- RoutingTest.cpp - unit tests of the reference MoE routing ----------===//

#include "M3SAT/M3SATRouting.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace m3sat;

namespace {

/// Softmax probability of entry `i` of `logits`, computed independently.
double softmaxAt(llvm::ArrayRef<float> logits, size_t i) {
  double sum = 0.0;
  for (float l : logits)
    sum += std::exp(static_cast<double>(l));
  return std::exp(static_cast<double>(logits[i])) / sum;
}

TEST(RoutingTest, TopTwoWithoutNormalization) {
  float logits[] = {1.0f, 3.0f, 2.0f, 0.0f};
  llvm::SmallVector<int64_t> experts;
  llvm::SmallVector<float> weights;
  routeToken(logits, 2, /*normalize=*/false, experts, weights);
  ASSERT_EQ(experts.size(), 2u);
  EXPECT_EQ(experts[0], 1);
  EXPECT_EQ(experts[1], 2);
  EXPECT_NEAR(weights[0], softmaxAt(logits, 1), 1e-7);
  EXPECT_NEAR(weights[1], softmaxAt(logits, 2), 1e-7);
}

TEST(RoutingTest, NormalizedWeightsSumToOne) {
  float logits[] = {0.5f, -1.0f, 2.5f, 2.0f, 0.0f};
  llvm::SmallVector<int64_t> experts;
  llvm::SmallVector<float> weights;
  routeToken(logits, 3, /*normalize=*/true, experts, weights);
  ASSERT_EQ(experts.size(), 3u);
  EXPECT_EQ(experts[0], 2);
  EXPECT_EQ(experts[1], 3);
  EXPECT_EQ(experts[2], 0);
  EXPECT_NEAR(weights[0] + weights[1] + weights[2], 1.0, 1e-6);
  double selected = softmaxAt(logits, 2) + softmaxAt(logits, 3) +
                    softmaxAt(logits, 0);
  EXPECT_NEAR(weights[1], softmaxAt(logits, 3) / selected, 1e-7);
}

TEST(RoutingTest, TiesGoToTheLowerIndex) {
  float logits[] = {0.0f, 1.0f, 1.0f, 0.0f, 1.0f};
  llvm::SmallVector<int64_t> experts;
  llvm::SmallVector<float> weights;
  routeToken(logits, 2, /*normalize=*/false, experts, weights);
  ASSERT_EQ(experts.size(), 2u);
  EXPECT_EQ(experts[0], 1);
  EXPECT_EQ(experts[1], 2);
  EXPECT_EQ(weights[0], weights[1]);
}

TEST(RoutingTest, LargeLogitsDoNotOverflow) {
  float logits[] = {1000.0f, 999.0f, -1000.0f};
  llvm::SmallVector<int64_t> experts;
  llvm::SmallVector<float> weights;
  routeToken(logits, 1, /*normalize=*/false, experts, weights);
  ASSERT_EQ(experts.size(), 1u);
  EXPECT_EQ(experts[0], 0);
  EXPECT_TRUE(std::isfinite(weights[0]));
  EXPECT_NEAR(weights[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
}

TEST(RoutingTest, KOutOfRangeSelectsNothing) {
  float logits[] = {1.0f, 2.0f};
  llvm::SmallVector<int64_t> experts = {7};
  llvm::SmallVector<float> weights = {1.0f};
  routeToken(logits, 3, /*normalize=*/false, experts, weights);
  EXPECT_TRUE(experts.empty());
  EXPECT_TRUE(weights.empty());
  routeToken(logits, 0, /*normalize=*/false, experts, weights);
  EXPECT_TRUE(experts.empty());
}

TEST(RoutingTest, AllRowsEqual) {
  float same[] = {1.0f, 2.0f, 1.0f, 2.0f, 1.0f, 2.0f};
  float differ[] = {1.0f, 2.0f, 1.0f, 2.5f};
  EXPECT_TRUE(allRowsEqual(same, 2));
  EXPECT_FALSE(allRowsEqual(differ, 2));
  EXPECT_TRUE(allRowsEqual(llvm::ArrayRef<float>(same).take_front(2), 2));
}

} // namespace
