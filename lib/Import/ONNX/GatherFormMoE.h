//===- GatherFormMoE.h - MoE experts that gather their tokens ---*- C++ -*-===//
//
// Between reading and converting: an MoE layer whose experts gather their
// own tokens (`tok, slot = torch.where(idx == e)`, `expert(x[tok]) *
// w[tok, slot, None]`, `out.index_add(0, tok, ...)`, as HuggingFace's
// Mixtral block writes it) exports NonZero, whose output shape depends on
// the routing. Such an expert is rewritten to run over every token with its
// routing weight masked to it, the dense form that m3sat-raise-moe raises.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_IMPORT_ONNX_GATHERFORMMOE_H
#define M3SAT_LIB_IMPORT_ONNX_GATHERFORMMOE_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include "onnx/onnx_pb.h"

#include <string>

namespace m3sat {
namespace onnx_import {

/// What densifyGatherFormExperts did to one NonZero node.
struct GatherFormExpert {
  std::string node;   ///< the NonZero node's name
  std::string reason; ///< why it was left as it was (empty when rewritten)
};

/// Rewrites every expert of `graph` (opset `opset` of the default domain)
/// that gathers its tokens with NonZero(idx == e), idx the indices of a
/// TopK or ArgMax over the tokens' rows ([T, k]), and adds its weighted
/// outputs back with a scatter over those tokens (ScatterElements on axis
/// 0 or ScatterND into zeros, or with reduction add). The expert then runs
/// on all T tokens: `tok` becomes arange(T), `slot` the position of e in
/// each token's top k, `x[tok]` x itself, and `w[tok, slot]` (the TopK
/// values gathered by torch's advanced indexing) (w * (idx == e)).sum(-1).
/// That keeps the outputs: a token that did not pick e adds 0 (its weight
/// is 0), one that did adds what it added before. Every node between the
/// NonZero and the scatters must keep the token rows apart (row-wise ops,
/// products over the rows' features, shapes). A NonZero of a routing mask
/// that is not of that form is left alone (the importer then reports it),
/// with the reason in the result.
llvm::SmallVector<GatherFormExpert>
densifyGatherFormExperts(onnx::GraphProto &graph, int64_t opset);

} // namespace onnx_import
} // namespace m3sat

#endif // M3SAT_LIB_IMPORT_ONNX_GATHERFORMMOE_H
