#include "scan_args.h"

#include <cstdlib>
#include <ostream>
#include <variant>

namespace yarrow::cli {
namespace {

using BoolField = bool ScanArgs::*;
using IntField = int64_t ScanArgs::*;
using StringField = std::string ScanArgs::*;
using ListField = std::vector<std::string> ScanArgs::*;
using Field = std::variant<BoolField, IntField, StringField, ListField>;

struct OptionSpec {
  char short_name;  // '\0' when the option has only a long form
  const char* long_name;
  Field field;
  int max_count;  // how many times the option may be given (yara: 1, or 32 for lists)
  const char* help;
  const char* value_help;  // nullptr for flags
};

constexpr int kMaxListArgs = 32;  // yara's MAX_ARGS_TAG / _IDENTIFIER / _EXT_VAR / _MODULE_DATA

// In yara's help order, which is also the order long names are matched in.
const OptionSpec kOptions[] = {
    {0, "atom-quality-table", &ScanArgs::atom_quality_table, 1,
     "path to a file with the atom quality table", "FILE"},
    {'C', "compiled-rules", &ScanArgs::compiled_rules, 1, "load compiled rules (written by `yarrow compile`)",
     nullptr},
    {'c', "count", &ScanArgs::count_only, 1, "print only number of matches", nullptr},
    {'d', "define", &ScanArgs::defines, kMaxListArgs, "define external variable", "VAR=VALUE"},
    {0, "fail-on-warnings", &ScanArgs::fail_on_warnings, 1, "fail on warnings", nullptr},
    {'f', "fast-scan", &ScanArgs::fast_scan, 1, "fast matching mode", nullptr},
    {'h', "help", &ScanArgs::help, 1, "show this help and exit", nullptr},
    {'i', "identifier", &ScanArgs::identifiers, kMaxListArgs, "print only rules named IDENTIFIER",
     "IDENTIFIER"},
    {0, "max-process-memory-chunk", &ScanArgs::max_process_memory_chunk, 1,
     "set maximum chunk size while reading process memory (default=1073741824)", "NUMBER"},
    {'l', "max-rules", &ScanArgs::max_rules, 1, "abort scanning after matching a NUMBER of rules",
     "NUMBER"},
    {0, "max-strings-per-rule", &ScanArgs::max_strings_per_rule, 1,
     "set maximum number of strings per rule (default=10000)", "NUMBER"},
    {'x', "module-data", &ScanArgs::module_data, kMaxListArgs,
     "pass FILE's content as extra data to MODULE", "MODULE=FILE"},
    {'n', "negate", &ScanArgs::negate, 1, "print only not satisfied rules (negate)", nullptr},
    {'N', "no-follow-symlinks", &ScanArgs::follow_symlinks, 1,
     "do not follow symlinks when scanning", nullptr},
    {'w', "no-warnings", &ScanArgs::no_warnings, 1, "disable warnings", nullptr},
    {'m', "print-meta", &ScanArgs::print_meta, 1, "print metadata", nullptr},
    {'D', "print-module-data", &ScanArgs::print_module_data, 1,
     "print module data", nullptr},
    {'M', "module-names", &ScanArgs::module_names, 1, "show module names (not supported yet)",
     nullptr},
    {'e', "print-namespace", &ScanArgs::print_namespace, 1, "print rules' namespace", nullptr},
    {'S', "print-stats", &ScanArgs::print_stats, 1, "print rules' statistics", nullptr},
    {'s', "print-strings", &ScanArgs::print_strings, 1, "print matching strings", nullptr},
    {'L', "print-string-length", &ScanArgs::print_string_length, 1,
     "print length of matched strings", nullptr},
    {'X', "print-xor-key", &ScanArgs::print_xor_key, 1,
     "print xor key and plaintext of matched strings", nullptr},
    {'g', "print-tags", &ScanArgs::print_tags, 1, "print tags", nullptr},
    {'r', "recursive", &ScanArgs::recursive, 1, "recursively search directories", nullptr},
    {0, "scan-list", &ScanArgs::scan_list, 1, "scan files listed in FILE, one per line", nullptr},
    {'z', "skip-larger", &ScanArgs::skip_larger, 1,
     "skip files larger than the given size when scanning a directory", "NUMBER"},
    {'k', "stack-size", &ScanArgs::stack_size, 1, "set maximum stack size (default=16384)",
     "SLOTS"},
    {'t', "tag", &ScanArgs::tags, kMaxListArgs, "print only rules tagged as TAG", "TAG"},
    {'p', "threads", &ScanArgs::threads, 1,
     "use the specified NUMBER of threads to scan a directory", "NUMBER"},
    {'a', "timeout", &ScanArgs::timeout, 1, "abort scanning after the given number of SECONDS",
     "SECONDS"},
    {'v', "version", &ScanArgs::version, 1, "show version information", nullptr},
    // yarrow's own options, after yara's (see kFirstExtension).
    {0, "policy", &ScanArgs::policy_files, kMaxListArgs,
     "apply the exclusion policy in FILE (repeatable; docs/policy.md)", "FILE"},
    {0, "show-suppressed", &ScanArgs::show_suppressed, 1,
     "list findings suppressed by a policy, with the exclusion's id and reason", nullptr},
    {0, "output", &ScanArgs::output_format, 1,
     "output format: text (yara's, default) or json (JSON lines, docs/output.md)", "FORMAT"},
    {0, "pid", &ScanArgs::pids, kMaxListArgs, "scan the memory of process PID (repeatable)",
     "PID"},
    {0, "all-processes", &ScanArgs::all_processes, 1, "scan the memory of every process",
     nullptr},
    {0, "no-progress", &ScanArgs::no_progress, 1,
     "no progress line on stderr (it is only shown when stderr is a terminal)", nullptr},
    {0, "max-process-memory", &ScanArgs::max_process_memory, 1,
     "read at most NUMBER bytes of each process's memory (default: all); the rest is skipped "
     "with a warning", "NUMBER"},
    {0, "low-memory", &ScanArgs::low_memory, 1,
     "compile the rules in less memory: smaller pattern databases, and freed memory given back "
     "at once; large rule sets then scan slower (docs/performance.md)", nullptr},
};
// Options from "policy" on are yarrow's: their long form also takes its value from the next
// argument (`--policy FILE`), which yara's parser never does.
constexpr const char* kFirstExtension = "policy";
constexpr size_t kOptionCount = sizeof(kOptions) / sizeof(kOptions[0]);


enum class OptError { kNone, kUnknown, kTooMany, kNeedsInteger, kNeedsString };

std::string describe(OptError error, const std::string& arg) {
  switch (error) {
    case OptError::kUnknown:
      return "unknown option `" + arg + "`";
    case OptError::kTooMany:
      return "too many `" + arg + "` options";
    case OptError::kNeedsInteger:
      return "option `" + arg + "` requires an integer argument";
    case OptError::kNeedsString:
      return "option `" + arg + "` requires a string argument";
    case OptError::kNone:
      break;
  }
  return {};
}

bool takes_value(const OptionSpec& spec) { return spec.value_help != nullptr; }

class Parser {
 public:
  explicit Parser(ScanArgs& args) : args_(args) {}

  // `value` is nullptr when no value is available. Sets `used` when the value was consumed.
  OptError apply(size_t index, const char* value, bool* used) {
    const OptionSpec& spec = kOptions[index];
    if (used) *used = false;
    if (counts_[index] == spec.max_count) return OptError::kTooMany;
    if (auto* f = std::get_if<BoolField>(&spec.field)) {
      // A flag ignores any value, even `--count=x`, and flips: that is what yara does.
      args_.*(*f) = !(args_.*(*f));
    } else if (auto* f = std::get_if<IntField>(&spec.field)) {
      if (value == nullptr) return OptError::kNeedsInteger;
      char* end = nullptr;
      long long n = std::strtoll(value, &end, 0);
      if (*end != '\0') return OptError::kNeedsInteger;
      args_.*(*f) = n;
      if (used) *used = true;
    } else if (auto* f = std::get_if<StringField>(&spec.field)) {
      if (value == nullptr) return OptError::kNeedsString;
      args_.*(*f) = value;
      if (used) *used = true;
    } else if (auto* f = std::get_if<ListField>(&spec.field)) {
      if (value == nullptr) return OptError::kNeedsString;
      (args_.*(*f)).push_back(value);
      if (used) *used = true;
    }
    ++counts_[index];
    return OptError::kNone;
  }

 private:
  ScanArgs& args_;
  int counts_[kOptionCount] = {};
};

int find_short(char c) {
  for (size_t i = 0; i < kOptionCount; ++i)
    if (kOptions[i].short_name != 0 && kOptions[i].short_name == c) return static_cast<int>(i);
  return -1;
}

// `body` is the argument without its leading "--".
int find_long(const std::string& body) {
  for (size_t i = 0; i < kOptionCount; ++i) {
    std::string_view name = kOptions[i].long_name;
    if (body.compare(0, name.size(), name) == 0 &&
        (body.size() == name.size() || body[name.size()] == '='))
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

ParseResult parse_scan_args(const std::vector<std::string>& argv) {
  ParseResult result;
  Parser parser(result.args);
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    OptError error = OptError::kNone;
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      int index = find_long(arg.substr(2));
      if (index < 0) {
        error = OptError::kUnknown;
      } else {
        size_t eq = arg.find('=');
        if (eq == std::string::npos && index >= find_long(kFirstExtension) &&
            takes_value(kOptions[index]) && i + 1 < argv.size()) {
          bool used = false;
          error = parser.apply(index, argv[i + 1].c_str(), &used);
          if (used) ++i;
        } else {
          error = parser.apply(index, eq == std::string::npos ? nullptr : arg.c_str() + eq + 1,
                               nullptr);
        }
      }
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      for (size_t j = 1; j < arg.size() && error == OptError::kNone; ++j) {
        int index = find_short(arg[j]);
        if (index < 0) {
          error = OptError::kUnknown;
        } else if (j + 1 == arg.size()) {
          // Last of a cluster: the next argument may be its value (`-l 5`).
          const char* next = i + 1 < argv.size() ? argv[i + 1].c_str() : nullptr;
          bool used = false;
          error = parser.apply(index, next, &used);
          if (used) ++i;
        } else {
          error = parser.apply(index, nullptr, nullptr);
        }
      }
    } else {
      // "-", "--" and anything else not shaped like an option is positional, as in yara.
      result.args.positional.push_back(arg);
    }
    if (error != OptError::kNone) {
      result.error = describe(error, arg);
      return result;
    }
  }
  return result;
}

void print_scan_help(std::ostream& out) {
  constexpr size_t kAlign = 43;
  for (const OptionSpec& spec : kOptions) {
    std::string left = "  ";
    if (spec.short_name != 0) {
      left += '-';
      left += spec.short_name;
      left += ",  ";
    } else {
      left += "     ";
    }
    left += "--";
    left += spec.long_name;
    if (takes_value(spec)) {
      left += '=';
      left += spec.value_help;
    }
    if (left.size() < kAlign) left.append(kAlign - left.size(), ' ');
    out << left << spec.help << '\n';
  }
}

}  // namespace yarrow::cli
