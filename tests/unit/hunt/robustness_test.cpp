// Damaged logs: random truncations, byte flips and stray quotes in every test log must never
// crash a reader or lose the bookkeeping (every record read is an event or a malformed record).
// Run under the sanitizers (YARROW_SANITIZE) this also checks memory safety on bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "hunt/hunter.h"
#include "yarrow/compiler.h"

namespace yarrow::hunt {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Robustness, MutatedLogsNeverBreakTheReaders) {
  Compiler compiler;
  compiler.add_file(YARROW_SOURCE_DIR "/rules/nkminer_monero.yar");
  auto rules = compiler.build();
  ASSERT_TRUE(rules);
  std::mt19937 rng(1124);
  const char* specials = "\"<>&,{}[]\n\r\\:\0";
  for (const char* name : {"sysmon.xml", "sysmon_wevtutil.xml", "sysmon_winlogbeat.jsonl",
                           "DeviceProcessEvents.csv", "sentinel_defender.jsonl",
                           "sysmon_winlogbeat.jsonl.gz", "sysmon_utf16.xml"}) {
    std::string original = slurp(std::string(YARROW_SOURCE_DIR "/tests/logs/data/") + name);
    ASSERT_FALSE(original.empty()) << name;
    std::string base = original.substr(0, std::min<size_t>(original.size(), 30000));
    for (int round = 0; round < 60; ++round) {
      std::string text = base;
      int edits = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < edits; ++i) {
        size_t at = rng() % text.size();
        switch (rng() % 4) {
          case 0: text[at] = specials[rng() % 14]; break;
          case 1: text.insert(at, 1, specials[rng() % 14]); break;
          case 2: text.erase(at, std::min<size_t>(text.size() - at - 1, rng() % 64)); break;
          case 3: text[at] = static_cast<char>(rng() & 0xff); break;
        }
      }
      if (round % 3 == 0) text.resize(rng() % text.size());
      Hunter hunter(rules, nullptr);
      uint64_t sunk_malformed = 0;
      std::string error;
      hunter.hunt_input(memory_input(text), name, LogFormat::kAuto, [](const HuntFinding&) {},
                        [&](const MalformedRecord& m) {
                          ++sunk_malformed;
                          EXPECT_GE(m.line, 1u);
                        },
                        error);
      EXPECT_EQ(sunk_malformed, hunter.stats().malformed);
    }
  }
}

}  // namespace
}  // namespace yarrow::hunt
