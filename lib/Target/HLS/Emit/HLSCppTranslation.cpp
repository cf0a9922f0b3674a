//===- HLSCppTranslation.cpp - the emit-hls-cpp translation ---------------===//

#include "m3sat/Target/HLS/Emit/EmitHLSCpp.h"

#include "M3SAT/M3SATDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Tools/mlir-translate/Translation.h"

using namespace mlir;

void m3sat::registerToHLSCppTranslation() {
  static TranslateFromMLIRRegistration registration(
      "emit-hls-cpp",
      "Emit loop-level IR (as m3sat-hls-pipeline produces it) as Vitis-style "
      "HLS C++",
      [](ModuleOp module, raw_ostream &os) {
        return translateToHLSCpp(module, os);
      },
      [](DialectRegistry &registry) {
        // The m3sat dialect for the typed m3sat.hls.* attributes.
        registry.insert<arith::ArithDialect, func::FuncDialect,
                        m3sat::M3SATDialect, math::MathDialect,
                        memref::MemRefDialect, scf::SCFDialect>();
      });
}
