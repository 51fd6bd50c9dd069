// rulesfile_fuzzer: compiled rules files (`yarrow compile` / `scan -C`) whose payload is
// arbitrary but whose header and checksum are valid, as a forger would make them. The checksum
// only detects damage; what stands between such a file and the scanner are the loader's own
// checks (every index, count and program), and since format 6 the rule tables are decoded
// before the checksum is known. Whatever the payload, deserialize_rules either refuses it with a
// message or returns rules that scan without crashing.
//
// Input: the payload (the bytes after the header). The seeds (tests/fuzz/corpus/rulesfile/) are
// payloads of real compiled rule sets: `yarrow compile RULES -o F`, then the bytes of F after
// its header (tests/fuzz/make_corpus.py does this for kRules and two more sets).
#include <xxhash.h>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_targets.h"
#include "yarrow/compiler.h"
#include "yarrow/rules_file.h"
#include "yarrow/scanner.h"

namespace yarrow::fuzz {
namespace {

constexpr std::string_view kRules = R"yar(
rule t { strings: $a = "abc" nocase wide ascii $b = "key" xor(1-3) $c = "hello" base64 condition: any of them }
rule h { strings: $a = { 4D 5A ?? 00 [0-8] ( 50 45 | 7F 45 ) } $b = /ab+c?[0-9]{2}/ condition: $a or #b > 1 }
rule c { strings: $x = "x" condition: #x >= 2 and @x[2] > 1 and for all i in (1..#x) : (@x[i] >= 0) }
rule m { meta: author = "fuzz" score = 5 condition: uint16(0) == 0x5a4d and filesize < 1MB }
)yar";

// A valid file of kRules: its header (up to the payload size field) is reused for every input.
const std::string& valid_file() {
  static const std::string file = [] {
    Compiler compiler;
    compiler.add_source(kRules, "default", "fuzz.yar");
    auto rules = compiler.build();
    fuzz_require(rules != nullptr, "rulesfile", "the fixed rule set does not compile");
    return serialize_rules(*rules);
  }();
  return file;
}

// Bytes from the start of the file to the payload size field (magic, version, build id).
size_t prefix_size(const std::string& file) {
  uint64_t id_length = 0;
  std::memcpy(&id_length, file.data() + 12, sizeof id_length);
  return 8 + 4 + 8 + static_cast<size_t>(id_length);
}

}  // namespace

int rulesfile_one(const uint8_t* data, size_t size) {
  const std::string& valid = valid_file();
  std::string file = valid.substr(0, prefix_size(valid));
  const uint64_t payload_size = size;
  file.append(reinterpret_cast<const char*>(&payload_size), sizeof payload_size);
  XXH128_canonical_t digest;
  XXH128_canonicalFromHash(&digest, XXH3_128bits(data, size));
  file.append(reinterpret_cast<const char*>(digest.digest), sizeof digest.digest);
  file.append(reinterpret_cast<const char*>(data), size);

  RulesFileError error;
  auto rules = deserialize_rules(
      {reinterpret_cast<const uint8_t*>(file.data()), file.size()}, error);
  if (rules == nullptr) {
    fuzz_require(!error.message.empty(), "rulesfile", "refused without a message");
    fuzz_require(error.kind != RulesFileError::Kind::kMismatched, "rulesfile",
                 "a forged payload was taken for another build's file");
    return 0;
  }
  ScanOptions options;
  options.timeout_seconds = 1;
  Scanner scanner(rules, options);
  static const std::string sample = std::string("MZ\x90\x00PE\x00\x00", 8) +
                                    "abcABCx1x2xab12abbb99aGVsbG8=keyxkey" +
                                    std::string("a\0b\0c\0", 6);
  ScanResult result;
  scanner.scan_memory({reinterpret_cast<const uint8_t*>(sample.data()), sample.size()}, result);
  return 0;
}

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxRulesFileInput) return 0;
  return yarrow::fuzz::rulesfile_one(data, size);
}
#endif

}  // namespace yarrow::fuzz
