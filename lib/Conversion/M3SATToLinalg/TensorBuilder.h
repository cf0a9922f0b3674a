//===- TensorBuilder.h - IR building helpers for the lowering ---*- C++ -*-===//
//
// A thin helper over ImplicitLocOpBuilder that builds the tensor-level IR the
// m3sat lowering needs: constants, zero-filled tensors, slices, contractions
// and elementwise maps as linalg.generic, and scf loops. Internal to
// lib/Conversion/M3SATToLinalg.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_LIB_CONVERSION_M3SATTOLINALG_TENSORBUILDER_H
#define M3SAT_LIB_CONVERSION_M3SATTOLINALG_TENSORBUILDER_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace m3sat {

/// Body of an elementwise map: scalar arguments in, scalar result out.
using ScalarFn = llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &,
                                                mlir::ValueRange)>;

class TensorBuilder {
public:
  TensorBuilder(mlir::OpBuilder &builder, mlir::Location loc)
      : b(loc, builder) {}

  mlir::ImplicitLocOpBuilder &builder() { return b; }

  mlir::Value index(int64_t value);
  mlir::Value i64(int64_t value);
  mlir::Value floatConst(mlir::Type type, double value);

  /// A tensor of `shape` (dynamic sizes from `dynamicSizes`) filled with
  /// `value`.
  mlir::Value filled(mlir::ArrayRef<int64_t> shape, mlir::Type elementType,
                     mlir::Value value, mlir::ValueRange dynamicSizes = {});
  mlir::Value zeros(mlir::ArrayRef<int64_t> shape, mlir::Type elementType,
                    mlir::ValueRange dynamicSizes = {});

  /// Slice `[index, ...]` of `source` along dimension 0, rank-reduced: an
  /// expert's weights out of [E, ...] (static or dynamic `index`).
  mlir::Value sliceFirst(mlir::Value source, mlir::OpFoldResult index);
  /// Rows `[offset, offset + size)` of a rank-2 tensor (size dynamic).
  mlir::Value sliceRows(mlir::Value source, mlir::OpFoldResult offset,
                        mlir::OpFoldResult size);
  /// Writes `rows` into `dest` starting at row `offset`.
  mlir::Value insertRows(mlir::Value rows, mlir::Value dest,
                         mlir::OpFoldResult offset);

  /// out[...] += sum over reduction dims of lhs[...] * rhs[...], as a
  /// linalg.generic over `numDims` loops. Maps are lists of loop dims;
  /// `reductionDims` lists the loops that are reductions.
  mlir::Value contract(mlir::Value lhs, mlir::ArrayRef<unsigned> lhsDims,
                       mlir::Value rhs, mlir::ArrayRef<unsigned> rhsDims,
                       mlir::Value init, mlir::ArrayRef<unsigned> outDims,
                       unsigned numDims,
                       mlir::ArrayRef<unsigned> reductionDims);

  /// x [.., K] times w^T where w is [N, K] (a Linear layer's (out, in)
  /// weights), plus `bias` [N] when given: [.., N]. With `into` (a tensor of
  /// the result's type, e.g. a slice of a larger result), the result is
  /// computed in its place.
  mlir::Value linear(mlir::Value x, mlir::Value w, mlir::Value bias,
                     mlir::Value into = {});
  /// The same product with `w` in the (in, out) layout [K, N]: x [..., K]
  /// times w, read row by row along N.
  mlir::Value linearInOut(mlir::Value x, mlir::Value w, mlir::Value bias,
                          mlir::Value into = {});
  /// The accumulator `linear` starts from: [.., outFeatures] zeros, or
  /// `bias` broadcast, in `into` when given.
  mlir::Value linearInit(mlir::Value x, int64_t outFeatures, mlir::Value bias,
                         mlir::Value into = {});

  /// Elementwise map over tensors of one shape; `inputs` may also hold
  /// tensors broadcast along trailing dims through `inputDims` (loop dims
  /// of each input; empty list = identity).
  mlir::Value map(mlir::ValueRange inputs,
                  mlir::ArrayRef<mlir::SmallVector<unsigned>> inputDims,
                  mlir::RankedTensorType resultType, ScalarFn fn);

  /// Elementwise update of `init` in place: `fn` receives the scalars of
  /// `inputs` followed by the current element of `init` (so loops can yield
  /// a value that bufferizes onto their iteration argument).
  mlir::Value mapInto(mlir::Value init, mlir::ValueRange inputs,
                      mlir::ArrayRef<mlir::SmallVector<unsigned>> inputDims,
                      ScalarFn fn);

  /// Reduction of the last dimension with `combine` starting from `initial`.
  mlir::Value reduceLast(mlir::Value input, mlir::Value initial,
                         ScalarFn combine);

  /// Softmax over the last dimension (maximum subtracted).
  mlir::Value softmaxLast(mlir::Value input);

  /// Dynamic sizes of `value` as index values, one per dynamic dim.
  mlir::SmallVector<mlir::Value> dynamicSizes(mlir::Value value);

private:
  /// `linear` (w [N, K]) or `linearInOut` (w [K, N]).
  mlir::Value linearOf(mlir::Value x, mlir::Value w, bool inOut,
                       mlir::Value bias, mlir::Value into);
  mlir::ImplicitLocOpBuilder b;
};

} // namespace m3sat

#endif // M3SAT_LIB_CONVERSION_M3SATTOLINALG_TENSORBUILDER_H
