// Rule diagnostics: errors and warnings found while compiling rules. They are data, collected
// and returned, never thrown or printed by the library; the CLI decides how to show them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yarrow {

enum class Severity : uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  // Stable code, "E" or "W" and three digits (see docs/diagnostics.md), e.g. "E012".
  std::string code;
  std::string message;  // one line, no trailing period, no location
  std::string file;     // path as given by the user or resolved for an include; may be empty
  uint32_t line = 0;    // 1-based; 0 when there is no position
  uint32_t column = 0;  // 1-based byte column; 0 when there is no position
  std::string rule;     // the rule the diagnostic is about, when there is one

  // "file:line:column: error: message" (parts without a value are left out).
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace yarrow
