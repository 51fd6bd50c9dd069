// Precompiled rules: `yarrow compile` writes a Rules object to a file, `yarrow scan -C` loads it
// back without parsing or type-checking the rule text again.
//
// The format is yarrow's own (not yara's .yarc): a fixed header (magic, format version, the
// identity of the build that wrote it, payload size and XXH3-128 checksum) followed by the payload. A file
// from another format version or another build (different module schemas) is refused as
// "mismatched"; a file whose size or checksum is wrong is refused as "corrupt"; every index in
// the payload is range-checked on load, so a damaged file yields an error, never a crash.
//
// The payload holds the built string matcher (Vectorscan database included), so a load parses
// no regex and compiles nothing. A stored database Vectorscan refuses (a file compiled on a CPU
// with features this one lacks, or with another Vectorscan version) is not an error: the
// matcher is rebuilt from the string specs the file also holds, and results are the same.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "yarrow/rules.h"
#include "yarrow/value.h"

namespace yarrow {

// Why a load failed; the message is meant for users ("corrupt compiled rules file: ...").
struct RulesFileError {
  enum class Kind : uint8_t { kIo, kNotRulesFile, kMismatched, kCorrupt, kBadExternal };
  Kind kind = Kind::kIo;
  std::string message;
};

// The serialized form of `rules` (header included); empty for rules compiled without their
// string specs or metadata (CompilerOptions::keep_string_specs, keep_rule_meta), which
// save_rules_file refuses.
std::string serialize_rules(const Rules& rules);

// New default values for external variables the rules declare (yara's `-d` with `-C`): each
// must name a declared variable and keep its type, else the load fails with kBadExternal.
using ExternalOverrides = std::vector<std::pair<std::string, Value>>;

// Rebuilds rules from serialized bytes; nullptr and `error` set on failure.
std::shared_ptr<const Rules> deserialize_rules(std::span<const uint8_t> bytes,
                                               RulesFileError& error,
                                               const ExternalOverrides& overrides = {});

// File helpers around the two above.
bool save_rules_file(const Rules& rules, const std::string& path, RulesFileError& error);
std::shared_ptr<const Rules> load_rules_file(const std::string& path, RulesFileError& error,
                                             const ExternalOverrides& overrides = {});

// True when the first bytes of `bytes` carry the compiled-rules magic.
bool looks_like_rules_file(std::span<const uint8_t> bytes);

}  // namespace yarrow
