// Placeholder so the target links until the regex engine lands (owned by the matcher work).
#include "regex/regex.h"

namespace yarrow::regex {
std::unique_ptr<const Regex> Regex::compile(std::string_view, bool, bool, std::string& error) {
  error = "regular expressions are not implemented yet";
  return nullptr;
}
}  // namespace yarrow::regex
