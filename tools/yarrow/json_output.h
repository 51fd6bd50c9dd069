// `--output json`: JSON lines on stdout, one object per finding and a final summary object.
// Field names follow ECS where one fits; the schema is in docs/output.md (keep them in step).
// nlohmann/json stays inside json_output.cpp.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "output.h"

namespace yarrow::cli {

struct RunSummary {
  int64_t files_scanned = 0;
  int64_t processes_scanned = 0;
  int64_t bytes_scanned = 0;
  int64_t errors = 0;
  int64_t skipped = 0;
  int64_t findings = 0;
  int64_t suppressed = 0;
  double duration_seconds = 0;
  int exit_status = 0;
};

class JsonSink final : public OutputSink {
 public:
  explicit JsonSink(std::FILE* out = stdout, std::FILE* err = stderr);
  void rules_stats(const Rules& rules) override;
  void file(const FileReport& report) override;
  void note(std::string_view line) override;
  void flush() override;
  void summary(const RunSummary& summary);

  // The lines for one report, each ending with '\n' (exposed for tests).
  static std::string render(const FileReport& report);

 private:
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mutex_;
};

}  // namespace yarrow::cli
