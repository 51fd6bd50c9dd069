// Differential-testing probe: compiles ONE string spec, scans one file and prints the matches the
// way `yara -s` prints them ("0xOFFSET:$a: DATA"), so its output can be diffed against yara's.
//
//   match_probe --kind text|hex|regex --value-hex HEX [--nocase] [--wide] [--ascii]
//               [--fullword] [--xor MIN-MAX] [--base64 [ALPHA_HEX]] [--base64wide [ALPHA_HEX]]
//               [--regex-nocase] [--regex-dotall] [--max-matches N] [--check] FILE
//
// With --check it prints the spec's diagnostics instead ("error: ..." / "warning: ...").
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "match/pattern_set.h"

using yarrow::match::PatternScanner;
using yarrow::match::PatternSet;
using yarrow::match::ScanLimits;
using yarrow::match::SpecDiagnostic;
using yarrow::match::StringSpec;

namespace {

std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

void print_data(const uint8_t* p, size_t len, bool hex) {
  if (hex) {
    size_t n = std::min<size_t>(len, 64);
    for (size_t i = 0; i < n; ++i) std::printf(i == 0 ? "%02X" : " %02X", p[i]);
    if (len > 64) std::printf(" ...");
    return;
  }
  size_t n = std::min<size_t>(len, 512);
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 32 && p[i] <= 126)
      std::putchar(p[i]);
    else
      std::printf("\\x%02X", p[i]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  StringSpec spec;
  ScanLimits limits;
  std::string file;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    auto optional_next = [&]() -> std::optional<std::string> {
      if (i + 1 < argc && argv[i + 1][0] != '-' && std::string(argv[i + 1]).size() == 128)
        return from_hex(argv[++i]);
      return std::nullopt;
    };
    if (a == "--kind") {
      std::string k = next();
      spec.kind = k == "hex"     ? StringSpec::Kind::kHex
                  : k == "regex" ? StringSpec::Kind::kRegex
                                 : StringSpec::Kind::kText;
    } else if (a == "--value-hex") {
      spec.value = from_hex(next());
    } else if (a == "--nocase") {
      spec.nocase = true;
    } else if (a == "--wide") {
      spec.wide = true;
    } else if (a == "--ascii") {
      spec.ascii = true;
    } else if (a == "--fullword") {
      spec.fullword = true;
    } else if (a == "--regex-nocase") {
      spec.regex_nocase = true;
    } else if (a == "--regex-dotall") {
      spec.regex_dotall = true;
    } else if (a == "--xor") {
      std::string r = next();
      spec.xor_ = true;
      auto dash = r.find('-');
      spec.xor_min = static_cast<uint8_t>(std::stoi(r.substr(0, dash)));
      spec.xor_max = static_cast<uint8_t>(std::stoi(r.substr(dash + 1)));
    } else if (a == "--base64") {
      spec.base64 = true;
      spec.base64_alphabet = optional_next();
    } else if (a == "--base64wide") {
      spec.base64wide = true;
      spec.base64wide_alphabet = optional_next();
    } else if (a == "--max-matches") {
      limits.max_matches_per_string = static_cast<uint32_t>(std::stoul(next()));
    } else if (a == "--check") {
      check = true;
    } else {
      file = a;
    }
  }
  if (check) {
    for (const auto& d : PatternSet::check(spec))
      std::printf("%s: %s\n", d.is_error ? "error" : "warning", d.message.c_str());
    return 0;
  }
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(std::span<const StringSpec>(&spec, 1), {}, diags);
  if (!set) {
    for (const auto& d : diags)
      if (d.is_error) std::printf("error: %s\n", d.message.c_str());
    return 1;
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  PatternScanner scanner(*set);
  auto outcome = scanner.scan_block(data, 0, limits);
  if (outcome == yarrow::match::ScanOutcome::kError) {
    std::printf("error: scan failed\n");
    return 1;
  }
  if (outcome == yarrow::match::ScanOutcome::kTooManyMatches) std::printf("too many matches\n");
  for (const auto& m : scanner.matches(0)) {
    std::printf("0x%llx:$a: ", static_cast<unsigned long long>(m.offset));
    print_data(data.data() + m.offset, m.length, spec.kind == StringSpec::Kind::kHex);
    std::printf("\n");
  }
  return 0;
}
