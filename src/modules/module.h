// Contract of the module system (the `import "x"` half of YARA).
//
// A module is a static, immutable Schema (what the compiler type-checks against), a loader that
// turns scanned bytes into a per-scan ValueTree, and functions that are called with the tree, the
// scanned bytes and typed arguments. Schemas are built once and shared read-only by every thread;
// a ValueTree belongs to one scan. Both are flat, index-addressed arrays: a structure's members
// are contiguous, so the compiler can resolve `pe.sections[0].name` to member positions once and
// the evaluator walks indices without string compares.
//
// Undefined is first-class: a ValueTree node may be undefined, a function may return undefined.
// The library never prints: console.log text goes to the ModuleHost given to the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace yarrow::modules {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

enum class Type : uint8_t { kInteger, kFloat, kString, kStructure, kArray, kDictionary, kFunction };

class ValueTree;

// Loader-private parsed state that a module's functions need but its schema does not expose
// (yara's module->data), e.g. pe's delay-import lists. Immutable once the tree is finished.
class ModuleData {
 public:
  virtual ~ModuleData() = default;
};

// A regexp argument (pe.exports(/re/) etc.): the evaluator supplies its own matcher.
struct RegexArg {
  const void* impl = nullptr;
  bool (*matches)(const void* impl, std::string_view subject) = nullptr;
  // Optional (added for pe.imports, which tests yara's yr_re_match() value with `> 0`): -1 when
  // the regexp matches nowhere in `subject`, otherwise the end offset of the last match yara's
  // scan reports (it tries every start offset 0..size-1), so 0 only when the sole matches are
  // empty ones at offset 0. When null, `matches` is used and a match counts as > 0 unless the
  // subject is empty.
  int64_t (*match_end)(const void* impl, std::string_view subject) = nullptr;
};

// One call argument; the variant alternative follows the overload's signature letter:
// 'i' and 'b' → int64_t, 'f' → double, 's' → string_view, 'r' → RegexArg.
using Arg = std::variant<int64_t, double, std::string_view, RegexArg>;

// A function result; monostate means undefined. As in yara, a NaN float is undefined: build
// float results with float_result() so NaN never escapes.
using Result = std::variant<std::monostate, int64_t, double, std::string>;
inline Result float_result(double v) {
  if (v != v) return std::monostate{};
  return v;
}

// Side channel for functions with effects (console) and clock (time); null means "discard" /
// "use the system clock".
class ModuleHost {
 public:
  virtual ~ModuleHost() = default;
  virtual void console_log(std::string_view line) = 0;
  virtual std::optional<int64_t> now() { return std::nullopt; }
};

struct CallContext {
  const ValueTree* tree = nullptr;       // the module's tree for this scan
  uint32_t self = 0;                     // node of the structure that owns the function
  std::span<const uint8_t> data;         // the scanned bytes
  ModuleHost* host = nullptr;
};

using FunctionImpl = Result (*)(const CallContext& ctx, std::span<const Arg> args);

struct Overload {
  std::string args;   // signature letters, yara's convention: i f s b r
  char result;        // 'i', 'f' or 's'
  FunctionImpl impl;
  // A pass over the scanned bytes whose result depends only on its integer arguments (a hash
  // or a statistic of a range): the evaluator computes it once per scan and arguments.
  bool memoize = false;
};

// One declaration. Structures list their members (contiguous field indices); arrays and
// dictionaries have exactly one child, the element declaration (named "").
struct Field {
  std::string name;
  Type type = Type::kInteger;
  uint32_t parent = kNoIndex;
  uint32_t first_child = kNoIndex;
  uint32_t child_count = 0;
  uint32_t first_overload = 0;   // functions only
  uint32_t overload_count = 0;
};

class Schema {
 public:
  static constexpr uint32_t kRoot = 0;

  const std::string& module_name() const { return fields_[kRoot].name; }
  const Field& field(uint32_t index) const { return fields_[index]; }
  size_t field_count() const { return fields_.size(); }
  // Member field index of a structure, or nullopt.
  std::optional<uint32_t> member(uint32_t structure, std::string_view name) const;
  // Position of that member among its siblings (what a ValueTree is indexed by).
  std::optional<uint32_t> member_position(uint32_t structure, std::string_view name) const;
  // Element declaration of an array or dictionary.
  uint32_t element(uint32_t container) const { return fields_[container].first_child; }
  // The overload whose signature equals `arg_types` (yara matches letters exactly: an integer
  // does not convert to 'f' or 'b'), as an index into overloads(function).
  std::optional<uint32_t> find_overload(uint32_t function, std::string_view arg_types) const;
  std::span<const Overload> overloads(uint32_t function) const {
    const Field& f = fields_[function];
    return {overloads_.data() + f.first_overload, f.overload_count};
  }

 private:
  friend class SchemaBuilder;
  // Members of large structures (pe's root has hundreds of constants, set by name on every
  // load) are found through this index, sorted by (structure, name hash).
  struct MemberKey {
    uint32_t structure = 0;
    uint32_t position = 0;
    uint64_t hash = 0;
  };
  static uint64_t name_hash(std::string_view name);
  void index_members();
  std::vector<Field> fields_;
  std::vector<Overload> overloads_;
  std::vector<MemberKey> member_index_;
};

// Declarative construction mirroring yara's begin_declarations blocks.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(std::string module_name);
  SchemaBuilder& integer(std::string name);
  SchemaBuilder& floating(std::string name);
  SchemaBuilder& string(std::string name);
  SchemaBuilder& integer_array(std::string name);
  SchemaBuilder& string_array(std::string name);
  SchemaBuilder& float_array(std::string name);
  SchemaBuilder& integer_dictionary(std::string name);
  SchemaBuilder& string_dictionary(std::string name);
  SchemaBuilder& begin_struct(std::string name);
  SchemaBuilder& begin_struct_array(std::string name);
  SchemaBuilder& begin_struct_dictionary(std::string name);
  SchemaBuilder& end();
  // Overloads of the same name in the same structure merge into one function field.
  SchemaBuilder& function(std::string name, std::string args, char result, FunctionImpl impl);
  // The same, for a function over a range of the data that is worth computing once per scan.
  SchemaBuilder& data_function(std::string name, std::string args, char result,
                               FunctionImpl impl);
  Schema build();

 private:
  SchemaBuilder& add_overload(std::string name, Overload overload);
  struct Node {
    std::string name;
    Type type;
    std::vector<size_t> children;
    std::vector<Overload> overloads;
  };
  size_t add(std::string name, Type type);
  size_t add_container(std::string name, Type container, Type element);
  std::vector<Node> nodes_;
  std::vector<size_t> open_;
};

// An immutable per-scan value tree. Node 0 is the module's root structure.
struct ValueNode {
  uint32_t field = 0;              // schema declaration
  Type type = Type::kInteger;
  bool defined = false;
  uint32_t first = kNoIndex;       // children in ValueTree::children (structure/array/dict)
  uint32_t count = 0;
  int64_t integer = 0;
  double floating = 0;
  uint32_t str_offset = 0;         // into the string pool
  uint32_t str_length = 0;
};

class ValueTree {
 public:
  static constexpr uint32_t kRoot = 0;

  const Schema& schema() const { return *schema_; }
  const ValueNode& node(uint32_t index) const { return nodes_[index]; }
  // Whether `index` names a node of this tree (a loaded rules file is not trusted to).
  bool has_node(uint32_t index) const { return index < nodes_.size(); }
  // Child by member position (structures) or by element index (arrays); kNoIndex when absent.
  uint32_t child(uint32_t node, size_t position) const;
  // Member by name (slower; for tools and tests).
  uint32_t member(uint32_t node, std::string_view name) const;
  // Dictionary entry by key, kNoIndex when absent.
  uint32_t lookup(uint32_t node, std::string_view key) const;
  std::string_view key(uint32_t dict_node, size_t position) const;
  // Number of array elements / dictionary entries (holes included for arrays).
  size_t length(uint32_t node) const { return nodes_[node].count; }

  std::optional<int64_t> integer(uint32_t node) const;
  std::optional<double> floating(uint32_t node) const;
  std::optional<std::string_view> string(uint32_t node) const;
  // The loader's private state (null when the loader attached none).
  const ModuleData* module_data() const { return module_data_.get(); }

 private:
  friend class ValueTreeBuilder;
  const Schema* schema_ = nullptr;
  std::shared_ptr<const ModuleData> module_data_;
  std::vector<ValueNode> nodes_;
  std::vector<uint32_t> children_;
  // Parallel to children_: for dictionary slots, the key's (offset, length) in strings_.
  std::vector<std::pair<uint32_t, uint32_t>> keys_;
  std::string strings_;
};

// Loaders fill a tree through this. Members are addressed by name (loaders run once per scan,
// the cost is a few compares per field); arrays grow on demand like yara's "x[%i].y" paths.
class ValueTreeBuilder {
 public:
  explicit ValueTreeBuilder(const Schema& schema);

  static constexpr uint32_t kRoot = 0;
  uint32_t member(uint32_t structure, std::string_view name);
  uint32_t element(uint32_t array, size_t index);
  uint32_t entry(uint32_t dictionary, std::string_view key);
  size_t length(uint32_t container) const;

  void set_integer(uint32_t node, int64_t value);
  void set_float(uint32_t node, double value);  // NaN leaves the node undefined, as in yara
  void set_string(uint32_t node, std::string_view value);
  void set_module_data(std::shared_ptr<const ModuleData> data) { tree_.module_data_ = std::move(data); }
  void set_integer(uint32_t structure, std::string_view name, int64_t value) {
    set_integer(member(structure, name), value);
  }
  void set_float(uint32_t structure, std::string_view name, double value) {
    set_float(member(structure, name), value);
  }
  void set_string(uint32_t structure, std::string_view name, std::string_view value) {
    set_string(member(structure, name), value);
  }

  ValueTree finish();

 private:
  uint32_t create(uint32_t field);
  const Schema* schema_;
  ValueTree tree_;
  // While building, arrays and dictionaries keep their element lists here (node.first is the
  // list id); finish() lays them out contiguously.
  std::vector<std::vector<uint32_t>> lists_;
  std::vector<std::vector<std::string>> list_keys_;
};

using Loader = void (*)(ValueTreeBuilder& builder, std::span<const uint8_t> data);

struct Module {
  std::string_view name;
  const Schema& (*schema)();
  Loader load;
  // Optional: true when `data` is not of the module's format, so that `load` gives the same
  // tree (constants only) for it as for any other such data. load_module() then copies a tree
  // built once instead of building it again for every file (pe's has hundreds of constants).
  bool (*inert)(std::span<const uint8_t> data) = nullptr;
};

// Every module yarrow knows, in a fixed order.
std::span<const Module> all_modules();
const Module* find_module(std::string_view name);

// A fingerprint (16 hex digits) of every module's schema: names, types, layout and function
// signatures, on which compiled conditions depend. It builds every schema, so the build computes
// it once (schema_fingerprint_tool) and precompiled rules files carry that constant.
std::string schema_fingerprint();

// Builds a module's tree for `data` (constants included, like yara's module_load).
ValueTree load_module(const Module& module, std::span<const uint8_t> data);

// Text of the tree exactly as `yara -D` prints it for this module.
std::string dump_yara(const ValueTree& tree);

}  // namespace yarrow::modules
