// Matcher partitions (compile/partitions.h): strings of rules whose condition is an `and` chain
// with a header test among its operands (`uint16(0) == 0x5a4d and ...`, also after other
// operands) get a Vectorscan database the scanner skips when the test fails. Every result must
// be the one a single database gives: the same rules with each header test inside an `or` (no
// gate, no partitions) are the reference, over files with and without the headers, process
// memory, non-matching rules listed with their strings, and rules loaded from a compiled file;
// yara answers for the rule names.
#include <gtest/gtest.h>

#include <sstream>

#include "compile/compiled_rules.h"
#include "match/pattern_set.h"
#include "test_support.h"
#include "yarrow/rules_file.h"

namespace yarrow::test {
namespace {

// 30 MZ rules of 20 strings (every third with its header test after a filesize test) and 27
// ELF rules of 20 strings (both above the partition threshold), a rule without a gate sharing
// one MZ string, a gated rule whose strings are all shared, and small gated rules below the
// threshold.
std::string ruleset(bool gates) {
  // Inside an `or`, a header test is no gate: the condition may hold without it.
  auto test = [gates](const std::string& t) { return gates ? t : "(" + t + " or filesize == 7777777)"; };
  const std::string mz = test("uint16(0) == 0x5a4d");
  std::ostringstream r;
  for (int i = 0; i < 30; ++i) {
    r << "rule mz" << i << " { strings: ";
    for (int k = 0; k < 20; ++k) r << "$s" << k << " = \"mz_token_" << i << "_" << k << "\" ";
    r << "condition: " << (i % 3 == 2 ? "filesize < 1MB and (" + mz + ")" : mz) << " and "
      << (i % 2 ? "any" : "2") << " of them }\n";
  }
  for (int i = 0; i < 27; ++i) {
    r << "rule elf" << i << " { strings: ";
    for (int k = 0; k < 20; ++k) r << "$s" << k << " = { 7E 4C " << std::hex << (i + 16) << " " << (k + 16) << std::dec << " 45 }" << " ";
    r << "condition: " << test("uint32(0) == 0x464c457f") << " and filesize > 8 and $s" << (i % 20)
      << " and any of them }\n";
  }
  r << "rule shared { strings: $a = \"mz_token_3_4\" condition: $a }\n";
  r << "rule all_shared { strings: $a = \"mz_token_5_5\" condition: " << mz << " and #a > 1 }\n";
  r << "rule small_gate { strings: $a = \"pk_token\" condition: " << test("uint16(0) == 0x4b50") << " and $a }\n";
  r << "rule negated { strings: $a = \"mz_token_7_1\" condition: " << mz << " and not $a }\n";
  return r.str();
}

std::string with_tokens(std::string head) {
  for (int i = 0; i < 30; i += 3) head += " mz_token_" + std::to_string(i) + "_1 mz_token_" + std::to_string(i) + "_2";
  head += " mz_token_5_5 mz_token_5_5 mz_token_3_4 mz_token_7_1 pk_token ";
  for (int i = 0; i < 27; i += 2) {
    head += "\x7e\x4c";
    head += static_cast<char>(i + 16);
    head += static_cast<char>(i % 20 + 16);
    head += "\x45 ";
  }
  return head;
}

class OneBlock : public BlockReader {
 public:
  explicit OneBlock(std::string data) : data_(std::move(data)) {}
  bool next(uint64_t& base, std::span<const uint8_t>& bytes) override {
    if (done_) return false;
    done_ = true;
    base = 0x400000;
    bytes = {reinterpret_cast<const uint8_t*>(data_.data()), data_.size()};
    return true;
  }

 private:
  std::string data_;
  bool done_ = false;
};

const std::vector<std::string>& targets() {
  static const std::vector<std::string> t = {
      with_tokens("MZ\x90"), with_tokens("ZM--"), with_tokens("\x7f" "ELF\x02\x01"),
      with_tokens("PK\x03\x04"), "M", "", "MZ", with_tokens("")};
  return t;
}

TEST(Partitions, GatedStringsGetTheirOwnDatabases) {
  Compiled gated = compile(ruleset(true));
  ASSERT_NE(gated.rules, nullptr) << (first_error(gated.diags) ? first_error(gated.diags)->message : "");
  const auto& c = gated.rules->compiled();
  ASSERT_EQ(c.partition_gates.size(), 2u);  // MZ and ELF; the PK gate has too few strings
  EXPECT_EQ(c.partition_gates[0].value, 0x5a4d);
  EXPECT_EQ(c.partition_gates[1].value, 0x464c457f);
  EXPECT_EQ(c.patterns->partition_count(), 3u);
  // mz2's header test comes after `filesize < 1MB`: its strings are gated all the same.
  const auto& infos = gated.rules->rules();
  for (size_t s = 0; s < c.strings.size(); ++s) {
    const std::string& rule = infos[c.strings[s].rule].name;
    if (rule == "mz2" || rule == "mz0") {
      EXPECT_EQ(c.specs[s].partition, 1u) << rule;
    } else if (rule == "elf0") {
      EXPECT_EQ(c.specs[s].partition, 2u) << rule;
    } else if (rule == "small_gate") {
      EXPECT_EQ(c.specs[s].partition, 0u) << rule;
    }
  }
  Compiled plain = compile(ruleset(false));
  ASSERT_NE(plain.rules, nullptr);
  EXPECT_TRUE(plain.rules->compiled().partition_gates.empty());
  EXPECT_EQ(plain.rules->compiled().patterns->partition_count(), 1u);
}

TEST(Partitions, ResultsAreThoseOfOneDatabase) {
  Compiled gated = compile(ruleset(true));
  Compiled plain = compile(ruleset(false));
  ASSERT_NE(gated.rules, nullptr);
  ASSERT_NE(plain.rules, nullptr);
  RulesFileError error;
  const std::string bytes = serialize_rules(*gated.rules);
  auto loaded = deserialize_rules({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, error);
  ASSERT_NE(loaded, nullptr) << error.message;
  EXPECT_EQ(loaded->compiled().patterns->partition_count(), 3u);
  for (const std::string& data : targets()) {
    for (bool non_matching : {false, true}) {
      const std::string want = scan_rendered(plain.rules, data, non_matching);
      EXPECT_EQ(scan_rendered(gated.rules, data, non_matching), want) << data.substr(0, 4);
      EXPECT_EQ(scan_rendered(loaded, data, non_matching), want) << data.substr(0, 4);
    }
    // The matched rules themselves are yara's.
    if (auto yara = ask_yara(ruleset(true), data)) {
      ASSERT_TRUE(yara->compiled_ok);
      EXPECT_EQ(matching_rules(gated.rules, data), yara->rules) << data.substr(0, 4);
    }
  }
  // Sanity: the data exercises both sides of each gate.
  EXPECT_NE(scan_rendered(gated.rules, targets()[0], false).find("mz0 +"), std::string::npos);
  EXPECT_NE(scan_rendered(gated.rules, targets()[2], false).find("elf0 +"), std::string::npos);
  EXPECT_NE(scan_rendered(gated.rules, targets()[1], true).find("mz0 -\n  $s1@"), std::string::npos);
}

TEST(Partitions, ProcessMemorySkipsGatedDatabasesButListsTheirStrings) {
  Compiled gated = compile(ruleset(true));
  Compiled plain = compile(ruleset(false));
  ASSERT_NE(gated.rules, nullptr);
  for (bool non_matching : {false, true}) {
    std::string got, want;
    for (auto* out : {&got, &want}) {
      ScanOptions options;
      options.report_non_matching = non_matching;
      Scanner scanner(out == &got ? gated.rules : plain.rules, options);
      ScanResult result;
      OneBlock reader(targets()[0]);
      ASSERT_EQ(scanner.scan_blocks(reader, result), ScanStatus::kOk);
      *out = render(result);
    }
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace yarrow::test
