// A forward run of a Program as a DFA built lazily, one state at a time, as the data asks for it.
//
// A DFA state is the VM's ordered thread list after a step, cut after its first match exactly
// as the VM cuts lower-priority threads. Without assertions the next list depends only on that
// list and the byte consumed, so the DFA returns the VM's result (yara's highest-priority match)
// at one table lookup per byte instead of a walk over every live thread: regexes such as
// /([A-Za-z0-9]{4})*(...)/ or /\W\w+\s+\s".+"/ run at every position of long text runs.
//
// A LazyDfa belongs to one thread and one Program (the Program stays shared and immutable). It
// keeps at most kMaxTableEntries transitions, and the DFAs of one thread share a budget of
// entries (a rule set of many exploding regexes must not take gigabytes); when full it starts
// over, and after repeated restarts it gives up and the caller runs the VM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "regex/program.h"

namespace yarrow::regex {

class LazyDfa {
 public:
  // Whether `prog` can run as a DFA: assertions (\b, ^, $) depend on more than the threads and
  // the next byte.
  static bool eligible(const Program& prog);

  // `budget`: table entries this DFA and its siblings may still take; shared, per thread.
  LazyDfa(const Program& prog, size_t* budget);
  ~LazyDfa();
  LazyDfa(const LazyDfa&) = delete;
  LazyDfa& operator=(const LazyDfa&) = delete;

  // exec_forward(prog, data, start, opt, scratch) for the Program given to the constructor;
  // kGaveUp when the state budget was exhausted too often (run the VM instead).
  static constexpr int kGaveUp = -2;
  int exec_forward(std::span<const uint8_t> data, size_t start, const ExecOptions& opt,
                   VmScratch& scratch);

  size_t state_count() const { return states_.size(); }
  static constexpr size_t kMaxTableEntries = 1 << 16;

 private:
  struct State {
    uint32_t first = 0;   // into pcs_
    uint32_t count = 0;   // threads that consume a byte (the match, if any, is not counted)
    bool match = false;   // a thread has matched at this point
  };
  static constexpr int32_t kUnknown = -1;

  int32_t start_state(uint32_t start_pc, VmScratch& s);
  int32_t step(int32_t state, uint8_t byte, VmScratch& s);
  // Interns the thread list in s.next as a state; -1 when the table is full.
  int32_t intern(VmScratch& s);
  void reset();

  const Program& prog_;
  size_t* budget_;
  std::array<uint8_t, 256> class_of_{};  // bytes no set of the program tells apart share one
  uint32_t class_count_ = 0;
  std::vector<State> states_;
  std::vector<uint32_t> pcs_;
  std::vector<int32_t> next_;  // states_.size() * class_count_ transitions
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::pair<uint32_t, int32_t>> starts_;  // start pc -> state
  uint32_t restarts_ = 0;
  bool gave_up_ = false;
};

}  // namespace yarrow::regex
