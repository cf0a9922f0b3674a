//===- Passes.h - HLS preparation passes ------------------------*- C++ -*-===//
//
// Declarations and registration of the HLS emission preparation passes
// (generated from Prepare/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_HLS_PREPARE_PASSES_H
#define M3SAT_TARGET_HLS_PREPARE_PASSES_H

#include "M3SAT/M3SATDialect.h"
#include "M3SAT/M3SATHLSAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace m3sat {

#define GEN_PASS_DECL
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/Target/HLS/Prepare/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_TARGET_HLS_PREPARE_PASSES_H
