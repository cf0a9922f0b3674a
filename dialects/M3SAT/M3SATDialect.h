//===- M3SATDialect.h - m3sat dialect declaration ---------------*- C++ -*-===//
//
// Declares the m3sat dialect class (generated from M3SATDialect.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATDIALECT_H
#define M3SAT_DIALECT_M3SATDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "M3SAT/M3SATDialect.h.inc"

#endif // M3SAT_DIALECT_M3SATDIALECT_H
