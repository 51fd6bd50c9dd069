#include "scan_session.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>

#include "procmem/process_info.h"
#include "procmem/process_memory.h"
#include "progress.h"
#include "target_context.h"

namespace yarrow::cli {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Regions every process has that the kernel never lets /proc/PID/mem read: not worth a warning.
bool expected_unreadable(const std::string& name) {
  return name.rfind("[vvar", 0) == 0 || name == "[vsyscall]";
}

}  // namespace

ScanSession::ScanSession(std::shared_ptr<const Rules> rules, const ScanArgs& args, OutputSink& sink,
                         SessionExtras extras)
    : rules_(std::move(rules)), args_(args), sink_(sink), extras_(std::move(extras)) {
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
  options.collect_module_data = args_.print_module_data;  // -D
  return options;
}

bool ScanSession::scan_target(Scanner& scanner, ScanResult& result, const std::string& path,
                              bool* is_directory) {
  if (extras_.progress != nullptr) extras_.progress->set_current(path);
  FileReport report;
  report.path = path;
  TargetContext context;
  const bool need_context = extras_.json || !extras_.policies.empty();
  // Only the file's context and the progress line need a stat of their own: scan_file opens
  // the path once, without blocking, and refuses FIFOs and sockets from that descriptor (a
  // path lookup costs as much as a small file's scan; a scan list's files had three).
  struct stat st {};
  const bool have_stat =
      (need_context || extras_.progress != nullptr) && ::stat(path.c_str(), &st) == 0;
  if (have_stat && S_ISDIR(st.st_mode) && is_directory != nullptr) {
    *is_directory = true;
    return false;
  }
  if (have_stat && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    result.rules.clear();
    result.warnings.clear();
    return finish(report, ScanStatus::kCannotOpen, result);
  }
  if (need_context && have_stat) {
    context = file_target(path, st);
    if (extras_.json) context.sha256 = sha256_file(path);
    report.context = &context;
  } else if (need_context) {
    context.host = host_name();
    report.context = &context;
  }
  ScanStatus status = scanner.scan_file(path, result);
  if (status == ScanStatus::kIsDirectory && is_directory != nullptr) {
    *is_directory = true;
    return false;
  }
  if (status == ScanStatus::kOk) {
    stats_.files_scanned.fetch_add(1, std::memory_order_relaxed);
    if (have_stat) stats_.bytes_scanned.fetch_add(st.st_size, std::memory_order_relaxed);
  }
  return finish(report, status, result);
}

bool ScanSession::scan_process(Scanner& scanner, ScanResult& result, int64_t pid,
                               const std::string& label) {
  if (extras_.progress != nullptr) extras_.progress->set_current("pid " + label);
  FileReport report;
  report.path = label;
  TargetContext context;
  context.source = SourceKind::kProcess;
  context.host = host_name();
  // Gathered before reading memory: a process that exits during the scan keeps its context.
  if (extras_.json || !extras_.policies.empty()) {
    context.process = procmem::process_context(pid);
    report.context = &context;
  }
  std::string error;
  std::unique_ptr<procmem::ProcessMemoryReader> reader = procmem::ProcessMemoryReader::open(
      pid, static_cast<uint64_t>(std::max<int64_t>(args_.max_process_memory_chunk, 1)), error);
  if (reader == nullptr && exits_expected_ && !procmem::process_exists(pid)) {
    sink_.note("process " + label + " exited before it could be scanned");
    return true;
  }
  if (reader == nullptr) {
    result.rules.clear();
    result.warnings.clear();
    report.ok = false;
    report.error = "can not attach to process (" + error + ")";
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
    sink_.file(report);
    return false;
  }
  if (args_.max_process_memory > 0)
    reader->set_max_bytes(static_cast<uint64_t>(args_.max_process_memory));
  ScanStatus status = scanner.scan_blocks(*reader, result);
  if (status == ScanStatus::kOk) {
    stats_.processes_scanned.fetch_add(1, std::memory_order_relaxed);
    stats_.bytes_scanned.fetch_add(static_cast<int64_t>(reader->bytes_read()),
                                   std::memory_order_relaxed);
  }
  if (!args_.no_warnings) {
    size_t skipped = 0;
    std::string first;
    for (const procmem::SkippedRegion& r : reader->skipped()) {
      if (expected_unreadable(r.name)) continue;
      if (skipped++ == 0) {
        char range[64];
        std::snprintf(range, sizeof(range), "%llx-%llx", static_cast<unsigned long long>(r.begin),
                      static_cast<unsigned long long>(r.end));
        first = std::string(range) + (r.name.empty() ? "" : " " + r.name) + ": " + r.reason;
      }
    }
    if (reader->capped()) {
      sink_.note("warning: process " + label + ": --max-process-memory reached after " +
                 std::to_string(reader->bytes_read()) + " bytes; " +
                 std::to_string(reader->capped_bytes()) + " bytes in " +
                 std::to_string(reader->capped_regions()) + " memory region" +
                 (reader->capped_regions() == 1 ? "" : "s") + " not scanned");
    }
    if (skipped > 0) {
      sink_.note("warning: process " + label + ": skipped " + std::to_string(skipped) +
                 " unreadable memory region" + (skipped == 1 ? "" : "s") + " (first: " + first +
                 ")");
    }
  }
  return finish(report, status, result);
}

bool ScanSession::finish(FileReport& report, ScanStatus status, const ScanResult& result) {
  report.module_data = result.module_data;  // -D
  report.console = result.console;          // console.log
  bool warnings_fail = false;
  if (!args_.no_warnings) {
    report.warnings = result.warnings;
    // yara's callback turns a warning into a scan error under --fail-on-warnings.
    warnings_fail = args_.fail_on_warnings && !result.warnings.empty();
  }

  if (status != ScanStatus::kOk) {
    report.ok = false;
    report.error = to_string(status);
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
  } else if (warnings_fail) {
    report.ok = false;
    report.error = "warning treated as error (--fail-on-warnings)";
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    const RuleInfo* first = rules_->rules().data();
    for (const RuleMatch& match : result.rules) {
      if (match.rule == nullptr) continue;
      bool show = passes_filters_[static_cast<size_t>(match.rule - first)] &&
                  (match.matched != args_.negate);
      bool suppressed = false;
      if (show && match.matched) stats_.findings.fetch_add(1, std::memory_order_relaxed);
      if (show && match.matched && report.context != nullptr) {
        if (!extras_.policies.empty()) {
          Finding finding = make_finding(*rules_, match, *report.context);
          if (std::optional<Suppression> s = evaluate_policies(extras_.policies, finding)) {
            report.suppressed.push_back(SuppressedRule{&match, std::move(*s)});
            stats_.suppressed.fetch_add(1, std::memory_order_relaxed);
            suppressed = true;
          }
        }
      }
      if (show && !suppressed) report.rules.push_back(&match);
      int64_t total = total_matches_.load(std::memory_order_relaxed);
      if (match.matched) {
        // -c counts what is reported: a suppressed finding is not.
        if (!suppressed) ++report.match_count;
        total = total_matches_.fetch_add(1, std::memory_order_relaxed) + 1;
      }
      if (args_.max_rules != 0 && total >= args_.max_rules) break;
    }
  }
  sink_.file(report);
  return report.ok;
}

}  // namespace yarrow::cli
