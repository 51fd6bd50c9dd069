// Replays every file of tests/fuzz/regressions/<target>/ (inputs that once crashed, hung or
// broke a contract) and tests/fuzz/corpus/<target>/ (the seeds) through the fuzz entry
// points. Built with any compiler, so CI without clang still guards fixed bugs; a crash or a
// sanitizer report fails the test executable. Reproducers of bugs not fixed yet wait in
// regressions/<target>/open/ (not replayed; /work/notes/fuzz-findings.md says who owns them)
// and move up one level with the fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace yarrow::fuzz {
namespace {

namespace fs = std::filesystem;
using EntryPoint = int (*)(const uint8_t*, size_t);

struct Target {
  const char* name;
  EntryPoint entry;
};

// Names the parameter in test listings (CTest names stay stable across runs).
void PrintTo(const Target& target, std::ostream* os) { *os << target.name; }

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t replay(const Target& target, const char* kind) {
  const fs::path dir = fs::path(YARROW_FUZZ_DIR) / kind / target.name;
  size_t count = 0;
  for (const fs::path& file : files_under(dir)) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(file.string());
    EXPECT_EQ(target.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++count;
  }
  return count;
}

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, Regressions) { replay(GetParam(), "regressions"); }

TEST_P(FuzzReplay, SeedCorpus) {
  EXPECT_GT(replay(GetParam(), "corpus"), 0u) << "empty seed corpus for " << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay,
                         ::testing::Values(Target{"parse", &parse_one},
                                           Target{"compile", &compile_one},
                                           Target{"scan", &scan_one},
                                           Target{"policy", &policy_one},
                                           Target{"hunt", &hunt_one},
                                           Target{"module", &module_one},
                                           Target{"rulesfile", &rulesfile_one}),
                         [](const auto& info) { return std::string(info.param.name); });

// The entry points must survive the degenerate inputs libFuzzer starts with.
TEST(FuzzEntryPoints, EmptyAndTinyInputs) {
  const uint8_t bytes[] = {0x01, 0x00, 0xff, '\n'};
  for (EntryPoint entry : {&parse_one, &compile_one, &scan_one, &policy_one, &hunt_one, &module_one,
                           &rulesfile_one}) {
    EXPECT_EQ(entry(nullptr, 0), 0);
    for (size_t n = 1; n <= sizeof(bytes); ++n) EXPECT_EQ(entry(bytes, n), 0);
  }
}

}  // namespace
}  // namespace yarrow::fuzz
