// Loading and validation: every problem reported with its position, all of them at once.
#include <gtest/gtest.h>

#include <string>

#include "yarrow/policy.h"

namespace yarrow {
namespace {

struct Loaded {
  std::shared_ptr<const Policy> policy;
  Diagnostics diagnostics;
};

Loaded load(const std::string& text) {
  Loaded out;
  out.policy = Policy::load_string(text, "p.toml", out.diagnostics);
  return out;
}

std::string all(const Diagnostics& d) {
  std::string s;
  for (const Diagnostic& x : d) s += x.to_string() + "\n";
  return s;
}

// The diagnostic at line:column, or nullptr.
const Diagnostic* at(const Diagnostics& d, uint32_t line, uint32_t column) {
  for (const Diagnostic& x : d)
    if (x.line == line && x.column == column) return &x;
  return nullptr;
}

constexpr const char* kMinimal = R"(
[[exclusion]]
id = "ok"
reason = "benign"
rule.name = "r"
)";

TEST(PolicyLoader, MinimalPolicyLoads) {
  Loaded l = load(kMinimal);
  ASSERT_TRUE(l.policy) << all(l.diagnostics);
  EXPECT_TRUE(l.diagnostics.empty()) << all(l.diagnostics);
  ASSERT_EQ(l.policy->exclusions().size(), 1u);
  EXPECT_EQ(l.policy->exclusions()[0].id, "ok");
  EXPECT_EQ(l.policy->exclusions()[0].reason, "benign");
  EXPECT_EQ(l.policy->exclusions()[0].line, 2u);
  EXPECT_EQ(l.policy->source_name(), "p.toml");
}

TEST(PolicyLoader, SyntaxErrorHasPosition) {
  Loaded l = load("version = 1\n[[exclusion]\nid = \"x\"\n");
  EXPECT_FALSE(l.policy);
  ASSERT_EQ(l.diagnostics.size(), 1u);
  EXPECT_EQ(l.diagnostics[0].file, "p.toml");
  EXPECT_EQ(l.diagnostics[0].line, 2u);
  EXPECT_GT(l.diagnostics[0].column, 0u);
  EXPECT_EQ(l.diagnostics[0].to_string().rfind("p.toml:2:", 0), 0u) << all(l.diagnostics);
}

TEST(PolicyLoader, CollectsAllErrorsWithPositions) {
  const std::string text =
      "version = 1\n"                      // 1
      "colour = \"red\"\n"                 // 2 unknown top-level key
      "[groups]\n"                         // 3
      "admins = [\"Administrator\", 7]\n"  // 4 wrong type in list
      "[[exclusion]]\n"                    // 5 missing reason
      "id = \"a\"\n"                       // 6
      "process.nmae = \"x.exe\"\n"         // 7 unknown key
      "[[exclusion]]\n"                    // 8
      "id = \"a\"\n"                       // 9 duplicate id
      "reason = \"r\"\n"                   // 10
      "rule.name = \"[abc\"\n"             // 11 bad glob
      "time.zone = \"UTC\"\n"              // 12
      "time.hours = \"25:00-06:00\"\n"     // 13 bad time
      "[[exclusion]]\n"                    // 14
      "id = \"c\"\n"                       // 15
      "reason = \"\"\n"                    // 16 empty reason
      "process.elevated = \"yes\"\n"       // 17 wrong type
      "process.user = \"@nobody\"\n"       // 18 unknown group
      "file.path = 'C:\\a\\**x'\n";        // 19 bad path glob
  Loaded l = load(text);
  EXPECT_FALSE(l.policy);
  const std::string s = all(l.diagnostics);
  auto expect = [&](uint32_t line, uint32_t column, const std::string& fragment) {
    const Diagnostic* d = at(l.diagnostics, line, column);
    ASSERT_NE(d, nullptr) << "nothing at " << line << ":" << column << "\n" << s;
    EXPECT_EQ(d->severity, Severity::kError);
    EXPECT_NE(d->message.find(fragment), std::string::npos) << d->to_string();
  };
  expect(2, 1, "unknown top-level key 'colour'");
  expect(4, 28, "must contain only strings");
  expect(5, 1, "without 'reason'");
  expect(7, 9, "unknown key 'process.nmae'");
  expect(9, 6, "duplicate exclusion id \"a\" (first defined at line 5)");
  expect(11, 13, "unterminated '['");
  expect(13, 14, "bad time range");
  expect(16, 10, "'reason' must not be empty");
  expect(17, 20, "'process.elevated' must be a boolean");
  expect(18, 16, "unknown user group 'nobody'");
  expect(19, 13, "whole path component");
  // In file order, formatted as file:line:column: error: message.
  for (size_t i = 1; i < l.diagnostics.size(); ++i)
    EXPECT_LE(l.diagnostics[i - 1].line, l.diagnostics[i].line);
  EXPECT_EQ(l.diagnostics[0].to_string().rfind("p.toml:2:1: error: ", 0), 0u) << s;
}

TEST(PolicyLoader, WrongTypes) {
  Loaded l = load(R"([[exclusion]]
id = 5
reason = "r"
process = "x"
network.remote_port = [22, 70000, "9-1", true]
source = ["file", "registry"]
)");
  EXPECT_FALSE(l.policy);
  const std::string s = all(l.diagnostics);
  EXPECT_NE(s.find("p.toml:2:6: error: 'id' must be a string, not an integer"), std::string::npos)
      << s;
  EXPECT_NE(s.find("p.toml:4:11: error: 'process' must be a table, not a string"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("70000 is not a port"), std::string::npos) << s;
  EXPECT_NE(s.find("reversed port range"), std::string::npos) << s;
  EXPECT_NE(s.find("not a boolean"), std::string::npos) << s;
  EXPECT_NE(s.find("unknown value \"registry\" in 'source'"), std::string::npos) << s;
}

TEST(PolicyLoader, TimeValidation) {
  Loaded l = load(R"([[exclusion]]
id = "t"
reason = "r"
rule.name = "x"
time.days = ["mon", "funday"]
time.hours = ["22:00-22:00", "7:00-08:00", "23:00-24:00"]
time.zone = "Europe/Paris"
[[exclusion]]
id = "u"
reason = "r"
rule.name = "x"
time.hours = "22:00-06:00"
)");
  EXPECT_FALSE(l.policy);
  const std::string s = all(l.diagnostics);
  EXPECT_NE(s.find("p.toml:5:21: error: bad day in 'time.days': \"funday\""), std::string::npos)
      << s;
  EXPECT_NE(
      s.find(
          "p.toml:6:15: error: bad time range in 'time.hours': \"22:00-22:00\" is an empty range"),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("\"7:00-08:00\" is not HH:MM-HH:MM"), std::string::npos) << s;
  EXPECT_EQ(s.find("23:00-24:00"), std::string::npos) << s;  // 24:00 is a valid end
  EXPECT_NE(s.find("named zones like Europe/Paris are not supported"), std::string::npos) << s;
  EXPECT_NE(s.find("'time' needs an explicit 'zone'"), std::string::npos) << s;
}

TEST(PolicyLoader, ExclusionWithoutConditionsIsAnError) {
  Loaded l = load("[[exclusion]]\nid = \"all\"\nreason = \"r\"\n");
  EXPECT_FALSE(l.policy);
  EXPECT_NE(all(l.diagnostics).find("p.toml:1:1: error: exclusion \"all\" has no conditions"),
            std::string::npos)
      << all(l.diagnostics);
}

TEST(PolicyLoader, MissingIdAndBadValues) {
  Loaded l = load(R"([[exclusion]]
reason = "r"
rule.name = "x"
download.domain = "*.github.com"
download.url = "github.com/x"
network.protocol = "t*s"
file.path_prefix = 'C:\Program Files\*'
groups = 3
)");
  EXPECT_FALSE(l.policy);
  const std::string s = all(l.diagnostics);
  EXPECT_NE(s.find("p.toml:1:1: error: exclusion without 'id'"), std::string::npos) << s;
  EXPECT_NE(s.find("already matches its subdomains"), std::string::npos) << s;
  EXPECT_NE(s.find("is not an absolute URL"), std::string::npos) << s;
  EXPECT_NE(s.find("bad protocol \"t*s\""), std::string::npos) << s;
  EXPECT_NE(s.find("takes literal directories"), std::string::npos) << s;
  EXPECT_NE(s.find("unknown key 'groups' in exclusion"), std::string::npos) << s;
}

TEST(PolicyLoader, EmptyListsAndNestedGroups) {
  Loaded l = load(R"([groups]
a = ["x"]
b = ["@a"]
[[exclusion]]
id = "e"
reason = "r"
rule.name = []
)");
  EXPECT_FALSE(l.policy);
  const std::string s = all(l.diagnostics);
  EXPECT_NE(s.find("groups cannot contain groups"), std::string::npos) << s;
  EXPECT_NE(s.find("'rule.name' is an empty list"), std::string::npos) << s;
}

TEST(PolicyLoader, WarnsWhenNoRuleScope) {
  Loaded l = load("[[exclusion]]\nid = \"h\"\nreason = \"r\"\nhost = \"build-*\"\n");
  ASSERT_TRUE(l.policy) << all(l.diagnostics);
  ASSERT_EQ(l.diagnostics.size(), 1u);
  EXPECT_EQ(l.diagnostics[0].severity, Severity::kWarning);
  EXPECT_NE(l.diagnostics[0].message.find("applies to every rule"), std::string::npos);
}

TEST(PolicyLoader, UnsupportedVersion) {
  Loaded l = load(std::string("version = 2\n") + kMinimal);
  EXPECT_FALSE(l.policy);
  EXPECT_NE(all(l.diagnostics).find("p.toml:1:11: error: unsupported policy 'version'"),
            std::string::npos)
      << all(l.diagnostics);
}

TEST(PolicyLoader, MissingFile) {
  Diagnostics d;
  EXPECT_FALSE(Policy::load_file("/nonexistent/policy.toml", d));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].to_string(), "/nonexistent/policy.toml: error: cannot read policy file");
}

TEST(PolicyLoader, ShippedPolicyLoadsCleanly) {
  Diagnostics d;
  auto policy = Policy::load_file(YARROW_POLICY_DIR "/nkminer_monero.toml", d);
  ASSERT_TRUE(policy) << all(d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_GE(policy->exclusions().size(), 5u);
}

}  // namespace
}  // namespace yarrow
