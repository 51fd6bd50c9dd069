// Policy: named exclusions over findings, loaded from a TOML file (schema: docs/policy.md).
//
//   yarrow::Diagnostics diags;
//   auto policy = yarrow::Policy::load_file("policies/nkminer_monero.toml", diags);
//   if (!policy) { for (auto& d : diags) std::cerr << d.to_string() << '\n'; return 1; }
//   policy->apply(finding);   // finding.disposition / finding.suppression now set
//
// Contract:
// - Loading collects every error it can find (unknown keys, wrong types, bad globs, bad times,
//   missing reasons, duplicate ids, ...) as Diagnostics with file:line:column; it returns
//   nullptr when there is at least one error. A TOML syntax error stops parsing, so it is
//   reported alone.
// - An exclusion matches a finding when ALL its conditions hold. A condition about a field the
//   finding does not carry does not hold: unknown is never excluded.
// - evaluate() returns the first matching exclusion in file order. Nothing is ever dropped:
//   apply() only marks the finding suppressed and records which exclusion did it and why.
// - A Policy never changes after loading; evaluate(), apply() on distinct findings, and every
//   other const member may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yarrow/diagnostics.h"
#include "yarrow/finding.h"

namespace yarrow {

// What the policy tells about one of its exclusions (for listings and audit reports).
struct ExclusionInfo {
  std::string id;
  std::string reason;
  uint32_t line = 0;  // where the exclusion starts in the policy file
};

class Policy {
 public:
  // Reads and validates a policy file. nullptr on any error; warnings may come with a policy.
  static std::shared_ptr<const Policy> load_file(const std::string& path, Diagnostics& diagnostics);
  // Same, from text; `source_name` is used as the file name in diagnostics.
  static std::shared_ptr<const Policy> load_string(std::string_view text,
                                                   const std::string& source_name,
                                                   Diagnostics& diagnostics);

  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // The first exclusion (in file order) whose conditions all hold, or nullopt.
  std::optional<Suppression> evaluate(const Finding& finding) const;

  // Every exclusion that matches, in file order (for audits: overlapping exclusions).
  std::vector<std::string> matching_ids(const Finding& finding) const;

  // Sets finding.disposition and finding.suppression from evaluate(); returns the disposition.
  Disposition apply(Finding& finding) const;

  std::span<const ExclusionInfo> exclusions() const;
  const std::string& source_name() const;

  struct Impl;  // src/policy/policy_impl.h

 private:
  explicit Policy(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace yarrow
