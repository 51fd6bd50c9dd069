// Rules yara 4.2.3 rejects for syntactic/lexical/modifier reasons, each checked against
// /usr/bin/yara when written (tests/unit/parse/parity_check.sh re-checks the larger
// parity_cases.txt against yara whenever it is installed: ctest label "conformance").
// And rules yara accepts (possibly with semantic errors left to the compiler).
#include <gtest/gtest.h>

#include "test_util.h"

namespace yarrow::parse::testing {
namespace {

const char* const kRejected[] = {
    "rule a { }",
    "rule a {\n}",
    "rule a { condition: true ",
    "rule a { condition: true };",
    "rule true { condition: true }",
    "rule 1a { condition: true }",
    "rule a : { condition: true }",
    "rule a { condition: true } global",
    "import pe",
    "include",
    "rule a { meta: condition: true }",
    "rule a { strings: condition: true }",
    "rule a { strings: $a=\"x\" meta: b=1 condition: $a }",
    "rule a { meta: f = 1.5 condition: true }",
    "rule a { meta: f = -true condition: true }",
    "rule a { strings: $a* = \"abc\" condition: any of them }",
    // Boolean/primary split.
    "rule a { condition: not true == false }",
    "rule a { condition: true == false }",
    "rule a { condition: (true) == 3 }",
    "rule a { condition: (1 == 1) == (2 == 2) }",
    "rule a { condition: 1 == 1 == 1 }",
    "rule a { condition: 1 < 2 < 3 }",
    "rule a { condition: \"a\" contains \"a\" == true }",
    "rule a { condition: 1 + (2 == 2) }",
    "rule a { condition: 1 + true }",
    "rule a { condition: \"a\" matches \"a\" }",
    "rule a { condition: \"a\" matches (/a/) }",
    "rule a { condition: not }",
    "rule a { condition: defined }",
    "rule a { condition: 1 == 1 and }",
    "rule a { condition: (1 == 1 }",
    "rule a { condition: 1 == 1) }",
    "rule a { condition: uint8 }",
    "rule a { condition: uint8(0 == 1) }",
    "rule a { condition: 1 / 2 == 0 }",
    "rule a { condition: 1 !== 2 }",
    "rule a { condition: 1 = 2 }",
    "rule a { condition: 1 <> 2 }",
    "rule a { condition: 1 => 2 }",
    // Of / for.
    "rule a { strings: $a=\"x\" condition: any of them at 0 }",
    "rule a { strings: $a=\"x\" condition: 50% of them in (0..1) }",
    "rule a { strings: $a=\"x\" condition: 1 + 50% of them }",
    "rule a { strings: $a=\"x\" condition: 1 | 50% of them }",
    "rule a { strings: $a=\"x\" condition: $a at 50% of them }",
    "rule a { strings: $a=\"x\" condition: for 50% of them : ($) }",
    "rule a { strings: $a=\"x\" condition: for any of them in (0..1): ($) }",
    "rule b { condition: true } rule a { condition: any of (b) in (0..1) }",
    "rule b { condition: true } rule a { condition: for any of (b) : (true) }",
    "rule a { strings: $x = \"x\" condition: any of ($x, a) }",
    "rule a { strings: $a = \"abc\" condition: any of ($a,) }",
    "rule a { strings: $a = \"abc\" condition: any of () }",
    "rule a { strings: $a = \"abc\" condition: them }",
    "rule a { strings: $a = \"abc\" condition: any of $a }",
    "rule a { strings: $a = \"abc\" condition: $a* }",
    "rule a { strings: $a = \"abc\" condition: $a at (0 == 1) }",
    "rule a { strings: $a = \"x\" condition: @a[1 == 1] == 0 }",
    "rule a { strings: $a = \"x\" condition: #a in 0..1 == 1 }",
    "rule a { condition: for all i in (1..3) : i > 0 }",
    "rule a { condition: for any i in (1,): (true) }",
    "rule a { condition: for any i in (): (true) }",
    "rule a { condition: for any i in 1..3: (true) }",
    "rule a { condition: for any i in (1..3) (true) }",
    "rule a { condition: 1 == 1 of them }",
    // Lexical.
    "rule a { condition: 9223372036854775808 > 0 }",
    "rule a { condition: 0x8000000000000000 > 0 }",
    "rule a { condition: 9007199254740992KB > 0 }",
    "rule a { condition: 0o8 == 0 }",
    "rule a { condition: 1. > 0 }",
    "rule a { condition: .5 > 0 }",
    "rule a { condition: 1e3 > 0 }",
    "rule a { condition: 1kb == 1024 }",
    "rule a { strings: $a = \"\\x4\" condition: $a }",
    "rule a { strings: $a = \"\\q\" condition: $a }",
    "rule a { strings: $a = \"abc condition: $a }",
    "rule a { strings: $a = /ab/si condition: $a }",
    "rule a { strings: $a = /a\nb/ condition: $a }",
    "rule a { strings: $a = { 61 ~62 } condition: $a }",
    "rule a { strings: $a = { 61 {62} } condition: $a }",
    "rule a { condition: true } \xc3\xa9",
    // Modifiers.
    "rule a { strings: $a = /ab/ xor condition: $a }",
    "rule a { strings: $a = /ab/ base64 condition: $a }",
    "rule a { strings: $a = /ab/ wide wide condition: $a }",
    "rule a { strings: $a = { 61 62 } wide condition: $a }",
    "rule a { strings: $a = { 61 62 } nocase condition: $a }",
    "rule a { strings: $a = { 61 62 } xor condition: $a }",
    "rule a { strings: $a = { 61 62 } private private condition: $a }",
    "rule a { strings: $a = \"abcd\" xor(-1) condition: $a }",
    "rule a { strings: $a = \"abcd\" xor() condition: $a }",
    "rule a { strings: $a = \"abcd\" xor(1,2) condition: $a }",
    "rule a { strings: $a = \"abcd\" xor(256) condition: $a }",
    "rule a { strings: $a = \"abcd\" xor(0-256) condition: $a }",
    "rule a { strings: $a = \"abcd\" xor(3-1) condition: $a }",
    "rule a { strings: $a = \"abcd\" xor xor(2) condition: $a }",
    "rule a { strings: $a = \"abcd\" base64() condition: $a }",
    "rule a { strings: $a = \"abcd\" base64(\"abc\") condition: $a }",
    "rule a { strings: $a = \"abcd\" base64 nocase condition: $a }",
    "rule a { strings: $a = \"abcd\" base64 xor condition: $a }",
    "rule a { strings: $a = \"abcd\" base64wide fullword condition: $a }",
    "rule a { strings: $a = \"abcd\" nocase xor condition: $a }",
    "rule a { strings: $a = \"\" condition: $a }",
};

const char* const kAccepted[] = {
    "",
    "import \"pe\"",
    "rule include { condition: true }",
    "private private rule a { condition: true }",
    "rule a { condition: true } /* never closed",
    "rule a { strings: $a = {61 62} condition: $a }",
    "rule a { strings: $a = { 61 // }\n} condition: $a }",
    "rule a { strings: $a = { 61 62 } // x }\ncondition: $a }",
    "rule a { condition: (1) }",
    "rule a { condition: not (1) + 1 }",
    "rule a { condition: /abc/ }",
    "rule a { condition: (((((1))))) == 1 }",
    "rule a { condition: not defined 1 }",
    "rule a { condition: defined not 1 }",
    "rule a { strings: $a=\"x\" condition: (50)% of them }",
    "rule a { strings: $a=\"x\" condition: (50% of them) }",
    "rule a { strings: $a=\"x\" condition: -50% of them }",
    "rule a { strings: $a=\"x\" condition: 1 of them in (0..1) }",
};

TEST(RejectTest, YaraSyntaxErrorsAreRejected) {
  for (const char* text : kRejected) {
    Parsed p = parse(text);
    EXPECT_FALSE(p.ok) << "accepted: " << text;
    EXPECT_FALSE(p.diags.empty()) << text;
    for (const Diagnostic& d : p.diags) {
      EXPECT_EQ(d.code.substr(0, 2), "E1") << d.to_string();
      EXPECT_GT(d.line, 0u) << d.to_string();
    }
  }
}

TEST(RejectTest, YaraAcceptedSyntaxIsAccepted) {
  for (const char* text : kAccepted) {
    Parsed p = parse(text);
    EXPECT_TRUE(p.ok) << text << " -> " << p.first_error();
  }
}

}  // namespace
}  // namespace yarrow::parse::testing
