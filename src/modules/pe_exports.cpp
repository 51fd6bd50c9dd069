// pe: the export directory (export_details, dll_name, export_timestamp, number_of_exports)
// and delay-load imports, following yara 4.2.3's checks and limits.
//
// 4.2.3 parses delay-load descriptors (the counts and pe.imports(IMPORT_DELAYED, ...) see them)
// but writes their details under a name its schema does not declare, so delay_import_details
// stays empty in its dumps and rules; yarrow reproduces that and keeps the lists in PeData.
#include <algorithm>
#include <unordered_map>

#include "modules/pe_internal.h"

namespace yarrow::modules::pe_detail {
namespace {

constexpr uint32_t kMaxExports = 8192;
constexpr size_t kMaxExportName = 512;
constexpr uint64_t kDosHeaderSize = 64;

}  // namespace

void parse_exports(ValueTreeBuilder& b, const PeImage& pe) {
  const ByteView& v = pe.v;
  const uint32_t root = ValueTreeBuilder::kRoot;
  b.set_integer(root, "number_of_exports", 0);
  auto dir = pe.directory_entry(0);
  if (!dir || v.u32(*dir) == 0) return;
  int64_t start = pe.rva_to_offset(v.u32(*dir));
  if (start < 0) return;
  const uint64_t export_start = static_cast<uint64_t>(start);
  const uint64_t export_size = v.u32(*dir + 4);
  if (!v.contains(export_start, 40)) return;
  const uint64_t e = export_start;
  const uint32_t count = std::min(v.u32(e + 20), kMaxExports);
  const uint32_t base = v.u32(e + 16);
  b.set_integer(root, "export_timestamp", v.u32(e + 4));
  int64_t offset = pe.rva_to_offset(v.u32(e + 12));
  if (offset > 0) b.set_string(root, "dll_name", pe.c_string(offset));
  // yara compares against the space after the DLL name's offset (-1 when it did not resolve).
  if (uint64_t{count} * 4 > v.size() - static_cast<uint64_t>(offset)) return;

  const uint32_t name_count_raw = v.u32(e + 24);
  int64_t names = -1;
  if (name_count_raw > 0) {
    names = pe.rva_to_offset(v.u32(e + 32));
    if (names < 0) return;
    if (uint64_t{name_count_raw} * 4 > v.size() - static_cast<uint64_t>(names)) return;
  }
  int64_t ordinals = pe.rva_to_offset(v.u32(e + 36));
  if (ordinals < 0 || pe.available(ordinals) < 2ull * count) return;
  int64_t functions = pe.rva_to_offset(v.u32(e + 28));
  if (functions < 0 || pe.available(functions) < 4ull * count) return;
  const uint32_t name_count = std::min(name_count_raw, count);

  // yara scans the ordinal table for each export; the first slot j < name_count holding the
  // export's index names it. One pass builds the same answer.
  std::unordered_map<uint16_t, uint32_t> first_slot;
  if (names >= 0)
    for (uint32_t j = 0; j < name_count; ++j) first_slot.emplace(v.u16(ordinals + 2ull * j), j);

  uint32_t list = b.member(root, "export_details");
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t item = b.element(list, i);
    b.set_integer(item, "ordinal", static_cast<uint32_t>(base + i));
    int64_t at = pe.rva_to_offset(v.u32(functions + 4ull * i));
    if (at > start && static_cast<uint64_t>(at) < export_start + export_size)
      b.set_string(item, "forward_name", pe.c_string(at, kMaxExportName));
    else
      b.set_integer(item, "offset", at);
    if (names >= 0 && i <= 0xffff) {
      auto slot = first_slot.find(static_cast<uint16_t>(i));
      if (slot != first_slot.end()) {
        int64_t name_at = pe.rva_to_offset(v.u32(names + 4ull * slot->second));
        if (name_at > 0) b.set_string(item, "name", pe.c_string(name_at, kMaxExportName));
      }
    }
  }
  b.set_integer(root, "number_of_exports", count);
}

namespace {

// Old (Visual C++ 6) descriptors hold VAs; 4.2.3 turns anything above the image base into an RVA.
uint64_t normalize(uint64_t image_base, uint64_t value) {
  return value != 0 && value > image_base ? value - image_base : value;
}

}  // namespace

void parse_delayed_imports(ValueTreeBuilder& b, const PeImage& pe, PeData& data) {
  const ByteView& v = pe.v;
  const uint32_t root = ValueTreeBuilder::kRoot;
  b.set_integer(root, "number_of_delayed_imports", 0);
  b.set_integer(root, "number_of_delayed_imported_functions", 0);
  auto dir = pe.directory_entry(13);
  if (!dir || v.u32(*dir) == 0) return;
  int64_t off = pe.rva_to_offset(v.u32(*dir));
  if (off < 0) return;
  const uint64_t image_base = pe.image_base();
  const uint64_t size_of_image = pe.size_of_image();
  const unsigned width = pe.pe64 ? 8 : 4;
  const uint64_t ordinal_flag = pe.pe64 ? 0x8000000000000000ull : 0x80000000ull;
  int64_t dlls = 0, functions = 0;
  // A pointer-sized table entry at `rva`, or nullopt when it is outside the data.
  auto pointer_at = [&](uint64_t rva) -> std::optional<uint64_t> {
    int64_t at = pe.rva_to_offset(rva);
    if (at < 0 || !v.contains(at, width)) return std::nullopt;
    return v.read(at, width);
  };
  for (uint64_t d = static_cast<uint64_t>(off); v.contains(d, 32); d += 32) {
    uint32_t f[8];
    bool all_zero = true;
    for (int k = 0; k < 8; ++k) {
      f[k] = v.u32(d + 4ull * k);
      all_zero = all_zero && f[k] == 0;
    }
    if (all_zero) break;
    const uint32_t attributes = f[0];
    if (attributes > 1) break;
    uint32_t name_rva = f[1], iat_rva = f[3], int_rva = f[4];
    const bool old_style = !pe.pe64 && attributes == 0;
    if (old_style) {
      name_rva = static_cast<uint32_t>(normalize(image_base, name_rva));
      iat_rva = static_cast<uint32_t>(normalize(image_base, iat_rva));
      int_rva = static_cast<uint32_t>(normalize(image_base, int_rva));
    }
    if (int_rva >= size_of_image || iat_rva >= size_of_image || name_rva < kDosHeaderSize ||
        int_rva < kDosHeaderSize)
      break;
    int64_t name_at = pe.rva_to_offset(name_rva);
    if (name_at < 0 || !valid_dll_name(v, name_at)) continue;
    ImportedDll dll{std::string(pe.c_string(name_at)), {}};
    for (uint64_t n = int_rva, a = iat_rva;; n += width, a += width) {
      auto name_ptr = pointer_at(n), func_ptr = pointer_at(a);
      if (!name_ptr || !func_ptr || *name_ptr == kYrUndefined || *func_ptr == kYrUndefined) break;
      if (*name_ptr == 0 || *func_ptr == 0) break;
      ImportedFunction fn;
      uint64_t value = *name_ptr;
      if (!(value & ordinal_flag)) {
        if (!attributes) value = normalize(image_base, value);
        int64_t at = pe.rva_to_offset(value + 2);
        // An unresolved name reads as an empty string in 4.2.3.
        if (at >= 0) fn.name = pe.c_string(at, 512);
      } else {
        fn.ordinal = static_cast<uint16_t>(value & 0xffff);
        fn.name = ordinal_name(dll.name, fn.ordinal);
        fn.has_ordinal = true;
      }
      dll.functions.push_back(std::move(fn));
      ++functions;
    }
    ++dlls;
    data.delayed.push_back(std::move(dll));
  }
  b.set_integer(root, "number_of_delayed_imports", dlls);
  b.set_integer(root, "number_of_delayed_imported_functions", functions);
}

}  // namespace yarrow::modules::pe_detail
