//===- OneLine.h - keep a diagnostic on one line ----------------*- C++ -*-===//
//
// Every m3sat tool reports an error on exactly one line. Names and strings
// read from a damaged file may hold line breaks, control characters or bytes
// that are not UTF-8; they are escaped before they reach the terminal.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_ONELINE_H
#define M3SAT_SUPPORT_ONELINE_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace m3sat {

/// `text` with line breaks and tabs written as `\n`, `\r`, `\t`, other
/// control characters and bytes that do not start a valid UTF-8 sequence as
/// `\xNN`; printable ASCII and valid UTF-8 unchanged.
std::string escapeForOneLine(llvm::StringRef text);

} // namespace m3sat

#endif // M3SAT_SUPPORT_ONELINE_H
