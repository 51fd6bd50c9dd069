// Storing a built PatternSet and loading it back (precompiled rules, src/store): everything in
// PatternSet::Impl is written as it is, the Vectorscan database through hs_serialize_database,
// so a load parses no regex, selects no atom and compiles nothing. Every index is range-checked
// on load: a damaged or forged section yields an error, never a crash. What cannot be checked
// is the Vectorscan bytecode beyond what Vectorscan itself checks (version, platform, CRC), so,
// like yara's compiled rules, a compiled file is only as trustworthy as whoever wrote it.
//
// Also the little-endian codec (ByteWriter, ByteReader) shared with the compiled-rules file.
//
// Built into yarrow_store (the only user), not yarrow_match: data flows one way, and the
// static_asserts in the .cpp that catch a new Impl field only stop the store from building.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "match/pattern_set.h"

namespace yarrow::match {

// Fixed-width little-endian integers and LEB128 varints (var; svar: zigzagged signed); strings
// and counts prefixed by their varint length; blobs (sections a reader may want to find or
// skip) by their u64 length.
class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v), 8); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  // LEB128: seven bits a byte, low first, high bit set on every byte but the last.
  void var(uint64_t v) {
    char b[10];
    size_t n = 0;
    while (v >= 0x80) {
      b[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out_.append(b, n);
  }
  void svar(int64_t v) {
    const auto u = static_cast<uint64_t>(v);
    var((u << 1) ^ (v < 0 ? ~uint64_t{0} : 0));
  }
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void str(std::string_view s) {
    var(s.size());
    out_.append(s);
  }
  void blob(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void strings(const std::vector<std::string>& v) {
    var(v.size());
    for (const std::string& s : v) str(s);
  }
  void u32s(const std::vector<uint32_t>& v) {
    var(v.size());
    for (uint32_t x : v) var(x);
  }
  size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

 private:
  void put(uint64_t v, int bytes) {
    char b[8];
    for (int i = 0; i < bytes; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, static_cast<size_t>(bytes));
  }
  std::string out_;
};

// Reads with bounds checks; the first failure sticks and every later read returns zeros, so
// parsing code stays linear and checks ok() at the end.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  void fail() { ok_ = false; }

  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  int64_t i64() { return static_cast<int64_t>(get(8)); }
  double f64() {
    uint64_t bits = get(8);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  bool flag() {
    uint8_t v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  // What ByteWriter::var wrote; refuses encodings longer than 10 bytes or above 64 bits.
  uint64_t var() {
    uint64_t v = 0;
    for (int shift = 0; ok_ && pos_ < data_.size(); shift += 7) {
      const uint8_t b = data_[pos_++];
      if (shift == 63 && b > 1) break;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
      if (shift == 63) break;
    }
    ok_ = false;
    return 0;
  }
  uint32_t var32() {
    const uint64_t v = var();
    if (v > UINT32_MAX) ok_ = false;
    return ok_ ? static_cast<uint32_t>(v) : 0;
  }
  int64_t svar() {
    const uint64_t u = var();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  // `n` bytes in place (empty after a failure).
  std::span<const uint8_t> raw(uint64_t n) {
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return {};
    }
    std::span<const uint8_t> s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // What ByteWriter::blob wrote, in place.
  std::span<const uint8_t> blob() { return raw(u64()); }
  std::string str() {
    std::span<const uint8_t> s = raw(var());
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  // A count of items each at least `min_item_bytes` long: refuses counts the rest of the input
  // can't hold, so a damaged count never triggers a huge allocation.
  size_t count(size_t min_item_bytes) {
    uint64_t n = var();
    if (!ok_ || n > remaining() / (min_item_bytes ? min_item_bytes : 1)) {
      ok_ = false;
      return 0;
    }
    return static_cast<size_t>(n);
  }
  std::vector<std::string> strings() {
    std::vector<std::string> v(count(1));
    for (std::string& s : v) s = str();
    return v;
  }
  std::vector<uint32_t> u32s() {
    std::vector<uint32_t> v(count(1));
    for (uint32_t& x : v) x = var32();
    return v;
  }

 private:
  uint64_t get(int bytes) {
    if (!ok_ || remaining() < static_cast<size_t>(bytes)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(bytes);
    return v;
  }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Identifies the stored layout (the field lists and struct sizes): part of the compiled-rules
// build id, so that a file written before a field was added is refused as "written by another
// yarrow build" (recompile) instead of failing to decode as corrupt.
std::string pattern_set_layout_id();

// Appends `set` (as built by PatternSet::build or loaded) to `out`.
void write_pattern_set(const PatternSet& set, ByteWriter& out);

struct PatternSetLoad {
  enum class Status : uint8_t {
    kOk,
    // The stored structures are sound but Vectorscan refused the stored database (built for
    // another CPU or library version, or its own check failed): rebuild from the specs.
    kIncompatible,
    kCorrupt,  // malformed or inconsistent; `message` says what
  };
  Status status = Status::kCorrupt;
  std::unique_ptr<const PatternSet> set;  // set when kOk
  std::string message;
};

// Reads what write_pattern_set wrote, all of `bytes`. `spec_count`: how many strings the set
// must have (the rules' string table).
PatternSetLoad read_pattern_set(std::span<const uint8_t> bytes, size_t spec_count);

}  // namespace yarrow::match
