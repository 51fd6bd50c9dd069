// Declarations: imports, rule flags, tags, meta, strings and modifiers; diagnostics positions.
#include <gtest/gtest.h>

#include "test_util.h"

namespace yarrow::parse::testing {
namespace {

using Kind = ast::Modifier::Kind;

TEST(ParserTest, ImportsAndRuleFlags) {
  Parsed p = parse(
      "import \"pe\"\n"
      "global private rule g : t1 t2 { condition: true }\n"
      "import \"math\"\n"
      "private rule p { condition: true }\n"
      "rule plain { condition: true }\n");
  ASSERT_TRUE(p.ok) << p.first_error();
  ASSERT_EQ(p.unit.imports.size(), 2u);
  EXPECT_EQ(p.unit.imports[0].module, "pe");
  EXPECT_EQ(p.unit.imports[1].module, "math");
  ASSERT_EQ(p.unit.rules.size(), 3u);
  EXPECT_TRUE(p.rule(0).is_global);
  EXPECT_TRUE(p.rule(0).is_private);
  EXPECT_EQ(p.rule(0).tags, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(p.rule(0).tag_spans.size(), 2u);
  EXPECT_FALSE(p.rule(1).is_global);
  EXPECT_TRUE(p.rule(1).is_private);
  EXPECT_EQ(p.rule(2).name, "plain");
  EXPECT_FALSE(p.rule(2).has_strings_section);
  // The rule span runs from the first modifier to the closing brace.
  const std::string& text = p.unit.files[0].text;
  const ast::Span s = p.rule(0).span;
  EXPECT_EQ(text.substr(s.begin, s.end - s.begin),
            "global private rule g : t1 t2 { condition: true }");
  EXPECT_EQ(text.substr(p.rule(0).name_span.begin, 1), "g");
}

TEST(ParserTest, Meta) {
  Parsed p = parse(
      "rule m { meta: s = \"a\\tb\\x41\" i = 10 n = -5 h = -0x10 t = true f = false "
      "condition: true }");
  ASSERT_TRUE(p.ok) << p.first_error();
  const auto& meta = p.rule().meta;
  ASSERT_EQ(meta.size(), 6u);
  EXPECT_EQ(meta[0].type, ast::Meta::Type::kString);
  EXPECT_EQ(meta[0].string_value, "a\tbA");
  EXPECT_EQ(meta[1].integer_value, 10);
  EXPECT_EQ(meta[2].integer_value, -5);
  EXPECT_EQ(meta[3].integer_value, -16);
  EXPECT_EQ(meta[4].type, ast::Meta::Type::kBoolean);
  EXPECT_TRUE(meta[4].bool_value);
  EXPECT_FALSE(meta[5].bool_value);
  EXPECT_EQ(meta[0].key, "s");
}

TEST(ParserTest, StringKinds) {
  Parsed p = parse(
      "rule s { strings:\n"
      "  $t = \"a\\\"b\\\\\" wide\n"
      "  $h = { 4D 5A /* mz */ ?? [2-4] (01 | 02) // tail\n"
      "  }\n"
      "  $r = /ab\\/c[0-9]+/is nocase\n"
      "  $ = \"anon\"\n"
      "condition: all of them }");
  ASSERT_TRUE(p.ok) << p.first_error();
  const auto& s = p.rule().strings;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_TRUE(p.rule().has_strings_section);
  EXPECT_EQ(s[0].id, "$t");
  EXPECT_EQ(s[0].kind, ast::StringDecl::Kind::kText);
  EXPECT_EQ(s[0].value, "a\"b\\");
  EXPECT_EQ(s[1].kind, ast::StringDecl::Kind::kHex);
  EXPECT_EQ(s[1].value.find("mz"), std::string::npos);
  EXPECT_EQ(s[1].value.find("tail"), std::string::npos);
  EXPECT_NE(s[1].value.find("4D 5A"), std::string::npos);
  EXPECT_NE(s[1].value.find("(01 | 02)"), std::string::npos);
  EXPECT_EQ(s[2].kind, ast::StringDecl::Kind::kRegex);
  EXPECT_EQ(s[2].value, "ab\\/c[0-9]+");
  EXPECT_EQ(s[2].regex_flags, ast::kRegexNocase | ast::kRegexDotAll);
  ASSERT_EQ(s[2].modifiers.size(), 1u);
  EXPECT_EQ(s[2].modifiers[0].kind, Kind::kNocase);
  EXPECT_EQ(s[3].id, "$");
  const std::string& text = p.unit.files[0].text;
  EXPECT_EQ(text.substr(s[0].value_span.begin, s[0].value_span.end - s[0].value_span.begin),
            "\"a\\\"b\\\\\"");
  EXPECT_EQ(text.substr(s[0].span.begin, s[0].span.end - s[0].span.begin),
            "$t = \"a\\\"b\\\\\" wide");
}

TEST(ParserTest, XorModifiers) {
  Parsed p = parse(
      "rule x { strings: $a = \"a\" xor $b = \"b\" xor(7) $c = \"c\" xor(0x10-0x20) "
      "condition: all of them }");
  ASSERT_TRUE(p.ok) << p.first_error();
  const auto& s = p.rule().strings;
  EXPECT_EQ(s[0].modifiers[0].xor_min, 0);
  EXPECT_EQ(s[0].modifiers[0].xor_max, 255);
  EXPECT_EQ(s[1].modifiers[0].xor_min, 7);
  EXPECT_EQ(s[1].modifiers[0].xor_max, 7);
  EXPECT_EQ(s[2].modifiers[0].xor_min, 16);
  EXPECT_EQ(s[2].modifiers[0].xor_max, 32);
}

TEST(ParserTest, Base64Modifiers) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  Parsed p = parse("rule b { strings: $a = \"abc\" base64(\"" + alphabet +
                   "\") base64wide(\"" + alphabet + "\") ascii wide $b = \"x\" base64 "
                   "condition: all of them }");
  ASSERT_TRUE(p.ok) << p.first_error();
  const auto& m = p.rule().strings[0].modifiers;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].kind, Kind::kBase64);
  EXPECT_EQ(m[0].alphabet, alphabet);
  EXPECT_EQ(m[1].kind, Kind::kBase64Wide);
  EXPECT_EQ(m[2].kind, Kind::kAscii);
  EXPECT_EQ(m[3].kind, Kind::kWide);
  EXPECT_FALSE(p.rule().strings[1].modifiers[0].alphabet.has_value());
}

struct ErrorCase {
  const char* text;
  const char* code;
  uint32_t line;
  uint32_t column;
  const char* message_part;
};

class ErrorPositionTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorPositionTest, ReportsCodeAndPosition) {
  const ErrorCase& c = GetParam();
  Parsed p = parse(c.text, "f.yar");
  EXPECT_FALSE(p.ok);
  ASSERT_FALSE(p.diags.empty()) << c.text;
  const Diagnostic& d = p.diags[0];
  EXPECT_EQ(d.code, c.code) << c.text << " -> " << d.to_string();
  EXPECT_EQ(d.file, "f.yar");
  EXPECT_EQ(d.line, c.line) << d.to_string();
  EXPECT_EQ(d.column, c.column) << d.to_string();
  EXPECT_NE(d.message.find(c.message_part), std::string::npos) << d.to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Parser, ErrorPositionTest,
    ::testing::Values(
        ErrorCase{"rule a {\n  condition: 1 ==\n}", "E100", 3, 1, "unexpected"},
        ErrorCase{"rule a { condition: true } xyz", "E100", 1, 28, "identifier \"xyz\""},
        ErrorCase{"rule a {\n strings:\n  $a = \"x\\q\" condition: $a }", "E103", 3, 10,
                  "illegal escape sequence"},
        ErrorCase{"rule a { strings: $a = \"abc\n\" condition: $a }", "E102", 1, 24,
                  "unterminated string"},
        ErrorCase{"rule a { condition: /abc\n/ }", "E104", 1, 21,
                  "unterminated regular expression"},
        ErrorCase{"rule a { condition: 9223372036854775808 }", "E105", 1, 21,
                  "integer overflow in \"9223372036854775808\""},
        ErrorCase{"rule a { condition: true } \x01", "E101", 1, 28, "non-ascii character"},
        ErrorCase{"rule a { strings: $a = \"x\" nocase nocase condition: $a }", "E112", 1, 35,
                  "duplicated modifier"},
        ErrorCase{"rule a { strings: $a = \"x\" xor nocase condition: $a }", "E113", 1, 32,
                  "invalid modifier combination: xor nocase"},
        ErrorCase{"rule a { strings: $a = \"x\" xor(300) condition: $a }", "E114", 1, 28,
                  "invalid xor range"},
        ErrorCase{"rule a { strings: $a = \"x\" xor(3-1) condition: $a }", "E115", 1, 28,
                  "xor lower bound exceeds upper bound"},
        ErrorCase{"rule a { strings: $a = \"x\" xor(1-256) condition: $a }", "E116", 1, 28,
                  "upper bound for xor range exceeded (max: 255)"},
        ErrorCase{"rule a { strings: $a = \"x\" base64(\"ab\") condition: $a }", "E117", 1, 28,
                  "length of base64 alphabet must be 64"},
        ErrorCase{"rule a { strings: $a = \"x\" base64 base64wide(\"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "abcdefghijklmnopqrstuvwxyz0123456789-_\") condition: $a }",
                  "E118", 1, 35, "can not specify multiple alphabets"},
        ErrorCase{"rule a { strings: $a = \"\" condition: $a }", "E119", 1, 19,
                  "empty string \"$a\""},
        // yara reports the empty string before the bad combination.
        ErrorCase{"rule a { strings: $a = \"\" xor nocase condition: $a }", "E119", 1, 19,
                  "empty string"}));

TEST(ParserTest, DiagnosticsNameTheRule) {
  Parsed p = parse("rule good { condition: true }\nrule bad { condition: and }");
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).rule, "bad");
  Parsed q = parse("rule 1bad { condition: true }");
  EXPECT_EQ(q.diags.at(0).rule, "");
  Parsed lexical = parse("rule lex { strings: $a = \"\\q\" condition: $a }");
  EXPECT_EQ(lexical.diags.at(0).code, "E103");
  EXPECT_EQ(lexical.diags.at(0).rule, "lex");
}

TEST(ParserTest, AppendsToExistingUnit) {
  ast::Unit unit;
  Diagnostics diags;
  ASSERT_TRUE(parse_source("rule a { condition: 1 == 1 }", "a", {}, unit, diags));
  ASSERT_TRUE(parse_source("rule b { condition: 2 == 2 }", "b", {}, unit, diags));
  ASSERT_EQ(unit.rules.size(), 2u);
  ASSERT_EQ(unit.files.size(), 2u);
  EXPECT_EQ(unit.rules[1].span.file, 1u);
  const ast::Expr& e = unit.at(unit.rules[1].condition);
  EXPECT_EQ(unit.at(e.kids[0]).int_value, 2);
}

TEST(ParserTest, UnreadableFile) {
  ast::Unit unit;
  Diagnostics diags;
  EXPECT_FALSE(parse_file("/nonexistent/dir/x.yar", {}, unit, diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].code, "E121");
  // A directory opens, but is no rule file (it used to read as an empty one).
  EXPECT_FALSE(parse_file(::testing::TempDir(), {}, unit, diags));
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[1].code, "E121");
}

}  // namespace
}  // namespace yarrow::parse::testing
