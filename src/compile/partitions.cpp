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

namespace {

// The test at `node` when it compares filesize or an integer read at a constant offset with a
// constant (kind kNone otherwise).
LeadingTest test_at(const CompiledRules& rules, const Node& n) {
  LeadingTest t;
  switch (n.op) {
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe: break;
    default: return t;
  }
  const Node& a = rules.nodes[rules.kid(n, 0)];
  const Node& b = rules.nodes[rules.kid(n, 1)];
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
  t.cmp = n.op;
  t.value = b.ival;
  return t;
}

// The operands of the `and` chain at `node` (the node itself when it is no `and`): the
// condition is false unless each of them holds.
void conjuncts(const CompiledRules& rules, uint32_t node, std::vector<uint32_t>& out) {
  const Node& n = rules.nodes[node];
  if (n.op != Op::kAnd) {
    out.push_back(node);
    return;
  }
  conjuncts(rules, rules.kid(n, 0), out);
  conjuncts(rules, rules.kid(n, 1), out);
}

}  // namespace

LeadingTest leading_test(const CompiledRules& rules, const CompiledRule& rule) {
  const Node* n = &rules.nodes[rule.condition];
  while (n->op == Op::kAnd) n = &rules.nodes[rules.kid(*n, 0)];
  return test_at(rules, *n);
}

void assign_partitions(CompiledRules& rules) {
  rules.partition_gates.clear();
  for (auto& spec : rules.specs) spec.partition = 0;
  // A rule's candidate gates: the header tests of equality (`uint16(0) == 0x5a4d` names a file
  // type) among the operands of its condition's `and` chain, wherever they stand in it
  // (`filesize < 100KB and uint16(0) == 0x5A4D and all of them`: signature-base's MZ partition
  // 7,683 -> 7,999 patterns, the always-scanned one 16,871 -> 16,549).
  using Key = std::tuple<uint8_t, int64_t, int64_t>;
  std::vector<std::vector<Key>> candidates(rules.rules.size());
  std::map<Key, std::pair<size_t, size_t>> strings_of;  // gate -> (strings, first rule)
  std::vector<uint32_t> operands;
  for (size_t r = 0; r < rules.rules.size(); ++r) {
    const CompiledRule& rule = rules.rules[r];
    if (rule.string_count == 0) continue;
    operands.clear();
    conjuncts(rules, rule.condition, operands);
    for (uint32_t node : operands) {
      const LeadingTest t = test_at(rules, rules.nodes[node]);
      if (t.kind != LeadingTest::Kind::kRead || t.cmp != Op::kEq) continue;
      const Key key{t.reader, t.offset, t.value};
      if (std::find(candidates[r].begin(), candidates[r].end(), key) != candidates[r].end())
        continue;
      candidates[r].push_back(key);
      auto [it, fresh] = strings_of.try_emplace(key, 0, r);
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
  // Each rule takes the chosen gate of most strings among its candidates (the lowest
  // partition number: they were numbered in that order).
  std::vector<uint8_t> rule_partition(rules.rules.size(), 0);
  for (size_t r = 0; r < rules.rules.size(); ++r) {
    for (const Key& key : candidates[r]) {
      auto it = partition_of.find(key);
      if (it == partition_of.end()) continue;
      if (rule_partition[r] == 0 || it->second < rule_partition[r]) rule_partition[r] = it->second;
    }
  }
  for (size_t s = 0; s < rules.strings.size() && s < rules.specs.size(); ++s)
    rules.specs[s].partition = rule_partition[rules.strings[s].rule];
}

}  // namespace yarrow::detail
