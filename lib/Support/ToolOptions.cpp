//===- ToolOptions.cpp - command-line help of the m3sat tools -------------===//

#include "m3sat/Support/ToolOptions.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

using namespace m3sat;

LibraryOptions::LibraryOptions() {
  for (auto &entry : llvm::cl::getRegisteredOptions())
    names.push_back(entry.first.str());
}

void LibraryOptions::hideFromHelp() const {
  auto &options = llvm::cl::getRegisteredOptions();
  for (const std::string &name : names) {
    llvm::StringRef key(name);
    // --help, --help-hidden, --version and their kin stay.
    if (key.starts_with("help") || key == "version" ||
        key.starts_with("print-options") || key.starts_with("print-all"))
      continue;
    auto it = options.find(key);
    if (it != options.end())
      it->second->setHiddenFlag(llvm::cl::Hidden);
  }
}
