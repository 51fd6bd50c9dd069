#include "policy/glob.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace yarrow::policy
