//===- ExpertSetAttrTest.cpp - unit tests of #m3sat.expert_set ------------===//

#include "M3SAT/M3SATAttrs.h"
#include "M3SAT/M3SATDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace m3sat;

namespace {

class ExpertSetAttrTest : public ::testing::Test {
protected:
  ExpertSetAttrTest() { context.loadDialect<M3SATDialect>(); }

  /// Builds the attribute through its verifier; returns the diagnostic text
  /// (empty on success).
  std::string build(ArrayRef<int64_t> experts, ArrayRef<float> weights) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    auto attr = ExpertSetAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        experts, weights);
    EXPECT_EQ(static_cast<bool>(attr), message.empty());
    return message;
  }

  MLIRContext context;
};

TEST_F(ExpertSetAttrTest, AcceptsDistinctExpertsWithOneWeightEach) {
  EXPECT_EQ(build({3, 7}, {0.625f, 0.375f}), "");
  auto attr = ExpertSetAttr::get(&context, {3, 7}, {0.625f, 0.375f});
  EXPECT_EQ(attr.getExperts().size(), 2u);
  EXPECT_EQ(attr.getWeights().asArrayRef()[1], 0.375f);
}

TEST_F(ExpertSetAttrTest, RejectsMalformedSets) {
  EXPECT_EQ(build({}, {}), "expert set must hold at least one expert");
  EXPECT_EQ(build({1, 2}, {0.5f}), "expert set has 2 experts but 1 weights");
  EXPECT_EQ(build({-1}, {1.0f}), "expert set holds negative expert index -1");
  EXPECT_EQ(build({4, 4}, {0.5f, 0.5f}), "expert set holds expert 4 twice");
}

} // namespace
