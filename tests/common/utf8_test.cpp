#include <gtest/gtest.h>

#include <phil/common/utf8.hpp>

using phil::utf8::Allow;
using phil::utf8::first_flaw;
using Kind = phil::utf8::Flaw::Kind;

TEST(Utf8, ValidTextHasNoFlaw) {
  EXPECT_FALSE(first_flaw("", Allow::kNone));
  EXPECT_FALSE(first_flaw("Room 401", Allow::kNone));
  EXPECT_FALSE(first_flaw("\xE5\xBC\xA0\xE4\xB8\x89", Allow::kNone));  // 张三
  EXPECT_FALSE(first_flaw("\xF0\x9F\x94\x8C plug", Allow::kNone));     // U+1F50C
  EXPECT_FALSE(first_flaw("a\tb\r\nc\n", Allow::kLineBreaks));
}

TEST(Utf8, InvalidSequencesAreFoundAtTheirByte) {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  const Case cases[] = {
      {"ab\xFF", 2},            // never in UTF-8
      {"\x80", 0},              // stray continuation
      {"x\xC3", 1},             // truncated
      {"\xC0\xAF", 0},          // overlong '/'
      {"\xED\xA0\x80", 0},      // a surrogate
      {"\xF4\x90\x80\x80", 0},  // above U+10FFFF
      {"ok \xE4\xB8", 3},       // truncated 3-byte sequence
  };
  for (const auto& c : cases) {
    const auto f = first_flaw(c.text, Allow::kNone);
    ASSERT_TRUE(f) << c.offset;
    EXPECT_EQ(f->kind, Kind::kInvalid);
    EXPECT_EQ(f->offset, c.offset);
  }
}

TEST(Utf8, ControlCharactersAreRefusedUnlessLineBreaksAreAllowed) {
  EXPECT_EQ(first_flaw("a\nb", Allow::kNone)->kind, Kind::kControl);
  EXPECT_EQ(first_flaw("\x1b[2J", Allow::kLineBreaks)->code, 0x1Bu);
  EXPECT_EQ(first_flaw("del\x7f", Allow::kLineBreaks)->code, 0x7Fu);
  EXPECT_EQ(first_flaw("c1 \xC2\x9B", Allow::kLineBreaks)->code, 0x9Bu);  // C1 CSI
  EXPECT_EQ(first_flaw(std::string("nul\0", 4), Allow::kLineBreaks)->code, 0u);
}

TEST(Utf8, TheFlawsLineAndColumnCountCodePoints) {
  const auto f = first_flaw("one\n\xE4\xB8\x80\xE4\xBA\x8C\xFF", Allow::kLineBreaks);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->line, 2);
  EXPECT_EQ(f->column, 3);
}

TEST(Utf8, EscapedLeavesTextAsIsAndMakesTheRestPrintableOnOneLine) {
  using phil::utf8::escaped;
  EXPECT_EQ(escaped("Room 401 \xE5\xBC\xA0\xE4\xB8\x89"), "Room 401 \xE5\xBC\xA0\xE4\xB8\x89");
  EXPECT_EQ(escaped("a\tb\nc\r"), "a\\tb\\nc\\r");
  EXPECT_EQ(escaped("\x1b[2J"), "\\u{1B}[2J");
  EXPECT_EQ(escaped("c1 \xC2\x9B"), "c1 \\u{9B}");
  EXPECT_EQ(escaped(std::string("nul\0", 4)), "nul\\u{00}");
  EXPECT_EQ(escaped("bad \xFF\xE4\xB8"), "bad \\xFF\\xE4\\xB8");
  // Whatever goes in, what comes out is text a table or a JSON encoder takes.
  EXPECT_FALSE(first_flaw(escaped("\xC0\xAF\x07\xED\xA0\x80 \xF4\x90\x80\x80"), Allow::kNone));
}
