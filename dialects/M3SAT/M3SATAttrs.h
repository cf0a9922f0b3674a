//===- M3SATAttrs.h - m3sat enums and attributes ----------------*- C++ -*-===//
//
// Declares the m3sat activation enum and the static expert set attribute.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_DIALECT_M3SATATTRS_H
#define M3SAT_DIALECT_M3SATATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "M3SAT/M3SATEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "M3SAT/M3SATAttrs.h.inc"

#endif // M3SAT_DIALECT_M3SATATTRS_H
