// What `yarrow scan` reports for each scanned target, following yara 4.2.3's callback logic:
// -t/-i filters (a -i list overrides -t), -n negation, -c counting, and the -l limit, which is a
// running total over all targets and threads, checked after every rule (matching or not), so a
// target scanned after the limit was reached still reports its first rule, as yara does.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "output.h"
#include "scan_args.h"
#include "yarrow/policy.h"
#include "yarrow/rules.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {

class Progress;

// What a session adds to yara's behaviour; all off by default (yara parity).
struct SessionExtras {
  std::vector<std::shared_ptr<const Policy>> policies;  // --policy, in order
  bool json = false;                                    // --output json: context + sha256
  Progress* progress = nullptr;                         // told the current target
};

class ScanSession {
 public:
  ScanSession(std::shared_ptr<const Rules> rules, const ScanArgs& args, OutputSink& sink,
              SessionExtras extras = {});

  // Options each thread's Scanner is created with.
  ScanOptions scanner_options() const;

  // Scans `path` with the caller's scanner and reports it to the sink. Returns true when the
  // scan succeeded. A FIFO or socket is reported as "could not open file" instead of blocking
  // in open() forever (yara hangs there: Scanner::scan_file opens without blocking and checks
  // the file it opened), a device is scanned like yara does (as empty).
  // With `is_directory` given, a directory is not reported: *is_directory is set instead, for
  // the caller to walk it.
  bool scan_target(Scanner& scanner, ScanResult& scratch, const std::string& path,
                   bool* is_directory = nullptr);

  // Scans the memory of process `pid`, reported under the name `label` (yara prints the PID as
  // given). Unreadable regions are skipped with a warning. Returns true when the scan succeeded.
  bool scan_process(Scanner& scanner, ScanResult& scratch, int64_t pid, const std::string& label);

  ScanStats& stats() { return stats_; }
  // Over many processes, one that exits before it is read is normal: a note, not an error.
  void set_exits_expected(bool expected) { exits_expected_ = expected; }
  // Set before scanning starts and cleared after it ends (not while threads run).
  void set_progress(Progress* progress) { extras_.progress = progress; }

  const std::shared_ptr<const Rules>& rules() const { return rules_; }

 private:
  std::shared_ptr<const Rules> rules_;
  const ScanArgs& args_;
  OutputSink& sink_;
  std::vector<bool> passes_filters_;  // by rule index in rules_->rules(): -t / -i verdict
  std::atomic<int64_t> total_matches_{0};
  SessionExtras extras_;
  ScanStats stats_;
  bool exits_expected_ = false;

  // Fills `report` from a finished scan (filters, -n, -l, policies) and hands it to the sink.
  bool finish(FileReport& report, ScanStatus status, const ScanResult& result);
};

}  // namespace yarrow::cli
