// Scanner behaviour: files, result contents, and one Rules shared by many threads.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "test_support.h"

namespace yarrow::test {
namespace {

namespace fs = std::filesystem;

const char* kRules =
    "rule hello { strings: $h = \"hello\" $w = { 77 6f } condition: $h and #w > 0 }\n"
    "private rule hidden { condition: true }\n"
    "rule sized { condition: hidden and filesize > 3 }\n"
    "rule secret { strings: $p = \"hel\" private condition: $p }";

TEST(Scanner, ResultListsStringsAndSkipsPrivateRules) {
  Compiled out = compile(kRules);
  ASSERT_NE(out.rules, nullptr);
  Scanner scanner(out.rules);
  ScanResult result;
  const std::string data = "xx hello world";
  ASSERT_EQ(scanner.scan_memory({reinterpret_cast<const uint8_t*>(data.data()), data.size()},
                                result),
            ScanStatus::kOk);
  ASSERT_EQ(result.rules.size(), 3u);
  EXPECT_EQ(result.rules[0].rule->name, "hello");
  ASSERT_EQ(result.rules[0].strings.size(), 2u);
  ASSERT_EQ(result.rules[0].strings[0].matches.size(), 1u);
  EXPECT_EQ(result.rules[0].strings[0].matches[0].offset, 3);
  EXPECT_EQ(result.rules[0].strings[0].matches[0].data, "hello");
  EXPECT_TRUE(result.rules[0].strings[1].is_hex);
  EXPECT_EQ(result.rules[1].rule->name, "sized");
  EXPECT_EQ(result.rules[2].rule->name, "secret");
  EXPECT_TRUE(result.rules[2].strings[0].matches.empty());  // private string: not reported
}

TEST(Scanner, ReportNonMatching) {
  Compiled out = compile(kRules);
  ASSERT_NE(out.rules, nullptr);
  ScanOptions options;
  options.report_non_matching = true;
  Scanner scanner(out.rules, options);
  ScanResult result;
  ASSERT_EQ(scanner.scan_memory({}, result), ScanStatus::kOk);
  ASSERT_EQ(result.rules.size(), 3u);  // private rule left out
  for (const RuleMatch& m : result.rules) EXPECT_FALSE(m.matched);
}

TEST(Scanner, Files) {
  Compiled out = compile(kRules);
  ASSERT_NE(out.rules, nullptr);
  Scanner scanner(out.rules);
  ScanResult result;
  fs::path dir = fs::temp_directory_path() / ("yarrow_scan_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "empty.bin").close();
  std::ofstream(dir / "hello.bin") << "hello world";
  EXPECT_EQ(scanner.scan_file((dir / "missing.bin").string(), result), ScanStatus::kCannotOpen);
  EXPECT_EQ(scanner.scan_file(dir.string(), result), ScanStatus::kIsDirectory);
  EXPECT_EQ(scanner.scan_file((dir / "empty.bin").string(), result), ScanStatus::kOk);
  EXPECT_TRUE(result.rules.empty());
  EXPECT_EQ(scanner.scan_file((dir / "hello.bin").string(), result), ScanStatus::kOk);
  EXPECT_EQ(result.rules.size(), 3u);
  fs::remove_all(dir);
}

// A path that is (or became, after a directory walk stat'ed it) a FIFO with no writer must be
// refused at once, never block the scanning thread in open().
TEST(Scanner, FifoIsRefusedWithoutBlocking) {
  Compiled out = compile(kRules);
  ASSERT_NE(out.rules, nullptr);
  Scanner scanner(out.rules);
  ScanResult result;
  fs::path fifo = fs::temp_directory_path() / ("yarrow_fifo_" + std::to_string(getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(scanner.scan_file(fifo.string(), result), ScanStatus::kCannotOpen);
  fs::remove(fifo);
}

// A mapped file larger than match::kDropChunkBytes is scanned in chunks and its scanned pages
// are dropped from memory as the scan goes (ScanLimits::drop_scanned). Matches across chunk
// edges, match data and condition reads of dropped pages must be those of the same bytes
// scanned from memory.
TEST(Scanner, LargeFileScannedInChunksMatchesAsInMemory) {
  const char* rules =
      "rule big { strings: $a = \"needle_one\" $b = \"spans_the_boundary\" "
      "$c = { 4E 45 ?? 44 4C 45 } $d = /tail[0-9]{3}end/ $e = \"wide\" wide "
      "condition: uint32(0) == 0x44434241 and $a at 100 and #b == 2 and $c and $d and $e and "
      "uint8(100) == 0x6e and uint16(filesize - 2) == 0x5a5a }\n"
      "rule counts { strings: $b = \"spans_the_boundary\" condition: @b[2] > @b[1] }";
  Compiled out = compile(rules);
  ASSERT_NE(out.rules, nullptr);
  const size_t mib = size_t{1} << 20;
  std::string data(20 * mib + 123, '\0');
  std::mt19937 rng(7);
  for (char& c : data) c = static_cast<char>('a' + rng() % 8);  // no planted string by chance
  auto plant = [&data](size_t at, const std::string& s) { data.replace(at, s.size(), s); };
  plant(0, "ABCD");
  plant(100, "needle_one");
  plant(8 * mib - 7, "spans_the_boundary");
  plant(16 * mib - 3, "spans_the_boundary");
  plant(2 * mib + 1, std::string("w\0i\0d\0e\0", 8));
  plant(12 * mib, "NEXDLE");
  plant(data.size() - 40, "tail123end");
  plant(data.size() - 2, "ZZ");
  fs::path file = fs::temp_directory_path() / ("yarrow_large_" + std::to_string(getpid()));
  std::ofstream(file, std::ios::binary) << data;

  Scanner scanner(out.rules);
  ScanResult from_file, from_memory;
  ASSERT_EQ(scanner.scan_file(file.string(), from_file), ScanStatus::kOk);
  ASSERT_EQ(scanner.scan_memory({reinterpret_cast<const uint8_t*>(data.data()), data.size()},
                                from_memory),
            ScanStatus::kOk);
  fs::remove(file);
  ASSERT_EQ(from_file.rules.size(), 2u);
  ASSERT_EQ(from_memory.rules.size(), 2u);
  for (size_t r = 0; r < 2; ++r) {
    const RuleMatch& a = from_file.rules[r];
    const RuleMatch& b = from_memory.rules[r];
    EXPECT_EQ(a.rule->name, b.rule->name);
    ASSERT_EQ(a.strings.size(), b.strings.size());
    for (size_t s = 0; s < a.strings.size(); ++s) {
      ASSERT_EQ(a.strings[s].matches.size(), b.strings[s].matches.size()) << a.rule->name << s;
      for (size_t m = 0; m < a.strings[s].matches.size(); ++m) {
        EXPECT_EQ(a.strings[s].matches[m].offset, b.strings[s].matches[m].offset);
        EXPECT_EQ(a.strings[s].matches[m].data, b.strings[s].matches[m].data);
      }
    }
  }
  ASSERT_EQ(from_file.rules[0].strings.size(), 5u);
  ASSERT_EQ(from_file.rules[0].strings[1].matches.size(), 2u);
  EXPECT_EQ(from_file.rules[0].strings[1].matches[0].offset, static_cast<int64_t>(8 * mib - 7));
  EXPECT_EQ(from_file.rules[0].strings[1].matches[1].data, "spans_the_boundary");
  EXPECT_EQ(from_file.rules[0].strings[0].matches[0].data, "needle_one");
}

TEST(Scanner, ThreadsShareOneRules) {
  Compiled out = compile(kRules);
  ASSERT_NE(out.rules, nullptr);
  std::vector<std::string> inputs = {"hello world", "nothing", "wo wo hello", "abcd", ""};
  std::vector<std::set<std::string>> expected;
  for (const std::string& in : inputs) expected.push_back(matching_rules(out.rules, in));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Scanner scanner(out.rules);
      ScanResult result;
      for (int round = 0; round < 200; ++round) {
        size_t i = static_cast<size_t>(round + t) % inputs.size();
        const std::string& in = inputs[i];
        scanner.scan_memory({reinterpret_cast<const uint8_t*>(in.data()), in.size()}, result);
        std::set<std::string> got;
        for (const RuleMatch& m : result.rules) got.insert(m.rule->name);
        mismatches[t] += got != expected[i];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// Serves blocks from one reused buffer, as a process reader does.
class TwoBlocks : public BlockReader {
 public:
  bool next(uint64_t& base, std::span<const uint8_t>& bytes) override {
    static const char* kBlocks[] = {"xx hello", "hello yy"};
    static const uint64_t kBases[] = {0x1000, 0x8000};
    if (i_ == 2) return false;
    buffer_ = kBlocks[i_];
    base = kBases[i_++];
    bytes = {reinterpret_cast<const uint8_t*>(buffer_.data()), buffer_.size()};
    return true;
  }

 private:
  int i_ = 0;
  std::string buffer_;
};

TEST(Scanner, BlocksAreOneAddressSpace) {
  Compiled out = compile(
      "rule r { strings: $h = \"hello\" condition: #h == 2 and @h[2] == 0x8000 }\n"
      "rule u { condition: not defined filesize and not defined uint8(0x1000) }");
  ASSERT_NE(out.rules, nullptr);
  Scanner scanner(out.rules);
  ScanResult result;
  TwoBlocks reader;
  ASSERT_EQ(scanner.scan_blocks(reader, result), ScanStatus::kOk);
  ASSERT_EQ(result.rules.size(), 2u);
  const StringMatches& h = result.rules[0].strings[0];
  ASSERT_EQ(h.matches.size(), 2u);
  EXPECT_EQ(h.matches[0].offset, 0x1003);
  EXPECT_EQ(h.matches[0].data, "hello");
  EXPECT_EQ(h.matches[1].data, "hello");
}

}  // namespace
}  // namespace yarrow::test
