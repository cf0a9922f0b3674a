//===- M3SATRouting.cpp - reference MoE routing ---------------------------===//
//
// Implements the routing semantics shared by the folders and the tests.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATRouting.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace m3sat;

void m3sat::routeToken(llvm::ArrayRef<float> logits, int64_t k, bool normalize,
                       llvm::SmallVectorImpl<int64_t> &experts,
                       llvm::SmallVectorImpl<float> &weights) {
  experts.clear();
  weights.clear();
  int64_t numExperts = static_cast<int64_t>(logits.size());
  if (k < 1 || k > numExperts)
    return;

  // Softmax in double with the maximum subtracted, so that large logits do
  // not overflow and the folded constants are as accurate as float allows.
  double maxLogit = *std::max_element(logits.begin(), logits.end());
  llvm::SmallVector<double> probs(numExperts);
  double sum = 0.0;
  for (int64_t e = 0; e < numExperts; ++e) {
    probs[e] = std::exp(static_cast<double>(logits[e]) - maxLogit);
    sum += probs[e];
  }
  for (double &p : probs)
    p /= sum;

  // Top-k by probability; a stable sort keeps the lower index first on ties.
  llvm::SmallVector<int64_t> order(numExperts);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return probs[a] > probs[b]; });

  double selectedSum = 0.0;
  for (int64_t i = 0; i < k; ++i)
    selectedSum += probs[order[i]];
  for (int64_t i = 0; i < k; ++i) {
    experts.push_back(order[i]);
    double w = normalize ? probs[order[i]] / selectedSum : probs[order[i]];
    weights.push_back(static_cast<float>(w));
  }
}

bool m3sat::allRowsEqual(llvm::ArrayRef<float> values, int64_t width) {
  if (width <= 0)
    return true;
  for (size_t i = width; i < values.size(); ++i)
    if (values[i] != values[i % width])
      return false;
  return true;
}
