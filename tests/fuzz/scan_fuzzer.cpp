// scan_fuzzer: compile + Scanner::scan_memory.
//
// Input: optional option byte in 0x01..0x1f except \t \n \r, then
// - default: rule text, a NUL byte, then the data to scan (the rules are compiled per input);
// - option bit 0x01: the whole rest is data, scanned with a fixed rule set covering every
//   string kind and modifier (compiled once), by a Scanner reused across inputs (scratch reuse).
// Other bits: 0x02 fast mode, 0x04 max 4 matches per string, 0x08 report non-matching rules.
// Checks: every match lies inside the data and its data are the bytes at its offset; scanning
// the same data twice gives the same result.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_targets.h"
#include "yarrow/compiler.h"
#include "yarrow/scanner.h"

namespace yarrow::fuzz {
namespace {

bool is_option_byte(uint8_t b) { return b >= 0x01 && b <= 0x1f && b != '\t' && b != '\n' && b != '\r'; }

// Every string kind and modifier of the 4.2 language, with conditions touching counts,
// offsets, lengths, loops, integer readers and rule references. Checked against yara 4.2.3.
constexpr std::string_view kFixedRules = R"yar(
rule text_mods { strings: $a = "abc" nocase wide ascii $b = "MZ" fullword $c = "key" xor(1-255) $d = "hello world" base64 $e = "pass" base64wide private condition: any of them }
rule hex_forms { strings: $a = { 4D 5A ?? 00 [0-8] ( 50 45 | 7F 45 4C 46 ) } $b = { E8 ?? ?? ?? ?? 5? 00 [2-] C3 } $c = { 00 01 [1-3] 02 [4] 03 } condition: $a or #b > 1 or $c at 0 }
rule regexes { strings: $a = /ab+c?d*[0-9]{2,4}/ $b = /(foo|bar)\x00baz/is $c = /[^\n]{3}\bword\B/ wide nocase $d = /a.{0,30}b/s condition: for any of ($a, $b) : (# > 0) or $c or $d in (0..100) }
rule ints { condition: uint8(0) == 0x4d or uint16be(filesize - 2) == 0 or int32(4) < 0 and filesize > 10KB }
rule counts_offsets { strings: $x = "x" $y = { 79 } condition: #x >= 2 and @x[2] > @y[1] and !x[1] == 1 and #y in (0..filesize) == 1 and for all i in (1..#x) : (@x[i] >= 0) }
rule loops { strings: $p = "p" $q = "q" condition: for 2 i in (0..3) : (uint8(i) == 0x70) or none of them or 50% of them }
rule arith { condition: (filesize * 3 + 7) \ 2 % 5 << 1 >> 1 & 0xff | 1 ^ 2 == ~0 or -filesize < 0 and "abc" contains "b" and "xYz" iequals "XYZ" and "abc" matches /B/i }
global rule g { condition: filesize < 1MB }
private rule p { strings: $a = "priv" condition: $a }
rule uses_p { condition: p or not text_mods }
rule anon { strings: $ = "aa" $ = "bb" condition: all of them }
)yar";

void check_result(std::span<const uint8_t> data, const ScanOptions& options,
                  const ScanResult& result) {
  for (const RuleMatch& rm : result.rules) {
    fuzz_require(rm.rule != nullptr, "scan", "RuleMatch without a rule");
    for (const StringMatches& sm : rm.strings) {
      for (const StringMatch& m : sm.matches) {
        fuzz_require(m.offset >= 0 && static_cast<uint64_t>(m.offset) <= data.size(), "scan",
                     "match offset outside the data");
        fuzz_require(static_cast<uint64_t>(m.offset) + m.length <= data.size(), "scan",
                     "match runs past the end of the data");
        const size_t kept = m.length < options.max_match_data ? m.length : options.max_match_data;
        fuzz_require(m.data.size() == kept, "scan", "match data length");
        fuzz_require(std::string_view(m.data) ==
                         std::string_view(reinterpret_cast<const char*>(data.data()) + m.offset,
                                          kept),
                     "scan", "match data differ from the scanned bytes");
      }
    }
  }
}

bool same_result(const ScanResult& a, const ScanResult& b) {
  if (a.rules.size() != b.rules.size()) return false;
  for (size_t i = 0; i < a.rules.size(); ++i) {
    const RuleMatch& x = a.rules[i];
    const RuleMatch& y = b.rules[i];
    if (x.rule != y.rule || x.matched != y.matched || x.strings.size() != y.strings.size()) {
      return false;
    }
    for (size_t s = 0; s < x.strings.size(); ++s) {
      const auto& mx = x.strings[s].matches;
      const auto& my = y.strings[s].matches;
      if (mx.size() != my.size()) return false;
      for (size_t k = 0; k < mx.size(); ++k) {
        if (mx[k].offset != my[k].offset || mx[k].length != my[k].length ||
            mx[k].xor_key != my[k].xor_key) {
          return false;
        }
      }
    }
  }
  return true;
}

void scan_twice(Scanner& scanner, std::span<const uint8_t> data, const ScanOptions& options) {
  ScanResult first;
  const ScanStatus s1 = scanner.scan_memory(data, first);
  fuzz_require(s1 != ScanStatus::kCannotOpen && s1 != ScanStatus::kCannotRead, "scan",
               "scan_memory reported an I/O status");
  if (s1 == ScanStatus::kTimeout) return;  // hostile loops: nothing reliable to compare
  if (s1 == ScanStatus::kOk) check_result(data, options, first);
  ScanResult second;
  const ScanStatus s2 = scanner.scan_memory(data, second);
  if (s2 == ScanStatus::kTimeout) return;
  fuzz_require(s1 == s2, "scan", "same data, different status");
  if (s1 == ScanStatus::kOk) {
    fuzz_require(same_result(first, second), "scan", "same data, different result");
  }
}

ScanOptions options_from(uint8_t bits) {
  ScanOptions options;
  options.timeout_seconds = 1;  // `for all i in (0..9223372036854775807)` is valid YARA
  options.fast_mode = bits & 0x02;
  if (bits & 0x04) options.max_matches_per_string = 4;
  options.report_non_matching = bits & 0x08;
  return options;
}

std::shared_ptr<const Rules> fixed_rules() {
  static const std::shared_ptr<const Rules> rules = [] {
    Compiler compiler;
    compiler.add_source(kFixedRules, "default", "fixed.yar");
    auto built = compiler.build();
    fuzz_require(built != nullptr, "scan", "the fixed rule set does not compile");
    return built;
  }();
  return rules;
}

}  // namespace

int scan_one(const uint8_t* data, size_t size) {
  uint8_t bits = 0;
  if (size > 0 && is_option_byte(data[0])) {
    bits = data[0];
    ++data;
    --size;
  }
  const ScanOptions options = options_from(bits);

  if (bits & 0x01) {
    // One Scanner per option set, kept across inputs like a scanning thread keeps its own.
    static std::unique_ptr<Scanner> scanners[16];
    auto& scanner = scanners[(bits >> 1) & 0x0f];
    if (!scanner) scanner = std::make_unique<Scanner>(fixed_rules(), options);
    scan_twice(*scanner, {data, size}, options);
    return 0;
  }

  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view text = all.substr(0, nul);
  const size_t data_start = nul == std::string_view::npos ? size : nul + 1;

  CompilerOptions compiler_options;
  compiler_options.allow_includes = false;
  Compiler compiler(compiler_options);
  compiler.define_external("ext_int", int64_t{7});
  compiler.define_external("ext_str", std::string("fuzz"));
  compiler.add_source(text, "default", "fuzz.yar");
  std::shared_ptr<const Rules> rules = compiler.build();
  if (!rules) return 0;
  Scanner scanner(rules, options);
  scan_twice(scanner, {data + data_start, size - data_start}, options);
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxScanInput) return 0;
  return yarrow::fuzz::scan_one(data, size);
}
#endif
