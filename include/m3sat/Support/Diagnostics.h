//===- Diagnostics.h - one-line diagnostics for the tools -------*- C++ -*-===//
//
// The m3sat tools report every error on one line, naming the file and the
// ONNX node (from the importer's NameLoc locations) or the field.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_DIAGNOSTICS_H
#define M3SAT_SUPPORT_DIAGNOSTICS_H

#include "m3sat/Support/OneLine.h"
#include "mlir/IR/Diagnostics.h"

#include <string>

namespace m3sat {

/// "model.onnx: node 'Gemm_3'", "prog.mlir:12:5", or "" for unknown.
std::string formatLocation(mlir::Location loc);

/// The ONNX node name of a location (the first NameLoc in it, through fused
/// and call-site locations), or "" when it has none.
std::string getNodeName(mlir::Location loc);

/// A short label of the layer an op belongs to, for reports: its ONNX node
/// name (getNodeName), else "file:line" of its first file location (the
/// file name without directories), else "".
std::string getLayerLabel(mlir::Location loc);

/// Prints errors, warnings and remarks as `<location>: error: <message>` on
/// one line each to stderr, notes folded into the line; counts errors.
class OneLineDiagnostics {
public:
  explicit OneLineDiagnostics(mlir::MLIRContext &context);
  ~OneLineDiagnostics();
  unsigned numErrors() const { return errors; }

private:
  mlir::MLIRContext &context;
  mlir::DiagnosticEngine::HandlerID id;
  unsigned errors = 0;
};

} // namespace m3sat

#endif // M3SAT_SUPPORT_DIAGNOSTICS_H
