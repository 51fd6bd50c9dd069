// Sigma modifiers per string kind, condition shapes and exclusion filters.
#include "test_util.h"

namespace yarrow::exporter {
namespace {

using testing::contains;
using testing::model_of;

std::string sigma(const std::string& rule, const PolicySpec* policy = nullptr) {
  SigmaOptions o;
  o.date = "2026-01-02";
  return sigma_rules(model_of(rule), policy, o);
}

TEST(Sigma, ModifiersPerStringKind) {
  std::string y = sigma(R"(rule r { strings: $a = "Ab*c" nocase $b = "Abc" $c = "abc" fullword nocase
                          $d = /x+y/ $e = "hi" base64 condition: any of them })");
  EXPECT_TRUE(contains(y, "CommandLine|contains:\n        - 'Ab\\*c'"));
  EXPECT_TRUE(contains(y, "CommandLine|contains|cased:\n        - 'Abc'"));
  EXPECT_TRUE(contains(y, "CommandLine|re|i:"));
  EXPECT_TRUE(contains(y, "CommandLine|re:\n        - 'x+y'"));
  // base64 of "hi": only the characters fully determined by the text, per alignment.
  EXPECT_TRUE(contains(y, "CommandLine|contains|cased:\n        - 'aG'\n        - 'hp'\n        - 'oa'"));
  EXPECT_TRUE(contains(y, "condition: 1 of sel_*"));
}

TEST(Sigma, TrailingBackslashIsEscaped) {
  std::string y = sigma(R"(rule r { strings: $a = "C:\\dir\\" condition: $a })");
  EXPECT_TRUE(contains(y, "- 'C:\\dir\\\\'"));
}

TEST(Sigma, OneRulePerCategoryWithDistinctIds) {
  std::string y = sigma(R"(rule r { strings: $a = "a" condition: $a })");
  for (const char* c : {"process_creation", "file_event", "network_connection", "dns_query"})
    EXPECT_TRUE(contains(y, std::string("category: ") + c)) << c;
  EXPECT_TRUE(contains(y, "id: " + stable_uuid("sigma:process_creation:r")));
  EXPECT_TRUE(contains(y, "date: 2026-01-02"));
}

TEST(Sigma, NofMSpelledOutAsCombinations) {
  std::string y = sigma(R"(rule r { strings: $a = "a" $b = "b" $c = "c" condition: 2 of them })");
  EXPECT_TRUE(contains(y, "condition: ((sel_a and sel_b) or (sel_a and sel_c) or (sel_b and sel_c))"));
}

TEST(Sigma, ExclusionsBecomeFiltersAndFalsePositives) {
  Diagnostics diags;
  auto policy = load_policy_spec_string(R"(
[[exclusion]]
id = "s1-admin"
reason = "Admin package"
rule.name = "r"
rule.strings_only = "$b"
source = "process"
process.path_prefix = 'C:\Program Files\'
)", "p.toml", diags);
  ASSERT_TRUE(policy);
  std::string y = sigma(R"(rule r { strings: $a = "a" $b = "b" condition: any of them })", &*policy);
  EXPECT_TRUE(contains(y, "filter_s1_admin:\n    Image|startswith:\n      - 'C:\\Program Files\\\\'"));
  EXPECT_TRUE(contains(y, "condition: 1 of sel_* and not (filter_s1_admin and sel_b and not sel_a)"));
  EXPECT_TRUE(contains(y, "falsepositives:\n  - 'Admin package'"));
  EXPECT_TRUE(contains(y, "# exclusions for other sources than file: s1-admin"));
}

TEST(Sigma, AttackTagsFromMetaOrKeywords) {
  std::string y = sigma(R"(rule r { meta: mitre_attack = "T1059.001" tactic = "CommandAndControl"
                          strings: $a = "a" condition: $a })");
  EXPECT_TRUE(contains(y, "  - attack.command-and-control\n  - attack.t1059.001"));
  y = sigma(R"(rule monero_miner { strings: $a = "a" condition: $a })");
  EXPECT_TRUE(contains(y, "  - attack.impact\n  - attack.t1496"));
}

}  // namespace
}  // namespace yarrow::exporter
