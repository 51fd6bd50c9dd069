// Rules: the immutable result of compiling YARA sources.
//
// Thread safety: a Rules object never changes after Compiler::build() returns it, so any number
// of Scanners on any number of threads may share one through std::shared_ptr<const Rules>.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "yarrow/value.h"

namespace yarrow {

namespace detail {
struct CompiledRules;  // src/compile/compiled_rules.h
}

struct MetaEntry {
  std::string key;
  Value value;  // bool, int64_t or std::string (never double)
};

// What the public API tells about one rule.
struct RuleInfo {
  std::string name;
  std::string ns;  // namespace; "default" unless given
  std::vector<std::string> tags;
  std::vector<MetaEntry> meta;
  std::vector<std::string> string_ids;  // "$a", "$" for anonymous ones, in declaration order
  bool is_private = false;
  bool is_global = false;
};

class Rules {
 public:
  explicit Rules(std::unique_ptr<const detail::CompiledRules> compiled);
  ~Rules();
  Rules(const Rules&) = delete;  // shared by pointer, never copied
  Rules& operator=(const Rules&) = delete;

  // Rules in evaluation order (the order in which they were added and declared).
  std::span<const RuleInfo> rules() const;
  size_t string_count() const;  // total strings over all rules
  const std::vector<std::string>& imports() const;

  const detail::CompiledRules& compiled() const { return *compiled_; }

 private:
  std::unique_ptr<const detail::CompiledRules> compiled_;
};

}  // namespace yarrow
