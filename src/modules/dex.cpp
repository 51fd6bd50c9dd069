// The dex module (Android Dalvik executables): yara 4.2.3's fields and functions.
//
// The parse follows 4.2.3's order and its early exits, which decide what stays undefined:
// a table that does not fit the file ends the whole parse (later tables and the
// number_of_methods / number_of_fields counters stay undefined), a string whose data does not
// fit is skipped (a hole), an encoded field/method whose name cannot be resolved stops that
// list. Names are resolved through the tables already parsed, with yara's index limit
// (0x80000). Every read goes through bounds checks; nothing is read outside the data.
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "modules/byte_view.h"
#include "modules/modules_internal.h"

namespace yarrow::modules {
namespace {

constexpr uint64_t kHeaderSize = 0x70;
constexpr int64_t kMaxIndex = 0x80000;  // yara's cap on table indices used for name lookups

struct Constant {
  const char* name;
  int64_t value;
};

constexpr Constant kConstants[] = {
    {"ENDIAN_CONSTANT", 0x12345678}, {"REVERSE_ENDIAN_CONSTANT", 0x78563412},
    {"NO_INDEX", 0xffffffff},        {"ACC_PUBLIC", 0x1},
    {"ACC_PRIVATE", 0x2},            {"ACC_PROTECTED", 0x4},
    {"ACC_STATIC", 0x8},             {"ACC_FINAL", 0x10},
    {"ACC_SYNCHRONIZED", 0x20},      {"ACC_VOLATILE", 0x40},
    {"ACC_BRIDGE", 0x40},            {"ACC_TRANSIENT", 0x80},
    {"ACC_VARARGS", 0x80},           {"ACC_NATIVE", 0x100},
    {"ACC_INTERFACE", 0x200},        {"ACC_ABSTRACT", 0x400},
    {"ACC_STRICT", 0x800},           {"ACC_SYNTHETIC", 0x1000},
    {"ACC_ANNOTATION", 0x2000},      {"ACC_ENUM", 0x4000},
    {"ACC_CONSTRUCTOR", 0x10000},    {"ACC_DECLARED_SYNCHRONIZED", 0x20000},
    {"TYPE_HEADER_ITEM", 0x0},       {"TYPE_STRING_ID_ITEM", 0x1},
    {"TYPE_TYPE_ID_ITEM", 0x2},      {"TYPE_PROTO_ID_ITEM", 0x3},
    {"TYPE_FIELD_ID_ITEM", 0x4},     {"TYPE_METHOD_ID_ITEM", 0x5},
    {"TYPE_CLASS_DEF_ITEM", 0x6},    {"TYPE_CALL_SITE_ID_ITEM", 0x7},
    {"TYPE_METHOD_HANDLE_ITEM", 0x8}, {"TYPE_MAP_LIST", 0x1000},
    {"TYPE_TYPE_LIST", 0x1001},      {"TYPE_ANNOTATION_SET_REF_LIST", 0x1002},
    {"TYPE_ANNOTATION_SET_ITEM", 0x1003}, {"TYPE_CLASS_DATA_ITEM", 0x2000},
    {"TYPE_CODE_ITEM", 0x2001},      {"TYPE_STRING_DATA_ITEM", 0x2002},
    {"TYPE_DEBUG_INFO_ITEM", 0x2003}, {"TYPE_ANNOTATION_ITEM", 0x2004},
    {"TYPE_ENCODED_ARRAY_ITEM", 0x2005}, {"TYPE_ANNOTATIONS_DIRECTORY_ITEM", 0x2006},
};

constexpr const char* kMagics[] = {"DEX_FILE_MAGIC_035", "DEX_FILE_MAGIC_036",
                                   "DEX_FILE_MAGIC_037", "DEX_FILE_MAGIC_038",
                                   "DEX_FILE_MAGIC_039"};

// Header field names after magic/checksum/signature, each a little-endian u32 from offset 32.
constexpr const char* kHeaderWords[] = {
    "file_size",       "header_size",       "endian_tag",        "link_size",
    "link_offset",     "map_offset",        "string_ids_size",   "string_ids_offset",
    "type_ids_size",   "type_ids_offset",   "proto_ids_size",    "proto_ids_offset",
    "field_ids_size",  "field_ids_offset",  "method_ids_size",   "method_ids_offset",
    "class_defs_size", "class_defs_offset", "data_size",         "data_offset"};

Result has_method_name(const CallContext& ctx, std::span<const Arg> args);
Result has_method_class_name(const CallContext& ctx, std::span<const Arg> args);
Result has_method_regex(const CallContext& ctx, std::span<const Arg> args);
Result has_method_class_regex(const CallContext& ctx, std::span<const Arg> args);
Result has_class_name(const CallContext& ctx, std::span<const Arg> args);
Result has_class_regex(const CallContext& ctx, std::span<const Arg> args);

Schema make_schema() {
  SchemaBuilder b("dex");
  for (const char* m : kMagics) b.string(m);
  for (const Constant& c : kConstants) b.integer(c.name);
  b.begin_struct("header").string("magic").integer("checksum").string("signature");
  for (const char* w : kHeaderWords) b.integer(w);
  b.end();
  b.begin_struct_array("string_ids").integer("offset").integer("size").string("value").end();
  b.begin_struct_array("type_ids").integer("descriptor_idx").end();
  b.begin_struct_array("proto_ids")
      .integer("shorty_idx")
      .integer("return_type_idx")
      .integer("parameters_offset")
      .end();
  b.begin_struct_array("field_ids").integer("class_idx").integer("type_idx").integer("name_idx").end();
  b.begin_struct_array("method_ids").integer("class_idx").integer("proto_idx").integer("name_idx").end();
  b.begin_struct_array("class_defs")
      .integer("class_idx")
      .integer("access_flags")
      .integer("super_class_idx")
      .integer("interfaces_offset")
      .integer("source_file_idx")
      .integer("annotations_offset")
      .integer("class_data_offset")
      .integer("static_values_offset")
      .end();
  b.begin_struct_array("class_data_item")
      .integer("static_fields_size")
      .integer("instance_fields_size")
      .integer("direct_methods_size")
      .integer("virtual_methods_size")
      .end();
  b.begin_struct("map_list").integer("size");
  b.begin_struct_array("map_item").integer("type").integer("unused").integer("size").integer("offset").end();
  b.end();
  b.integer("number_of_fields");
  b.begin_struct_array("field")
      .string("class_name")
      .string("name")
      .string("proto")
      .integer("field_idx_diff")
      .integer("access_flags")
      .end();
  b.function("has_method", "s", 'i', &has_method_name);
  b.function("has_method", "ss", 'i', &has_method_class_name);
  b.function("has_method", "r", 'i', &has_method_regex);
  b.function("has_method", "rr", 'i', &has_method_class_regex);
  b.function("has_class", "s", 'i', &has_class_name);
  b.function("has_class", "r", 'i', &has_class_regex);
  b.integer("number_of_methods");
  b.begin_struct_array("method")
      .string("class_name")
      .string("name")
      .string("proto")
      .integer("direct")
      .integer("virtual")
      .integer("method_idx_diff")
      .integer("access_flags")
      .integer("code_off");
  b.begin_struct("code_item")
      .integer("registers_size")
      .integer("ins_size")
      .integer("outs_size")
      .integer("tries_size")
      .integer("debug_info_off")
      .integer("insns_size")
      .string("insns")
      .integer("padding");
  b.begin_struct("tries").end();
  b.begin_struct_array("handlers").end();
  b.end();  // code_item
  b.end();  // method
  return b.build();
}

// yara's bounded ULEB128: at most five bytes, an error when the data ends before a byte the
// encoding needs; the fifth byte's high bits are kept as they fall (32-bit wrap).
struct Uleb {
  uint32_t value = 0;
  uint32_t length = 0;
  bool ok = false;
};

Uleb read_uleb(const ByteView& v, uint64_t at) {
  Uleb r;
  uint32_t result = 0;
  for (unsigned i = 0; i < 5; ++i) {
    if (at + i >= v.size()) return r;
    uint32_t byte = v.u8(at + i);
    r.length++;
    if (i == 4) {
      result |= byte << 28;
      break;
    }
    result |= (byte & 0x7f) << (7 * i);
    if (byte <= 0x7f) break;
  }
  r.value = result;
  r.ok = true;
  return r;
}

class DexParser {
 public:
  DexParser(ValueTreeBuilder& b, const ByteView& v) : b_(b), v_(v) {}

  void parse() {
    const uint32_t root = ValueTreeBuilder::kRoot;
    uint32_t header = b_.member(root, "header");
    const char* raw = reinterpret_cast<const char*>(v_.data());
    b_.set_string(header, "magic", std::string_view(raw, strnlen(raw, 8)));
    b_.set_integer(header, "checksum", v_.u32(8));
    b_.set_string(header, "signature", std::string_view(raw + 12, strnlen(raw + 12, 20)));
    for (size_t i = 0; i < std::size(kHeaderWords); ++i)
      b_.set_integer(header, kHeaderWords[i], v_.u32(32 + 4 * i));

    if (!parse_strings() || !parse_types() || !parse_protos() || !parse_field_ids() ||
        !parse_method_ids() || !parse_map() || !parse_classes())
      return;
    b_.set_integer(root, "number_of_methods", method_count_);
    b_.set_integer(root, "number_of_fields", field_count_);
  }

 private:
  uint32_t hdr(size_t word) const { return v_.u32(32 + 4 * word); }
  // yara's fits_in_dex: `size` bytes at `offset` lie inside the data.
  bool fits(uint64_t offset, uint64_t size) const {
    return size <= v_.size() && offset <= v_.size() - size;
  }

  bool parse_strings() {
    uint32_t count = hdr(6), table = hdr(7);
    if (!fits(table, uint64_t{count} * 4)) return false;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "string_ids");
    strings_.assign(count, std::nullopt);
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t at = v_.u32(table + uint64_t{i} * 4);
      if (!fits(at, 4)) continue;
      Uleb len = read_uleb(v_, at);
      if (!len.ok) continue;
      // yara takes the characters from offset + 1 whatever the length's encoded size.
      if (!fits(uint64_t{at} + 1, len.value)) continue;
      std::string_view value(reinterpret_cast<const char*>(v_.data()) + at + 1, len.value);
      uint32_t e = b_.element(list, i);
      b_.set_integer(e, "offset", at);
      b_.set_integer(e, "size", len.value);
      b_.set_string(e, "value", value);
      strings_[i] = value;
    }
    return true;
  }

  bool parse_types() {
    uint32_t count = hdr(8), table = hdr(9);
    if (!fits(table, uint64_t{count} * 4)) return false;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "type_ids");
    types_.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      types_[i] = v_.u32(table + uint64_t{i} * 4);
      b_.set_integer(b_.element(list, i), "descriptor_idx", types_[i]);
    }
    return true;
  }

  bool parse_protos() {
    uint32_t count = hdr(10), table = hdr(11);
    if (!fits(table, uint64_t{count} * 12)) return false;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "proto_ids");
    shorty_.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t p = table + uint64_t{i} * 12;
      uint32_t e = b_.element(list, i);
      shorty_[i] = v_.u32(p);
      b_.set_integer(e, "shorty_idx", shorty_[i]);
      b_.set_integer(e, "return_type_idx", v_.u32(p + 4));
      b_.set_integer(e, "parameters_offset", v_.u32(p + 8));
    }
    return true;
  }

  struct MemberId {
    uint16_t class_idx, type_or_proto;
    uint32_t name_idx;
  };

  bool parse_ids(uint32_t count, uint32_t table, const char* array, const char* second,
                 std::vector<MemberId>& out) {
    if (!fits(table, uint64_t{count} * 8)) return false;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, array);
    out.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t p = table + uint64_t{i} * 8;
      MemberId& id = out[i];
      id = {v_.u16(p), v_.u16(p + 2), v_.u32(p + 4)};
      uint32_t e = b_.element(list, i);
      b_.set_integer(e, "class_idx", id.class_idx);
      b_.set_integer(e, second, id.type_or_proto);
      b_.set_integer(e, "name_idx", id.name_idx);
    }
    return true;
  }
  bool parse_field_ids() { return parse_ids(hdr(12), hdr(13), "field_ids", "type_idx", fields_); }
  bool parse_method_ids() { return parse_ids(hdr(14), hdr(15), "method_ids", "proto_idx", methods_); }

  bool parse_map() {
    uint32_t at = hdr(5);
    if (at == 0 || !fits(at, 4)) return true;
    uint32_t map = b_.member(ValueTreeBuilder::kRoot, "map_list");
    uint32_t size = v_.u32(at);
    b_.set_integer(map, "size", size);
    // 4.2.3 checks the list without its 4-byte count, then each item: when only the last
    // item overflows, the items before it are kept and the parse ends there.
    if (!fits(at, uint64_t{size} * 12)) return false;
    uint32_t items = b_.member(map, "map_item");
    for (uint32_t i = 0; i < size; ++i) {
      uint64_t p = at + 4 + uint64_t{i} * 12;
      if (!fits(p, 12)) return false;
      uint32_t e = b_.element(items, i);
      b_.set_integer(e, "type", v_.u16(p));
      b_.set_integer(e, "unused", v_.u16(p + 2));
      b_.set_integer(e, "size", v_.u32(p + 4));
      b_.set_integer(e, "offset", v_.u32(p + 8));
    }
    return true;
  }

  // Table lookups with yara's rules: a negative, capped or absent index is undefined.
  template <typename T>
  static const T* at(const std::vector<T>& table, std::optional<int64_t> index) {
    if (!index || *index < 0 || *index > kMaxIndex || *index >= static_cast<int64_t>(table.size()))
      return nullptr;
    return &table[static_cast<size_t>(*index)];
  }
  std::optional<std::string_view> string_at(std::optional<int64_t> index) const {
    const auto* s = at(strings_, index);
    return s ? *s : std::nullopt;
  }
  std::optional<int64_t> type_at(std::optional<int64_t> index) const {
    const uint32_t* t = at(types_, index);
    return t ? std::optional<int64_t>(*t) : std::nullopt;
  }

  bool parse_classes() {
    uint32_t count = hdr(16), table = hdr(17);
    if (!fits(table, uint64_t{count} * 32)) return false;
    uint32_t defs = b_.member(ValueTreeBuilder::kRoot, "class_defs");
    uint32_t datas = b_.member(ValueTreeBuilder::kRoot, "class_data_item");
    static constexpr const char* kNames[] = {
        "class_idx",       "access_flags",       "super_class_idx",   "interfaces_offset",
        "source_file_idx", "annotations_offset", "class_data_offset", "static_values_offset"};
    uint32_t data_items = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t p = table + uint64_t{i} * 32;
      uint32_t e = b_.element(defs, i);
      for (unsigned k = 0; k < 8; ++k) b_.set_integer(e, kNames[k], v_.u32(p + 4 * k));
      uint32_t data_off = v_.u32(p + 24);
      if (data_off == 0) continue;
      if (!fits(data_off, 16)) return false;
      uint32_t sizes[4];
      uint32_t used = 0;
      for (uint32_t& s : sizes) {
        Uleb u = read_uleb(v_, uint64_t{data_off} + used);
        if (!u.ok) return false;
        s = u.value;
        used += u.length;
      }
      uint32_t d = b_.element(datas, data_items++);
      b_.set_integer(d, "static_fields_size", sizes[0]);
      b_.set_integer(d, "instance_fields_size", sizes[1]);
      b_.set_integer(d, "direct_methods_size", sizes[2]);
      b_.set_integer(d, "virtual_methods_size", sizes[3]);
      for (int group = 0; group < 4; ++group) {
        uint32_t previous = 0;
        for (uint32_t j = 0; j < sizes[group]; ++j) {
          uint32_t start = data_off + used;  // 32-bit sum, as yara computes it
          uint32_t n = group < 2 ? encoded_field(start, previous, group == 0)
                                 : encoded_method(start, previous, group == 2);
          // One unparsable entry ends its list; the next list starts from the same place.
          if (n == 0) break;
          used += n;
        }
      }
    }
    return true;
  }

  uint32_t encoded_field(uint64_t start, uint32_t& previous, bool /*is_static*/) {
    if (!fits(start, 8)) return 0;
    Uleb diff = read_uleb(v_, start);
    if (!diff.ok) return 0;
    Uleb flags = read_uleb(v_, start + diff.length);
    if (!flags.ok) return 0;
    uint32_t e = b_.element(b_.member(ValueTreeBuilder::kRoot, "field"), field_count_);
    b_.set_integer(e, "field_idx_diff", diff.value);
    b_.set_integer(e, "access_flags", flags.value);
    previous += diff.value;
    const MemberId* id = at(fields_, int64_t{previous});
    if (!id) return 0;
    if (auto name = string_at(id->name_idx)) b_.set_string(e, "name", *name);
    if (auto cls = string_at(type_at(id->class_idx))) b_.set_string(e, "class_name", *cls);
    if (auto proto = string_at(type_at(id->type_or_proto))) b_.set_string(e, "proto", *proto);
    field_count_++;
    return diff.length + flags.length;
  }

  uint32_t encoded_method(uint64_t start, uint32_t& previous, bool direct) {
    if (!fits(start, 12)) return 0;
    Uleb diff = read_uleb(v_, start);
    if (!diff.ok) return 0;
    Uleb flags = read_uleb(v_, start + diff.length);
    if (!flags.ok) return 0;
    Uleb code = read_uleb(v_, start + diff.length + flags.length);
    if (!code.ok) return 0;
    uint32_t e = b_.element(b_.member(ValueTreeBuilder::kRoot, "method"), method_count_);
    b_.set_integer(e, "method_idx_diff", diff.value);
    b_.set_integer(e, "access_flags", flags.value);
    b_.set_integer(e, "code_off", code.value);
    b_.set_integer(e, "direct", direct ? 1 : 0);
    b_.set_integer(e, "virtual", direct ? 0 : 1);
    previous += diff.value;
    const MemberId* id = at(methods_, int64_t{previous});
    if (!id) return 0;
    if (auto name = string_at(id->name_idx)) b_.set_string(e, "name", *name);
    if (auto cls = string_at(type_at(id->class_idx))) b_.set_string(e, "class_name", *cls);
    const uint32_t* shorty = at(shorty_, int64_t{id->type_or_proto});
    if (shorty) {
      if (auto proto = string_at(int64_t{*shorty})) b_.set_string(e, "proto", *proto);
    }
    if (code.value != 0 && fits(code.value, 16)) {
      uint32_t item = b_.member(e, "code_item");
      uint64_t c = code.value;
      b_.set_integer(item, "registers_size", v_.u16(c));
      b_.set_integer(item, "ins_size", v_.u16(c + 2));
      b_.set_integer(item, "outs_size", v_.u16(c + 4));
      b_.set_integer(item, "tries_size", v_.u16(c + 6));
      b_.set_integer(item, "debug_info_off", v_.u32(c + 8));
      uint32_t insns = v_.u32(c + 12);
      b_.set_integer(item, "insns_size", insns);
      uint64_t bytes = uint64_t{insns} * 2;
      // yara's bound subtracts the 32-bit product; only differs for files beyond 4 GiB.
      if (fits(c + 16, bytes))
        b_.set_string(item, "insns",
                      std::string_view(reinterpret_cast<const char*>(v_.data()) + c + 16, bytes));
    }
    method_count_++;
    return diff.length + flags.length + code.length;
  }

  ValueTreeBuilder& b_;
  const ByteView& v_;
  std::vector<std::optional<std::string_view>> strings_;
  std::vector<uint32_t> types_, shorty_;
  std::vector<MemberId> fields_, methods_;
  uint32_t method_count_ = 0, field_count_ = 0;
};

// ---- functions: yara walks method[0 .. number_of_methods) comparing C strings ----

std::string_view c_string(std::string_view s) { return s.substr(0, s.find('\0')); }

struct MethodView {
  std::optional<std::string_view> class_name, name;
};

template <typename Visit>
Result each_method(const CallContext& ctx, Visit visit) {
  const ValueTree& t = *ctx.tree;
  uint32_t count_node = t.member(ctx.self, "number_of_methods");
  auto count = count_node == kNoIndex ? std::nullopt : t.integer(count_node);
  if (!count) return std::monostate{};
  uint32_t list = t.member(ctx.self, "method");
  // Member positions resolved once, not by name per method.
  std::optional<uint32_t> class_pos, name_pos;
  if (list != kNoIndex) {
    const Schema& s = t.schema();
    uint32_t element = s.element(t.node(list).field);
    class_pos = s.member_position(element, "class_name");
    name_pos = s.member_position(element, "name");
  }
  const size_t stored = list == kNoIndex ? 0 : t.length(list);
  for (int64_t i = 0; i < *count; ++i) {
    MethodView m;
    uint32_t e = static_cast<uint64_t>(i) < stored ? t.child(list, static_cast<size_t>(i)) : kNoIndex;
    if (e != kNoIndex) {
      uint32_t c = class_pos ? t.child(e, *class_pos) : kNoIndex;
      uint32_t n = name_pos ? t.child(e, *name_pos) : kNoIndex;
      if (c != kNoIndex) m.class_name = t.string(c);
      if (n != kNoIndex) m.name = t.string(n);
    }
    if (m.class_name) m.class_name = c_string(*m.class_name);
    if (m.name) m.name = c_string(*m.name);
    if (visit(m)) return int64_t{1};
  }
  return int64_t{0};
}

bool regex_hit(const Arg& a, std::string_view subject) {
  const RegexArg& r = std::get<RegexArg>(a);
  return r.matches && r.matches(r.impl, subject);
}

Result has_method_name(const CallContext& ctx, std::span<const Arg> args) {
  std::string_view want = c_string(std::get<std::string_view>(args[0]));
  return each_method(ctx, [&](const MethodView& m) { return m.name && *m.name == want; });
}

Result has_method_class_name(const CallContext& ctx, std::span<const Arg> args) {
  std::string_view cls = c_string(std::get<std::string_view>(args[0]));
  std::string_view want = c_string(std::get<std::string_view>(args[1]));
  return each_method(ctx, [&](const MethodView& m) {
    // As in yara, a method without a class name is not filtered out by the class.
    if (m.class_name && *m.class_name != cls) return false;
    return m.name && *m.name == want;
  });
}

Result has_method_regex(const CallContext& ctx, std::span<const Arg> args) {
  return each_method(ctx, [&](const MethodView& m) { return m.name && regex_hit(args[0], *m.name); });
}

Result has_method_class_regex(const CallContext& ctx, std::span<const Arg> args) {
  return each_method(ctx, [&](const MethodView& m) {
    if (m.class_name && !regex_hit(args[0], *m.class_name)) return false;
    return m.name && regex_hit(args[1], *m.name);
  });
}

Result has_class_name(const CallContext& ctx, std::span<const Arg> args) {
  std::string_view want = c_string(std::get<std::string_view>(args[0]));
  return each_method(ctx, [&](const MethodView& m) { return m.class_name && *m.class_name == want; });
}

Result has_class_regex(const CallContext& ctx, std::span<const Arg> args) {
  return each_method(ctx,
                     [&](const MethodView& m) { return m.class_name && regex_hit(args[0], *m.class_name); });
}

bool is_dex(std::span<const uint8_t> data) {
  if (data.size() < kHeaderSize) return false;
  if (std::memcmp(data.data(), "dex\n03", 6) != 0 || data[7] != 0) return false;
  return data[6] >= '5' && data[6] <= '9';
}

}  // namespace

const Schema& dex_schema() {
  static const Schema schema = make_schema();
  return schema;
}

void dex_load(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  const uint32_t root = ValueTreeBuilder::kRoot;
  static constexpr std::string_view kMagicValues[] = {
      std::string_view("dex\n035\0", 8), std::string_view("dex\n036\0", 8),
      std::string_view("dex\n037\0", 8), std::string_view("dex\n038\0", 8),
      std::string_view("dex\n039\0", 8)};
  // yara sets these with C strings: the trailing NUL is not part of the value.
  for (size_t i = 0; i < std::size(kMagics); ++i)
    b.set_string(root, kMagics[i], kMagicValues[i].substr(0, 7));
  for (const Constant& c : kConstants) b.set_integer(root, c.name, c.value);
  if (!is_dex(data)) return;
  ByteView view(data, false);
  DexParser(b, view).parse();
}

}  // namespace yarrow::modules
