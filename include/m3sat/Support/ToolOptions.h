//===- ToolOptions.h - command-line help of the m3sat tools -----*- C++ -*-===//
//
// The m3sat tools link LLVM and MLIR, whose libraries register hundreds of
// global command-line options (code generation flags of every target). A
// tool's --help should list the tool's own options: LibraryOptions records
// the options registered before the tool's own (the libraries' static
// initializers run before the tool's) and hides them from --help. They
// still parse, and --help-hidden lists them.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_TOOLOPTIONS_H
#define M3SAT_SUPPORT_TOOLOPTIONS_H

#include <string>
#include <vector>

namespace m3sat {

class LibraryOptions {
public:
  /// Records the options registered so far. Define the object before the
  /// tool's own options, in the tool's main file.
  LibraryOptions();

  /// Hides the recorded options from --help; call before parsing.
  void hideFromHelp() const;

private:
  std::vector<std::string> names;
};

} // namespace m3sat

#endif // M3SAT_SUPPORT_TOOLOPTIONS_H
