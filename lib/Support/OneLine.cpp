//===- OneLine.cpp - keep a diagnostic on one line ------------------------===//
//
// M3SATSupport links no LLVM library (m3sat-run and the unit tests use it
// alone), so the UTF-8 check is the few lines below rather than LLVM's
// ConvertUTF.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Support/OneLine.h"

using namespace m3sat;

/// Length of the valid, printable UTF-8 sequence starting at text[i], or 0.
static size_t utf8SequenceLength(llvm::StringRef text, size_t i) {
  auto byte = [&](size_t at) -> unsigned {
    return at < text.size() ? static_cast<unsigned char>(text[at]) : 0;
  };
  unsigned lead = byte(i);
  // Second byte's range (excludes overlong forms and surrogates), length.
  unsigned low = 0x80, high = 0xbf;
  size_t length;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0)
      low = 0xa0;
    if (lead == 0xed)
      high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0)
      low = 0x90;
    if (lead == 0xf4)
      high = 0x8f;
  } else {
    return 0;
  }
  if (byte(i + 1) < low || byte(i + 1) > high)
    return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
      return 0;
  // C1 control characters (U+0080..U+009F) and the line and paragraph
  // separators (U+2028, U+2029) break lines too: escaped like bad bytes.
  if (lead == 0xc2 && byte(i + 1) <= 0x9f)
    return 0;
  if (lead == 0xe2 && byte(i + 1) == 0x80 &&
      (byte(i + 2) == 0xa8 || byte(i + 2) == 0xa9))
    return 0;
  return length;
}

std::string m3sat::escapeForOneLine(llvm::StringRef text) {
  static const char hex[] = "0123456789abcdef";
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0, e = text.size(); i < e;) {
    unsigned char c = text[i];
    if (c == '\n' || c == '\r' || c == '\t') {
      result += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
      ++i;
    } else if (c >= 0x20 && c < 0x7f) {
      result += static_cast<char>(c);
      ++i;
    } else if (size_t length = c >= 0x80 ? utf8SequenceLength(text, i) : 0) {
      result.append(text.data() + i, length);
      i += length;
    } else {
      // Other control characters and bytes that start no valid sequence.
      result += "\\x";
      result += hex[c >> 4];
      result += hex[c & 15];
      ++i;
    }
  }
  return result;
}
