// Translation of each string kind/modifier and condition shape into the neutral model.
#include "test_util.h"

namespace yarrow::exporter {
namespace {

using testing::contains;
using testing::model_of;

TEST(RuleModel, TextModifiersBecomeNeedleFlags) {
  auto m = model_of(R"(rule r { strings: $a = "Abc" nocase $b = "x.y" fullword
                                 $c = "w" wide ascii condition: any of them })");
  ASSERT_EQ(m.strings.size(), 3u);
  EXPECT_TRUE(m.strings[0].needles.at(0).nocase);
  EXPECT_FALSE(m.strings[0].needles.at(0).fullword);
  EXPECT_TRUE(m.strings[1].needles.at(0).fullword);
  EXPECT_FALSE(m.strings[1].needles.at(0).nocase);
  EXPECT_EQ(m.strings[2].needles.at(0).text, "w");  // wide text is the same decoded text
  EXPECT_EQ(m.strings[0].column, "s_a");
}

TEST(RuleModel, ControlBytesBecomeRegex) {
  auto m = model_of(R"(rule r { strings: $a = "a\nb" condition: $a })");
  ASSERT_EQ(m.strings[0].needles.size(), 1u);
  EXPECT_EQ(m.strings[0].needles[0].kind, Needle::Kind::kRegex);
  EXPECT_EQ(m.strings[0].needles[0].text, "a\\x0ab");
}

TEST(RuleModel, PlainHexIsLiteralWildcardHexIsNot) {
  auto m = model_of(R"(rule r { strings: $a = { 41 42 43 } $b = { 41 ?? 43 } condition: any of them })");
  EXPECT_TRUE(m.strings[0].translatable);
  EXPECT_EQ(m.strings[0].needles[0].text, "ABC");
  EXPECT_FALSE(m.strings[1].translatable);
  ASSERT_FALSE(m.notes.empty());
  EXPECT_TRUE(contains(m.notes[0], "$b"));
}

TEST(RuleModel, RegexFlagsAndRe2Differences) {
  auto m = model_of(R"(rule r { strings: $a = /ab{,3}c/is $b = /x{2000}/ $c = /\bw\b/ fullword
                       condition: any of them })");
  EXPECT_EQ(m.strings[0].needles[0].text, "(?is)ab{0,3}c");
  EXPECT_FALSE(m.strings[1].translatable);  // RE2 caps repetitions at 1000
  EXPECT_TRUE(contains(m.strings[2].needles[0].text, "(?:^|[^0-9A-Za-z])"));
}

TEST(RuleModel, XorWithZeroKeySearchesPlainTextOnly) {
  auto m = model_of(R"(rule r { strings: $a = "abc" xor $b = "abc" xor(1-5) condition: any of them })");
  EXPECT_TRUE(m.strings[0].translatable);
  EXPECT_FALSE(m.strings[1].translatable);
}

TEST(RuleModel, Base64FormsMatchYaraAlignment) {
  // base64("This program") at the three alignments, as YARA documents them.
  auto forms = base64_forms("This program cannot",
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  ASSERT_EQ(forms.size(), 3u);
  EXPECT_NE(std::find(forms.begin(), forms.end(), "VGhpcyBwcm9ncmFtIGNhbm5vd"), forms.end());
  EXPECT_NE(std::find(forms.begin(), forms.end(), "RoaXMgcHJvZ3JhbSBjYW5ub3"), forms.end());
  EXPECT_NE(std::find(forms.begin(), forms.end(), "UaGlzIHByb2dyYW0gY2Fubm90"), forms.end());
}

TEST(RuleModel, WideBase64EncodesUtf16) {
  auto m = model_of(R"(rule r { strings: $a = "IEX" wide base64 condition: $a })");
  ASSERT_TRUE(m.strings[0].translatable);
  bool found = false;
  for (const Needle& n : m.strings[0].needles) found |= n.text == "SQBFAFgA";
  EXPECT_TRUE(found);
}

TEST(RuleModel, QuantifiersBecomeAtLeast) {
  auto m = model_of(R"(rule r { strings: $a = "a" $b = "b" $c = "c" condition: 2 of them })");
  EXPECT_EQ(m.condition.kind, Cond::Kind::kAtLeast);
  EXPECT_EQ(m.condition.count, 2u);
  EXPECT_EQ(m.condition.ids.size(), 3u);
  auto all = model_of(R"(rule r { strings: $x1 = "a" $x2 = "b" $y = "c" condition: all of ($x*) })");
  EXPECT_EQ(all.condition.count, 2u);
  EXPECT_EQ(all.condition.ids, (std::vector<std::string>{"$x1", "$x2"}));
}

TEST(RuleModel, UntranslatableOperandsWidenTheQuery) {
  auto m = model_of(R"(rule r { strings: $a = "a" $b = "b"
                       condition: $a and #b > 2 and filesize < 10 })");
  EXPECT_EQ(m.condition.kind, Cond::Kind::kString);  // only $a remains
  EXPECT_EQ(m.condition.id, "$a");
  EXPECT_GE(m.notes.size(), 2u);
}

TEST(RuleModel, NotesSayWhetherALeftOutOperandWidensOrNarrows) {
  auto m = model_of(R"(rule r { strings: $a = "a" condition: $a or filesize < 10 })");
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_TRUE(contains(m.notes[0], "is missed"));
  m = model_of(R"(rule r { strings: $a = "a" condition: $a and not (#a > 2 or $a) })");
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_TRUE(contains(m.notes[0], "widens"));
}

TEST(RuleModel, NegatedConditionStillRequiresSomeString) {
  auto m = model_of(R"(rule r { strings: $a = "a" $b = "b" condition: not $a })");
  ASSERT_EQ(m.condition.kind, Cond::Kind::kAnd);
  EXPECT_EQ(m.condition.kids[0].kind, Cond::Kind::kNot);
  EXPECT_EQ(m.condition.kids[1].kind, Cond::Kind::kAtLeast);
}

TEST(RuleModel, StableUuidIsVersion5AndDeterministic) {
  std::string a = stable_uuid("kql:sentinel:r");
  EXPECT_EQ(a, stable_uuid("kql:sentinel:r"));
  EXPECT_NE(a, stable_uuid("kql:defender:r"));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '5');
}

}  // namespace
}  // namespace yarrow::exporter
