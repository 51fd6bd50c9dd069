// Turning scan results into yarrow::Findings for exclusion policies and JSON output: what is
// known about the scanned file or process (owner, size, mtime, host, sha256, process context),
// and policy evaluation over every matching rule.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "output.h"
#include "yarrow/finding.h"
#include "yarrow/policy.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {

// This machine's name (gethostname), read once; nullopt if unknown.
const std::optional<std::string>& host_name();

// Lower-case hex SHA-256 of a file's contents; nullopt if it can't be read.
std::optional<std::string> sha256_file(const std::string& path);

// File facts from `st` (already taken by the caller) and the path as given.
TargetContext file_target(const std::string& path, const struct stat& st);

// The Finding a policy judges for one matching rule of `rules`. A rule with `private` strings
// gets no matched-string list (unknown): their matches are never reported, so a list would
// look complete when it isn't, and rule.strings_only could wrongly hold.
Finding make_finding(const Rules& rules, const RuleMatch& match, const TargetContext& target);

// The first suppression any policy (in command-line order) gives `finding`; nullopt: reported.
std::optional<Suppression> evaluate_policies(
    const std::vector<std::shared_ptr<const Policy>>& policies, Finding& finding);

}  // namespace yarrow::cli
