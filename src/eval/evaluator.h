// Condition evaluation with yara 4.2.3's semantics: 64-bit wrapping integers, doubles, byte
// strings and the "undefined" value, propagated operator by operator exactly as yara's virtual
// machine does (see docs/differences.md for the places where yarrow deliberately differs).
//
// An Evaluator holds per-thread scratch (loop slots, per-rule results) and reads the shared,
// immutable CompiledRules; one per Scanner.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "compile/compiled_rules.h"
#include "match/pattern_set.h"
#include "yarrow/value.h"

namespace yarrow::eval {

struct EvalInput {
  // The bytes integer readers (uint32(...) etc.) see, and the address of their first byte.
  std::span<const uint8_t> data;
  uint64_t base = 0;
  std::optional<int64_t> filesize;     // undefined when scanning process memory
  std::optional<int64_t> entry_point;  // `entrypoint`; undefined when unknown
  // Matches of every string (index = global string index), sorted by offset.
  std::span<const std::span<const match::Match>> matches;
  // Current values of the external variables, parallel to CompiledRules::externals.
  std::span<const Value> externals;
  // Evaluation stops with kTimeout after this instant (yara checks its timeout while running
  // conditions too).
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

enum class EvalStatus : uint8_t { kOk, kTimeout };

class Evaluator {
 public:
  explicit Evaluator(const detail::CompiledRules& rules);

  // Evaluates every rule in declaration order. `matched[i]` receives rule i's final result:
  // its condition held and no global rule of its namespace failed. Private rules included.
  EvalStatus run(const EvalInput& input, std::vector<uint8_t>& matched);

  // A value during evaluation; exposed for tests.
  struct Val {
    int64_t i = 0;  // integers and booleans
    double f = 0;   // floats
    std::string_view s;
    bool undef = false;
  };

 private:
  struct Timeout {};
  Val eval(uint32_t node_id);
  Val eval_string_ref(const detail::Node& n);
  Val eval_of(const detail::Node& n);
  Val eval_for(const detail::Node& n);
  int64_t truth(const detail::Node& n, const Val& v) const;  // yara's view of a value as int
  void tick();

  const detail::CompiledRules& rules_;
  const EvalInput* in_ = nullptr;
  std::vector<Val> slots_;
  std::vector<uint8_t> rule_results_;
  uint32_t ticks_ = 0;
};

}  // namespace yarrow::eval
