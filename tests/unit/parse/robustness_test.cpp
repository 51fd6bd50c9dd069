// Hostile input: random mutations of valid rules must produce a verdict, never a crash, a
// hang or an error-free failure. (Run under YARROW_SANITIZE for memory checks.)
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace yarrow::parse::testing {
namespace {

const char* const kSeeds[] = {
    "import \"pe\"\nglobal private rule a : t1 t2 {\n meta:\n  s = \"x\\x41\" n = -1 b = true\n"
    " strings:\n  $a = \"abc\" xor(1-3) wide\n  $b = { 61 ?? [1-2] (62|63) /* c */ }\n"
    "  $c = /a\\/b[0-9]+/is nocase\n  $d = \"q\" base64(\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\")\n"
    " condition:\n  ($a at 0 or $b in (0..filesize)) and #c > 2 and @a[1] == !a[1] and\n"
    "  50% of them and any of ($a*, $b) in (0..100) and\n"
    "  for all i in (1..3) : (uint8(i) != 0x90) and\n"
    "  for any of ($a, $c) : ($ and # == 1) and pe.sections[0].name contains \"x\"\n}\n",
    "rule b { condition: (1 + 2) * 3 \\ 4 % 5 << 1 >> 2 & 3 | 4 ^ 5 == ~-1 and not defined x.y(1, \"a\") }\n"
    "rule c { condition: for 2 k, v in m.d : (k iequals \"a\" and v matches /x/) or none of (b, c*) }",
};

const char kAlphabet[] = "(){}[]$#@!\"/\\*%.,:=<>-+~^&|?0123456789abxz_ \n\t";

TEST(RobustnessTest, RandomMutationsAlwaysGiveAVerdict) {
  std::mt19937 rng(12345);
  for (const char* seed : kSeeds) {
    ASSERT_TRUE(parse(seed).ok) << parse(seed).first_error();
  }
  int rejected = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string text = kSeeds[iter % 2];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t pos = rng() % text.size();
      switch (rng() % 4) {
        case 0: text.erase(pos, 1 + rng() % 3); break;
        case 1: text.insert(pos, 1, kAlphabet[rng() % (sizeof(kAlphabet) - 1)]); break;
        case 2: text[pos] = static_cast<char>(rng() % 256); break;
        default: text = text.substr(0, pos); break;  // truncation
      }
    }
    Parsed p = parse(text);
    if (!p.ok) {
      ++rejected;
      ASSERT_FALSE(p.diags.empty()) << text;
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace yarrow::parse::testing
