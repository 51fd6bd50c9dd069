#include "test_support.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace yarrow::test {

Compiled compile(const std::string& text,
                 const std::vector<std::pair<std::string, Value>>& externals) {
  Compiled out;
  Compiler compiler;
  for (const auto& [name, value] : externals) compiler.define_external(name, value);
  compiler.add_source(text, "default", "test.yar");
  out.rules = compiler.build();
  out.diags = compiler.diagnostics();
  return out;
}

ScanResult scan_result(const std::shared_ptr<const Rules>& rules, const std::string& data,
                       bool non_matching) {
  ScanOptions options;
  options.report_non_matching = non_matching;
  Scanner scanner(rules, options);
  ScanResult result;
  EXPECT_EQ(scanner.scan_memory({reinterpret_cast<const uint8_t*>(data.data()), data.size()},
                                result),
            ScanStatus::kOk);
  return result;
}

std::string scan_rendered(const std::shared_ptr<const Rules>& rules, const std::string& data,
                          bool non_matching) {
  return render(scan_result(rules, data, non_matching));
}

std::string render(const ScanResult& result) {
  std::ostringstream o;
  for (const RuleMatch& m : result.rules) {
    o << m.rule->name << (m.matched ? " +" : " -") << "\n";
    for (const StringMatches& s : m.strings)
      for (const StringMatch& x : s.matches)
        o << "  " << s.id << "@" << x.offset << ":" << x.length << "\n";
  }
  for (const std::string& w : result.warnings) o << "warning " << w << "\n";
  return o.str();
}

std::set<std::string> matching_rules(const std::shared_ptr<const Rules>& rules,
                                     const std::string& data) {
  Scanner scanner(rules);
  ScanResult result;
  scanner.scan_memory(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
      result);
  std::set<std::string> names;
  for (const RuleMatch& m : result.rules) {
    if (m.matched) names.insert(m.rule->name);
  }
  return names;
}

std::optional<YaraAnswer> ask_yara(const std::string& text, const std::string& data,
                                   const std::string& extra_args) {
  if (access("/usr/bin/yara", X_OK) != 0) return std::nullopt;
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("yarrow_core_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  std::ofstream(dir / "r.yar") << text;
  std::ofstream(dir / "d.bin", std::ios::binary) << data;
  std::string cmd = "/usr/bin/yara -w " + extra_args + " " + (dir / "r.yar").string() + " " +
                    (dir / "d.bin").string() + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  fs::remove_all(dir);
  YaraAnswer answer;
  answer.compiled_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto space = line.find(' ');
    if (space != std::string::npos) answer.rules.insert(line.substr(0, space));
  }
  return answer;
}

const Diagnostic* first_error(const Diagnostics& diags) {
  for (const Diagnostic& d : diags) {
    if (d.severity == Severity::kError) return &d;
  }
  return nullptr;
}

}  // namespace yarrow::test
