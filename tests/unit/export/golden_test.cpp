// Golden outputs for the project's first detection (rules/nkminer_monero.yar) with its policy
// (policies/nkminer_monero.toml). Regenerate after an intended change with
//   YARROW_UPDATE_GOLDEN=1 ./yarrow_export_tests --gtest_filter='Golden*'
// and review the diff: these files are what SOC teams paste into Sentinel / their Sigma repo.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace yarrow::exporter {
namespace {

const std::string kRoot = YARROW_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = kRoot + "/tests/unit/export/golden/" + name;
  if (std::getenv("YARROW_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected = read(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected) << "output differs from " << path;
}

struct Inputs {
  ast::Unit unit;
  std::optional<PolicySpec> policy;
};

Inputs load() {
  Inputs in;
  Diagnostics diags;
  EXPECT_TRUE(parse::parse_file(kRoot + "/rules/nkminer_monero.yar", parse::ParseOptions{},
                                in.unit, diags));
  in.policy = load_policy_spec(kRoot + "/policies/nkminer_monero.toml", diags);
  EXPECT_TRUE(in.policy.has_value()) << (diags.empty() ? "" : diags[0].to_string());
  for (auto& e : in.policy->exclusions) (void)e;
  in.policy->source_name = "policies/nkminer_monero.toml";  // path-independent output
  return in;
}

KqlOptions kql_options(KqlFlavor flavor, KqlFormat format) {
  KqlOptions o;
  o.flavor = flavor;
  o.format = format;
  o.source_name = "rules/nkminer_monero.yar";
  return o;
}

TEST(Golden, NkminerSentinelKql) {
  Inputs in = load();
  check_golden("nkminer_monero.sentinel.kql",
               export_kql(in.unit, &*in.policy, kql_options(KqlFlavor::kSentinel, KqlFormat::kKql)));
}

TEST(Golden, NkminerDefenderKql) {
  Inputs in = load();
  check_golden("nkminer_monero.defender.kql",
               export_kql(in.unit, &*in.policy, kql_options(KqlFlavor::kDefender, KqlFormat::kKql)));
}

TEST(Golden, NkminerSentinelHuntingYaml) {
  Inputs in = load();
  check_golden("nkminer_monero.sentinel.yaml",
               export_kql(in.unit, &*in.policy, kql_options(KqlFlavor::kSentinel, KqlFormat::kYaml)));
}

TEST(Golden, NkminerSigma) {
  Inputs in = load();
  SigmaOptions o;
  o.date = "2026-11-23";
  o.source_name = "rules/nkminer_monero.yar";
  check_golden("nkminer_monero.sigma.yml", export_sigma(in.unit, &*in.policy, o));
}

TEST(Golden, NkminerQueryKeepsTheAttackVisible) {
  // The attack of policies/nkminer_monero.toml's header: every exclusion must require that only
  // $c (the domain) matched, so rows with the GUID/wallet/drop paths are never filtered out.
  Inputs in = load();
  std::string q = export_kql(in.unit, &*in.policy, kql_options(KqlFlavor::kSentinel, KqlFormat::kKql));
  size_t pos = 0, filters = 0;
  while ((pos = q.find("| where not(", pos)) != std::string::npos) {
    size_t end = q.find('\n', pos);
    std::string line = q.substr(pos, end - pos);
    EXPECT_TRUE(testing::contains(line, "s_c and not((s_a or s_b or s_d or s_e or s_f or s_g))"))
        << line;
    ++filters;
    pos = end;
  }
  EXPECT_GE(filters, 5u);
}

}  // namespace
}  // namespace yarrow::exporter
