// Parsers for the small value syntaxes of a policy: time zones, days, hour ranges, ports.
// Each returns nullopt/false with a one-line reason on malformed input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "policy/conditions.h"

namespace yarrow::policy {

// "UTC", "Z", "+02:00", "-05:30", "UTC+09:00" or "local" (the host's zone, DST included).
bool parse_zone(std::string_view text, TimeWindow& window, std::string& error);
// "mon".."sun", full names, "weekdays", "weekend"; case-insensitive. Bit d = weekday d (0 = Sun).
std::optional<uint8_t> parse_days(std::string_view text, std::string& error);
// "HH:MM-HH:MM" in minutes of the day; the end may be 24:00; start > end crosses midnight.
std::optional<std::pair<int, int>> parse_hours(std::string_view text, std::string& error);

std::optional<std::pair<uint16_t, uint16_t>> parse_port(int64_t port, std::string& error);
// "443" or "8000-8100".
std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view text,
                                                              std::string& error);

}  // namespace yarrow::policy
