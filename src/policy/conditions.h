// Factories for the compiled conditions of an exclusion. Each returns a predicate that holds only
// when the finding carries the field it is about and the field matches (unknown never matches).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/glob.h"
#include "policy/policy_impl.h"

namespace yarrow::policy {

enum class CaseRule : uint8_t {
  kSensitive,    // identifiers, signer names, normalised URLs
  kInsensitive,  // host names, protocols
  kPlatform,     // names, users, command lines: fold on Windows findings only
};

using TextField = std::optional<std::string_view> (*)(const FindingView&);
using PathField = const std::optional<NormalizedPath>& (*)(const FindingView&);

struct PathGlob {
  PathForm form = PathForm::kUnknown;
  Glob glob;
};

// A user pattern with a `\` compares with the whole user ("CORP\alice"); one without compares
// with the account part only ("alice" matches "alice" and "CORP\alice").
struct UserPattern {
  Glob glob;
  bool qualified = false;
};

struct TimeWindow {
  uint8_t days = 0x7f;                      // bit d: weekday d, 0 = Sunday
  std::vector<std::pair<int, int>> ranges;  // minutes of day [start, end); start > end wraps
  bool local = false;                       // the host's local time zone
  int offset_minutes = 0;                   // else UTC plus this
};

Condition make_glob_condition(std::string key, TextField field, std::vector<Glob> globs,
                              CaseRule rule);
Condition make_contains_condition(std::string key, TextField field,
                                  std::vector<std::string> needles);
Condition make_path_glob_condition(std::string key, PathField field, std::vector<PathGlob> globs);
Condition make_path_prefix_condition(std::string key, PathField field,
                                     std::vector<NormalizedPath> prefixes);
Condition make_user_condition(std::string key, TextField field, std::vector<UserPattern> users);
Condition make_tags_condition(std::vector<Glob> globs);
Condition make_strings_only_condition(std::vector<Glob> globs);
Condition make_strings_absent_condition(std::vector<Glob> globs);
Condition make_source_condition(uint8_t kinds_mask);      // bit: SourceKind value
Condition make_integrity_condition(uint8_t levels_mask);  // bit: Integrity value
Condition make_elevated_condition(bool elevated);
Condition make_signer_condition(std::string key, bool subject, std::vector<Glob> globs);
Condition make_domain_condition(std::vector<std::string> domains);
Condition make_url_condition(std::string key, bool referrer, std::vector<Glob> globs);
Condition make_port_condition(std::vector<std::pair<uint16_t, uint16_t>> ranges);
Condition make_protocol_condition(std::vector<std::string> protocols);
Condition make_time_condition(TimeWindow window);

// Local time fields for a time window; exposed for tests.
struct LocalTime {
  int weekday = 0;  // 0 = Sunday
  int minute = 0;   // of the day
};
LocalTime to_window_time(std::chrono::sys_seconds t, const TimeWindow& window);
bool time_window_contains(const TimeWindow& window, LocalTime local);

}  // namespace yarrow::policy
