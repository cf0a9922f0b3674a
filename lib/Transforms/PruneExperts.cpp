//===- PruneExperts.cpp - exact pruning of unused experts -----------------===//
//
// Implements m3sat-prune-experts: MoE layers with a static expert set keep
// only their kept experts' weights.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "m3sat/Transforms/ExpertSelection.h"

#include "M3SAT/M3SATOps.h"

namespace m3sat {
#define GEN_PASS_DEF_PRUNEEXPERTS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

struct PruneExpertsPass : m3sat::impl::PruneExpertsBase<PruneExpertsPass> {
  void runOnOperation() override {
    getOperation().walk([&](Operation *op) {
      if (auto ffn = dyn_cast<MoEFFNOp>(op))
        prune(ffn, perExpertOperands(op));
      else if (auto attention = dyn_cast<MoEAttentionOp>(op))
        prune(attention, perExpertOperands(op));
    });
  }

  template <typename MoEOp>
  void prune(MoEOp op, ArrayRef<OpOperand *> perExpert) {
    ExpertSetAttr set = op.getStaticExpertsAttr();
    if (!set || !llvm::all_of(perExpert, [](OpOperand *operand) {
          return cast<RankedTensorType>(operand->get().getType())
              .hasStaticShape();
        }))
      return;
    ArrayRef<int64_t> experts = set.getExperts();
    int64_t numExperts = op.getNumExperts();
    SmallVector<int64_t> renumbered;
    for (int64_t i = 0; i < static_cast<int64_t>(experts.size()); ++i)
      renumbered.push_back(i);
    if (experts == ArrayRef<int64_t>(renumbered) &&
        numExperts == static_cast<int64_t>(experts.size()))
      return;

    OpBuilder builder(op);
    for (OpOperand *operand : perExpert)
      operand->set(
          gatherExperts(builder, op.getLoc(), operand->get(), experts));
    if (!op->hasAttr("m3sat.source_experts")) {
      op->setAttr("m3sat.source_experts",
                  builder.getDenseI64ArrayAttr(experts));
      op->setAttr("m3sat.source_num_experts",
                  builder.getI64IntegerAttr(numExperts));
    }
    op.setStaticExpertsAttr(ExpertSetAttr::get(op.getContext(), renumbered,
                                               set.getWeights().asArrayRef()));
    numPruned += numExperts - static_cast<int64_t>(experts.size());
  }
};

} // namespace
