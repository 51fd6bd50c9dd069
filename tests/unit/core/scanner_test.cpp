// Scanner behaviour: files, result contents, and one Rules shared by many threads.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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
  EXPECT_EQ(scanner.scan_file(dir.string(), result), ScanStatus::kCannotRead);
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
