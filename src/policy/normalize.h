// Normalisation of the strings conditions compare: paths, URLs, domains, user names.
//
// The aim is that two spellings the operating system treats as the same object compare equal,
// so that neither an exclusion misses its target nor an attacker reaches an excluded location by
// spelling a path differently (`C:\Program Files\..\Windows\x.exe`, `\\?\C:\...`, `C:/A//b`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yarrow::policy {

enum class PathForm : uint8_t { kUnknown, kWindows, kPosix };

// Windows: drive letter (`C:`), UNC (`\\`) or any `\`; POSIX: a leading `/`; else unknown.
PathForm path_form(std::string_view path);

struct NormalizedPath {
  PathForm form = PathForm::kUnknown;
  std::string text;  // `/`-separated; Windows ones ASCII-lowercased
};

// For observed paths. Windows: strips `\\?\`, `\\.\` and `\??\` before a drive, `\\?\UNC\` to
// `\\`; `\` becomes `/`; repeated separators collapse (the UNC `//` excepted); `.` and `..`
// resolve lexically (never above the root); trailing dots and spaces of components go (Windows
// ignores them); ASCII lowercase. POSIX: separators and dot components only; case kept.
NormalizedPath normalize_path(std::string_view path);

// For path patterns and prefixes in a policy: same separators and case, but `.`/`..`
// components and forms other than Windows/POSIX are errors (nullopt, reason in `error`).
std::optional<NormalizedPath> normalize_path_pattern(std::string_view pattern, std::string& error);

// Whether `path` is `prefix` or lies below it (component boundary; both normalised, same form).
bool path_has_prefix(const NormalizedPath& path, const NormalizedPath& prefix);

std::string ascii_lower(std::string_view text);
bool contains(std::string_view haystack, std::string_view needle, bool fold_case);

struct ParsedUrl {
  std::string normalized;  // scheme://host[:port]/rest: scheme+host lowercased, no userinfo
  std::string host;        // empty when the text is not an absolute URL
};
// Lowercases scheme and host, drops userinfo (`https://github.com@evil.kp/` has host evil.kp),
// default ports and the host's trailing dot, decodes percent-escaped unreserved characters.
ParsedUrl parse_url(std::string_view url);

// Lowercase, trailing dot removed.
std::string normalize_domain(std::string_view domain);
// Validates a domain written in a policy (letters, digits, '-', '.'; no wildcards).
bool valid_domain_pattern(std::string_view domain, std::string& error);
// `host` is `domain` or one of its subdomains (both normalised).
bool domain_matches(std::string_view host, std::string_view domain);

// The account part of a user name: after the last `\` ("CORP\alice" -> "alice").
std::string_view account_name(std::string_view user);

}  // namespace yarrow::policy
