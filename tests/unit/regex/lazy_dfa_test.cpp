// The lazy DFA must return exactly what the Pike VM returns (yara's highest-priority match):
// every expression below runs at every offset of random data over a small alphabet, from every
// pc a verification can start at, ascii and wide, both ways of ending a run and with short
// limits. A DFA whose table fills gives up, and its caller falls back to the VM.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "regex/ast.h"
#include "regex/lazy_dfa.h"
#include "regex/program.h"

namespace {

using yarrow::regex::ExecOptions;
using yarrow::regex::Inst;
using yarrow::regex::LazyDfa;
using yarrow::regex::Program;
using yarrow::regex::VmScratch;

Program compile_regex(const std::string& source, bool nocase = false) {
  std::string error;
  auto parsed = yarrow::regex::parse_regex(source, nocase, false, error);
  EXPECT_TRUE(parsed) << source << ": " << error;
  Program prog;
  EXPECT_TRUE(prog.compile(parsed->root, false)) << source;
  return prog;
}

Program compile_hex(const std::string& source) {
  std::string error;
  auto pieces = yarrow::regex::parse_hex(source, error);
  EXPECT_TRUE(pieces && pieces->size() == 1) << source << ": " << error;
  Program prog;
  EXPECT_TRUE(prog.compile(pieces->front().node, false)) << source;
  return prog;
}

// Random bytes from `alphabet`, with zeros mixed in so that wide runs happen.
std::vector<uint8_t> random_data(std::mt19937& rng, const std::string& alphabet, size_t n) {
  std::vector<uint8_t> out(n);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size());
  for (auto& b : out) {
    const size_t k = pick(rng);
    b = k == alphabet.size() ? 0 : static_cast<uint8_t>(alphabet[k]);
  }
  return out;
}

// Every pc a verification may start at: the code's start and each set instruction (an atom's
// place inside the program).
std::vector<uint32_t> start_pcs(const Program& prog) {
  std::vector<uint32_t> out = {0, prog.code_start()};
  for (uint32_t pc = 0; pc < prog.insts().size(); ++pc)
    if (prog.insts()[pc].op == Inst::Op::kSet && out.size() < 12) out.push_back(pc);
  return out;
}

void expect_same_as_vm(const Program& prog, const std::string& label, const std::string& alphabet) {
  ASSERT_TRUE(LazyDfa::eligible(prog)) << label;
  std::mt19937 rng(12345);
  size_t budget = LazyDfa::kMaxTableEntries;
  LazyDfa dfa(prog, &budget);
  VmScratch vm_scratch, dfa_scratch;
  size_t matched = 0;
  for (int round = 0; round < 4; ++round) {
    const auto data = random_data(rng, alphabet, 600);
    for (uint32_t pc : start_pcs(prog)) {
      for (int mode = 0; mode < 8; ++mode) {
        ExecOptions opt;
        opt.start_pc = pc;
        opt.wide = (mode & 1) != 0;
        opt.first_to_finish = (mode & 2) != 0;
        if (mode & 4) opt.limit = 7;
        for (size_t start = 0; start < data.size(); ++start) {
          const int want = yarrow::regex::exec_forward(prog, data, start, opt, vm_scratch);
          const int got = dfa.exec_forward(data, start, opt, dfa_scratch);
          ASSERT_EQ(got, want) << label << " pc " << pc << " mode " << mode << " at " << start;
          matched += want >= 0;
        }
      }
    }
  }
  EXPECT_GT(matched, 0u) << label << ": the data never matched, the test proves nothing";
}

TEST(LazyDfa, SameResultsAsTheVmOnRegexes) {
  const std::vector<std::string> regexes = {
      "([A-Za-z0-9]{4})*([A-Za-z0-9]{2}==|[A-Za-z0-9]{3}=|[A-Za-z0-9]{4})",
      "\\W\\w+\\s+\\s\".+\"",
      "a|ab",
      "(a|ab)(c|bcd)",
      "ab(cd|c)",
      "a+?b",
      "a*?",
      "(a|b)*?abb",
      "a{2,5}b{0,3}c*",
      "(ab)*ab",
      "((a*)*b)+",
      "(a?)*",
      "(a|b?)+c",
      "x??y??z*?",
      "[^ab]+a",
      "(\\x00|a){3,}",
      "a.{0,5}bc",
      "(abc|a)(bcd|b)(c|)",
      ".",
  };
  for (const auto& r : regexes) expect_same_as_vm(compile_regex(r), r, "abcd =\"xyz01");
  expect_same_as_vm(compile_regex("[0-9a-fA-F]{32}"), "hex run", "0123456789abcdef");
  expect_same_as_vm(compile_regex("ab[c-e]+", true), "nocase", "aAbBcCdDeE");
}

TEST(LazyDfa, SameResultsAsTheVmOnHexStrings) {
  const std::vector<std::string> hex = {
      "61 62 [0-3] 63 64",
      "( 61 62 | 63 64 ) 65 ?6",
      "61 [2-6] 62",
      "6? [1-4] ( 61 | 62 63 | 64 [2] 65 )",
  };
  for (const auto& h : hex) expect_same_as_vm(compile_hex(h), h, "abcdefghijk");
}

TEST(LazyDfa, AssertionsKeepTheVm) {
  EXPECT_FALSE(LazyDfa::eligible(compile_regex("\\bab")));
  EXPECT_FALSE(LazyDfa::eligible(compile_regex("^ab")));
  EXPECT_FALSE(LazyDfa::eligible(compile_regex("ab$")));
  EXPECT_FALSE(LazyDfa::eligible(compile_regex("a\\Bb")));
  EXPECT_TRUE(LazyDfa::eligible(compile_regex("ab")));
}

TEST(LazyDfa, FullTableGivesUpAndTheCallerRunsTheVm) {
  // An 'a' sixteen positions back must be remembered: 2^16 states, beyond the table.
  const Program prog = compile_regex("(a|b)*a(a|b){16}c");
  size_t budget = LazyDfa::kMaxTableEntries;
  LazyDfa dfa(prog, &budget);
  std::mt19937 rng(7);
  std::vector<uint8_t> data(60000);
  for (auto& b : data) b = (rng() & 1) ? 'a' : 'b';
  VmScratch scratch;
  ExecOptions opt;
  bool gave_up = false;
  // Runs from far-apart offsets see different data: each visits new states.
  for (size_t start = 0; start + 4096 < data.size() && !gave_up; start += 4096) {
    const int got = dfa.exec_forward(data, start, opt, scratch);
    if (got == LazyDfa::kGaveUp) {
      gave_up = true;
    } else {
      EXPECT_EQ(got, yarrow::regex::exec_forward(prog, data, start, opt, scratch));
    }
  }
  EXPECT_TRUE(gave_up);
  // After a few restarts the program is left to the VM for good.
  for (size_t i = 0; i < 100; ++i) dfa.exec_forward(data, (i % 14) * 4096, opt, scratch);
  EXPECT_EQ(dfa.exec_forward(data, 100, opt, scratch), LazyDfa::kGaveUp);
}

}  // namespace

namespace {

TEST(LazyDfa, SiblingsShareOneBudget) {
  // Two DFAs with room for a handful of states between them: the second finds the budget
  // spent and leaves its runs to the VM, and gets it back when the first is gone.
  const Program prog = compile_regex("[a-c]+d");
  size_t budget = 0;
  auto probe = std::make_unique<LazyDfa>(prog, &budget);
  std::vector<uint8_t> data = {'a', 'b', 'c', 'a', 'd'};
  VmScratch scratch;
  ExecOptions opt;
  EXPECT_EQ(probe->exec_forward(data, 0, opt, scratch), LazyDfa::kGaveUp);  // no room at all
  budget = 64;
  auto first = std::make_unique<LazyDfa>(prog, &budget);
  EXPECT_EQ(first->exec_forward(data, 0, opt, scratch), 5);
  const size_t left = budget;
  EXPECT_LT(left, 64u);
  budget = 0;  // the rest goes elsewhere
  auto second = std::make_unique<LazyDfa>(prog, &budget);
  EXPECT_EQ(second->exec_forward(data, 0, opt, scratch), LazyDfa::kGaveUp);
  EXPECT_EQ(first->exec_forward(data, 1, opt, scratch), 4);  // its states are still there
  first.reset();
  EXPECT_EQ(budget, 64u - left);  // what the first held is back
}

}  // namespace
