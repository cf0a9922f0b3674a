//===- Diagnostics.cpp - one-line diagnostics for the tools ---------------===//

#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Support/OneLine.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat;

std::string m3sat::formatLocation(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc)) {
    std::string inner = formatLocation(named.getChildLoc());
    std::string node = "node '" + named.getName().str() + "'";
    return inner.empty() ? node : inner + ": " + node;
  }
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    std::string text = file.getFilename().str();
    if (file.getLine() > 0)
      text += ":" + std::to_string(file.getLine()) + ":" +
              std::to_string(file.getColumn());
    return text;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string text = formatLocation(inner); !text.empty())
        return text;
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return formatLocation(callSite.getCallee());
  return "";
}

std::string m3sat::getNodeName(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

std::string m3sat::getLayerLabel(Location loc) {
  if (std::string name = getNodeName(loc); !name.empty())
    return name;
  std::string label;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      label = (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
               llvm::Twine(file.getLine()))
                  .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return label;
}

OneLineDiagnostics::OneLineDiagnostics(MLIRContext &context)
    : context(context) {
  id = context.getDiagEngine().registerHandler([this](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Note)
      return success();
    bool isError = diag.getSeverity() == DiagnosticSeverity::Error;
    const char *kind = isError ? "error: "
                       : diag.getSeverity() == DiagnosticSeverity::Warning
                           ? "warning: "
                           : "remark: ";
    errors += isError;
    std::string location = formatLocation(diag.getLocation());
    std::string message = diag.str();
    for (const Diagnostic &note : diag.getNotes())
      if (!StringRef(note.str()).starts_with("see current operation"))
        message += " (" + note.str() + ")";
    // Keep it one line whatever the message holds: line breaks in MLIR's
    // own messages become spaces; anything else unprintable (names from a
    // damaged file) is escaped.
    for (char &c : message)
      if (c == '\n')
        c = ' ';
    llvm::errs() << escapeForOneLine(location.empty() ? "" : location + ": ")
                 << kind << escapeForOneLine(message) << "\n";
    return success();
  });
}

OneLineDiagnostics::~OneLineDiagnostics() {
  context.getDiagEngine().eraseHandler(id);
}
