// The time and console modules. console.log text goes to the caller's ModuleHost (the CLI
// prints it; a library embedder collects it); without a host it is dropped.
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "modules/modules_internal.h"

namespace yarrow::modules {
namespace {

Result now(const CallContext& c, std::span<const Arg>) {
  if (c.host) {
    if (auto t = c.host->now()) return *t;
  }
  return static_cast<int64_t>(std::time(nullptr));
}

// Non-printable bytes become \xNN, as yara's console does for string arguments.
std::string escaped(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (std::isprint(static_cast<unsigned char>(ch))) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(ch));
      out += buf;
    }
  }
  return out;
}

// A message prefix is a C string in yara: it stops at the first NUL.
std::string prefix(const Arg& a) {
  std::string_view s = std::get<std::string_view>(a);
  return std::string(s.substr(0, s.find('\0')));
}

Result emit(const CallContext& c, const std::string& line) {
  if (c.host) c.host->console_log(line);
  return int64_t{1};
}

std::string format(const char* fmt, auto value) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

Result log_s(const CallContext& c, std::span<const Arg> a) {
  return emit(c, escaped(std::get<std::string_view>(a[0])));
}
Result log_ss(const CallContext& c, std::span<const Arg> a) {
  return emit(c, prefix(a[0]) + escaped(std::get<std::string_view>(a[1])));
}
Result log_i(const CallContext& c, std::span<const Arg> a) {
  return emit(c, format("%" PRId64, std::get<int64_t>(a[0])));
}
Result log_si(const CallContext& c, std::span<const Arg> a) {
  return emit(c, prefix(a[0]) + format("%" PRId64, std::get<int64_t>(a[1])));
}
Result log_f(const CallContext& c, std::span<const Arg> a) {
  return emit(c, format("%f", std::get<double>(a[0])));
}
Result log_sf(const CallContext& c, std::span<const Arg> a) {
  return emit(c, prefix(a[0]) + format("%f", std::get<double>(a[1])));
}
Result hex_i(const CallContext& c, std::span<const Arg> a) {
  return emit(c, format("0x%" PRIx64, static_cast<uint64_t>(std::get<int64_t>(a[0]))));
}
Result hex_si(const CallContext& c, std::span<const Arg> a) {
  return emit(c, prefix(a[0]) + format("0x%" PRIx64, static_cast<uint64_t>(std::get<int64_t>(a[1]))));
}

}  // namespace

const Schema& time_schema() {
  static const Schema schema = SchemaBuilder("time").function("now", "", 'i', now).build();
  return schema;
}

const Schema& console_schema() {
  static const Schema schema = SchemaBuilder("console")
                                   .function("log", "s", 'i', log_s)
                                   .function("log", "ss", 'i', log_ss)
                                   .function("log", "i", 'i', log_i)
                                   .function("log", "si", 'i', log_si)
                                   .function("log", "f", 'i', log_f)
                                   .function("log", "sf", 'i', log_sf)
                                   .function("hex", "i", 'i', hex_i)
                                   .function("hex", "si", 'i', hex_si)
                                   .build();
  return schema;
}

}  // namespace yarrow::modules
