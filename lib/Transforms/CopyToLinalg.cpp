//===- CopyToLinalg.cpp - strided memref.copy to linalg.copy --------------===//
//
// Implements m3sat-copy-to-linalg, so that task libraries need no
// runtime support for copies between strided views.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace m3sat {
#define GEN_PASS_DEF_COPYTOLINALG
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

bool isContiguous(Value value) {
  auto type = cast<MemRefType>(value.getType());
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

struct CopyToLinalgPass
    : m3sat::impl::CopyToLinalgBase<CopyToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([&](memref::CopyOp copy) {
      if (!all && isContiguous(copy.getSource()) &&
          isContiguous(copy.getTarget()))
        return;
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};

} // namespace
