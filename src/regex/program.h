// A compiled regex/hex program and the Pike VM that runs it.
//
// Semantics mirror yara's regex engine: a match is anchored at the given position, threads run in
// lockstep with priorities (greedy/lazy, alternatives left to right), and the result is the
// match of the highest-priority thread, i.e. what a backtracking engine would return, found in
// linear time. Forward runs consume at most kScanLimit bytes, like yara.
//
// A Program is immutable and shared; a VmScratch belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "regex/ast.h"

namespace yarrow::regex {

struct Inst {
  enum class Op : uint8_t { kSet, kSplit, kJmp, kBol, kEol, kWordB, kNotWordB, kMatch };
  Op op = Op::kMatch;
  uint32_t x = 0;  // kSet: set index; kSplit: preferred target; kJmp: target
  uint32_t y = 0;  // kSplit: other target
  // kSplit of a greedy unbounded loop (x = body, y = exit). Reaching it again without consuming
  // means the body matched empty; like a backtracking engine (and yara), leave the loop then.
  bool greedy_loop = false;
};

class Program {
 public:
  // Compiles `root`. With `reverse`, the program matches the expression right to left (used to
  // extend a match backwards from an atom). Returns false when the program would be too large.
  //
  // A forward program starts (pc 0) where yara starts verifying a string that has no atom: at
  // the root's code reference, which for an optional x? / x?? points at x itself, past the split
  // that would skip it (so /\s??1*?/ only matches where \s does). code_start() is the true
  // start of the code, used for the `matches` operator.
  bool compile(const Node& root, bool reverse);
  // Same, but pc_of() answers only for the nodes in `tracked` (kBytes nodes, e.g. atom starts):
  // remembering every node costs time and memory on long hex strings.
  bool compile(const Node& root, bool reverse, std::span<const Node* const> tracked);
  uint32_t code_start() const { return code_start_; }

  const std::vector<Inst>& insts() const { return insts_; }
  // The bytes a forward run from `pc` can consume first (assertions assumed to hold). A run
  // that starts on any other byte can only produce an empty match.
  ByteSet first_bytes(uint32_t pc = 0) const;
  const ByteSet& set(uint32_t i) const { return sets_[i]; }
  // The pc of the first instruction emitted for a kBytes or kRepeat node of the compiled tree
  // (first emission when a repeat unrolls it), or -1. Valid for the tree passed to compile().
  int64_t pc_of(const Node* n) const;

  // Storing a compiled program and loading it back without compiling again (precompiled rules,
  // match/pattern_set_store.cpp). from_parts() trusts its input: the loader checks every target
  // and set index first. A loaded program has no pc_of() information.
  const std::vector<ByteSet>& sets() const { return sets_; }
  bool reverse() const { return reverse_; }
  static Program from_parts(std::vector<Inst> insts, std::vector<ByteSet> sets,
                            uint32_t code_start, bool reverse) {
    Program p;
    p.insts_ = std::move(insts);
    p.sets_ = std::move(sets);
    p.code_start_ = code_start;
    p.reverse_ = reverse;
    return p;
  }

 private:
  // Lookup tables that live only during compile() (see program.cpp).
  struct BuildState;
  // Emits `n`; returns yara's code reference for it (where verification from it begins).
  uint32_t emit(const Node& n, BuildState& st);
  bool compile_root(const Node& root, bool reverse, BuildState& st);
  void record(const Node* n, uint32_t pc, BuildState& st);
  void finish();
  uint32_t add(Inst::Op op, uint32_t x = 0, uint32_t y = 0);

  std::vector<Inst> insts_;
  std::vector<ByteSet> sets_;
  std::vector<std::pair<const Node*, uint32_t>> node_pcs_;
  bool reverse_ = false;
  bool too_big_ = false;
  uint32_t code_start_ = 0;
};

struct VmScratch {
  std::vector<uint32_t> marks;
  uint32_t generation = 0;
  std::vector<uint32_t> current, next, stack;
};

struct ExecOptions {
  bool wide = false;          // every consumed byte must be followed by 0x00
  size_t limit = kScanLimit;  // max bytes consumed
  uint32_t start_pc = 0;      // where execution starts (an atom's position inside the program)
  // Stop at the first thread to reach the end (the shortest match) instead of the
  // highest-priority one. NOT yara's rule: yara always keeps the highest-priority match
  // (/abcd(ef|e)/ on abcdef gives abcdef); { D9 ( 8A 83 | 8A ) } giving D9 8A comes from its atom
  // order (an alternation's atoms come first). Kept only until src/match stops setting it.
  bool first_to_finish = false;
};

// Forward anchored match of `prog` at `start` in `data`. Returns the length of the preferred
// match, or -1. Zero-length matches are returned as 0.
int exec_forward(const Program& prog, std::span<const uint8_t> data, size_t start,
                 const ExecOptions& opt, VmScratch& scratch);

// Backward exhaustive run of a reversed program ending at `end`: appends to `lengths` every
// length the expression can match ending at `end` (each once, shortest first).
void exec_backward(const Program& prog, std::span<const uint8_t> data, size_t end,
                   const ExecOptions& opt, VmScratch& scratch, std::vector<int>& lengths);

}  // namespace yarrow::regex
