// Command-line options of `yarrow scan`, parsed the way yara 4.2.3's own parser does (cli/args.c
// semantics, observed against /usr/bin/yara): boolean flags toggle and may be given once, short
// options cluster (`-sgm`) and only the last one of a cluster may take a value from the next
// argument, long options take values only as `--name=value`, integers are C `strtoll(s, 0)`
// numbers (hex and octal accepted), options and positional arguments interleave freely.
// Parsing never prints or exits; the caller reports ParseResult::error and exits 1.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace yarrow::cli {

inline constexpr int64_t kThreadsNotGiven = INT64_MIN;  // -p absent: one thread per CPU

struct ScanArgs {
  // Positional arguments: rule files (`[NAMESPACE:]FILE`, `-` for stdin) then the target.
  std::vector<std::string> positional;

  std::vector<std::string> defines;      // -d VAR=VALUE, in order
  std::vector<std::string> tags;         // -t
  std::vector<std::string> identifiers;  // -i
  std::vector<std::string> module_data;  // -x (checked, unused: no module reads it)
  std::string atom_quality_table;        // --atom-quality-table (accepted, not used)

  bool compiled_rules = false;       // -C (not supported yet)
  bool count_only = false;           // -c
  bool fail_on_warnings = false;     // --fail-on-warnings
  bool fast_scan = false;            // -f
  bool help = false;                 // -h
  bool negate = false;               // -n
  bool follow_symlinks = true;       // -N toggles it off
  bool no_warnings = false;          // -w
  bool print_meta = false;           // -m
  bool print_module_data = false;    // -D
  bool module_names = false;         // -M (yara 4.3; not supported yet)
  bool print_namespace = false;      // -e
  bool print_stats = false;          // -S
  bool print_strings = false;        // -s
  bool print_string_length = false;  // -L
  bool print_xor_key = false;        // -X (yara 4.3's format)
  bool print_tags = false;           // -g
  bool recursive = false;            // -r
  bool scan_list = false;            // --scan-list
  bool version = false;              // -v

  // yarrow's own options (not in yara); long only, and they also take `--name VALUE`.
  std::vector<std::string> policy_files;  // --policy: exclusion policies, applied in order
  bool show_suppressed = false;           // --show-suppressed: list suppressed findings
  std::string output_format = "text";     // --output: text (yara's) | json (JSON lines)
  std::vector<std::string> pids;          // --pid: scan these processes' memory
  bool all_processes = false;             // --all-processes
  bool no_progress = false;               // --no-progress
  bool low_memory = false;                // --low-memory
  int64_t max_process_memory = 0;         // --max-process-memory: bytes per process; <= 0 = all

  int64_t max_process_memory_chunk = 1073741824;  // bytes read from a process at once
  int64_t max_rules = 0;                          // -l; 0 = no limit
  int64_t max_strings_per_rule = 10000;
  int64_t skip_larger = 0;             // -z; <= 0 = no limit
  int64_t stack_size = 16384;          // -k; accepted, not used yet
  int64_t threads = kThreadsNotGiven;  // -p; <= 0 scans nothing, as in yara
  int64_t timeout = 1000000;           // -a, seconds (yara's default)
};

struct ParseResult {
  ScanArgs args;
  std::string error;  // non-empty: parsing failed, print it and exit 1
};

// argv excludes the program and subcommand names.
ParseResult parse_scan_args(const std::vector<std::string>& argv);

// The option table as `yarrow scan --help` shows it.
void print_scan_help(std::ostream& out);

}  // namespace yarrow::cli
