// Token boundaries and literal decoding, following yara 4.2.3's lexer.
#include <gtest/gtest.h>

#include <vector>

#include "parse/lexer.h"

namespace yarrow::parse {
namespace {

std::vector<Token> lex(const std::string& text) {
  Lexer lexer(text, 0);
  std::vector<Token> out;
  while (true) {
    Token t = lexer.next();
    out.push_back(t);
    if (t.kind == Tok::kEof || t.kind == Tok::kError) return out;
  }
}

std::vector<Tok> kinds(const std::string& text) {
  std::vector<Tok> out;
  for (const Token& t : lex(text)) out.push_back(t.kind);
  return out;
}

TEST(LexerTest, Numbers) {
  auto t = lex("10 0x1f 0o17 1KB 2MB 1.25 1..2 0x 1kb 010");
  ASSERT_GE(t.size(), 14u);
  EXPECT_EQ(t[0].int_value, 10);
  EXPECT_EQ(t[1].int_value, 31);
  EXPECT_EQ(t[2].int_value, 15);
  EXPECT_EQ(t[3].int_value, 1024);
  EXPECT_EQ(t[4].int_value, 2 * 1048576);
  EXPECT_EQ(t[5].kind, Tok::kFloat);
  EXPECT_DOUBLE_EQ(t[5].float_value, 1.25);
  EXPECT_EQ(t[6].kind, Tok::kInteger);  // 1..2 is 1 .. 2
  EXPECT_EQ(t[7].kind, Tok::kDotDot);
  EXPECT_EQ(t[8].int_value, 2);
  EXPECT_EQ(t[9].int_value, 0);  // 0x is 0 then identifier x
  EXPECT_EQ(t[10].kind, Tok::kIdentifier);
  EXPECT_EQ(t[11].int_value, 1);  // 1kb is 1 then identifier kb
  EXPECT_EQ(t[12].kind, Tok::kIdentifier);
  EXPECT_EQ(t[13].int_value, 10);  // no octal without 0o
}

TEST(LexerTest, IntegerOverflow) {
  EXPECT_EQ(lex("9223372036854775807")[0].int_value, INT64_MAX);
  EXPECT_EQ(lex("0x7fffffffffffffff")[0].int_value, INT64_MAX);
  EXPECT_EQ(lex("0o777777777777777777777")[0].int_value, INT64_MAX);
  EXPECT_EQ(lex("9007199254740991KB")[0].kind, Tok::kInteger);
  for (const char* bad : {"9223372036854775808", "0x8000000000000000",
                          "0o1000000000000000000000", "9007199254740992KB", "8796093022208MB",
                          "99999999999999999999999"}) {
    Lexer lexer(bad, 0);
    EXPECT_EQ(lexer.next().kind, Tok::kError) << bad;
    EXPECT_EQ(lexer.error().code, "E105");
  }
}

TEST(LexerTest, TextEscapes) {
  auto t = lex(R"("a\"b\\c\t\n\r\x41\x7e")");
  ASSERT_EQ(t[0].kind, Tok::kText);
  EXPECT_EQ(t[0].text, "a\"b\\c\t\n\rA~");
  for (const char* bad : {R"("\q")", R"("\x4")", R"("\xZZ")", R"("\)"}) {
    Lexer lexer(bad, 0);
    EXPECT_EQ(lexer.next().kind, Tok::kError) << bad;
  }
}

TEST(LexerTest, LiteralLengthLimit) {
  EXPECT_EQ(lex("\"" + std::string(kMaxLiteralLength, 'a') + "\"")[0].kind, Tok::kText);
  EXPECT_EQ(lex("\"" + std::string(kMaxLiteralLength + 1, 'a') + "\"")[0].kind, Tok::kError);
  EXPECT_EQ(lex("/" + std::string(kMaxLiteralLength, 'a') + "/")[0].kind, Tok::kRegex);
  EXPECT_EQ(lex("/" + std::string(kMaxLiteralLength + 1, 'a') + "/")[0].kind, Tok::kError);
}

TEST(LexerTest, IdentifierLengthLimit) {
  EXPECT_EQ(lex(std::string(128, 'a'))[0].kind, Tok::kIdentifier);
  EXPECT_EQ(lex(std::string(129, 'a'))[0].kind, Tok::kError);
  EXPECT_EQ(lex("$" + std::string(300, 'a'))[0].kind, Tok::kStringId);  // no limit there
}

TEST(LexerTest, Regex) {
  auto t = lex(R"(/a\/b/is /c/i /d/s /e/si)");
  EXPECT_EQ(t[0].text, "a\\/b");
  EXPECT_EQ(t[0].regex_flags, ast::kRegexNocase | ast::kRegexDotAll);
  EXPECT_EQ(t[1].regex_flags, ast::kRegexNocase);
  EXPECT_EQ(t[2].regex_flags, ast::kRegexDotAll);
  EXPECT_EQ(t[3].regex_flags, ast::kRegexDotAll);  // `si`: the `i` is an identifier
  EXPECT_EQ(t[4].kind, Tok::kIdentifier);
  EXPECT_EQ(lex(R"(/a\\/)")[0].text, "a\\\\");
}

TEST(LexerTest, StringReferences) {
  EXPECT_EQ(kinds("$a $ $a* $* #a # @a @ !a ! != !a=="),
            (std::vector<Tok>{Tok::kStringId, Tok::kStringId, Tok::kStringIdWildcard,
                              Tok::kStringIdWildcard, Tok::kStringCount, Tok::kStringCount,
                              Tok::kStringOffset, Tok::kStringOffset, Tok::kStringLength,
                              Tok::kStringLength, Tok::kNe, Tok::kStringLength, Tok::kEq,
                              Tok::kEof}));
}

TEST(LexerTest, KeywordsAndReaders) {
  auto t = lex("rule uint32be uint8x include includes");
  EXPECT_EQ(t[0].kind, Tok::kRule);
  EXPECT_EQ(t[1].kind, Tok::kIntFunction);
  EXPECT_EQ(t[1].reader, ast::IntReader::kUint32be);
  EXPECT_EQ(t[2].kind, Tok::kIdentifier);
  EXPECT_EQ(t[3].kind, Tok::kIdentifier);  // `include` is a directive only before a quote
  EXPECT_EQ(t[4].kind, Tok::kIdentifier);
  auto inc = lex("include \t\"a b.yar\" x");
  EXPECT_EQ(inc[0].kind, Tok::kInclude);
  EXPECT_EQ(inc[0].text, "a b.yar");
  EXPECT_EQ(lex("include\"x\"")[0].kind, Tok::kIdentifier);
}

TEST(LexerTest, HexStrings) {
  auto t = lex("{ 4D 5A } {61 /* c } */ 62} { 61 // c }\n 62 } { x }");
  ASSERT_EQ(t[0].kind, Tok::kHexString);
  EXPECT_EQ(t[0].text, " 4D 5A ");
  ASSERT_EQ(t[1].kind, Tok::kHexString);
  EXPECT_EQ(t[1].text, "61   62");
  ASSERT_EQ(t[2].kind, Tok::kHexString);
  EXPECT_EQ(t[2].text, " 61  \n 62 ");
  EXPECT_EQ(t[3].kind, Tok::kLBrace);  // `x` is not a hex-string character
  // `~` is not part of 4.2.3 hex strings; `{ }` is a (bad) hex string as in yara.
  EXPECT_EQ(lex("{ ~61 }")[0].kind, Tok::kLBrace);
  EXPECT_EQ(lex("{ }")[0].kind, Tok::kHexString);
  EXPECT_EQ(lex("{}")[0].kind, Tok::kLBrace);
}

TEST(LexerTest, CommentsAndOperators) {
  EXPECT_EQ(kinds("a // x\n/* y\n */ b /* never closed"),
            (std::vector<Tok>{Tok::kIdentifier, Tok::kIdentifier, Tok::kEof}));
  EXPECT_EQ(kinds(".. . == = <= << < >= >> > \\ % & | ^ ~ + - * , : [ ] ( ) }"),
            (std::vector<Tok>{Tok::kDotDot, Tok::kDot, Tok::kEq, Tok::kAssign, Tok::kLe,
                              Tok::kShl, Tok::kLt, Tok::kGe, Tok::kShr, Tok::kGt,
                              Tok::kBackslash, Tok::kPercent, Tok::kAmp, Tok::kPipe,
                              Tok::kCaret, Tok::kTilde, Tok::kPlus, Tok::kMinus, Tok::kStar,
                              Tok::kComma, Tok::kColon, Tok::kLBracket, Tok::kRBracket,
                              Tok::kLParen, Tok::kRParen, Tok::kRBrace, Tok::kEof}));
  EXPECT_EQ(kinds(";")[0], Tok::kOther);
  EXPECT_EQ(kinds("\x80")[0], Tok::kError);
}

TEST(LexerTest, LineStarts) {
  EXPECT_EQ(Lexer::line_starts("a\nbc\n\nd"), (std::vector<uint32_t>{0, 2, 5, 6}));
  ast::SourceFile f;
  f.text = "a\nbc\n";
  f.line_starts = Lexer::line_starts(f.text);
  EXPECT_EQ(f.line_col(3), (std::pair<uint32_t, uint32_t>{2, 2}));
}

}  // namespace
}  // namespace yarrow::parse
