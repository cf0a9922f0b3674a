//===- MoELowering.h - forms of the token-routed MoE lowering ---*- C++ -*-===//
//
// The choice between the two forms that m3sat-convert-to-linalg gives the
// expert-major MoE ops (route, dispatch, grouped_matmul, combine); an option
// of the pass and of the CPU and GPU pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_CONVERSION_MOELOWERING_H
#define M3SAT_CONVERSION_MOELOWERING_H

namespace m3sat {

/// How the expert-major MoE ops are lowered.
enum class MoELowering {
  /// scf.for loops: over tokens (route), slots (dispatch, combine) and
  /// experts (grouped_matmul, one contraction per expert group).
  Loops,
  /// Parallel loop nests: route parallel over (token, slot); dispatch's row
  /// gather and combine parallel over rows; grouped_matmul as one
  /// contraction over all rows, each reading its own expert's weights (row
  /// r's expert computed from the offsets); the counting sort of the T*k
  /// slot ids (in chunks) and the inversion of the permutation, parallel
  /// too.
  RowGather,
};

} // namespace m3sat

#endif // M3SAT_CONVERSION_MOELOWERING_H
