#include "scan_session.h"

#include <algorithm>
#include <cstdint>

namespace yarrow::cli {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

ScanSession::ScanSession(std::shared_ptr<const Rules> rules, const ScanArgs& args, OutputSink& sink)
    : rules_(std::move(rules)), args_(args), sink_(sink) {
  for (const RuleInfo& rule : rules_->rules()) {
    bool show = true;
    if (!args_.tags.empty()) {
      show = std::any_of(rule.tags.begin(), rule.tags.end(),
                         [&](const std::string& tag) { return contains(args_.tags, tag); });
    }
    // As in yara, an -i list decides alone: it overrides whatever -t said.
    if (!args_.identifiers.empty()) show = contains(args_.identifiers, rule.name);
    passes_filters_.push_back(show);
  }
}

ScanOptions ScanSession::scanner_options() const {
  ScanOptions options;
  options.fast_mode = args_.fast_scan;
  // yara's -a limits each scan (and, over a directory, the whole run: see scan_command.cpp).
  options.timeout_seconds = args_.timeout <= 0           ? 0
                            : args_.timeout > UINT32_MAX ? UINT32_MAX
                                                         : static_cast<uint32_t>(args_.timeout);
  // Non-matching rules matter for -n, and for -l, which counts every rule reported to it.
  options.report_non_matching = args_.negate || args_.max_rules != 0;
  return options;
}

bool ScanSession::scan_target(Scanner& scanner, ScanResult& result, const std::string& path) {
  FileReport report;
  report.path = path;
  ScanStatus status = scanner.scan_file(path, result);

  bool warnings_fail = false;
  if (!args_.no_warnings) {
    report.warnings = result.warnings;
    // yara's callback turns a warning into a scan error under --fail-on-warnings.
    warnings_fail = args_.fail_on_warnings && !result.warnings.empty();
  }

  if (status != ScanStatus::kOk) {
    report.ok = false;
    report.error = to_string(status);
  } else if (warnings_fail) {
    report.ok = false;
    report.error = "warning treated as error (--fail-on-warnings)";
  } else {
    const RuleInfo* first = rules_->rules().data();
    for (const RuleMatch& match : result.rules) {
      if (match.rule == nullptr) continue;
      bool show = passes_filters_[static_cast<size_t>(match.rule - first)] &&
                  (match.matched != args_.negate);
      if (show) report.rules.push_back(&match);
      int64_t total = total_matches_.load(std::memory_order_relaxed);
      if (match.matched) {
        ++report.match_count;
        total = total_matches_.fetch_add(1, std::memory_order_relaxed) + 1;
      }
      if (args_.max_rules != 0 && total >= args_.max_rules) break;
    }
  }
  sink_.file(report);
  return report.ok;
}

}  // namespace yarrow::cli
