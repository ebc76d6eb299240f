// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The shell's lexical layer: statements, words, quotes, escapes, and the
// escaped and hex forms keys and values are shown and typed in.

#include "tools/cli/command_line.h"

#include <gtest/gtest.h>

#include "tests/testutil.h"
#include "tools/cli/bytes_format.h"
#include "util/random.h"

namespace o3lsm::cli {
namespace {

using Words = std::vector<std::string>;

Words Split(const std::string& line) {
  Words words;
  Status s = SplitCommandLine(line, &words);
  EXPECT_TRUE(s.ok()) << line << ": " << s.ToString();
  return words;
}

std::string SplitError(const std::string& line) {
  Words words;
  Status s = SplitCommandLine(line, &words);
  EXPECT_TRUE(s.IsInvalidArgument()) << line << ": " << s.ToString();
  return std::string(s.message());
}

TEST(SplitCommandLine, BlanksSeparateWords) {
  EXPECT_EQ(Split("put  a\t1 "), (Words{"put", "a", "1"}));
  EXPECT_EQ(Split(""), Words{});
  EXPECT_EQ(Split("   \t"), Words{});
}

TEST(SplitCommandLine, QuotesHoldBlanksAndJoinAdjacentText) {
  EXPECT_EQ(Split("put \"my key\" 'my value'"),
            (Words{"put", "my key", "my value"}));
  EXPECT_EQ(Split("put a'b c'd 1"), (Words{"put", "ab cd", "1"}));
  EXPECT_EQ(Split("put '' \"\""), (Words{"put", "", ""}));
}

TEST(SplitCommandLine, SingleQuotesAreLiteral) {
  EXPECT_EQ(Split(R"(put '\x41\n' v)"), (Words{"put", R"(\x41\n)", "v"}));
}

TEST(SplitCommandLine, DoubleQuotesUnderstandEscapes) {
  EXPECT_EQ(Split(R"(put "a\"b\\c" "\x00\xff\n\t\r\0")"),
            (Words{"put", "a\"b\\c", std::string("\x00\xff\n\t\r\0", 6)}));
}

TEST(SplitCommandLine, BackslashOutsideQuotesIsAByte) {
  EXPECT_EQ(Split(R"(put a\b 1)"), (Words{"put", R"(a\b)", "1"}));
}

TEST(SplitCommandLine, HashStartsACommentOnlyAtAWordStart) {
  EXPECT_EQ(Split("put a#b 1 # the rest"), (Words{"put", "a#b", "1"}));
  EXPECT_EQ(Split("# only a comment"), Words{});
  EXPECT_EQ(Split("put \"#not\" 1"), (Words{"put", "#not", "1"}));
}

TEST(SplitCommandLine, ErrorsNameTheColumn) {
  EXPECT_EQ(SplitError("put \"abc"), "unterminated \" quote at column 5");
  EXPECT_EQ(SplitError("put 'abc"), "unterminated ' quote at column 5");
  EXPECT_EQ(SplitError(R"(put "a\q")"), "unknown escape at column 7");
  EXPECT_EQ(SplitError(R"(put "\x4")"),
            "bad \\x escape (want \\xHH) at column 6");
  EXPECT_EQ(SplitError(R"(put "\xZZ")"),
            "bad \\x escape (want \\xHH) at column 6");
}

TEST(SplitStatements, SemicolonsAndNewlinesSeparate) {
  EXPECT_EQ(SplitStatements("put a 1; get a\nscan"),
            (Words{"put a 1", " get a", "scan"}));
  EXPECT_EQ(SplitStatements(";;  ;\n"), Words{});
  EXPECT_EQ(SplitStatements(""), Words{});
}

TEST(SplitStatements, QuotesProtectSeparators) {
  EXPECT_EQ(SplitStatements("put 'a;b' \"c;\\\"d\"; get 'a;b'"),
            (Words{"put 'a;b' \"c;\\\"d\"", " get 'a;b'"}));
  EXPECT_EQ(SplitStatements("put \"x\ny\" 1"), (Words{"put \"x\ny\" 1"}));
}

TEST(SplitStatements, CommentsRunToTheEndOfTheLine) {
  EXPECT_EQ(SplitStatements("put a 1 # x; y\nget a"),
            (Words{"put a 1 ", "get a"}));
  EXPECT_EQ(SplitStatements("put a#b 1; get a#b"),
            (Words{"put a#b 1", " get a#b"}));
}

TEST(SplitStatements, UnterminatedQuoteSwallowsTheRestForTheSplitterToReport) {
  const Words statements = SplitStatements("put 'a; get a");
  ASSERT_EQ(statements.size(), 1u);
  Words words;
  EXPECT_TRUE(SplitCommandLine(statements[0], &words).IsInvalidArgument());
}

TEST(BytesFormat, EscapesWhatIsNotPrintable) {
  EXPECT_EQ(EscapeBytes(std::string("a b\\\x00\x7f\xff\n\"", 9)),
            "a b\\\\\\x00\\x7F\\xFF\\x0A\\\"");
  EXPECT_EQ(EscapeBytes(""), "");
}

TEST(BytesFormat, EscapedTextReadsBackBetweenDoubleQuotes) {
  Random64 rnd(301);
  for (int i = 0; i < 200; i++) {
    const std::string bytes = test::RandomBytes(&rnd, rnd.Uniform(40), false);
    Words words;
    ASSERT_TRUE(
        SplitCommandLine("put \"" + EscapeBytes(bytes) + "\" v", &words).ok());
    ASSERT_EQ(words.size(), 3u);
    EXPECT_EQ(words[1], bytes);
  }
}

TEST(BytesFormat, HexRoundTrips) {
  EXPECT_EQ(ToHex(std::string("\x00\xab\x10", 3)), "0x00AB10");
  EXPECT_EQ(ToHex(""), "0x");
  std::string bytes;
  ASSERT_TRUE(ParseHex("0x00aB10", &bytes).ok());
  EXPECT_EQ(bytes, std::string("\x00\xab\x10", 3));
  ASSERT_TRUE(ParseHex("ff", &bytes).ok());
  EXPECT_EQ(bytes, "\xff");
  ASSERT_TRUE(ParseHex("0X", &bytes).ok());
  EXPECT_EQ(bytes, "");
}

TEST(BytesFormat, BadHexIsAnErrorQuotingTheText) {
  std::string bytes = "unchanged";
  Status s = ParseHex("0xabc", &bytes);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "bad hex '0xabc': odd number of digits");
  s = ParseHex("zz", &bytes);
  EXPECT_EQ(s.message(), "bad hex 'zz': not a hex digit");
  s = ParseHex("0x0g", &bytes);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(bytes, "unchanged");
}

}  // namespace
}  // namespace o3lsm::cli
