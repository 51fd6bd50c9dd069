#include "hunt_command.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "hunt/hunter.h"
#include "yarrow/compiler.h"
#include "yarrow/policy.h"

#if __has_include("version.h")
#include "version.h"
#define YARROW_HUNT_HAVE_VERSION_H 1
#endif

namespace yarrow::cli {
namespace {

namespace fs = std::filesystem;
using hunt::HuntFinding;

enum class OutputFormat { kText, kJson };

struct HuntArgs {
  std::vector<std::string> rules;
  std::string policy;
  hunt::LogFormat format = hunt::LogFormat::kAuto;
  OutputFormat output = OutputFormat::kText;
  bool show_suppressed = false;
  std::vector<std::string> inputs;
};

void print_help(std::FILE* out) {
  std::fputs(
      "Usage: yarrow hunt [OPTIONS] EVENTS...\n"
      "Apply YARA rules to event logs (Sysmon XML/JSON, Defender/Sentinel CSV/JSON lines;\n"
      "gzip-compressed files too) and report one finding per matching event.\n"
      "\n"
      "Options:\n"
      "  -r, --rules PATH        rule file or directory of *.yar/*.yara (repeatable);\n"
      "                          default: the shipped rule pack\n"
      "  -p, --policy FILE       exclusion policy (TOML) applied to every finding\n"
      "  -f, --format FORMAT     auto|csv|json|xml (default auto: sniffed per file)\n"
      "  -o, --output FORMAT     text|json (json: one object per line, then a summary)\n"
      "      --show-suppressed   also print findings the policy suppressed, with the reason\n"
      "  -h, --help              show this help\n"
      "\n"
      "Exit status: 0 all inputs read; 1 usage, rule or policy error; 2 an input could not\n"
      "be read (the others were hunted). Malformed records are reported on stderr.\n",
      out);
}

// 1: parsed; 0: --help; -1: error (printed).
int parse_args(int argc, char** argv, HuntArgs& args) {
  auto value = [&](int& i, const std::string& opt) -> const char* {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "yarrow hunt: %s needs a value\n", opt.c_str());
      return nullptr;
    }
    return argv[++i];
  };
  bool only_inputs = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (!only_inputs && a.starts_with("--") && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_inline = true;
    }
    auto get = [&]() -> const char* { return has_inline ? inline_value.c_str() : value(i, a); };
    if (only_inputs || a == "-" || a.empty() || a[0] != '-') {
      args.inputs.push_back(argv[i]);
    } else if (a == "--") {
      only_inputs = true;
    } else if (a == "-h" || a == "--help") {
      return 0;
    } else if (a == "-r" || a == "--rules") {
      const char* v = get();
      if (!v) return -1;
      args.rules.push_back(v);
    } else if (a == "-p" || a == "--policy") {
      const char* v = get();
      if (!v) return -1;
      args.policy = v;
    } else if (a == "-f" || a == "--format") {
      const char* v = get();
      if (!v) return -1;
      if (!hunt::parse_log_format(v, args.format)) {
        std::fprintf(stderr, "yarrow hunt: unknown format `%s` (auto, csv, json, xml)\n", v);
        return -1;
      }
    } else if (a == "-o" || a == "--output") {
      const char* v = get();
      if (!v) return -1;
      std::string o = v;
      if (o == "text") args.output = OutputFormat::kText;
      else if (o == "json") args.output = OutputFormat::kJson;
      else {
        std::fprintf(stderr, "yarrow hunt: unknown output `%s` (text, json)\n", v);
        return -1;
      }
    } else if (a == "--show-suppressed") {
      args.show_suppressed = true;
    } else {
      std::fprintf(stderr, "yarrow hunt: unknown option `%s`\nTry `yarrow hunt --help`.\n",
                   argv[i]);
      return -1;
    }
  }
  if (args.inputs.empty()) {
    std::fprintf(stderr, "yarrow hunt: no event log given\nTry `yarrow hunt --help`.\n");
    return -1;
  }
  return 1;
}

// The shipped rule pack: $YARROW_RULES_DIR, rules/ next to the binary, then the source tree's.
std::string default_rules_dir() {
  if (const char* env = std::getenv("YARROW_RULES_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::is_directory(exe.parent_path() / "rules", ec)) return exe.parent_path() / "rules";
#ifdef YARROW_HUNT_HAVE_VERSION_H
  return kDefaultRulesDir;
#elif defined(YARROW_DEFAULT_RULES_DIR)
  return YARROW_DEFAULT_RULES_DIR;
#else
  return "rules";
#endif
}

std::shared_ptr<const Rules> load_rules(std::vector<std::string> paths) {
  if (paths.empty()) paths.push_back(default_rules_dir());
  Compiler compiler;
  bool any = false;
  for (const auto& p : paths) {
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(p, ec)) {
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        auto ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yar" || ext == ".yara"))
          files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        std::fprintf(stderr, "yarrow hunt: no rule files (*.yar, *.yara) in %s\n", p.c_str());
        return nullptr;
      }
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      compiler.add_file(f);
      any = true;
    }
  }
  for (const auto& d : compiler.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (!any || compiler.has_errors()) return nullptr;
  return compiler.build();
}

std::string format_time(const std::optional<std::chrono::sys_seconds>& t) {
  if (!t) return "-";
  auto days = std::chrono::floor<std::chrono::days>(*t);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{*t - days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()));
  return buf;
}

// Text values are quoted; quotes and control characters are escaped (a multi-line command line
// stays on one output line), backslashes are not (Windows paths stay readable).
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

void print_text(const HuntFinding& h) {
  const Finding& f = h.finding;
  bool suppressed = f.disposition == Disposition::kSuppressed;
  std::string line = suppressed ? "SUPPRESSED " : "REPORTED ";
  line += f.rule + " " + h.input + ":" + std::to_string(h.line) + " " + format_time(f.event_time);
  line += " " + h.schema + "/" + hunt::to_string(h.kind);
  if (f.host) line += " host=" + quote(*f.host);
  if (f.process && f.process->user) line += " user=" + quote(*f.process->user);
  if (f.process && f.process->path) line += " process=" + quote(*f.process->path);
  else if (f.process && f.process->name) line += " process=" + quote(*f.process->name);
  if (f.file) line += " file=" + quote(f.file->path);
  if (f.network && f.network->remote_address) {
    line += " remote=" + quote(*f.network->remote_address);
    if (f.network->remote_port) line += ":" + std::to_string(*f.network->remote_port);
  }
  line += " fields=" + join(h.matched_fields);
  if (f.matched_strings) line += " strings=" + join(*f.matched_strings);
  if (suppressed && f.suppression)
    line += " by=" + f.suppression->id + " reason=" + quote(f.suppression->reason);
  std::puts(line.c_str());
}

template <typename T>
void put(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

nlohmann::json to_json(const HuntFinding& h) {
  const Finding& f = h.finding;
  nlohmann::json j;
  j["type"] = "finding";
  j["rule"] = f.rule;
  j["namespace"] = f.rule_namespace;
  j["tags"] = f.tags;
  j["disposition"] = to_string(f.disposition);
  if (f.suppression) j["suppression"] = {{"id", f.suppression->id}, {"reason", f.suppression->reason}};
  j["input"] = h.input;
  j["line"] = h.line;
  j["schema"] = h.schema;
  j["event_kind"] = hunt::to_string(h.kind);
  if (f.event_time) j["time"] = format_time(f.event_time);
  put(j, "host", f.host);
  if (f.process) {
    nlohmann::json p = nlohmann::json::object();
    put(p, "pid", f.process->pid);
    put(p, "name", f.process->name);
    put(p, "path", f.process->path);
    put(p, "command_line", f.process->command_line);
    put(p, "user", f.process->user);
    put(p, "parent_pid", f.process->parent_pid);
    put(p, "parent_name", f.process->parent_name);
    put(p, "parent_path", f.process->parent_path);
    j["process"] = p;
  }
  if (f.file) j["file"] = {{"path", f.file->path}};
  if (f.network) {
    nlohmann::json n = nlohmann::json::object();
    put(n, "remote_address", f.network->remote_address);
    put(n, "remote_port", f.network->remote_port);
    put(n, "protocol", f.network->protocol);
    j["network"] = n;
  }
  if (f.download) {
    nlohmann::json d = nlohmann::json::object();
    put(d, "url", f.download->url);
    put(d, "referrer", f.download->referrer);
    j["download"] = d;
  }
  if (f.signer) {
    nlohmann::json s = nlohmann::json::object();
    put(s, "subject", f.signer->subject);
    put(s, "issuer", f.signer->issuer);
    put(s, "verified", f.signer->verified);
    j["signer"] = s;
  }
  if (f.event) {
    nlohmann::json e = nlohmann::json::object();
    put(e, "log", f.event->log);
    put(e, "provider", f.event->provider);
    put(e, "event_id", f.event->event_id);
    put(e, "record_id", f.event->record_id);
    j["event"] = e;
  }
  if (f.matched_strings) j["strings"] = *f.matched_strings;
  j["matched_fields"] = h.matched_fields;
  nlohmann::json hits = nlohmann::json::array();
  for (const auto& hit : h.hits)
    hits.push_back({{"field", hit.field}, {"string", hit.string_id}, {"offset", hit.offset},
                    {"data", hit.data}});
  j["hits"] = hits;
  return j;
}

void print_json(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::puts(s.c_str());
}

}  // namespace

int run_hunt_command(int argc, char** argv) {
  HuntArgs args;
  int parsed = parse_args(argc, argv, args);
  if (parsed == 0) {
    print_help(stdout);
    return 0;
  }
  if (parsed < 0) return 1;

  auto rules = load_rules(args.rules);
  if (!rules) return 1;
  std::shared_ptr<const Policy> policy;
  if (!args.policy.empty()) {
    Diagnostics diags;
    policy = Policy::load_file(args.policy, diags);
    for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (!policy) return 1;
  }

  hunt::Hunter hunter(rules, policy);
  bool json = args.output == OutputFormat::kJson;
  auto on_finding = [&](const HuntFinding& h) {
    if (h.finding.disposition == Disposition::kSuppressed && !args.show_suppressed) return;
    if (json) print_json(to_json(h));
    else print_text(h);
  };
  auto on_malformed = [&](const hunt::MalformedRecord& m) {
    if (json) {
      print_json({{"type", "malformed"}, {"input", m.input}, {"line", m.line}, {"error", m.error}});
    } else {
      std::fflush(stdout);
      std::fprintf(stderr, "yarrow hunt: %s:%llu: malformed record: %s\n", m.input.c_str(),
                   static_cast<unsigned long long>(m.line), m.error.c_str());
    }
  };
  bool input_failed = false;
  for (const auto& input : args.inputs) {
    std::string error;
    bool ok = input == "-" ? hunter.hunt_input(hunt::stdin_input(), "-", args.format, on_finding,
                                                on_malformed, error)
                           : hunter.hunt_file(input, args.format, on_finding, on_malformed, error);
    if (!ok) {
      input_failed = true;
      std::fflush(stdout);
      std::fprintf(stderr, "yarrow hunt: %s: %s\n", input.c_str(), error.c_str());
    }
  }
  const hunt::HuntStats& s = hunter.stats();
  if (json) {
    print_json({{"type", "summary"},
                {"inputs", s.inputs},
                {"input_errors", s.input_errors},
                {"scan_errors", s.scan_errors},
                {"events", s.events},
                {"malformed", s.malformed},
                {"findings", s.findings},
                {"reported", s.findings - s.suppressed},
                {"suppressed", s.suppressed}});
  } else {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "yarrow hunt: %llu events, %llu malformed, %llu findings (%llu reported, %llu "
                 "suppressed)\n",
                 static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.malformed),
                 static_cast<unsigned long long>(s.findings),
                 static_cast<unsigned long long>(s.findings - s.suppressed),
                 static_cast<unsigned long long>(s.suppressed));
    if (s.scan_errors)
      std::fprintf(stderr, "yarrow hunt: %llu events could not be scanned (timeout or too many matches)\n",
                   static_cast<unsigned long long>(s.scan_errors));
  }
  std::fflush(stdout);
  return input_failed ? 2 : 0;
}

}  // namespace yarrow::cli
