// Unit tests of process-memory scanning: the library's block API with a fake reader (offsets are
// addresses, match data survives the reader reusing its buffer), and yarrow_procmem on this very
// test process (its own memory, its own context).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "procmem/process_info.h"
#include "procmem/process_memory.h"
#include "yarrow/compiler.h"
#include "yarrow/scanner.h"

namespace yarrow {
namespace {

std::shared_ptr<const Rules> compile(const std::string& text) {
  Compiler compiler;
  compiler.add_source(text);
  auto rules = compiler.build();
  EXPECT_NE(rules, nullptr);
  return rules;
}

// Yields fixed blocks through ONE buffer, overwritten on each call, as a real reader does.
class FakeReader final : public BlockReader {
 public:
  explicit FakeReader(std::vector<std::pair<uint64_t, std::string>> blocks)
      : blocks_(std::move(blocks)) {}
  bool next(uint64_t& base, std::span<const uint8_t>& bytes) override {
    if (i_ == blocks_.size()) return false;
    buffer_.assign(blocks_[i_].second.begin(), blocks_[i_].second.end());
    base = blocks_[i_].first;
    bytes = std::span<const uint8_t>(buffer_.data(), buffer_.size());
    ++i_;
    return true;
  }

 private:
  std::vector<std::pair<uint64_t, std::string>> blocks_;
  std::vector<uint8_t> buffer_;
  size_t i_ = 0;
};

TEST(ScanBlocks, OffsetsAreAddressesAndDataIsKept) {
  auto rules = compile(
      "rule two { strings: $a = \"alpha\" $b = \"bravo\" condition: #a == 2 and $b }\n"
      "rule no_size { condition: filesize > 0 }\n");
  Scanner scanner(rules);
  ScanResult result;
  FakeReader reader({{0x1000, "xxalphaxx"}, {0x50000, "bravo..alpha"}, {0x90000, "zzzzzzzzzzzz"}});
  ASSERT_EQ(scanner.scan_blocks(reader, result), ScanStatus::kOk);
  ASSERT_EQ(result.rules.size(), 1u);  // filesize is undefined for memory
  const RuleMatch& m = result.rules[0];
  EXPECT_EQ(m.rule->name, "two");
  ASSERT_EQ(m.strings[0].matches.size(), 2u);
  EXPECT_EQ(m.strings[0].matches[0].offset, 0x1002);
  EXPECT_EQ(m.strings[0].matches[1].offset, 0x50007);
  EXPECT_EQ(m.strings[0].matches[0].data, "alpha");
  EXPECT_EQ(m.strings[0].matches[1].data, "alpha");
  ASSERT_EQ(m.strings[1].matches.size(), 1u);
  EXPECT_EQ(m.strings[1].matches[0].offset, 0x50000);
  EXPECT_EQ(m.strings[1].matches[0].data, "bravo");
}

TEST(ScanBlocks, MatchesNeverSpanBlocks) {
  auto rules = compile("rule r { strings: $a = \"alphabet\" condition: $a }");
  Scanner scanner(rules);
  ScanResult result;
  FakeReader reader({{0x1000, "xxxalpha"}, {0x1008, "betxxx"}});
  ASSERT_EQ(scanner.scan_blocks(reader, result), ScanStatus::kOk);
  EXPECT_TRUE(result.rules.empty());
}

// Built at run time so the bytes exist only in this heap buffer (and whatever copies the
// compiler makes of the rule text).
std::string marker() {
  std::string s = "procmem-marker-";
  s += std::to_string(::getpid() * 7919);
  return s;
}

TEST(ProcessMemory, FindsAMarkerInOwnMemory) {
  const std::string held = marker();
  auto rules = compile("rule mine { strings: $m = \"" + held + "\" condition: $m }");
  std::string error;
  auto reader = procmem::ProcessMemoryReader::open(::getpid(), 1 << 20, error);
  ASSERT_NE(reader, nullptr) << error;
  Scanner scanner(rules);
  ScanResult result;
  ASSERT_EQ(scanner.scan_blocks(*reader, result), ScanStatus::kOk);
  ASSERT_EQ(result.rules.size(), 1u);
  bool found_at_buffer = false;
  for (const StringMatch& m : result.rules[0].strings[0].matches) {
    EXPECT_EQ(m.data, held);
    if (m.offset == static_cast<int64_t>(reinterpret_cast<uintptr_t>(held.data())))
      found_at_buffer = true;
  }
  EXPECT_TRUE(found_at_buffer) << "the match offsets are this process's addresses";
  EXPECT_GT(reader->bytes_read(), 0u);
}

// --max-process-memory: reading stops at the cap (mid-region too, chunk by chunk) and what was
// left is accounted for, not reported as unreadable.
TEST(ProcessMemory, MaxBytesCapsTheRead) {
  std::string error;
  auto whole = procmem::ProcessMemoryReader::open(::getpid(), 1 << 20, error);
  ASSERT_NE(whole, nullptr) << error;
  uint64_t base = 0;
  std::span<const uint8_t> bytes;
  while (whole->next(base, bytes)) {
  }
  ASSERT_GT(whole->bytes_read(), 3u * 4096);
  EXPECT_FALSE(whole->capped());

  const uint64_t cap = 3 * 4096 + 17;  // not a multiple of the chunk or of a page
  auto capped = procmem::ProcessMemoryReader::open(::getpid(), 4096, error);
  ASSERT_NE(capped, nullptr) << error;
  capped->set_max_bytes(cap);
  uint64_t seen = 0;
  while (capped->next(base, bytes)) {
    EXPECT_LE(bytes.size(), 4096u);
    seen += bytes.size();
  }
  EXPECT_EQ(seen, cap);
  EXPECT_EQ(capped->bytes_read(), cap);
  EXPECT_TRUE(capped->capped());
  EXPECT_GE(capped->capped_regions(), 1u);
  EXPECT_GT(capped->capped_bytes(), 0u);
  EXPECT_FALSE(capped->next(base, bytes)) << "stays finished";
}

TEST(ProcessMemory, MissingProcessIsAnError) {
  std::string error;
  EXPECT_EQ(procmem::ProcessMemoryReader::open(999999999, 1 << 20, error), nullptr);
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(procmem::process_context(999999999).has_value());
}

TEST(ProcessInfo, OwnContext) {
  const int64_t self = ::getpid();
  auto pids = procmem::list_pids();
  EXPECT_TRUE(std::binary_search(pids.begin(), pids.end(), self));
  EXPECT_FALSE(procmem::is_kernel_thread(self));
  auto ctx = procmem::process_context(self);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ctx->pid, self);
  EXPECT_EQ(ctx->parent_pid, static_cast<int64_t>(::getppid()));
  ASSERT_TRUE(ctx->path.has_value());
  EXPECT_NE(ctx->path->find("cli_unit_test"), std::string::npos);
  EXPECT_EQ(ctx->name, "cli_unit_test");
  ASSERT_TRUE(ctx->command_line.has_value());
  EXPECT_NE(ctx->command_line->find("cli_unit_test"), std::string::npos);
  EXPECT_EQ(ctx->user, procmem::user_name(::getuid()));
}

}  // namespace
}  // namespace yarrow
