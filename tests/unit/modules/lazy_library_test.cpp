// The loader behind libcrypto and libmagic (util/lazy_library.h): symbols resolve to working
// functions, digests match known vectors, and a library that cannot be opened stops the process
// with a message naming it and what needed it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "util/digest.h"
#include "util/lazy_library.h"

namespace {

using yarrow::util::DigestAlgorithm;
using yarrow::util::LazyLibrary;

std::span<const uint8_t> bytes_of(const char* text) {
  return {reinterpret_cast<const uint8_t*>(text), std::strlen(text)};
}

TEST(LazyLibrary, ResolvesAWorkingFunction) {
  static LazyLibrary libc("libc.so.6", "this test");
  EXPECT_EQ(YARROW_LAZY_SYMBOL(libc, strlen)("yarrow"), 6u);
}

TEST(LazyLibrary, MissingLibraryStopsWithANamedError) {
  static LazyLibrary missing("libyarrow-does-not-exist.so.9", "the unit test's feature");
  EXPECT_EXIT(missing.symbol("anything"), testing::ExitedWithCode(1),
              "libyarrow-does-not-exist.so.9, needed for the unit test's feature, cannot be used");
}

TEST(LazyLibrary, MissingSymbolStopsWithANamedError) {
  static LazyLibrary libc("libc.so.6", "a feature");
  EXPECT_EXIT(libc.symbol("yarrow_no_such_function"), testing::ExitedWithCode(1),
              "libc.so.6, needed for a feature, cannot be used: .*yarrow_no_such_function");
}

TEST(Digest, KnownVectors) {
  EXPECT_EQ(yarrow::util::hex_digest(DigestAlgorithm::md5, bytes_of("abc")),
            "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(yarrow::util::hex_digest(DigestAlgorithm::sha1, bytes_of("abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(yarrow::util::hex_digest(DigestAlgorithm::sha256, bytes_of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, IncrementalEqualsWhole) {
  yarrow::util::IncrementalDigest sha256(DigestAlgorithm::sha256);
  sha256.update(bytes_of("a"));
  sha256.update(bytes_of(""));
  sha256.update(bytes_of("bc"));
  EXPECT_EQ(sha256.hex_final(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256.hex_final(), std::nullopt);  // finalised once
}

}  // namespace
