// Condition evaluation with yara 4.2.3's semantics: 64-bit wrapping integers, doubles, byte
// strings and the "undefined" value, propagated operator by operator exactly as yara's virtual
// machine does (see docs/differences.md for the places where yarrow deliberately differs).
//
// An Evaluator holds per-thread scratch (loop slots, per-rule results) and reads the shared,
// immutable CompiledRules; one per Scanner.
#pragma once

#include <chrono>
#include <array>
#include <deque>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "compile/compiled_rules.h"
#include "match/pattern_set.h"
#include "modules/module.h"
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
  // Receives console.log lines and supplies time.now(); null: lines are dropped and the
  // system clock is used.
  // Modules parse `data` too (empty for process memory).
  modules::ModuleHost* host = nullptr;
  // Rule prefilter (perf, compile/prefilter.h): when `active_only` is set, only these rules, in
  // ascending order, are evaluated and every other rule is false. Global rules must be listed
  // (a failing global rule fails its namespace). Per-scan work then grows with the rules that
  // can match, not with the rule count.
  bool active_only = false;
  std::span<const uint32_t> active;
};

enum class EvalStatus : uint8_t { kOk, kTimeout };

// Whether a rule's leading test holds on `in`, as its condition would find it (an undefined
// read or file size fails it).
bool leading_test_holds(const detail::LeadingTest& test, const EvalInput& in);
// The same for data scanned whole from offset 0 (a file, a buffer).
bool leading_test_holds(const detail::LeadingTest& test, std::span<const uint8_t> data);

class Evaluator {
 public:
  explicit Evaluator(const detail::CompiledRules& rules);

  // Evaluates every rule in declaration order. `matched[i]` receives rule i's final result:
  // its condition held and no global rule of its namespace failed. Private rules included.
  EvalStatus run(const EvalInput& input, std::vector<uint8_t>& matched);

  // Imported module `import`'s tree for the last run's data (CompiledRules::imports order),
  // parsed now if no condition needed it. Valid until the next run().
  const modules::ValueTree& module_tree(uint32_t import);
  // Whether the last run parsed module `import` (tests: loading is lazy).
  bool module_loaded(uint32_t import) const { return trees_[import].has_value(); }

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
  Val eval_module(const detail::Node& n);
  Val eval_call(const detail::Node& n);
  Val tree_value(const modules::ValueTree& tree, uint32_t node, detail::ValueType type) const;
  int64_t truth(const detail::Node& n, const Val& v) const;  // yara's view of a value as int
  void tick();

  const detail::CompiledRules& rules_;
  const EvalInput* in_ = nullptr;
  std::vector<Val> slots_;
  // Parallel to rules: each rule's leading test, checked from this small table before the
  // condition's nodes, scattered over the rules' memory, are touched. Most rules evaluated for
  // every file start with one (`uint16(0) == 0x5a4d and ...`) and fail it.
  std::vector<detail::LeadingTest> gates_;
  std::vector<uint8_t> rule_results_;
  std::vector<uint8_t> ns_failed_;
  bool results_dirty_ = false;  // rule_results_ may hold values from an interrupted run
  uint32_t ticks_ = 0;
  // Modules: resolved once; trees parsed lazily per scan (a rule set whose conditions never
  // reach a module doesn't pay for parsing it).
  std::vector<const modules::Module*> modules_;
  std::vector<std::optional<modules::ValueTree>> trees_;
  std::span<const uint8_t> module_data_;
  std::deque<std::string> call_results_;  // strings returned by module functions, per rule
  // Results of memoizable module calls (hashes, statistics of a range) for this scan: rule
  // sets repeat `hash.md5(0, filesize) == "..."` dozens of times.
  struct MemoizedCall {
    uint32_t module = 0;    // import index: field indices are per module
    uint32_t function = 0;
    uint32_t overload = 0;
    std::array<int64_t, 3> args{};
    modules::Result result;
  };
  std::vector<MemoizedCall> memoized_calls_;
};

// Value constructors shared by the evaluator's files.
namespace val {
inline Evaluator::Val undefined() {
  Evaluator::Val v;
  v.undef = true;
  return v;
}
inline Evaluator::Val integer(int64_t i) {
  Evaluator::Val v;
  v.i = i;
  return v;
}
inline Evaluator::Val floating(double f) {
  Evaluator::Val v;
  v.f = f;
  return v;
}
}  // namespace val

}  // namespace yarrow::eval
