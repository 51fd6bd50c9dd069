// Bounds-checked little/big-endian field reads over scanned bytes. Parsers validate ranges
// first; a read that would still fall outside the data yields 0 instead of touching memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace yarrow::modules {

class ByteView {
 public:
  ByteView(std::span<const uint8_t> data, bool big_endian) : data_(data), big_(big_endian) {}

  size_t size() const { return data_.size(); }
  const uint8_t* data() const { return data_.data(); }
  // True when [offset, offset + length) lies inside the data (overflow-safe).
  bool contains(uint64_t offset, uint64_t length) const {
    return offset <= data_.size() && length <= data_.size() - offset;
  }
  uint64_t read(uint64_t offset, unsigned width) const {
    if (!contains(offset, width)) return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      unsigned shift = big_ ? 8 * (width - 1 - i) : 8 * i;
      v |= static_cast<uint64_t>(data_[offset + i]) << shift;
    }
    return v;
  }
  uint8_t u8(uint64_t o) const { return static_cast<uint8_t>(read(o, 1)); }
  uint16_t u16(uint64_t o) const { return static_cast<uint16_t>(read(o, 2)); }
  uint32_t u32(uint64_t o) const { return static_cast<uint32_t>(read(o, 4)); }
  uint64_t u64(uint64_t o) const { return read(o, 8); }

 private:
  std::span<const uint8_t> data_;
  bool big_;
};

}  // namespace yarrow::modules
