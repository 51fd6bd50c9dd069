// Shared by the pe module's files (private to src/modules): the validated header view every
// parser works from, the import lists the functions need (yara keeps them in module->data;
// 4.2.3 never publishes the delayed ones in the tree), and the per-file entry points.
//
// Every offset handed out here has been bounds-checked against the scanned data; readers still
// go through ByteView, which yields 0 rather than reading outside it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modules/byte_view.h"
#include "modules/module.h"

namespace yarrow::modules::pe_detail {

inline constexpr uint32_t kMaxSections = 96;
inline constexpr uint16_t kPe64Magic = 0x20b;
inline constexpr int kMaxImports = 16384;
// yara's YR_UNDEFINED sentinel: some 4.2.3 functions mask it like a real value.
inline constexpr uint64_t kYrUndefined = 0xFFFABADAFABADAFFull;

// A PE file yara accepted: NT headers at `nt`, optional header at `nt + 24`.
struct PeImage {
  const ByteView& v;
  uint64_t nt = 0;
  bool pe64 = false;

  uint64_t opt() const { return nt + 24; }
  // yara's pe_rva_to_offset: the file offset of `rva`, or -1.
  int64_t rva_to_offset(uint64_t rva) const;
  // Offset of data directory `entry` when 4.2.3 would use it (entry <= NumberOfRvaAndSizes,
  // an off-by-one of the reference, and inside the data).
  std::optional<uint64_t> directory_entry(int entry) const;
  uint64_t image_base() const { return pe64 ? v.u64(opt() + 24) : v.u32(opt() + 28); }
  uint32_t size_of_image() const { return v.u32(opt() + 56); }
  // Bytes from `at` to the end of the data (0 when outside).
  size_t available(uint64_t at) const { return at < v.size() ? v.size() - at : 0; }
  // The NUL-terminated string at `at`, at most `limit` bytes, cut at the end of the data.
  std::string_view c_string(uint64_t at, size_t limit = SIZE_MAX) const;
};

// yara's check on an imported DLL's name at `at`: non-empty, NUL-terminated inside the data,
// no control characters and none of "*<>?| (a descriptor failing it is skipped uncounted).
bool valid_dll_name(const ByteView& v, uint64_t at);

// Offset of the NT headers when yara would accept `data` as PE.
std::optional<uint64_t> nt_header(const ByteView& v);

struct ImportedFunction {
  std::string name;
  bool has_ordinal = false;
  uint16_t ordinal = 0;
};

struct ImportedDll {
  std::string name;
  std::vector<ImportedFunction> functions;
};

// What the functions need beyond the tree.
struct PeData : ModuleData {
  uint64_t nt = 0;
  std::vector<ImportedDll> imports;  // DLLs that yielded at least one function, in file order
  std::vector<ImportedDll> delayed;  // every delay-load descriptor with a usable DLL name
};

// The name yara gives an import by ordinal: its table name for ws2_32/wsock32/oleaut32,
// otherwise "ord<N>" (pe_ordinals.cpp).
std::string ordinal_name(std::string_view dll, uint16_t ordinal);

// pe_exports.cpp
void parse_exports(ValueTreeBuilder& b, const PeImage& pe);
void parse_delayed_imports(ValueTreeBuilder& b, const PeImage& pe, PeData& data);

// pe_signatures.cpp: signatures[] and number_of_signatures from the security directory.
void parse_certificates(ValueTreeBuilder& b, const PeImage& pe);

// pe_functions.cpp
Result is_dll(const CallContext& c, std::span<const Arg> a);
Result is_32bit(const CallContext& c, std::span<const Arg> a);
Result is_64bit(const CallContext& c, std::span<const Arg> a);
Result section_index(const CallContext& c, std::span<const Arg> a);
Result rva_to_offset(const CallContext& c, std::span<const Arg> a);
Result calculate_checksum(const CallContext& c, std::span<const Arg> a);
Result imphash(const CallContext& c, std::span<const Arg> a);
Result exports(const CallContext& c, std::span<const Arg> a);
Result exports_index(const CallContext& c, std::span<const Arg> a);
Result imports(const CallContext& c, std::span<const Arg> a);
Result locale(const CallContext& c, std::span<const Arg> a);
Result language(const CallContext& c, std::span<const Arg> a);
Result rich_version(const CallContext& c, std::span<const Arg> a);
Result rich_version_toolid(const CallContext& c, std::span<const Arg> a);
Result rich_toolid(const CallContext& c, std::span<const Arg> a);
Result rich_toolid_version(const CallContext& c, std::span<const Arg> a);
Result valid_on(const CallContext& c, std::span<const Arg> a);

}  // namespace yarrow::modules::pe_detail
