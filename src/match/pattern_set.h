// The string-matching engine: every string of every rule, compiled into one immutable
// PatternSet (a Vectorscan database of literals/atoms plus our own verifiers), and a
// PatternScanner that finds all their matches in a block of bytes with yara 4.2.3's semantics
// (offsets, lengths, overlaps, dedupe, per-string caps).
//
// Thread safety: a PatternSet is immutable after build() and shared by all threads; each thread
// owns its PatternScanner (Vectorscan scratch + match lists).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace yarrow::match {

// One string declaration, as the compiler hands it over. Mirrors ast::StringDecl after the
// compiler has validated modifier combinations.
struct StringSpec {
  enum class Kind : uint8_t { kText, kHex, kRegex };
  Kind kind = Kind::kText;
  // kText: the unescaped bytes. kHex: source between the braces. kRegex: source between slashes.
  std::string value;
  bool regex_nocase = false;  // /.../i
  bool regex_dotall = false;  // /.../s
  bool nocase = false;
  bool ascii = false;  // explicit; when neither ascii nor wide is set, ascii is implied
  bool wide = false;
  bool fullword = false;
  bool xor_ = false;
  uint8_t xor_min = 0;
  uint8_t xor_max = 255;
  bool base64 = false;
  bool base64wide = false;
  std::optional<std::string> base64_alphabet;      // 64 bytes when set
  std::optional<std::string> base64wide_alphabet;  // 64 bytes when set
  // Set by the compiler when the condition never needs more than "is there a match" for this
  // string (yara's single-match optimisation, used only in fast mode).
  bool single_match_ok = false;
  // Which Vectorscan database holds the string's patterns: 0, scanned always, or a partition
  // a scan may skip (ScanLimits::partitions) because no rule could use its matches: the
  // compiler puts there the strings of rules that start `uint16(0) == 0x5a4d and ...`.
  uint8_t partition = 0;
};

// A problem with one spec: an invalid regex or hex string (error), or a string yara warns about
// (e.g. "string ... may slow down scanning"). `offset` is a byte offset into `value` when known.
//
// How the compiler words them like yara (identifier "$a" from the declaration):
//   kind kSyntax, regex spec:  invalid regular expression "$a": <message>
//   kind kSyntax, hex spec:    invalid hex string "$a": <message>
//   kind kSlowScanning:        string "$a" may slow down scanning        (warning)
//   kind kUnboundedDot:        $a <message>                              (warning)
// yara prints the kUnboundedDot warning before the kSlowScanning one; check() returns them in
// that order.
struct SpecDiagnostic {
  enum class Kind : uint8_t { kSyntax, kSlowScanning, kUnboundedDot };
  size_t spec_index = 0;
  bool is_error = true;
  std::string message;  // worded like yara's message where there is one
  std::optional<uint32_t> offset;
  Kind kind = Kind::kSyntax;  // added after the first contract; see above
};

struct BuildOptions {
  // Compile the databases on a thread of their own while the verifiers' programs are built,
  // then on this one too: faster with a free core, and Vectorscan's garbage stays in that
  // thread's heap (see PatternSet::build). Otherwise the databases are compiled first and the
  // programs after, when that memory is free again.
  bool background_database = true;
  // Called once all literals are collected, before any database compiles, unless the build
  // fails first: build() no longer reads `specs` or `checked`, and the caller may free them
  // so that they are not part of the compile's memory peak. `databases_first`: the databases
  // are about to compile on this thread before the programs, none beside them (without
  // background_database, or with a large one: see kSerialDatabasePatterns).
  void (*specs_done)(void* context, bool databases_first) = nullptr;
  // Work of the caller's for the building thread once its own part is done, while the worker
  // may still be compiling a database (elastic: 45 ms of waiting). Called once, unless the
  // build fails first, after specs_done.
  void (*beside_databases)(void* context) = nullptr;
  void* beside_context = nullptr;  // the context of both
  // Vectorscan's compiler holds about 2.5 KB per pattern until its database is done, and takes
  // longer than linearly with the pattern count. A partition with more patterns than this (0:
  // no limit) is dealt out among several databases of about equal size: a lower memory peak
  // and a faster compile, but a scan runs each database over the data. Signature-base's 16,871
  // always-scanned patterns in three databases: 42 -> 20 MB of compiler memory, the compile
  // 0.25 -> 0.20 s, the scan of the bench corpus 25% slower.
  size_t max_database_patterns = 0;
};

class PatternSet;

// What PatternSet::check() worked out about a spec (its parse, atoms and diagnostics), handed
// back to build() so that each string is parsed and rated once. Opaque outside the builder.
struct CheckedSpec;

struct Match {
  uint64_t offset = 0;  // base + offset within the block
  uint32_t length = 0;
  uint8_t xor_key = 0;
};

struct ScanLimits {
  uint32_t max_matches_per_string = 1000000;
  bool fast_mode = false;
  // The scan of a block stops with kTimeout soon after this instant (checked every few
  // candidates, so a pathological string can't run unbounded).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Vectorscan scans at most 4 GiB - 1 bytes per call; bigger blocks are scanned in
  // overlapping chunks of at most this many bytes (0: that limit). Tests set small values.
  uint64_t chunk_bytes = 0;
  // Bit p set: scan partition p's database (StringSpec::partition). Partition 0 always is.
  uint64_t partitions = ~uint64_t{0};
  // Set when the block is a private mapping of a file (util::drop_mapped_pages): a block larger
  // than kDropChunkBytes is then scanned in chunks of that size, and the bytes each database
  // has scanned are dropped from memory behind it. Results are unchanged (a byte touched again
  // is read back); a large file costs its chunk of resident memory, not its size.
  void (*drop_scanned)(std::span<const uint8_t>) = nullptr;
};

inline constexpr uint64_t kDropChunkBytes = uint64_t{2} << 20;

// kTimeout was added after the first contract (ScanLimits::deadline).
enum class ScanOutcome : uint8_t { kOk, kTooManyMatches, kError, kTimeout };

// Per-thread scanning state. Reusable: reset() clears matches between files.
class PatternScanner {
 public:
  explicit PatternScanner(const PatternSet& set);
  ~PatternScanner();
  PatternScanner(const PatternScanner&) = delete;
  PatternScanner& operator=(const PatternScanner&) = delete;

  void reset();
  // Finds matches in one contiguous block whose first byte is at `base` in the scanned address
  // space (0 for files). Matches never span blocks. May be called several times (memory scans).
  ScanOutcome scan_block(std::span<const uint8_t> block, uint64_t base, const ScanLimits& limits);

  // String i's matches, sorted by offset, after all blocks are scanned.
  std::span<const Match> matches(size_t string_index) const;
  // The string whose cap was hit, when scan_block returned kTooManyMatches.
  std::optional<size_t> overflowed_string() const;
  // Every string whose cap was hit since reset(), in the order it happened. Like yara 4.2.3, a
  // string that hits the cap keeps exactly max_matches_per_string matches, is not searched any
  // further in this scan, and the scan goes on (yara warns "too many matches for $a, results
  // for this rule may be incorrect").
  std::span<const size_t> overflowed_strings() const;
  // Every string with at least one match since reset(), each once, in no particular order
  // (added for the rule prefilter: per-scan work proportional to what matched).
  std::span<const uint32_t> touched_strings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class PatternSet {
 public:
  // Builds the set. Returns nullptr only when a spec has an error (reported in `diags`);
  // warnings don't stop the build.
  static std::unique_ptr<const PatternSet> build(std::span<const StringSpec> specs,
                                                 const BuildOptions& options,
                                                 std::vector<SpecDiagnostic>& diags);
  ~PatternSet();
  size_t size() const;
  // Partitions built, from 0 up to the highest StringSpec::partition used.
  size_t partition_count() const;
  // Vectorscan databases built: at least one per partition (see max_database_patterns).
  size_t database_count() const;

  // Validates one spec on its own (regex/hex syntax, modifier constraints) so the compiler can
  // report errors at the string's position before building the whole set.
  static std::vector<SpecDiagnostic> check(const StringSpec& spec);
  // Same, and keeps what was learned for build() in `checked` (added for compile speed).
  static std::vector<SpecDiagnostic> check(const StringSpec& spec,
                                           std::shared_ptr<const CheckedSpec>& checked);
  // build() reusing check()'s work: `checked` is empty or has one entry per spec, each from
  // check() of that very spec (modulo single_match_ok, which check() does not read), which
  // leaves plain text null. The warnings check() gave are not reported again.
  static std::unique_ptr<const PatternSet> build(
      std::span<const StringSpec> specs, const BuildOptions& options,
      std::vector<SpecDiagnostic>& diags,
      std::span<const std::shared_ptr<const CheckedSpec>> checked);

  struct Impl;
  const Impl& impl() const { return *impl_; }
  // Wraps an Impl loaded from precompiled rules instead of built (defined with the loader in
  // match/pattern_set_store.cpp, which checks every index first).
  static std::unique_ptr<const PatternSet> from_impl(std::unique_ptr<Impl> impl);

 private:
  explicit PatternSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yarrow::match
