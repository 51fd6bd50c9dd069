// Regex engine: yara's dialect, error wording and `matches` semantics (behaviour checked against
// yara 4.2.3 while writing these).
#include "regex/regex.h"

#include <gtest/gtest.h>

namespace {

using yarrow::regex::Regex;

std::string compile_error(const std::string& src) {
  std::string err;
  auto re = Regex::compile(src, false, false, err);
  return re ? "" : err;
}

bool search(const std::string& src, const std::string& subject, bool nocase = false,
            bool dotall = false) {
  std::string err;
  auto re = Regex::compile(src, nocase, dotall, err);
  EXPECT_TRUE(re) << src << ": " << err;
  return re && re->search(subject);
}

TEST(RegexErrors, WordedLikeYara) {
  EXPECT_EQ(compile_error("a{2,1}"), "bad repeat interval");
  EXPECT_EQ(compile_error("a{0}"), "bad repeat interval");
  EXPECT_EQ(compile_error("a{1,40000}"), "repeat interval too large");
  EXPECT_EQ(compile_error("a[b"), "missing terminating ] for character class");
  EXPECT_EQ(compile_error("a\\1"), "backreferences are not allowed");
  EXPECT_EQ(compile_error("a\\x4g"), "illegal escape sequence");
  EXPECT_EQ(compile_error("[z-a]"), "bad character range");
  EXPECT_EQ(compile_error("a(b"), "syntax error");
  EXPECT_EQ(compile_error("a**"), "syntax error");
  EXPECT_EQ(compile_error("(|a)"), "syntax error");
  EXPECT_EQ(compile_error("a+b*?"),
            "greedy and ungreedy quantifiers can't be mixed in a regular expression");
}

TEST(RegexErrors, AcceptsWhatYaraAccepts) {
  for (const char* ok : {"a|", "a{,2}b", "a{2,}", "a{1}?b", "a{ 1}", "[a-]", "[]a]", "[^]a]", "\\q",
                         "a{b", "a}b", "a]b", "(a|b)c", "\\x41\\n\\t"}) {
    EXPECT_EQ(compile_error(ok), "") << ok;
  }
}

TEST(RegexSearch, LiteralsClassesAndEscapes) {
  EXPECT_TRUE(search("abc", "xxabcxx"));
  EXPECT_FALSE(search("abd", "xxabcxx"));
  EXPECT_TRUE(search("a\\x41", "aA"));
  EXPECT_TRUE(search("[0-9]+x", "ab12x"));
  EXPECT_FALSE(search("[^0-9]x", "1x"));
  EXPECT_TRUE(search("\\d\\s\\w", "1 _"));
  EXPECT_FALSE(search("\\d\\S", "1 "));
  // yara reads "\w-z" inside a class as the range w..z.
  EXPECT_TRUE(search("^[\\w-z]$", "x"));
  EXPECT_FALSE(search("^[\\w-z]$", "_"));
}

TEST(RegexSearch, FlagsAndAnchors) {
  EXPECT_FALSE(search("ABC", "abc"));
  EXPECT_TRUE(search("ABC", "abc", true));
  EXPECT_FALSE(search("a.b", "a\nb"));
  EXPECT_TRUE(search("a.b", "a\nb", false, true));
  EXPECT_TRUE(search("^ab", "abc"));
  EXPECT_FALSE(search("^bc", "abc"));
  EXPECT_TRUE(search("bc$", "abc"));
  EXPECT_FALSE(search("ab$", "abc"));
  EXPECT_TRUE(search("\\bfoo\\b", "a foo b"));
  EXPECT_FALSE(search("\\bfoo\\b", "afoo b"));
  EXPECT_TRUE(search("o\\B", "foox"));
}

TEST(RegexSearch, Quantifiers) {
  EXPECT_TRUE(search("^a{2,3}$", "aaa"));
  EXPECT_FALSE(search("^a{2,3}$", "aaaa"));
  EXPECT_TRUE(search("^(ab)+$", "ababab"));
  EXPECT_TRUE(search("^a(b|cd)*e$", "abcdbe"));
  EXPECT_TRUE(search("^x.*?y$", "x123y"));
}

}  // namespace

// ---- Parity with yara's verification entry, split limit and regex chaining (session 2).
#include "regex/ast.h"
#include "regex/program.h"

namespace {

using yarrow::regex::ByteSet;
using yarrow::regex::ExecOptions;
using yarrow::regex::HexPiece;
using yarrow::regex::Program;
using yarrow::regex::VmScratch;

Program forward_program(const std::string& src) {
  std::string err;
  auto parsed = yarrow::regex::parse_regex(src, false, false, err);
  EXPECT_TRUE(parsed) << src << ": " << err;
  Program p;
  EXPECT_TRUE(p.compile(parsed->root, false)) << src;
  return p;
}

int run(const Program& p, const std::string& data, uint32_t pc) {
  VmScratch s;
  ExecOptions opt;
  opt.start_pc = pc;
  std::span<const uint8_t> d(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return yarrow::regex::exec_forward(p, d, 0, opt, s);
}

std::vector<HexPiece> chain(const std::string& src) {
  std::string err;
  auto parsed = yarrow::regex::parse_regex(src, false, false, err);
  EXPECT_TRUE(parsed) << src << ": " << err;
  return yarrow::regex::split_regex_chain(std::move(parsed->root));
}

TEST(RegexEntry, OptionalAtTheStartIsMandatoryFromTheEntry) {
  // yara starts an atomless string at x in x?? (its code reference), so /\s??1*?/ needs the \s.
  Program p = forward_program("\\s??1*?");
  EXPECT_EQ(p.code_start(), 1u);
  EXPECT_EQ(run(p, " 1", 0), 1);
  EXPECT_EQ(run(p, "1", 0), -1);
  // From the true start the lazy \s?? is skipped: an empty match.
  EXPECT_EQ(run(p, " 1", p.code_start()), 0);
  // Nested optionals and groups are entered the same way.
  EXPECT_EQ(run(forward_program("((ab)?c)?d"), "d", 0), -1);
  EXPECT_EQ(run(forward_program("((ab)?c)?d"), "abcd", 0), 4);
  EXPECT_EQ(run(forward_program("(.)?\\d"), "1", 0), -1);
}

TEST(RegexEntry, DotAndNonOptionalStartsKeepTheCodeStart) {
  for (const char* src : {".?\\d", ".??\\d", "a*b", "(a|b)?c|d", "\\b0?[^a]?", "a{0,2}b"}) {
    EXPECT_EQ(forward_program(src).code_start(), 0u) << src;
  }
  EXPECT_EQ(run(forward_program(".?\\d"), "1", 0), 1);
}

TEST(RegexEntry, MatchesOperatorRunsFromTheCodeStart) {
  EXPECT_TRUE(search("[0-9A]?\\d", "x1"));
  EXPECT_TRUE(search("^\\s?\\d", "1"));
}

TEST(RegexEntry, FirstBytesFollowTheEntry) {
  ByteSet digits_a;
  for (char c = '0'; c <= '9'; ++c) digits_a.set(static_cast<uint8_t>(c));
  digits_a.set('A');
  EXPECT_EQ(forward_program("[0-9A]?\\d").first_bytes(), digits_a);
  // Past an assertion both optionals may be skipped: every byte but 'a' can start, via [^a].
  EXPECT_EQ(forward_program("\\b0?[^a]?").first_bytes().count(), 255u);
  ByteSet ab;
  ab.set('a');
  ab.set('b');
  EXPECT_EQ(forward_program("a*b").first_bytes(), ab);
}

std::string alternatives(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? "|x" : "x") + std::to_string(i);
  return s;
}

std::string nested_ranges(int levels) {
  return std::string(levels, '(') + "ab" + [&] {
    std::string t;
    for (int i = 0; i < levels; ++i) t += "){2,3}";
    return t;
  }();
}

TEST(RegexLimits, AtMost128SplitsLikeYara) {
  EXPECT_EQ(compile_error(alternatives(129)), "");  // 128 splits
  EXPECT_EQ(compile_error(alternatives(130)), "regular expression is too complex");
  // x{2,3} emits x three times around one split: 121 splits at five levels, 364 at six.
  EXPECT_EQ(compile_error(nested_ranges(5)), "");
  EXPECT_EQ(compile_error(nested_ranges(6)), "regular expression is too complex");
  // Repeats of . cost no split in yara (one repeat-any instruction).
  EXPECT_EQ(compile_error(std::string(200, '.') + "{0,3}" + alternatives(129)), "");
}

TEST(RegexChain, SplitsAtLazyDotRangesAboveTheThreshold) {
  auto p = chain("abc.{0,300}?def");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].gap_min, 0);
  EXPECT_EQ(p[0].gap_max, 300);
  p = chain("abc.{0,}?def.{250,260}?ghi");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].gap_max, yarrow::regex::kMaxRepeat);
  EXPECT_EQ(p[1].gap_min, 250);
  EXPECT_EQ(chain("(abc.{0,300}?def)").size(), 2u);
  for (const char* one : {"abc.*?def", "abc.{0,200}?def", "abc(.){0,300}?def", ".{0,300}?def",
                          "abc.{0,300}?", "a(bc.{0,300}?def)", "abc.{0,300}def", "x|abc.{0,300}?d"}) {
    EXPECT_EQ(chain(one).size(), 1u) << one;
  }
}

}  // namespace
