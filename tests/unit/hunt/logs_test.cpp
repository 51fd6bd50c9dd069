// `hunt` over the generated test logs (tests/logs/gen_logs.py) with the shipped rule and policy:
// in every format, exactly the attack's events are reported, each benign scenario is suppressed
// by its own exclusion, nothing else is found, and malformed records are reported at the lines
// the generator wrote them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "hunt/hunter.h"
#include "yarrow/compiler.h"

namespace yarrow::hunt {
namespace {

const std::string kData = YARROW_SOURCE_DIR "/tests/logs/data/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shipped policy, unchanged: its exclusions cover events (`source = [..., "event"]`).
std::string shipped_policy() { return slurp(YARROW_SOURCE_DIR "/policies/nkminer_monero.toml"); }

struct Seen {
  std::vector<std::tuple<uint64_t, std::string, std::string>> findings;  // line, disp, exclusion
  std::vector<uint64_t> malformed;
  uint64_t events = 0;
};

class Logs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Compiler compiler;
    compiler.add_file(YARROW_SOURCE_DIR "/rules/nkminer_monero.yar");
    ASSERT_FALSE(compiler.has_errors());
    rules_ = compiler.build();
    Diagnostics d;
    policy_ = Policy::load_string(shipped_policy(), "nkminer_monero.toml", d);
    ASSERT_TRUE(policy_) << (d.empty() ? "" : d[0].to_string());
    expected_ = nlohmann::json::parse(slurp(kData + "expected.json"));
  }

  // Hunts `files` in order with one Hunter (signer facts carry over), per-file results.
  static std::map<std::string, Seen> hunt(const std::vector<std::string>& files) {
    Hunter hunter(rules_, policy_);
    std::map<std::string, Seen> seen;
    for (const auto& name : files) {
      Seen& s = seen[name];
      uint64_t before = hunter.stats().events;
      std::string error;
      bool ok = hunter.hunt_file(
          kData + name, LogFormat::kAuto,
          [&](const HuntFinding& f) {
            s.findings.emplace_back(f.line, to_string(f.finding.disposition),
                                    f.finding.suppression ? f.finding.suppression->id : "");
          },
          [&](const MalformedRecord& m) { s.malformed.push_back(m.line); }, error);
      EXPECT_TRUE(ok) << name << ": " << error;
      s.events = hunter.stats().events - before;
    }
    return seen;
  }

  static void check(const std::string& name, const Seen& seen) {
    SCOPED_TRACE(name);
    const auto& exp = expected_.at(name);
    EXPECT_EQ(seen.events, exp.at("events").get<uint64_t>());
    EXPECT_EQ(seen.malformed, exp.at("malformed").get<std::vector<uint64_t>>());
    std::vector<std::tuple<uint64_t, std::string, std::string>> want;
    for (const auto& f : exp.at("findings"))
      want.emplace_back(f.at("line").get<uint64_t>(), f.at("disposition").get<std::string>(),
                        f.at("exclusion").is_null() ? "" : f.at("exclusion").get<std::string>());
    EXPECT_EQ(seen.findings, want);
  }

  static inline std::shared_ptr<const Rules> rules_;
  static inline std::shared_ptr<const Policy> policy_;
  static inline nlohmann::json expected_;
};

TEST_F(Logs, EveryFormatOnItsOwn) {
  for (const char* name : {"sysmon.xml", "sysmon_wevtutil.xml", "sysmon_utf16.xml",
                           "sysmon_winlogbeat.jsonl", "sysmon_winlogbeat.jsonl.gz", "sysmon_nxlog.jsonl",
                           "sentinel_defender.jsonl", "sentinel_defender_array.json",
                           "DeviceProcessEvents.csv",
                           "DeviceProcessEvents.csv.gz", "DeviceFileEvents.csv", "DeviceEvents.csv",
                           "DnsEvents.csv"}) {
    auto seen = hunt({name});
    check(name, seen[name]);
  }
}

TEST_F(Logs, DefenderTablesTogether) {
  // Certificate info first, as a directory listing orders them: the TeamViewer connection in
  // DeviceNetworkEvents needs the signer DeviceFileCertificateInfo records.
  std::vector<std::string> files = {"DeviceEvents.csv", "DeviceFileCertificateInfo.csv",
                                    "DeviceFileEvents.csv", "DeviceNetworkEvents.csv",
                                    "DeviceProcessEvents.csv", "DnsEvents.csv"};
  auto seen = hunt(files);
  for (const auto& name : files) check(name, seen[name]);
}

TEST_F(Logs, EveryScenarioIsCoveredInEveryFormat) {
  // Guards the generator: each full-story log carries the attack and all five scenarios.
  for (const char* name : {"sysmon.xml", "sysmon_wevtutil.xml", "sysmon_winlogbeat.jsonl",
                           "sysmon_nxlog.jsonl", "sentinel_defender.jsonl",
                           "sentinel_defender_array.json"}) {
    std::set<std::string> exclusions;
    int reported = 0;
    for (const auto& f : expected_.at(name).at("findings")) {
      if (f.at("disposition") == "reported") ++reported;
      else exclusions.insert(f.at("exclusion").get<std::string>());
    }
    EXPECT_EQ(reported, 6) << name;
    EXPECT_EQ(exclusions, (std::set<std::string>{"s1-admin-package-process", "s2-altiris-agent",
                                                 "s2-scheduled-offhours-patch",
                                                 "s3-devtools-process", "s4-remote-management-tool",
                                                 "s5-vetted-open-source-download"}))
        << name;
  }
}

}  // namespace
}  // namespace yarrow::hunt
