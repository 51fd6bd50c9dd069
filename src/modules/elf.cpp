// The elf module: yara 4.2.3's fields, same undefined semantics, every read bounds-checked.
#include <cstring>

#include "modules/byte_view.h"
#include "modules/modules_internal.h"

namespace yarrow::modules {
namespace {

struct Layout {
  unsigned word;  // 4 or 8
  uint64_t ehdr, shdr, phdr, sym, dyn;
  // ELF header
  uint64_t e_entry, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
  // section header
  uint64_t s_flags, s_addr, s_offset, s_size, s_link;
  // program header
  uint64_t p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
  // symbol
  uint64_t y_value, y_size, y_info, y_shndx;
};

constexpr Layout kElf32{4, 52, 40, 32, 16, 8, 24, 28, 32, 42, 44, 46, 48, 50,
                        8, 12, 16, 20, 24, 24, 4, 8, 12, 16, 20, 28, 4, 8, 12, 14};
constexpr Layout kElf64{8, 64, 64, 56, 24, 16, 24, 32, 40, 54, 56, 58, 60, 62,
                        8, 16, 24, 32, 40, 4, 8, 16, 24, 32, 40, 48, 8, 16, 4, 6};

constexpr uint32_t kShtSymtab = 2, kShtStrtab = 3, kShtNobits = 8, kShtDynsym = 11;
constexpr uint32_t kPtDynamic = 2;
constexpr uint16_t kEtExec = 2;
constexpr uint32_t kShnLoreserve = 0xff00, kPnXnum = 0xffff;

struct Constant {
  const char* name;
  int64_t value;
};

// In yara's declaration order; the dump reverses it.
constexpr Constant kEt[] = {{"ET_NONE", 0}, {"ET_REL", 1}, {"ET_EXEC", 2}, {"ET_DYN", 3},
                            {"ET_CORE", 4}};
constexpr Constant kEm[] = {{"EM_NONE", 0},  {"EM_M32", 1},     {"EM_SPARC", 2},
                            {"EM_386", 3},   {"EM_68K", 4},     {"EM_88K", 5},
                            {"EM_860", 7},   {"EM_MIPS", 8},    {"EM_MIPS_RS3_LE", 10},
                            {"EM_PPC", 20},  {"EM_PPC64", 21},  {"EM_ARM", 40},
                            {"EM_X86_64", 62}, {"EM_AARCH64", 183}};
constexpr Constant kSht[] = {{"SHT_NULL", 0},    {"SHT_PROGBITS", 1}, {"SHT_SYMTAB", 2},
                             {"SHT_STRTAB", 3},  {"SHT_RELA", 4},     {"SHT_HASH", 5},
                             {"SHT_DYNAMIC", 6}, {"SHT_NOTE", 7},     {"SHT_NOBITS", 8},
                             {"SHT_REL", 9},     {"SHT_SHLIB", 10},   {"SHT_DYNSYM", 11}};
constexpr Constant kShf[] = {{"SHF_WRITE", 1}, {"SHF_ALLOC", 2}, {"SHF_EXECINSTR", 4}};
constexpr Constant kPt[] = {{"PT_NULL", 0},  {"PT_LOAD", 1},  {"PT_DYNAMIC", 2},
                            {"PT_INTERP", 3}, {"PT_NOTE", 4},  {"PT_SHLIB", 5},
                            {"PT_PHDR", 6},  {"PT_TLS", 7},   {"PT_GNU_EH_FRAME", 0x6474e550},
                            {"PT_GNU_STACK", 0x6474e551}};
constexpr Constant kDt[] = {
    {"DT_NULL", 0},          {"DT_NEEDED", 1},        {"DT_PLTRELSZ", 2},
    {"DT_PLTGOT", 3},        {"DT_HASH", 4},          {"DT_STRTAB", 5},
    {"DT_SYMTAB", 6},        {"DT_RELA", 7},          {"DT_RELASZ", 8},
    {"DT_RELAENT", 9},       {"DT_STRSZ", 10},        {"DT_SYMENT", 11},
    {"DT_INIT", 12},         {"DT_FINI", 13},         {"DT_SONAME", 14},
    {"DT_RPATH", 15},        {"DT_SYMBOLIC", 16},     {"DT_REL", 17},
    {"DT_RELSZ", 18},        {"DT_RELENT", 19},       {"DT_PLTREL", 20},
    {"DT_DEBUG", 21},        {"DT_TEXTREL", 22},      {"DT_JMPREL", 23},
    {"DT_BIND_NOW", 24},     {"DT_INIT_ARRAY", 25},   {"DT_FINI_ARRAY", 26},
    {"DT_INIT_ARRAYSZ", 27}, {"DT_FINI_ARRAYSZ", 28}, {"DT_RUNPATH", 29},
    {"DT_FLAGS", 30},        {"DT_ENCODING", 32}};
constexpr Constant kStt[] = {{"STT_NOTYPE", 0},  {"STT_OBJECT", 1}, {"STT_FUNC", 2},
                             {"STT_SECTION", 3}, {"STT_FILE", 4},   {"STT_COMMON", 5},
                             {"STT_TLS", 6}};
constexpr Constant kStb[] = {{"STB_LOCAL", 0}, {"STB_GLOBAL", 1}, {"STB_WEAK", 2}};
constexpr Constant kPf[] = {{"PF_X", 1}, {"PF_W", 2}, {"PF_R", 4}};

template <size_t N>
void declare(SchemaBuilder& b, const Constant (&list)[N]) {
  for (const Constant& c : list) b.integer(c.name);
}
template <size_t N>
void assign(ValueTreeBuilder& b, const Constant (&list)[N]) {
  for (const Constant& c : list) b.set_integer(ValueTreeBuilder::kRoot, c.name, c.value);
}

void declare_symbols(SchemaBuilder& b, const char* count, const char* array) {
  b.integer(count);
  b.begin_struct_array(array)
      .string("name")
      .integer("value")
      .integer("size")
      .integer("type")
      .integer("bind")
      .integer("shndx")
      .end();
}

Schema make_schema() {
  SchemaBuilder b("elf");
  declare(b, kEt);
  declare(b, kEm);
  declare(b, kSht);
  declare(b, kShf);
  b.integer("type").integer("machine").integer("entry_point");
  b.integer("number_of_sections").integer("sh_offset").integer("sh_entry_size");
  b.integer("number_of_segments").integer("ph_offset").integer("ph_entry_size");
  b.begin_struct_array("sections")
      .integer("type")
      .integer("flags")
      .integer("address")
      .string("name")
      .integer("size")
      .integer("offset")
      .end();
  declare(b, kPt);
  declare(b, kDt);
  declare(b, kStt);
  declare(b, kStb);
  declare(b, kPf);
  b.begin_struct_array("segments")
      .integer("type")
      .integer("flags")
      .integer("offset")
      .integer("virtual_address")
      .integer("physical_address")
      .integer("file_size")
      .integer("memory_size")
      .integer("alignment")
      .end();
  b.integer("dynamic_section_entries");
  b.begin_struct_array("dynamic").integer("type").integer("val").end();
  declare_symbols(b, "symtab_entries", "symtab");
  declare_symbols(b, "dynsym_entries", "dynsym");
  return b.build();
}

// A string-table entry, or nullopt when yara would reject it: the table must start with NUL
// and the entry must be NUL-terminated inside [base, limit).
std::optional<std::string_view> table_string(const ByteView& v, uint64_t base, uint64_t limit,
                                             int64_t index) {
  if (base >= limit || limit > v.size()) return std::nullopt;
  if (v.data()[base] != 0) return std::nullopt;
  if (index < 0) return std::nullopt;
  uint64_t at = base + static_cast<uint64_t>(index);
  if (at >= limit) return std::nullopt;
  const char* s = reinterpret_cast<const char*>(v.data() + at);
  size_t len = strnlen(s, limit - at);
  if (at + len == limit) return std::nullopt;
  return std::string_view(s, len);
}

class ElfParser {
 public:
  ElfParser(ValueTreeBuilder& b, const ByteView& v, const Layout& l) : b_(b), v_(v), l_(l) {}

  uint64_t word(uint64_t off) const { return v_.read(off, l_.word); }
  // Sum in the file's word width: yara adds 32-bit fields in 32-bit arithmetic.
  uint64_t wsum(uint64_t a, uint64_t b) const {
    return l_.word == 4 ? static_cast<uint32_t>(a + b) : a + b;
  }

  void parse() {
    const uint64_t root = ValueTreeBuilder::kRoot;
    uint16_t type = v_.u16(16);
    b_.set_integer(root, "type", type);
    b_.set_integer(root, "machine", v_.u16(18));
    b_.set_integer(root, "sh_offset", static_cast<int64_t>(word(l_.e_shoff)));
    b_.set_integer(root, "sh_entry_size", v_.u16(l_.e_shentsize));
    b_.set_integer(root, "number_of_sections", v_.u16(l_.e_shnum));
    b_.set_integer(root, "ph_offset", static_cast<int64_t>(word(l_.e_phoff)));
    b_.set_integer(root, "ph_entry_size", v_.u16(l_.e_phentsize));
    b_.set_integer(root, "number_of_segments", v_.u16(l_.e_phnum));
    uint64_t entry = word(l_.e_entry);
    if (entry != 0) {
      auto off = rva_to_offset(type, entry);
      if (off) b_.set_integer(root, "entry_point", static_cast<int64_t>(*off));
    }
    parse_sections();
    parse_segments();
  }

 private:
  std::optional<uint64_t> rva_to_offset(uint16_t type, uint64_t rva) const {
    if (type == kEtExec) {
      uint64_t table = word(l_.e_phoff);
      uint64_t count = v_.u16(l_.e_phnum);
      if (table == 0 || table > v_.size() || table + count * l_.phdr > v_.size() || count == 0)
        return std::nullopt;
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t p = table + i * l_.phdr;
        uint64_t vaddr = word(p + l_.p_vaddr);
        uint64_t memsz = word(p + l_.p_memsz);
        if (rva >= vaddr && rva < wsum(vaddr, memsz)) return word(p + l_.p_offset) + (rva - vaddr);
      }
    } else {
      uint64_t table = word(l_.e_shoff);
      uint64_t count = v_.u16(l_.e_shnum);
      if (table == 0 || table > v_.size() || table + count * l_.shdr > v_.size() || count == 0)
        return std::nullopt;
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t s = table + i * l_.shdr;
        uint32_t stype = v_.u32(s + 4);
        uint64_t addr = word(s + l_.s_addr);
        uint64_t size = word(s + l_.s_size);
        if (stype != 0 && stype != kShtNobits && rva >= addr && rva < wsum(addr, size))
          return word(s + l_.s_offset) + (rva - addr);
      }
    }
    return std::nullopt;
  }

  struct Table {
    bool found = false;
    uint64_t offset = 0, size = 0, str_offset = 0, str_size = 0;
  };

  void parse_sections() {
    uint64_t count = v_.u16(l_.e_shnum);
    uint64_t table = word(l_.e_shoff);
    uint16_t str_index = v_.u16(l_.e_shstrndx);
    if (!(count < kShnLoreserve && str_index < count && table < v_.size() &&
          table + count * l_.shdr <= v_.size()))
      return;
    // yara compares section links against the raw (host-order) section count.
    uint16_t raw_count;
    std::memcpy(&raw_count, v_.data() + l_.e_shnum, 2);
    uint64_t str_table = 0;
    bool has_str_table = false;
    uint64_t str_off = word(table + str_index * l_.shdr + l_.s_offset);
    if (str_off < v_.size()) {
      str_table = str_off;
      has_str_table = str_off > 0;
    }
    Table symtab, dynsym;
    uint32_t sections = b_.member(ValueTreeBuilder::kRoot, "sections");
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t s = table + i * l_.shdr;
      uint32_t e = b_.element(sections, i);
      uint32_t stype = v_.u32(s + 4);
      b_.set_integer(e, "type", stype);
      b_.set_integer(e, "flags", static_cast<int64_t>(word(s + l_.s_flags)));
      b_.set_integer(e, "address", static_cast<int64_t>(word(s + l_.s_addr)));
      b_.set_integer(e, "size", static_cast<int64_t>(word(s + l_.s_size)));
      b_.set_integer(e, "offset", static_cast<int64_t>(word(s + l_.s_offset)));
      uint32_t name = v_.u32(s);
      if (name < v_.size() && has_str_table) {
        auto str = table_string(v_, str_table, v_.size(), static_cast<int32_t>(name));
        if (str) b_.set_string(e, "name", *str);
      }
      uint32_t link = v_.u32(s + l_.s_link);
      if ((stype == kShtSymtab || stype == kShtDynsym) && link < raw_count) {
        uint64_t linked = table + static_cast<uint64_t>(link) * l_.shdr;
        if (v_.contains(linked, l_.shdr) && v_.u32(linked + 4) == kShtStrtab) {
          Table& t = stype == kShtSymtab ? symtab : dynsym;
          t.found = true;
          t.offset = word(s + l_.s_offset);
          t.size = l_.word == 4 ? static_cast<uint32_t>(word(s + l_.s_size)) : word(s + l_.s_size);
          t.str_offset = word(linked + l_.s_offset);
          t.str_size = word(linked + l_.s_size);
        }
      }
    }
    parse_symbols(symtab, "symtab", "symtab_entries");
    parse_symbols(dynsym, "dynsym", "dynsym_entries");
  }

  void parse_symbols(const Table& t, const char* array, const char* count_name) {
    if (!t.found || !v_.contains(t.str_offset, t.str_size) || !v_.contains(t.offset, t.size))
      return;
    uint32_t list = b_.member(ValueTreeBuilder::kRoot, array);
    uint64_t n = t.size / l_.sym;
    for (uint64_t j = 0; j < n; ++j) {
      uint64_t y = t.offset + j * l_.sym;
      uint32_t e = b_.element(list, j);
      auto name = table_string(v_, t.str_offset, t.str_offset + t.str_size,
                               static_cast<int32_t>(v_.u32(y)));
      if (name) b_.set_string(e, "name", *name);
      uint8_t info = v_.u8(y + l_.y_info);
      b_.set_integer(e, "bind", info >> 4);
      b_.set_integer(e, "type", info & 0xf);
      b_.set_integer(e, "shndx", v_.u16(y + l_.y_shndx));
      b_.set_integer(e, "value", static_cast<int64_t>(word(y + l_.y_value)));
      b_.set_integer(e, "size", static_cast<int64_t>(word(y + l_.y_size)));
    }
    b_.set_integer(ValueTreeBuilder::kRoot, count_name, static_cast<int64_t>(n));
  }

  void parse_segments() {
    uint64_t count = v_.u16(l_.e_phnum);
    uint64_t table = word(l_.e_phoff);
    if (!(count > 0 && count < kPnXnum && table < v_.size() &&
          table + count * l_.phdr <= v_.size()))
      return;
    uint32_t segments = b_.member(ValueTreeBuilder::kRoot, "segments");
    uint32_t dynamic = b_.member(ValueTreeBuilder::kRoot, "dynamic");
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t p = table + i * l_.phdr;
      uint32_t e = b_.element(segments, i);
      uint32_t ptype = v_.u32(p);
      b_.set_integer(e, "type", ptype);
      b_.set_integer(e, "flags", v_.u32(p + l_.p_flags));
      b_.set_integer(e, "offset", static_cast<int64_t>(word(p + l_.p_offset)));
      b_.set_integer(e, "virtual_address", static_cast<int64_t>(word(p + l_.p_vaddr)));
      b_.set_integer(e, "physical_address", static_cast<int64_t>(word(p + l_.p_paddr)));
      b_.set_integer(e, "file_size", static_cast<int64_t>(word(p + l_.p_filesz)));
      b_.set_integer(e, "memory_size", static_cast<int64_t>(word(p + l_.p_memsz)));
      b_.set_integer(e, "alignment", static_cast<int64_t>(word(p + l_.p_align)));
      if (ptype != kPtDynamic) continue;
      uint64_t at = word(p + l_.p_offset);
      uint64_t j = 0;
      while (at <= v_.size() && v_.contains(at, l_.dyn)) {
        uint64_t tag = word(at);
        uint32_t d = b_.element(dynamic, j);
        b_.set_integer(d, "type", static_cast<int64_t>(tag));
        b_.set_integer(d, "val", static_cast<int64_t>(word(at + l_.word)));
        ++j;
        if (tag == 0) break;
        at += l_.dyn;
      }
      b_.set_integer(ValueTreeBuilder::kRoot, "dynamic_section_entries", static_cast<int64_t>(j));
    }
  }

  ValueTreeBuilder& b_;
  const ByteView& v_;
  const Layout& l_;
};

}  // namespace

const Schema& elf_schema() {
  static const Schema schema = make_schema();
  return schema;
}

bool elf_inert(std::span<const uint8_t> data) {
  // The same tests elf_load makes before it reads anything of the file.
  if (data.size() < 16 || std::memcmp(data.data(), "\x7f" "ELF", 4) != 0) return true;
  const uint8_t klass = data[4], encoding = data[5];
  if ((klass != 1 && klass != 2) || (encoding != 1 && encoding != 2)) return true;
  return data.size() <= (klass == 1 ? kElf32 : kElf64).ehdr;
}

void elf_load(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  assign(b, kEt);
  assign(b, kEm);
  assign(b, kSht);
  assign(b, kShf);
  assign(b, kPt);
  assign(b, kDt);
  assign(b, kStt);
  assign(b, kStb);
  assign(b, kPf);
  if (data.size() < 16 || std::memcmp(data.data(), "\x7f" "ELF", 4) != 0) return;
  uint8_t klass = data[4], encoding = data[5];
  if ((klass != 1 && klass != 2) || (encoding != 1 && encoding != 2)) return;
  const Layout& layout = klass == 1 ? kElf32 : kElf64;
  if (data.size() <= layout.ehdr) return;
  ByteView view(data, encoding == 2);
  ElfParser(b, view, layout).parse();
}

}  // namespace yarrow::modules
