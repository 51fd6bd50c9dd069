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

// Called by load_rules once rules are built from source, before any scanning thread starts:
// main.cpp hands the compiler's garbage back to the system there (see release_free_memory).
void set_after_build_hook(void (*hook)());
// Called by load_rules before it compiles rules, and by load_compiled_rules before it loads
// them, with --low-memory: main.cpp has the allocator give memory back as soon as it is free.
void set_low_memory_hook(void (*hook)());

// nullptr when the rules cannot be used (messages already printed to `err`). Rules compiled
// `for_saving` keep their string specs (CompilerOptions::keep_string_specs); a scan drops them.
std::shared_ptr<const Rules> load_rules(const ScanArgs& args,
                                        const std::vector<std::string>& rule_args, std::FILE* err,
                                        bool for_saving = false);

}  // namespace yarrow::cli
