// PatternSet / PatternScanner: match offsets, lengths, overlaps, modifiers, chaining, caps and
// diagnostics, as yara 4.2.3 reports them (each expectation was checked with `yara -s`; the
// broad randomized comparison lives in diff_strings.py).
#include "match/pattern_set.h"

#include <gtest/gtest.h>

#include <memory>

#include <string>
#include <utility>
#include <vector>

#include "match/pattern_set_impl.h"

namespace {

using yarrow::match::PatternScanner;
using yarrow::match::PatternSet;
using yarrow::match::ScanLimits;
using yarrow::match::ScanOutcome;
using yarrow::match::SpecDiagnostic;
using yarrow::match::StringSpec;

StringSpec text(std::string v) {
  StringSpec s;
  s.kind = StringSpec::Kind::kText;
  s.value = std::move(v);
  return s;
}
StringSpec hex(std::string v) {
  StringSpec s;
  s.kind = StringSpec::Kind::kHex;
  s.value = std::move(v);
  return s;
}
StringSpec regex(std::string v) {
  StringSpec s;
  s.kind = StringSpec::Kind::kRegex;
  s.value = std::move(v);
  return s;
}

using Found = std::vector<std::pair<uint64_t, uint32_t>>;

std::vector<Found> scan_all(const std::vector<StringSpec>& specs, const std::string& data,
                            ScanLimits limits = {}) {
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  EXPECT_TRUE(set);
  if (!set) return {};
  PatternScanner scanner(*set);
  std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  EXPECT_NE(scanner.scan_block(block, 0, limits), ScanOutcome::kError);
  std::vector<Found> out;
  for (size_t i = 0; i < specs.size(); ++i) {
    Found f;
    for (const auto& m : scanner.matches(i)) f.emplace_back(m.offset, m.length);
    out.push_back(f);
  }
  return out;
}

Found scan(const StringSpec& spec, const std::string& data) { return scan_all({spec}, data)[0]; }

TEST(TextStrings, OverlappingMatchesAreAllReported) {
  EXPECT_EQ(scan(text("aa"), "aaaa"), (Found{{0, 2}, {1, 2}, {2, 2}}));
}

TEST(TextStrings, LeadingNulByteLiteral) {
  EXPECT_EQ(scan(text(std::string("\0a", 2)), std::string("x\0a\0a", 5)), (Found{{1, 2}, {3, 2}}));
}

TEST(TextStrings, NocaseWideAscii) {
  auto s = text("ab");
  s.nocase = true;
  s.wide = true;
  s.ascii = true;
  EXPECT_EQ(scan(s, std::string("AB a\0B\0", 8)), (Found{{0, 2}, {3, 4}}));
}

TEST(TextStrings, Fullword) {
  auto s = text("ab");
  s.fullword = true;
  // isalnum decides: "_" is not a word character for fullword.
  EXPECT_EQ(scan(s, "ab xab ab_ -ab-"), (Found{{0, 2}, {7, 2}, {12, 2}}));
}

TEST(TextStrings, XorReportsKey) {
  auto s = text("ab");
  s.xor_ = true;
  s.xor_min = 1;
  s.xor_max = 3;
  std::string data = "ab";
  for (char c : std::string("ab")) data.push_back(static_cast<char>(c ^ 2));
  std::vector<SpecDiagnostic> diags;
  std::vector<StringSpec> specs{s};
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  scanner.scan_block(block, 0, {});
  ASSERT_EQ(scanner.matches(0).size(), 1u);  // key 0 is outside 1..3
  EXPECT_EQ(scanner.matches(0)[0].offset, 2u);
  EXPECT_EQ(scanner.matches(0)[0].xor_key, 2);
}

TEST(TextStrings, Base64VariantsMatchYaraDocumentation) {
  auto v = yarrow::match::base64_variants(
      "This program cannot", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  EXPECT_EQ(v, (std::vector<std::string>{"VGhpcyBwcm9ncmFtIGNhbm5vd", "RoaXMgcHJvZ3JhbSBjYW5ub3",
                                         "UaGlzIHByb2dyYW0gY2Fubm90"}));
}

TEST(TextStrings, Base64Scanning) {
  auto s = text("hello");
  s.base64 = true;
  // base64("xhello!") = eGhlbGxvIQ==; yara reports the shift-1 variant "hlbGxv" (edges trimmed).
  EXPECT_EQ(scan(s, "..eGhlbGxvIQ==.."), (Found{{4, 6}}));
}

TEST(RegexStrings, EveryStartOffsetGreedyLength) {
  EXPECT_EQ(scan(regex("a+"), "xaaa"), (Found{{1, 3}, {2, 2}, {3, 1}}));
  EXPECT_EQ(scan(regex("a.*?c"), "abxcabc\nac"), (Found{{0, 4}, {4, 3}, {8, 2}}));
  EXPECT_EQ(scan(regex("ab|abc"), "abc"), (Found{{0, 2}}));
}

TEST(RegexStrings, OptionalAtomQuirk) {
  // Without atoms yara 4.2.3 starts matches only at the first bytes of `x?\W` taking x as
  // mandatory, so matches without the x are never found.
  EXPECT_EQ(scan(regex("a?\\W"), "a1-b-"), Found{});
  EXPECT_EQ(scan(regex("\\d?\\W"), "a1-b-"), (Found{{1, 2}}));
}

TEST(RegexStrings, WideAndFullword) {
  auto s = regex("ab+");
  s.wide = true;
  EXPECT_EQ(scan(s, std::string("a\0b\0b\0", 6)), (Found{{0, 6}}));
  auto f = regex("ab");
  f.fullword = true;
  EXPECT_EQ(scan(f, "ab cab ab"), (Found{{0, 2}, {7, 2}}));
}

TEST(HexStrings, JumpsAreLazyAlternativesInOrder) {
  EXPECT_EQ(scan(hex("61 [1-3] 63"), "axcxc"), (Found{{0, 3}}));
  EXPECT_EQ(scan(hex("61 ( 62 | 62 63 )"), "abc"), (Found{{0, 2}}));
  EXPECT_EQ(scan(hex("61 6? ?3"), "abc ac"), (Found{{0, 3}}));
}

TEST(HexStrings, LongJumpsAreChained) {
  std::string data = "A" + std::string(5000, '.') + "B";
  EXPECT_EQ(scan(hex("41 [-] 42"), data), (Found{{0, 5002}}));
  EXPECT_EQ(scan(hex("41 [300-400] 42"), data), Found{});
}

TEST(Scanner, TooManyMatchesCapsOneStringAndGoesOn) {
  ScanLimits limits;
  limits.max_matches_per_string = 10;
  std::vector<SpecDiagnostic> diags;
  std::vector<StringSpec> specs{text("a"), text("b")};
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  std::string data = std::string(50, 'a') + "b";
  std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  EXPECT_EQ(scanner.scan_block(block, 0, limits), ScanOutcome::kTooManyMatches);
  EXPECT_EQ(scanner.matches(0).size(), 10u);
  EXPECT_EQ(scanner.matches(1).size(), 1u);
  EXPECT_EQ(scanner.overflowed_string(), 0u);
  scanner.reset();
  EXPECT_EQ(scanner.matches(0).size(), 0u);
  EXPECT_FALSE(scanner.overflowed_string());
}

TEST(Scanner, BaseOffsetIsAdded) {
  std::vector<SpecDiagnostic> diags;
  std::vector<StringSpec> specs{text("xy")};
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  std::string data = "..xy";
  std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  scanner.scan_block(block, 1000, {});
  ASSERT_EQ(scanner.matches(0).size(), 1u);
  EXPECT_EQ(scanner.matches(0)[0].offset, 1002u);
}

TEST(Diagnostics, ErrorsAndWarnings) {
  auto d = PatternSet::check(hex("61 6"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].message, "uneven number of digits in hex string");
  EXPECT_EQ(PatternSet::check(hex("61 [2-1] 62"))[0].message, "invalid jump range");
  EXPECT_EQ(PatternSet::check(hex("61 ( 62 | [-] 63 ) 64"))[0].is_error, true);
  EXPECT_EQ(PatternSet::check(regex("a{2,1}"))[0].message, "bad repeat interval");

  auto slow = PatternSet::check(text("a"));
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_FALSE(slow[0].is_error);
  EXPECT_EQ(slow[0].kind, SpecDiagnostic::Kind::kSlowScanning);
  EXPECT_TRUE(PatternSet::check(text("ab")).empty());
  EXPECT_TRUE(PatternSet::check(hex("2D 3? 2E")).empty());
  EXPECT_FALSE(PatternSet::check(hex("2D ?? 2D")).empty());

  auto dot = PatternSet::check(regex("ab.*cd"));
  ASSERT_FALSE(dot.empty());
  EXPECT_EQ(dot[0].kind, SpecDiagnostic::Kind::kUnboundedDot);

  std::vector<SpecDiagnostic> diags;
  std::vector<StringSpec> specs{text("ok"), regex("(")};
  EXPECT_FALSE(PatternSet::build(specs, {}, diags));
  ASSERT_FALSE(diags.empty());
  EXPECT_EQ(diags.back().spec_index, 1u);
}

// build() given check()'s results reuses them: plain text (which check() leaves null) is not
// analysed again and its warnings are not repeated, the other strings' are; the matches are
// those of a build that analyses everything itself.
TEST(Diagnostics, BuildReusesChecksOfPlainText) {
  const std::vector<StringSpec> specs{text("a"), text("abcdef"), hex("2D ?? 2D"), regex("x.*y")};
  std::vector<std::shared_ptr<const yarrow::match::CheckedSpec>> checked(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) PatternSet::check(specs[i], checked[i]);
  EXPECT_EQ(checked[0], nullptr);
  EXPECT_EQ(checked[1], nullptr);
  EXPECT_NE(checked[2], nullptr);

  std::vector<SpecDiagnostic> fresh, reused;
  auto built_fresh = PatternSet::build(specs, {}, fresh);
  auto built_reused = PatternSet::build(specs, {}, reused, checked);
  ASSERT_TRUE(built_fresh && built_reused);
  auto indexes = [](const std::vector<SpecDiagnostic>& diags) {
    std::vector<size_t> out;
    for (const auto& d : diags) out.push_back(d.spec_index);
    return out;
  };
  EXPECT_EQ(indexes(fresh), (std::vector<size_t>{0, 2, 3, 3}));  // "a" is slow to scan
  EXPECT_EQ(indexes(reused), (std::vector<size_t>{2, 3, 3}));

  const std::string data = "xx a abcdef -\x01- x..y a";
  for (const auto* set : {built_fresh.get(), built_reused.get()}) {
    PatternScanner scanner(*set);
    std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ASSERT_NE(scanner.scan_block(block, 0, {}), ScanOutcome::kError);
    std::vector<size_t> counts;
    for (size_t i = 0; i < specs.size(); ++i) counts.push_back(scanner.matches(i).size());
    EXPECT_EQ(counts, (std::vector<size_t>{3, 1, 1, 3}));  // x.*y from each x
  }
}

}  // namespace
