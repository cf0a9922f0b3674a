//===- Passes.h - m3sat conversion passes -----------------------*- C++ -*-===//
//
// Declarations and registration of the conversions out of the m3sat dialect
// (generated from Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_CONVERSION_PASSES_H
#define M3SAT_CONVERSION_PASSES_H

#include "m3sat/Conversion/MoELowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace m3sat {

#define GEN_PASS_DECL
#include "m3sat/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/Conversion/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_CONVERSION_PASSES_H
