// Schema construction: a nested builder flattened breadth-first so siblings are contiguous.
#include "modules/module.h"

#include <algorithm>
#include <deque>
#include <utility>

namespace yarrow::modules {

SchemaBuilder::SchemaBuilder(std::string module_name) {
  nodes_.push_back({std::move(module_name), Type::kStructure, {}, {}});
  open_.push_back(0);
}

size_t SchemaBuilder::add(std::string name, Type type) {
  nodes_.push_back({std::move(name), type, {}, {}});
  size_t id = nodes_.size() - 1;
  nodes_[open_.back()].children.push_back(id);
  return id;
}

size_t SchemaBuilder::add_container(std::string name, Type container, Type element) {
  size_t id = add(std::move(name), container);
  nodes_.push_back({"", element, {}, {}});
  nodes_[id].children.push_back(nodes_.size() - 1);
  return nodes_.size() - 1;
}

SchemaBuilder& SchemaBuilder::integer(std::string n) { add(std::move(n), Type::kInteger); return *this; }
SchemaBuilder& SchemaBuilder::floating(std::string n) { add(std::move(n), Type::kFloat); return *this; }
SchemaBuilder& SchemaBuilder::string(std::string n) { add(std::move(n), Type::kString); return *this; }
SchemaBuilder& SchemaBuilder::integer_array(std::string n) {
  add_container(std::move(n), Type::kArray, Type::kInteger);
  return *this;
}
SchemaBuilder& SchemaBuilder::string_array(std::string n) {
  add_container(std::move(n), Type::kArray, Type::kString);
  return *this;
}
SchemaBuilder& SchemaBuilder::float_array(std::string n) {
  add_container(std::move(n), Type::kArray, Type::kFloat);
  return *this;
}
SchemaBuilder& SchemaBuilder::integer_dictionary(std::string n) {
  add_container(std::move(n), Type::kDictionary, Type::kInteger);
  return *this;
}
SchemaBuilder& SchemaBuilder::string_dictionary(std::string n) {
  add_container(std::move(n), Type::kDictionary, Type::kString);
  return *this;
}
SchemaBuilder& SchemaBuilder::begin_struct(std::string n) {
  open_.push_back(add(std::move(n), Type::kStructure));
  return *this;
}
SchemaBuilder& SchemaBuilder::begin_struct_array(std::string n) {
  open_.push_back(add_container(std::move(n), Type::kArray, Type::kStructure));
  return *this;
}
SchemaBuilder& SchemaBuilder::begin_struct_dictionary(std::string n) {
  open_.push_back(add_container(std::move(n), Type::kDictionary, Type::kStructure));
  return *this;
}
SchemaBuilder& SchemaBuilder::end() {
  if (open_.size() > 1) open_.pop_back();
  return *this;
}

SchemaBuilder& SchemaBuilder::function(std::string name, std::string args, char result,
                                       FunctionImpl impl) {
  return add_overload(std::move(name), {std::move(args), result, impl, false});
}

SchemaBuilder& SchemaBuilder::data_function(std::string name, std::string args, char result,
                                            FunctionImpl impl) {
  return add_overload(std::move(name), {std::move(args), result, impl, true});
}

SchemaBuilder& SchemaBuilder::add_overload(std::string name, Overload overload) {
  for (size_t c : nodes_[open_.back()].children) {
    if (nodes_[c].type == Type::kFunction && nodes_[c].name == name) {
      nodes_[c].overloads.push_back(std::move(overload));
      return *this;
    }
  }
  size_t id = add(std::move(name), Type::kFunction);
  nodes_[id].overloads.push_back(std::move(overload));
  return *this;
}

Schema SchemaBuilder::build() {
  Schema schema;
  // Breadth-first: when a node is laid out its children get a contiguous block at the end.
  std::vector<uint32_t> placed(nodes_.size(), kNoIndex);
  schema.fields_.push_back({});
  placed[0] = 0;
  std::deque<size_t> queue{0};
  while (!queue.empty()) {
    size_t id = queue.front();
    queue.pop_front();
    Node& n = nodes_[id];
    uint32_t at = placed[id];
    Field& f = schema.fields_[at];
    f.name = n.name;
    f.type = n.type;
    f.first_overload = static_cast<uint32_t>(schema.overloads_.size());
    f.overload_count = static_cast<uint32_t>(n.overloads.size());
    for (auto& o : n.overloads) schema.overloads_.push_back(o);
    if (!n.children.empty()) {
      uint32_t first = static_cast<uint32_t>(schema.fields_.size());
      schema.fields_[at].first_child = first;
      schema.fields_[at].child_count = static_cast<uint32_t>(n.children.size());
      for (size_t c : n.children) {
        placed[c] = static_cast<uint32_t>(schema.fields_.size());
        Field child;
        child.parent = at;
        schema.fields_.push_back(child);
        queue.push_back(c);
      }
    }
  }
  schema.index_members();
  return schema;
}

namespace {
constexpr uint32_t kIndexedMembers = 16;  // structures with more members use the index

bool key_less(uint32_t sa, uint64_t ha, uint32_t sb, uint64_t hb) {
  return sa != sb ? sa < sb : ha < hb;
}
}  // namespace

uint64_t Schema::name_hash(std::string_view name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

void Schema::index_members() {
  member_index_.clear();
  for (uint32_t f = 0; f < fields_.size(); ++f) {
    const Field& s = fields_[f];
    if (s.type != Type::kStructure || s.child_count <= kIndexedMembers) continue;
    for (uint32_t i = 0; i < s.child_count; ++i)
      member_index_.push_back(MemberKey{f, i, name_hash(fields_[s.first_child + i].name)});
  }
  std::sort(member_index_.begin(), member_index_.end(), [](const MemberKey& a, const MemberKey& b) {
    return key_less(a.structure, a.hash, b.structure, b.hash);
  });
}

std::optional<uint32_t> Schema::member_position(uint32_t structure, std::string_view name) const {
  const Field& s = fields_[structure];
  if (s.type != Type::kStructure) return std::nullopt;
  if (s.child_count <= kIndexedMembers) {
    for (uint32_t i = 0; i < s.child_count; ++i)
      if (fields_[s.first_child + i].name == name) return i;
    return std::nullopt;
  }
  const uint64_t h = name_hash(name);
  auto it = std::lower_bound(member_index_.begin(), member_index_.end(), h,
                             [structure](const MemberKey& k, uint64_t hash) {
                               return key_less(k.structure, k.hash, structure, hash);
                             });
  for (; it != member_index_.end() && it->structure == structure && it->hash == h; ++it)
    if (fields_[s.first_child + it->position].name == name) return it->position;
  return std::nullopt;
}

std::optional<uint32_t> Schema::member(uint32_t structure, std::string_view name) const {
  auto pos = member_position(structure, name);
  if (!pos) return std::nullopt;
  return fields_[structure].first_child + *pos;
}

std::optional<uint32_t> Schema::find_overload(uint32_t function, std::string_view arg_types) const {
  if (fields_[function].type != Type::kFunction) return std::nullopt;
  auto list = overloads(function);
  for (uint32_t i = 0; i < list.size(); ++i)
    if (list[i].args == arg_types) return i;
  return std::nullopt;
}

}  // namespace yarrow::modules
