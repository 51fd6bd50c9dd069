// The dotnet module (.NET assemblies inside PE files): yara 4.2.3's fields.
//
// Order and early exits follow 4.2.3 because they decide what stays undefined: the CLI
// header and metadata root must pass the is_dotnet checks; stream headers stop at the first
// one that does not fit; the #~ tables are walked in Valid-bit order, each table's size
// derived from row counts and heap/coded-index widths, and the walk ends at the first row
// count that does not fit, a count above 15000, or a table kind yara does not know. A few
// 4.2.3 quirks are kept on purpose (marked "yara:" below). PE header acceptance and
// rva_to_offset are the pe module's (pe_internal.h). Every read is bounds-checked.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "modules/byte_view.h"
#include "modules/modules_internal.h"
#include "modules/pe_internal.h"

namespace yarrow::modules {
namespace {

using pe_detail::PeImage;

constexpr uint32_t kMetadataMagic = 0x424a5342;  // "BSJB"
constexpr uint32_t kMaxRows = 10000;  // 4.2.3's cap (later versions: 15000)
constexpr int kComDescriptor = 14;

enum Bit : int {
  kModule = 0x00, kTypeRef = 0x01, kTypeDef = 0x02, kFieldPtr = 0x03, kField = 0x04,
  kMethodDefPtr = 0x05, kMethodDef = 0x06, kParam = 0x08, kInterfaceImpl = 0x09,
  kMemberRef = 0x0A, kConstant = 0x0B, kCustomAttribute = 0x0C, kFieldMarshal = 0x0D,
  kDeclSecurity = 0x0E, kClassLayout = 0x0F, kFieldLayout = 0x10, kStandAloneSig = 0x11,
  kEventMap = 0x12, kEventPtr = 0x13, kEvent = 0x14, kPropertyMap = 0x15, kPropertyPtr = 0x16,
  kProperty = 0x17, kMethodSemantics = 0x18, kMethodImpl = 0x19, kModuleRef = 0x1A,
  kTypeSpec = 0x1B, kImplMap = 0x1C, kFieldRva = 0x1D, kEncLog = 0x1E, kEncMap = 0x1F,
  kAssembly = 0x20, kAssemblyProcessor = 0x21, kAssemblyOs = 0x22, kAssemblyRef = 0x23,
  kAssemblyRefProcessor = 0x24, kAssemblyRefOs = 0x25, kFile = 0x26, kExportedType = 0x27,
  kManifestResource = 0x28, kNestedClass = 0x29, kGenericParam = 0x2A, kMethodSpec = 0x2B,
  kGenericParamConstraint = 0x2C,
};

void declare_version(SchemaBuilder& b) {
  b.begin_struct("version")
      .integer("major")
      .integer("minor")
      .integer("build_number")
      .integer("revision_number")
      .end();
}

Schema make_schema() {
  SchemaBuilder b("dotnet");
  b.integer("is_dotnet").string("version").string("module_name");
  b.begin_struct_array("streams").string("name").integer("offset").integer("size").end();
  b.integer("number_of_streams");
  b.string_array("guids").integer("number_of_guids");
  b.begin_struct_array("resources").integer("offset").integer("length").string("name").end();
  b.integer("number_of_resources");
  b.begin_struct_array("assembly_refs");
  declare_version(b);
  b.string("public_key_or_token").string("name").end();
  b.integer("number_of_assembly_refs");
  b.begin_struct("assembly");
  declare_version(b);
  b.string("name").string("culture").end();
  b.string_array("modulerefs").integer("number_of_modulerefs");
  b.string_array("user_strings").integer("number_of_user_strings");
  b.string("typelib");
  b.string_array("constants").integer("number_of_constants");
  b.integer_array("field_offsets").integer("number_of_field_offsets");
  return b.build();
}

// Row counts of the tables other tables index into (0 when absent).
struct Rows {
  uint32_t module = 0, moduleref = 0, assemblyref = 0, assemblyrefprocessor = 0, typeref = 0,
           methoddef = 0, memberref = 0, typedef_ = 0, typespec = 0, field = 0, param = 0,
           property = 0, interfaceimpl = 0, event = 0, standalonesig = 0, assembly = 0,
           file = 0, exportedtype = 0, manifestresource = 0, genericparam = 0,
           genericparamconstraint = 0, methodspec = 0;
};

// Byte widths of table and heap indices (2 or 4).
struct IndexSizes {
  unsigned string = 2, guid = 2, blob = 2, field = 2, methoddef = 2, memberref = 2, param = 2,
           event = 2, typedef_ = 2, property = 2, moduleref = 2, assemblyrefprocessor = 2,
           assemblyref = 2, genericparam = 2;
};

struct Stream {
  uint32_t offset = 0, size = 0;
};

struct Blob {
  uint32_t size = 0;    // bytes of the length prefix; 0 = invalid
  uint32_t length = 0;  // payload length
};

unsigned wide_if(uint32_t rows, unsigned shift) { return rows > (0xFFFFu >> shift) ? 4 : 2; }

class DotnetParser {
 public:
  DotnetParser(ValueTreeBuilder& b, const ByteView& v, const PeImage& pe) : b_(b), v_(v), pe_(pe) {}

  void parse() {
    const uint32_t root = ValueTreeBuilder::kRoot;
    if (!is_dotnet()) {
      b_.set_integer(root, "is_dotnet", 0);
      return;
    }
    b_.set_integer(root, "is_dotnet", 1);
    uint64_t dir = *pe_.directory_entry(kComDescriptor);
    cli_ = static_cast<uint64_t>(pe_.rva_to_offset(v_.u32(dir)));
    root_ = pe_.rva_to_offset(v_.u32(cli_ + 8));
    uint64_t md = static_cast<uint64_t>(root_);
    uint32_t md_len = v_.u32(md + 12);
    const char* version = reinterpret_cast<const char*>(v_.data() + md + 16);
    if (const void* end = std::memchr(version, 0, md_len))
      b_.set_string(root, "version",
                    std::string_view(version, static_cast<const char*>(end) - version));
    uint64_t at = md + 16 + md_len + 2;
    if (!fits(at, 2)) return;
    // yara: the stream count is read as a single byte.
    unsigned count = v_.u8(at);
    parse_stream_headers(at + 2, count);
    if (guid_) parse_guids();
    if (tilde_ && strings_ && blob_) parse_tilde();
    if (us_) parse_user_strings();
  }

 private:
  bool fits(int64_t at, uint64_t size) const {
    return at >= 0 && size <= v_.size() && static_cast<uint64_t>(at) <= v_.size() - size;
  }

  bool is_dotnet() const {
    auto dir = pe_.directory_entry(kComDescriptor);
    if (!dir) return false;
    int64_t cli = pe_.rva_to_offset(v_.u32(*dir));
    if (cli < 0 || !fits(cli, 72)) return false;
    if (v_.u32(cli) != 72) return false;
    int64_t md = pe_.rva_to_offset(v_.u32(cli + 8));
    if (!fits(md, 16)) return false;
    if (v_.u32(md) != kMetadataMagic) return false;
    uint32_t md_len = v_.u32(md + 12);
    if (md_len == 0 || md_len > 255 || md_len % 4 != 0 || !fits(md + 16, md_len)) return false;
    if (pe_.pe64) {
      if (v_.u32(pe_.opt() + 108) < kComDescriptor) return false;
    } else if (!(v_.u16(pe_.nt + 22) & 0x2000)) {
      // 4.2.3: a 32-bit EXE must start at a "jmp [_CorExeMain]" stub (FF 25); DLLs and
      // 64-bit images are not checked (later versions dropped this test).
      int64_t entry = pe_.rva_to_offset(v_.u32(pe_.opt() + 16));
      if (entry < 0 || !fits(entry, 2)) return false;
      if (v_.u8(static_cast<uint64_t>(entry)) != 0xFF || v_.u8(static_cast<uint64_t>(entry) + 1) != 0x25)
        return false;
    }
    return true;
  }

  void parse_stream_headers(uint64_t at, unsigned count) {
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "streams");
    unsigned i = 0;
    for (; i < count; ++i) {
      if (!fits(at, 8) || !fits(at + 8, 32)) break;
      const char* name = reinterpret_cast<const char*>(v_.data() + at + 8);
      size_t len = strnlen(name, 32);
      if (len == 32) break;
      std::string_view n(name, len);
      Stream s{v_.u32(at), v_.u32(at + 4)};
      uint32_t e = b_.element(list, i);
      b_.set_string(e, "name", n);
      b_.set_integer(e, "offset", root_ + s.offset);
      b_.set_integer(e, "size", s.size);
      if ((n.starts_with("#~") || n.starts_with("#-")) && !tilde_) tilde_ = s;
      else if (n.starts_with("#GUID")) guid_ = s;
      else if (n.starts_with("#Strings") && !strings_) strings_ = s;
      else if (n.starts_with("#Blob") && !blob_) blob_ = s;
      else if (n.starts_with("#US") && !us_) us_ = s;
      at += 8 + len + 4 - len % 4;
    }
    b_.set_integer(ValueTreeBuilder::kRoot, "number_of_streams", i);
  }

  void parse_guids() {
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "guids");
    int64_t at = root_ + guid_->offset;
    uint32_t size = std::min<uint32_t>(guid_->size, 256);
    int64_t i = 0;
    while (size >= 16 && fits(at, 16)) {
      uint64_t p = static_cast<uint64_t>(at);
      char text[40];
      std::snprintf(text, sizeof text, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                    v_.u32(p), v_.u16(p + 4), v_.u16(p + 6), v_.u8(p + 8), v_.u8(p + 9),
                    v_.u8(p + 10), v_.u8(p + 11), v_.u8(p + 12), v_.u8(p + 13), v_.u8(p + 14),
                    v_.u8(p + 15));
      b_.set_string(b_.element(list, static_cast<size_t>(i)), text);
      ++i;
      size -= 16;
      at += 16;
    }
    b_.set_integer(ValueTreeBuilder::kRoot, "number_of_guids", i);
  }

  // ECMA-335 II.24.2.4 length prefix, with yara's checks.
  Blob blob_entry(int64_t at) const {
    Blob r;
    if (!fits(at, 1)) return r;
    uint64_t p = static_cast<uint64_t>(at);
    uint8_t b0 = v_.u8(p);
    if ((b0 & 0x80) == 0) {
      r.length = b0;
      r.size = 1;
    } else if ((b0 & 0xC0) == 0x80) {
      if (!fits(at, 2)) return r;
      r.length = ((b0 & 0x3Fu) << 8) | v_.u8(p + 1);
      r.size = 2;
    } else if (p + 4 < v_.size() && (b0 & 0xE0) == 0xC0) {
      if (!fits(at, 4)) return r;
      r.length = ((b0 & 0x1Fu) << 24) | (uint32_t{v_.u8(p + 1)} << 16) |
                 (uint32_t{v_.u8(p + 2)} << 8) | v_.u8(p + 3);
      r.size = 4;
    } else {
      return r;
    }
    // 4.2.3 does not check that the payload fits (each caller does), and drops the #US
    // terminal byte here, for every blob: constants and public key tokens come out one byte
    // short too.
    if (r.length > 0) --r.length;
    return r;
  }

  void parse_user_strings() {
    uint32_t size = us_->size;
    int64_t at = root_ + us_->offset;
    int64_t end = at + size;
    if (size == 0 || !fits(at, size)) return;
    if (v_.u8(static_cast<uint64_t>(at)) != 0) return;
    ++at;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, "user_strings");
    int64_t i = 0;
    while (at < end) {
      Blob blob = blob_entry(at);
      if (blob.size == 0) break;
      at += blob.size;
      // The terminal byte was dropped from the length but is not skipped: it is read as the
      // next entry's length (0x00 or 0x01: an empty entry), as in yara.
      uint32_t length = blob.length;
      if (length > 0 && fits(at, length)) {
        b_.set_string(b_.element(list, static_cast<size_t>(i)),
                      std::string_view(reinterpret_cast<const char*>(v_.data()) + at, length));
        at += length;
        ++i;
      }
    }
    b_.set_integer(ValueTreeBuilder::kRoot, "number_of_user_strings", i);
  }

  // A #Strings entry: NUL-terminated within the data and at most 1024 bytes. 4.2.3 does not
  // bound the index by the heap's size, only by the data.
  std::optional<std::string_view> heap_string(uint32_t index) const {
    int64_t at = string_heap_ + index;
    if (at < 0 || static_cast<uint64_t>(at) >= v_.size()) return std::nullopt;
    const char* s = reinterpret_cast<const char*>(v_.data() + at);
    size_t remaining = v_.size() - static_cast<uint64_t>(at);
    const void* eos = std::memchr(s, 0, remaining);
    if (!eos || static_cast<const char*>(eos) - s > 1024) return std::nullopt;
    return std::string_view(s, static_cast<const char*>(eos) - s);
  }

  uint32_t index_at(uint64_t at, unsigned width) const { return width == 4 ? v_.u32(at) : v_.u16(at); }

  void parse_tilde() {
    int64_t header = root_ + tilde_->offset;
    if (!fits(header, 24)) return;
    uint64_t h = static_cast<uint64_t>(header);
    uint8_t heap_sizes = v_.u8(h + 6);
    uint64_t valid = v_.u64(h + 8);
    IndexSizes ix;
    if (heap_sizes & 0x01) ix.string = 4;
    if (heap_sizes & 0x02) ix.guid = 4;
    if (heap_sizes & 0x04) ix.blob = 4;
    Rows rows;
    const uint64_t row_counts = h + 24;
    unsigned matched = 0;
    for (int bit = 0; bit < 64; ++bit) {
      if (!((valid >> bit) & 1)) continue;
      uint32_t n = 0;
      bool have = fits(static_cast<int64_t>(row_counts), (uint64_t{matched} + 1) * 4);
      if (have) n = v_.u32(row_counts + 4 * uint64_t{matched});
      auto with_index = [&](uint32_t& count, unsigned* width) {
        if (have) count = n;
        if (width && count > 0xFFFF) *width = 4;
      };
      switch (bit) {
        case kModule: with_index(rows.module, nullptr); break;
        case kModuleRef: with_index(rows.moduleref, &ix.moduleref); break;
        case kAssemblyRef: with_index(rows.assemblyref, &ix.assemblyref); break;
        case kAssemblyRefProcessor:
          with_index(rows.assemblyrefprocessor, &ix.assemblyrefprocessor);
          break;
        case kTypeRef: with_index(rows.typeref, nullptr); break;
        case kMethodDef: with_index(rows.methoddef, &ix.methoddef); break;
        case kMemberRef: with_index(rows.memberref, &ix.memberref); break;
        case kTypeDef: with_index(rows.typedef_, &ix.typedef_); break;
        case kTypeSpec: with_index(rows.typespec, nullptr); break;
        case kField: with_index(rows.field, &ix.field); break;
        case kParam: with_index(rows.param, &ix.param); break;
        case kProperty: with_index(rows.property, &ix.property); break;
        case kInterfaceImpl: with_index(rows.interfaceimpl, nullptr); break;
        case kEvent: with_index(rows.event, &ix.event); break;
        case kStandAloneSig: with_index(rows.standalonesig, nullptr); break;
        case kAssembly: with_index(rows.assembly, nullptr); break;
        case kFile: with_index(rows.file, nullptr); break;
        case kExportedType: with_index(rows.exportedtype, nullptr); break;
        case kManifestResource: with_index(rows.manifestresource, nullptr); break;
        case kGenericParam: with_index(rows.genericparam, &ix.genericparam); break;
        case kGenericParamConstraint: with_index(rows.genericparamconstraint, nullptr); break;
        case kMethodSpec: with_index(rows.methodspec, nullptr); break;
        default: break;
      }
      ++matched;
    }
    int64_t resource_base = pe_.rva_to_offset(v_.u32(cli_ + 24));
    parse_tables(h, valid, rows, ix, resource_base);
  }

  void parse_tables(uint64_t h, uint64_t valid, const Rows& rows,
                    const IndexSizes& ix, int64_t resource_base);

  struct AttributeTables {
    uint64_t typeref = 0, typeref_row = 0, memberref = 0, memberref_row = 0;
  };

  // typelib: the GuidAttribute custom attribute on the assembly (Parent tag 0x0E, Type a
  // MemberRef whose class is a TypeRef named GuidAttribute...).
  void custom_attributes(uint64_t table, uint32_t n, uint64_t row, unsigned parent, unsigned type,
                         const Rows& rows, const IndexSizes& ix, int64_t blob_heap,
                         const AttributeTables& t) {
    const unsigned scope = wide_if(std::max({rows.module, rows.moduleref, rows.assemblyref, rows.typeref}), 2);
    uint64_t p = table;
    for (uint32_t i = 0; i < n; ++i, p += row) {
      if (!fits(static_cast<int64_t>(p), row)) break;
      if ((index_at(p, parent) & 0x1F) != 0x0E) continue;
      uint32_t type_value = index_at(p + parent, type);
      if ((type_value & 0x07) != 0x03) continue;
      uint32_t type_index = type_value >> 3;
      if (type_index > 0) --type_index;
      uint64_t member = t.memberref + t.memberref_row * type_index;
      if (!fits(static_cast<int64_t>(member), t.memberref_row)) break;
      // yara: the MemberRef class column is read with the MemberRef table's own index width.
      uint32_t class_value = index_at(member, ix.memberref);
      if ((class_value & 0x07) != 0x01) continue;
      uint32_t class_index = class_value >> 3;
      if (class_index > 0) --class_index;
      uint64_t typeref = t.typeref + t.typeref_row * class_index;
      if (!fits(static_cast<int64_t>(typeref), t.typeref_row)) break;
      auto name = heap_string(index_at(typeref + scope, ix.string));
      // yara: an unreadable name does not disqualify the row.
      if (name && !name->starts_with("GuidAttribute")) continue;
      uint32_t blob_index = index_at(p + parent + type, ix.blob);
      int64_t at = blob_heap + blob_index;
      if (blob_index == 0 || at >= static_cast<int64_t>(v_.size())) continue;
      Blob blob = blob_entry(at);
      if (blob.size == 0) continue;
      at += blob.size;
      if (blob.length < 3 || at + int64_t{blob.length} >= static_cast<int64_t>(v_.size())) continue;
      if (v_.u16(static_cast<uint64_t>(at)) != 0x0001) continue;
      at += 2;
      uint8_t length = v_.u8(static_cast<uint64_t>(at));
      at += 1;
      if (at + length > static_cast<int64_t>(v_.size())) continue;
      uint8_t first = v_.u8(static_cast<uint64_t>(at));
      std::string_view typelib;
      if (first != 0xFF && first != 0x00) {
        const char* s = reinterpret_cast<const char*>(v_.data()) + at;
        typelib = std::string_view(s, strnlen(s, length));
      }
      b_.set_string(ValueTreeBuilder::kRoot, "typelib", typelib);
    }
  }

  ValueTreeBuilder& b_;
  const ByteView& v_;
  const PeImage& pe_;
  uint64_t cli_ = 0;
  int64_t root_ = 0;
  std::optional<Stream> tilde_, guid_, strings_, blob_, us_;
  int64_t string_heap_ = 0;
};

void DotnetParser::parse_tables(uint64_t h, uint64_t valid, const Rows& rows, const IndexSizes& ix, int64_t resource_base) {
  const uint32_t root = ValueTreeBuilder::kRoot;
  const uint64_t row_counts = h + 24;
  uint64_t table = row_counts + 4 * static_cast<uint64_t>(__builtin_popcountll(valid));
  // (4.2.3 knows nothing of the HeapSizes 0x40 "extra data" flag later versions skip.)
  string_heap_ = root_ + strings_->offset;
  const int64_t blob_heap = root_ + blob_->offset;

  std::optional<uint64_t> typeref_table, memberref_table;
  uint64_t typeref_row = 0, memberref_row = 0;
  unsigned matched = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (!((valid >> bit) & 1)) continue;
    uint64_t count_at = row_counts + 4 * uint64_t{matched};
    if (!fits(static_cast<int64_t>(count_at), 4)) return;
    const uint32_t n = v_.u32(count_at);
    if (n > kMaxRows) return;
    unsigned w;  // coded index width of the table's variable column
    uint64_t row = 0;
    switch (bit) {
      case kModule:
        // yara: a Module table that does not fit leaves the table cursor where it is.
        if (!fits(static_cast<int64_t>(table), 18)) break;
        if (auto name = heap_string(index_at(table + 2, ix.string)))
          b_.set_string(root, "module_name", *name);
        table += uint64_t{2 + ix.string + ix.guid * 3} * n;
        break;
      case kTypeRef:
        w = wide_if(std::max({rows.module, rows.moduleref, rows.assemblyref, rows.typeref}), 2);
        typeref_row = w + ix.string * 2;
        typeref_table = table;
        table += typeref_row * n;
        break;
      case kTypeDef:
        w = wide_if(std::max({rows.typedef_, rows.typeref, rows.typespec}), 2);
        table += uint64_t{4 + ix.string * 2 + w + ix.field + ix.methoddef} * n;
        break;
      case kFieldPtr: table += uint64_t{ix.field} * n; break;
      case kField: table += uint64_t{2 + ix.string + ix.blob} * n; break;
      case kMethodDefPtr: table += uint64_t{ix.methoddef} * n; break;
      case kMethodDef:
        table += uint64_t{4 + 2 + 2 + ix.string + ix.blob + ix.param} * n;
        break;
      case kParam: table += uint64_t{2 + 2 + ix.string} * n; break;
      case kInterfaceImpl:
        w = wide_if(std::max({rows.typedef_, rows.typeref, rows.typespec}), 2);
        table += uint64_t{ix.typedef_ + w} * n;
        break;
      case kMemberRef:
        w = wide_if(std::max({rows.methoddef, rows.moduleref, rows.typeref, rows.typespec}), 3);
        memberref_row = w + ix.string + ix.blob;
        memberref_table = table;
        table += memberref_row * n;
        break;
      case kConstant: {
        w = wide_if(std::max({rows.param, rows.field, rows.property}), 2);
        row = 1 + 1 + w + ix.blob;
        uint32_t list = b_.member(root, "constants");
        int64_t counter = 0;
        uint64_t p = table;
        for (uint32_t i = 0; i < n; ++i, p += row) {
          if (!fits(static_cast<int64_t>(p), row)) break;
          // yara compares the type byte together with its padding byte.
          if (v_.u16(p) != 0x0E) continue;
          int64_t at = blob_heap + index_at(p + 2 + w, ix.blob);
          Blob blob = blob_entry(at);
          if (blob.size == 0) continue;
          at += blob.size;
          if (at + int64_t{blob.length} >= static_cast<int64_t>(v_.size())) continue;
          b_.set_string(b_.element(list, static_cast<size_t>(counter)),
                        std::string_view(reinterpret_cast<const char*>(v_.data()) + at, blob.length));
          ++counter;
        }
        b_.set_integer(root, "number_of_constants", counter);
        table += row * n;
        break;
      }
      case kCustomAttribute: {
        unsigned parent = wide_if(
            std::max({rows.methoddef, rows.field, rows.typeref, rows.typedef_, rows.param,
                      rows.interfaceimpl, rows.memberref, rows.module, rows.property, rows.event,
                      rows.standalonesig, rows.moduleref, rows.typespec, rows.assembly,
                      rows.assemblyref, rows.file, rows.exportedtype, rows.manifestresource,
                      rows.genericparam, rows.genericparamconstraint, rows.methodspec}),
            5);
        unsigned type = wide_if(std::max(rows.methoddef, rows.memberref), 3);
        row = parent + type + ix.blob;
        if (typeref_table && memberref_table)
          custom_attributes(table, n, row, parent, type, rows, ix, blob_heap,
                            {*typeref_table, typeref_row, *memberref_table, memberref_row});
        table += row * n;
        break;
      }
      case kFieldMarshal:
        w = wide_if(std::max(rows.field, rows.param), 1);
        table += uint64_t{w + ix.blob} * n;
        break;
      case kDeclSecurity:
        w = wide_if(std::max({rows.typedef_, rows.methoddef, rows.assembly}), 2);
        table += uint64_t{2 + w + ix.blob} * n;
        break;
      case kClassLayout: table += uint64_t{2 + 4 + ix.typedef_} * n; break;
      case kFieldLayout: table += uint64_t{4 + ix.field} * n; break;
      case kStandAloneSig: table += uint64_t{ix.blob} * n; break;
      case kEventMap: table += uint64_t{ix.typedef_ + ix.event} * n; break;
      case kEventPtr: table += uint64_t{ix.event} * n; break;
      case kEvent:
        w = wide_if(std::max({rows.typedef_, rows.typeref, rows.typespec}), 2);
        table += uint64_t{2 + ix.string + w} * n;
        break;
      case kPropertyMap: table += uint64_t{ix.typedef_ + ix.property} * n; break;
      case kPropertyPtr: table += uint64_t{ix.property} * n; break;
      case kProperty: table += uint64_t{2 + ix.string + ix.blob} * n; break;
      case kMethodSemantics:
        w = wide_if(std::max(rows.event, rows.property), 1);
        table += uint64_t{2 + ix.methoddef + w} * n;
        break;
      case kMethodImpl:
        w = wide_if(std::max(rows.methoddef, rows.memberref), 1);
        table += uint64_t{ix.typedef_ + w * 2} * n;
        break;
      case kModuleRef: {
        uint32_t list = b_.member(root, "modulerefs");
        int64_t counter = 0;
        uint64_t p = table;
        for (uint32_t i = 0; i < n; ++i, p += ix.string) {
          // yara: each row is checked as if its name index were 4 bytes wide.
          if (!fits(static_cast<int64_t>(p), 4)) break;
          if (auto name = heap_string(index_at(p, ix.string))) {
            b_.set_string(b_.element(list, static_cast<size_t>(counter)), *name);
            ++counter;
          }
        }
        b_.set_integer(root, "number_of_modulerefs", counter);
        table += uint64_t{ix.string} * n;
        break;
      }
      case kTypeSpec: table += uint64_t{ix.blob} * n; break;
      case kImplMap:
        w = wide_if(std::max(rows.field, rows.methoddef), 1);
        table += uint64_t{2 + w + ix.string + ix.moduleref} * n;
        break;
      case kFieldRva: {
        row = 4 + ix.field;
        uint32_t list = b_.member(root, "field_offsets");
        int64_t counter = 0;
        uint64_t p = table;
        for (uint32_t i = 0; i < n; ++i, p += row) {
          if (!fits(static_cast<int64_t>(p), 8)) break;  // yara: 4-byte field index assumed
          int64_t off = pe_.rva_to_offset(v_.u32(p));
          if (off >= 0) {
            b_.set_integer(b_.element(list, static_cast<size_t>(counter)), off);
            ++counter;
          }
        }
        b_.set_integer(root, "number_of_field_offsets", counter);
        table += row * n;
        break;
      }
      case kEncLog: table += uint64_t{8} * n; break;
      case kEncMap: table += uint64_t{4} * n; break;
      case kAssembly: {
        row = 4 + 2 + 2 + 2 + 2 + 4 + ix.blob + ix.string * 2;
        if (!fits(static_cast<int64_t>(table), row)) break;  // yara: cursor not advanced
        uint32_t a = b_.member(root, "assembly");
        uint32_t ver = b_.member(a, "version");
        b_.set_integer(ver, "major", v_.u16(table + 4));
        b_.set_integer(ver, "minor", v_.u16(table + 6));
        b_.set_integer(ver, "build_number", v_.u16(table + 8));
        b_.set_integer(ver, "revision_number", v_.u16(table + 10));
        uint64_t name_at = table + 16 + ix.blob;
        if (auto name = heap_string(index_at(name_at, ix.string))) b_.set_string(a, "name", *name);
        auto culture = heap_string(index_at(name_at + ix.string, ix.string));
        if (culture && !culture->empty()) b_.set_string(a, "culture", *culture);
        table += row * n;
        break;
      }
      case kAssemblyProcessor: table += uint64_t{4} * n; break;
      case kAssemblyOs: table += uint64_t{12} * n; break;
      case kAssemblyRef: {
        row = 2 + 2 + 2 + 2 + 4 + ix.blob * 2 + ix.string * 2;
        uint32_t list = b_.member(root, "assembly_refs");
        uint64_t p = table;
        uint32_t i = 0;
        for (; i < n; ++i, p += row) {
          if (!fits(static_cast<int64_t>(p), row)) break;
          uint32_t e = b_.element(list, i);
          uint32_t ver = b_.member(e, "version");
          b_.set_integer(ver, "major", v_.u16(p));
          b_.set_integer(ver, "minor", v_.u16(p + 2));
          b_.set_integer(ver, "build_number", v_.u16(p + 4));
          b_.set_integer(ver, "revision_number", v_.u16(p + 6));
          int64_t at = blob_heap + index_at(p + 12, ix.blob);
          Blob blob = blob_entry(at);
          at += blob.size;
          if (blob.size == 0 || !fits(at, blob.length)) continue;
          if (blob.length > 0)
            b_.set_string(e, "public_key_or_token",
                          std::string_view(reinterpret_cast<const char*>(v_.data()) + at, blob.length));
          if (auto name = heap_string(index_at(p + 12 + ix.blob, ix.string))) b_.set_string(e, "name", *name);
        }
        b_.set_integer(root, "number_of_assembly_refs", i);
        table += row * n;
        break;
      }
      case kAssemblyRefProcessor: table += uint64_t{4 + ix.assemblyrefprocessor} * n; break;
      case kAssemblyRefOs: table += uint64_t{12 + ix.assemblyref} * n; break;
      case kFile: table += uint64_t{4 + ix.string + ix.blob} * n; break;
      case kExportedType:
        w = wide_if(std::max({rows.file, rows.assemblyref, rows.exportedtype}), 2);
        table += uint64_t{4 + 4 + ix.string * 2 + w} * n;
        break;
      case kManifestResource: {
        w = wide_if(std::max(rows.file, rows.assemblyref), 2);
        row = 4 + 4 + ix.string + w;
        uint32_t list = b_.member(root, "resources");
        // 4.2.3 lists only resources stored in this file whose data fits, numbered densely.
        uint64_t p = table;
        int64_t counter = 0;
        for (uint32_t i = 0; i < n; ++i, p += row) {
          if (!fits(static_cast<int64_t>(p), row)) break;
          if (index_at(p + 8 + ix.string, w) != 0) continue;
          int64_t at = resource_base + static_cast<int64_t>(v_.u32(p));
          if (!fits(at, 4)) continue;
          uint32_t size = v_.u32(static_cast<uint64_t>(at));
          if (!fits(at, size)) continue;
          uint32_t e = b_.element(list, static_cast<size_t>(counter));
          b_.set_integer(e, "offset", at + 4);
          b_.set_integer(e, "length", size);
          if (auto name = heap_string(index_at(p + 8, ix.string))) b_.set_string(e, "name", *name);
          ++counter;
        }
        b_.set_integer(root, "number_of_resources", counter);
        table += row * n;
        break;
      }
      case kNestedClass: table += uint64_t{ix.typedef_ * 2} * n; break;
      case kGenericParam:
        w = wide_if(std::max(rows.typedef_, rows.methoddef), 1);
        table += uint64_t{2 + 2 + w + ix.string} * n;
        break;
      case kMethodSpec:
        w = wide_if(std::max(rows.methoddef, rows.memberref), 1);
        table += uint64_t{w + ix.blob} * n;
        break;
      case kGenericParamConstraint:
        w = wide_if(std::max({rows.typedef_, rows.typeref, rows.typespec}), 2);
        table += uint64_t{ix.genericparam + w} * n;
        break;
      default:
        return;  // yara stops at a table it does not know (e.g. ParamPtr)
    }
    ++matched;
  }
}

}  // namespace

const Schema& dotnet_schema() {
  static const Schema schema = make_schema();
  return schema;
}

void dotnet_load(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  ByteView view(data, false);
  auto nt = pe_detail::nt_header(view);
  if (!nt) return;
  PeImage pe{view, *nt, view.u16(*nt + 24) == pe_detail::kPe64Magic};
  DotnetParser(b, view, pe).parse();
}

}  // namespace yarrow::modules
