// Internal shape of a loaded Policy: exclusions as lists of compiled conditions.
//
// A condition is a predicate over a FindingView, the finding plus the normalised forms of its
// paths, URLs and case rule, computed once per evaluation rather than once per condition.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "policy/normalize.h"
#include "yarrow/finding.h"
#include "yarrow/policy.h"

namespace yarrow::policy {

struct FindingView {
  explicit FindingView(const Finding& f);

  const Finding& finding;
  // Names, users and command lines fold case on Windows hosts (given, or inferred from paths).
  bool windows = false;
  std::optional<NormalizedPath> file_path;
  std::optional<NormalizedPath> process_path;
  std::optional<NormalizedPath> parent_path;
  std::optional<ParsedUrl> download_url;
  std::optional<ParsedUrl> referrer_url;
};

struct Condition {
  std::string key;  // e.g. "process.path", for explanations
  std::function<bool(const FindingView&)> holds;
};

struct Exclusion {
  ExclusionInfo info;
  std::vector<Condition> conditions;

  bool matches(const FindingView& view) const {
    for (const Condition& c : conditions)
      if (!c.holds(view)) return false;
    return true;
  }
};

}  // namespace yarrow::policy

namespace yarrow {

struct Policy::Impl {
  std::string source_name;
  std::vector<ExclusionInfo> infos;
  std::vector<policy::Exclusion> exclusions;
};

}  // namespace yarrow
