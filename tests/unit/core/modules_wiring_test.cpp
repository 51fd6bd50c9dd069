// Modules wired into the compiler, evaluator and scanner: diagnostics for module expressions,
// lazy per-scan loading, console output and -D data in ScanResult, thread sharing, and a few
// answers checked against the reference yara when it is installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "compile/compiled_rules.h"
#include "eval/evaluator.h"
#include "modules/module.h"
#include "test_support.h"

namespace yarrow::test {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct ErrorCase {
  const char* rules;
  const char* code;
  const char* message;
};

TEST(ModulesWiring, ModuleExpressionErrorsUseYarasWording) {
  const ErrorCase cases[] = {
      {"import \"foo\" rule r { condition: true }", "E231", "unknown module \"foo\""},
      {"rule r { condition: pe.is_pe }", "E201", "undefined identifier \"pe\""},
      {"import \"pe\" rule r { condition: pe.foo }", "E222", "invalid field name \"foo\""},
      {"import \"pe\" rule r { condition: pe.sections.name == \"\" }", "E222",
       "\"sections\" is not a structure"},
      {"import \"pe\" rule r { condition: pe.number_of_sections[0] == 1 }", "E222",
       "\"number_of_sections\" is not an array or dictionary"},
      {"import \"pe\" rule r { condition: pe.sections[\"a\"].name == \"\" }", "E222",
       "array indexes must be of integer type"},
      {"import \"pe\" rule r { condition: pe.version_info[1] == \"\" }", "E222",
       "dictionary keys must be of string type"},
      {"import \"pe\" rule r { condition: pe.number_of_sections() }", "E222",
       "\"number_of_sections\" is not a function"},
      {"import \"math\" rule r { condition: math.entropy(0, \"a\") > 1 }", "E222",
       "wrong arguments for function \"entropy\""},
      {"import \"math\" rule r { condition: math.in_range(1, 0.0, 1.0) }", "E222",
       "wrong arguments for function \"in_range\""},
      {"import \"pe\" rule r { condition: pe.sections }", "E222",
       "wrong usage of identifier \"sections\""},
      {"import \"elf\" rule r { condition: for any s in elf.type : (true) }", "E222",
       "identifier \"type\" is not iterable"},
      {"import \"elf\" rule r { condition: for any k, v in elf.sections : (true) }", "E216",
       "iterator for \"sections\" yields a single item on each iteration, but the loop "
       "expects 2"},
      {"import \"pe\" rule r { condition: for any k in pe.version_info : (true) }", "E216",
       "iterator for \"version_info\" yields a key,value pair item on each iteration"},
      {"import \"elf\" rule r { condition: for any s in elf.sections : (s) }", "E222",
       "wrong usage of identifier \"s\""},
  };
  for (const ErrorCase& c : cases) {
    Compiled out = compile(c.rules);
    EXPECT_EQ(out.rules, nullptr) << c.rules;
    const Diagnostic* d = first_error(out.diags);
    ASSERT_NE(d, nullptr) << c.rules;
    EXPECT_EQ(d->code, c.code) << c.rules;
    EXPECT_EQ(d->message, c.message) << c.rules;
    if (auto yara = ask_yara(c.rules, "x")) {
      EXPECT_FALSE(yara->compiled_ok) << c.rules;
    }
  }
}

TEST(ModulesWiring, ModuleValuesAndFunctionsMatchYara) {
  const std::string rules =
      "import \"math\" import \"hash\"\n"
      "rule entropy { condition: math.entropy(0, filesize) > 2.5 }\n"
      "rule md5 { condition: hash.md5(0, 3) == \"900150983cd24fb0d6963f7d28e17f72\" }\n"
      "rule md5_loop { condition: for all i in (1..3) : (hash.md5(0, i) != hash.md5(1, i)) }\n"
      "rule undefined_arg { strings: $z = \"zz\" condition: not defined math.abs(@z[1]) }\n"
      "rule count { condition: math.count(0x61) == 1 }\n"
      "rule mean_bytes { condition: math.MEAN_BYTES == 127.5 }\n";
  const std::string data = "abcdefgh";
  Compiled out = compile(rules);
  ASSERT_NE(out.rules, nullptr);
  const std::set<std::string> expected = {"entropy", "md5", "md5_loop", "undefined_arg", "count",
                                          "mean_bytes"};
  EXPECT_EQ(matching_rules(out.rules, data), expected);
  if (auto yara = ask_yara(rules, data)) {
    ASSERT_TRUE(yara->compiled_ok);
    EXPECT_EQ(yara->rules, expected);
  }
}

TEST(ModulesWiring, ModulesLoadLazilyPerScan) {
  Compiled out = compile(
      "import \"elf\" import \"math\"\n"
      "rule a { condition: filesize > 100 and elf.type == 1 }\n"
      "rule b { condition: math.abs(-1) == 1 }\n");
  ASSERT_NE(out.rules, nullptr);
  const detail::CompiledRules& compiled = out.rules->compiled();
  ASSERT_EQ(compiled.imports, (std::vector<std::string>{"elf", "math"}));
  eval::Evaluator evaluator(compiled);
  std::vector<std::span<const match::Match>> no_matches(compiled.strings.size());
  std::vector<uint8_t> matched;
  const std::string small = "tiny";
  eval::EvalInput input;
  input.data = bytes(small);
  input.filesize = static_cast<int64_t>(small.size());
  input.matches = no_matches;
  ASSERT_EQ(evaluator.run(input, matched), eval::EvalStatus::kOk);
  EXPECT_FALSE(evaluator.module_loaded(0));  // `filesize > 100` short-circuited elf away
  EXPECT_TRUE(evaluator.module_loaded(1));
  EXPECT_EQ(matched, (std::vector<uint8_t>{0, 1}));
  // -D asks for every tree afterwards; it is parsed then.
  const modules::ValueTree& elf = evaluator.module_tree(0);
  EXPECT_TRUE(evaluator.module_loaded(0));
  EXPECT_FALSE(elf.integer(elf.member(modules::ValueTree::kRoot, "type")).has_value());
}

TEST(ModulesWiring, ConsoleLinesAndModuleDataInScanResult) {
  Compiled out = compile(
      "import \"math\" import \"console\"\n"
      "rule a { condition: console.log(\"first\") }\n"
      "rule b { condition: false and console.log(\"skipped\") }\n"
      "rule c { condition: console.log(\"n: \", filesize) }\n");
  ASSERT_NE(out.rules, nullptr);
  const std::string data = "abc";
  {
    Scanner scanner(out.rules);
    ScanResult result;
    ASSERT_EQ(scanner.scan_memory(bytes(data), result), ScanStatus::kOk);
    EXPECT_EQ(result.console, (std::vector<std::string>{"first", "n: 3"}));
    EXPECT_TRUE(result.module_data.empty());
  }
  ScanOptions options;
  options.collect_module_data = true;
  Scanner scanner(out.rules, options);
  ScanResult result;
  ASSERT_EQ(scanner.scan_memory(bytes(data), result), ScanStatus::kOk);
  ASSERT_EQ(result.module_data.size(), 2u);
  const modules::ValueTree math = modules::load_module(*modules::find_module("math"), bytes(data));
  EXPECT_EQ(result.module_data[0], modules::dump_yara(math));
  EXPECT_EQ(result.module_data[1], "console\n");
  // A second scan replaces, never appends.
  ASSERT_EQ(scanner.scan_memory(bytes(data), result), ScanStatus::kOk);
  EXPECT_EQ(result.console.size(), 2u);
  EXPECT_EQ(result.module_data.size(), 2u);
}

TEST(ModulesWiring, ImportsAreScopedByNamespace) {
  Compiler compiler;
  ASSERT_TRUE(compiler.add_source("import \"math\" rule a { condition: math.abs(1) == 1 }", "one"));
  EXPECT_FALSE(compiler.add_source("rule b { condition: math.abs(1) == 1 }", "two"));
  const Diagnostic* d = first_error(compiler.diagnostics());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->message, "undefined identifier \"math\"");
}

TEST(ModulesWiring, RulesWithModulesAreSharedByThreads) {
  const std::string path = "/bin/ls";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no /bin/ls";
  Compiled out = compile(
      "import \"elf\" import \"hash\"\n"
      "rule text { condition: for any s in elf.sections : (s.name == \".text\") }\n"
      "rule symbols { condition: for 3 s in elf.dynsym : (s.name != \"\") }\n"
      "rule digest { condition: hash.sha256(0, filesize) != \"\" }\n");
  ASSERT_NE(out.rules, nullptr);
  std::vector<std::set<std::string>> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      Scanner scanner(out.rules);
      for (int i = 0; i < 5; ++i) {
        ScanResult result;
        if (scanner.scan_file(path, result) != ScanStatus::kOk) return;
        std::set<std::string> names;
        for (const RuleMatch& m : result.rules) names.insert(m.rule->name);
        if (i == 0) seen[t] = names;
        if (names != seen[t]) seen[t] = {"inconsistent"};
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const std::set<std::string> expected = {"text", "symbols", "digest"};
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}

}  // namespace
}  // namespace yarrow::test
