// KQL operator choice per string kind and the translation of conditions and exclusions.
#include "export/kql_tables.h"
#include "test_util.h"

namespace yarrow::exporter {
namespace {

using testing::contains;
using testing::model_of;

std::string query(const std::string& rule, const PolicySpec* policy = nullptr,
                  KqlFlavor flavor = KqlFlavor::kSentinel) {
  KqlOptions o;
  o.flavor = flavor;
  return kql_query(model_of(rule), policy, o);
}

TEST(Kql, OperatorPerCaseAndWordBoundary) {
  std::string q = query(R"(rule r { strings: $a = "Abc" nocase $b = "Abc" $c = "Abc" fullword nocase
                          $d = "Abc" fullword $e = "a.b" fullword condition: any of them })");
  EXPECT_TRUE(contains(q, "yarrow_text contains @\"Abc\""));
  EXPECT_TRUE(contains(q, "yarrow_text contains_cs @\"Abc\""));
  EXPECT_TRUE(contains(q, "yarrow_text has @\"Abc\""));
  EXPECT_TRUE(contains(q, "yarrow_text has_cs @\"Abc\""));
  // `has` only equals fullword for [A-Za-z0-9]+ needles: others use an explicit regex.
  EXPECT_TRUE(contains(q, "yarrow_text matches regex @\"(?:^|[^0-9A-Za-z])a\\.b(?:[^0-9A-Za-z]|$)\""));
}

TEST(Kql, LiteralsSearchTheJoinedColumnsRegexesEachColumn) {
  std::string q = query(R"(rule r { strings: $a = "lit" $b = /^re$/ condition: any of them })");
  EXPECT_TRUE(contains(q, "| extend yarrow_text = strcat_delim(\"\\n\", ProcessCommandLine, FolderPath, "));
  EXPECT_TRUE(contains(q, "s_a = yarrow_text contains_cs @\"lit\""));
  // A YARA regex's anchors refer to one whole field, so it is tested field by field.
  EXPECT_TRUE(contains(q, "s_b = (ProcessCommandLine matches regex @\"^re$\" or FolderPath matches regex"));
  EXPECT_TRUE(contains(q, "s_a = Name contains_cs @\"lit\""));  // DnsEvents: one column, no join
}

TEST(Kql, QuotesAreDoubledInVerbatimStrings) {
  std::string q = query(R"(rule r { strings: $a = "say \"hi\"" condition: $a })");
  EXPECT_TRUE(contains(q, "@\"say \"\"hi\"\"\""));
}

TEST(Kql, ControlCharactersUseEscapedStrings) {
  EXPECT_EQ(kql_string("a\"b\\c"), "@\"a\"\"b\\c\"");
  EXPECT_EQ(kql_string("a\nb\x01\"\\"), "\"a\\nb\\u0001\\\"\\\\\"");
}

TEST(Kql, ConditionShapes) {
  std::string q = query(R"(rule r { strings: $a = "a" $b = "b" $c = "c" condition: 2 of them })");
  EXPECT_TRUE(contains(q, "| where (toint(s_a) + toint(s_b) + toint(s_c) >= 2)"));
  q = query(R"(rule r { strings: $a = "a" $b = "b" condition: $a and not $b })");
  EXPECT_TRUE(contains(q, "| where (s_a and not(s_b))"));
  q = query(R"(rule r { strings: $a = "a" $b = "b" condition: all of them })");
  EXPECT_TRUE(contains(q, "| where (s_a and s_b)"));
}

TEST(Kql, UntranslatedPartsAreComments) {
  std::string q = query(R"(rule r { strings: $a = "a" $h = { 4D ?? 5A } condition: $a and $h at 0 })");
  EXPECT_TRUE(contains(q, "// not translated: $h = { 4D ?? 5A }"));
  EXPECT_TRUE(contains(q, "// not translated: condition `$h at 0`"));
}

TEST(Kql, NothingSearchableGivesExplanationOnly) {
  std::string q = query(R"(rule r { strings: $h = { 4D ?? 5A } condition: $h })");
  EXPECT_TRUE(contains(q, "// no query"));
  EXPECT_FALSE(contains(q, "union"));
}

TEST(Kql, FlavorsPickTimeColumnAndTables) {
  const char* rule = R"(rule r { strings: $a = "a" condition: $a })";
  std::string s = query(rule, nullptr, KqlFlavor::kSentinel);
  std::string d = query(rule, nullptr, KqlFlavor::kDefender);
  EXPECT_TRUE(contains(s, "TimeGenerated > ago(lookback)"));
  EXPECT_TRUE(contains(s, "DnsEvents"));
  EXPECT_TRUE(contains(d, "Timestamp > ago(lookback)"));
  EXPECT_FALSE(contains(d, "let yarrow_DnsEvents"));
}

TEST(Kql, ExclusionBecomesWhereNotOnTablesWithTheColumns) {
  Diagnostics diags;
  auto policy = load_policy_spec_string(R"(
[[exclusion]]
id = "x1"
reason = "admin tools"
rule.name = "r"
source = "process"
process.path_prefix = 'C:\Program Files\'
process.user = "CORP\\admin"
)", "p.toml", diags);
  ASSERT_TRUE(policy) << (diags.empty() ? "" : diags[0].to_string());
  std::string q = query(R"(rule r { strings: $a = "a" condition: $a })", &*policy);
  EXPECT_TRUE(contains(q, "| where not(FolderPath startswith @\"C:\\Program Files\\\" and "
                          "(AccountDomain =~ @\"CORP\" and AccountName =~ @\"admin\"))"));
  EXPECT_TRUE(contains(q, "// exclusions for other sources than file: x1"));
}

TEST(Kql, UnknownFactsKeepFindingsReported) {
  Diagnostics diags;
  auto policy = load_policy_spec_string(R"(
[[exclusion]]
id = "owner"
reason = "r"
source = "file"
file.owner = "alice"
)", "p.toml", diags);
  ASSERT_TRUE(policy);
  std::string q = query(R"(rule r { strings: $a = "a" condition: $a })", &*policy);
  EXPECT_FALSE(contains(q, "| where not("));
  EXPECT_TRUE(contains(q, "'file.owner' has no column in DeviceFileEvents"));
}

TEST(Kql, ExclusionForAnotherRuleIsIgnored) {
  Diagnostics diags;
  auto policy = load_policy_spec_string(
      "[[exclusion]]\nid = \"o\"\nreason = \"r\"\nrule.name = \"other_*\"\nhost = \"h\"\n", "p.toml",
      diags);
  ASSERT_TRUE(policy);
  EXPECT_FALSE(contains(query(R"(rule r { strings: $a = "a" condition: $a })", &*policy), "exclusion o"));
}

TEST(Kql, InvalidPolicyIsRejectedWithPolicyDiagnostics) {
  Diagnostics diags;
  auto policy = load_policy_spec_string("[[exclusion]]\nid = \"o\"\nprocess.nam = \"x\"\n", "p.toml", diags);
  EXPECT_FALSE(policy);
  EXPECT_FALSE(diags.empty());
}

TEST(Kql, GlobToRegex) {
  EXPECT_EQ(glob_to_regex(R"(C:\A\*.exe)", true, true), R"((?i)^C:[\\/]A[\\/][^\\/]*\.exe$)");
  EXPECT_EQ(glob_to_regex("dev-?", false, false), "^dev-.$");
  EXPECT_TRUE(glob_matches("nkminer_*", "nkminer_monero"));
  EXPECT_FALSE(glob_matches("nkminer", "nkminer_monero"));
}

}  // namespace
}  // namespace yarrow::exporter
