#include "regex/program.h"
#include "regex/vm_internal.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace yarrow::regex {
namespace {
bool is_any(const Node& n) {
  return n.kind == NodeKind::kBytes && n.origin == ByteOrigin::kAny && !n.group;
}

// Keeps pathological repeats ({1000,32767} of a large group) from exhausting memory.
constexpr size_t kMaxProgramSize = 1u << 21;
// yara's RE_MAX_SPLIT_ID.
constexpr int64_t kMaxSplits = 128;
// yara numbers the split instructions of a regex with 8-bit ids and refuses a 129th ("regular
// expression is too complex"). Counts the splits yara would emit for `n` (its code shape: x*
// and x+ one split, x{n,m} up to three copies of x around a counted loop, . and hex jumps a
// single repeat-any instruction).
int64_t yara_splits(const Node& n) {
  // Saturates well above the limit so deep nesting cannot overflow.
  constexpr int64_t kCap = int64_t{1} << 40;
  switch (n.kind) {
    case NodeKind::kConcat: {
      int64_t total = 0;
      for (const auto& k : n.kids) total = std::min(kCap, total + yara_splits(k));
      return total;
    }
    case NodeKind::kAlt: {
      int64_t total = static_cast<int64_t>(n.kids.size()) - 1;
      for (const auto& k : n.kids) total = std::min(kCap, total + yara_splits(k));
      return total;
    }
    case NodeKind::kRepeat: {
      const Node& body = n.kids[0];
      // Hex jumps, and . with ? or {n,m}, are one repeat-any instruction.
      if (body.kind == NodeKind::kBytes && body.origin == ByteOrigin::kHex) return 0;
      const int64_t inner = yara_splits(body);
      if (!n.braces && n.max < 0) return 1 + inner;  // x* and x+
      if (is_any(body)) return 0;
      const int64_t lo = n.min, hi = n.max < 0 ? kMaxRepeat : n.max;
      int64_t total = 0;
      if (lo > 0) total += inner;                   // prolog
      if (hi > lo + 1 || hi > 2) total += inner;    // counted loop
      if (hi > lo) total += 1;                      // split before the epilog
      if (hi > lo || hi > 1) total += inner;        // epilog
      return std::min(kCap, total);
    }
    default:
      return 0;
  }
}

}  // namespace

// Hash tables that keep emission linear: which nodes already have a pc (pc_of() wants the first
// emission of a node that a repeat unrolls), and which byte sets already have an index (hex
// jumps and dots repeat the same sets thousands of times).
struct Program::BuildState {
  bool track_all = true;
  std::vector<const Node*> tracked;  // sorted; used when !track_all
  std::unordered_set<const Node*> recorded;
  std::unordered_map<ByteSet, uint32_t> set_index;
  uint32_t last_set = UINT32_MAX;  // runs of one set (jumps, dots) skip the hash

  bool wants(const Node* n) const {
    return track_all || std::binary_search(tracked.begin(), tracked.end(), n);
  }
};

uint32_t Program::add(Inst::Op op, uint32_t x, uint32_t y) {
  insts_.push_back(Inst{op, x, y, false});
  if (insts_.size() > kMaxProgramSize) too_big_ = true;
  return static_cast<uint32_t>(insts_.size() - 1);
}

int64_t Program::pc_of(const Node* n) const {
  for (const auto& [node, pc] : node_pcs_)
    if (node == n) return pc;
  return -1;
}

bool Program::compile(const Node& root, bool reverse) {
  BuildState state;
  return compile_root(root, reverse, state);
}

bool Program::compile(const Node& root, bool reverse, std::span<const Node* const> tracked) {
  BuildState state;
  state.track_all = false;
  state.tracked.assign(tracked.begin(), tracked.end());
  std::sort(state.tracked.begin(), state.tracked.end());
  return compile_root(root, reverse, state);
}

bool Program::compile_root(const Node& root, bool reverse, BuildState& st) {
  insts_.clear();
  sets_.clear();
  node_pcs_.clear();
  reverse_ = reverse;
  too_big_ = false;
  code_start_ = 0;
  if (yara_splits(root) > kMaxSplits) return false;
  if (reverse) {
    emit(root, st);
    add(Inst::Op::kMatch);
    finish();
    return !too_big_;
  }
  // Room for the jump to yara's entry point; kept only when the entry is not the code's start.
  add(Inst::Op::kJmp);
  uint32_t entry = emit(root, st);
  add(Inst::Op::kMatch);
  if (too_big_) return false;
  if (entry == 1) {
    // The entry is the code's start: drop the jump and shift every target down by one.
    insts_.erase(insts_.begin());
    for (auto& in : insts_) {
      if (in.op == Inst::Op::kSplit) {
        --in.x;
        --in.y;
      } else if (in.op == Inst::Op::kJmp) {
        --in.x;
      }
    }
    for (auto& np : node_pcs_) --np.second;
  } else {
    insts_[0].x = entry;
    code_start_ = 1;
  }
  finish();
  return true;
}

void Program::finish() {
  // Compiled programs live as long as the rules: drop the growth slack of the vectors.
  insts_.shrink_to_fit();
  sets_.shrink_to_fit();
  node_pcs_.shrink_to_fit();
}

ByteSet Program::first_bytes(uint32_t pc) const {
  ByteSet out;
  std::vector<bool> seen(insts_.size(), false);
  std::vector<uint32_t> todo{pc};
  while (!todo.empty()) {
    uint32_t p = todo.back();
    todo.pop_back();
    if (p >= insts_.size() || seen[p]) continue;
    seen[p] = true;
    const Inst& in = insts_[p];
    switch (in.op) {
      case Inst::Op::kSet:
        out |= sets_[in.x];
        break;
      case Inst::Op::kSplit:
        todo.push_back(in.x);
        todo.push_back(in.y);
        break;
      case Inst::Op::kJmp:
        todo.push_back(in.x);
        break;
      case Inst::Op::kMatch:
        break;
      default:
        todo.push_back(p + 1);
        break;
    }
  }
  return out;
}

void Program::record(const Node* n, uint32_t pc, BuildState& st) {
  if (!st.wants(n)) return;
  if (st.recorded.insert(n).second) node_pcs_.emplace_back(n, pc);
}

uint32_t Program::emit(const Node& n, BuildState& st) {
  const uint32_t here = static_cast<uint32_t>(insts_.size());
  if (too_big_) return here;
  if (n.kind == NodeKind::kRepeat) record(&n, here, st);
  switch (n.kind) {
    case NodeKind::kEmpty:
      return here;
    case NodeKind::kBytes: {
      // Identical sets share one index.
      uint32_t idx = st.last_set;
      if (idx == UINT32_MAX || sets_[idx] != n.set) {
        auto [it, fresh] =
            st.set_index.try_emplace(n.set, static_cast<uint32_t>(sets_.size()));
        if (fresh) sets_.push_back(n.set);
        idx = it->second;
        st.last_set = idx;
      }
      uint32_t pc = add(Inst::Op::kSet, idx);
      record(&n, pc, st);
      return pc;
    }
    case NodeKind::kConcat: {
      // yara's reference for a concatenation is its first child's (in emission order).
      uint32_t entry = here;
      bool first = true;
      auto one = [&](const Node& k) {
        uint32_t e = emit(k, st);
        if (first) entry = e;
        first = false;
      };
      if (reverse_) {
        for (auto it = n.kids.rbegin(); it != n.kids.rend(); ++it) one(*it);
      } else {
        for (const auto& k : n.kids) one(k);
      }
      return entry;
    }
    case NodeKind::kAlt: {
      // split L1, next; L1: kid0; jmp end; next: split L2, ... ; last kid
      std::vector<uint32_t> jumps;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i + 1 < n.kids.size()) {
          uint32_t split = add(Inst::Op::kSplit);
          insts_[split].x = split + 1;
          emit(n.kids[i], st);
          jumps.push_back(add(Inst::Op::kJmp));
          if (too_big_) return here;
          insts_[split].y = static_cast<uint32_t>(insts_.size());
        } else {
          emit(n.kids[i], st);
        }
      }
      if (too_big_) return here;
      for (uint32_t j : jumps) insts_[j].x = static_cast<uint32_t>(insts_.size());
      return here;
    }
    case NodeKind::kRepeat: {
      const Node& body = n.kids[0];
      uint32_t entry = here;
      for (int i = 0; i < n.min && !too_big_; ++i) {
        uint32_t e = emit(body, st);
        if (i == 0) entry = e;
      }
      if (n.max < 0) {
        uint32_t loop = add(Inst::Op::kSplit);
        emit(body, st);
        add(Inst::Op::kJmp, loop);
        if (too_big_) return here;
        uint32_t exit = static_cast<uint32_t>(insts_.size());
        insts_[loop].x = n.greedy ? loop + 1 : exit;
        insts_[loop].y = n.greedy ? exit : loop + 1;
        insts_[loop].greedy_loop = n.greedy;
        return entry;
      }
      // Nested optionals: (body (body (...)?)?)? ; every split exits to the common end.
      std::vector<uint32_t> splits;
      for (int i = n.min; i < n.max && !too_big_; ++i) {
        splits.push_back(add(Inst::Op::kSplit));
        uint32_t e = emit(body, st);
        // yara emits x{0,1} as a split and x, and refers to it by x's code: starting there,
        // x is mandatory. `.?` is different (one repeat-any instruction).
        if (n.min == 0 && n.max == 1 && !is_any(body)) entry = e;
      }
      if (too_big_) return here;
      uint32_t exit = static_cast<uint32_t>(insts_.size());
      for (uint32_t s : splits) {
        insts_[s].x = n.greedy ? s + 1 : exit;
        insts_[s].y = n.greedy ? exit : s + 1;
      }
      return entry;
    }
    case NodeKind::kBol:
      return add(Inst::Op::kBol);
    case NodeKind::kEol:
      return add(Inst::Op::kEol);
    case NodeKind::kWordBoundary:
      return add(Inst::Op::kWordB);
    case NodeKind::kNonWordBoundary:
      return add(Inst::Op::kNotWordB);
  }
  return here;
}

namespace {

using detail::RunContext;

bool word_at(const RunContext& rc, size_t q) {
  if (!is_word_char(rc.data[q])) return false;
  return !rc.wide || (q + 1 < rc.data.size() && rc.data[q + 1] == 0);
}

bool assertion_holds(const RunContext& rc, Inst::Op op, size_t consumed) {
  const size_t cs = rc.wide ? 2 : 1;
  switch (op) {
    case Inst::Op::kBol:
      return rc.backward ? consumed == rc.origin : rc.origin == 0 && consumed == 0;
    case Inst::Op::kEol:
      // yara never lets "$" match while extending a match backwards.
      return !rc.backward && rc.origin + consumed == rc.data.size();
    default: {
      bool boundary;
      if (consumed == 0 && rc.origin < cs) {
        boundary = true;
      } else if (consumed >= rc.limit) {
        boundary = true;
      } else {
        const size_t p = rc.backward ? rc.origin - consumed : rc.origin + consumed;
        boundary = word_at(rc, p) != word_at(rc, p - cs);
      }
      return op == Inst::Op::kWordB ? boundary : !boundary;
    }
  }
}

}  // namespace

namespace detail {

void add_thread(const Program& prog, const RunContext& rc, size_t consumed, uint32_t pc,
                VmScratch& s, std::vector<uint32_t>& list) {
  const auto& insts = prog.insts();
  s.stack.clear();
  s.stack.push_back(pc);
  while (!s.stack.empty()) {
    uint32_t p = s.stack.back();
    s.stack.pop_back();
    if (s.marks[p] == s.generation) {
      if (insts[p].greedy_loop) s.stack.push_back(insts[p].y);
      continue;
    }
    s.marks[p] = s.generation;
    const Inst& in = insts[p];
    switch (in.op) {
      case Inst::Op::kJmp:
        s.stack.push_back(in.x);
        break;
      case Inst::Op::kSplit:
        s.stack.push_back(in.y);
        s.stack.push_back(in.x);
        break;
      case Inst::Op::kBol:
      case Inst::Op::kEol:
      case Inst::Op::kWordB:
      case Inst::Op::kNotWordB:
        if (assertion_holds(rc, in.op, consumed)) s.stack.push_back(p + 1);
        break;
      case Inst::Op::kSet:
      case Inst::Op::kMatch:
        list.push_back(p);
        break;
    }
  }
}

}  // namespace detail

namespace {

using detail::add_thread;

void prepare(const Program& prog, VmScratch& s) {
  size_t n = prog.insts().size();
  if (s.marks.size() < n) s.marks.resize(n, 0);
  if (s.generation > 0xFFFFFFF0u) {
    std::fill(s.marks.begin(), s.marks.end(), 0);
    s.generation = 0;
  }
  s.current.clear();
  s.next.clear();
}

// Whether the live threads are exactly {body of a greedy single-set loop, the match right after
// the loop}: `L: split(L+1, E) greedy; L+1: set; L+2: jmp L; E: match`, in that priority.
bool trailing_set_loop(const Program& prog, const std::vector<uint32_t>& threads) {
  const auto& insts = prog.insts();
  const uint32_t body = threads[0];
  const uint32_t exit = threads[1];
  if (body == 0 || body + 1 >= insts.size() || exit >= insts.size()) return false;
  const Inst& set = insts[body];
  const Inst& jump = insts[body + 1];
  const Inst& split = insts[body - 1];
  return set.op == Inst::Op::kSet && jump.op == Inst::Op::kJmp && jump.x == body - 1 &&
         split.op == Inst::Op::kSplit && split.greedy_loop && split.x == body &&
         split.y == exit && insts[exit].op == Inst::Op::kMatch;
}

}  // namespace

int exec_forward(const Program& prog, std::span<const uint8_t> data, size_t start,
                 const ExecOptions& opt, VmScratch& s) {
  prepare(prog, s);
  const auto& insts = prog.insts();
  const size_t step = opt.wide ? 2 : 1;
  size_t limit = std::min(data.size() - start, opt.limit);
  limit -= limit % step;
  RunContext rc{data, start, limit, opt.wide, false};
  int best = -1;
  size_t consumed = 0;
  ++s.generation;
  add_thread(prog, rc, 0, opt.start_pc, s, s.current);
  while (!s.current.empty()) {
    if (!opt.first_to_finish && s.current.size() == 2 && trailing_set_loop(prog, s.current)) {
      // Only "one more byte of the set, or stop here" is left (e.g. the [^\r=]+ that ends a
      // string): the longest match runs to the first byte outside the set, found without
      // stepping the threads. Same result, a plain loop instead of two threads per byte.
      const ByteSet& set = prog.set(insts[s.current[0]].x);
      size_t q = start + consumed;
      const size_t end = start + limit;
      if (!opt.wide) {
        while (q < end && set.test(data[q])) ++q;
      } else {
        while (q + 2 <= end && set.test(data[q]) && data[q + 1] == 0) q += 2;
      }
      return static_cast<int>(q - start);
    }
    ++s.generation;
    s.next.clear();
    const bool can_step = consumed + step <= limit;
    for (uint32_t pc : s.current) {
      const Inst& in = insts[pc];
      if (in.op == Inst::Op::kMatch) {
        best = static_cast<int>(consumed);
        if (opt.first_to_finish) return best;
        break;  // lower-priority threads are cut
      }
      if (!can_step) continue;
      const size_t at = start + consumed;
      if (!prog.set(in.x).test(data[at])) continue;
      if (opt.wide && data[at + 1] != 0) continue;
      add_thread(prog, rc, consumed + step, pc + 1, s, s.next);
    }
    std::swap(s.current, s.next);
    consumed += step;
  }
  return best;
}

void exec_backward(const Program& prog, std::span<const uint8_t> data, size_t end,
                   const ExecOptions& opt, VmScratch& s, std::vector<int>& lengths) {
  prepare(prog, s);
  const auto& insts = prog.insts();
  const size_t step = opt.wide ? 2 : 1;
  size_t limit = std::min(end, opt.limit);
  limit -= limit % step;
  RunContext rc{data, end, limit, opt.wide, true};
  size_t consumed = 0;
  ++s.generation;
  add_thread(prog, rc, 0, opt.start_pc, s, s.current);
  while (!s.current.empty()) {
    ++s.generation;
    s.next.clear();
    const bool can_step = consumed + step <= limit;
    for (uint32_t pc : s.current) {
      const Inst& in = insts[pc];
      if (in.op == Inst::Op::kMatch) {
        lengths.push_back(static_cast<int>(consumed));
        continue;
      }
      if (!can_step) continue;
      const size_t at = end - consumed - step;  // the byte being consumed
      if (!prog.set(in.x).test(data[at])) continue;
      if (opt.wide && data[at + 1] != 0) continue;
      add_thread(prog, rc, consumed + step, pc + 1, s, s.next);
    }
    std::swap(s.current, s.next);
    consumed += step;
  }
}

}  // namespace yarrow::regex
