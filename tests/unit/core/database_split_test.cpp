// A partition's patterns dealt out among several Vectorscan databases
// (CompilerOptions::max_database_patterns): every result must be the one a single database per
// partition gives, for every kind of string, for strings that share a pattern, for chained hex
// strings whose atomless pieces run along the first database's hits, for gated partitions, and
// for rules loaded back from a compiled file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <sstream>

#include "compile/compiled_rules.h"
#include "match/pattern_set.h"
#include "match/pattern_set_impl.h"
#include "test_support.h"
#include "yarrow/rules_file.h"

namespace yarrow::test {
namespace {

std::string ruleset() {
  std::ostringstream r;
  // Text strings of every encoding; the nocase, wide and xor ones give several patterns each.
  for (int i = 0; i < 24; ++i) {
    r << "rule text" << i << " { strings: ";
    for (int k = 0; k < 8; ++k) {
      r << "$t" << k << " = \"tok" << i << "_" << k << "_word\"";
      switch ((i + k) % 5) {
        case 0: r << " ascii wide"; break;
        case 1: r << " nocase"; break;
        case 2: r << " xor(1-2)"; break;
        case 3: r << " wide"; break;
        default: break;
      }
      r << " ";
    }
    r << "condition: " << (i % 3 == 0 ? "any" : "2") << " of them }\n";
  }
  // Different strings with one pattern (a fullword twin, and short strings equal to windows):
  // their group ties them to one database.
  r << "rule twin_a { strings: $a = \"xyzw1234\" condition: $a }\n";
  r << "rule twin_b { strings: $a = \"xyzw1234\" fullword $b = \"tok3_3_word\" condition: $a or #b > 1 }\n";
  // Chained hex strings with atomless pieces, hex with alternatives and jumps, regexes, base64.
  r << "rule chained_a { strings: $h = { 61 62 63 64 [250-300] ?? ?? } condition: $h }\n";
  r << "rule chained_b { strings: $h = { ?? ?? [250-300] 71 72 73 74 } condition: #h > 2 }\n";
  r << "rule chained_c { strings: $h = { 41 42 43 44 [250-300] 3? 3? } condition: $h }\n";
  r << "rule atomless { strings: $r = /[0-9a-f]{12}/ condition: #r > 1 }\n";
  for (int i = 0; i < 6; ++i) {
    r << "rule hex" << i << " { strings: $h = { 4" << i << " 5? ( 66 6F | 6F 66 ) [1-4] 7" << i
      << " 7" << i << " 7" << i << " } $r = /tok" << i << "_[0-7]_wor[a-d]/ $b = \"base" << i
      << "sixtyfour\" base64 condition: any of them }\n";
  }
  // MZ-gated rules: a partition of their own.
  for (int i = 0; i < 30; ++i) {
    r << "rule mz" << i << " { strings: ";
    for (int k = 0; k < 20; ++k) r << "$s" << k << " = \"mz_token_" << i << "_" << k << "\" ";
    r << "condition: uint16(0) == 0x5a4d and " << (i % 2 ? "any" : "2") << " of them }\n";
  }
  return r.str();
}

std::string wide(const std::string& s) {
  std::string w;
  for (char c : s) {
    w += c;
    w += '\0';
  }
  return w;
}

// Random bytes with the rules' tokens planted, in every encoding.
std::string target(uint32_t seed, const std::string& head) {
  std::mt19937 rng(seed);
  std::string out = head;
  auto noise = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) out += static_cast<char>(rng() % 256);
  };
  noise(64);
  for (int i = 0; i < 24; ++i) {
    const std::string tok = "tok" + std::to_string(i) + "_" + std::to_string(rng() % 8) + "_word";
    switch (rng() % 4) {
      case 0: out += tok; break;
      case 1: out += wide(tok); break;
      case 2: {
        std::string upper = tok;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += upper;
        break;
      }
      default: {
        const char key = static_cast<char>(1 + rng() % 2);
        for (char c : tok) out += static_cast<char>(c ^ key);
      }
    }
    noise(rng() % 16);
  }
  out += " xyzw1234 zxyzw1234z tok3_3_word tok3_3_word abcd";
  out += std::string(260, '.') + "123 qrst" + std::string(255, '-') + "45 ABCD";
  out += std::string(270, '_') + "067";
  out += "0123456789abcdef 0123456789abcdef AP foof\x01\x01q qqq tok2_5_word ";
  out += "YmFzZTJzaXh0eWZvdX ";  // base2sixtyfou..., base64 of "base2sixtyfour" at offset 0
  for (int i = 0; i < 30; i += 4) out += " mz_token_" + std::to_string(i) + "_1 mz_token_" + std::to_string(i) + "_2";
  noise(128);
  return out;
}

std::shared_ptr<const Rules> build(size_t max_database_patterns) {
  CompilerOptions options;
  options.max_database_patterns = max_database_patterns;
  Compiler compiler(options);
  compiler.add_source(ruleset(), "default", "split.yar");
  auto rules = compiler.build();
  for (const Diagnostic& d : compiler.diagnostics())
    EXPECT_NE(d.severity, Severity::kError) << d.message;
  return rules;
}

TEST(DatabaseSplit, LargePartitionsGetSeveralDatabases) {
  auto whole = build(0);
  auto split = build(40);
  ASSERT_NE(whole, nullptr);
  ASSERT_NE(split, nullptr);
  const match::PatternSet& one = *whole->compiled().patterns;
  const match::PatternSet& many = *split->compiled().patterns;
  EXPECT_EQ(one.partition_count(), 2u);  // everything else, and the MZ-gated strings
  EXPECT_EQ(one.database_count(), 2u);
  EXPECT_EQ(many.partition_count(), 2u);
  // Hundreds of patterns in each partition, about 40 to a database, whole strings at a time
  // (strings whose 8-byte windows coincide go together).
  EXPECT_GT(many.database_count(), 6u);
  EXPECT_GT(build(1)->compiled().patterns->database_count(), many.database_count());
  const auto& partition = many.impl().db_partition;
  EXPECT_TRUE(std::is_sorted(partition.begin(), partition.end()));
  EXPECT_EQ(partition.front(), 0);
  EXPECT_EQ(partition.back(), 1);
}

TEST(DatabaseSplit, ResultsAreThoseOfOneDatabasePerPartition) {
  auto whole = build(0);
  ASSERT_NE(whole, nullptr);
  for (size_t cap : {size_t{1}, size_t{7}, size_t{40}, size_t{500}}) {
    auto split = build(cap);
    ASSERT_NE(split, nullptr);
    RulesFileError error;
    const std::string bytes = serialize_rules(*split);
    auto loaded = deserialize_rules({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                    error);
    ASSERT_NE(loaded, nullptr) << error.message;
    EXPECT_EQ(loaded->compiled().patterns->database_count(),
              split->compiled().patterns->database_count());
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      for (const std::string head : {"MZ\x90", "ZM"}) {
        const std::string data = target(seed, head);
        for (bool non_matching : {false, true}) {
          const std::string want = scan_rendered(whole, data, non_matching);
          EXPECT_EQ(scan_rendered(split, data, non_matching), want) << "cap " << cap << " seed " << seed;
          EXPECT_EQ(scan_rendered(loaded, data, non_matching), want) << "cap " << cap << " seed " << seed;
        }
      }
    }
  }
  // Sanity: the data reaches the chained strings, the twins and both partitions.
  const std::string got = scan_rendered(whole, target(1, "MZ\x90"), false);
  for (const char* rule : {"chained_a +", "chained_b +", "chained_c +", "twin_a +", "twin_b +",
                           "atomless +",
                           "mz0 +", "text0 +"})
    EXPECT_NE(got.find(rule), std::string::npos) << rule << "\n" << got;
}

}  // namespace
}  // namespace yarrow::test
