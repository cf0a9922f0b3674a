//===- SinkTransposes.cpp - layout changes that cancel out ----------------===//
//
// Implements m3sat-sink-transposes: a tosa.transpose that only feeds a
// chain of layout-agnostic ops ending in the inverse transpose moves down
// the chain, where the two cancel. The ops of the chain compute the same
// values in the other layout: elementwise TOSA ops, and all-parallel
// linalg.generics (the importer's Resize steps) that read the transposed
// tensor only through tensor.extract in their body.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/IRMapping.h"

namespace m3sat {
#define GEN_PASS_DEF_SINKTRANSPOSES
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

/// TOSA ops of one operand that compute each element from the element at
/// the same position, whatever the layout.
bool isUnaryElementwise(Operation *op) {
  return isa<tosa::ClampOp, tosa::SigmoidOp, tosa::TanhOp, tosa::ErfOp,
             tosa::AbsOp, tosa::ExpOp, tosa::NegateOp>(op) &&
         op->getNumResults() == 1 &&
         op->getOperand(0).getType() == op->getResult(0).getType();
}

/// Whether `generic` computes the same values in a permuted layout of its
/// iteration space once its reads of `transposed` are permuted: all its
/// loops parallel, one result of identity map and the rank of `transposed`,
/// an init that is a tensor.empty, no operand reading `transposed` (only
/// tensor.extract in its body does).
bool isLayoutAgnosticGeneric(linalg::GenericOp generic, Value transposed) {
  auto type = cast<RankedTensorType>(transposed.getType());
  if (generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getNumLoops() != static_cast<unsigned>(type.getRank()) ||
      generic.getNumReductionLoops() != 0 ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity() ||
      !generic.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
    return false;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input->get() == transposed)
      return false;
  for (OpOperand &use : transposed.getUses()) {
    auto extract = dyn_cast<tensor::ExtractOp>(use.getOwner());
    if (!extract || !generic->isProperAncestor(extract))
      return false;
  }
  return true;
}

/// The chain that `transpose` starts: each op the only user of the one
/// before, ending at the inverse transpose; empty if there is none.
SmallVector<Operation *> chainToInverse(tosa::TransposeOp transpose) {
  SmallVector<Operation *> chain;
  ArrayRef<int32_t> perms = transpose.getPerms();
  Value current = transpose.getResult();
  while (true) {
    if (!current.hasOneUse()) {
      // A generic reads it through several extracts; all in one generic.
      Operation *owner = nullptr;
      for (OpOperand &use : current.getUses()) {
        Operation *user = use.getOwner();
        auto generic = user->getParentOfType<linalg::GenericOp>();
        if (!isa<tensor::ExtractOp>(user) || !generic ||
            (owner && owner != generic))
          return {};
        owner = generic;
      }
      auto generic = dyn_cast_or_null<linalg::GenericOp>(owner);
      if (!generic || !isLayoutAgnosticGeneric(generic, current))
        return {};
      chain.push_back(generic);
      current = generic.getResult(0);
      continue;
    }
    Operation *user = *current.getUsers().begin();
    if (auto inverse = dyn_cast<tosa::TransposeOp>(user)) {
      ArrayRef<int32_t> back = inverse.getPerms();
      for (size_t i = 0; i < perms.size(); ++i)
        if (back[perms[i]] != static_cast<int32_t>(i))
          return {};
      chain.push_back(inverse);
      return chain;
    }
    if (isUnaryElementwise(user)) {
      chain.push_back(user);
      current = user->getResult(0);
      continue;
    }
    if (auto extract = dyn_cast<tensor::ExtractOp>(user)) {
      auto generic = extract->getParentOfType<linalg::GenericOp>();
      if (!generic || !isLayoutAgnosticGeneric(generic, current))
        return {};
      chain.push_back(generic);
      current = generic.getResult(0);
      continue;
    }
    return {};
  }
}

/// `type` with its dimensions in the order of the transpose's input:
/// dimension perms[j] of the result is dimension j of `type`.
RankedTensorType untransposed(RankedTensorType type, ArrayRef<int32_t> perms) {
  SmallVector<int64_t> shape(type.getRank());
  for (size_t j = 0; j < perms.size(); ++j)
    shape[perms[j]] = type.getDimSize(j);
  return RankedTensorType::get(shape, type.getElementType());
}

/// `generic`, which read the transpose (by perms) of `source` through
/// tensor.extract, rebuilt over the untransposed iteration space: loop
/// perms[j] of the new generic is loop j of the old, its extracts read
/// `source` directly. Returns the new generic's result (untransposed).
Value rebuildGeneric(OpBuilder &builder, linalg::GenericOp generic,
                     Value transposed, Value source, ArrayRef<int32_t> perms) {
  MLIRContext *ctx = generic.getContext();
  unsigned rank = perms.size();
  // Old loop j is new loop perms[j].
  SmallVector<AffineExpr> oldInNew;
  for (unsigned j = 0; j < rank; ++j)
    oldInNew.push_back(getAffineDimExpr(perms[j], ctx));
  AffineMap substitution = AffineMap::get(rank, 0, oldInNew, ctx);
  SmallVector<AffineMap> maps;
  for (OpOperand *input : generic.getDpsInputOperands())
    maps.push_back(generic.getMatchingIndexingMap(input).compose(substitution));
  maps.push_back(builder.getMultiDimIdentityMap(rank));
  auto resultType = untransposed(
      cast<RankedTensorType>(generic.getResult(0).getType()), perms);
  Value init =
      tensor::EmptyOp::create(builder, generic.getLoc(), resultType.getShape(),
                              resultType.getElementType());
  auto rebuilt = linalg::GenericOp::create(
      builder, generic.getLoc(), TypeRange{resultType}, generic.getInputs(),
      ValueRange{init}, maps, generic.getIteratorTypesArray());
  rebuilt->setDiscardableAttrs(generic->getDiscardableAttrDictionary());
  IRMapping mapping;
  generic.getRegion().cloneInto(&rebuilt.getRegion(), mapping);
  rebuilt.getRegion().walk([&](Operation *op) {
    OpBuilder at(op);
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      index.setDim(perms[index.getDim()]);
    } else if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      if (extract.getTensor() != transposed)
        return;
      // transposed[e] = source[e'] with e'[perms[j]] = e[j].
      SmallVector<Value> indices(rank);
      for (unsigned j = 0; j < rank; ++j)
        indices[perms[j]] = extract.getIndices()[j];
      extract->setOperands(
          llvm::to_vector(llvm::concat<Value>(ValueRange{source}, indices)));
    }
  });
  return rebuilt.getResult(0);
}

struct SinkTransposesPass
    : m3sat::impl::SinkTransposesBase<SinkTransposesPass> {
  void runOnOperation() override {
    SmallVector<tosa::TransposeOp> transposes;
    getOperation().walk(
        [&](tosa::TransposeOp op) { transposes.push_back(op); });
    DenseSet<Operation *> erased;
    for (tosa::TransposeOp transpose : transposes) {
      if (erased.contains(transpose))
        continue;
      SmallVector<Operation *> chain = chainToInverse(transpose);
      if (chain.empty())
        continue;
      sink(transpose, chain, erased);
      ++numSunk;
    }
  }

  /// Rebuilds each op of `chain` on the untransposed values; the inverse
  /// transpose at its end is replaced by the last of them.
  void sink(tosa::TransposeOp transpose, ArrayRef<Operation *> chain,
            DenseSet<Operation *> &erased) {
    ArrayRef<int32_t> perms = transpose.getPerms();
    Value transposed = transpose.getResult();
    Value source = transpose.getInput1();
    for (Operation *op : chain) {
      OpBuilder builder(op);
      if (auto inverse = dyn_cast<tosa::TransposeOp>(op)) {
        inverse.getResult().replaceAllUsesWith(source);
        break;
      }
      Value next;
      if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        next = rebuildGeneric(builder, generic, transposed, source, perms);
      } else {
        Operation *clone = builder.clone(*op);
        clone->setOperand(0, source);
        clone->getResult(0).setType(untransposed(
            cast<RankedTensorType>(op->getResult(0).getType()), perms));
        next = clone->getResult(0);
      }
      transposed = op->getResult(0);
      source = next;
    }
    // The old chain is dead now; erase it from its end.
    for (Operation *op : llvm::reverse(chain)) {
      erased.insert(op);
      op->erase();
    }
    erased.insert(transpose);
    transpose->erase();
  }
};

} // namespace
