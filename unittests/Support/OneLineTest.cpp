//===- OneLineTest.cpp - escaping of diagnostic text ----------------------===//

#include "m3sat/Support/OneLine.h"

#include "gtest/gtest.h"

using namespace m3sat;

namespace {

TEST(OneLineTest, KeepsPrintableText) {
  EXPECT_EQ(escapeForOneLine("node '/encoder/MoE': k = 2"),
            "node '/encoder/MoE': k = 2");
  // Valid UTF-8 (a name in Greek, a 4-byte emoji) passes through.
  EXPECT_EQ(escapeForOneLine("\xce\xb1\xce\xb2 \xf0\x9f\x99\x82"),
            "\xce\xb1\xce\xb2 \xf0\x9f\x99\x82");
  EXPECT_EQ(escapeForOneLine(""), "");
}

TEST(OneLineTest, EscapesLineBreaksAndControlCharacters) {
  EXPECT_EQ(escapeForOneLine("a\nb\r\tc"), "a\\nb\\r\\tc");
  EXPECT_EQ(escapeForOneLine(llvm::StringRef("x\0y\x1b\x7f", 5)),
            "x\\x00y\\x1b\\x7f");
}

TEST(OneLineTest, EscapesBytesThatAreNotUTF8) {
  // A lone continuation byte, a lead byte without its continuation, an
  // overlong encoding of '/', and a sequence cut off at the end.
  EXPECT_EQ(escapeForOneLine("a\x80z"), "a\\x80z");
  EXPECT_EQ(escapeForOneLine("\xc3("), "\\xc3(");
  EXPECT_EQ(escapeForOneLine("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(escapeForOneLine("ok\xe2\x82"), "ok\\xe2\\x82");
}

TEST(OneLineTest, EscapesUnicodeLineBreaks) {
  // NEL (U+0085) and LINE SEPARATOR (U+2028) are valid UTF-8 but break lines.
  EXPECT_EQ(escapeForOneLine("a\xc2\x85"
                             "b"),
            "a\\xc2\\x85"
            "b");
  EXPECT_EQ(escapeForOneLine("a\xe2\x80\xa8"
                             "b"),
            "a\\xe2\\x80\\xa8"
            "b");
  // U+00A0 (no-break space) is printable.
  EXPECT_EQ(escapeForOneLine("a\xc2\xa0"
                             "b"),
            "a\xc2\xa0"
            "b");
}

} // namespace
