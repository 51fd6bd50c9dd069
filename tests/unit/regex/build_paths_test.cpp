// The compile-speed paths of the string builder (issue 4) must not change a single match:
// building with check()'s saved work or without it, with the database compiled on its own
// thread or first, gives the same matches; a program compiled with tracked nodes gives them the
// same pcs as one that tracks every node, and identical byte sets share one index.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "match/pattern_set.h"
#include "regex/ast.h"
#include "regex/program.h"

namespace {

using yarrow::match::CheckedSpec;
using yarrow::match::PatternScanner;
using yarrow::match::PatternSet;
using yarrow::match::ScanLimits;
using yarrow::match::SpecDiagnostic;
using yarrow::match::StringSpec;

StringSpec spec(StringSpec::Kind kind, std::string v) {
  StringSpec s;
  s.kind = kind;
  s.value = std::move(v);
  return s;
}

std::vector<StringSpec> mixed_specs() {
  using K = StringSpec::Kind;
  std::vector<StringSpec> out = {
      spec(K::kHex, "61 62 63 64"),                  // fixed: checked position by position
      spec(K::kHex, "61 62 [0-3] 63 64"),            // jump: VM from the atom
      spec(K::kHex, "( 61 62 | 63 64 ) 65 ?6"),      // alternation, nibble
      spec(K::kHex, "78 79 7A [300-400] 61 62"),     // chained pieces
      spec(K::kRegex, "ab[cd]+e"),
      spec(K::kRegex, "a.{0,5}bc"),
      spec(K::kRegex, "abcd"),  // literal regex: built as text
      spec(K::kText, "bcda"),
      spec(K::kHex, "61 62 63 64"),  // identical to the first
  };
  StringSpec wide = spec(K::kRegex, "b(c|d)a");
  wide.wide = true;
  wide.ascii = true;
  out.push_back(wide);
  StringSpec nocase = spec(K::kText, "DCBA");
  nocase.nocase = true;
  out.push_back(nocase);
  return out;
}

std::string random_data() {
  std::mt19937 rng(11);
  std::string data(6000, 'a');
  for (auto& c : data) c = "abcdexyz\0"[rng() % 9];
  for (size_t i = 100; i + 200 < data.size(); i += 700) data.replace(i, 3, "xyz");
  return data;
}

using AllMatches = std::vector<std::vector<std::pair<uint64_t, uint32_t>>>;

AllMatches scan(const PatternSet& set, const std::string& data) {
  PatternScanner scanner(set);
  ScanLimits limits;
  scanner.scan_block({reinterpret_cast<const uint8_t*>(data.data()), data.size()}, 0, limits);
  AllMatches out(set.size());
  for (size_t i = 0; i < set.size(); ++i)
    for (const auto& m : scanner.matches(i)) out[i].emplace_back(m.offset, m.length);
  return out;
}

TEST(BuildPaths, CheckedSpecsAndThreadingDoNotChangeMatches) {
  const auto specs = mixed_specs();
  const std::string data = random_data();
  std::vector<std::shared_ptr<const CheckedSpec>> checked(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    auto plain = PatternSet::check(specs[i]);
    auto kept = PatternSet::check(specs[i], checked[i]);
    ASSERT_EQ(plain.size(), kept.size()) << i;
    for (size_t d = 0; d < plain.size(); ++d) EXPECT_EQ(plain[d].message, kept[d].message);
  }
  std::vector<SpecDiagnostic> diags;
  yarrow::match::BuildOptions threaded, sequential;
  sequential.background_database = false;
  auto reference = PatternSet::build(specs, threaded, diags);
  ASSERT_NE(reference, nullptr);
  const AllMatches expected = scan(*reference, data);
  size_t total = 0;
  for (const auto& m : expected) total += m.size();
  EXPECT_GT(total, 20u);  // the data exercises the strings
  for (const auto& options : {threaded, sequential}) {
    for (bool reuse : {false, true}) {
      std::vector<SpecDiagnostic> d;
      auto set = reuse ? PatternSet::build(specs, options, d, checked)
                       : PatternSet::build(specs, options, d);
      ASSERT_NE(set, nullptr);
      EXPECT_EQ(scan(*set, data), expected)
          << "background " << options.background_database << " reuse " << reuse;
    }
  }
}

TEST(BuildPaths, TooComplexIsStillReportedInOrder) {
  using K = StringSpec::Kind;
  // 140 alternatives: more splits than yara's 128.
  std::string alts;
  for (int i = 0; i < 140; ++i) alts += (i ? "|x" : "x") + std::to_string(i);
  std::vector<StringSpec> specs = {spec(K::kText, "abc"), spec(K::kRegex, "(" + alts + ")c"),
                                   spec(K::kRegex, "(" + alts + ")d")};
  for (bool background : {true, false}) {
    yarrow::match::BuildOptions options;
    options.background_database = background;
    std::vector<SpecDiagnostic> diags;
    EXPECT_EQ(PatternSet::build(specs, options, diags), nullptr);
    std::vector<size_t> errors;
    for (const auto& d : diags)
      if (d.is_error) errors.push_back(d.spec_index);
    EXPECT_EQ(errors, (std::vector<size_t>{1, 2}));
  }
}

TEST(BuildPaths, TrackedCompileGivesTheSamePcsAndSharesSets) {
  std::string error;
  auto hex = yarrow::regex::parse_hex("61 62 [2-40] 63 ( 64 | 65 ) 61 62 [10] 66", error);
  ASSERT_TRUE(hex) << error;
  const yarrow::regex::Node& root = (*hex)[0].node;
  ASSERT_EQ(root.kind, yarrow::regex::NodeKind::kConcat);
  std::vector<const yarrow::regex::Node*> tracked = {&root.kids[0], &root.kids[3],
                                                     &root.kids.back()};
  yarrow::regex::Program all, some;
  ASSERT_TRUE(all.compile(root, false));
  ASSERT_TRUE(some.compile(root, false, tracked));
  EXPECT_EQ(all.insts().size(), some.insts().size());
  for (const auto* n : tracked) {
    EXPECT_GE(some.pc_of(n), 0);
    EXPECT_EQ(all.pc_of(n), some.pc_of(n));
  }
  EXPECT_EQ(some.pc_of(&root.kids[1]), -1);  // not tracked
  // Every set appears once: 61, 62, any (the jumps), 63, 64, 65, 66.
  EXPECT_EQ(some.sets().size(), 7u);
  for (size_t i = 0; i < some.sets().size(); ++i)
    for (size_t j = 0; j < i; ++j) EXPECT_NE(some.sets()[i], some.sets()[j]);
}

}  // namespace
