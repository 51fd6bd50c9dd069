// Compiler: turns YARA rule sources into an immutable, shareable Rules object.
//
//   yarrow::Compiler compiler;
//   compiler.define_external("filename", std::string("x"));
//   compiler.add_file("rules/nkminer_monero.yar");          // namespace "default"
//   if (compiler.has_errors()) { for (auto& d : compiler.diagnostics()) print(d); }
//   std::shared_ptr<const yarrow::Rules> rules = compiler.build();
//
// Sources are compiled in the order they are added, as yara does: a rule may only reference
// rules defined before it in the same namespace. Diagnostics are collected, never thrown.
// A Compiler is single-threaded; build() may be called once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "yarrow/diagnostics.h"
#include "yarrow/rules.h"
#include "yarrow/value.h"

namespace yarrow {

struct CompilerOptions {
  uint32_t max_include_depth = 16;
  bool allow_includes = true;
  uint32_t max_strings_per_rule = 10000;  // yara's --max-strings-per-rule default
  // When the rules need two string databases or more (signature-base: MZ-gated strings apart),
  // build() compiles them on a second thread while it builds the regex programs, then on both
  // threads: less wall time on a machine with a free core (signature-base 0.49 vs 0.67 s), a
  // higher memory peak since the builders' peaks coincide (about 132 vs 97 MB). A single
  // database is always compiled first and the programs after, in the memory it has freed.
  // Same rules either way.
  // It also lets a source of parallel_parse_min_bytes or more be parsed on a second thread while
  // this one compiles the rules parsed so far (elastic's 3.3 MB of rules: 46 -> 30 ms), with
  // the same rules and diagnostics, in the same order.
  bool parallel_build = true;
  size_t parallel_parse_min_bytes = 256 * 1024;
  // 0: the strings' patterns go into one Vectorscan database per partition, the fastest to
  // scan. Otherwise a partition of more patterns than this is compiled into several databases
  // of about equal size: a lower memory peak and a faster compile, for a slower scan (see
  // match::BuildOptions::max_database_patterns; the CLI's --low-memory).
  size_t max_database_patterns = 0;
  // The string specs (each string's text and modifiers) are kept in the built rules so that they
  // can be saved (save_rules_file) and their matcher rebuilt when loaded. A program that only
  // scans may drop them once the matcher is built: signature-base's rules take 7 MB less (of
  // 46). Rules built without them cannot be saved.
  bool keep_string_specs = true;
  // Each rule's metadata (RuleInfo::meta) is kept in the built rules. A program that never
  // shows it may leave it out: signature-base's 43,700 entries take 5 MB. Rules built without
  // it cannot be saved either.
  bool keep_rule_meta = true;
  // Called by build() on the building thread when a large set of patterns makes it compile the
  // Vectorscan databases first, on that thread and alone, once the rules and the strings'
  // literals are all there is: a program can hand the heap's free memory back to the system and
  // choose how the compiler's memory is mapped (yarrow's CLI does, with mimalloc).
  void (*before_databases)() = nullptr;
};

class Compiler {
 public:
  explicit Compiler(CompilerOptions options = {});
  ~Compiler();
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // External variables must be defined before the sources that use them are added.
  // Returns false (and records a diagnostic) when the name is already defined.
  bool define_external(const std::string& name, Value value);

  // Returns false if this source had errors. Later sources are still compiled.
  bool add_file(const std::string& path, const std::string& ns = "default");
  bool add_source(std::string_view text, const std::string& ns = "default",
                  const std::string& display_name = "");

  const Diagnostics& diagnostics() const;
  bool has_errors() const;
  bool has_warnings() const;

  // The compiled rules, or nullptr when any source had errors.
  std::shared_ptr<const Rules> build();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yarrow
