// ValueTree storage and its builder.
#include "modules/module.h"

namespace yarrow::modules {

uint32_t ValueTree::child(uint32_t node, size_t position) const {
  const ValueNode& n = nodes_[node];
  if (position >= n.count) return kNoIndex;
  return children_[n.first + position];
}

uint32_t ValueTree::member(uint32_t node, std::string_view name) const {
  auto pos = schema_->member_position(nodes_[node].field, name);
  return pos ? child(node, *pos) : kNoIndex;
}

uint32_t ValueTree::lookup(uint32_t node, std::string_view key) const {
  const ValueNode& n = nodes_[node];
  if (n.type != Type::kDictionary) return kNoIndex;
  for (uint32_t i = 0; i < n.count; ++i)
    if (this->key(node, i) == key) return children_[n.first + i];
  return kNoIndex;
}

std::string_view ValueTree::key(uint32_t dict_node, size_t position) const {
  const ValueNode& n = nodes_[dict_node];
  auto [off, len] = keys_[n.first + position];
  return std::string_view(strings_).substr(off, len);
}

std::optional<int64_t> ValueTree::integer(uint32_t node) const {
  if (node == kNoIndex || !nodes_[node].defined || nodes_[node].type != Type::kInteger)
    return std::nullopt;
  return nodes_[node].integer;
}

std::optional<double> ValueTree::floating(uint32_t node) const {
  if (node == kNoIndex || !nodes_[node].defined || nodes_[node].type != Type::kFloat)
    return std::nullopt;
  return nodes_[node].floating;
}

std::optional<std::string_view> ValueTree::string(uint32_t node) const {
  if (node == kNoIndex || !nodes_[node].defined || nodes_[node].type != Type::kString)
    return std::nullopt;
  return std::string_view(strings_).substr(nodes_[node].str_offset, nodes_[node].str_length);
}

ValueTreeBuilder::ValueTreeBuilder(const Schema& schema) : schema_(&schema) {
  tree_.schema_ = &schema;
  create(Schema::kRoot);
}

uint32_t ValueTreeBuilder::create(uint32_t field) {
  const Field& f = schema_->field(field);
  uint32_t id = static_cast<uint32_t>(tree_.nodes_.size());
  ValueNode n;
  n.field = field;
  n.type = f.type;
  tree_.nodes_.push_back(n);
  if (f.type == Type::kStructure) {
    uint32_t first = static_cast<uint32_t>(tree_.children_.size());
    tree_.children_.resize(first + f.child_count, kNoIndex);
    tree_.nodes_[id].first = first;
    tree_.nodes_[id].count = f.child_count;
    for (uint32_t i = 0; i < f.child_count; ++i) {
      uint32_t c = create(f.first_child + i);
      tree_.children_[first + i] = c;
    }
  } else if (f.type == Type::kArray || f.type == Type::kDictionary) {
    tree_.nodes_[id].first = static_cast<uint32_t>(lists_.size());
    lists_.emplace_back();
    list_keys_.emplace_back();
  }
  return id;
}

uint32_t ValueTreeBuilder::member(uint32_t structure, std::string_view name) {
  const ValueNode& n = tree_.nodes_[structure];
  auto pos = schema_->member_position(n.field, name);
  if (!pos) return kNoIndex;
  return tree_.children_[n.first + *pos];
}

uint32_t ValueTreeBuilder::element(uint32_t array, size_t index) {
  if (array == kNoIndex || tree_.nodes_[array].type != Type::kArray) return kNoIndex;
  uint32_t list = tree_.nodes_[array].first;
  if (lists_[list].size() <= index) lists_[list].resize(index + 1, kNoIndex);
  if (lists_[list][index] == kNoIndex) {
    uint32_t c = create(schema_->element(tree_.nodes_[array].field));
    lists_[list][index] = c;
  }
  return lists_[list][index];
}

uint32_t ValueTreeBuilder::entry(uint32_t dictionary, std::string_view key) {
  if (dictionary == kNoIndex || tree_.nodes_[dictionary].type != Type::kDictionary)
    return kNoIndex;
  uint32_t list = tree_.nodes_[dictionary].first;
  for (size_t i = 0; i < list_keys_[list].size(); ++i)
    if (list_keys_[list][i] == key) return lists_[list][i];
  uint32_t c = create(schema_->element(tree_.nodes_[dictionary].field));
  lists_[list].push_back(c);
  list_keys_[list].emplace_back(key);
  return c;
}

size_t ValueTreeBuilder::length(uint32_t container) const {
  if (container == kNoIndex) return 0;
  const ValueNode& n = tree_.nodes_[container];
  if (n.type != Type::kArray && n.type != Type::kDictionary) return 0;
  return lists_[n.first].size();
}

void ValueTreeBuilder::set_integer(uint32_t node, int64_t value) {
  if (node == kNoIndex || tree_.nodes_[node].type != Type::kInteger) return;
  tree_.nodes_[node].integer = value;
  tree_.nodes_[node].defined = true;
}

void ValueTreeBuilder::set_float(uint32_t node, double value) {
  if (node == kNoIndex || tree_.nodes_[node].type != Type::kFloat || value != value) return;
  tree_.nodes_[node].floating = value;
  tree_.nodes_[node].defined = true;
}

void ValueTreeBuilder::set_string(uint32_t node, std::string_view value) {
  if (node == kNoIndex || tree_.nodes_[node].type != Type::kString) return;
  ValueNode& n = tree_.nodes_[node];
  n.str_offset = static_cast<uint32_t>(tree_.strings_.size());
  n.str_length = static_cast<uint32_t>(value.size());
  tree_.strings_.append(value);
  n.defined = true;
}

ValueTree ValueTreeBuilder::finish() {
  tree_.keys_.resize(tree_.children_.size());
  for (ValueNode& n : tree_.nodes_) {
    if (n.type != Type::kArray && n.type != Type::kDictionary) continue;
    uint32_t list = n.first;
    n.first = static_cast<uint32_t>(tree_.children_.size());
    n.count = static_cast<uint32_t>(lists_[list].size());
    for (size_t i = 0; i < lists_[list].size(); ++i) {
      tree_.children_.push_back(lists_[list][i]);
      std::pair<uint32_t, uint32_t> key{0, 0};
      if (n.type == Type::kDictionary) {
        key = {static_cast<uint32_t>(tree_.strings_.size()),
               static_cast<uint32_t>(list_keys_[list][i].size())};
        tree_.strings_.append(list_keys_[list][i]);
      }
      tree_.keys_.push_back(key);
    }
  }
  lists_.clear();
  list_keys_.clear();
  return std::move(tree_);
}

}  // namespace yarrow::modules
