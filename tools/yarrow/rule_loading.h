// Turns the rule arguments and -d definitions of `yarrow scan` into compiled Rules, the way
// yara's CLI does: `-d` values are typed like yara types them, `NAMESPACE:FILE` is split only
// when FILE itself does not exist, `-` reads rules from stdin, compilation stops at the first
// rule file with errors. Diagnostics are printed to `err` as `file:line:col: error: message`.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "scan_args.h"
#include "yarrow/rules.h"
#include "yarrow/value.h"

namespace yarrow::cli {

// The typed value of `-d NAME=VALUE` (yara: float if digits with one dot, integer if digits
// (truncated to 32 bits as atoi does), boolean for exactly true/false, else string).
Value infer_define_value(const std::string& text);

struct RuleArg {
  std::string ns;    // "default" unless given
  std::string path;  // "-" for stdin
};
RuleArg split_rule_arg(const std::string& arg);

// Precompiled rules (`scan -C FILE`), with the -d definitions applied to the variables they
// declare. nullptr when they cannot be used (message already printed to `err`).
std::shared_ptr<const Rules> load_compiled_rules(const ScanArgs& args, const std::string& path,
                                                 std::FILE* err);

// What main.cpp has the allocator do at points of loading the rules (each optional).
struct AllocatorHooks {
  // load_rules, on the building thread before the first Vectorscan database compiles
  // (CompilerOptions::before_databases).
  void (*before_databases)() = nullptr;
  // load_rules, once the rules are built and the compiler is gone, before any scanning thread
  // starts: the compiler's garbage can go back to the system.
  void (*after_build)() = nullptr;
  // Both loads with --low-memory, before anything else: memory goes back as soon as it is free.
  void (*low_memory)() = nullptr;
};
void set_allocator_hooks(const AllocatorHooks& hooks);

// nullptr when the rules cannot be used (messages already printed to `err`). Rules compiled
// `for_saving` keep their string specs and metadata (CompilerOptions::keep_string_specs,
// keep_rule_meta); a scan drops the specs, and the metadata unless it shows it.
std::shared_ptr<const Rules> load_rules(const ScanArgs& args,
                                        const std::vector<std::string>& rule_args, std::FILE* err,
                                        bool for_saving = false);

}  // namespace yarrow::cli
