// Scanner: runs compiled Rules over bytes, files or process memory.
//
//   auto rules = compiler.build();
//   yarrow::Scanner scanner(rules);            // one per thread; cheap to create
//   yarrow::ScanResult result;
//   yarrow::ScanStatus status = scanner.scan_file("/bin/ls", result);
//   for (const yarrow::RuleMatch& m : result.rules) if (m.matched) ...
//
// A Scanner holds per-scan scratch memory and must not be used by two threads at once; the
// Rules it points to are shared read-only. Nothing here prints or exits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "yarrow/rules.h"
#include "yarrow/value.h"

namespace yarrow {

struct ScanOptions {
  bool fast_mode = false;                    // yara -f: stop looking once a string is known to match
  uint32_t timeout_seconds = 0;              // yara -a; 0 = none
  uint32_t max_matches_per_string = 1000000; // yara's YR_MAX_STRING_MATCHES
  uint32_t max_match_data = 512;             // bytes of match data kept per match (yara's limit)
  bool report_non_matching = false;          // fill RuleMatch entries for rules that didn't match
  bool collect_module_data = false;          // fill ScanResult::module_data (yara -D)
};

struct StringMatch {
  int64_t offset = 0;   // from the start of the scanned data (or virtual address for memory)
  uint32_t length = 0;  // full match length
  std::string data;     // first min(length, max_match_data) bytes of the match
  uint8_t xor_key = 0;  // key for xor strings; 0 otherwise
};

struct StringMatches {
  std::string id;  // "$a" (or "$" for anonymous)
  std::vector<StringMatch> matches;
  bool is_hex = false;  // a hex string: `yara -s` prints its match data as hex bytes
};

struct RuleMatch {
  const RuleInfo* rule = nullptr;  // points into Rules::rules()
  bool matched = false;
  std::vector<StringMatches> strings;  // one per declared string, in declaration order
};

struct ScanResult {
  // In rule evaluation order. Private rules are never listed. Non-matching rules are listed only
  // with ScanOptions::report_non_matching.
  std::vector<RuleMatch> rules;
  std::vector<std::string> warnings;  // e.g. "too many matches for $a in rule x"
  // Modules: console.log lines in evaluation order (yara prints them before the rule lines),
  // and with ScanOptions::collect_module_data, each imported module's data as `yara -D`
  // prints it, in import order.
  std::vector<std::string> console;
  std::vector<std::string> module_data;
};

enum class ScanStatus : uint8_t {
  kOk,
  kCannotOpen,     // file missing or not readable
  kCannotRead,     // I/O error while reading
  kTimeout,        // -a exceeded; result holds nothing reliable
  kTooManyMatches, // a string hit max_matches_per_string; yara stops the scan with an error
  kInternalError,
  kIsDirectory,    // scan_file was given a directory (e.g. a scan list's entry)
};

const char* to_string(ScanStatus status);

// A source of memory blocks for Scanner::scan_blocks (e.g. the readable regions of a process).
// Blocks come in increasing address order and never overlap; matches never span two blocks.
class BlockReader {
 public:
  virtual ~BlockReader() = default;
  // Yields the next block: its first byte's address and its bytes, valid until the next call.
  // Returns false when there are no more blocks.
  virtual bool next(uint64_t& base, std::span<const uint8_t>& bytes) = 0;
};

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Rules> rules, ScanOptions options = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Overrides an external variable's value for the following scans. False if not declared or
  // of the wrong type.
  bool set_external(const std::string& name, Value value);

  ScanStatus scan_memory(std::span<const uint8_t> data, ScanResult& result);
  ScanStatus scan_file(const std::string& path, ScanResult& result);
  // Scans a sequence of blocks as one address space, the way yara scans process memory:
  // offsets are addresses, `filesize` and `entrypoint` are undefined, and integer reads at
  // addresses (uint32(x)...) are undefined too (blocks are not kept after they are scanned).
  ScanStatus scan_blocks(BlockReader& reader, ScanResult& result);

  const Rules& rules() const { return *rules_; }

 private:
  struct Impl;
  std::shared_ptr<const Rules> rules_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yarrow
