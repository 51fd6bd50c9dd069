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
  bool compile(const Node& root, bool reverse);

  const std::vector<Inst>& insts() const { return insts_; }
  const ByteSet& set(uint32_t i) const { return sets_[i]; }
  // The pc of the first instruction emitted for a kBytes or kRepeat node of the compiled tree
  // (first emission when a repeat unrolls it), or -1. Valid for the tree passed to compile().
  int64_t pc_of(const Node* n) const;

 private:
  void emit(const Node& n);
  uint32_t add(Inst::Op op, uint32_t x = 0, uint32_t y = 0);

  std::vector<Inst> insts_;
  std::vector<ByteSet> sets_;
  std::vector<std::pair<const Node*, uint32_t>> node_pcs_;
  bool reverse_ = false;
  bool too_big_ = false;
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
  // yara runs expressions without a greedy quantifier (and all hex strings) so that the first
  // thread to reach the end wins, which gives the shortest match: { D9 ( 8A 83 | 8A ) } on
  // D9 8A 83 matches D9 8A. With a greedy quantifier, the highest-priority thread wins.
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
