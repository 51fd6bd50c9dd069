#include "compile/partitions.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace yarrow::detail {
namespace {

// A database costs a pass over the data when its gate holds: only gates shared by many
// strings get one.
constexpr size_t kMinPartitionStrings = 500;
constexpr size_t kMaxPartitions = 7;  // besides partition 0

// The gate a rule's condition starts with: the leftmost test down a spine of `and`s, when it
// is `intXX(constant) == constant`. If that test is false or undefined, so is the rule.
std::optional<HeaderGate> leading_gate(const CompiledRules& rules, const CompiledRule& rule) {
  const Node* n = &rules.nodes[rule.condition];
  while (n->op == Op::kAnd) n = &rules.nodes[rules.kid(*n, 0)];
  if (n->op != Op::kEq) return std::nullopt;
  const Node& read = rules.nodes[rules.kid(*n, 0)];
  const Node& value = rules.nodes[rules.kid(*n, 1)];
  if (read.op != Op::kIntRead || value.op != Op::kConstInt || value.type != ValueType::kInt)
    return std::nullopt;
  const Node& offset = rules.nodes[rules.kid(read, 0)];
  if (offset.op != Op::kConstInt) return std::nullopt;
  return HeaderGate{read.aux, offset.ival, value.ival};
}

}  // namespace

void assign_partitions(CompiledRules& rules) {
  rules.partition_gates.clear();
  for (auto& spec : rules.specs) spec.partition = 0;
  using Key = std::tuple<uint8_t, int64_t, int64_t>;
  std::vector<std::optional<Key>> rule_gate(rules.rules.size());
  std::map<Key, std::pair<size_t, size_t>> strings_of;  // gate -> (strings, first rule)
  for (size_t r = 0; r < rules.rules.size(); ++r) {
    const CompiledRule& rule = rules.rules[r];
    if (rule.string_count == 0) continue;
    if (auto g = leading_gate(rules, rule)) {
      rule_gate[r] = Key{g->reader, g->offset, g->value};
      auto [it, fresh] = strings_of.try_emplace(*rule_gate[r], 0, r);
      it->second.first += rule.string_count;
    }
  }
  std::vector<std::pair<Key, std::pair<size_t, size_t>>> chosen;
  for (const auto& [key, use] : strings_of)
    if (use.first >= kMinPartitionStrings) chosen.emplace_back(key, use);
  // Most strings first; ties by the first rule using the gate.
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first
                                            : a.second.second < b.second.second;
  });
  if (chosen.size() > kMaxPartitions) chosen.resize(kMaxPartitions);
  std::map<Key, uint8_t> partition_of;
  for (const auto& [key, use] : chosen) {
    partition_of[key] = static_cast<uint8_t>(rules.partition_gates.size() + 1);
    rules.partition_gates.push_back(
        HeaderGate{std::get<0>(key), std::get<1>(key), std::get<2>(key)});
  }
  if (partition_of.empty()) return;
  for (size_t s = 0; s < rules.strings.size() && s < rules.specs.size(); ++s) {
    const auto& gate = rule_gate[rules.strings[s].rule];
    if (!gate) continue;
    if (auto it = partition_of.find(*gate); it != partition_of.end())
      rules.specs[s].partition = it->second;
  }
}

}  // namespace yarrow::detail
