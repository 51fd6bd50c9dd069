// Consumes a fuzz input as a stream of choices (flags, small integers, strings). Reading past
// the end yields zeros and empty strings, so every input decodes to something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace yarrow::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return pos_ < size_ ? size_ - pos_ : 0; }

  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool flag() { return (byte() & 1) != 0; }
  uint16_t u16() { return static_cast<uint16_t>(byte() | (byte() << 8)); }
  uint32_t u32() { return static_cast<uint32_t>(u16()) | (static_cast<uint32_t>(u16()) << 16); }
  int64_t i64() {
    uint64_t v = u32();
    v |= static_cast<uint64_t>(u32()) << 32;
    return static_cast<int64_t>(v);
  }

  // A length-prefixed string of at most `max` bytes.
  std::string string(size_t max) {
    size_t n = byte() % (max + 1);
    n = n < remaining() ? n : remaining();
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

  // Everything up to (not including) the next `sep` byte, which is consumed; or the rest.
  std::string_view until(uint8_t sep) {
    const size_t start = pos_ < size_ ? pos_ : size_;
    size_t end = start;
    while (end < size_ && data_[end] != sep) ++end;
    pos_ = end < size_ ? end + 1 : end;
    return {reinterpret_cast<const char*>(data_ + start), end - start};
  }

  std::span<const uint8_t> rest() {
    const size_t start = pos_ < size_ ? pos_ : size_;
    pos_ = size_;
    return {data_ + start, size_ - start};
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace yarrow::fuzz
