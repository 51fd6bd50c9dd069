#include "policy/normalize.h"

#include <gtest/gtest.h>

namespace yarrow::policy {
namespace {

std::string norm(std::string_view p) { return normalize_path(p).text; }

TEST(Normalize, PathForms) {
  EXPECT_EQ(path_form("C:\\Windows"), PathForm::kWindows);
  EXPECT_EQ(path_form("c:/windows"), PathForm::kWindows);
  EXPECT_EQ(path_form("\\\\server\\share"), PathForm::kWindows);
  EXPECT_EQ(path_form("Downloads\\x.exe"), PathForm::kWindows);
  EXPECT_EQ(path_form("/usr/bin/ls"), PathForm::kPosix);
  EXPECT_EQ(path_form("ls"), PathForm::kUnknown);
  EXPECT_EQ(path_form(""), PathForm::kUnknown);
}

TEST(Normalize, WindowsPaths) {
  EXPECT_EQ(norm("C:\\Program Files\\Vendor\\App.exe"), "c:/program files/vendor/app.exe");
  EXPECT_EQ(norm("C:/Program Files//Vendor\\\\App.exe"), "c:/program files/vendor/app.exe");
  EXPECT_EQ(norm("\\\\?\\C:\\Windows\\Sys64\\x.exe"), "c:/windows/sys64/x.exe");
  EXPECT_EQ(norm("\\??\\C:\\Windows\\x.exe"), "c:/windows/x.exe");
  EXPECT_EQ(norm("\\\\?\\UNC\\Server\\Share\\x"), "//server/share/x");
  EXPECT_EQ(norm("\\\\Server\\Share\\x"), "//server/share/x");
  // Lexical dot resolution: the classic way to make a path look like it is somewhere else.
  EXPECT_EQ(norm("C:\\Program Files\\..\\Windows\\Sys64\\intelservice.exe"),
            "c:/windows/sys64/intelservice.exe");
  EXPECT_EQ(norm("C:\\..\\..\\Windows\\.\\x.exe"), "c:/windows/x.exe");
  // Windows drops trailing dots and spaces of a component.
  EXPECT_EQ(norm("C:\\Program Files. \\x.exe."), "c:/program files/x.exe");
  EXPECT_EQ(norm("C:\\"), "c:/");
}

TEST(Normalize, PosixPathsKeepCase) {
  EXPECT_EQ(norm("/opt/Tool//bin/./x"), "/opt/Tool/bin/x");
  EXPECT_EQ(norm("/opt/tool/../../etc/x"), "/etc/x");
  EXPECT_EQ(norm("/a/b. "), "/a/b. ");
}

TEST(Normalize, Patterns) {
  std::string error;
  auto p = normalize_path_pattern("C:\\Program Files\\", error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->form, PathForm::kWindows);
  EXPECT_EQ(p->text, "c:/program files");
  EXPECT_FALSE(normalize_path_pattern("C:\\a\\..\\b", error));
  EXPECT_NE(error.find("'..'"), std::string::npos);
  EXPECT_FALSE(normalize_path_pattern("relative/x", error));
  EXPECT_NE(error.find("Windows from a POSIX"), std::string::npos);
}

TEST(Normalize, PrefixIsComponentWise) {
  std::string error;
  auto prefix = *normalize_path_pattern("C:\\Program Files", error);
  EXPECT_TRUE(path_has_prefix(normalize_path("C:\\Program Files\\x.exe"), prefix));
  EXPECT_TRUE(path_has_prefix(normalize_path("c:\\program files"), prefix));
  EXPECT_FALSE(path_has_prefix(normalize_path("C:\\Program Files Evil\\x.exe"), prefix));
  EXPECT_FALSE(path_has_prefix(normalize_path("/C:/Program Files/x"), prefix));
  auto root = *normalize_path_pattern("C:\\", error);
  EXPECT_TRUE(path_has_prefix(normalize_path("C:\\x"), root));
}

TEST(Normalize, Urls) {
  EXPECT_EQ(parse_url("HTTPS://GitHub.COM:443/Org/Tool").normalized, "https://github.com/Org/Tool");
  EXPECT_EQ(parse_url("https://github.com@evil.kp/x").host, "evil.kp");
  EXPECT_EQ(parse_url("https://user:pw@GitLab.com./a").normalized, "https://gitlab.com/a");
  EXPECT_EQ(parse_url("http://h:8080/a%2Fb%41").normalized, "http://h:8080/a%2FbA");
  EXPECT_EQ(parse_url("https://[::1]:8443/x").host, "[::1]");
  EXPECT_EQ(parse_url("not a url").host, "");
  EXPECT_EQ(parse_url("https://github.com/org/tool/../../evil/x/./y?a=../b").normalized,
            "https://github.com/evil/x/y?a=../b");
  EXPECT_EQ(parse_url("https://github.com/org/tool/%2e%2e/other").normalized,
            "https://github.com/org/other");
  EXPECT_EQ(parse_url("https://github.com/a/b/").normalized, "https://github.com/a/b/");
  EXPECT_EQ(parse_url("https://github.com/a/..").normalized, "https://github.com/");
  EXPECT_EQ(parse_url("https://github.com").normalized, "https://github.com");
}

TEST(Normalize, Domains) {
  EXPECT_TRUE(domain_matches("github.com", "github.com"));
  EXPECT_TRUE(domain_matches("objects.github.com", "github.com"));
  EXPECT_FALSE(domain_matches("evilgithub.com", "github.com"));
  EXPECT_FALSE(domain_matches("github.com.evil.kp", "github.com"));
  EXPECT_EQ(normalize_domain("GitHub.com."), "github.com");
  std::string error;
  EXPECT_FALSE(valid_domain_pattern("*.github.com", error));
  EXPECT_NE(error.find("subdomains"), std::string::npos);
  EXPECT_FALSE(valid_domain_pattern("git hub.com", error));
  EXPECT_TRUE(valid_domain_pattern("github.com", error));
}

TEST(Normalize, AccountName) {
  EXPECT_EQ(account_name("CORP\\alice"), "alice");
  EXPECT_EQ(account_name("alice"), "alice");
  EXPECT_EQ(account_name("NT AUTHORITY\\SYSTEM"), "SYSTEM");
}

}  // namespace
}  // namespace yarrow::policy
