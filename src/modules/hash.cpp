// The hash module: md5/sha1/sha256 (OpenSSL, through util/digest.h), checksum32 and crc32,
// over a range of the scanned data or over a string. Ranges follow yara: negative or
// past-the-end offsets are undefined, lengths are clamped to the data.
#include <array>

#include "modules/modules_internal.h"
#include "util/digest.h"

namespace yarrow::modules {
namespace {

std::optional<std::span<const uint8_t>> range(std::span<const uint8_t> data, const Arg& o,
                                              const Arg& l) {
  int64_t offset = std::get<int64_t>(o), length = std::get<int64_t>(l);
  if (offset < 0 || length < 0) return std::nullopt;
  uint64_t off = static_cast<uint64_t>(offset);
  if (off >= data.size()) return std::nullopt;
  uint64_t len = std::min<uint64_t>(static_cast<uint64_t>(length), data.size() - off);
  return data.subspan(off, len);
}

std::span<const uint8_t> string_bytes(const Arg& a) {
  auto s = std::get<std::string_view>(a);
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result digest(util::DigestAlgorithm algorithm, std::span<const uint8_t> bytes) {
  std::optional<std::string> hex = util::hex_digest(algorithm, bytes);
  if (!hex) return {};
  return std::move(*hex);
}

const std::array<uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

int64_t crc32(std::span<const uint8_t> bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : bytes) c = crc_table()[(c ^ b) & 0xff] ^ (c >> 8);
  return static_cast<int64_t>(c ^ 0xFFFFFFFFu);
}

int64_t checksum32(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (uint8_t b : bytes) sum += b;
  return sum;
}

template <util::DigestAlgorithm Algorithm>
Result data_digest(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, a[0], a[1]);
  if (!r) return {};
  return digest(Algorithm, *r);
}
template <util::DigestAlgorithm Algorithm>
Result string_digest(const CallContext&, std::span<const Arg> a) {
  return digest(Algorithm, string_bytes(a[0]));
}
Result data_crc32(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, a[0], a[1]);
  if (!r) return {};
  return crc32(*r);
}
Result string_crc32(const CallContext&, std::span<const Arg> a) { return crc32(string_bytes(a[0])); }
Result data_checksum32(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, a[0], a[1]);
  if (!r) return {};
  return checksum32(*r);
}
Result string_checksum32(const CallContext&, std::span<const Arg> a) {
  return checksum32(string_bytes(a[0]));
}

Schema make_schema() {
  SchemaBuilder b("hash");
  b.data_function("md5", "ii", 's', data_digest<util::DigestAlgorithm::md5>);
  b.function("md5", "s", 's', string_digest<util::DigestAlgorithm::md5>);
  b.data_function("sha1", "ii", 's', data_digest<util::DigestAlgorithm::sha1>);
  b.function("sha1", "s", 's', string_digest<util::DigestAlgorithm::sha1>);
  b.data_function("sha256", "ii", 's', data_digest<util::DigestAlgorithm::sha256>);
  b.function("sha256", "s", 's', string_digest<util::DigestAlgorithm::sha256>);
  b.data_function("checksum32", "ii", 'i', data_checksum32);
  b.function("checksum32", "s", 'i', string_checksum32);
  b.data_function("crc32", "ii", 'i', data_crc32);
  b.function("crc32", "s", 'i', string_crc32);
  return b.build();
}

}  // namespace

const Schema& hash_schema() {
  static const Schema schema = make_schema();
  return schema;
}

}  // namespace yarrow::modules
