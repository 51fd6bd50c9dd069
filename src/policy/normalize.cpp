#include "policy/normalize.h"

#include <vector>

namespace yarrow::policy {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool starts_with_drive(std::string_view s) {
  return s.size() >= 2 && is_alpha(s[0]) && s[1] == ':';
}

// Strips the Win32 / NT namespace prefixes that still name a drive path.
std::string strip_windows_prefix(std::string_view s) {
  auto starts = [&](std::string_view p) {
    if (s.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i)
      if (lower(s[i]) != lower(p[i])) return false;
    return true;
  };
  if (starts("\\\\?\\UNC\\")) return "\\\\" + std::string(s.substr(8));
  for (std::string_view p : {"\\\\?\\", "\\\\.\\", "\\??\\"}) {
    if (starts(p) && starts_with_drive(s.substr(p.size()))) return std::string(s.substr(p.size()));
  }
  return std::string(s);
}

struct Split {
  std::string root;  // "c:/", "c:", "//", "/" or ""
  std::vector<std::string> components;
};

Split split(std::string_view s, PathForm form) {
  Split out;
  size_t i = 0;
  if (form == PathForm::kWindows) {
    if (starts_with_drive(s)) {
      out.root = std::string(s.substr(0, 2));
      i = 2;
      if (i < s.size() && s[i] == '/') {
        out.root += '/';
        ++i;
      }
    } else if (s.size() >= 2 && s[0] == '/' && s[1] == '/') {
      out.root = "//";
      i = 2;
    } else if (!s.empty() && s[0] == '/') {
      out.root = "/";
      i = 1;
    }
  } else if (!s.empty() && s[0] == '/') {
    out.root = "/";
    i = 1;
  }
  std::string current;
  for (; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/') {
      if (!current.empty()) out.components.push_back(std::move(current));
      current.clear();
    } else {
      current += s[i];
    }
  }
  return out;
}

std::string join(const Split& parts) {
  std::string out = parts.root;
  for (size_t i = 0; i < parts.components.size(); ++i) {
    if (i > 0) out += '/';
    out += parts.components[i];
  }
  return out;
}

std::string to_slashes(std::string_view s, bool fold) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\\') c = '/';
    if (fold) c = lower(c);
  }
  return out;
}

// RFC 3986 dot-segment removal on the path part, so that a recorded
// "https://github.com/vetted/tool/../../attacker/x" is compared as the resource it names.
std::string remove_dot_segments(const std::string& tail) {
  const size_t path_end = tail.find_first_of("?#");
  const std::string path = tail.substr(0, path_end);
  const std::string rest = path_end == std::string::npos ? "" : tail.substr(path_end);
  if (path.empty()) return rest;
  std::vector<std::string> out;
  size_t start = path[0] == '/' ? 1 : 0;
  bool trailing_slash = false;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string segment = path.substr(start, end - start);
    const bool last = end == path.size();
    if (segment == ".") {
      trailing_slash = last;
    } else if (segment == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = last;
    } else {
      out.push_back(segment);
      trailing_slash = false;
    }
    start = end + 1;
  }
  std::string joined;
  for (const std::string& segment : out) joined += "/" + segment;
  if (trailing_slash) joined += "/";
  return joined + rest;
}

}  // namespace

PathForm path_form(std::string_view path) {
  if (path.empty()) return PathForm::kUnknown;
  if (path[0] == '/') return PathForm::kPosix;
  if (starts_with_drive(path)) return PathForm::kWindows;
  if (path.find('\\') != std::string_view::npos) return PathForm::kWindows;
  return PathForm::kUnknown;
}

NormalizedPath normalize_path(std::string_view path) {
  NormalizedPath out;
  out.form = path_form(path);
  if (out.form == PathForm::kUnknown) {
    out.text = std::string(path);
    return out;
  }
  const bool windows = out.form == PathForm::kWindows;
  std::string text = windows ? to_slashes(strip_windows_prefix(path), true) : std::string(path);
  Split parts = split(text, out.form);
  std::vector<std::string> resolved;
  for (std::string& c : parts.components) {
    if (windows && c != "." && c != "..") {
      while (!c.empty() && (c.back() == '.' || c.back() == ' ')) c.pop_back();
      if (c.empty()) continue;
    }
    if (c == ".") continue;
    if (c == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(std::move(c));
  }
  parts.components = std::move(resolved);
  out.text = join(parts);
  return out;
}

std::optional<NormalizedPath> normalize_path_pattern(std::string_view pattern, std::string& error) {
  NormalizedPath out;
  out.form = path_form(pattern);
  if (out.form == PathForm::kUnknown) {
    error = "cannot tell a Windows from a POSIX path in \"" + std::string(pattern) +
            "\": start with a drive (C:\\), \\\\server or /, or use \\ as separator";
    return std::nullopt;
  }
  const bool windows = out.form == PathForm::kWindows;
  Split parts = split(windows ? to_slashes(pattern, true) : std::string(pattern), out.form);
  for (const std::string& c : parts.components) {
    if (c == "." || c == "..") {
      error = "'.' and '..' components are not allowed in \"" + std::string(pattern) + "\"";
      return std::nullopt;
    }
  }
  out.text = join(parts);
  return out;
}

bool path_has_prefix(const NormalizedPath& path, const NormalizedPath& prefix) {
  if (path.form != prefix.form || path.form == PathForm::kUnknown) return false;
  const std::string& p = path.text;
  const std::string& q = prefix.text;
  if (p.size() < q.size() || p.compare(0, q.size(), q) != 0) return false;
  if (p.size() == q.size()) return true;
  return q.back() == '/' || p[q.size()] == '/';
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool contains(std::string_view haystack, std::string_view needle, bool fold_case) {
  if (!fold_case) return haystack.find(needle) != std::string_view::npos;
  return ascii_lower(haystack).find(ascii_lower(needle)) != std::string::npos;
}

ParsedUrl parse_url(std::string_view url) {
  ParsedUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    out.normalized = std::string(url);
    return out;
  }
  const std::string scheme = ascii_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string host = ascii_lower(authority);
  std::string port;
  if (!host.empty() && host[0] == '[') {  // IPv6 literal
    if (size_t close = host.find(']'); close != std::string::npos) {
      if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
      host = host.substr(0, close + 1);
    }
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  while (!host.empty() && host.back() == '.') host.pop_back();
  if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) port.clear();

  std::string decoded;
  for (size_t i = 0; i < tail.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = lower(c);
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    if (tail[i] == '%' && i + 2 < tail.size()) {
      const int hi = hex(tail[i + 1]);
      const int lo = hex(tail[i + 2]);
      if (hi >= 0 && lo >= 0) {
        const char c = static_cast<char>(hi * 16 + lo);
        const bool unreserved =
            is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
          decoded += c;
          i += 2;
          continue;
        }
      }
    }
    decoded += tail[i];
  }
  out.host = host;
  out.normalized =
      scheme + "://" + host + (port.empty() ? "" : ":" + port) + remove_dot_segments(decoded);
  return out;
}

std::string normalize_domain(std::string_view domain) {
  std::string out = ascii_lower(domain);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool valid_domain_pattern(std::string_view domain, std::string& error) {
  if (domain.empty()) {
    error = "empty domain";
    return false;
  }
  if (domain.find('*') != std::string_view::npos) {
    error = "domain \"" + std::string(domain) +
            "\" has a wildcard: a domain condition already matches its subdomains "
            "(write github.com, not *.github.com)";
    return false;
  }
  for (char c : domain) {
    if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      error =
          "invalid character '" + std::string(1, c) + "' in domain \"" + std::string(domain) + "\"";
      return false;
    }
  }
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    error = "malformed domain \"" + std::string(domain) + "\"";
    return false;
  }
  return true;
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (host.empty() || domain.empty()) return false;
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

std::string_view account_name(std::string_view user) {
  const size_t slash = user.rfind('\\');
  return slash == std::string_view::npos ? user : user.substr(slash + 1);
}

}  // namespace yarrow::policy
