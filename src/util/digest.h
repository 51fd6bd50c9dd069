// Message digests (md5, sha1, sha256) as lowercase hex, computed by OpenSSL's libcrypto,
// which is opened on first use (util/lazy_library.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace yarrow::util {

enum class DigestAlgorithm { md5, sha1, sha256 };

// The digest of `bytes`, or nothing if libcrypto reports a failure.
std::optional<std::string> hex_digest(DigestAlgorithm algorithm, std::span<const uint8_t> bytes);

// A digest fed piece by piece.
class IncrementalDigest {
 public:
  explicit IncrementalDigest(DigestAlgorithm algorithm);
  ~IncrementalDigest();
  IncrementalDigest(const IncrementalDigest&) = delete;
  IncrementalDigest& operator=(const IncrementalDigest&) = delete;

  void update(std::span<const uint8_t> bytes);
  // The digest of everything given to update(), or nothing if any step failed.
  std::optional<std::string> hex_final();

 private:
  ::evp_md_ctx_st* context_;
  bool ok_;
};

}  // namespace yarrow::util
