// The exclusions of a policy file as data (keys and values as written, groups expanded), for
// translating them into query filters.
//
// Contract: load_policy_spec() first validates the file with yarrow::Policy::load_file (so an
// exporter never accepts a policy that the scanner would reject: same diagnostics), then reads
// the same TOML for the raw values. Policy itself only keeps compiled predicates, which cannot
// be turned back into query text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "yarrow/diagnostics.h"

namespace yarrow::exporter {

struct PolicyCondition {
  std::string key;                  // "process.path", "time.hours", "network.remote_port", ...
  std::vector<std::string> values;  // strings, numbers and booleans as text; @groups expanded
};

struct ExclusionSpec {
  std::string id;
  std::string reason;
  std::vector<PolicyCondition> conditions;  // all must hold

  const PolicyCondition* find(const std::string& key) const;
};

struct PolicySpec {
  std::string source_name;
  std::string description;
  std::vector<ExclusionSpec> exclusions;
};

std::optional<PolicySpec> load_policy_spec(const std::string& path, Diagnostics& diagnostics);
std::optional<PolicySpec> load_policy_spec_string(const std::string& text,
                                                  const std::string& source_name,
                                                  Diagnostics& diagnostics);

// Glob (policy syntax: `?`, `*`, sets; `**` for path globs) → anchored RE2 pattern.
// `path`: `*`/`?` stay inside one component and `\` and `/` are the same separator.
std::string glob_to_regex(const std::string& glob, bool path, bool nocase);
bool has_glob_chars(const std::string& text);
// Whether a simple (non-path) glob matches `text` exactly, for static checks like rule.name.
bool glob_matches(const std::string& glob, const std::string& text);

}  // namespace yarrow::exporter
