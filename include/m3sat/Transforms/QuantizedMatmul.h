//===- QuantizedMatmul.h - products with quantized weights ------*- C++ -*-===//
//
// The lowering of m3sat.dequantize builds each product whose weights it
// computes as one linalg.generic over (m, n, k) that dequantizes weight
// (n, k) in its body, and marks it with kQuantizedMatmulAttr; on a CPU,
// m3sat-contractions-to-blas turns such a generic into calls of the task
// runtime's m3sat_qgemm, which never stores the float weights whole.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TRANSFORMS_QUANTIZEDMATMUL_H
#define M3SAT_TRANSFORMS_QUANTIZEDMATMUL_H

#include "llvm/ADT/StringRef.h"

namespace m3sat {

/// Discardable attribute of such a generic: a dictionary with `bits` (4 or
/// 8) and `block_size` (0: one scale per row), both i64. Its operands are
/// x [M, K] (f32), the codes [N, K / p] (i8), the scales ([N, K / block]
/// or [N]), the zero points when given ([N, ceil(K / block / p)] or
/// [ceil(N / p)]), and C [M, N].
constexpr llvm::StringLiteral kQuantizedMatmulAttr = "m3sat.quantized_matmul";

} // namespace m3sat

#endif // M3SAT_TRANSFORMS_QUANTIZEDMATMUL_H
