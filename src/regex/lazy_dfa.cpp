#include "regex/lazy_dfa.h"

#include <algorithm>
#include <cstring>

#include "regex/vm_internal.h"

namespace yarrow::regex {
namespace {

constexpr uint32_t kMaxRestarts = 8;

// The VM's per-step marks, sized for `prog` (program.cpp's prepare(), without the lists).
void start_generation(const Program& prog, VmScratch& s) {
  const size_t n = prog.insts().size();
  if (s.marks.size() < n) s.marks.resize(n, 0);
  if (s.generation > 0xFFFFFFF0u) {
    std::fill(s.marks.begin(), s.marks.end(), 0);
    s.generation = 0;
  }
  ++s.generation;
}

}  // namespace

bool LazyDfa::eligible(const Program& prog) {
  for (const Inst& in : prog.insts()) {
    switch (in.op) {
      case Inst::Op::kBol:
      case Inst::Op::kEol:
      case Inst::Op::kWordB:
      case Inst::Op::kNotWordB:
        return false;
      default:
        break;
    }
  }
  return true;
}

LazyDfa::~LazyDfa() { reset(); }

LazyDfa::LazyDfa(const Program& prog, size_t* budget) : prog_(prog), budget_(budget) {
  // Byte classes: refine one partition of 0..255 by every set the program tests.
  class_of_.fill(0);
  class_count_ = 1;
  std::vector<bool> seen(prog.sets().size(), false);
  for (const Inst& in : prog.insts()) {
    if (in.op != Inst::Op::kSet || seen[in.x]) continue;
    seen[in.x] = true;
    const ByteSet& set = prog.set(in.x);
    std::vector<int> renumber(class_count_ * 2, -1);
    uint32_t count = 0;
    for (int b = 0; b < 256; ++b) {
      const size_t key = class_of_[b] * 2u + (set.test(static_cast<size_t>(b)) ? 1 : 0);
      if (renumber[key] < 0) renumber[key] = static_cast<int>(count++);
      class_of_[b] = static_cast<uint8_t>(renumber[key]);
    }
    class_count_ = count;
  }
}

void LazyDfa::reset() {
  *budget_ += next_.size();  // given back to the thread's other DFAs
  states_.clear();
  pcs_.clear();
  next_.clear();
  ids_.clear();
  starts_.clear();
}

int32_t LazyDfa::intern(VmScratch& s) {
  // Threads after the first match are cut, as the VM cuts them.
  const auto& insts = prog_.insts();
  size_t count = 0;
  bool match = false;
  for (; count < s.next.size(); ++count) {
    if (insts[s.next[count]].op == Inst::Op::kMatch) {
      match = true;
      break;
    }
  }
  std::string key(count * sizeof(uint32_t) + 1, '\0');
  if (count > 0) std::memcpy(key.data(), s.next.data(), count * sizeof(uint32_t));
  key.back() = match ? '\1' : '\0';
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  if ((states_.size() + 1) * class_count_ > kMaxTableEntries || *budget_ < class_count_)
    return -1;
  *budget_ -= class_count_;
  const auto id = static_cast<int32_t>(states_.size());
  states_.push_back({static_cast<uint32_t>(pcs_.size()), static_cast<uint32_t>(count), match});
  pcs_.insert(pcs_.end(), s.next.begin(), s.next.begin() + static_cast<std::ptrdiff_t>(count));
  next_.resize(next_.size() + class_count_, kUnknown);
  ids_.emplace(std::move(key), id);
  return id;
}

int32_t LazyDfa::start_state(uint32_t start_pc, VmScratch& s) {
  for (const auto& [pc, state] : starts_)
    if (pc == start_pc) return state;
  start_generation(prog_, s);
  s.next.clear();
  const detail::RunContext no_assertions{};
  detail::add_thread(prog_, no_assertions, 0, start_pc, s, s.next);
  const int32_t id = intern(s);
  if (id >= 0) starts_.emplace_back(start_pc, id);
  return id;
}

int32_t LazyDfa::step(int32_t state, uint8_t byte, VmScratch& s) {
  start_generation(prog_, s);
  s.next.clear();
  const detail::RunContext no_assertions{};
  const auto& insts = prog_.insts();
  const State from = states_[static_cast<size_t>(state)];
  for (uint32_t i = 0; i < from.count; ++i) {
    const uint32_t pc = pcs_[from.first + i];
    if (prog_.set(insts[pc].x).test(byte))
      detail::add_thread(prog_, no_assertions, 0, pc + 1, s, s.next);
  }
  const int32_t id = intern(s);
  if (id >= 0) next_[static_cast<size_t>(state) * class_count_ + class_of_[byte]] = id;
  return id;
}

int LazyDfa::exec_forward(std::span<const uint8_t> data, size_t start, const ExecOptions& opt,
                          VmScratch& s) {
  if (gave_up_) return kGaveUp;
  const size_t step_size = opt.wide ? 2 : 1;
  size_t limit = std::min(data.size() - start, opt.limit);
  limit -= limit % step_size;
  int32_t state = start_state(opt.start_pc, s);
  const uint8_t* p = data.data() + start;
  int best = -1;
  size_t consumed = 0;
  while (state >= 0) {
    const State& st = states_[static_cast<size_t>(state)];
    if (st.match) {
      best = static_cast<int>(consumed);
      if (opt.first_to_finish) return best;
    }
    if (st.count == 0 || consumed + step_size > limit) return best;
    const uint8_t b = p[consumed];
    if (opt.wide && p[consumed + 1] != 0) return best;
    int32_t next = next_[static_cast<size_t>(state) * class_count_ + class_of_[b]];
    if (next == kUnknown) next = step(state, b, s);
    state = next;
    consumed += step_size;
  }
  // The table is full: start over next time, or leave this program to the VM.
  reset();
  if (++restarts_ > kMaxRestarts) gave_up_ = true;
  return kGaveUp;
}

}  // namespace yarrow::regex
