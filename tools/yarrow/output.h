// Where scan findings go. The scan loop decides WHAT is reported (filters, negation, limits) and
// hands each scanned target's findings to an OutputSink in one FileReport; the sink decides HOW
// it looks. YaraTextSink reproduces yara 4.2.3's stdout byte for byte; other formats (JSON lines)
// can be added as further sinks. Sinks are called from several scanning threads at once and
// must write one report as one uninterrupted block.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yarrow/finding.h"
#include "yarrow/rules.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {

// What is known about a scanned target beyond its bytes, gathered only when something needs it
// (a policy or JSON output). Unknown stays unknown (finding.h's contract).
struct TargetContext {
  SourceKind source = SourceKind::kFile;
  std::optional<FileContext> file;
  std::optional<ProcessContext> process;
  std::optional<std::string> host;
  std::optional<std::string> sha256;  // lower-case hex; JSON output only
};

// A matching rule that an exclusion policy suppressed: kept, never dropped.
struct SuppressedRule {
  const RuleMatch* rule = nullptr;
  Suppression suppression;
};

struct FileReport {
  std::string_view path;                // as given on the command line / found by the walk
  bool ok = true;                       // false: `error` says why, nothing else is reported
  std::string error;                    // e.g. "could not open file"
  std::vector<const RuleMatch*> rules;  // rules to print, in evaluation order
  int64_t match_count = 0;              // matching rules seen (for -c), up to a -l stop
  std::vector<std::string> warnings;    // scan warnings to show (already filtered by -w)
  // Printed before the rule lines, as yara does: -D module data, then console.log lines.
  std::vector<std::string> module_data;
  std::vector<std::string> console;
  std::vector<SuppressedRule> suppressed;  // matching rules a policy suppressed
  const TargetContext* context = nullptr;  // set with a policy or JSON output
};

// Totals of a run, updated by the scanning threads (progress line, JSON summary, stderr notes).
struct ScanStats {
  std::atomic<int64_t> files_scanned{0};
  std::atomic<int64_t> processes_scanned{0};
  std::atomic<int64_t> bytes_scanned{0};
  std::atomic<int64_t> errors{0};      // targets that could not be scanned
  std::atomic<int64_t> skipped{0};     // files left out by -z (too large)
  std::atomic<int64_t> findings{0};    // matching rules, suppressed ones included
  std::atomic<int64_t> suppressed{0};  // findings suppressed by a policy
};

struct TextFormat {
  bool print_tags = false;           // -g
  bool print_meta = false;           // -m
  bool print_namespace = false;      // -e
  bool print_strings = false;        // -s
  bool print_string_length = false;  // -L
  bool print_xor_key = false;        // -X
  bool count_only = false;           // -c
  bool count_with_path = false;      // -c over a directory or list prints "path: N"
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void rules_stats(const Rules& rules) = 0;  // -S, before any scan
  virtual void file(const FileReport& report) = 0;
  virtual void note(std::string_view line) = 0;  // a diagnostic line for stderr
  virtual void flush() = 0;
};

class YaraTextSink final : public OutputSink {
 public:
  explicit YaraTextSink(TextFormat format, std::FILE* out = stdout, std::FILE* err = stderr);
  // --show-suppressed: each suppressed finding gets a line on stderr (never on stdout, so that
  // scripts reading yara-style output only ever see reported findings).
  void set_show_suppressed(bool show) { show_suppressed_ = show; }
  void rules_stats(const Rules& rules) override;
  void file(const FileReport& report) override;
  void note(std::string_view line) override;
  void flush() override;

  // The stdout block for one report (exposed for tests).
  std::string render(const FileReport& report) const;

 private:
  void render_rule(std::string& out, const RuleMatch& match, std::string_view path) const;

  TextFormat format_;
  bool show_suppressed_ = false;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mutex_;
};

}  // namespace yarrow::cli
