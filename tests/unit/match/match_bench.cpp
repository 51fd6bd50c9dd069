// Rough matcher benchmark: builds a PatternSet from random strings (text with modifiers, hex,
// regex) and scans a file, printing build and scan times. Not a test; a tool for the speed work.
//   match_bench N_TEXT N_HEX N_REGEX FILE [SEED]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "match/pattern_set.h"

using namespace yarrow::match;

int main(int argc, char** argv) {
  if (argc < 5) return 2;
  const int nt = std::atoi(argv[1]), nh = std::atoi(argv[2]), nr = std::atoi(argv[3]);
  std::mt19937 rng(argc > 5 ? std::atoi(argv[5]) : 1);
  auto word = [&](int len) {
    std::string s;
    for (int i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
    return s;
  };
  std::vector<StringSpec> specs;
  for (int i = 0; i < nt; ++i) {
    StringSpec s;
    s.value = word(6 + rng() % (std::getenv("SHORT") ? 3 : 10));
    int r = rng() % 10;
    if (r == 0) s.nocase = true;
    if (r == 1) s.wide = s.ascii = true;
    if (r == 2) s.fullword = true;
    specs.push_back(s);
  }
  for (int i = 0; i < nh; ++i) {
    StringSpec s;
    s.kind = StringSpec::Kind::kHex;
    char buf[64];
    auto byte = [&rng] { return static_cast<unsigned>(rng() % 256); };
    std::snprintf(buf, sizeof buf, "%02X %02X ?? %02X [2-8] %02X %02X", byte(), byte(), byte(),
                  byte(), byte());
    s.value = buf;
    specs.push_back(s);
  }
  for (int i = 0; i < nr; ++i) {
    StringSpec s;
    s.kind = StringSpec::Kind::kRegex;
    s.value = word(4) + "[0-9]{1,4}" + word(3) + "(x|yz)?";
    specs.push_back(s);
  }
  std::ifstream in(argv[4], std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto t0 = std::chrono::steady_clock::now();
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  auto t1 = std::chrono::steady_clock::now();
  if (!set) {
    std::printf("build failed\n");
    return 1;
  }
  PatternScanner scanner(*set);
  size_t total = 0;
  auto t2 = std::chrono::steady_clock::now();
  scanner.scan_block(data, 0, {});
  auto t3 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < specs.size(); ++i) total += scanner.matches(i).size();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::printf("strings %zu build %.1f ms scan %.1f ms (%.1f MB/s) matches %zu\n", specs.size(),
              ms(t0, t1), ms(t2, t3), data.size() / 1e6 / (ms(t2, t3) / 1000), total);
  return 0;
}
