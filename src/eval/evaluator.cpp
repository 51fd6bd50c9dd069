#include "eval/evaluator.h"

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "parse/ast.h"

namespace yarrow::eval {

using detail::Node;
using detail::Op;
using detail::Quant;
using detail::ValueType;
using Val = Evaluator::Val;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

using val::floating;
using val::integer;
using val::undefined;

unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequal(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Little/big-endian signed/unsigned reads of 1, 2 or 4 bytes, as yara's intXX/uintXX.
Val read_int(const EvalInput& in, ast::IntReader r, const Val& off) {
  using R = ast::IntReader;
  size_t size = 1;
  bool is_signed = false, big = false;
  switch (r) {
    case R::kInt8: is_signed = true; break;
    case R::kInt16: size = 2; is_signed = true; break;
    case R::kInt32: size = 4; is_signed = true; break;
    case R::kUint8: break;
    case R::kUint16: size = 2; break;
    case R::kUint32: size = 4; break;
    case R::kInt8be: is_signed = true; big = true; break;
    case R::kInt16be: size = 2; is_signed = true; big = true; break;
    case R::kInt32be: size = 4; is_signed = true; big = true; break;
    case R::kUint8be: big = true; break;
    case R::kUint16be: size = 2; big = true; break;
    case R::kUint32be: size = 4; big = true; break;
  }
  if (off.undef) return undefined();
  // yara converts the offset to size_t, so negative offsets are simply out of range.
  const uint64_t o = static_cast<uint64_t>(off.i);
  if (o < in.base || in.data.size() < size || o - in.base > in.data.size() - size) {
    return undefined();
  }
  const uint8_t* p = in.data.data() + (o - in.base);
  uint32_t u = 0;
  for (size_t k = 0; k < size; ++k) {
    u = big ? (u << 8) | p[k] : u | (static_cast<uint32_t>(p[k]) << (8 * k));
  }
  int64_t result = u;
  if (is_signed) {
    if (size == 1) result = static_cast<int8_t>(u);
    if (size == 2) result = static_cast<int16_t>(u);
    if (size == 4) result = static_cast<int32_t>(u);
  }
  return integer(result);
}

int64_t match_offset(const match::Match& m) { return static_cast<int64_t>(m.offset); }

}  // namespace

bool leading_test_holds(const detail::LeadingTest& test, const EvalInput& in) {
  Val v;
  if (test.kind == detail::LeadingTest::Kind::kFilesize) {
    if (!in.filesize) return false;
    v.i = *in.filesize;
  } else {
    v = read_int(in, static_cast<ast::IntReader>(test.reader), integer(test.offset));
    if (v.undef) return false;
  }
  switch (test.cmp) {
    case Op::kLt: return v.i < test.value;
    case Op::kLe: return v.i <= test.value;
    case Op::kGt: return v.i > test.value;
    case Op::kGe: return v.i >= test.value;
    case Op::kEq: return v.i == test.value;
    default: return v.i != test.value;
  }
}

bool leading_test_holds(const detail::LeadingTest& test, std::span<const uint8_t> data) {
  EvalInput in;
  in.data = data;
  in.base = 0;
  in.filesize = static_cast<int64_t>(data.size());
  return leading_test_holds(test, in);
}

Evaluator::Evaluator(const detail::CompiledRules& rules) : rules_(rules) {
  slots_.resize(rules.loop_slots);
  rule_results_.resize(rules.rules.size());
  gates_.reserve(rules.rules.size());
  for (const auto& rule : rules.rules) gates_.push_back(detail::leading_test(rules, rule));
  for (const std::string& name : rules.imports) modules_.push_back(modules::find_module(name));
  trees_.resize(modules_.size());
}

void Evaluator::tick() {
  if (!in_->deadline) return;
  if (++ticks_ % 1024 != 0) return;
  if (std::chrono::steady_clock::now() > *in_->deadline) throw Timeout{};
}

int64_t Evaluator::truth(const Node& n, const Val& v) const {
  // yara stores every value in one 64-bit cell and tests that cell; a float is seen through
  // its bits (so -0.0 is "true"), a string through its (non-null, huge) address.
  if (n.type == ValueType::kFloat) return std::bit_cast<int64_t>(v.f);
  if (n.type == ValueType::kString) return std::numeric_limits<int64_t>::max();
  return v.i;
}

EvalStatus Evaluator::run(const EvalInput& input, std::vector<uint8_t>& matched) {
  in_ = &input;
  ticks_ = 0;
  module_data_ = input.data;
  for (auto& t : trees_) t.reset();
  memoized_calls_.clear();
  const size_t n_rules = rules_.rules.size();
  if (!input.active_only || results_dirty_) std::fill(rule_results_.begin(), rule_results_.end(), 0);
  results_dirty_ = true;
  ns_failed_.assign(rules_.namespaces.size(), 0);
  matched.assign(n_rules, 0);
  auto eval_rule = [&](size_t r) {
    const detail::CompiledRule& rule = rules_.rules[r];
    bool ok = false;
    const detail::LeadingTest& gate = gates_[r];
    if (gate.kind == detail::LeadingTest::Kind::kNone || leading_test_holds(gate, *in_)) {
      const Node& root = rules_.nodes[rule.condition];
      Val v = eval(rule.condition);
      call_results_.clear();
      ok = !v.undef && truth(root, v) != 0;
    }
    rule_results_[r] = ok;
    if (!ok && rule.is_global) ns_failed_[rule.ns] = 1;
    tick();
  };
  try {
    if (input.active_only) {
      for (uint32_t r : input.active) eval_rule(r);
    } else {
      for (size_t r = 0; r < n_rules; ++r) eval_rule(r);
    }
  } catch (const Timeout&) {
    in_ = nullptr;
    return EvalStatus::kTimeout;
  }
  if (input.active_only) {
    for (uint32_t r : input.active) {
      matched[r] = rule_results_[r] && !ns_failed_[rules_.rules[r].ns];
      rule_results_[r] = 0;  // the next run starts from all-false without a full clear
    }
    results_dirty_ = false;
  } else {
    for (size_t r = 0; r < n_rules; ++r)
      matched[r] = rule_results_[r] && !ns_failed_[rules_.rules[r].ns];
  }
  in_ = nullptr;
  return EvalStatus::kOk;
}

Val Evaluator::eval(uint32_t id) {
  const Node& n = rules_.nodes[id];
  auto kid = [&](uint32_t i) { return eval(rules_.kid(n, i)); };
  auto kid_node = [&](uint32_t i) -> const Node& { return rules_.nodes[rules_.kid(n, i)]; };
  switch (n.op) {
    case Op::kConstInt: return integer(n.ival);
    case Op::kConstFloat: return floating(n.fval);
    case Op::kConstString: {
      Val v;
      v.s = rules_.literals[n.index];
      return v;
    }
    case Op::kFilesize: return in_->filesize ? integer(*in_->filesize) : undefined();
    case Op::kEntrypoint: return in_->entry_point ? integer(*in_->entry_point) : undefined();
    case Op::kExternal: {
      const Value& x = n.index < in_->externals.size() ? in_->externals[n.index]
                                                        : rules_.externals[n.index].value;
      Val v;
      if (auto* b = std::get_if<bool>(&x)) v.i = *b;
      if (auto* i = std::get_if<int64_t>(&x)) v.i = *i;
      if (auto* d = std::get_if<double>(&x)) v.f = *d;
      if (auto* s = std::get_if<std::string>(&x)) v.s = *s;
      return v;
    }
    case Op::kRuleRef: return integer(rule_results_[n.index]);
    case Op::kLoopVar: return slots_[n.slot];
    case Op::kIntRead: return read_int(*in_, static_cast<ast::IntReader>(n.aux), kid(0));
    case Op::kStringFound:
    case Op::kStringAt:
    case Op::kStringIn:
    case Op::kStringCount:
    case Op::kStringCountIn:
    case Op::kStringOffset:
    case Op::kStringLength:
      return eval_string_ref(n);
    case Op::kIntToFloat: {
      Val a = kid(0);
      if (a.undef) return a;
      return floating(static_cast<double>(a.i));
    }
    case Op::kStrToBool: {
      Val a = kid(0);
      if (a.undef) return a;
      return integer(!a.s.empty());
    }
    case Op::kNot: {
      Val a = kid(0);
      if (a.undef) return a;
      return integer(truth(kid_node(0), a) == 0);
    }
    case Op::kDefined: return integer(!kid(0).undef);
    case Op::kNeg: {
      Val a = kid(0);
      if (a.undef) return a;
      if (n.type == ValueType::kFloat) return floating(-a.f);
      return integer(static_cast<int64_t>(0 - static_cast<uint64_t>(a.i)));
    }
    case Op::kBitNot: {
      Val a = kid(0);
      if (a.undef) return a;
      return integer(~a.i);
    }
    case Op::kAnd: {
      // Undefined operands count as false; the result is never undefined.
      Val a = kid(0);
      if (a.undef || truth(kid_node(0), a) == 0) return integer(0);
      Val b = kid(1);
      return integer(!b.undef && truth(kid_node(1), b) != 0);
    }
    case Op::kOr: {
      // yara jumps over the rest of an `or` when its left side holds, leaving that side's raw
      // value (not 1) as the result; loop bodies add it up.
      Val a = kid(0);
      if (!a.undef && truth(kid_node(0), a) != 0) return integer(truth(kid_node(0), a));
      Val b = kid(1);
      return integer(!b.undef && truth(kid_node(1), b) != 0);
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kEq:
    case Op::kNe: {
      Val a = kid(0);
      Val b = kid(1);
      const ValueType t = kid_node(0).type;
      if (a.undef || b.undef) {
        // yara's float "<" yields false, not undefined, for undefined operands.
        if (t == ValueType::kFloat && n.op == Op::kLt) return integer(0);
        return undefined();
      }
      int cmp = 0;
      if (t == ValueType::kString) {
        int c = a.s.compare(b.s);
        cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
      } else if (t == ValueType::kFloat) {
        switch (n.op) {
          case Op::kLt: return integer(a.f < b.f);
          case Op::kLe: return integer(a.f <= b.f);
          case Op::kGt: return integer(a.f > b.f);
          case Op::kGe: return integer(a.f >= b.f);
          case Op::kEq: return integer(std::fabs(a.f - b.f) < DBL_EPSILON);
          default: return integer(std::fabs(a.f - b.f) >= DBL_EPSILON);
        }
      } else {
        cmp = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
      }
      switch (n.op) {
        case Op::kLt: return integer(cmp < 0);
        case Op::kLe: return integer(cmp <= 0);
        case Op::kGt: return integer(cmp > 0);
        case Op::kGe: return integer(cmp >= 0);
        case Op::kEq: return integer(cmp == 0);
        default: return integer(cmp != 0);
      }
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod: {
      Val a = kid(0);
      Val b = kid(1);
      if (a.undef || b.undef) return undefined();
      if (n.type == ValueType::kFloat) {
        switch (n.op) {
          case Op::kAdd: return floating(a.f + b.f);
          case Op::kSub: return floating(a.f - b.f);
          case Op::kMul: return floating(a.f * b.f);
          default: return floating(a.f / b.f);
        }
      }
      const uint64_t x = static_cast<uint64_t>(a.i), y = static_cast<uint64_t>(b.i);
      switch (n.op) {
        case Op::kAdd: return integer(static_cast<int64_t>(x + y));
        case Op::kSub: return integer(static_cast<int64_t>(x - y));
        case Op::kMul: return integer(static_cast<int64_t>(x * y));
        case Op::kDiv:
          if (b.i == 0 || (a.i == kMin && b.i == -1)) return undefined();
          return integer(a.i / b.i);
        default:
          if (b.i == 0 || (a.i == kMin && b.i == -1)) return undefined();
          return integer(a.i % b.i);
      }
    }
    case Op::kBitAnd:
    case Op::kBitOr:
    case Op::kBitXor:
    case Op::kShl:
    case Op::kShr: {
      Val a = kid(0);
      Val b = kid(1);
      if (a.undef || b.undef) return undefined();
      switch (n.op) {
        case Op::kBitAnd: return integer(a.i & b.i);
        case Op::kBitOr: return integer(a.i | b.i);
        case Op::kBitXor: return integer(a.i ^ b.i);
        case Op::kShl:
          if (b.i < 0) return undefined();
          return integer(b.i >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(a.i) << b.i));
        default:
          if (b.i < 0) return undefined();
          return integer(b.i >= 64 ? 0 : a.i >> b.i);
      }
    }
    case Op::kContains:
    case Op::kIContains:
    case Op::kStartsWith:
    case Op::kIStartsWith:
    case Op::kEndsWith:
    case Op::kIEndsWith:
    case Op::kIEquals: {
      Val a = kid(0);
      Val b = kid(1);
      if (a.undef || b.undef) return undefined();
      std::string_view s = a.s, t = b.s;
      switch (n.op) {
        case Op::kContains: return integer(s.find(t) != std::string_view::npos);
        case Op::kIContains: return integer(icontains(s, t));
        case Op::kStartsWith: return integer(s.substr(0, t.size()) == t);
        case Op::kIStartsWith:
          return integer(t.size() <= s.size() && iequal(s.substr(0, t.size()), t));
        case Op::kEndsWith:
          return integer(t.size() <= s.size() && s.substr(s.size() - t.size()) == t);
        case Op::kIEndsWith:
          return integer(t.size() <= s.size() && iequal(s.substr(s.size() - t.size()), t));
        default: return integer(iequal(s, t));
      }
    }
    case Op::kMatches: {
      Val a = kid(0);
      if (a.undef) return a;
      // yara never runs the regex on an empty subject: "" matches /^$/ is false.
      if (a.s.empty()) return integer(0);
      const auto& re = rules_.regexes[n.index].regex;
      return integer(re && re->search(a.s));
    }
    case Op::kOfStrings:
    case Op::kOfRules: return eval_of(n);
    case Op::kForOfStrings:
    case Op::kForInRange:
    case Op::kForInEnum: return eval_for(n);
    case Op::kModuleRoot:
    case Op::kModuleMember:
    case Op::kModuleItem:
    case Op::kModuleLookup: return eval_module(n);
    case Op::kModuleCall: return eval_call(n);
    case Op::kRegexArg: return undefined();
    case Op::kForInModule: return eval_for(n);
  }
  return undefined();
}

Val Evaluator::eval_string_ref(const Node& n) {
  const uint32_t string = n.aux2 ? static_cast<uint32_t>(slots_[n.slot].i) : n.index;
  std::span<const match::Match> ms;
  if (string < in_->matches.size()) ms = in_->matches[string];
  auto kid = [&](uint32_t i) { return eval(rules_.kid(n, i)); };
  switch (n.op) {
    case Op::kStringFound: return integer(!ms.empty());
    case Op::kStringCount: return integer(static_cast<int64_t>(ms.size()));
    case Op::kStringAt: {
      Val at = kid(0);
      if (at.undef) return integer(0);  // yara 4.2.3: false, not undefined
      for (const match::Match& m : ms) {
        if (match_offset(m) == at.i) return integer(1);
        if (match_offset(m) > at.i) break;
      }
      return integer(0);
    }
    case Op::kStringIn:
    case Op::kStringCountIn: {
      Val lo = kid(0);
      Val hi = kid(1);
      if (lo.undef || hi.undef) return undefined();
      int64_t count = 0;
      for (const match::Match& m : ms) {
        const int64_t o = match_offset(m);
        if (o > hi.i) break;
        if (o >= lo.i) {
          ++count;
          if (n.op == Op::kStringIn) break;
        }
      }
      return integer(n.op == Op::kStringIn ? count > 0 : count);
    }
    default: {
      const Node& index_node = rules_.nodes[rules_.kid(n, 0)];
      Val i = kid(0);
      if (i.undef) return i;
      int64_t idx = index_node.type == ValueType::kFloat ? std::bit_cast<int64_t>(i.f) : i.i;
      if (idx < 1 || static_cast<uint64_t>(idx) > ms.size()) return undefined();
      const match::Match& m = ms[static_cast<size_t>(idx - 1)];
      return integer(n.op == Op::kStringOffset ? match_offset(m) : m.length);
    }
  }
}

Val Evaluator::eval_of(const Node& n) {
  const uint32_t q_id = rules_.kid(n, 0);
  const Quant quant = static_cast<Quant>(n.aux);
  std::optional<Val> lo, hi;
  if (n.aux2) {
    lo = eval(rules_.kid(n, 1));
    hi = eval(rules_.kid(n, 2));
  }
  Val q;
  if (q_id != detail::kNoNode) q = eval(q_id);
  if (lo && (lo->undef || hi->undef)) return undefined();
  int64_t found = 0;
  const int64_t count = n.count;
  for (uint32_t k = 0; k < n.count; ++k) {
    const uint32_t item = rules_.set_items[n.index + k];
    if (n.op == Op::kOfRules) {
      found += rule_results_[item];
      continue;
    }
    std::span<const match::Match> ms;
    if (item < in_->matches.size()) ms = in_->matches[item];
    if (!lo) {
      found += !ms.empty();
      continue;
    }
    for (const match::Match& m : ms) {
      const int64_t o = match_offset(m);
      if (o > hi->i) break;
      if (o >= lo->i) {
        ++found;
        break;
      }
    }
  }
  switch (quant) {
    case Quant::kAll: return integer(found >= count);
    case Quant::kAny: return integer(found >= 1);
    case Quant::kNone: return integer(found == 0);
    case Quant::kPercent:
      if (q.undef || count == 0) return undefined();
      return integer(static_cast<double>(found) / static_cast<double>(count) * 100 >=
                     static_cast<double>(q.i));
    case Quant::kCount: {
      if (q.undef) return integer(found >= count);  // an undefined quantity means "all"
      const int64_t want = truth(rules_.nodes[q_id], q);
      if (want == 0) return integer(found == 0);
      return integer(found >= want);
    }
  }
  return undefined();
}

Val Evaluator::eval_for(const Node& n) {
  // yara 4.2.3 adds each body value (not just 0/1) to a counter and, when the loop ran at
  // least once, compares the quantity with it: all => iterations, none => 0 (so `none` holds
  // whenever the sum is not negative), N => N.
  const uint32_t q_id = rules_.kid(n, 0);
  Val q;
  if (q_id != detail::kNoNode) q = eval(q_id);
  const uint32_t body_id = n.op == Op::kForInRange    ? rules_.kid(n, 3)
                           : n.op == Op::kForInModule ? rules_.kid(n, 2)
                                                      : rules_.kid(n, 1);
  const Node& body = rules_.nodes[body_id];
  // In `for ... in` loops (not `for ... of`), every quantifier but "all" (explicit, or an
  // undefined quantity) stops the loop as soon as the sum reaches it, so later negative bodies
  // can't undo it.
  const bool early_exit = n.op != Op::kForOfStrings;
  std::optional<int64_t> want;
  switch (static_cast<Quant>(n.aux)) {
    case Quant::kAll: break;
    case Quant::kAny: want = 1; break;
    case Quant::kNone: want = 0; break;
    default:
      if (!q.undef) want = truth(rules_.nodes[q_id], q);
      break;
  }
  int64_t iterations = 0;
  uint64_t sum = 0;
  bool reached = false;
  auto run_body = [&]() {
    Val b = eval(body_id);
    if (!b.undef) sum += static_cast<uint64_t>(truth(body, b));
    ++iterations;
    tick();
    reached = early_exit && want && static_cast<int64_t>(sum) >= *want;
    return !reached;
  };
  if (n.op == Op::kForOfStrings) {
    for (uint32_t k = 0; k < n.count; ++k) {
      slots_[n.slot] = integer(rules_.set_items[n.index + k]);
      if (!run_body()) break;
    }
  } else if (n.op == Op::kForInRange) {
    Val lo = eval(rules_.kid(n, 1));
    Val hi = eval(rules_.kid(n, 2));
    if (!lo.undef && !hi.undef) {
      for (int64_t i = lo.i; i <= hi.i; ++i) {
        slots_[n.slot] = integer(i);
        if (!run_body() || i == std::numeric_limits<int64_t>::max()) break;
      }
    }
  } else if (n.op == Op::kForInModule) {
    // Arrays yield their items (undefined for holes), dictionaries key and value.
    Val c = eval(rules_.kid(n, 1));
    if (!c.undef) {
      const modules::ValueTree& tree = module_tree(n.index);
      const uint32_t container = static_cast<uint32_t>(c.i);
      // A node of this tree, and keys only of a dictionary: a compiled rule never asks
      // otherwise, a forged rules file may.
      const bool keyed = n.aux2 != 0;
      const bool usable = tree.has_node(container) &&
                          (!keyed || tree.node(container).type == modules::Type::kDictionary);
      const size_t length = usable ? tree.length(container) : 0;
      const ValueType item_type = static_cast<ValueType>(n.count);
      for (size_t k = 0; k < length; ++k) {
        uint32_t slot = n.slot;
        if (n.aux2) {
          Val key;
          key.s = tree.key(container, k);
          slots_[slot++] = key;
        }
        slots_[slot] = tree_value(tree, tree.child(container, k), item_type);
        if (!run_body()) break;
      }
    }
  } else {
    // Items can't depend on this loop's variable, so evaluating them one at a time is the
    // same as yara's evaluating them all up front.
    for (uint32_t k = 2; k < n.kid_count; ++k) {
      slots_[n.slot] = eval(rules_.kid(n, k));
      if (!run_body()) break;
    }
  }
  if (iterations == 0) return integer(0);
  if (reached) return integer(1);
  return integer(want.value_or(iterations) <= static_cast<int64_t>(sum));
}

}  // namespace yarrow::eval
