// Compile-time diagnostics: stable codes and positions (line:column of the offending node).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "compile/parse_pipeline.h"
#include "test_support.h"
#include "yarrow/rules_file.h"

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

// CompilerOptions::parallel_build only changes which thread builds what and when: the rules and
// every diagnostic, in order, are those of the one-thread build. The source is parsed on a
// second thread (parallel_parse_min_bytes = 0), with its strings checked there or not: 300
// rules, an include midway, a late import, warnings and errors from the parser, the compiler and
// the string checks (it failed when imports were not handed over, and when a string's check
// diagnostics were taken from a string with the same text but other modifiers).
TEST(Diagnostics, ParallelBuildChangesNothing) {
  const std::string include = ::testing::TempDir() + "/yarrow_parse_ahead_include.yar";
  {
    std::FILE* f = std::fopen(include.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("rule included { strings: $a = \"abc\" condition: $a and undefined_here }\n", f);
    std::fclose(f);
  }
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += "rule r" + std::to_string(i) + " { strings: $a = \"s" + std::to_string(i) +
            "xyz\" $h = { 4D 5A ?? " + std::to_string(10 + i % 90) + " } condition: $a or $h }\n";
    if (i == 40) text += "rule slow { condition: \"\" }\n";  // a warning
    if (i == 60) text += "rule scan { strings: $s = { 00 ?? 00 } $d = /a.*b/ condition: $s or $d }\n";
    if (i == 70) text += "rule scan_nocase { strings: $s = { 00 ?? 00 } $d = /a.*b/i condition: $s or $d }\n";
    if (i == 80) text += "rule mods { strings: $x = \"abc\" xor(1-3) wide ascii $y = \"abcd\" base64 condition: $x and $y }\n";
    if (i == 90) text += "rule early { condition: math.entropy(0, 1) > 1 }\n";  // not imported yet
    if (i == 100) text += "rule bad_regex { strings: $r = /a(b/ condition: $r }\n";
    if (i == 110) text += "rule bad_hex { strings: $h = { 4D 5 } condition: $h }\n";
    if (i == 120) text += "import \"math\"\nrule late { condition: math.entropy(0, 1) >= 0 }\n";
    if (i == 150) text += "include \"" + include + "\"\n";
    if (i == 200) text += "rule r7 { condition: true }\n";  // duplicate
  }
  auto run = [&](bool parallel, bool check_ahead, const std::string& tail) {
    CompilerOptions options;
    options.parallel_build = parallel;
    options.parallel_parse_min_bytes = 0;
    compile::ParsePipeline::always_check_ahead(check_ahead);
    Compiler compiler(options);
    compiler.add_source(text + tail, "default", "ahead.yar");
    compile::ParsePipeline::always_check_ahead(false);
    std::vector<std::string> out;
    for (const Diagnostic& d : compiler.diagnostics()) out.push_back(d.to_string());
    return out;
  };
  for (const std::string tail : {"", "rule broken { condition: ( }\nrule after { condition: true }"}) {
    const std::vector<std::string> one = run(false, false, tail);
    EXPECT_EQ(one, run(true, false, tail));
    EXPECT_EQ(one, run(true, true, tail));
    // W200, W202 x4 (slow hex and regex, twice), E230 x2 (regex, hex), E201 x2, E205 (+ E100)
    EXPECT_GE(one.size(), tail.empty() ? 10u : 11u);
  }
  std::remove(include.c_str());

  // Without errors, the same rules in the same order, and the same compiled rules.
  std::string clean;
  for (int i = 0; i < 200; ++i)
    clean += "rule c" + std::to_string(i) + " : t" + std::to_string(i % 3) +
             " { meta: n = " + std::to_string(i) + " strings: $a = \"q" + std::to_string(i) +
             "\" $b = /q" + std::to_string(i % 7) + "[0-9]+z/ wide condition: $a or $b or c0 }\n";
  std::vector<std::vector<std::string>> names;
  std::vector<std::string> serialized;
  for (int mode = 0; mode < 3; ++mode) {
    CompilerOptions options;
    options.parallel_build = mode > 0;
    options.parallel_parse_min_bytes = 0;
    compile::ParsePipeline::always_check_ahead(mode == 2);
    Compiler compiler(options);
    ASSERT_TRUE(compiler.add_source(clean, "default", "clean.yar"));
    compile::ParsePipeline::always_check_ahead(false);
    std::shared_ptr<const Rules> rules = compiler.build();
    ASSERT_NE(rules, nullptr);
    names.emplace_back();
    for (const RuleInfo& r : rules->rules()) names.back().push_back(r.name + ":" + r.tags[0]);
    serialized.push_back(serialize_rules(*rules));
  }
  EXPECT_EQ(names[0], names[1]);
  EXPECT_EQ(names[0], names[2]);
  EXPECT_EQ(names[0].size(), 200u);
  EXPECT_EQ(serialized[0], serialized[1]);
  EXPECT_EQ(serialized[0], serialized[2]);
}

}  // namespace
}  // namespace yarrow::test
