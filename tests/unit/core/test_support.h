// Helpers for the core tests: compile rule text, scan bytes, and ask the reference yara for
// the same answer when it is installed.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "yarrow/compiler.h"
#include "yarrow/scanner.h"

namespace yarrow::test {

struct Compiled {
  std::shared_ptr<const Rules> rules;
  Diagnostics diags;
};

Compiled compile(const std::string& text,
                 const std::vector<std::pair<std::string, Value>>& externals = {});

// Names of the rules that matched `data` (yarrow).
std::set<std::string> matching_rules(const std::shared_ptr<const Rules>& rules,
                                     const std::string& data);

// Names of the rules yara reports for `data`, or nullopt when /usr/bin/yara is missing.
// `compiled_ok` tells whether yara accepted the rules.
struct YaraAnswer {
  bool compiled_ok = false;
  std::set<std::string> rules;
};
std::optional<YaraAnswer> ask_yara(const std::string& text, const std::string& data,
                                   const std::string& extra_args = "");

// `data` scanned in memory, non-matching rules listed too when asked.
ScanResult scan_result(const std::shared_ptr<const Rules>& rules, const std::string& data,
                       bool non_matching);
// A scan's result, rendered comparably: every listed rule, matched or not, with its matches
// (id@offset:length), then the warnings.
std::string render(const ScanResult& result);
// `data` scanned in memory (non-matching rules listed too when asked), rendered.
std::string scan_rendered(const std::shared_ptr<const Rules>& rules, const std::string& data,
                          bool non_matching);

// The first error diagnostic, if any.
const Diagnostic* first_error(const Diagnostics& diags);

}  // namespace yarrow::test
