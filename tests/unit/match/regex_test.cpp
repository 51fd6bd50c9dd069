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
