//===- PruneByProfile.cpp - profile-guided expert pruning -----------------===//
//
// Implements m3sat-prune-by-profile: token-routed MoE layers keep the
// fewest experts that carry the requested share of the routing mass that
// m3sat-profile measured for the task.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "m3sat/Transforms/ExpertSelection.h"

#include "M3SAT/M3SATOps.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <numeric>

namespace m3sat {
#define GEN_PASS_DEF_PRUNEBYPROFILE
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// One layer's profiled routing mass per expert.
struct LayerUsage {
  std::vector<double> mass;
};

struct PruneByProfilePass
    : m3sat::impl::PruneByProfileBase<PruneByProfilePass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *) override {
    problem.clear();
    usage.clear();
    if (profile.empty()) {
      problem = "m3sat-prune-by-profile needs profile=usage.json";
      return success();
    }
    if (!(coverage > 0.0 && coverage <= 1.0)) {
      llvm::raw_string_ostream(problem)
          << llvm::format("coverage %g is not in (0, 1]", double(coverage));
      return success();
    }
    auto file = llvm::MemoryBuffer::getFile(profile);
    if (!file) {
      problem = profile + ": cannot read profile: " + file.getError().message();
      return success();
    }
    llvm::Expected<llvm::json::Value> parsed =
        llvm::json::parse((*file)->getBuffer());
    if (!parsed) {
      problem = profile + ": not JSON: " + llvm::toString(parsed.takeError());
      return success();
    }
    // tasks.<task>.layers[i] = {name, experts, mass[experts]}.
    const llvm::json::Object *root = parsed->getAsObject();
    const llvm::json::Object *tasks = root ? root->getObject("tasks") : nullptr;
    if (!tasks) {
      problem = profile + ": field 'tasks' is missing";
      return success();
    }
    for (const auto &[task, value] : *tasks) {
      const llvm::json::Object *entry = value.getAsObject();
      const llvm::json::Array *layers =
          entry ? entry->getArray("layers") : nullptr;
      if (!layers) {
        problem =
            profile + ": field 'tasks." + task.str() + ".layers' is missing";
        return success();
      }
      for (const llvm::json::Value &layerValue : *layers) {
        const llvm::json::Object *layer = layerValue.getAsObject();
        std::optional<llvm::StringRef> name =
            layer ? layer->getString("name") : std::nullopt;
        const llvm::json::Array *mass =
            layer ? layer->getArray("mass") : nullptr;
        if (!name || !mass) {
          problem = profile + ": a layer of task '" + task.str() +
                    "' lacks 'name' or 'mass'";
          return success();
        }
        LayerUsage &slot = usage[task.str() + "/" + name->str()];
        for (const llvm::json::Value &m : *mass) {
          std::optional<double> v = m.getAsNumber();
          if (!v || *v < 0) {
            problem = profile + ": layer '" + name->str() + "' of task '" +
                      task.str() +
                      "': 'mass' holds a value that is not a "
                      "non-negative number";
            return success();
          }
          slot.mass.push_back(*v);
        }
      }
    }
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    auto task = func->getAttrOfType<StringAttr>("m3sat.task");
    if (!task)
      return;
    if (!problem.empty()) {
      func.emitError() << problem;
      return signalPassFailure();
    }
    unsigned index = 0;
    bool failedLayer = false;
    func.walk([&](Operation *op) {
      if (!isa<MoEFFNOp, MoEAttentionOp>(op) || failedLayer)
        return;
      std::string layer = moeLayerName(op, index++);
      OpOperand *logits = nullptr;
      int64_t k;
      if (auto ffn = dyn_cast<MoEFFNOp>(op)) {
        if (!ffn.getRouterLogits())
          return;
        logits = &ffn.getRouterLogitsMutable()[0];
        k = ffn.getK();
      } else {
        auto attention = cast<MoEAttentionOp>(op);
        if (!attention.getRouterLogits())
          return;
        logits = &attention.getRouterLogitsMutable()[0];
        k = attention.getK();
      }
      // A task group ("a+b", m3sat-group-tasks) uses its members' profiles
      // together: a layer keeps what any member needs.
      SmallVector<StringRef> members;
      task.getValue().split(members, '+');
      LayerUsage merged;
      bool found = false;
      for (StringRef member : members) {
        auto entry = usage.find(member.str() + "/" + layer);
        if (entry == usage.end())
          continue;
        const std::vector<double> &mass = entry->second.mass;
        if (merged.mass.size() < mass.size())
          merged.mass.resize(mass.size(), 0.0);
        for (size_t e = 0; e < mass.size(); ++e)
          merged.mass[e] += mass[e];
        found = true;
      }
      if (!found) {
        op->emitWarning() << "profile " << profile << " has no usage for "
                          << "layer '" << layer << "' of task '"
                          << task.getValue() << "': all experts kept";
        return;
      }
      auto logitsType = cast<RankedTensorType>(logits->get().getType());
      int64_t numExperts = logitsType.getShape().back();
      const std::vector<double> &mass = merged.mass;
      if (static_cast<int64_t>(mass.size()) != numExperts) {
        op->emitError() << "profile " << profile << ": layer '" << layer
                        << "' has " << mass.size() << " experts, the model "
                        << numExperts << " (profiled on another model?)";
        failedLayer = true;
        return;
      }
      SmallVector<int64_t> kept = selectExperts(mass, k);
      if (static_cast<int64_t>(kept.size()) == numExperts)
        return;

      OpBuilder builder(op);
      logits->set(gatherExperts(builder, op->getLoc(), logits->get(), kept,
                                logitsType.getRank() - 1));
      for (OpOperand *operand : perExpertOperands(op))
        operand->set(
            gatherExperts(builder, op->getLoc(), operand->get(), kept));
      op->setAttr("m3sat.source_experts", builder.getDenseI64ArrayAttr(kept));
      op->setAttr("m3sat.source_num_experts",
                  builder.getI64IntegerAttr(numExperts));
      double total = std::accumulate(mass.begin(), mass.end(), 0.0), share = 0;
      for (int64_t e : kept)
        share += mass[e];
      op->emitRemark() << "profile-guided pruning: layer '" << layer
                       << "' keeps " << kept.size() << " of " << numExperts
                       << " experts, "
                       << llvm::formatv("{0:f4}", share / total).str()
                       << " of the profiled routing mass";
      numPruned += numExperts - static_cast<int64_t>(kept.size());
    });
    if (failedLayer)
      signalPassFailure();
  }

  /// The fewest experts (at least k) whose mass reaches `coverage` of the
  /// total, heaviest first, ties to the lower id; returned in id order.
  SmallVector<int64_t> selectExperts(const std::vector<double> &mass,
                                     int64_t k) {
    SmallVector<int64_t> order(mass.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return mass[a] > mass[b]; });
    double total = std::accumulate(mass.begin(), mass.end(), 0.0);
    if (total <= 0)
      return order; // Never routed: nothing to go by, keep every expert.
    SmallVector<int64_t> kept;
    double covered = 0;
    for (int64_t e : order) {
      if (covered >= coverage * total * (1 - 1e-12) &&
          static_cast<int64_t>(kept.size()) >= k)
        break;
      kept.push_back(e);
      covered += mass[e];
    }
    llvm::sort(kept);
    return kept;
  }

  std::string problem;
  llvm::StringMap<LayerUsage> usage;
};

} // namespace
