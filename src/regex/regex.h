// Regular expressions in yara's dialect, for the condition operator `matches`
// (e.g. `filename matches /\.exe$/i`). The same engine verifies regex and hex strings inside the
// matcher (src/match); this header is the part the evaluator needs.
//
// Thread safety: a compiled Regex is immutable; search() may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace yarrow::regex {

class Regex {
 public:
  virtual ~Regex() = default;

  // Compiles `source` (the text between the slashes). On failure returns nullptr and sets
  // `error` to a one-line message worded like yara's.
  static std::unique_ptr<const Regex> compile(std::string_view source, bool nocase, bool dotall,
                                              std::string& error);

  // True when the expression matches anywhere in `subject` (yara's `matches` semantics).
  virtual bool search(std::string_view subject) const = 0;
};

}  // namespace yarrow::regex
