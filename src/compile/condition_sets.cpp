// String references, string and rule sets, quantifiers and loops: the parts of condition
// analysis that deal with a rule's strings and with loop scopes.
#include <algorithm>

#include "compile/condition_compiler.h"
#include "compile/limits.h"

namespace yarrow::compile {

using ast::ExprKind;
using detail::Node;
using detail::Op;
using detail::ValueType;

namespace {


}  // namespace

uint32_t ConditionCompiler::resolve_string(const ast::Expr& e, std::string_view id,
                                           bool& from_loop, uint32_t& slot) {
  // `id` is the identifier with its sigil replaced by '$'.
  from_loop = false;
  if (id == "$") {
    for (size_t l = loops_.size(); l-- > 0;) {
      if (loops_[l].is_for_of) {
        from_loop = true;
        slot = loops_[l].first_slot;
        return 0;
      }
    }
    fail(e.span, "E204", "wrong use of anonymous string");
  }
  for (size_t i = 0; i < rule_->strings.size(); ++i) {
    if (rule_->strings[i].id == id) {
      (*uses_)[i].referenced = true;
      return first_string_ + static_cast<uint32_t>(i);
    }
  }
  fail(e.span, "E202", "undefined string \"" + std::string(id) + "\"");
}

ConditionCompiler::Typed ConditionCompiler::string_ref(const ast::Expr& e) {
  std::string id = e.text;
  if (!id.empty()) id[0] = '$';
  bool from_loop = false;
  uint32_t slot = 0;
  uint32_t index = resolve_string(e, id, from_loop, slot);
  // Anything but a plain presence test needs every match; inside a for-of body yara applies
  // that to every string of the rule, not just the loop's set.
  if (e.kind != ExprKind::kStringMatch) {
    if (from_loop) {
      for (StringUse& u : *uses_) u.single_match = false;
    } else {
      (*uses_)[index - first_string_].single_match = false;
    }
  }
  StringUse* use = from_loop ? nullptr : &(*uses_)[index - first_string_];
  if (use && e.kind != ExprKind::kStringAt) use->fixed = StringUse::Fixed::kNever;
  Node n;
  n.index = index;
  n.slot = slot;
  n.aux2 = from_loop ? 1 : 0;
  Typed t;
  std::vector<uint32_t> kids;
  switch (e.kind) {
    case ExprKind::kStringMatch:
      n.op = Op::kStringFound;
      t.primary = false;
      break;
    case ExprKind::kStringAt: {
      n.op = Op::kStringAt;
      Typed at = primary(e.kids.at(0));
      if (at.kind != Kind::kInt) {
        fail(unit_.at(e.kids[0]).span, "E209",
             std::string("wrong type \"") + kind_name(at.kind) + "\" for at operator");
      }
      kids.push_back(at.node);
      t.primary = false;
      if (use && use->fixed != StringUse::Fixed::kNever) {
        if (!at.constant) {
          use->fixed = StringUse::Fixed::kNever;
        } else if (use->fixed == StringUse::Fixed::kUnset) {
          use->fixed = StringUse::Fixed::kAt;
          use->fixed_offset = *at.constant;
        } else if (use->fixed_offset != *at.constant) {
          use->fixed = StringUse::Fixed::kNever;
        }
      }
      break;
    }
    case ExprKind::kStringIn:
    case ExprKind::kStringCountIn: {
      n.op = e.kind == ExprKind::kStringIn ? Op::kStringIn : Op::kStringCountIn;
      auto [lo, hi] = range(e.kids.at(0));
      kids = {lo, hi};
      t.primary = e.kind == ExprKind::kStringCountIn;
      break;
    }
    case ExprKind::kStringCount:
      n.op = Op::kStringCount;
      break;
    default: {
      n.op = e.kind == ExprKind::kStringOffset ? Op::kStringOffset : Op::kStringLength;
      if (e.kids.empty()) {
        Node one = detail::make_node(Op::kConstInt, ValueType::kInt);
        one.ival = 1;
        kids.push_back(emit(one));
      } else {
        // yara does not check the index's type; a float index is used through its bits.
        Typed i = primary(e.kids[0]);
        if (i.kind == Kind::kString || i.kind == Kind::kBool) {
          fail(unit_.at(e.kids[0]).span, "E209",
               std::string("wrong type \"") + kind_name(i.kind) + "\" for [] operator");
        }
        kids.push_back(i.node);
      }
      break;
    }
  }
  n.type = t.primary ? ValueType::kInt : ValueType::kBool;
  t.kind = t.primary ? Kind::kInt : Kind::kBool;
  t.node = emit_kids(n, kids);
  return t;
}

std::pair<uint32_t, uint32_t> ConditionCompiler::range(ast::ExprId range_id) {
  const ast::Expr& r = unit_.at(range_id);
  if (r.kind != ExprKind::kRange || r.kids.size() != 2) fail(r.span, "E200", "syntax error");
  Typed lo = primary(r.kids[0]);
  if (lo.kind != Kind::kInt) fail(unit_.at(r.kids[0]).span, "E214", "wrong type for range's lower bound");
  Typed hi = primary(r.kids[1]);
  if (hi.kind != Kind::kInt) fail(unit_.at(r.kids[1]).span, "E214", "wrong type for range's upper bound");
  return {lo.node, hi.node};
}

uint32_t ConditionCompiler::quantity(const ast::Expr& e, uint8_t& quant) {
  switch (e.quantifier) {
    case ast::Quantifier::kAll: quant = static_cast<uint8_t>(detail::Quant::kAll); return detail::kNoNode;
    case ast::Quantifier::kAny: quant = static_cast<uint8_t>(detail::Quant::kAny); return detail::kNoNode;
    case ast::Quantifier::kNone: quant = static_cast<uint8_t>(detail::Quant::kNone); return detail::kNoNode;
    case ast::Quantifier::kCount: {
      quant = static_cast<uint8_t>(detail::Quant::kCount);
      // yara takes any primary expression here without checking its type.
      return primary(e.kids.at(0)).node;
    }
    case ast::Quantifier::kPercent: {
      quant = static_cast<uint8_t>(detail::Quant::kPercent);
      if (e.kind != ExprKind::kOf) fail(e.span, "E200", "syntax error");
      Typed q = int_operand(e.kids.at(0), "%");
      if (q.constant && (*q.constant < 1 || *q.constant > 100)) {
        fail(unit_.at(e.kids[0]).span, "E213", "percentage must be between 1 and 100 (inclusive)");
      }
      return q.node;
    }
  }
  return detail::kNoNode;
}

std::vector<uint32_t> ConditionCompiler::string_set(ast::ExprId set_id) {
  const ast::Expr& set = unit_.at(set_id);
  std::vector<uint32_t> items;
  if (set.kind != ExprKind::kStringSet) fail(set.span, "E200", "syntax error");
  auto add_matching = [&](const ast::Expr& where, std::string_view pattern) {
    bool wildcard = !pattern.empty() && pattern.back() == '*';
    std::string_view prefix = wildcard ? pattern.substr(0, pattern.size() - 1) : pattern;
    size_t before = items.size();
    for (size_t i = 0; i < rule_->strings.size(); ++i) {
      const std::string& sid = rule_->strings[i].id;
      bool hit = wildcard ? sid.compare(0, prefix.size(), prefix) == 0 : sid == prefix;
      if (hit) {
        (*uses_)[i].referenced = true;
        (*uses_)[i].fixed = StringUse::Fixed::kNever;
        items.push_back(first_string_ + static_cast<uint32_t>(i));
        if (!wildcard) break;
      }
    }
    if (items.size() == before) {
      fail(where.span, "E202", "undefined string \"" + std::string(pattern) + "\"");
    }
  };
  if (set.set_is_them) {
    add_matching(set, "$*");
  } else {
    for (ast::ExprId k : set.kids) {
      const ast::Expr& item = unit_.at(k);
      if (item.text == "$") fail(item.span, "E204", "wrong use of anonymous string");
      add_matching(item, item.text);
    }
  }
  return items;
}

std::vector<uint32_t> ConditionCompiler::rule_set(ast::ExprId set_id) {
  const ast::Expr& set = unit_.at(set_id);
  std::vector<uint32_t> items;
  for (ast::ExprId k : set.kids) {
    const ast::Expr& item = unit_.at(k);
    const std::string& name = item.text;
    if (!name.empty() && name.back() == '*') {
      std::vector<uint32_t> found = env_.rules_with_prefix(std::string_view(name).substr(0, name.size() - 1));
      if (found.empty()) {
        fail(item.span, "E201", "undefined identifier \"" + name.substr(0, name.size() - 1) + "\"");
      }
      items.insert(items.end(), found.begin(), found.end());
    } else {
      auto r = env_.find_rule(name);
      if (!r) fail(item.span, "E201", "undefined identifier \"" + name + "\"");
      items.push_back(*r);
    }
  }
  return items;
}

ConditionCompiler::Typed ConditionCompiler::of_expr(const ast::Expr& e) {
  Node n;
  uint32_t q = quantity(e, n.aux);
  std::vector<uint32_t> kids{q};
  const ast::Expr& set = unit_.at(e.kids.at(1));
  std::vector<uint32_t> items;
  if (set.kind == ExprKind::kRuleSet) {
    n.op = Op::kOfRules;
    items = rule_set(e.kids[1]);
  } else {
    n.op = Op::kOfStrings;
    items = string_set(e.kids[1]);
  }
  if (e.of_anchor == ast::OfAnchor::kAt) {
    // yara 4.2.3's grammar has no `of ... at`.
    fail(unit_.at(e.kids.at(2)).span, "E200", "syntax error");
  }
  if (e.of_anchor == ast::OfAnchor::kIn) {
    if (n.op == Op::kOfRules || e.quantifier == ast::Quantifier::kPercent) {
      fail(e.span, "E200", "syntax error");
    }
    auto [lo, hi] = range(e.kids.at(2));
    kids.push_back(lo);
    kids.push_back(hi);
    n.aux2 = 1;
  }
  n.type = ValueType::kBool;
  n.index = static_cast<uint32_t>(out_.set_items.size());
  n.count = static_cast<uint32_t>(items.size());
  out_.set_items.insert(out_.set_items.end(), items.begin(), items.end());
  Typed t;
  t.node = emit_kids(n, kids);
  t.primary = false;
  return t;
}

ConditionCompiler::Typed ConditionCompiler::for_of(const ast::Expr& e) {
  for (const Loop& l : loops_) {
    if (l.is_for_of) {
      fail(e.span, "E218", "'for <quantifier> of <string set>' loops can't be nested");
    }
  }
  if (loops_.size() >= kMaxLoopNesting) fail(e.span, "E219", "loop nesting limit exceeded");
  Node n;
  n.op = Op::kForOfStrings;
  n.type = ValueType::kBool;
  uint32_t q = quantity(e, n.aux);
  std::vector<uint32_t> items = string_set(e.kids.at(1));
  Loop loop;
  loop.is_for_of = true;
  loop.first_slot = next_slot_;
  n.slot = next_slot_;
  next_slot_ += 1;
  out_.loop_slots = std::max(out_.loop_slots, next_slot_);
  loops_.push_back(loop);
  uint32_t body = boolean(e.kids.at(2));
  loops_.pop_back();
  next_slot_ -= 1;
  n.index = static_cast<uint32_t>(out_.set_items.size());
  n.count = static_cast<uint32_t>(items.size());
  out_.set_items.insert(out_.set_items.end(), items.begin(), items.end());
  Typed t;
  t.node = emit(n, {q, body});
  t.primary = false;
  return t;
}

ConditionCompiler::Typed ConditionCompiler::for_in(const ast::Expr& e) {
  if (loops_.size() >= kMaxLoopNesting) fail(e.span, "E219", "loop nesting limit exceeded");
  for (size_t i = 0; i < e.loop_vars.size(); ++i) {
    const std::string& v = e.loop_vars[i];
    bool dup = false;
    for (const Loop& l : loops_) {
      for (const LoopVar& o : l.vars) dup |= o.name == v;
    }
    for (size_t j = 0; j < i; ++j) dup |= e.loop_vars[j] == v;
    if (dup) fail(e.span, "E217", "duplicated loop identifier \"" + v + "\"");
  }
  if (e.loop_vars.size() > kMaxLoopVars) fail(e.span, "E216", "too many loop variables");
  Node n;
  n.type = ValueType::kBool;
  uint32_t q = quantity(e, n.aux);
  const ast::Expr& it = unit_.at(e.kids.at(1));
  std::vector<uint32_t> bounds;
  if (it.kind == ExprKind::kRange || it.kind == ExprKind::kEnumeration) {
    if (e.loop_vars.size() != 1) {
      fail(e.span, "E216",
           "iterator yields an integer on each iteration , but the loop expects " +
               std::to_string(e.loop_vars.size()));
    }
    if (it.kind == ExprKind::kRange) {
      n.op = Op::kForInRange;
      auto [lo, hi] = range(e.kids[1]);
      bounds = {lo, hi};
    } else {
      n.op = Op::kForInEnum;
      for (ast::ExprId k : it.kids) {
        Typed item = primary(k);
        if (item.kind != Kind::kInt) fail(unit_.at(k).span, "E215", "wrong type for enumeration item");
        bounds.push_back(item.node);
      }
    }
  }
  std::vector<LoopVar> vars;
  if (it.kind != ExprKind::kRange && it.kind != ExprKind::kEnumeration) {
    bounds.push_back(module_iterable(e, n, vars).node);
  } else {
    vars.push_back(LoopVar{e.loop_vars[0]});
  }
  Loop loop;
  loop.vars = std::move(vars);
  loop.first_slot = next_slot_;
  n.slot = next_slot_;
  next_slot_ += static_cast<uint32_t>(e.loop_vars.size());
  out_.loop_slots = std::max(out_.loop_slots, next_slot_);
  loops_.push_back(loop);
  uint32_t body = boolean(e.kids.at(2));
  loops_.pop_back();
  next_slot_ -= static_cast<uint32_t>(e.loop_vars.size());
  std::vector<uint32_t> kids{q};
  if (n.op == Op::kForInRange) {
    kids.push_back(bounds[0]);
    kids.push_back(bounds[1]);
    kids.push_back(body);
  } else if (n.op == Op::kForInModule) {
    kids.push_back(bounds[0]);
    kids.push_back(body);
  } else {
    kids.push_back(body);
    kids.insert(kids.end(), bounds.begin(), bounds.end());
  }
  Typed t;
  t.node = emit_kids(n, kids);
  t.primary = false;
  return t;
}

}  // namespace yarrow::compile
