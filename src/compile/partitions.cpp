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

}  // namespace

LeadingTest leading_test(const CompiledRules& rules, const CompiledRule& rule) {
  LeadingTest t;
  const Node* n = &rules.nodes[rule.condition];
  while (n->op == Op::kAnd) n = &rules.nodes[rules.kid(*n, 0)];
  switch (n->op) {
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe: break;
    default: return t;
  }
  const Node& a = rules.nodes[rules.kid(*n, 0)];
  const Node& b = rules.nodes[rules.kid(*n, 1)];
  if (a.type != ValueType::kInt || b.type != ValueType::kInt || b.op != Op::kConstInt) return t;
  if (a.op == Op::kFilesize) {
    t.kind = LeadingTest::Kind::kFilesize;
  } else if (a.op == Op::kIntRead && rules.nodes[rules.kid(a, 0)].op == Op::kConstInt) {
    t.kind = LeadingTest::Kind::kRead;
    t.reader = a.aux;
    t.offset = rules.nodes[rules.kid(a, 0)].ival;
  } else {
    return t;
  }
  t.cmp = n->op;
  t.value = b.ival;
  return t;
}

void assign_partitions(CompiledRules& rules) {
  rules.partition_gates.clear();
  for (auto& spec : rules.specs) spec.partition = 0;
  using Key = std::tuple<uint8_t, int64_t, int64_t>;
  std::vector<std::optional<Key>> rule_gate(rules.rules.size());
  std::map<Key, std::pair<size_t, size_t>> strings_of;  // gate -> (strings, first rule)
  for (size_t r = 0; r < rules.rules.size(); ++r) {
    const CompiledRule& rule = rules.rules[r];
    if (rule.string_count == 0) continue;
    // Header tests of equality only: `uint16(0) == 0x5a4d` names a file type.
    const LeadingTest t = leading_test(rules, rule);
    if (t.kind == LeadingTest::Kind::kRead && t.cmp == Op::kEq) {
      rule_gate[r] = Key{t.reader, t.offset, t.value};
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
    LeadingTest gate;
    gate.kind = LeadingTest::Kind::kRead;
    gate.reader = std::get<0>(key);
    gate.offset = std::get<1>(key);
    gate.value = std::get<2>(key);
    rules.partition_gates.push_back(gate);
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
