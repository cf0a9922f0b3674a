//===- IntegerRanges.h - integer range analysis for the HLS passes -*- C++
//-*-===//
//
// The HLS passes that need static bounds (array sizes, loop trip counts)
// run MLIR's integer range analysis the same way; these helpers set it up
// and read its results.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_ANALYSIS_INTEGERRANGES_H
#define M3SAT_TARGET_HLS_ANALYSIS_INTEGERRANGES_H

#include "mlir/Analysis/DataFlow/ConstantPropagationAnalysis.h"
#include "mlir/Analysis/DataFlow/DeadCodeAnalysis.h"
#include "mlir/Analysis/DataFlow/IntegerRangeAnalysis.h"
#include "mlir/Analysis/DataFlowFramework.h"

#include <optional>

namespace m3sat {

/// Loads integer range analysis (with the dead-code and constant analyses
/// it relies on) into `solver` and runs it over `root`.
inline mlir::LogicalResult runIntegerRanges(mlir::DataFlowSolver &solver,
                                            mlir::Operation *root) {
  solver.load<mlir::dataflow::DeadCodeAnalysis>();
  solver.load<mlir::dataflow::SparseConstantPropagation>();
  solver.load<mlir::dataflow::IntegerRangeAnalysis>();
  return solver.initializeAndRun(root);
}

/// The range the analysis found for `value`, if it found one.
inline std::optional<mlir::ConstantIntRanges>
integerRange(mlir::DataFlowSolver &solver, mlir::Value value) {
  auto *lattice =
      solver.lookupState<mlir::dataflow::IntegerValueRangeLattice>(value);
  if (!lattice || lattice->getValue().isUninitialized())
    return std::nullopt;
  return lattice->getValue().getValue();
}

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_ANALYSIS_INTEGERRANGES_H
