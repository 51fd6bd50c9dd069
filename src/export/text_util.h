// Small text helpers shared by the KQL and Sigma writers.
#pragma once

#include <string>
#include <vector>

namespace yarrow::exporter {

inline std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// A YAML single-quoted scalar: backslashes stay literal (Windows paths), quotes are doubled,
// and line breaks become spaces so a value never spills into the next key.
inline std::string yaml_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\r') out += ' ';
    else out.push_back(c);
  }
  return out + "'";
}

}  // namespace yarrow::exporter
