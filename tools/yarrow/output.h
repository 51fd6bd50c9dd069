// Where scan findings go. The scan loop decides WHAT is reported (filters, negation, limits) and
// hands each scanned target's findings to an OutputSink in one FileReport; the sink decides HOW
// it looks. YaraTextSink reproduces yara 4.2.3's stdout byte for byte; other formats (JSON lines)
// can be added as further sinks. Sinks are called from several scanning threads at once and
// must write one report as one uninterrupted block.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "yarrow/rules.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {

struct FileReport {
  std::string_view path;                // as given on the command line / found by the walk
  bool ok = true;                       // false: `error` says why, nothing else is reported
  std::string error;                    // e.g. "could not open file"
  std::vector<const RuleMatch*> rules;  // rules to print, in evaluation order
  int64_t match_count = 0;              // matching rules seen (for -c), up to a -l stop
  std::vector<std::string> warnings;    // scan warnings to show (already filtered by -w)
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
  void rules_stats(const Rules& rules) override;
  void file(const FileReport& report) override;
  void note(std::string_view line) override;
  void flush() override;

  // The stdout block for one report (exposed for tests).
  std::string render(const FileReport& report) const;

 private:
  void render_rule(std::string& out, const RuleMatch& match, std::string_view path) const;

  TextFormat format_;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mutex_;
};

}  // namespace yarrow::cli
