#include "policy/glob.h"

namespace yarrow::policy {
namespace {

unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }
unsigned char unfold(unsigned char c) { return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c; }

}  // namespace

std::optional<Glob> Glob::compile(std::string_view pattern, GlobMode mode, std::string& error) {
  Glob glob;
  glob.pattern_ = std::string(pattern);
  glob.mode_ = mode;
  if (pattern.empty()) {
    error = "empty pattern";
    return std::nullopt;
  }
  const bool path = mode == GlobMode::kPath;
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '*') {
      size_t run = 0;
      while (i + run < pattern.size() && pattern[i + run] == '*') ++run;
      if (!path) {  // in text `*` already crosses everything; a run is one star
        glob.tokens_.push_back(Token{Kind::kStar, 0, {}});
        i += run;
        continue;
      }
      if (run > 2) {
        error = "more than two consecutive '*' in \"" + std::string(pattern) + "\"";
        return std::nullopt;
      }
      if (run == 1) {
        glob.tokens_.push_back(Token{Kind::kStar, 0, {}});
        ++i;
        continue;
      }
      const bool starts_component = i == 0 || pattern[i - 1] == '/';
      const bool ends_component = i + 2 == pattern.size() || pattern[i + 2] == '/';
      if (!starts_component || !ends_component) {
        error = "'**' must be a whole path component (as in \"a/**/b\") in \"" +
                std::string(pattern) + "\"";
        return std::nullopt;
      }
      if (i + 2 == pattern.size()) {
        glob.tokens_.push_back(Token{Kind::kGlobstar, 0, {}});
        i += 2;
      } else {  // `**/` : zero or more whole components, the slash included
        glob.tokens_.push_back(Token{Kind::kOptEnter, 0, {}});
        glob.tokens_.push_back(Token{Kind::kDirAny, 0, {}});
        i += 3;
      }
      continue;
    }
    if (c == '?') {
      glob.tokens_.push_back(Token{Kind::kAny, 0, {}});
      ++i;
      continue;
    }
    if (c == '[') {
      Token token{Kind::kSet, 0, {}};
      size_t j = i + 1;
      bool negate = false;
      if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) {
        negate = true;
        ++j;
      }
      bool first = true;
      bool closed = false;
      while (j < pattern.size()) {
        unsigned char lo = static_cast<unsigned char>(pattern[j]);
        if (lo == ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
          unsigned char hi = static_cast<unsigned char>(pattern[j + 2]);
          if (hi < lo) {
            error = "reversed range '" + std::string(pattern.substr(j, 3)) + "' in \"" +
                    std::string(pattern) + "\"";
            return std::nullopt;
          }
          for (unsigned v = lo; v <= hi; ++v) token.set.set(v);
          j += 3;
        } else {
          token.set.set(lo);
          ++j;
        }
      }
      if (!closed) {
        error = "unterminated '[' in \"" + std::string(pattern) + "\"";
        return std::nullopt;
      }
      if (negate) token.set.flip();
      glob.tokens_.push_back(token);
      i = j + 1;
      continue;
    }
    if (c == ']') {
      error = "unmatched ']' in \"" + std::string(pattern) + "\" (write [[] or []] for literals)";
      return std::nullopt;
    }
    glob.tokens_.push_back(Token{Kind::kChar, static_cast<unsigned char>(c), {}});
    ++i;
  }
  return glob;
}

bool Glob::has_wildcards() const {
  for (const Token& t : tokens_)
    if (t.kind != Kind::kChar) return true;
  return false;
}

bool Glob::step_allows(const Token& token, unsigned char c, bool fold_case) const {
  const bool separator = mode_ == GlobMode::kPath && c == '/';
  switch (token.kind) {
    case Kind::kChar:
      return fold_case ? fold(token.byte) == fold(c) : token.byte == c;
    case Kind::kAny:
    case Kind::kStar:
      return !separator;
    case Kind::kSet:
      if (separator) return false;
      if (token.set.test(c)) return true;
      return fold_case && (token.set.test(fold(c)) || token.set.test(unfold(c)));
    case Kind::kGlobstar:
    case Kind::kDirAny:
      return true;
    case Kind::kOptEnter:
      return false;
  }
  return false;
}

// Adds the states reachable without consuming input. Every such edge points forward, so one
// ascending pass reaches the fixpoint.
void Glob::close(std::vector<uint8_t>& states) const {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (!states[i]) continue;
    switch (tokens_[i].kind) {
      case Kind::kStar:
      case Kind::kGlobstar:
        states[i + 1] = 1;
        break;
      case Kind::kOptEnter:
        states[i + 1] = 1;
        states[i + 2] = 1;
        break;
      default:
        break;
    }
  }
}

bool Glob::matches(std::string_view subject, bool fold_case) const {
  const size_t n = tokens_.size();
  std::vector<uint8_t> current(n + 1, 0);
  std::vector<uint8_t> next(n + 1, 0);
  current[0] = 1;
  close(current);
  for (char ch : subject) {
    const unsigned char c = static_cast<unsigned char>(ch);
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!current[i]) continue;
      const Token& token = tokens_[i];
      if (!step_allows(token, c, fold_case)) continue;
      any = true;
      switch (token.kind) {
        case Kind::kStar:
        case Kind::kGlobstar:
          next[i] = 1;
          break;
        case Kind::kDirAny:
          next[i] = 1;
          if (c == '/') next[i + 1] = 1;
          break;
        default:
          next[i + 1] = 1;
          break;
      }
    }
    if (!any) return false;
    close(next);
    current.swap(next);
  }
  return current[n] != 0;
}

}  // namespace yarrow::policy
