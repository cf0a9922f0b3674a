//===- LoweringPatterns.h - m3sat to linalg pattern sets --------*- C++ -*-===//
//
// Internal: the pattern families of the m3sat-to-linalg conversion, one
// populate function per file.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H
#define M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H

#include "M3SAT/M3SATOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace m3sat {

/// m3sat.route, m3sat.dispatch, m3sat.grouped_matmul and m3sat.combine as
/// parallel loop nests (the `row-gather` form), with a higher benefit than
/// the loop forms so that they win when both are populated.
void populateRowGatherLoweringPatterns(mlir::RewritePatternSet &patterns);

/// m3sat.route, m3sat.dispatch and m3sat.combine to scf loops on tensors.
void populateRoutingLoweringPatterns(mlir::RewritePatternSet &patterns);

/// m3sat.grouped_matmul, static m3sat.moe_ffn and m3sat.moe_attention to
/// linalg.generic contractions (and scf loops over experts).
void populateExpertLoweringPatterns(mlir::RewritePatternSet &patterns);

/// m3sat.dequantize as an elementwise linalg.generic, except where it
/// computes the weights of MoE layers' products (see buildQuantizedLinear).
void populateDequantizeLoweringPatterns(mlir::RewritePatternSet &patterns);

class TensorBuilder;

/// x [M, K] times the float weights [N, K] of expert `expert` that
/// `dequantize` stands for, transposed, plus `bias` [N] when given (in
/// `into` when given): one linalg.generic over (m, n, k) that dequantizes
/// weight (n, k) in its body from that expert's codes, scales and zero
/// points, marked with kQuantizedMatmulAttr
/// (m3sat/Transforms/QuantizedMatmul.h).
mlir::Value buildQuantizedLinear(TensorBuilder &tb, mlir::Value x,
                                 DequantizeOp dequantize,
                                 mlir::OpFoldResult expert, mlir::Value bias,
                                 mlir::Value into);

//===----------------------------------------------------------------------===//
// Helpers shared by the loop and row-gather forms (RoutingLowering.cpp)
//===----------------------------------------------------------------------===//

/// Clamps an i64 expert index into [0, limit) and casts it to index.
mlir::Value clampToIndex(mlir::ImplicitLocOpBuilder &b, mlir::Value i64Value,
                         int64_t limit);

/// Body of a loop built by buildLoop: induction variable and iteration
/// arguments in, the values to yield out.
using LoopBodyFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::ImplicitLocOpBuilder &, mlir::Value, mlir::ValueRange)>;

/// Builds `for (iv = 0; iv < upper; ++iv)` carrying `init`.
mlir::scf::ForOp buildLoop(mlir::ImplicitLocOpBuilder &b, int64_t upper,
                           mlir::ValueRange init, LoopBodyFn body);

/// The logit of expert `e` (an index) of the token being routed.
using LogitFn =
    llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::Value)>;

/// The top k of one token: its experts (index values in [0, E)) in
/// descending order of probability (ties: lower index first) and their
/// probabilities, renormalized over the k when `normalize` is set.
struct TopK {
  llvm::SmallVector<mlir::Value> experts, probs;
};

/// Builds the scalar code of one token's routing: softmax over all
/// `numExperts` logits, then k selection loops over the experts.
TopK buildTopK(mlir::ImplicitLocOpBuilder &b, int64_t numExperts, int64_t k,
               bool normalize, mlir::Type elementType, LogitFn logit);

} // namespace m3sat

#endif // M3SAT_LIB_CONVERSION_M3SATTOLINALG_LOWERINGPATTERNS_H
