//===- Passes.h - GPU mapping passes ----------------------------*- C++ -*-===//
//
// Declarations and registration of the passes that map bufferized task
// functions onto a GPU (generated from Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_GPU_PASSES_H
#define M3SAT_TARGET_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace m3sat {

/// A copy between whole buffers of identity layout: the host does it with
/// `gpu.memcpy` (m3sat-gpu-device-memory) instead of a kernel.
inline bool isWholeBufferCopy(mlir::memref::CopyOp copy) {
  auto isWhole = [](mlir::Type type) {
    auto memref = llvm::dyn_cast<mlir::MemRefType>(type);
    return memref && memref.hasStaticShape() && memref.getLayout().isIdentity();
  };
  return isWhole(copy.getSource().getType()) &&
         isWhole(copy.getTarget().getType());
}

/// The unit attribute of the calls that m3sat-gpu-library-gemm makes: the
/// host runs them, and the runtime queues their work on the task's stream.
constexpr llvm::StringLiteral kGPULibraryCallAttr = "m3sat.gpu_library";

/// A call of a GPU library function (m3sat-gpu-library-gemm).
inline bool isGPULibraryCall(mlir::Operation *op) {
  return llvm::isa<mlir::func::CallOp>(op) && op->hasAttr(kGPULibraryCallAttr);
}

#define GEN_PASS_DECL
#include "m3sat/Target/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "m3sat/Target/GPU/Passes.h.inc"

} // namespace m3sat

#endif // M3SAT_TARGET_GPU_PASSES_H
