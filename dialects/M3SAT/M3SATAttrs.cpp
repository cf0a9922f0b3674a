//===- M3SATAttrs.cpp - m3sat enums and attributes ------------------------===//
//
// Verifier and custom parsing helpers of the m3sat attributes.
//
//===----------------------------------------------------------------------===//

#include "M3SAT/M3SATAttrs.h"
#include "M3SAT/M3SATDialect.h"
#include "M3SAT/M3SATOps.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace m3sat;

/// Parses a non-empty comma-separated list of floats (the brackets around it
/// belong to the declarative format).
static ParseResult parseFloatList(AsmParser &parser,
                                  DenseF32ArrayAttr &values) {
  SmallVector<float> parsed;
  if (parser.parseCommaSeparatedList([&]() -> ParseResult {
        double value;
        if (parser.parseFloat(value))
          return failure();
        parsed.push_back(static_cast<float>(value));
        return success();
      }))
    return failure();
  values = DenseF32ArrayAttr::get(parser.getContext(), parsed);
  return success();
}

static void printFloatList(AsmPrinter &printer, DenseF32ArrayAttr values) {
  llvm::interleaveComma(values.asArrayRef(), printer, [&](float v) {
    printer.printFloat(APFloat(v));
  });
}

#include "M3SAT/M3SATEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "M3SAT/M3SATAttrs.cpp.inc"

void M3SATDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "M3SAT/M3SATAttrs.cpp.inc"
      >();
}

LogicalResult
ExpertSetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      ArrayRef<int64_t> experts, DenseF32ArrayAttr weights) {
  if (experts.empty())
    return emitError() << "expert set must hold at least one expert";
  if (!weights || experts.size() != static_cast<size_t>(weights.size()))
    return emitError() << "expert set has " << experts.size()
                       << " experts but " << (weights ? weights.size() : 0)
                       << " weights";
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t e : experts) {
    if (e < 0)
      return emitError() << "expert set holds negative expert index " << e;
    if (!seen.insert(e).second)
      return emitError() << "expert set holds expert " << e << " twice";
  }
  return success();
}
