// Fuzz entry points, one per target. Each takes arbitrary bytes, must return 0, and must never
// crash, hang, leak or trip a sanitizer; it aborts (fuzz_require) when an API contract that the
// caller relies on is broken (e.g. "returned false but recorded no error").
//
// The same functions are linked into two kinds of executables:
// - <name>_fuzzer (clang, -fsanitize=fuzzer): LLVMFuzzerTestOneInput forwards to them
//   (the forwarder is compiled only with YARROW_LIBFUZZER_MAIN defined);
// - fuzz_regressions (any compiler, GoogleTest): replays tests/fuzz/regressions/<target>/ and
//   tests/fuzz/corpus/<target>/, so CI without clang still guards fixed bugs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace yarrow::fuzz {

// libFuzzer inputs longer than this are ignored: keeps every run fast and the corpus about the
// language, not about throughput. The entry points themselves take any size, so that a
// regression file can be as large as the bug needs (e.g. a 40000-term condition).
inline constexpr size_t kMaxRuleInput = 16 * 1024;
inline constexpr size_t kMaxScanInput = 64 * 1024;
inline constexpr size_t kMaxPolicyInput = 16 * 1024;
inline constexpr size_t kMaxLogInput = 256 * 1024;     // hunt: one log file
inline constexpr size_t kMaxModuleInput = 1024 * 1024; // module: one scanned file
inline constexpr size_t kMaxRulesFileInput = 256 * 1024; // rulesfile: one payload

int parse_one(const uint8_t* data, size_t size);
int compile_one(const uint8_t* data, size_t size);
int scan_one(const uint8_t* data, size_t size);
int policy_one(const uint8_t* data, size_t size);
int hunt_one(const uint8_t* data, size_t size);
int module_one(const uint8_t* data, size_t size);
int rulesfile_one(const uint8_t* data, size_t size);

// Reports a broken contract (message on stderr) and aborts, so libFuzzer saves the input.
[[noreturn]] void fuzz_fail(const char* target, const char* what);
inline void fuzz_require(bool ok, const char* target, const char* what) {
  if (!ok) fuzz_fail(target, what);
}

}  // namespace yarrow::fuzz
