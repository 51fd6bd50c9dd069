#include "rule_loading.h"

#include "yarrow/rules_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <set>

#include "yarrow/compiler.h"

namespace yarrow::cli {
namespace {

AllocatorHooks allocator_hooks;

void call(void (*hook)()) {
  if (hook != nullptr) hook();
}

// --low-memory: a partition's patterns in databases of at most this many. Signature-base's
// 16,871 always-scanned patterns then take three databases; see docs/performance.md.
constexpr size_t kLowMemoryDatabasePatterns = 8000;

bool looks_integer(const std::string& s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

bool looks_float(const std::string& s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i < s.size() && s[i] == '.') return false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (dot) return false;
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return dot;
}

// Prints the diagnostics added since `from`; returns how many warnings were shown.
size_t print_diagnostics(const Diagnostics& all, size_t from, bool show_warnings, std::FILE* err) {
  size_t warnings = 0;
  for (size_t i = from; i < all.size(); ++i) {
    const Diagnostic& d = all[i];
    if (d.severity == Severity::kWarning) {
      if (!show_warnings) continue;
      ++warnings;
    }
    std::string line = d.to_string();
    std::fprintf(err, "%s\n", line.c_str());
  }
  return warnings;
}

}  // namespace

Value infer_define_value(const std::string& text) {
  if (looks_float(text)) return std::strtod(text.c_str(), nullptr);
  if (looks_integer(text)) {
    // yara converts with atoi: the value wraps to 32 bits.
    return static_cast<int64_t>(static_cast<int32_t>(std::strtol(text.c_str(), nullptr, 10)));
  }
  if (text == "true") return true;
  if (text == "false") return false;
  return text;
}

RuleArg split_rule_arg(const std::string& arg) {
  if (::access(arg.c_str(), F_OK) != 0) {
    size_t colon = arg.find(':');
    // As in yara 4.2.3, a colon followed by a backslash belongs to the path (C:\ on Windows);
    // `ns:/abs/path.yar` is namespace ns and an absolute path.
    if (colon != std::string::npos && colon + 1 < arg.size() && arg[colon + 1] != '\\')
      return {arg.substr(0, colon), arg.substr(colon + 1)};
    if (colon != std::string::npos && colon + 1 == arg.size()) return {arg.substr(0, colon), ""};
  }
  return {"default", arg};
}

std::shared_ptr<const Rules> load_compiled_rules(const ScanArgs& args, const std::string& path,
                                                 std::FILE* err) {
  ExternalOverrides overrides;
  for (const std::string& def : args.defines) {
    size_t eq = def.find('=');
    if (eq == std::string::npos) {
      std::fprintf(err, "error: wrong syntax for `-d` option.\n");
      return nullptr;
    }
    overrides.emplace_back(def.substr(0, eq), infer_define_value(def.substr(eq + 1)));
  }
  // The databases are as stored; the allocator still gives memory back at once.
  if (args.low_memory) call(allocator_hooks.low_memory);
  RulesFileError error;
  std::shared_ptr<const Rules> rules = load_rules_file(path, error, overrides);
  if (rules == nullptr) std::fprintf(err, "error: %s: %s\n", path.c_str(), error.message.c_str());
  return rules;
}

void set_allocator_hooks(const AllocatorHooks& hooks) { allocator_hooks = hooks; }

std::shared_ptr<const Rules> load_rules(const ScanArgs& args,
                                        const std::vector<std::string>& rule_args, std::FILE* err,
                                        bool for_saving) {
  CompilerOptions options;
  options.max_strings_per_rule = static_cast<uint32_t>(args.max_strings_per_rule);
  options.keep_string_specs = for_saving;
  // Metadata is shown by -m and the JSON lines, and carried by findings a policy judges.
  options.keep_rule_meta = for_saving || args.print_meta || args.output_format != "text" ||
                           !args.policy_files.empty();
  options.before_databases = allocator_hooks.before_databases;
  if (args.low_memory) {
    options.max_database_patterns = kLowMemoryDatabasePatterns;
    call(allocator_hooks.low_memory);
  }
  auto compiler = std::make_unique<Compiler>(options);

  // yara keeps going after a malformed -d (ignoring the rest) and only fails when the LAST
  // definition could not be made; a repeated name keeps its first value.
  bool last_define_ok = true;
  std::set<std::string> defined;
  for (const std::string& def : args.defines) {
    size_t eq = def.find('=');
    if (eq == std::string::npos) {
      std::fprintf(err, "error: wrong syntax for `-d` option.\n");
      break;
    }
    std::string name = def.substr(0, eq);
    if (!defined.insert(name).second) {
      last_define_ok = false;
      continue;
    }
    last_define_ok = compiler->define_external(name, infer_define_value(def.substr(eq + 1)));
  }
  if (!last_define_ok) {
    std::fprintf(err, "error: duplicated or invalid external variable definition (-d)\n");
    return nullptr;
  }

  if (!args.atom_quality_table.empty() && ::access(args.atom_quality_table.c_str(), R_OK) != 0) {
    std::fprintf(err, "error loading atom quality table: could not open file\n");
    return nullptr;
  }

  bool show_warnings = !args.no_warnings;
  size_t warnings = print_diagnostics(compiler->diagnostics(), 0, show_warnings, err);
  size_t seen = compiler->diagnostics().size();
  for (const std::string& arg : rule_args) {
    RuleArg rule = split_rule_arg(arg);
    bool ok;
    if (rule.path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
      ok = compiler->add_source(text, rule.ns, "-");
    } else {
      std::FILE* probe = std::fopen(rule.path.c_str(), "r");
      if (probe == nullptr) {
        std::fprintf(err, "error: could not open file: %s\n", rule.path.c_str());
        return nullptr;
      }
      std::fclose(probe);
      struct stat st;
      if (::stat(rule.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        // fopen() accepts a directory; yara then fails reading it.
        std::fprintf(err, "%s: error: is a directory, not a rule file\n", rule.path.c_str());
        return nullptr;
      }
      ok = compiler->add_file(rule.path, rule.ns);
    }
    warnings += print_diagnostics(compiler->diagnostics(), seen, show_warnings, err);
    seen = compiler->diagnostics().size();
    if (!ok || compiler->has_errors()) return nullptr;  // yara stops at the first bad file
  }
  if (args.fail_on_warnings && warnings > 0) return nullptr;

  std::shared_ptr<const Rules> rules = compiler->build();
  print_diagnostics(compiler->diagnostics(), seen, show_warnings, err);
  if (rules == nullptr && !compiler->has_errors())
    std::fprintf(err, "error: the rules could not be built\n");
  compiler.reset();  // its sources and bookkeeping go before the heap is handed back
  call(allocator_hooks.after_build);
  return rules;
}

}  // namespace yarrow::cli
