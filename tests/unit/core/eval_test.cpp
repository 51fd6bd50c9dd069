// Condition semantics, rule by rule against the reference yara (skipped when it is missing):
// undefined values, loops, quantifiers, conversions, global and private rules.
#include <gtest/gtest.h>

#include "test_support.h"

namespace yarrow::test {
namespace {

struct EvalCase {
  const char* rules;
  const char* data;
};

class EvalParity : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvalParity, SameRulesMatchAsYara) {
  const EvalCase& c = GetParam();
  std::optional<YaraAnswer> yara = ask_yara(c.rules, c.data);
  if (!yara) GTEST_SKIP() << "reference yara not installed";
  Compiled out = compile(c.rules);
  ASSERT_EQ(out.rules != nullptr, yara->compiled_ok) << c.rules;
  if (!out.rules) return;
  EXPECT_EQ(matching_rules(out.rules, c.data), yara->rules) << c.rules;
}

constexpr const char* kHello = "hello world abc";

INSTANTIATE_TEST_SUITE_P(
    Core, EvalParity,
    ::testing::Values(
        // undefined through not / and / or, and yara's float "<" quirk
        EvalCase{"rule a { condition: not (uint32(100) == 1) }\n"
                 "rule b { condition: not (uint32(100) == 1 or false) }\n"
                 "rule c { condition: not (uint32(100) + 1.5 < 1) }\n"
                 "rule d { condition: not not uint32(100) }\n"
                 "rule e { condition: not defined (1 \\ (filesize - 15)) }",
                 kHello},
        // float truthiness follows the bits: -0.0 is true
        EvalCase{"rule a { condition: 0.0 } rule b { condition: -0.0 } rule c { condition: 1.5 }",
                 kHello},
        // integer readers and their bounds
        EvalCase{"rule a { condition: int8(0) == 0x68 and uint16be(0) == 0x6865 }\n"
                 "rule b { condition: defined uint32(11) } rule c { condition: defined uint32(12) }\n"
                 "rule d { condition: defined int8(-1) }",
                 kHello},
        // loops: sums of body values, none, zero iterations, undefined items and quantities
        EvalCase{"rule a { condition: for 3 i in (1,2) : (i) }\n"
                 "rule b { condition: for none i in (1,2) : (true) }\n"
                 "rule c { condition: for all i in (1..0) : (true) }\n"
                 "rule d { condition: for all i in (1, uint32(100), 3) : (i > 0) }\n"
                 "rule e { condition: for uint32(100) i in (1, 2) : (true) }\n"
                 "rule f { condition: for any i in (3,4) : (-1) }",
                 kHello},
        // `or` keeps its left side's raw value; for-in (not for-of) stops once the sum is
        // reached
        EvalCase{"rule a { condition: for any i in (1,2) : ((0 - i) or false) }\n"
                 "rule b { condition: for none i in (1,2) : (i - 2) }\n"
                 "rule c { condition: for 1 i in (1,2) : (3 - 2 * i) }\n"
                 "rule d { strings: $a = \"l\" $b = \"abc\" condition: for 1 of ($b, $a) : (3 - #) }",
                 kHello},
        // strings: counts, offsets, lengths, of / for-of / in
        EvalCase{"rule a { strings: $a = \"l\" $b = \"o\" $c = \"zz\" condition: "
                 "for none of them : ($) }\n"
                 "rule b { strings: $a = \"l\" $b = \"o\" $c = \"zz\" condition: 66% of them }\n"
                 "rule c { strings: $a = \"l\" $b = \"o\" $c = \"zz\" condition: 67% of them }\n"
                 "rule d { strings: $a = \"l\" $b = \"o\" $c = \"zz\" condition: 2 of them in (0..3) }\n"
                 "rule e { strings: $a = \"l\" condition: #a == 3 and @a[2] == 3 and !a[3] == 1 "
                 "and not defined @a[4] and #a in (0..3) == 2 }",
                 kHello},
        // global and private rules, rule sets
        EvalCase{"rule b { condition: true }\n"
                 "global rule g { condition: b and filesize < 5 }\n"
                 "rule c { condition: b }",
                 kHello},
        EvalCase{"private rule p { condition: true }\nrule c { condition: p and 1 of (p*) }\n"
                 "rule d { condition: all of (c, p) }",
                 kHello},
        // string operators and comparisons
        EvalCase{"rule a { condition: \"abc\" icontains \"B\" and \"aBc\" iequals \"ABC\" }\n"
                 "rule b { condition: \"ab\" < \"abc\" and \"b\" > \"abc\" }\n"
                 "rule c { condition: \"abc\" endswith \"bc\" and not (\"abc\" startswith \"b\") }",
                 kHello},
        // arithmetic: wrapping, shifts, integer division
        EvalCase{"rule a { condition: -(-0x7fffffffffffffff - 1) < 0 }\n"
                 "rule b { condition: 1 << 64 == 0 and -8 >> 1 == -4 }\n"
                 "rule c { condition: 5 \\ 2 == 2 and -5 % 3 == -2 and 5.0 \\ 2 == 2.5 }\n"
                 "rule d { condition: filesize << (filesize - 20) == 0 }",
                 kHello},
        // the empty input
        EvalCase{"rule a { condition: filesize == 0 } rule b { condition: not defined uint8(0) }",
                 ""}));

TEST(Eval, ExternalsOverriddenPerScanner) {
  Compiled out = compile("rule a { condition: n == 5 and s contains \"x\" and f > 1.0 and b }",
                         {{"n", int64_t{5}}, {"s", std::string("axb")}, {"f", 1.5}, {"b", true}});
  ASSERT_NE(out.rules, nullptr);
  EXPECT_EQ(matching_rules(out.rules, "data"), std::set<std::string>{"a"});
  Scanner scanner(out.rules);
  EXPECT_TRUE(scanner.set_external("n", int64_t{6}));
  EXPECT_FALSE(scanner.set_external("n", std::string("6")));
  EXPECT_FALSE(scanner.set_external("missing", int64_t{1}));
  ScanResult result;
  const uint8_t byte = 0;
  ASSERT_EQ(scanner.scan_memory({&byte, 1}, result), ScanStatus::kOk);
  EXPECT_TRUE(result.rules.empty());
}

TEST(Eval, TimeoutStopsLongLoops) {
  Compiled out = compile("rule a { condition: for all i in (0..0x7fffffffffffffff) : (i >= 0) }");
  ASSERT_NE(out.rules, nullptr);
  ScanOptions options;
  options.timeout_seconds = 1;
  Scanner scanner(out.rules, options);
  ScanResult result;
  const uint8_t byte = 0;
  EXPECT_EQ(scanner.scan_memory({&byte, 1}, result), ScanStatus::kTimeout);
}

}  // namespace
}  // namespace yarrow::test
