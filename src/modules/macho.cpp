// The macho module (Mach-O executables, thin and fat): yara 4.2.3's fields and functions.
//
// Byte order follows the magic as yara reads it on a little-endian host: MH_CIGAM* means the
// file is big-endian. Load commands are walked twice (segments first, then LC_MAIN /
// LC_UNIXTHREAD, whose entry point is mapped through the segments) and each walk stops at the
// first command that does not fit. Quirks kept on purpose: LC_UNIXTHREAD bounds its thread
// state with the command size read in host order even in big-endian files; a segment command
// too short to parse still counts in number_of_segments; a segment that was never filled reads
// as yara's undefined sentinel in the address mapping. Every read is bounds-checked.
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "modules/byte_view.h"
#include "modules/modules_internal.h"

namespace yarrow::modules {
namespace {

struct Constant {
  const char* name;
  int64_t value;
};

// In yara's declaration order (the dump prints them reversed).
constexpr Constant kConstants[] = {
    {"MH_MAGIC", 4277009102},
    {"MH_CIGAM", 3472551422},
    {"MH_MAGIC_64", 4277009103},
    {"MH_CIGAM_64", 3489328638},
    {"FAT_MAGIC", 3405691582},
    {"FAT_CIGAM", 3199925962},
    {"FAT_MAGIC_64", 3405691583},
    {"FAT_CIGAM_64", 3216703178},
    {"CPU_ARCH_ABI64", 16777216},
    {"CPU_SUBTYPE_LIB64", 2147483648},
    {"CPU_TYPE_MC680X0", 6},
    {"CPU_TYPE_X86", 7},
    {"CPU_TYPE_I386", 7},
    {"CPU_TYPE_X86_64", 16777223},
    {"CPU_TYPE_MIPS", 8},
    {"CPU_TYPE_MC98000", 10},
    {"CPU_TYPE_ARM", 12},
    {"CPU_TYPE_ARM64", 16777228},
    {"CPU_TYPE_MC88000", 13},
    {"CPU_TYPE_SPARC", 14},
    {"CPU_TYPE_POWERPC", 18},
    {"CPU_TYPE_POWERPC64", 16777234},
    {"CPU_SUBTYPE_INTEL_MODEL_ALL", 0},
    {"CPU_SUBTYPE_386", 3},
    {"CPU_SUBTYPE_I386_ALL", 3},
    {"CPU_SUBTYPE_X86_64_ALL", 3},
    {"CPU_SUBTYPE_486", 4},
    {"CPU_SUBTYPE_486SX", 132},
    {"CPU_SUBTYPE_586", 5},
    {"CPU_SUBTYPE_PENT", 5},
    {"CPU_SUBTYPE_PENTPRO", 22},
    {"CPU_SUBTYPE_PENTII_M3", 54},
    {"CPU_SUBTYPE_PENTII_M5", 86},
    {"CPU_SUBTYPE_CELERON", 103},
    {"CPU_SUBTYPE_CELERON_MOBILE", 119},
    {"CPU_SUBTYPE_PENTIUM_3", 8},
    {"CPU_SUBTYPE_PENTIUM_3_M", 24},
    {"CPU_SUBTYPE_PENTIUM_3_XEON", 40},
    {"CPU_SUBTYPE_PENTIUM_M", 9},
    {"CPU_SUBTYPE_PENTIUM_4", 10},
    {"CPU_SUBTYPE_PENTIUM_4_M", 26},
    {"CPU_SUBTYPE_ITANIUM", 11},
    {"CPU_SUBTYPE_ITANIUM_2", 27},
    {"CPU_SUBTYPE_XEON", 12},
    {"CPU_SUBTYPE_XEON_MP", 28},
    {"CPU_SUBTYPE_ARM_ALL", 0},
    {"CPU_SUBTYPE_ARM_V4T", 5},
    {"CPU_SUBTYPE_ARM_V6", 6},
    {"CPU_SUBTYPE_ARM_V5", 7},
    {"CPU_SUBTYPE_ARM_V5TEJ", 7},
    {"CPU_SUBTYPE_ARM_XSCALE", 8},
    {"CPU_SUBTYPE_ARM_V7", 9},
    {"CPU_SUBTYPE_ARM_V7F", 10},
    {"CPU_SUBTYPE_ARM_V7S", 11},
    {"CPU_SUBTYPE_ARM_V7K", 12},
    {"CPU_SUBTYPE_ARM_V6M", 14},
    {"CPU_SUBTYPE_ARM_V7M", 15},
    {"CPU_SUBTYPE_ARM_V7EM", 16},
    {"CPU_SUBTYPE_ARM64_ALL", 0},
    {"CPU_SUBTYPE_SPARC_ALL", 0},
    {"CPU_SUBTYPE_POWERPC_ALL", 0},
    {"CPU_SUBTYPE_MC980000_ALL", 0},
    {"CPU_SUBTYPE_POWERPC_601", 1},
    {"CPU_SUBTYPE_MC98601", 1},
    {"CPU_SUBTYPE_POWERPC_602", 2},
    {"CPU_SUBTYPE_POWERPC_603", 3},
    {"CPU_SUBTYPE_POWERPC_603e", 4},
    {"CPU_SUBTYPE_POWERPC_603ev", 5},
    {"CPU_SUBTYPE_POWERPC_604", 6},
    {"CPU_SUBTYPE_POWERPC_604e", 7},
    {"CPU_SUBTYPE_POWERPC_620", 8},
    {"CPU_SUBTYPE_POWERPC_750", 9},
    {"CPU_SUBTYPE_POWERPC_7400", 10},
    {"CPU_SUBTYPE_POWERPC_7450", 11},
    {"CPU_SUBTYPE_POWERPC_970", 100},
    {"MH_OBJECT", 1},
    {"MH_EXECUTE", 2},
    {"MH_FVMLIB", 3},
    {"MH_CORE", 4},
    {"MH_PRELOAD", 5},
    {"MH_DYLIB", 6},
    {"MH_DYLINKER", 7},
    {"MH_BUNDLE", 8},
    {"MH_DYLIB_STUB", 9},
    {"MH_DSYM", 10},
    {"MH_KEXT_BUNDLE", 11},
    {"MH_NOUNDEFS", 1},
    {"MH_INCRLINK", 2},
    {"MH_DYLDLINK", 4},
    {"MH_BINDATLOAD", 8},
    {"MH_PREBOUND", 16},
    {"MH_SPLIT_SEGS", 32},
    {"MH_LAZY_INIT", 64},
    {"MH_TWOLEVEL", 128},
    {"MH_FORCE_FLAT", 256},
    {"MH_NOMULTIDEFS", 512},
    {"MH_NOFIXPREBINDING", 1024},
    {"MH_PREBINDABLE", 2048},
    {"MH_ALLMODSBOUND", 4096},
    {"MH_SUBSECTIONS_VIA_SYMBOLS", 8192},
    {"MH_CANONICAL", 16384},
    {"MH_WEAK_DEFINES", 32768},
    {"MH_BINDS_TO_WEAK", 65536},
    {"MH_ALLOW_STACK_EXECUTION", 131072},
    {"MH_ROOT_SAFE", 262144},
    {"MH_SETUID_SAFE", 524288},
    {"MH_NO_REEXPORTED_DYLIBS", 1048576},
    {"MH_PIE", 2097152},
    {"MH_DEAD_STRIPPABLE_DYLIB", 4194304},
    {"MH_HAS_TLV_DESCRIPTORS", 8388608},
    {"MH_NO_HEAP_EXECUTION", 16777216},
    {"MH_APP_EXTENSION_SAFE", 33554432},
    {"SG_HIGHVM", 1},
    {"SG_FVMLIB", 2},
    {"SG_NORELOC", 4},
    {"SG_PROTECTED_VERSION_1", 8},
    {"SECTION_TYPE", 255},
    {"SECTION_ATTRIBUTES", 4294967040},
    {"S_REGULAR", 0},
    {"S_ZEROFILL", 1},
    {"S_CSTRING_LITERALS", 2},
    {"S_4BYTE_LITERALS", 3},
    {"S_8BYTE_LITERALS", 4},
    {"S_LITERAL_POINTERS", 5},
    {"S_NON_LAZY_SYMBOL_POINTERS", 6},
    {"S_LAZY_SYMBOL_POINTERS", 7},
    {"S_SYMBOL_STUBS", 8},
    {"S_MOD_INIT_FUNC_POINTERS", 9},
    {"S_MOD_TERM_FUNC_POINTERS", 10},
    {"S_COALESCED", 11},
    {"S_GB_ZEROFILL", 12},
    {"S_INTERPOSING", 13},
    {"S_16BYTE_LITERALS", 14},
    {"S_DTRACE_DOF", 15},
    {"S_LAZY_DYLIB_SYMBOL_POINTERS", 16},
    {"S_THREAD_LOCAL_REGULAR", 17},
    {"S_THREAD_LOCAL_ZEROFILL", 18},
    {"S_THREAD_LOCAL_VARIABLES", 19},
    {"S_THREAD_LOCAL_VARIABLE_POINTERS", 20},
    {"S_THREAD_LOCAL_INIT_FUNCTION_POINTERS", 21},
    {"S_ATTR_PURE_INSTRUCTIONS", 2147483648},
    {"S_ATTR_NO_TOC", 1073741824},
    {"S_ATTR_STRIP_STATIC_SYMS", 536870912},
    {"S_ATTR_NO_DEAD_STRIP", 268435456},
    {"S_ATTR_LIVE_SUPPORT", 134217728},
    {"S_ATTR_SELF_MODIFYING_CODE", 67108864},
    {"S_ATTR_DEBUG", 33554432},
    {"S_ATTR_SOME_INSTRUCTIONS", 1024},
    {"S_ATTR_EXT_RELOC", 512},
    {"S_ATTR_LOC_RELOC", 256},
};

constexpr uint32_t kMhMagic = 0xfeedface, kMhCigam = 0xcefaedfe, kMhMagic64 = 0xfeedfacf,
                   kMhCigam64 = 0xcffaedfe;
constexpr uint32_t kFatMagic = 0xcafebabe, kFatCigam = 0xbebafeca, kFatMagic64 = 0xcafebabf,
                   kFatCigam64 = 0xbfbafeca;
constexpr uint32_t kLcSegment = 0x1, kLcUnixThread = 0x5, kLcSegment64 = 0x19,
                   kLcMain = 0x80000028;
// yara's YR_UNDEFINED as an integer: what yr_get_integer yields for a missing value.
constexpr uint64_t kUndefined = 0xFFFABADAFABADAFFull;

Result file_index_type(const CallContext& ctx, std::span<const Arg> args);
Result file_index_subtype(const CallContext& ctx, std::span<const Arg> args);
Result ep_for_arch_type(const CallContext& ctx, std::span<const Arg> args);
Result ep_for_arch_subtype(const CallContext& ctx, std::span<const Arg> args);

void declare_file(SchemaBuilder& b) {
  b.integer("magic").integer("cputype").integer("cpusubtype").integer("filetype");
  b.integer("ncmds").integer("sizeofcmds").integer("flags").integer("reserved");
  b.integer("number_of_segments");
  b.begin_struct_array("segments")
      .string("segname")
      .integer("vmaddr")
      .integer("vmsize")
      .integer("fileoff")
      .integer("fsize")
      .integer("maxprot")
      .integer("initprot")
      .integer("nsects")
      .integer("flags");
  b.begin_struct_array("sections")
      .string("sectname")
      .string("segname")
      .integer("addr")
      .integer("size")
      .integer("offset")
      .integer("align")
      .integer("reloff")
      .integer("nreloc")
      .integer("flags")
      .integer("reserved1")
      .integer("reserved2")
      .integer("reserved3")
      .end();
  b.end();
  b.integer("entry_point").integer("stack_size");
}

Schema make_schema() {
  SchemaBuilder b("macho");
  for (const Constant& c : kConstants) b.integer(c.name);
  declare_file(b);
  b.integer("fat_magic").integer("nfat_arch");
  b.begin_struct_array("fat_arch")
      .integer("cputype")
      .integer("cpusubtype")
      .integer("offset")
      .integer("size")
      .integer("align")
      .end();
  b.begin_struct_array("file");
  declare_file(b);
  b.end();
  b.function("file_index_for_arch", "i", 'i', &file_index_type);
  b.function("file_index_for_arch", "ii", 'i', &file_index_subtype);
  b.function("entry_point_for_arch", "i", 'i', &ep_for_arch_type);
  b.function("entry_point_for_arch", "ii", 'i', &ep_for_arch_subtype);
  return b.build();
}

std::string_view fixed_name(const ByteView& v, uint64_t at) {
  const char* s = reinterpret_cast<const char*>(v.data() + at);
  return {s, strnlen(s, 16)};
}

// One thin Mach-O image (the whole file, or one fat slice) written under `node`.
class MachoParser {
 public:
  MachoParser(ValueTreeBuilder& b, uint32_t node, std::span<const uint8_t> data)
      : b_(b), node_(node), data_(data), v_(data, false) {}

  void parse() {
    if (data_.size() < 32) return;
    uint32_t magic = static_cast<uint32_t>(ByteView(data_, false).u32(0));
    is32_ = data_[0] == 0xce || data_[3] == 0xce;
    bool swap = magic == kMhCigam || magic == kMhCigam64;
    v_ = ByteView(data_, swap);
    const uint64_t header_size = is32_ ? 28 : 32;
    cputype_ = v_.u32(4);
    b_.set_integer(node_, "magic", magic);
    b_.set_integer(node_, "cputype", cputype_);
    b_.set_integer(node_, "cpusubtype", v_.u32(8));
    b_.set_integer(node_, "filetype", v_.u32(12));
    b_.set_integer(node_, "ncmds", v_.u32(16));
    b_.set_integer(node_, "sizeofcmds", v_.u32(20));
    b_.set_integer(node_, "flags", v_.u32(24));
    if (!is32_) b_.set_integer(node_, "reserved", v_.u32(28));
    const uint32_t ncmds = v_.u32(16);

    uint64_t seg_count = 0;
    walk(header_size, ncmds, [&](uint64_t at, uint32_t cmd) {
      if (cmd == kLcSegment || cmd == kLcSegment64) segment(at, cmd == kLcSegment64, seg_count++);
    });
    b_.set_integer(node_, "number_of_segments", static_cast<int64_t>(seg_count));
    segment_count_ = seg_count;
    walk(header_size, ncmds, [&](uint64_t at, uint32_t cmd) {
      if (cmd == kLcUnixThread) unix_thread(at);
      else if (cmd == kLcMain) main_command(at);
    });
  }

 private:
  template <typename Visit>
  void walk(uint64_t header_size, uint32_t ncmds, Visit visit) {
    uint64_t at = header_size;
    for (uint32_t i = 0; i < ncmds; ++i) {
      if (!v_.contains(at, 8)) break;
      uint32_t cmd = v_.u32(at), size = v_.u32(at + 4);
      if (data_.size() - at < size || size < 8) break;
      visit(at, cmd);
      at += size;
    }
  }

  struct Segment {
    uint64_t vmaddr = kUndefined, vmsize = kUndefined, fileoff = kUndefined;
  };

  void segment(uint64_t at, bool is64, uint64_t index) {
    const uint64_t remaining = data_.size() - at;
    const uint64_t command_size = is64 ? 72 : 56, section_size = is64 ? 80 : 68;
    if (segments_.size() <= index) segments_.resize(index + 1);
    if (remaining < command_size) return;
    uint32_t e = b_.element(b_.member(node_, "segments"), index);
    auto word = [&](uint64_t off) { return is64 ? v_.u64(off) : v_.u32(off); };
    Segment& s = segments_[index];
    s.vmaddr = word(at + 24);
    s.vmsize = word(at + (is64 ? 32 : 28));
    s.fileoff = word(at + (is64 ? 40 : 32));
    uint64_t filesize = word(at + (is64 ? 48 : 36));
    uint64_t rest = at + (is64 ? 56 : 40);
    uint32_t nsects = v_.u32(rest + 8);
    b_.set_string(e, "segname", fixed_name(v_, at + 8));
    b_.set_integer(e, "vmaddr", static_cast<int64_t>(s.vmaddr));
    b_.set_integer(e, "vmsize", static_cast<int64_t>(s.vmsize));
    b_.set_integer(e, "fileoff", static_cast<int64_t>(s.fileoff));
    b_.set_integer(e, "fsize", static_cast<int64_t>(filesize));
    b_.set_integer(e, "maxprot", v_.u32(rest));
    b_.set_integer(e, "initprot", v_.u32(rest + 4));
    b_.set_integer(e, "nsects", nsects);
    b_.set_integer(e, "flags", v_.u32(rest + 12));
    // Sections are bounded by the segment's own command size (which the walk already bounded
    // by the data).
    const uint32_t cmdsize = v_.u32(at + 4);
    uint64_t parsed = command_size;
    uint32_t sections = b_.member(e, "sections");
    for (uint32_t j = 0; j < nsects; ++j) {
      parsed += section_size;
      if (cmdsize < parsed) break;
      uint64_t p = at + command_size + uint64_t{j} * section_size;
      uint32_t x = b_.element(sections, j);
      b_.set_string(x, "segname", fixed_name(v_, p + 16));
      b_.set_string(x, "sectname", fixed_name(v_, p));
      uint64_t q = p + 32;
      b_.set_integer(x, "addr", static_cast<int64_t>(word(q)));
      q += is64 ? 8 : 4;
      b_.set_integer(x, "size", static_cast<int64_t>(word(q)));
      q += is64 ? 8 : 4;
      static constexpr const char* kTail[] = {"offset", "align",     "reloff",   "nreloc",
                                              "flags",  "reserved1", "reserved2", "reserved3"};
      for (unsigned k = 0; k < (is64 ? 8u : 7u); ++k) b_.set_integer(x, kTail[k], v_.u32(q + 4 * k));
    }
  }

  std::optional<uint64_t> rva_to_offset(uint64_t address) const {
    for (uint64_t i = 0; i < segment_count_; ++i) {
      Segment s = i < segments_.size() ? segments_[i] : Segment{};
      uint64_t end = s.vmaddr + s.vmsize;
      if (address >= s.vmaddr && address < end) return s.fileoff + (address - s.vmaddr);
    }
    return std::nullopt;
  }

  void unix_thread(uint64_t at) {
    const uint64_t remaining = data_.size() - at;
    if (remaining < 16) return;
    // yara reads this size without byte-swapping it.
    uint64_t raw_size = ByteView(data_, false).u32(at + 4);
    uint32_t command_size = static_cast<uint32_t>(std::min(remaining, raw_size));
    if (command_size < 16) return;
    uint64_t state_size = command_size - 16;
    uint64_t state = at + 16;
    uint64_t need, pc;
    bool wide = false;
    switch (cputype_) {
      case 6: need = 72, pc = 68; break;                     // MC680X0
      case 13: need = 136, pc = 124; break;                  // MC88000
      case 14: need = 76, pc = 4; break;                     // SPARC
      case 18: need = 160, pc = 0; break;                    // POWERPC
      case 7: need = 64, pc = 40; break;                     // X86
      case 12: need = 68, pc = 60; break;                    // ARM
      case 0x01000007: need = 168, pc = 128, wide = true; break;  // X86_64
      case 0x0100000c: need = 272, pc = 256, wide = true; break;  // ARM64
      case 0x01000012: need = 304, pc = 0, wide = true; break;    // POWERPC64
      default: return;
    }
    if (state_size < need || !v_.contains(state + pc, wide ? 8 : 4)) return;
    uint64_t address = wide ? v_.u64(state + pc) : v_.u32(state + pc);
    if (auto off = rva_to_offset(address)) b_.set_integer(node_, "entry_point", static_cast<int64_t>(*off));
  }

  void main_command(uint64_t at) {
    if (data_.size() - at < 24) return;
    b_.set_integer(node_, "entry_point", static_cast<int64_t>(v_.u64(at + 8)));
    b_.set_integer(node_, "stack_size", static_cast<int64_t>(v_.u64(at + 16)));
  }

  ValueTreeBuilder& b_;
  uint32_t node_;
  std::span<const uint8_t> data_;
  ByteView v_;
  bool is32_ = false;
  uint32_t cputype_ = 0;
  std::vector<Segment> segments_;
  uint64_t segment_count_ = 0;
};

void parse_fat(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  const uint32_t root = ValueTreeBuilder::kRoot;
  if (data.size() < 8) return;
  ByteView v(data, true);  // fat headers are big-endian
  const bool is32 = data[3] == 0xbe;
  const uint64_t arch_size = is32 ? 20 : 32;
  b.set_integer(root, "fat_magic", v.u32(0));
  uint32_t count = v.u32(4);
  b.set_integer(root, "nfat_arch", count);
  if (data.size() < 8 + uint64_t{count} * arch_size) return;
  uint32_t archs = b.member(root, "fat_arch");
  uint32_t files = b.member(root, "file");
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t p = 8 + uint64_t{i} * arch_size;
    uint64_t offset = is32 ? v.u32(p + 8) : v.u64(p + 8);
    uint64_t size = is32 ? v.u32(p + 12) : v.u64(p + 16);
    uint32_t align = v.u32(p + (is32 ? 16 : 24));
    uint32_t e = b.element(archs, i);
    b.set_integer(e, "cputype", v.u32(p));
    b.set_integer(e, "cpusubtype", v.u32(p + 4));
    b.set_integer(e, "offset", static_cast<int64_t>(offset));
    b.set_integer(e, "size", static_cast<int64_t>(size));
    b.set_integer(e, "align", align);
    if (offset + size < offset) continue;
    if (data.size() < offset + size) continue;
    uint32_t f = b.element(files, i);  // the slice's entry exists even if it parses to nothing
    MachoParser(b, f, data.subspan(offset, size)).parse();
  }
}

// ---- functions (fat binaries) ----

// yr_get_integer semantics: the value, or yara's undefined sentinel.
uint64_t get(const ValueTree& t, uint32_t node, std::string_view name) {
  if (node == kNoIndex) return kUndefined;
  uint32_t m = t.member(node, name);
  auto v = m == kNoIndex ? std::nullopt : t.integer(m);
  return v ? static_cast<uint64_t>(*v) : kUndefined;
}

uint32_t element(const ValueTree& t, uint32_t array, uint64_t i) {
  if (array == kNoIndex || i >= t.length(array)) return kNoIndex;
  return t.child(array, static_cast<size_t>(i));
}

Result as_result(uint64_t v) {
  if (v == kUndefined) return std::monostate{};
  return static_cast<int64_t>(v);
}

// Walks i in [0, nfat_arch) and returns visit(i)'s first answer. Entries past the stored
// arrays read as undefined, as in yara; they all look alike, so the first of them stands for
// the rest (yara would loop up to nfat_arch, possibly 2^32 times).
template <typename Visit>
Result each_arch(const CallContext& ctx, Visit visit) {
  const ValueTree& t = *ctx.tree;
  uint32_t n = t.member(ctx.self, "nfat_arch");
  auto nfat = n == kNoIndex ? std::nullopt : t.integer(n);
  if (!nfat) return std::monostate{};
  uint32_t files = t.member(ctx.self, "file"), archs = t.member(ctx.self, "fat_arch");
  uint64_t stored = std::max<uint64_t>(files == kNoIndex ? 0 : t.length(files),
                                       archs == kNoIndex ? 0 : t.length(archs));
  uint64_t total = std::min(static_cast<uint64_t>(*nfat), stored + 1);
  for (uint64_t i = 0; i < total; ++i)
    if (auto r = visit(i, element(t, files, i), element(t, archs, i))) return *r;
  return std::monostate{};
}

Result file_index_type(const CallContext& ctx, std::span<const Arg> args) {
  const uint64_t type = static_cast<uint64_t>(std::get<int64_t>(args[0]));
  const ValueTree& t = *ctx.tree;
  return each_arch(ctx, [&](uint64_t i, uint32_t file, uint32_t) -> std::optional<Result> {
    if (get(t, file, "cputype") == type) return as_result(i);
    return std::nullopt;
  });
}

Result file_index_subtype(const CallContext& ctx, std::span<const Arg> args) {
  const uint64_t type = static_cast<uint64_t>(std::get<int64_t>(args[0]));
  const uint64_t subtype = static_cast<uint64_t>(std::get<int64_t>(args[1]));
  const ValueTree& t = *ctx.tree;
  return each_arch(ctx, [&](uint64_t i, uint32_t file, uint32_t) -> std::optional<Result> {
    if (get(t, file, "cputype") == type && get(t, file, "cpusubtype") == subtype) return as_result(i);
    return std::nullopt;
  });
}

Result ep_for_arch_type(const CallContext& ctx, std::span<const Arg> args) {
  const uint64_t type = static_cast<uint64_t>(std::get<int64_t>(args[0]));
  const ValueTree& t = *ctx.tree;
  return each_arch(ctx, [&](uint64_t, uint32_t file, uint32_t arch) -> std::optional<Result> {
    if (get(t, arch, "cputype") != type) return std::nullopt;
    // yara adds even an undefined entry point (its sentinel) to the slice offset.
    return as_result(get(t, arch, "offset") + get(t, file, "entry_point"));
  });
}

Result ep_for_arch_subtype(const CallContext& ctx, std::span<const Arg> args) {
  const uint64_t type = static_cast<uint64_t>(std::get<int64_t>(args[0]));
  const uint64_t subtype = static_cast<uint64_t>(std::get<int64_t>(args[1]));
  const ValueTree& t = *ctx.tree;
  return each_arch(ctx, [&](uint64_t, uint32_t file, uint32_t arch) -> std::optional<Result> {
    if (get(t, arch, "cputype") != type || get(t, arch, "cpusubtype") != subtype) return std::nullopt;
    // 4.2.3 does not check the entry point here either (later versions do).
    return as_result(get(t, arch, "offset") + get(t, file, "entry_point"));
  });
}

}  // namespace

const Schema& macho_schema() {
  static const Schema schema = make_schema();
  return schema;
}

void macho_load(ValueTreeBuilder& b, std::span<const uint8_t> data) {
  if (data.size() >= 4) {
    uint32_t magic = static_cast<uint32_t>(ByteView(data, false).u32(0));
    if (magic == kMhMagic || magic == kMhCigam || magic == kMhMagic64 || magic == kMhCigam64)
      MachoParser(b, ValueTreeBuilder::kRoot, data).parse();
    else if (magic == kFatMagic || magic == kFatCigam || magic == kFatMagic64 || magic == kFatCigam64)
      parse_fat(b, data);
  }
  for (const Constant& c : kConstants) b.set_integer(ValueTreeBuilder::kRoot, c.name, c.value);
}

}  // namespace yarrow::modules
