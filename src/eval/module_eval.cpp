// Module values at run time: walking the per-scan ValueTree by the member positions the
// compiler resolved, and calling module functions. Anything absent or undefined along a path
// makes the whole expression undefined, as in yara; a function with an undefined argument is
// not called and yields undefined.
#include <bit>
#include <cmath>
#include <limits>

#include "eval/evaluator.h"

namespace yarrow::eval {

using detail::Node;
using detail::Op;
using detail::ValueType;
using Val = Evaluator::Val;

namespace {

using val::integer;
using val::undefined;

bool regex_matches(const void* impl, std::string_view subject) {
  return static_cast<const regex::Regex*>(impl)->search(subject);
}

}  // namespace

const modules::ValueTree& Evaluator::module_tree(uint32_t import) {
  std::optional<modules::ValueTree>& tree = trees_[import];
  if (!tree) tree.emplace(modules::load_module(*modules_[import], module_data_));
  return *tree;
}

Val Evaluator::tree_value(const modules::ValueTree& tree, uint32_t node, ValueType type) const {
  if (node == modules::kNoIndex) return undefined();
  Val v;
  switch (type) {
    case ValueType::kInt: {
      auto x = tree.integer(node);
      if (!x) return undefined();
      v.i = *x;
      return v;
    }
    case ValueType::kFloat: {
      auto x = tree.floating(node);
      if (!x) return undefined();
      v.f = *x;
      return v;
    }
    case ValueType::kString: {
      auto x = tree.string(node);
      if (!x) return undefined();
      v.s = *x;
      return v;
    }
    default: v.i = node; return v;
  }
}

Val Evaluator::eval_module(const Node& n) {
  const modules::ValueTree& tree = module_tree(n.index);
  if (n.op == Op::kModuleRoot) return integer(modules::ValueTree::kRoot);
  const Val base = eval(rules_.kid(n, 0));
  if (base.undef) return base;
  const uint32_t object = static_cast<uint32_t>(base.i);
  if (!tree.has_node(object)) return undefined();  // only from a forged rules file
  switch (n.op) {
    case Op::kModuleMember: return tree_value(tree, tree.child(object, n.count), n.type);
    case Op::kModuleItem: {
      const Val index = eval(rules_.kid(n, 1));
      if (index.undef || index.i < 0) return undefined();
      const auto i = static_cast<uint64_t>(index.i);
      if (tree.node(object).type != modules::Type::kArray || i >= tree.length(object)) {
        return undefined();
      }
      return tree_value(tree, tree.child(object, static_cast<size_t>(i)), n.type);
    }
    default: {
      const Val key = eval(rules_.kid(n, 1));
      if (key.undef) return undefined();
      return tree_value(tree, tree.lookup(object, key.s), n.type);
    }
  }
}

Val Evaluator::eval_call(const Node& n) {
  const modules::ValueTree& tree = module_tree(n.index);
  const Val owner = eval(rules_.kid(n, 0));
  if (owner.undef) return owner;
  if (!tree.has_node(static_cast<uint32_t>(owner.i))) return undefined();  // a forged file
  std::vector<modules::Arg> args;
  args.reserve(n.kid_count - 1);
  for (uint32_t k = 1; k < n.kid_count; ++k) {
    const Node& arg = rules_.nodes[rules_.kid(n, k)];
    if (arg.op == Op::kRegexArg) {
      const auto& re = rules_.regexes[arg.index].regex;
      args.emplace_back(modules::RegexArg{re.get(), &regex_matches});
      continue;
    }
    const Val v = eval(rules_.kid(n, k));
    if (v.undef) return undefined();
    switch (arg.type) {
      case ValueType::kFloat: args.emplace_back(v.f); break;
      case ValueType::kString: args.emplace_back(v.s); break;
      default: args.emplace_back(v.i); break;
    }
  }
  const uint32_t function = static_cast<uint32_t>(n.ival);
  const modules::Overload& overload = tree.schema().overloads(function)[n.count];
  modules::CallContext ctx;
  ctx.tree = &tree;
  ctx.self = static_cast<uint32_t>(owner.i);
  ctx.data = module_data_;
  ctx.host = in_ ? in_->host : nullptr;
  const modules::Result* memoized = nullptr;
  modules::Result computed;
  if (overload.memoize && args.size() <= 3) {
    // Numeric arguments only (ranges, a float mean): keyed by their bits.
    std::array<int64_t, 3> key{};
    for (size_t k = 0; k < args.size(); ++k) {
      if (auto* i = std::get_if<int64_t>(&args[k])) key[k] = *i;
      else if (auto* d = std::get_if<double>(&args[k])) key[k] = std::bit_cast<int64_t>(*d);
    }
    for (const MemoizedCall& m : memoized_calls_) {
      if (m.module == n.index && m.function == function && m.overload == n.count &&
          m.args == key) {
        memoized = &m.result;
        break;
      }
    }
    if (!memoized) {
      memoized_calls_.push_back({n.index, function, n.count, key, overload.impl(ctx, args)});
      memoized = &memoized_calls_.back().result;
    }
  } else {
    computed = overload.impl(ctx, args);
  }
  const modules::Result& r = memoized ? *memoized : computed;
  Val out;
  if (std::holds_alternative<std::monostate>(r)) return undefined();
  if (auto* i = std::get_if<int64_t>(&r)) out.i = *i;
  if (auto* d = std::get_if<double>(&r)) {
    if (std::isnan(*d)) return undefined();
    out.f = *d;
  }
  if (auto* s = std::get_if<std::string>(&r)) out.s = call_results_.emplace_back(*s);
  return out;
}

}  // namespace yarrow::eval
