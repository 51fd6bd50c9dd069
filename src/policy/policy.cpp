#include "yarrow/policy.h"

#include <fstream>
#include <sstream>

#include "policy/loader.h"
#include "policy/policy_impl.h"

namespace yarrow {

Policy::Policy(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Policy::~Policy() = default;

std::shared_ptr<const Policy> Policy::load_string(std::string_view text,
                                                  const std::string& source_name,
                                                  Diagnostics& diagnostics) {
  std::unique_ptr<Impl> impl = policy::load_policy(text, source_name, diagnostics);
  if (!impl) return nullptr;
  return std::shared_ptr<const Policy>(new Policy(std::move(impl)));
}

std::shared_ptr<const Policy> Policy::load_file(const std::string& path, Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    Diagnostic d;
    d.message = "cannot read policy file";
    d.file = path;
    diagnostics.push_back(std::move(d));
    return nullptr;
  }
  return load_string(text.str(), path, diagnostics);
}

std::optional<Suppression> Policy::evaluate(const Finding& finding) const {
  const policy::FindingView view(finding);
  for (const policy::Exclusion& e : impl_->exclusions)
    if (e.matches(view)) return Suppression{e.info.id, e.info.reason};
  return std::nullopt;
}

std::vector<std::string> Policy::matching_ids(const Finding& finding) const {
  const policy::FindingView view(finding);
  std::vector<std::string> ids;
  for (const policy::Exclusion& e : impl_->exclusions)
    if (e.matches(view)) ids.push_back(e.info.id);
  return ids;
}

Disposition Policy::apply(Finding& finding) const {
  finding.suppression = evaluate(finding);
  finding.disposition = finding.suppression ? Disposition::kSuppressed : Disposition::kReported;
  return finding.disposition;
}

std::span<const ExclusionInfo> Policy::exclusions() const { return impl_->infos; }
const std::string& Policy::source_name() const { return impl_->source_name; }

}  // namespace yarrow
