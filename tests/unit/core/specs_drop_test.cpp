// Rules compiled without their string specs (CompilerOptions::keep_string_specs = false, what
// `yarrow scan` does) or without their metadata (keep_rule_meta = false, what it does unless
// the metadata is shown): the same scan results, hex strings still known as hex, and a clear
// refusal to save them.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "compile/compiled_rules.h"
#include "test_support.h"
#include "yarrow/rules_file.h"

namespace yarrow::test {
namespace {

constexpr const char* kRules = R"(
rule text { strings: $a = "alpha" wide ascii $b = "beta" nocase condition: any of them }
rule hex { strings: $h = { 61 6C [1-2] 68 61 } $i = { 62 65 74 61 } condition: $h or $i }
rule regex { strings: $r = /g[a-z]mma/ condition: #r == 2 }
rule gated { meta: author = "a" score = 70 strict = true strings: $m = "delta" condition: uint16(0) == 0x5a4d and $m }
)";

std::shared_ptr<const Rules> build(bool keep_specs, bool keep_meta = true) {
  CompilerOptions options;
  options.keep_string_specs = keep_specs;
  options.keep_rule_meta = keep_meta;
  Compiler compiler(options);
  compiler.add_source(kRules, "default", "specs.yar");
  return compiler.build();
}

// Every rule with its strings, hex or not, and their matches.
std::string render(const std::shared_ptr<const Rules>& rules, const std::string& data) {
  const ScanResult result = scan_result(rules, data, true);
  std::ostringstream o;
  for (const RuleMatch& m : result.rules) {
    o << m.rule->name << (m.matched ? " +" : " -") << "\n";
    for (const StringMatches& s : m.strings) {
      o << "  " << s.id << (s.is_hex ? " hex" : "") << ":";
      for (const StringMatch& x : s.matches) o << " " << x.offset << "/" << x.length;
      o << "\n";
    }
  }
  return o.str();
}

TEST(SpecsDrop, SameResultsWithoutTheSpecs) {
  auto kept = build(true);
  auto dropped = build(false);
  ASSERT_NE(kept, nullptr);
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(kept->compiled().specs.size(), 6u);
  EXPECT_TRUE(dropped->compiled().specs.empty());
  const std::string wide_alpha("a\0l\0p\0h\0a\0", 10);
  for (const std::string& data :
       {std::string("MZ alpha BETA alxha gamma gzmma delta beta ") + wide_alpha,
        std::string("ZM alpha gamma delta"), std::string()}) {
    const std::string want = render(kept, data);
    EXPECT_EQ(render(dropped, data), want);
  }
  const std::string got = render(dropped, "MZ alpha alxha beta gamma gzmma delta");
  EXPECT_NE(got.find("  $h hex: 3/5 9/5\n"), std::string::npos) << got;
  EXPECT_NE(got.find("  $i hex: 15/4\n"), std::string::npos) << got;
  EXPECT_NE(got.find("  $a: 3/5"), std::string::npos) << got;
  EXPECT_NE(got.find("gated +"), std::string::npos) << got;
}

// Nothing serialized, no file written, and an error that says why.
void expect_not_saved(const std::shared_ptr<const Rules>& rules, const std::string& file) {
  ASSERT_NE(rules, nullptr);
  EXPECT_TRUE(serialize_rules(*rules).empty());
  const auto path = std::filesystem::temp_directory_path() / file;
  RulesFileError error;
  EXPECT_FALSE(save_rules_file(*rules, path.string(), error));
  EXPECT_NE(error.message.find("without their string specs or metadata and cannot be saved"),
            std::string::npos)
      << error.message;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SpecsDrop, RulesWithoutSpecsAreNotSaved) {
  expect_not_saved(build(false), "yarrow_specs_drop.yrc");
}

// Loaded rules know their hex strings from the stored specs.
TEST(SpecsDrop, LoadedRulesKnowTheirHexStrings) {
  auto kept = build(true);
  ASSERT_NE(kept, nullptr);
  const std::string bytes = serialize_rules(*kept);
  RulesFileError error;
  auto loaded = deserialize_rules({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                  error);
  ASSERT_NE(loaded, nullptr) << error.message;
  const std::string data = "MZ alpha alxha beta gamma gzmma delta";
  EXPECT_EQ(render(loaded, data), render(kept, data));
  EXPECT_NE(render(loaded, data).find("  $h hex:"), std::string::npos);
}

TEST(MetaDrop, SameResultsWithoutTheMetadata) {
  auto kept = build(true);
  auto dropped = build(true, false);
  ASSERT_NE(kept, nullptr);
  ASSERT_NE(dropped, nullptr);
  ASSERT_EQ(kept->rules().size(), 4u);
  EXPECT_EQ(kept->rules()[3].meta.size(), 3u);
  for (const RuleInfo& rule : dropped->rules()) EXPECT_TRUE(rule.meta.empty()) << rule.name;
  EXPECT_EQ(dropped->rules()[3].name, "gated");
  for (const std::string& data : {std::string("MZ alpha BETA alxha gamma gzmma delta beta "),
                                  std::string("ZM delta"), std::string()})
    EXPECT_EQ(render(dropped, data), render(kept, data));
  EXPECT_NE(render(dropped, "MZ delta").find("gated +"), std::string::npos);
}

TEST(MetaDrop, RulesWithoutMetadataAreNotSaved) {
  expect_not_saved(build(true, false), "yarrow_meta_drop.yrc");
  EXPECT_FALSE(serialize_rules(*build(true)).empty());
}

}  // namespace
}  // namespace yarrow::test
