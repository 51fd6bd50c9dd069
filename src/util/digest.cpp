#include "util/digest.h"

#include <openssl/evp.h>

#include "util/lazy_library.h"

namespace yarrow::util {
namespace {

const EVP_MD* message_digest(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::md5:
      return YARROW_LAZY_SYMBOL(libcrypto(), EVP_md5)();
    case DigestAlgorithm::sha1:
      return YARROW_LAZY_SYMBOL(libcrypto(), EVP_sha1)();
    case DigestAlgorithm::sha256:
      return YARROW_LAZY_SYMBOL(libcrypto(), EVP_sha256)();
  }
  return nullptr;
}

std::string to_hex(const unsigned char* bytes, unsigned length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::optional<std::string> hex_digest(DigestAlgorithm algorithm, std::span<const uint8_t> bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (YARROW_LAZY_SYMBOL(libcrypto(), EVP_Digest)(bytes.data(), bytes.size(), out, &length,
                                                   message_digest(algorithm), nullptr) != 1)
    return std::nullopt;
  return to_hex(out, length);
}

IncrementalDigest::IncrementalDigest(DigestAlgorithm algorithm)
    : context_(YARROW_LAZY_SYMBOL(libcrypto(), EVP_MD_CTX_new)()) {
  ok_ = context_ != nullptr && YARROW_LAZY_SYMBOL(libcrypto(), EVP_DigestInit_ex)(
                                   context_, message_digest(algorithm), nullptr) == 1;
}

IncrementalDigest::~IncrementalDigest() { YARROW_LAZY_SYMBOL(libcrypto(), EVP_MD_CTX_free)(context_); }

void IncrementalDigest::update(std::span<const uint8_t> bytes) {
  if (ok_) ok_ = YARROW_LAZY_SYMBOL(libcrypto(), EVP_DigestUpdate)(context_, bytes.data(), bytes.size()) == 1;
}

std::optional<std::string> IncrementalDigest::hex_final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ok_ || YARROW_LAZY_SYMBOL(libcrypto(), EVP_DigestFinal_ex)(context_, out, &length) != 1)
    return std::nullopt;
  ok_ = false;  // a context is finalised once
  return to_hex(out, length);
}

}  // namespace yarrow::util
