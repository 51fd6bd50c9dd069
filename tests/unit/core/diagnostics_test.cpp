// Compile-time diagnostics: stable codes and positions (line:column of the offending node).
#include <gtest/gtest.h>

#include "test_support.h"

namespace yarrow::test {
namespace {

struct DiagCase {
  const char* text;
  const char* code;
  uint32_t line;
  uint32_t column;  // 0: not checked
};

class DiagnosticTest : public ::testing::TestWithParam<DiagCase> {};

TEST_P(DiagnosticTest, CodeAndPosition) {
  const DiagCase& c = GetParam();
  Compiled out = compile(c.text);
  EXPECT_EQ(out.rules, nullptr);
  const Diagnostic* d = first_error(out.diags);
  ASSERT_NE(d, nullptr) << c.text;
  EXPECT_EQ(d->code, c.code) << d->to_string();
  EXPECT_EQ(d->line, c.line) << d->to_string();
  if (c.column) {
    EXPECT_EQ(d->column, c.column) << d->to_string();
  }
  EXPECT_EQ(d->file, "test.yar");
  EXPECT_FALSE(d->message.empty());
  EXPECT_NE(d->message.back(), '.');
}

INSTANTIATE_TEST_SUITE_P(
    Core, DiagnosticTest,
    ::testing::Values(
        DiagCase{"rule a {\n  condition:\n    foo\n}", "E201", 3, 5},
        DiagCase{"rule a {\n strings:\n  $a = \"x\"\n  $b = \"y\"\n condition:\n  $a\n}", "E203", 4, 3},
        DiagCase{"rule a { condition:\n $b }", "E202", 2, 2},
        DiagCase{"rule a { strings: $a = \"x\" condition: $ }", "E204", 1, 0},
        DiagCase{"rule a { condition: true }\nrule a { condition: true }", "E205", 2, 6},
        DiagCase{"rule a { strings: $a = \"x\"\n $a = \"y\" condition: all of them }", "E206", 2, 2},
        DiagCase{"rule a : t u t { condition: true }", "E207", 1, 0},
        DiagCase{"rule a { condition: 1 + \"x\" }", "E208", 1, 0},
        DiagCase{"rule a { condition:\n ~1.5 }", "E209", 2, 0},
        DiagCase{"rule a { condition: 1 \\ (2 - 2) }", "E210", 1, 0},
        DiagCase{"rule a { condition: 0x7fffffffffffffff + 1 }", "E211", 1, 0},
        DiagCase{"rule a { strings: $a = \"x\" condition: 0% of them }", "E213", 1, 0},
        DiagCase{"rule a { strings: $a = \"x\" condition: $a in (0..1.5) }", "E214", 1, 0},
        DiagCase{"rule a { condition: for any i in (1, 2.5) : (i) }", "E215", 1, 0},
        DiagCase{"rule a { condition: for any i, j in (1..2) : (i) }", "E216", 1, 0},
        DiagCase{"rule a { condition: for any i in (1..2) : (for any i in (1..2) : (i)) }", "E217", 1, 0},
        DiagCase{"rule a { strings: $a = \"x\" condition: for any of them : (for any of them : ($)) }",
                 "E218", 1, 0},
        DiagCase{"rule a { condition: for any i in (1..2) : (for any j in (1..2) : (for any k in "
                 "(1..2) : (for any l in (1..2) : (for any m in (1..2) : (true))))) }",
                 "E219", 1, 0},
        DiagCase{"import \"nope\"\nrule a { condition: true }", "E231", 1, 1},
        DiagCase{"import \"cuckoo\"\nrule a { condition: true }", "E232", 1, 1},
        DiagCase{"rule a { condition: 1 << -1 }", "E212", 1, 0},
        DiagCase{"rule r1 { condition: true }\nrule x { condition: any of (r*) }\n"
                 "rule r2 { condition: true }",
                 "E236", 3, 6},
        DiagCase{"rule a { condition: pe.x == 1 }", "E201", 1, 21}));

TEST(Diagnostics, WarningsDoNotFail) {
  Compiled out = compile("rule a { condition: \"\" }");
  ASSERT_NE(out.rules, nullptr);
  ASSERT_EQ(out.diags.size(), 1u);
  EXPECT_EQ(out.diags[0].severity, Severity::kWarning);
  EXPECT_EQ(out.diags[0].code, "W200");
  EXPECT_EQ(out.diags[0].rule, "a");
}

TEST(Diagnostics, LaterRulesStillChecked) {
  Compiled out = compile("rule a { condition: x }\nrule b { condition: y }");
  int errors = 0;
  for (const Diagnostic& d : out.diags) errors += d.severity == Severity::kError;
  EXPECT_EQ(errors, 2);
}

// Rules are compiled as they are parsed, as by yara's one-pass compiler: the errors of rules
// above a syntax error are reported too, in source order.
TEST(Diagnostics, ErrorsComeInSourceOrder) {
  Compiled out = compile("rule a { condition: x }\nrule b { condition: y }\nrule c { condition: ( }");
  std::vector<std::pair<std::string, uint32_t>> errors;
  for (const Diagnostic& d : out.diags)
    if (d.severity == Severity::kError) errors.emplace_back(d.code, d.line);
  const std::vector<std::pair<std::string, uint32_t>> expected = {
      {"E201", 1}, {"E201", 2}, {"E100", 3}};
  EXPECT_EQ(errors, expected);
  EXPECT_EQ(out.rules, nullptr);
}

// A module is known to the rules below its import only (yara: undefined identifier).
TEST(Diagnostics, ImportsApplyBelowThemOnly) {
  Compiled late = compile("rule a { condition: pe.is_pe }\nimport \"pe\"\nrule b { condition: pe.is_pe }");
  const Diagnostic* d = first_error(late.diags);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "E201");
  EXPECT_EQ(d->line, 1u);
  EXPECT_EQ(late.rules, nullptr);
  Compiled early = compile("import \"pe\"\nrule a { condition: pe.is_pe }\nimport \"math\"");
  EXPECT_NE(early.rules, nullptr);
  Compiled unknown_last = compile("rule a { condition: true }\nimport \"nope\"");
  d = first_error(unknown_last.diags);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "E231");
  EXPECT_EQ(d->line, 2u);
}

TEST(Diagnostics, RuleReferencesFollowNamespaces) {
  Compiler compiler;
  EXPECT_TRUE(compiler.add_source("rule p { condition: true }", "one", "p.yar"));
  EXPECT_TRUE(compiler.add_source("rule q { condition: p }", "one", "q.yar"));
  EXPECT_FALSE(compiler.add_source("rule r { condition: p }", "two", "r.yar"));
  const Diagnostic* d = first_error(compiler.diagnostics());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "E201");
  EXPECT_EQ(d->file, "r.yar");
  EXPECT_EQ(compiler.build(), nullptr);
}

TEST(Diagnostics, ExternalsMustBeUnique) {
  Compiler compiler;
  EXPECT_TRUE(compiler.define_external("x", int64_t{1}));
  EXPECT_FALSE(compiler.define_external("x", int64_t{2}));
  EXPECT_FALSE(compiler.add_source("rule x { condition: true }"));
}

}  // namespace
}  // namespace yarrow::test
