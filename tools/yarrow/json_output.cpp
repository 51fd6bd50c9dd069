#include "json_output.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <variant>

#include "progress.h"

namespace yarrow::cli {
namespace {

using json = nlohmann::ordered_json;

// JSON strings must be UTF-8; match data is arbitrary bytes. Printable ASCII (and tab, CR, LF)
// goes out as text, anything else as base64 with "encoding": "base64".
bool is_plain_text(std::string_view data) {
  for (unsigned char c : data)
    if (!(c >= 0x20 && c < 0x7f) && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) | static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF), what JSON requires.
bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += n + 1;
  }
  return true;
}

std::string iso8601(std::chrono::sys_seconds t) {
  const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json meta_object(const std::vector<MetaEntry>& meta) {
  json out = json::object();
  for (const MetaEntry& m : meta) {
    std::visit([&](const auto& v) { out[m.key] = json(v); }, m.value);
  }
  return out;
}

json strings_array(const RuleMatch& match) {
  json out = json::array();
  for (const StringMatches& s : match.strings) {
    for (const StringMatch& m : s.matches) {
      json entry = {{"id", s.id}, {"offset", m.offset}, {"length", m.length}};
      if (is_plain_text(m.data)) {
        entry["data"] = m.data;
        entry["encoding"] = "text";
      } else {
        entry["data"] = base64(m.data);
        entry["encoding"] = "base64";
      }
      entry["xor_key"] = m.xor_key != 0 ? json(m.xor_key) : json(nullptr);
      out.push_back(std::move(entry));
    }
  }
  return out;
}

json file_object(const TargetContext* target, std::string_view path) {
  if (target != nullptr && target->source == SourceKind::kProcess) return nullptr;
  json file = {{"path", std::string(path)}, {"path_base64", nullptr}, {"size", nullptr},
               {"owner", nullptr}, {"mtime", nullptr}, {"hash", {{"sha256", nullptr}}}};
  // A file name is bytes: `path` must be UTF-8 (invalid bytes become U+FFFD, so two names can
  // print alike); the exact bytes then travel in path_base64.
  auto set_path = [&file](const std::string& p) {
    file["path"] = p;
    file["path_base64"] = is_utf8(p) ? json(nullptr) : json(base64(p));
  };
  set_path(std::string(path));
  if (target == nullptr) return file;
  if (target->file) {
    set_path(target->file->path);  // absolute (policies and SIEMs want one form)
    file["size"] = opt(target->file->size);
    file["owner"] = opt(target->file->owner);
    file["mtime"] = target->file->mtime ? json(iso8601(*target->file->mtime)) : json(nullptr);
  }
  file["hash"]["sha256"] = opt(target->sha256);
  return file;
}

json process_object(const TargetContext* target) {
  if (target == nullptr || !target->process) return nullptr;
  const ProcessContext& p = *target->process;
  return {{"pid", opt(p.pid)},
          {"name", opt(p.name)},
          {"executable", opt(p.path)},
          {"command_line", opt(p.command_line)},
          {"parent", {{"pid", opt(p.parent_pid)}, {"name", opt(p.parent_name)},
                      {"executable", opt(p.parent_path)}}}};
}

json finding_object(const RuleMatch& match, const FileReport& report,
                    const std::optional<Suppression>& suppression, const std::string& now) {
  const RuleInfo& rule = *match.rule;
  const TargetContext* target = report.context;
  json line = {{"type", "finding"}, {"@timestamp", now}};
  line["rule"] = {{"name", rule.name},
                  {"namespace", rule.ns},
                  {"tags", rule.tags},
                  {"meta", meta_object(rule.meta)}};
  line["matched"] = match.matched;
  line["strings"] = strings_array(match);
  line["file"] = file_object(target, report.path);
  line["process"] = process_object(target);
  line["user"] = target != nullptr && target->process && target->process->user
                     ? json{{"name", *target->process->user}}
                     : json(nullptr);
  line["host"] = {{"name", target != nullptr ? opt(target->host) : json(nullptr)}};
  line["suppression"] = suppression
                            ? json{{"id", suppression->id}, {"reason", suppression->reason}}
                            : json(nullptr);
  return line;
}

std::string now_iso8601() {
  return iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

JsonSink::JsonSink(std::FILE* out, std::FILE* err) : out_(out), err_(err) {}

void JsonSink::rules_stats(const Rules&) {}  // -S is text output only

std::string JsonSink::render(const FileReport& report) {
  std::string out;
  if (!report.ok) return out;
  const std::string now = now_iso8601();
  for (const RuleMatch* match : report.rules) out += dump(finding_object(*match, report, {}, now));
  for (const SuppressedRule& s : report.suppressed)
    out += dump(finding_object(*s.rule, report, s.suppression, now));
  return out;
}

void JsonSink::file(const FileReport& report) {
  const std::string lines = render(report);
  std::string diag;
  for (const std::string& w : report.warnings) diag += "warning: " + w + "\n";
  if (!report.ok) diag += "error scanning " + std::string(report.path) + ": " + report.error + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  if (!lines.empty()) {
    std::fwrite(lines.data(), 1, lines.size(), out_);
    if (Progress::running()) std::fflush(out_);
  }
  if (!diag.empty()) {
    Progress::erase_for_output(err_);
    std::fwrite(diag.data(), 1, diag.size(), err_);
  }
}

void JsonSink::note(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  Progress::erase_for_output(err_);
  std::fwrite(line.data(), 1, line.size(), err_);
  std::fputc('\n', err_);
}

void JsonSink::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fflush(out_);
  std::fflush(err_);
}

void JsonSink::summary(const RunSummary& s) {
  json line = {{"type", "summary"},
               {"@timestamp", now_iso8601()},
               {"files_scanned", s.files_scanned},
               {"processes_scanned", s.processes_scanned},
               {"bytes_scanned", s.bytes_scanned},
               {"errors", s.errors},
               {"skipped", s.skipped},
               {"findings", s.findings},
               {"suppressed", s.suppressed},
               {"duration_seconds", s.duration_seconds},
               {"exit_status", s.exit_status}};
  const std::string text = dump(line);
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace yarrow::cli
