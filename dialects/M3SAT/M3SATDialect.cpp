//===- M3SATDialect.cpp - m3sat dialect -----------------------------------===//
//
// Registers the m3sat operations and attributes and materializes folded
// constants as arith.constant.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATDialect.h"
#include "M3SAT/M3SATAttrs.h"
#include "M3SAT/M3SATOps.h"

using namespace mlir;
using namespace m3sat;

#include "M3SAT/M3SATDialect.cpp.inc"

void M3SATDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "M3SAT/M3SATOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *M3SATDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  if (!arith::ConstantOp::isBuildableWith(value, type))
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(value));
}
