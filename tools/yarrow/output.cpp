#include "output.h"

#include <string>
#include <type_traits>
#include <variant>

#include "progress.h"
#include "yara_format.h"

namespace yarrow::cli {

YaraTextSink::YaraTextSink(TextFormat format, std::FILE* out, std::FILE* err)
    : format_(format), out_(out), err_(err) {}

void YaraTextSink::rules_stats(const Rules& rules) {
  // yara also prints statistics of its Aho-Corasick automaton; yarrow has none, so only the
  // lines that mean the same thing in both engines are printed (see docs/cli.md).
  std::string text;
  text += "number of rules                    : " + std::to_string(rules.rules().size()) + "\n";
  text += "number of strings                  : " + std::to_string(rules.string_count()) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
}

void YaraTextSink::render_rule(std::string& out, const RuleMatch& match,
                               std::string_view path) const {
  const RuleInfo& rule = *match.rule;
  if (format_.print_namespace) {
    out += rule.ns;
    out += ':';
  }
  out += rule.name;
  out += ' ';
  if (format_.print_tags) {
    out += '[';
    for (size_t i = 0; i < rule.tags.size(); ++i) {
      if (i != 0) out += ',';
      out += rule.tags[i];
    }
    out += "] ";
  }
  if (format_.print_meta) {
    out += '[';
    for (size_t i = 0; i < rule.meta.size(); ++i) {
      if (i != 0) out += ',';
      const MetaEntry& meta = rule.meta[i];
      out += meta.key;
      std::visit(
          [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
              out += v ? "=true" : "=false";
            } else if constexpr (std::is_same_v<T, int64_t>) {
              out += " =" + std::to_string(v);  // yara really prints "name =42"
            } else if constexpr (std::is_same_v<T, double>) {
              out += " =" + std::to_string(static_cast<int64_t>(v));
            } else {
              out += "=\"";
              append_meta_escaped(out, v);
              out += '"';
            }
          },
          meta.value);
    }
    out += "] ";
  }
  out += path;
  out += '\n';

  if (!(format_.print_strings || format_.print_string_length || format_.print_xor_key)) return;
  for (const StringMatches& string : match.strings) {
    for (const StringMatch& m : string.matches) {
      append_offset(out, m.offset);
      out += ':';
      if (format_.print_string_length) {
        // yara prints the length of the data it kept (at most its 512-byte limit).
        out += std::to_string(m.data.size());
        out += ':';
      }
      out += string.id;
      if (format_.print_xor_key) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += ":xor(0x";
        out += kHex[m.xor_key >> 4];
        out += kHex[m.xor_key & 0xf];
        out += ',';
        append_printable(out, m.data, m.xor_key);
        out += ')';
      }
      if (format_.print_strings) {
        out += ": ";
        if (string.is_hex)
          append_hex_bytes(out, m.data);
        else
          append_printable(out, m.data);
      }
      out += '\n';
    }
  }
}

std::string YaraTextSink::render(const FileReport& report) const {
  std::string out;
  // yara prints module data when a module loads and console.log lines while conditions run,
  // so both come before the file's rule lines (and before a -c count).
  for (const std::string& dump : report.module_data) out += dump;
  for (const std::string& line : report.console) {
    out += line;
    out += '\n';
  }
  if (report.ok && !format_.count_only)
    for (const RuleMatch* match : report.rules) render_rule(out, *match, report.path);
  if (format_.count_only && (report.ok || format_.count_with_path)) {
    // Over a directory yara prints the count even for a target that failed; for a single
    // target a failure ends the run before the count.
    if (format_.count_with_path) {
      out += report.path;
      out += ": ";
    }
    out += std::to_string(report.match_count);
    out += '\n';
  }
  return out;
}

void YaraTextSink::file(const FileReport& report) {
  std::string text = render(report);
  std::string diag;
  for (const std::string& w : report.warnings) diag += "warning: " + w + "\n";
  if (show_suppressed_) {
    for (const SuppressedRule& s : report.suppressed) {
      diag += "suppressed: " + s.rule->rule->name + " " + std::string(report.path) + " (" +
              s.suppression.id + ": " + s.suppression.reason + ")\n";
    }
  }
  if (!report.ok) {
    diag += "error scanning ";
    diag += report.path;
    diag += ": " + report.error + "\n";
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!text.empty()) {
    if (Progress::running()) Progress::erase_for_output(err_);
    std::fwrite(text.data(), 1, text.size(), out_);
    if (Progress::running()) std::fflush(out_);
  }
  if (!diag.empty()) {
    std::fflush(out_);
    Progress::erase_for_output(err_);
    std::fwrite(diag.data(), 1, diag.size(), err_);
  }
}

void YaraTextSink::note(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fflush(out_);
  Progress::erase_for_output(err_);
  std::fwrite(line.data(), 1, line.size(), err_);
  std::fputc('\n', err_);
}

void YaraTextSink::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fflush(out_);
  std::fflush(err_);
}

}  // namespace yarrow::cli
