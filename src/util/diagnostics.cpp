#include "yarrow/diagnostics.h"

namespace yarrow {

std::string Diagnostic::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
      if (column > 0) out += ':' + std::to_string(column);
    }
    out += ": ";
  }
  out += severity == Severity::kError ? "error" : "warning";
  if (!code.empty()) out += "[" + code + "]";
  out += ": ";
  if (!rule.empty()) out += "rule \"" + rule + "\": ";
  out += message;
  return out;
}

}  // namespace yarrow
