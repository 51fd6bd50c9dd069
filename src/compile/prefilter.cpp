// The rule prefilter's analysis. For a condition node n, triggers(n) is a set S of strings such
// that "n has a defined value whose truth is non-zero" implies "some string in S has a match"
// (S empty: n is never true), or nothing when no such set is known. Every case mirrors how the
// evaluator computes the value (see eval/evaluator.cpp), so the claim holds for undefined values
// and yara's raw-value sums in loops too.
#include "compile/prefilter.h"

#include <algorithm>
#include <optional>

namespace yarrow::detail {

namespace {

// "The string held in loop slot k matched" (a `$` inside `for ... of`), before the loop that
// owns the slot turns it into its whole string set.
constexpr uint32_t kLoopMarker = 0x80000000u;

using Triggers = std::optional<std::vector<uint32_t>>;

class Analysis {
 public:
  explicit Analysis(const CompiledRules& rules)
      : rules_(rules), rule_triggers_(rules.rules.size()) {}

  Triggers rule(uint32_t r) {
    const CompiledRule& rule = rules_.rules[r];
    Triggers t;
    if (pure(rule.condition)) t = triggers(rule.condition);
    if (t) {
      for (uint32_t s : *t)
        if (s & kLoopMarker) t.reset();
    }
    if (t) {
      std::sort(t->begin(), t->end());
      t->erase(std::unique(t->begin(), t->end()), t->end());
    }
    rule_triggers_[r] = t;
    return t;
  }

 private:
  const Node& node(uint32_t id) const { return rules_.nodes[id]; }
  uint32_t kid(const Node& n, uint32_t i) const { return rules_.kid(n, i); }

  // Conditions with effects beyond their value (console.log, console.hex) or ops this analysis
  // doesn't know are never skipped. Module fields and the other modules' functions only read
  // the data, so a rule using them can be skipped when its strings say it is false (which also
  // spares parsing the module for that file).
  bool pure(uint32_t id) const {
    const Node& n = node(id);
    if (n.op > Op::kForInModule) return false;
    if (n.op == Op::kModuleCall && calls_console(n)) return false;
    for (uint32_t i = 0; i < n.kid_count; ++i) {
      const uint32_t k = kid(n, i);
      if (k != kNoNode && !pure(k)) return false;
    }
    return true;
  }

  // A module function call's owner chain ends at its module's root.
  bool calls_console(const Node& call) const {
    const Node* n = &call;
    for (int guard = 0; n->op != Op::kModuleRoot && n->kid_count > 0 && guard < 1000; ++guard) {
      const uint32_t k = kid(*n, 0);
      if (k == kNoNode) return true;
      n = &node(k);
    }
    if (n->op != Op::kModuleRoot || n->index >= rules_.imports.size()) return true;
    return rules_.imports[n->index] == "console";
  }

  static std::vector<uint32_t> one(uint32_t s) { return {s}; }

  // A string reference's trigger: the string, or the loop marker for `$` in a loop body.
  static std::vector<uint32_t> string_of(const Node& n) {
    return one(n.aux2 ? (kLoopMarker | n.slot) : n.index);
  }

  static bool is_count(const Node& n) {
    return n.op == Op::kStringCount || n.op == Op::kStringCountIn;
  }
  static bool is_const(const Node& n) { return n.op == Op::kConstInt; }

  // A positive constant quantity (`2 of them`, `50% of them`).
  bool positive_const(uint32_t id) const {
    if (id == kNoNode) return false;
    const Node& q = node(id);
    return is_const(q) && q.ival > 0;
  }

  // Quantifiers whose truth needs at least one item (or body) to count: all (sets are never
  // empty), any, and a positive constant count or percentage.
  bool needs_one(const Node& n) const {
    switch (static_cast<Quant>(n.aux)) {
      case Quant::kAll:
      case Quant::kAny: return true;
      case Quant::kNone: return false;
      case Quant::kCount:
      case Quant::kPercent: return positive_const(kid(n, 0));
    }
    return false;
  }

  Triggers set_of_rules(const Node& n) const {
    std::vector<uint32_t> out;
    for (uint32_t k = 0; k < n.count; ++k) {
      const uint32_t r = rules_.set_items[n.index + k];
      if (r >= rule_triggers_.size() || !rule_triggers_[r]) return std::nullopt;
      out.insert(out.end(), rule_triggers_[r]->begin(), rule_triggers_[r]->end());
    }
    return out;
  }

  Triggers triggers(uint32_t id) const {
    const Node& n = node(id);
    switch (n.op) {
      case Op::kConstInt:
        if (n.ival == 0) return std::vector<uint32_t>{};
        return std::nullopt;
      case Op::kStringFound:
      case Op::kStringAt:
      case Op::kStringIn:
      case Op::kStringCount:
      case Op::kStringCountIn:
        // Each is 0 (or undefined) when the string has no match.
        return string_of(n);
      case Op::kRuleRef:
        if (n.index < rule_triggers_.size()) return rule_triggers_[n.index];
        return std::nullopt;
      case Op::kAnd: {
        Triggers a = triggers(kid(n, 0));
        Triggers b = triggers(kid(n, 1));
        if (a && b) return a->size() <= b->size() ? a : b;
        return a ? a : b;
      }
      case Op::kOr: {
        Triggers a = triggers(kid(n, 0));
        if (!a) return std::nullopt;
        Triggers b = triggers(kid(n, 1));
        if (!b) return std::nullopt;
        a->insert(a->end(), b->begin(), b->end());
        return a;
      }
      case Op::kGt:
      case Op::kGe:
      case Op::kEq:
      case Op::kLt:
      case Op::kLe: {
        // #a > c (c >= 0), #a >= c (c >= 1), #a == c (c != 0), and mirrored: the count is
        // then at least 1 (an undefined count makes the comparison undefined).
        const Node& l = node(kid(n, 0));
        const Node& r = node(kid(n, 1));
        const Node* count = nullptr;
        const Node* c = nullptr;
        Op op = n.op;
        if (is_count(l) && is_const(r)) {
          count = &l, c = &r;
        } else if (is_const(l) && is_count(r)) {
          count = &r, c = &l;
          op = op == Op::kLt ? Op::kGt : op == Op::kLe ? Op::kGe : op == Op::kGt ? Op::kLt
               : op == Op::kGe ? Op::kLe : op;
        }
        if (count == nullptr || l.type != ValueType::kInt || r.type != ValueType::kInt)
          return std::nullopt;
        const bool implies_one = (op == Op::kGt && c->ival >= 0) ||
                                 (op == Op::kGe && c->ival >= 1) ||
                                 (op == Op::kEq && c->ival != 0);
        if (!implies_one) return std::nullopt;
        return string_of(*count);
      }
      case Op::kOfStrings: {
        if (!needs_one(n)) return std::nullopt;
        std::vector<uint32_t> out(rules_.set_items.begin() + n.index,
                                  rules_.set_items.begin() + n.index + n.count);
        if (out.empty()) return std::nullopt;
        return out;
      }
      case Op::kOfRules:
        if (!needs_one(n) || n.count == 0) return std::nullopt;
        return set_of_rules(n);
      case Op::kForOfStrings: {
        // True needs a body with a defined non-zero value (the sum must reach at least 1).
        if (!needs_one(n) || n.count == 0) return std::nullopt;
        Triggers body = triggers(kid(n, 1));
        if (!body) return std::nullopt;
        std::vector<uint32_t> out;
        bool loop_string = false;
        for (uint32_t s : *body) {
          if (s == (kLoopMarker | n.slot)) {
            loop_string = true;
          } else {
            out.push_back(s);
          }
        }
        if (loop_string) {
          out.insert(out.end(), rules_.set_items.begin() + n.index,
                     rules_.set_items.begin() + n.index + n.count);
        }
        return out;
      }
      case Op::kForInRange:
      case Op::kForInEnum: {
        // No iteration gives false; otherwise true needs a non-zero body (all: the sum reaches
        // the number of iterations, at least 1).
        if (!needs_one(n)) return std::nullopt;
        return triggers(kid(n, n.op == Op::kForInRange ? 3 : 1));
      }
      default: return std::nullopt;
    }
  }

  const CompiledRules& rules_;
  std::vector<Triggers> rule_triggers_;
};

}  // namespace

void build_prefilter(CompiledRules& rules) {
  RulePrefilter& pf = rules.prefilter;
  pf = RulePrefilter{};
  const size_t n_rules = rules.rules.size();
  const size_t n_strings = rules.strings.size();
  pf.gated.assign(n_rules, 0);
  std::vector<std::vector<uint32_t>> per_string(n_strings);
  Analysis analysis(rules);
  // Rules refer only to rules declared before them, so one pass in order sees every reference.
  for (uint32_t r = 0; r < n_rules; ++r) {
    Triggers t = analysis.rule(r);
    if (!t) continue;
    bool ok = true;
    for (uint32_t s : *t) ok = ok && s < n_strings;
    if (!ok) continue;
    pf.gated[r] = 1;
    for (uint32_t s : *t) per_string[s].push_back(r);
  }
  pf.string_begin.reserve(n_strings + 1);
  pf.string_begin.push_back(0);
  for (const auto& list : per_string) {
    pf.string_rules.insert(pf.string_rules.end(), list.begin(), list.end());
    pf.string_begin.push_back(static_cast<uint32_t>(pf.string_rules.size()));
  }
}

}  // namespace yarrow::detail
