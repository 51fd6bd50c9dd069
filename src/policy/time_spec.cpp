#include "policy/time_spec.h"

#include <array>
#include <ctime>

#include "policy/normalize.h"

namespace yarrow::policy {
namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Exactly "HH:MM"; minutes of the day, or -1.
int hhmm(std::string_view s, bool allow_24) {
  if (s.size() != 5 || s[2] != ':' || !digits(s.substr(0, 2)) || !digits(s.substr(3, 2))) return -1;
  const int h = to_int(s.substr(0, 2));
  const int m = to_int(s.substr(3, 2));
  if (m > 59) return -1;
  if (h == 24 && m == 0 && allow_24) return 24 * 60;
  if (h > 23) return -1;
  return h * 60 + m;
}

}  // namespace

bool parse_zone(std::string_view text, TimeWindow& window, std::string& error) {
  const std::string t = ascii_lower(text);
  window.local = false;
  window.offset_minutes = 0;
  if (t == "utc" || t == "z") return true;
  if (t == "local") {
    window.local = true;
    tzset();  // localtime_r need not read TZ itself; do it once here, not per evaluation
    return true;
  }
  std::string_view offset = t;
  if (offset.starts_with("utc")) offset.remove_prefix(3);
  if (offset.size() == 6 && (offset[0] == '+' || offset[0] == '-')) {
    const int minutes = hhmm(offset.substr(1), false);
    if (minutes >= 0 && minutes <= 14 * 60) {
      window.offset_minutes = offset[0] == '-' ? -minutes : minutes;
      return true;
    }
  }
  error = "\"" + std::string(text) +
          "\" is not a zone this build reads: use \"UTC\", an offset such as \"+02:00\", or "
          "\"local\" (named zones like Europe/Paris are not supported)";
  return false;
}

std::optional<uint8_t> parse_days(std::string_view text, std::string& error) {
  static constexpr std::array<std::string_view, 7> kShort = {"sun", "mon", "tue", "wed",
                                                             "thu", "fri", "sat"};
  static constexpr std::array<std::string_view, 7> kLong = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  const std::string t = ascii_lower(text);
  if (t == "weekdays") return uint8_t{0b0111110};
  if (t == "weekend") return uint8_t{0b1000001};
  for (size_t d = 0; d < 7; ++d)
    if (t == kShort[d] || t == kLong[d]) return static_cast<uint8_t>(1u << d);
  error =
      "\"" + std::string(text) + "\" is not a day (mon..sun, monday..sunday, weekdays, weekend)";
  return std::nullopt;
}

std::optional<std::pair<int, int>> parse_hours(std::string_view text, std::string& error) {
  const size_t dash = text.find('-');
  const int start = dash == std::string_view::npos ? -1 : hhmm(text.substr(0, dash), false);
  const int end = dash == std::string_view::npos ? -1 : hhmm(text.substr(dash + 1), true);
  if (start < 0 || end < 0) {
    error = "\"" + std::string(text) + "\" is not HH:MM-HH:MM (00:00 to 23:59, end up to 24:00)";
    return std::nullopt;
  }
  if (start == end) {
    error = "\"" + std::string(text) + "\" is an empty range (for a whole day use 00:00-24:00)";
    return std::nullopt;
  }
  return std::pair{start, end};
}

std::optional<std::pair<uint16_t, uint16_t>> parse_port(int64_t port, std::string& error) {
  if (port < 1 || port > 65535) {
    error = std::to_string(port) + " is not a port (1-65535)";
    return std::nullopt;
  }
  return std::pair{static_cast<uint16_t>(port), static_cast<uint16_t>(port)};
}

std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view text,
                                                              std::string& error) {
  const size_t dash = text.find('-');
  std::string_view lo = text.substr(0, dash);
  std::string_view hi = dash == std::string_view::npos ? lo : text.substr(dash + 1);
  if (!digits(lo) || !digits(hi) || lo.size() > 5 || hi.size() > 5) {
    error = "\"" + std::string(text) + "\" is not a port or a \"low-high\" range";
    return std::nullopt;
  }
  auto a = parse_port(to_int(lo), error);
  auto b = parse_port(to_int(hi), error);
  if (!a || !b) return std::nullopt;
  if (a->first > b->first) {
    error = "reversed port range \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  return std::pair{a->first, b->first};
}

}  // namespace yarrow::policy
