//===- RaiseMoEPatterns.h - matchers of m3sat-raise-moe ---------*- C++ -*-===//
//
// The matchers m3sat-raise-moe uses over the ONNX importer's tosa/linalg
// forms: constants, elementwise generics, the scatters that ScatterElements
// and ScatterND import as, and the one-hot masks of OneHot. Private to
// lib/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_TRANSFORMS_RAISEMOEPATTERNS_H
#define M3SAT_LIB_TRANSFORMS_RAISEMOEPATTERNS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <optional>

namespace m3sat::raise_moe {

/// `v` with any tosa.reshape in front of it looked through.
mlir::Value skipReshapes(mlir::Value v);

/// The constant behind `v` (through reshapes), or null.
mlir::ElementsAttr constantOf(mlir::Value v);

/// The value of a splat floating-point constant `v` (a resource blob whose
/// f32 elements are all alike counts).
std::optional<double> splatFloat(mlir::Value v);

/// The value of a splat integer constant `v`.
std::optional<int64_t> splatInt(mlir::Value v);

/// The elements of the integer constant behind `v` (through reshapes and
/// tosa.slice), row-major, or none.
std::optional<llvm::SmallVector<int64_t>> constantInts(mlir::Value v);

/// Whether `v` is a splat float constant equal to `value`.
bool isSplat(mlir::Value v, double value);

/// Whether `v` is a constant whose elements all equal `value` (integer or
/// float; a one-element constant counts).
bool isScalar(mlir::Value v, double value);

int64_t lastAxis(mlir::Value v);

/// A linalg.generic of all-parallel loops whose body applies one op of type
/// `OpTy` to its block arguments in order; returns its inputs.
template <typename OpTy>
std::optional<llvm::SmallVector<mlir::Value>>
elementwiseGeneric(mlir::Value v) {
  auto generic = v.getDefiningOp<mlir::linalg::GenericOp>();
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  mlir::Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return std::nullopt;
  auto op = llvm::dyn_cast<OpTy>(&body.front());
  auto yield = llvm::dyn_cast<mlir::linalg::YieldOp>(body.getTerminator());
  if (!op || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != op->getResult(0) ||
      op->getNumOperands() != generic.getNumDpsInputs())
    return std::nullopt;
  for (auto [i, operand] : llvm::enumerate(op->getOperands()))
    if (operand != body.getArgument(i))
      return std::nullopt;
  return llvm::SmallVector<mlir::Value>(generic.getDpsInputs());
}

/// `v` converted elementwise between element types (tosa.cast, or a
/// generic of one arith cast): returns the input, else `v` itself.
mlir::Value skipCasts(mlir::Value v);

/// A scatter as the importer writes ScatterElements and ScatterND: a
/// linalg.generic over (data dims, updates dims) that stores (or adds) an
/// update where its index lands on the data element.
struct Scatter {
  mlir::Value data, updates;
  /// The index tensor the body reads.
  mlir::Value indices;
  /// Reduction 'add' (else 'none').
  bool add = false;
  /// ScatterND (else ScatterElements).
  bool nd = false;
  /// ScatterElements: the data axis the indices address. ScatterND: the
  /// number of index components (the leading data axes they address).
  int64_t axis = 0;
};

std::optional<Scatter> matchScatter(mlir::Value v);

/// Whether `scatter` sends every element of its updates to the same place
/// in data (constant indices that count along the axes they address, and
/// updates of the data's shape): it then equals the updates (reduction
/// none) or data + updates (add). The form torch writes for
/// `out.index_add_(0, arange(T), y)`, `out.scatter_add(0, ...)` and
/// `out.index_put_((arange(T),), y, accumulate=True)`.
bool isIdentityScatter(const Scatter &scatter);

/// If `h` is a one-hot encoding of `indices` (1 where the position along
/// the class axis equals the index, else 0; bool, int or float), returns
/// the class axis; the other axes are the indices' axes in order.
std::optional<int64_t> hotAxis(mlir::Value h, mlir::Value indices);

/// If `mask` (f32 or i1) is 1 where `indices` equals one expert id and 0
/// elsewhere, returns that id: `indices == e` (cast or not), or expert e's
/// slice of a one-hot of the indices (F.one_hot(idx, E), perhaps permuted,
/// then indexed by e).
std::optional<int64_t> expertOfMask(mlir::Value mask, mlir::Value indices);

/// Whether `v` looks at `indices` as expert ids: compares them with an
/// integer constant, one-hot encodes them, or scatters by them.
bool usedAsExpertIds(mlir::Value indices);

/// `g` = the routing weight of expert e for each token: the top-k weights
/// masked to e and summed over k (w * (idx == e), where(idx == e, w, 0), or
/// w times expert e's one-hot mask). Returns e.
std::optional<int64_t> matchExpertGate(mlir::Value g, mlir::Value weights,
                                       mlir::Value indices);

/// `combine` = zeros.scatter(-1, idx, w) (or scatter_add).
bool isCombineScatter(mlir::Value combine, mlir::Value weights,
                      mlir::Value indices);

/// `combine` = (w.unsqueeze(-1) * F.one_hot(idx, E)).sum(-2).
bool isOneHotCombine(mlir::Value combine, mlir::Value weights,
                     mlir::Value indices);

/// `g` = column e of a combine ([..., e:e+1], or [..., e] as a tosa.gather
/// of the combine reshaped to [N, E, 1]): returns e.
std::optional<int64_t> matchCombineColumn(mlir::Value g, mlir::Value combine);

/// `v` as a sum of terms: a tosa.add, a scatter that sends each update to
/// its own place (see isIdentityScatter), or a reshape to the same shape.
/// Returns the summands (none if `v` is no sum).
llvm::SmallVector<mlir::Value, 2> summands(mlir::Value v);

/// The only user of `v` that is not dead, or null.
mlir::Operation *onlyLiveUser(mlir::Value v);

} // namespace m3sat::raise_moe

#endif // M3SAT_LIB_TRANSFORMS_RAISEMOEPATTERNS_H
