// The pe module's core: yara 4.2.3's full schema (so dumps have the same shape), header
// acceptance, rva_to_offset, and the parsers for headers, data directories, sections, overlay,
// rich signature, resources, version info, imports and pdb_path. Exports and delayed imports
// live in pe_exports.cpp, Authenticode in pe_signatures.cpp, functions in pe_functions.cpp.
#include <algorithm>
#include <cstring>
#include <memory>

#include "modules/byte_view.h"
#include "modules/modules_internal.h"
#include "modules/pe_constants.h"
#include "modules/pe_internal.h"

namespace yarrow::modules {
namespace pe_detail {

int64_t PeImage::rva_to_offset(uint64_t rva) const {
  uint64_t opt_at = opt();
  uint32_t lowest = 0xffffffff, sec_rva = 0, sec_off = 0, sec_raw = 0;
  uint64_t s = opt_at + v.u16(nt + 20);
  uint32_t count = std::min<uint32_t>(v.u16(nt + 6), kMaxSections);
  for (uint32_t i = 0; i < count; ++i, s += 40) {
    if (!v.contains(s, 40)) return -1;
    uint32_t va = v.u32(s + 12), vsize = v.u32(s + 8);
    if (lowest > va) lowest = va;
    if (rva >= va && rva - va < vsize && sec_rva <= va) {
      uint32_t alignment = std::min<uint32_t>(v.u32(opt_at + 36), 0x200);
      sec_rva = va;
      sec_off = v.u32(s + 20);
      sec_raw = v.u32(s + 16);
      if (alignment) sec_off -= sec_off % alignment;
    }
  }
  if (rva < lowest) {
    sec_rva = 0;
    sec_off = 0;
    sec_raw = static_cast<uint32_t>(v.size());
  }
  if (rva - sec_rva >= sec_raw) return -1;
  uint64_t result = sec_off + (rva - sec_rva);
  if (result >= v.size()) return -1;
  return static_cast<int64_t>(result);
}

std::optional<uint64_t> PeImage::directory_entry(int entry) const {
  uint64_t at = opt() + (pe64 ? 112 : 96) + 8 * static_cast<uint64_t>(entry);
  // 4.2.3 rejects only entries above NumberOfRvaAndSizes: entry N itself is still read.
  if (static_cast<uint64_t>(entry) > v.u32(opt() + (pe64 ? 108 : 92))) return std::nullopt;
  if (!v.contains(at, 8)) return std::nullopt;
  return at;
}

std::string_view PeImage::c_string(uint64_t at, size_t limit) const {
  if (at >= v.size()) return {};
  const char* p = reinterpret_cast<const char*>(v.data() + at);
  return std::string_view(p, strnlen(p, std::min(limit, available(at))));
}

bool valid_dll_name(const ByteView& v, uint64_t at) {
  for (uint64_t i = at; i < v.size(); ++i) {
    unsigned char c = v.data()[i];
    if (c == 0) return i > at;
    if (c < ' ' || c == '"' || c == '*' || c == '<' || c == '>' || c == '?' || c == '|')
      return false;
  }
  return false;  // no terminator inside the data
}

std::optional<uint64_t> nt_header(const ByteView& v) {
  if (v.size() < 64 || v.u16(0) != 0x5a4d) return std::nullopt;
  int32_t lfanew = static_cast<int32_t>(v.u32(60));
  if (lfanew < 0) return std::nullopt;
  uint64_t nt = static_cast<uint64_t>(lfanew);
  uint64_t size = nt + 4 + 20;
  if (v.size() < size || v.u32(nt) != 0x00004550) return std::nullopt;
  if (v.size() < size + 224) return std::nullopt;
  size += v.u16(nt + 24) == kPe64Magic ? 240 : 224;
  if (v.size() < size) return std::nullopt;
  return nt;  // 4.2.3 accepts any machine value
}

namespace {

void declare_version(SchemaBuilder& b, const char* name) {
  b.begin_struct(name).integer("major").integer("minor").end();
}

Schema make_schema() {
  SchemaBuilder b("pe");
  size_t i = 0;
  for (; std::strcmp(kConstants[i].name, "IMAGE_DEBUG_TYPE_REPRO") != 0; ++i) b.integer(kConstants[i].name);
  b.integer(kConstants[i].name);
  b.integer("is_pe").integer("machine").integer("number_of_sections").integer("timestamp");
  b.integer("pointer_to_symbol_table").integer("number_of_symbols");
  b.integer("size_of_optional_header").integer("characteristics");
  b.integer("entry_point").integer("entry_point_raw").integer("image_base");
  b.integer("number_of_rva_and_sizes").integer("number_of_version_infos");
  b.string_dictionary("version_info");
  b.begin_struct_array("version_info_list").string("key").string("value").end();
  b.integer("opthdr_magic").integer("size_of_code").integer("size_of_initialized_data");
  b.integer("size_of_uninitialized_data").integer("base_of_code").integer("base_of_data");
  b.integer("section_alignment").integer("file_alignment");
  declare_version(b, "linker_version");
  declare_version(b, "os_version");
  declare_version(b, "image_version");
  declare_version(b, "subsystem_version");
  b.integer("win32_version_value").integer("size_of_image").integer("size_of_headers");
  b.integer("checksum");
  b.function("calculate_checksum", "", 'i', calculate_checksum);
  b.integer("subsystem").integer("dll_characteristics");
  b.integer("size_of_stack_reserve").integer("size_of_stack_commit");
  b.integer("size_of_heap_reserve").integer("size_of_heap_commit").integer("loader_flags");
  b.begin_struct_array("data_directories").integer("virtual_address").integer("size").end();
  b.begin_struct_array("sections")
      .string("name")
      .string("full_name")
      .integer("characteristics")
      .integer("virtual_address")
      .integer("virtual_size")
      .integer("raw_data_offset")
      .integer("raw_data_size")
      .integer("pointer_to_relocations")
      .integer("pointer_to_line_numbers")
      .integer("number_of_relocations")
      .integer("number_of_line_numbers")
      .end();
  b.begin_struct("overlay").integer("offset").integer("size").end();
  b.begin_struct("rich_signature")
      .integer("offset")
      .integer("length")
      .integer("key")
      .string("raw_data")
      .string("clear_data")
      .function("version", "i", 'i', rich_version)
      .function("version", "ii", 'i', rich_version_toolid)
      .function("toolid", "i", 'i', rich_toolid)
      .function("toolid", "ii", 'i', rich_toolid_version)
      .end();
  b.function("imphash", "", 's', imphash);
  b.integer("IMPORT_DELAYED").integer("IMPORT_STANDARD").integer("IMPORT_ANY");
  b.function("section_index", "s", 'i', section_index);
  b.function("section_index", "i", 'i', section_index);
  for (const char* sig : {"s", "r", "i"}) b.function("exports", sig, 'i', exports);
  for (const char* sig : {"s", "i", "r"}) b.function("exports_index", sig, 'i', exports_index);
  for (const char* sig : {"ss", "si", "s", "rr", "iss", "isi", "is", "irr"})
    b.function("imports", sig, 'i', imports);
  b.function("locale", "i", 'i', locale);
  b.function("language", "i", 'i', language);
  b.function("is_dll", "", 'i', is_dll);
  b.function("is_32bit", "", 'i', is_32bit);
  b.function("is_64bit", "", 'i', is_64bit);
  b.integer("number_of_imports").integer("number_of_imported_functions");
  b.integer("number_of_delayed_imports").integer("number_of_delayed_imported_functions");
  b.integer("number_of_exports").string("dll_name").integer("export_timestamp");
  // Element layouts below are from 4.2.x sources; the dump of t64.exe confirms import_details.
  b.begin_struct_array("export_details")
      .integer("offset")
      .string("name")
      .string("forward_name")
      .integer("ordinal")
      .end();
  b.begin_struct_array("import_details")
      .string("library_name")
      .integer("number_of_functions")
      .begin_struct_array("functions")
      .string("name")
      .integer("ordinal")
      .end()
      .end();
  b.begin_struct_array("delay_import_details")
      .string("library_name")
      .integer("number_of_functions")
      .begin_struct_array("functions")
      .string("name")
      .integer("ordinal")
      .end()
      .end();
  b.integer("resource_timestamp");
  declare_version(b, "resource_version");
  b.begin_struct_array("resources")
      .integer("rva")
      .integer("offset")
      .integer("length")
      .integer("type")
      .integer("id")
      .integer("language")
      .string("type_string")
      .string("name_string")
      .string("language_string")
      .end();
  b.integer("number_of_resources").string("pdb_path");
  b.begin_struct_array("signatures")
      .string("thumbprint")
      .string("issuer")
      .string("subject")
      .integer("version")
      .string("algorithm")
      .string("algorithm_oid")
      .string("serial")
      .integer("not_before")
      .integer("not_after")
      .function("valid_on", "i", 'i', valid_on)
      .end();
  b.integer("number_of_signatures");
  b.function("rva_to_offset", "i", 'i', rva_to_offset);
  return b.build();
}

class PeParser {
 public:
  PeParser(ValueTreeBuilder& b, const PeImage& pe, PeData& data)
      : b_(b), v_(pe.v), pe_(pe), data_(data), nt_(pe.nt), opt_(pe.opt()), pe64_(pe.pe64) {}

  void parse() {
    const uint64_t nt = nt_;
    const uint32_t root = ValueTreeBuilder::kRoot;
    b_.set_integer(root, "is_pe", 1);
    b_.set_integer(root, "machine", v_.u16(nt + 4));
    b_.set_integer(root, "number_of_sections", v_.u16(nt + 6));
    b_.set_integer(root, "timestamp", v_.u32(nt + 8));
    b_.set_integer(root, "pointer_to_symbol_table", v_.u32(nt + 12));
    b_.set_integer(root, "number_of_symbols", v_.u32(nt + 16));
    b_.set_integer(root, "size_of_optional_header", v_.u16(nt + 20));
    b_.set_integer(root, "characteristics", v_.u16(nt + 22));
    uint32_t entry = v_.u32(opt_ + 16);
    b_.set_integer(root, "entry_point", rva_to_offset(entry));
    b_.set_integer(root, "entry_point_raw", entry);
    b_.set_integer(root, "image_base", static_cast<int64_t>(pe64_ ? v_.u64(opt_ + 24) : v_.u32(opt_ + 28)));
    b_.set_integer(root, "number_of_rva_and_sizes", v_.u32(opt_ + (pe64_ ? 108 : 92)));
    b_.set_integer(root, "opthdr_magic", v_.u16(opt_));
    set_version("linker_version", v_.u8(opt_ + 2), v_.u8(opt_ + 3));
    b_.set_integer(root, "size_of_code", v_.u32(opt_ + 4));
    b_.set_integer(root, "size_of_initialized_data", v_.u32(opt_ + 8));
    b_.set_integer(root, "size_of_uninitialized_data", v_.u32(opt_ + 12));
    b_.set_integer(root, "base_of_code", v_.u32(opt_ + 20));
    if (!pe64_) b_.set_integer(root, "base_of_data", v_.u32(opt_ + 24));
    b_.set_integer(root, "section_alignment", v_.u32(opt_ + 32));
    b_.set_integer(root, "file_alignment", v_.u32(opt_ + 36));
    set_version("os_version", v_.u16(opt_ + 40), v_.u16(opt_ + 42));
    set_version("image_version", v_.u16(opt_ + 44), v_.u16(opt_ + 46));
    set_version("subsystem_version", v_.u16(opt_ + 48), v_.u16(opt_ + 50));
    b_.set_integer(root, "win32_version_value", v_.u32(opt_ + 52));
    b_.set_integer(root, "size_of_image", v_.u32(opt_ + 56));
    b_.set_integer(root, "size_of_headers", v_.u32(opt_ + 60));
    b_.set_integer(root, "checksum", v_.u32(opt_ + 64));
    b_.set_integer(root, "subsystem", v_.u16(opt_ + 68));
    b_.set_integer(root, "dll_characteristics", v_.u16(opt_ + 70));
    const char* sizes[] = {"size_of_stack_reserve", "size_of_stack_commit", "size_of_heap_reserve",
                           "size_of_heap_commit"};
    for (int k = 0; k < 4; ++k) {
      uint64_t v = pe64_ ? v_.u64(opt_ + 72 + 8 * k) : v_.u32(opt_ + 72 + 4 * k);
      b_.set_integer(root, sizes[k], static_cast<int64_t>(v));
    }
    b_.set_integer(root, "loader_flags", v_.u32(opt_ + (pe64_ ? 104 : 88)));
    parse_data_directories();
    b_.set_integer(root, "number_of_version_infos", 0);
    parse_resources();
    b_.set_integer(root, "number_of_resources", resources_);
    parse_sections();
    parse_rich_signature();
    parse_debug_directory();
    parse_certificates(b_, pe_);
    parse_imports();
    parse_delayed_imports(b_, pe_, data_);
    parse_exports(b_, pe_);
  }

 private:
  void set_version(const char* name, int64_t major, int64_t minor) {
    uint32_t s = b_.member(ValueTreeBuilder::kRoot, name);
    b_.set_integer(s, "major", major);
    b_.set_integer(s, "minor", minor);
  }

  uint64_t first_section() const { return opt_ + v_.u16(nt_ + 20); }
  uint32_t section_count() const { return std::min<uint32_t>(v_.u16(nt_ + 6), kMaxSections); }

  std::optional<uint64_t> directory_entry(int entry) const { return pe_.directory_entry(entry); }
  int64_t rva_to_offset(uint64_t rva) const { return pe_.rva_to_offset(rva); }

  size_t available(uint64_t at) const { return at < v_.size() ? v_.size() - at : 0; }

  // True when a NUL-terminated UTF-16 string starts at `at` inside the data.
  bool wide_fits(uint64_t at) const {
    for (uint64_t i = at; i + 1 < v_.size(); i += 2)
      if (v_.data()[i] == 0 && v_.data()[i + 1] == 0) return true;
    return false;
  }
  size_t wide_len(uint64_t at) const {
    size_t n = 0;
    while (v_.contains(at + 2 * n, 2) && v_.u16(at + 2 * n) != 0) ++n;
    return n;
  }
  bool wide_equals(uint64_t at, std::string_view ascii) const {
    for (size_t i = 0;; ++i) {
      uint16_t w = v_.contains(at + 2 * i, 2) ? v_.u16(at + 2 * i) : 0;
      uint16_t c = i < ascii.size() ? static_cast<unsigned char>(ascii[i]) : 0;
      if (w != c) return false;
      if (w == 0) return true;
    }
  }
  // yara's strlcpy_w: low bytes of the UTF-16 units, at most size - 1 of them.
  std::string narrow(uint64_t at, size_t size) const {
    std::string out;
    for (size_t i = 0; out.size() + 1 < size && v_.contains(at + 2 * i, 2); ++i) {
      uint16_t w = v_.u16(at + 2 * i);
      if (w == 0) break;
      out += static_cast<char>(w & 0xff);
    }
    return out;
  }
  static uint64_t align4(uint64_t base, uint64_t offset) { return base + ((offset + 3) & ~uint64_t{3}); }

  struct ResourceNames {
    int64_t name_offset[3] = {-1, -1, -1};  // offset of the UTF-16 name string, -1 when none
    int32_t value[3] = {-1, -1, -1};
  };

  std::optional<uint64_t> resource_name(uint64_t rsrc, uint32_t name) const {
    if (!(name & 0x80000000u)) return std::nullopt;
    uint64_t at = rsrc + (name & 0x7fffffffu);
    if (!v_.contains(at, 2) || !v_.contains(at, 2 + 2ull * v_.u16(at))) return std::nullopt;
    return at;
  }

  void parse_resources() {
    auto dir = directory_entry(2);
    if (!dir || v_.u32(*dir) == 0) return;
    int64_t off = rva_to_offset(v_.u32(*dir));
    if (off < 0 || !v_.contains(off, 16)) return;
    const uint32_t root = ValueTreeBuilder::kRoot;
    b_.set_integer(root, "resource_timestamp", v_.u32(off + 4));
    set_version("resource_version", v_.u16(off + 8), v_.u16(off + 10));
    ResourceNames names;
    iterate_resources(off, off, 0, names);
  }

  // Returns false when yara's iterator aborts.
  bool iterate_resources(uint64_t dir, uint64_t rsrc, int level, ResourceNames names) {
    uint16_t named = v_.u16(dir + 12), ids = v_.u16(dir + 14);
    if (v_.u32(dir) != 0 || named > 32768 || ids > 32768) return true;
    uint64_t entry = dir + 16;
    for (uint32_t i = 0; i < uint32_t{named} + ids; ++i, entry += 8) {
      if (!v_.contains(entry, 8)) return false;
      uint32_t name = v_.u32(entry), target = v_.u32(entry + 4);
      names.value[level] = static_cast<int32_t>(name);
      auto str = resource_name(rsrc, name);
      names.name_offset[level] = str ? static_cast<int64_t>(*str) : -1;
      uint64_t at = rsrc + (target & 0x7fffffffu);
      if ((target & 0x80000000u) && level < 2) {
        if (!v_.contains(at, 16)) return false;
        if (!iterate_resources(at, rsrc, level + 1, names)) return false;
      } else {
        if (!v_.contains(at, 16)) return false;
        collect_resource(at, names);
      }
    }
    return true;
  }

  void collect_resource(uint64_t data_entry, const ResourceNames& names) {
    if (resources_ > 65536) return;
    uint32_t e = b_.element(b_.member(ValueTreeBuilder::kRoot, "resources"), resources_);
    uint32_t rva = v_.u32(data_entry);
    b_.set_integer(e, "rva", rva);
    int64_t off = rva_to_offset(rva);
    if (off >= 0) b_.set_integer(e, "offset", off);
    b_.set_integer(e, "length", v_.u32(data_entry + 4));
    const char* strings[] = {"type_string", "name_string", "language_string"};
    const char* ints[] = {"type", "id", "language"};
    for (int k = 0; k < 3; ++k) {
      if (names.name_offset[k] >= 0) {
        uint64_t at = static_cast<uint64_t>(names.name_offset[k]);
        uint64_t len = 2ull * v_.u16(at);
        if (v_.contains(at + 2, len))
          b_.set_string(e, strings[k],
                        std::string_view(reinterpret_cast<const char*>(v_.data() + at + 2), len));
      } else {
        b_.set_integer(e, ints[k], names.value[k]);
      }
    }
    if (names.value[0] == 16) parse_version_info(rva);
    ++resources_;
  }

  void parse_version_info(uint32_t rva) {
    int64_t off = rva_to_offset(rva);
    if (off < 0) return;
    uint64_t vi = static_cast<uint64_t>(off);
    if (!v_.contains(vi, 6) || !v_.contains(vi + 6, 32) || !wide_equals(vi + 6, "VS_VERSION_INFO"))
      return;
    // VERSION_INFO is Length, ValueLength, Type (6 bytes) followed by the UTF-16 key.
    vi = align4(vi, 6 + 86);
    while (v_.contains(vi + 6, 24) && wide_equals(vi + 6, "VarFileInfo") && v_.u16(vi) != 0)
      vi = align4(vi, v_.u16(vi));
    const uint32_t root = ValueTreeBuilder::kRoot;
    uint32_t dict = b_.member(root, "version_info");
    uint32_t list = b_.member(root, "version_info_list");
    while (v_.contains(vi + 6, 30) && wide_equals(vi + 6, "StringFileInfo") && v_.u16(vi) != 0) {
      uint64_t table = align4(vi, 6 + 30);
      vi = align4(vi, v_.u16(vi));
      while (v_.contains(table, 6) && wide_fits(table + 6) && v_.u16(table) != 0 && table < vi) {
        uint64_t str = align4(table, 6 + 2 * (wide_len(table + 6) + 1));
        table = align4(table, v_.u16(table));
        while (v_.contains(str, 6) && wide_fits(str + 6) && v_.u16(str) != 0 && str < table) {
          uint64_t value_at = align4(str, 6 + 2 * (wide_len(str + 6) + 1));
          if (wide_fits(value_at)) {
            std::string key = narrow(str + 6, 64);
            std::string value = v_.u16(str + 2) == 0 ? std::string() : narrow(value_at, 256);
            b_.set_string(b_.entry(dict, key), value);
            uint32_t item = b_.element(list, version_infos_);
            b_.set_string(item, "key", key);
            b_.set_string(item, "value", value);
            ++version_infos_;
            b_.set_integer(root, "number_of_version_infos", version_infos_);
          }
          str = align4(str, v_.u16(str));
        }
      }
    }
  }

  void parse_imports() {
    const uint32_t root = ValueTreeBuilder::kRoot;
    b_.set_integer(root, "number_of_imports", 0);
    b_.set_integer(root, "number_of_imported_functions", 0);
    auto dir = directory_entry(1);
    if (!dir || v_.u32(*dir) == 0) return;
    int64_t off = rva_to_offset(v_.u32(*dir));
    if (off < 0) return;
    uint32_t details = b_.member(root, "import_details");
    int64_t dlls = 0, functions = 0, thunks_seen = 0;
    for (uint64_t d = static_cast<uint64_t>(off);
         v_.contains(d, 20) && v_.u32(d + 12) != 0 && dlls < kMaxImports; d += 20) {
      // 4.2.3 counts descriptors whose Name does not resolve or names a valid DLL, but lists
      // only DLLs that yield functions.
      int64_t name_off = rva_to_offset(v_.u32(d + 12));
      if (name_off >= 0 && !valid_dll_name(v_, name_off)) continue;
      ++dlls;
      if (name_off < 0) continue;
      ImportedDll dll{std::string(pe_.c_string(name_off)), {}};
      int64_t thunks = rva_to_offset(v_.u32(d));
      if (thunks <= 0) thunks = rva_to_offset(v_.u32(d + 16));
      if (thunks < 0) continue;
      unsigned width = pe64_ ? 8 : 4;
      uint64_t ordinal_flag = pe64_ ? 0x8000000000000000ull : 0x80000000ull;
      int64_t attempted = 0;
      for (uint64_t t = static_cast<uint64_t>(thunks);
           v_.contains(t, width) && v_.read(t, width) != 0 &&
           (pe64_ ? attempted : functions) < kMaxImports;
           t += width) {
        ++attempted;
        ++thunks_seen;
        uint64_t thunk = v_.read(t, width);
        ImportedFunction fn;
        if (!(thunk & ordinal_flag)) {
          int64_t by_name = rva_to_offset(thunk);
          if (by_name < 0 || !v_.contains(by_name, 4)) continue;
          fn.name = pe_.c_string(by_name + 2, 512);
        } else {
          fn.ordinal = static_cast<uint16_t>(thunk & 0xffff);
          fn.name = ordinal_name(dll.name, fn.ordinal);
          fn.has_ordinal = true;
        }
        dll.functions.push_back(std::move(fn));
        ++functions;
      }
      if (dll.functions.empty()) continue;
      data_.imports.push_back(std::move(dll));
    }
    // 4.2.3 numbers functions across all DLLs, not per DLL (its dump shows the holes), and
    // number_of_functions is that running total, not the DLL's own count.
    int64_t index = 0;
    for (size_t i = 0; i < data_.imports.size(); ++i) {
      const ImportedDll& dll = data_.imports[i];
      uint32_t element = b_.element(details, i);
      uint32_t list = b_.member(element, "functions");
      for (const ImportedFunction& fn : dll.functions) {
        uint32_t f = b_.element(list, static_cast<size_t>(index++));
        b_.set_string(f, "name", fn.name);
        if (fn.has_ordinal) b_.set_integer(f, "ordinal", fn.ordinal);
      }
      b_.set_string(element, "library_name", dll.name);
      b_.set_integer(element, "number_of_functions", index);
    }
    b_.set_integer(root, "number_of_imports", dlls);
    // The total counts every non-zero thunk, listed or not (4.2.3).
    b_.set_integer(root, "number_of_imported_functions", thunks_seen);
  }

  void parse_debug_directory() {
    auto dir = directory_entry(6);
    if (!dir) return;
    uint32_t size = v_.u32(*dir + 4), va = v_.u32(*dir);
    if (size == 0 || size % 28 != 0 || va == 0) return;
    int64_t off = rva_to_offset(va);
    if (off < 0) return;
    for (uint32_t i = 0; i < size / 28; ++i) {
      uint64_t dd = static_cast<uint64_t>(off) + 28ull * i;
      if (!v_.contains(dd, 28)) break;
      if (v_.u32(dd + 12) != 2) continue;
      int64_t cv = 0;
      if (v_.u32(dd + 20) != 0) cv = rva_to_offset(v_.u32(dd + 20));
      if (cv <= 0 && v_.u32(dd + 24) != 0) cv = v_.u32(dd + 24);
      if (cv <= 0 || !v_.contains(cv, 8)) continue;
      uint32_t sig = v_.u32(cv);
      int64_t name_at = -1;
      if (sig == 0x3031424e && v_.contains(cv, 20)) name_at = cv + 16;        // NB10
      else if (sig == 0x53445352 && v_.contains(cv, 28)) name_at = cv + 24;   // RSDS
      else if (sig == 0x434f544d && v_.contains(cv, 24)) name_at = cv + 20;   // MTOC
      if (name_at < 0) continue;
      const char* p = reinterpret_cast<const char*>(v_.data() + name_at);
      size_t len = strnlen(p, std::min<size_t>(available(name_at), 260));
      if (len > 0 && len < 260) {
        b_.set_string(ValueTreeBuilder::kRoot, "pdb_path", std::string_view(p, len));
        break;
      }
    }
  }

  void parse_data_directories() {
    uint64_t dir = opt_ + (pe64_ ? 112 : 96);
    // 4.2.3 takes min(NumberOfRvaAndSizes, 16) as a signed int: a huge count means none.
    int32_t count = std::min<int32_t>(static_cast<int32_t>(v_.u32(opt_ + (pe64_ ? 108 : 92))), 16);
    uint32_t array = b_.member(ValueTreeBuilder::kRoot, "data_directories");
    for (int32_t i = 0; i < count; ++i, dir += 8) {
      if (!v_.contains(dir, 8)) break;
      uint32_t e = b_.element(array, i);
      b_.set_integer(e, "virtual_address", v_.u32(dir));
      b_.set_integer(e, "size", v_.u32(dir + 4));
    }
  }

  void parse_sections() {
    uint32_t array = b_.member(ValueTreeBuilder::kRoot, "sections");
    uint64_t best_off = 0, best_size = 0;
    uint64_t s = first_section();
    // COFF string table: long section names are "/<decimal offset>" into it.
    uint64_t strings = static_cast<uint64_t>(v_.u32(nt_ + 12)) + 18ull * v_.u32(nt_ + 16);
    for (uint32_t i = 0; i < section_count(); ++i, s += 40) {
      if (!v_.contains(s, 40)) break;
      const char* raw = reinterpret_cast<const char*>(v_.data() + s);
      // 4.2.3 keeps all 8 bytes minus trailing NULs (inner NULs stay).
      size_t name_len = 8;
      while (name_len > 0 && raw[name_len - 1] == '\0') --name_len;
      std::string_view name(raw, name_len);
      uint32_t e = b_.element(array, i);
      b_.set_string(e, "name", name);
      if (auto full = full_name(name, strings)) b_.set_string(e, "full_name", *full);
      b_.set_integer(e, "characteristics", v_.u32(s + 36));
      b_.set_integer(e, "raw_data_size", v_.u32(s + 16));
      b_.set_integer(e, "raw_data_offset", v_.u32(s + 20));
      b_.set_integer(e, "virtual_address", v_.u32(s + 12));
      b_.set_integer(e, "virtual_size", v_.u32(s + 8));
      b_.set_integer(e, "pointer_to_relocations", v_.u32(s + 24));
      b_.set_integer(e, "pointer_to_line_numbers", v_.u32(s + 28));
      b_.set_integer(e, "number_of_relocations", v_.u16(s + 32));
      b_.set_integer(e, "number_of_line_numbers", v_.u16(s + 34));
      uint64_t end = static_cast<uint64_t>(v_.u32(s + 20)) + v_.u32(s + 16);
      if (end > best_off + best_size) {
        best_off = v_.u32(s + 20);
        best_size = v_.u32(s + 16);
      }
    }
    uint64_t last = best_off + best_size;
    uint32_t overlay = b_.member(ValueTreeBuilder::kRoot, "overlay");
    // 4.2.3: offset and size are 0 unless data follows the last section.
    bool has_overlay = last && v_.size() > last;
    b_.set_integer(overlay, "offset", has_overlay ? static_cast<int64_t>(last) : 0);
    b_.set_integer(overlay, "size", has_overlay ? static_cast<int64_t>(v_.size() - last) : 0);
  }

  // yara's long-name lookup: "/<digits>" indexes the COFF string table (digits stop at the
  // first non-digit, none means index 0); the string must end inside the file and be printable,
  // otherwise full_name is undefined. Without a symbol table the short name is used.
  std::optional<std::string_view> full_name(std::string_view name, uint64_t strings) const {
    if (v_.u32(nt_ + 12) == 0 || name.empty() || name[0] != '/') return name;
    uint64_t index = 0;
    for (size_t i = 1; i < 8 && i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i)
      index = index * 10 + static_cast<uint64_t>(name[i] - '0');
    uint64_t at = strings + index;
    for (uint64_t len = 0; at < v_.size() && len < v_.size() - at; ++len) {
      unsigned char c = v_.data()[at + len];
      if (c == 0) return std::string_view(reinterpret_cast<const char*>(v_.data() + at), len);
      if (c < 0x20 || c > 0x7e) return std::nullopt;
    }
    return std::nullopt;
  }


  void parse_rich_signature() {
    uint32_t nt = v_.u32(60);
    if (nt > v_.size() + 4 || nt < 4) return;
    // Search backwards from the NT header for "Rich", then for the XOR-ed "DanS".
    int64_t p = static_cast<int64_t>(nt) - 4;
    uint32_t key = 0;
    int64_t rich = -1;
    for (; p >= 64; p -= 4) {
      if (v_.contains(static_cast<uint64_t>(p), 8) && v_.u32(p) == 0x68636952) {
        key = v_.u32(p + 4);
        rich = p;
        p -= 4;
        break;
      }
    }
    if (key == 0) return;
    int64_t start = -1;
    for (; p >= 64; p -= 4) {
      if ((v_.u32(p) ^ key) == 0x536e6144) {
        start = p;
        break;
      }
    }
    if (start < 0 || !v_.contains(start, 16)) return;
    uint32_t k1 = v_.u32(start + 4), k2 = v_.u32(start + 8), k3 = v_.u32(start + 12);
    if (k1 != k2 || k2 != k3 || (v_.u32(start) ^ k1) != 0x536e6144) return;
    uint64_t len = static_cast<uint64_t>(rich - start);
    std::string raw(reinterpret_cast<const char*>(v_.data() + start), len);
    std::string clear = raw;
    for (size_t i = 0; i + 4 <= clear.size(); i += 4)
      for (int b = 0; b < 4; ++b) clear[i + b] = static_cast<char>(clear[i + b] ^ ((k1 >> (8 * b)) & 0xff));
    uint32_t rs = b_.member(ValueTreeBuilder::kRoot, "rich_signature");
    b_.set_integer(rs, "offset", start);
    b_.set_integer(rs, "length", static_cast<int64_t>(len));
    b_.set_integer(rs, "key", k1);
    b_.set_string(rs, "raw_data", raw);
    b_.set_string(rs, "clear_data", clear);
  }

  ValueTreeBuilder& b_;
  const ByteView& v_;
  const PeImage& pe_;
  PeData& data_;
  const uint64_t nt_, opt_;
  const bool pe64_;
  int64_t resources_ = 0;
  int64_t version_infos_ = 0;
};

}  // namespace

}  // namespace pe_detail

const Schema& pe_schema() {
  static const Schema schema = pe_detail::make_schema();
  return schema;
}

bool pe_inert(std::span<const uint8_t> data) {
  return !pe_detail::nt_header(ByteView(data, false));
}

void pe_load(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  using namespace pe_detail;
  for (const Constant& c : kConstants) b.set_integer(ValueTreeBuilder::kRoot, c.name, c.value);
  b.set_integer(ValueTreeBuilder::kRoot, "IMPORT_DELAYED", 2);
  b.set_integer(ValueTreeBuilder::kRoot, "IMPORT_STANDARD", 1);
  b.set_integer(ValueTreeBuilder::kRoot, "IMPORT_ANY", -1);
  ByteView view(data, false);
  auto nt = nt_header(view);
  if (!nt) {
    b.set_integer(ValueTreeBuilder::kRoot, "is_pe", 0);
    return;
  }
  PeImage pe{view, *nt, view.u16(*nt + 24) == kPe64Magic};
  auto state = std::make_shared<PeData>();
  state->nt = *nt;
  PeParser(b, pe, *state).parse();
  b.set_module_data(std::move(state));
}

}  // namespace yarrow::modules
