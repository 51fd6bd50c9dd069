// Glob patterns for exclusion conditions.
//
// Syntax: `?` one character, `*` any run of characters, `[abc]` `[a-z]` `[!a-z]` one character
// of (not of) a set. There is no escape character (a Windows path uses `\` as separator); write
// a literal metacharacter as a one-character set: `[*]`, `[?]`, `[[]`.
//
// In path mode, `*`, `?` and sets never match `/`, and `**` (only as a whole component:
// `**/x`, `a/**/b`, `a/**`) matches any number of components. Path subjects and patterns are
// normalised first (see normalize.h), so `/` is the only separator seen here.
//
// Matching simulates the pattern as an automaton over the subject, so it costs
// O(pattern tokens x subject length) whatever the pattern: subjects such as command lines come
// from the attacker's side and must not be able to trigger backtracking blow-ups.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yarrow::policy {

enum class GlobMode : uint8_t { kText, kPath };

class Glob {
 public:
  // nullopt with a one-line reason in `error` when the pattern is malformed.
  static std::optional<Glob> compile(std::string_view pattern, GlobMode mode, std::string& error);

  // ASCII case folding when `fold_case`; other bytes compare exactly.
  bool matches(std::string_view subject, bool fold_case) const;

  const std::string& pattern() const { return pattern_; }
  bool has_wildcards() const;

 private:
  enum class Kind : uint8_t {
    kChar,      // one given byte
    kAny,       // `?`
    kSet,       // `[...]`
    kStar,      // `*`: stays while the byte may be consumed
    kGlobstar,  // trailing `**`: anything, separators included
    kOptEnter,  // start of `**/`: may skip the whole group (epsilon to +1 and +2)
    kDirAny,    // body of `**/`: anything, leaves only by consuming a `/`
  };
  struct Token {
    Kind kind = Kind::kChar;
    unsigned char byte = 0;
    std::bitset<256> set;
  };

  bool step_allows(const Token& token, unsigned char c, bool fold_case) const;
  void close(std::vector<uint8_t>& states) const;

  std::string pattern_;
  GlobMode mode_ = GlobMode::kText;
  std::vector<Token> tokens_;
};

}  // namespace yarrow::policy
