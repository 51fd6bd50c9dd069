#include "scan/entry_point.h"

#include <algorithm>

namespace yarrow::scan {

namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const uint8_t* p) { return le32(p) | (static_cast<uint64_t>(le32(p + 4)) << 32); }

constexpr size_t kDosHeaderSize = 64;
constexpr size_t kFileHeaderSize = 20;
constexpr size_t kOptionalHeader32Size = 224;
constexpr size_t kSectionHeaderSize = 40;
constexpr size_t kMaxPeSections = 60;

std::optional<int64_t> pe_entry(std::span<const uint8_t> d) {
  if (d.size() < kDosHeaderSize || le16(d.data()) != 0x5a4d) return std::nullopt;
  const int32_t lfanew = static_cast<int32_t>(le32(d.data() + 0x3c));
  if (lfanew < 0) return std::nullopt;
  const size_t nt = static_cast<size_t>(lfanew);
  if (d.size() < nt + 4 + kFileHeaderSize) return std::nullopt;
  const uint8_t* pe = d.data() + nt;
  const uint16_t machine = le16(pe + 4);
  if (le32(pe) != 0x00004550 || (machine != 0x14c && machine != 0x8664) ||
      d.size() <= nt + 4 + kFileHeaderSize + kOptionalHeader32Size) {
    return std::nullopt;
  }
  const uint64_t rva = le32(pe + 24 + 16);
  const size_t avail = d.size() - nt;  // bytes from the NT headers on
  const size_t first_section = 24 + le16(pe + 20);
  const size_t n = std::min<size_t>(le16(pe + 6), kMaxPeSections);
  uint32_t best_rva = 0, best_offset = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = first_section + i * kSectionHeaderSize;
    if (at + kSectionHeaderSize >= avail) return 0;
    const uint32_t va = le32(pe + at + 12);
    if (rva >= va && best_rva <= va) {
      best_rva = va;
      best_offset = le32(pe + at + 20);
    }
  }
  return static_cast<int64_t>(best_offset + (rva - best_rva));
}

template <bool k64>
int64_t elf_entry(std::span<const uint8_t> d) {
  const uint8_t* h = d.data();
  const uint16_t type = le16(h + 16);
  const uint64_t entry = k64 ? le64(h + 24) : le32(h + 24);
  const uint64_t ph_off = k64 ? le64(h + 32) : le32(h + 28);
  const uint64_t sh_off = k64 ? le64(h + 40) : le32(h + 32);
  const uint16_t ph_count = le16(h + (k64 ? 56 : 44));
  const uint16_t sh_count = le16(h + (k64 ? 60 : 48));
  constexpr uint64_t kPhSize = k64 ? 56 : 32;
  constexpr uint64_t kShSize = k64 ? 64 : 40;
  if (type == 2) {  // ET_EXEC: program headers
    if (ph_off == 0 || ph_count == 0) return 0;
    if (ph_off > UINT64_MAX - kPhSize * ph_count || ph_off + kPhSize * ph_count > d.size()) {
      return 0;
    }
    for (uint16_t i = 0; i < ph_count; ++i) {
      const uint8_t* p = h + ph_off + i * kPhSize;
      uint64_t offset, vaddr, end;
      if constexpr (k64) {
        offset = le64(p + 8);
        vaddr = le64(p + 16);
        end = vaddr + le64(p + 40);
      } else {
        offset = le32(p + 4);
        vaddr = le32(p + 8);
        end = static_cast<uint32_t>(le32(p + 8) + le32(p + 20));  // 32-bit wrap, as yara
      }
      if (entry >= vaddr && entry < end) return static_cast<int64_t>(offset + (entry - vaddr));
    }
    return 0;
  }
  if (sh_off == 0 || sh_count == 0) return 0;
  if (sh_off > UINT64_MAX - kShSize * sh_count || sh_off + kShSize * sh_count > d.size()) {
    return 0;
  }
  for (uint16_t i = 0; i < sh_count; ++i) {
    const uint8_t* s = h + sh_off + i * kShSize;
    const uint32_t stype = le32(s + 4);
    uint64_t addr, offset, end;
    if constexpr (k64) {
      addr = le64(s + 16);
      offset = le64(s + 24);
      end = addr + le64(s + 32);
    } else {
      addr = le32(s + 12);
      offset = le32(s + 16);
      end = static_cast<uint32_t>(le32(s + 12) + le32(s + 20));
    }
    if (stype != 0 && stype != 8 && entry >= addr && entry < end) {
      if (!k64 && UINT32_MAX - offset < entry - addr) return 0;
      return static_cast<int64_t>(offset + (entry - addr));
    }
  }
  return 0;
}

}  // namespace

std::optional<int64_t> entry_point_offset(std::span<const uint8_t> data) {
  if (auto pe = pe_entry(data)) return pe;
  if (data.size() < 16 || le32(data.data()) != 0x464c457f) return std::nullopt;
  if (data[4] == 1 && data.size() >= 52) return elf_entry<false>(data);
  if (data[4] == 2 && data.size() >= 64) return elf_entry<true>(data);
  return std::nullopt;
}

}  // namespace yarrow::scan
