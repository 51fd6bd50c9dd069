#include "compile_command.h"

#include <cstdio>
#include <cstdlib>

#include "rule_loading.h"
#include "scan_args.h"
#include "yarrow/rules_file.h"

namespace yarrow::cli {
namespace {

constexpr const char* kUsage =
    "Usage: yarrow compile [OPTIONS] [NAMESPACE:]RULES_FILE... -o OUTPUT_FILE\n"
    "       yarrow compile [OPTIONS] [NAMESPACE:]RULES_FILE... OUTPUT_FILE   (yarac's form)\n"
    "\n"
    "Compiles rules once into a file that `yarrow scan -C OUTPUT_FILE TARGET` loads without\n"
    "parsing them again. The file is yarrow's own format (not yara's .yarc), versioned and\n"
    "checksummed: a file from another yarrow build or a damaged file is refused with an error.\n"
    "\n"
    "Options:\n"
    "  -o,  --output=FILE                   where to write the compiled rules\n"
    "  -d,  --define=VAR=VALUE              define an external variable (a default `scan -C\n"
    "                                       -d` can override with a value of the same type)\n"
    "  -w,  --no-warnings                   disable warnings\n"
    "       --fail-on-warnings              fail on warnings\n"
    "       --max-strings-per-rule=NUMBER   maximum number of strings per rule (default=10000)\n"
    "  -h,  --help                          show this help and exit\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "yarrow compile: %s\n%s", message.c_str(), kUsage);
  return 1;
}

// "--name=value" or "--name value" / "-x value" / "-xvalue".
bool take_value(const std::vector<std::string>& args, size_t& i, const std::string& short_name,
                const std::string& long_name, std::string& value) {
  const std::string& a = args[i];
  if (a == short_name || a == long_name) {
    if (i + 1 >= args.size()) return false;
    value = args[++i];
    return true;
  }
  if (a.rfind(long_name + "=", 0) == 0) {
    value = a.substr(long_name.size() + 1);
    return true;
  }
  if (!short_name.empty() && a.size() > 2 && a.rfind(short_name, 0) == 0) {
    value = a.substr(2);
    return true;
  }
  return false;
}

}  // namespace

int run_compile_command(const std::vector<std::string>& args) {
  ScanArgs options;
  std::string output;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "-w" || a == "--no-warnings") {
      options.no_warnings = true;
    } else if (a == "--fail-on-warnings") {
      options.fail_on_warnings = true;
    } else if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (a.rfind("-o", 0) == 0 || a.rfind("--output", 0) == 0) {
      if (!take_value(args, i, "-o", "--output", value)) return usage_error("-o needs a file");
      output = value;
    } else if (a.rfind("-d", 0) == 0 || a.rfind("--define", 0) == 0) {
      if (!take_value(args, i, "-d", "--define", value)) return usage_error("-d needs VAR=VALUE");
      options.defines.push_back(value);
    } else if (a.rfind("--max-strings-per-rule", 0) == 0) {
      if (!take_value(args, i, "", "--max-strings-per-rule", value))
        return usage_error("--max-strings-per-rule needs a number");
      char* end = nullptr;
      long long n = std::strtoll(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || n <= 0)
        return usage_error("--max-strings-per-rule needs a positive number");
      options.max_strings_per_rule = n;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option `" + a + "`");
    } else {
      positional.push_back(a);
    }
  }
  if (output.empty()) {
    if (positional.size() < 2) return usage_error("needs rule files and an output file");
    output = positional.back();
    positional.pop_back();
  }
  if (positional.empty()) return usage_error("needs at least one rule file");

  std::shared_ptr<const Rules> rules = load_rules(options, positional, stderr, /*for_saving=*/true);
  if (rules == nullptr) return 1;
  RulesFileError error;
  if (!save_rules_file(*rules, output, error)) {
    std::fprintf(stderr, "error: %s\n", error.message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace yarrow::cli
