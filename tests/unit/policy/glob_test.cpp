#include "policy/glob.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace yarrow::policy {
namespace {

Glob text(const std::string& p) {
  std::string error;
  auto g = Glob::compile(p, GlobMode::kText, error);
  EXPECT_TRUE(g) << p << ": " << error;
  return *g;
}

Glob path(const std::string& p) {
  std::string error;
  auto g = Glob::compile(p, GlobMode::kPath, error);
  EXPECT_TRUE(g) << p << ": " << error;
  return *g;
}

std::string compile_error(const std::string& p, GlobMode mode) {
  std::string error;
  auto g = Glob::compile(p, mode, error);
  return g ? "" : error;
}

TEST(Glob, LiteralsAndCase) {
  EXPECT_TRUE(text("signtool.exe").matches("signtool.exe", false));
  EXPECT_FALSE(text("signtool.exe").matches("SignTool.exe", false));
  EXPECT_TRUE(text("signtool.exe").matches("SignTool.EXE", true));
  EXPECT_FALSE(text("signtool.exe").matches("signtool.exe ", true));
  EXPECT_FALSE(text("signtool.exe").matches("signtool.ex", true));
}

TEST(Glob, TextStarCrossesEverything) {
  Glob g = text("*-o *barjuok*");
  EXPECT_TRUE(g.matches("C:/x/y.exe -o barjuok.ryongnamsan.edu.kp:8080", false));
  EXPECT_FALSE(g.matches("C:/x/y.exe -u barjuok", false));
  EXPECT_TRUE(text("*").matches("", false));
  EXPECT_TRUE(text("a**b").matches("a/x/b", false));
}

TEST(Glob, QuestionAndSets) {
  EXPECT_TRUE(text("dev-?").matches("dev-1", false));
  EXPECT_FALSE(text("dev-?").matches("dev-12", false));
  EXPECT_TRUE(text("[a-c]x").matches("bx", false));
  EXPECT_FALSE(text("[a-c]x").matches("dx", false));
  EXPECT_TRUE(text("[!a-c]x").matches("dx", false));
  EXPECT_TRUE(text("[A-C]x").matches("bx", true));
  EXPECT_FALSE(text("[A-C]x").matches("bx", false));
  EXPECT_TRUE(text("[*]").matches("*", false));
  EXPECT_FALSE(text("[*]").matches("a", false));
  EXPECT_TRUE(text("[]]").matches("]", false));
}

TEST(Glob, PathStarStaysInComponent) {
  Glob g = path("c:/users/*/downloads/*.exe");
  EXPECT_TRUE(g.matches("c:/users/jdoe/downloads/setup.exe", false));
  EXPECT_FALSE(g.matches("c:/users/jdoe/downloads/sub/setup.exe", false));
  EXPECT_FALSE(g.matches("c:/users/a/b/downloads/setup.exe", false));
  EXPECT_FALSE(path("c:/?").matches("c://", false));
  EXPECT_FALSE(path("a[/]b").matches("a/b", false));
}

TEST(Glob, Globstar) {
  Glob mid = path("c:/kits/**/signtool.exe");
  EXPECT_TRUE(mid.matches("c:/kits/signtool.exe", false));
  EXPECT_TRUE(mid.matches("c:/kits/10/bin/x64/signtool.exe", false));
  EXPECT_FALSE(mid.matches("c:/kits/10/bin/x64/notsigntool.exe", false));
  EXPECT_FALSE(mid.matches("c:/kitsx/signtool.exe", false));
  Glob tail = path("c:/users/*/downloads/**");
  EXPECT_TRUE(tail.matches("c:/users/a/downloads/x.exe", false));
  EXPECT_TRUE(tail.matches("c:/users/a/downloads/d/e/x.exe", false));
  EXPECT_FALSE(tail.matches("c:/users/a/documents/x.exe", false));
  Glob lead = path("**/intelservice.exe");
  EXPECT_TRUE(lead.matches("intelservice.exe", false));
  EXPECT_TRUE(lead.matches("c:/windows/sys64/intelservice.exe", false));
  EXPECT_TRUE(path("**").matches("/any/thing", false));
}

TEST(Glob, Errors) {
  EXPECT_NE(compile_error("", GlobMode::kText), "");
  EXPECT_NE(compile_error("[abc", GlobMode::kText).find("unterminated"), std::string::npos);
  EXPECT_NE(compile_error("[z-a]", GlobMode::kText).find("reversed range"), std::string::npos);
  EXPECT_NE(compile_error("a]", GlobMode::kText).find("unmatched"), std::string::npos);
  EXPECT_NE(compile_error("c:/a**/b", GlobMode::kPath).find("whole path component"),
            std::string::npos);
  EXPECT_NE(compile_error("c:/***/b", GlobMode::kPath).find("consecutive"), std::string::npos);
  EXPECT_EQ(compile_error("c:/a/**/b", GlobMode::kPath), "");
}

TEST(Glob, LongHostileSubjectStaysLinear) {
  // Many stars against a long near-miss would take exponential time with backtracking.
  Glob g = text("*a*a*a*a*a*a*a*a*a*a*a*a*b");
  const std::string subject(200000, 'a');
  EXPECT_FALSE(g.matches(subject, false));
  EXPECT_TRUE(g.matches(subject + "b", false));
}

// Reference semantics, written the obvious (exponential) way, for small random cases.
bool ref_component(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t k = 0; k <= s.size(); ++k)
      if (ref_component(p.substr(1), s.substr(k))) return true;
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return ref_component(p.substr(1), s.substr(1));
  if (p[0] == '[') {  // only "[ab]" is generated
    return (s[0] == 'a' || s[0] == 'b') && ref_component(p.substr(4), s.substr(1));
  }
  return p[0] == s[0] && ref_component(p.substr(1), s.substr(1));
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '/') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool ref_path(const std::vector<std::string>& p, size_t i, const std::vector<std::string>& s,
              size_t j) {
  if (i == p.size()) return j == s.size();
  if (p[i] == "**") {
    const bool last = i + 1 == p.size();
    // A trailing "**" after other components needs at least one component: "a/**" is what lies
    // below a, not a itself. Elsewhere it may match none.
    const size_t min = last && i > 0 ? 1 : 0;
    for (size_t k = j + min; k <= s.size(); ++k)
      if (ref_path(p, i + 1, s, k)) return true;
    return false;
  }
  return j < s.size() && ref_component(p[i], s[j]) && ref_path(p, i + 1, s, j + 1);
}

TEST(Glob, AgreesWithReferenceOnRandomCases) {
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto random_subject = [&] {
    std::string s;
    const int n = pick(9);
    for (int i = 0; i < n; ++i) s += "ab/"[pick(3)];
    return s;
  };
  int checked = 0;
  for (int round = 0; round < 20000; ++round) {
    // Text mode: any mix of literals and wildcards.
    std::string tp;
    for (int i = 0, n = pick(7); i < n; ++i) {
      const char* atoms[] = {"a", "b", "/", "?", "*", "[ab]"};
      tp += atoms[pick(6)];
    }
    if (tp.empty()) tp = "*";
    std::string error;
    auto t = Glob::compile(tp, GlobMode::kText, error);
    ASSERT_TRUE(t) << tp << ": " << error;
    // Path mode: components, some of them "**".
    std::string pp;
    for (int c = 0, n = 1 + pick(4); c < n; ++c) {
      if (c > 0) pp += '/';
      if (pick(4) == 0) {
        pp += "**";
        continue;
      }
      for (int i = 0, m = pick(4); i < m; ++i) {
        const char* atoms[] = {"a", "b", "?", "*", "[ab]"};
        pp += atoms[pick(5)];
      }
    }
    auto g = Glob::compile(pp, GlobMode::kPath, error);
    if (pp.find("***") != std::string::npos) continue;  // e.g. "*" next to "**": rejected
    if (!g) continue;  // "**" glued to other characters is rejected; covered by Errors
    for (int k = 0; k < 5; ++k) {
      const std::string s = random_subject();
      ASSERT_EQ(t->matches(s, false), ref_component(tp, s)) << "text " << tp << " vs " << s;
      ASSERT_EQ(g->matches(s, false), ref_path(split(pp), 0, split(s), 0))
          << "path " << pp << " vs " << s;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50000);
}

}  // namespace
}  // namespace yarrow::policy
