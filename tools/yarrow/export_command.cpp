// `yarrow export kql|sigma`: argument handling around the exporters of src/export.
#include "export_command.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <algorithm>
#include <optional>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "export/export.h"
#include "export/policy_model.h"
#include "parse/parser.h"

namespace yarrow::cli {
namespace {

constexpr const char* kUsage =
    "Usage: yarrow export kql [--rules FILE|DIR]... [--policy FILE] [--flavor sentinel|defender]\n"
    "                         [--format kql|yaml] [--lookback 14d]\n"
    "       yarrow export sigma [--rules FILE|DIR]... [--policy FILE] [--date YYYY-MM-DD]\n"
    "\n"
    "Translates YARA rules into hunting queries (KQL for Microsoft Sentinel or Defender XDR\n"
    "advanced hunting, plain or as a Sentinel hunting-query YAML) or Sigma rules. The policy's\n"
    "exclusions become filters. What cannot be translated is stated in comments.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "yarrow export: %s\n%s", message.c_str(), kUsage);
  return 1;
}

std::string today() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A directory stands for its *.yar / *.yara files, in name order.
std::vector<std::string> expand_rule_paths(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& p : given) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : std::filesystem::directory_iterator(p, ec)) {
        auto ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yar" || ext == ".yara"))
          files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      out.insert(out.end(), files.begin(), files.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace

int run_export_command(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("missing target: kql or sigma");
  if (args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string target = args[0];
  if (target != "kql" && target != "sigma") return usage_error("unknown target `" + target + "`");
  std::vector<std::string> rules;
  std::string policy_path, flavor = "sentinel", format = "kql", date = today(), lookback = "14d";
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--rules" || a == "-r") {
      if (!value(v)) return usage_error("--rules needs a file or directory");
      rules.push_back(v);
    } else if (a == "--policy" || a == "-p") {
      if (!value(policy_path)) return usage_error("--policy needs a file");
    } else if (a == "--flavor" && target == "kql") {
      if (!value(flavor) || (flavor != "sentinel" && flavor != "defender"))
        return usage_error("--flavor must be sentinel or defender");
    } else if (a == "--format" && target == "kql") {
      if (!value(format) || (format != "kql" && format != "yaml"))
        return usage_error("--format must be kql or yaml");
    } else if (a == "--lookback" && target == "kql") {
      if (!value(lookback) || lookback.empty() ||
          lookback.find_first_not_of("0123456789dhm") != std::string::npos)
        return usage_error("--lookback must be a KQL timespan such as 14d");
    } else if (a == "--date" && target == "sigma") {
      if (!value(date) || date.size() != 10 || date[4] != '-' || date[7] != '-')
        return usage_error("--date must be YYYY-MM-DD");
    } else {
      return usage_error("unknown option `" + a + "`");
    }
  }
#ifdef YARROW_DEFAULT_RULES_DIR
  if (rules.empty()) rules.push_back(YARROW_DEFAULT_RULES_DIR);
#endif
  if (rules.empty()) return usage_error("no rules given (--rules FILE|DIR)");

  Diagnostics diags;
  std::optional<exporter::PolicySpec> policy;
  if (!policy_path.empty()) {
    policy = exporter::load_policy_spec(policy_path, diags);
    for (const Diagnostic& d : diags) std::cerr << d.to_string() << '\n';
    if (!policy) return 1;
    diags.clear();
  }

  std::string out;
  bool ok = true;
  for (const std::string& path : expand_rule_paths(rules)) {
    ast::Unit unit;
    Diagnostics rule_diags;
    bool parsed = parse::parse_file(path, parse::ParseOptions{}, unit, rule_diags);
    for (const Diagnostic& d : rule_diags) std::cerr << d.to_string() << '\n';
    if (!parsed) {
      ok = false;
      continue;
    }
    if (target == "kql") {
      exporter::KqlOptions o;
      o.flavor = flavor == "defender" ? exporter::KqlFlavor::kDefender
                                      : exporter::KqlFlavor::kSentinel;
      o.format = format == "yaml" ? exporter::KqlFormat::kYaml : exporter::KqlFormat::kKql;
      o.lookback = lookback;
      o.source_name = path;
      std::string one = exporter::export_kql(unit, policy ? &*policy : nullptr, o);
      if (!out.empty() && !one.empty()) out += o.format == exporter::KqlFormat::kYaml ? "---\n" : "\n";
      out += one;
    } else {
      exporter::SigmaOptions o;
      o.date = date;
      o.source_name = path;
      std::string one = exporter::export_sigma(unit, policy ? &*policy : nullptr, o);
      if (!out.empty() && !one.empty()) out += "---\n";
      out += one;
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return ok ? 0 : 1;
}

}  // namespace yarrow::cli

int run_export_command(int argc, char** argv) { return yarrow::cli::run_export_command(argc, argv); }
