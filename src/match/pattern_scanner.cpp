// PatternScanner: runs the Vectorscan database over a block, verifies atom hits with the regex
// VM and records matches with yara 4.2.3's rules (sorted, one per offset, per-string cap,
// chained hex pieces combined with their gaps).
#include <algorithm>

#include "match/pattern_set_impl.h"

namespace yarrow::match {

namespace {
struct PieceMatch {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint32_t chain_length = 0;
};
}  // namespace

struct PatternScanner::Impl {
  explicit Impl(const PatternSet& s) : set(s.impl()) {
    if (set.db != nullptr) hs_alloc_scratch(set.db, &scratch);
    matches.resize(set.specs.size());
    disabled.assign(set.specs.size(), false);
    unconfirmed.resize(set.piece_slots);
  }
  ~Impl() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }

  const PatternSet::Impl& set;
  hs_scratch_t* scratch = nullptr;
  std::vector<std::vector<Match>> matches;
  std::vector<bool> disabled;
  std::vector<std::vector<PieceMatch>> unconfirmed;  // per chained piece slot
  std::vector<size_t> overflowed;
  regex::VmScratch vm;
  std::vector<int> lengths;
  size_t atomless_cursor = 0;  // next offset where atomless verifiers still have to run

  // Runs the verifiers without atoms (yara's zero-length atom) at every offset before `end`.
  void run_atomless_until(size_t end);

  // Per-block state.
  std::span<const uint8_t> data;
  uint64_t base = 0;
  ScanLimits limits;
  bool too_many = false;

  void add_match(uint32_t spec, uint64_t offset, uint32_t length, uint8_t xor_key, bool replace);
  void on_literal(const Literal& lit, size_t end);
  void verify(const Verifier& v, size_t atom_start, uint32_t forward_pc, int32_t backward_prog);
  void on_piece_match(const Verifier& v, uint64_t offset, uint32_t length, bool wide);
  void update_chain_length(const SpecInfo& info, uint32_t piece, PieceMatch& m, uint32_t len);
  bool fullword_ok(size_t off, size_t len, bool wide) const;
};

bool PatternScanner::Impl::fullword_ok(size_t off, size_t len, bool wide) const {
  const size_t size = data.size();
  if (wide) {
    if (off >= 2 && data[off - 1] == 0 && regex::is_alnum(data[off - 2])) return false;
    if (off + len + 1 < size && regex::is_alnum(data[off + len]) && data[off + len + 1] == 0)
      return false;
  } else {
    if (off >= 1 && regex::is_alnum(data[off - 1])) return false;
    if (off + len < size && regex::is_alnum(data[off + len])) return false;
  }
  return true;
}

void PatternScanner::Impl::add_match(uint32_t spec, uint64_t offset, uint32_t length,
                                     uint8_t xor_key, bool replace) {
  if (disabled[spec]) return;
  auto& list = matches[spec];
  // yara checks the cap before looking for an existing match at the same offset.
  if (list.size() >= limits.max_matches_per_string) {
    disabled[spec] = true;
    overflowed.push_back(spec);
    too_many = true;
    return;
  }
  size_t i = list.size();
  while (i > 0 && list[i - 1].offset > offset) --i;
  if (i > 0 && list[i - 1].offset == offset) {
    if (replace) {
      list[i - 1].length = length;
      list[i - 1].xor_key = xor_key;
    }
    return;
  }
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), Match{offset, length, xor_key});
}

void PatternScanner::Impl::on_literal(const Literal& lit, size_t end) {
  if (disabled[lit.spec]) return;
  // Fast mode, as yara does it: once a string that only needs to be present has a match, later
  // atom hits are not verified; but every match the verification of one hit yields is kept.
  if (limits.fast_mode && set.specs[lit.spec].single_match_ok && !matches[lit.spec].empty()) return;
  const size_t start = end - lit.length;
  if (lit.kind == Literal::Kind::kText) {
    const SpecInfo& info = set.specs[lit.spec];
    if (info.fullword && !fullword_ok(start, lit.length, lit.wide)) return;
    add_match(lit.spec, base + start, lit.length, lit.xor_key, false);
    return;
  }
  verify(set.verifiers[lit.verifier], start, lit.forward_pc, lit.backward_prog);
}

void PatternScanner::Impl::verify(const Verifier& v, size_t atom_start, uint32_t forward_pc,
                                  int32_t backward_prog) {
  regex::ExecOptions opt;
  opt.start_pc = forward_pc;
  opt.first_to_finish = !set.specs[v.spec].greedy;
  int fwd = -1;
  if (v.ascii) fwd = regex::exec_forward(v.forward, data, atom_start, opt, vm);
  if (fwd < 0 && v.wide) {
    opt.wide = true;
    fwd = regex::exec_forward(v.forward, data, atom_start, opt, vm);
  }
  if (fwd < 0) return;
  if (backward_prog < 0) {
    if (fwd == 0) return;
    on_piece_match(v, atom_start, static_cast<uint32_t>(fwd), opt.wide);
    return;
  }
  lengths.clear();
  opt.start_pc = 0;
  regex::exec_backward(v.backwards[static_cast<size_t>(backward_prog)], data, atom_start, opt, vm,
                       lengths);
  for (int back : lengths) {
    const uint32_t total = static_cast<uint32_t>(back + fwd);
    if (total == 0) continue;
    on_piece_match(v, atom_start - static_cast<size_t>(back), total, opt.wide);
  }
}

void PatternScanner::Impl::on_piece_match(const Verifier& v, uint64_t off, uint32_t length,
                                          bool wide) {
  const SpecInfo& info = set.specs[v.spec];
  if (info.fullword && !fullword_ok(off, length, wide)) return;
  if (info.piece_count == 1) {
    add_match(v.spec, base + off, length, 0, info.greedy);
    return;
  }
  // Chained hex pieces, following yara: piece 0 matches wait in an unconfirmed list; a match of
  // piece i is kept only if some unconfirmed match of piece i-1 ends within the gap before it;
  // a match of the last piece confirms every complete chain leading to it, and the reported
  // match runs from the chain's first piece to the end of this one.
  const uint64_t abs = base + off;
  const uint32_t slot = info.first_piece_slot + v.piece;
  bool keep = v.piece == 0;
  if (!keep) {
    auto& prev = unconfirmed[slot - 1];
    const int64_t gmin = info.gap_min[v.piece];
    const int64_t gmax = info.gap_max[v.piece] < 0 ? INT64_MAX / 4 : info.gap_max[v.piece];
    const uint64_t lowest = unconfirmed[slot].empty() ? abs : unconfirmed[slot].front().offset;
    for (size_t i = 0; i < prev.size();) {
      const int64_t end = static_cast<int64_t>(prev[i].offset + prev[i].length);
      if (end + gmax < static_cast<int64_t>(lowest)) {
        prev.erase(prev.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      if (end + gmax >= static_cast<int64_t>(abs) && end + gmin <= static_cast<int64_t>(abs)) {
        keep = true;
        break;
      }
      ++i;
    }
  }
  if (!keep) return;
  if (v.piece + 1 < info.piece_count) {
    auto& list = unconfirmed[slot];
    size_t i = list.size();
    while (i > 0 && list[i - 1].offset > abs) --i;
    if (i > 0 && list[i - 1].offset == abs) return;
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), PieceMatch{abs, length, 0});
    return;
  }
  // Tail: mark the chains that reach this match, then confirm complete ones.
  {
    auto& prev = unconfirmed[slot - 1];
    const int64_t gmin = info.gap_min[v.piece];
    const int64_t gmax = info.gap_max[v.piece] < 0 ? INT64_MAX / 4 : info.gap_max[v.piece];
    for (auto& m : prev) {
      const int64_t end = static_cast<int64_t>(m.offset + m.length);
      if (end + gmax >= static_cast<int64_t>(abs) && end + gmin <= static_cast<int64_t>(abs))
        update_chain_length(info, v.piece - 1, m, 1);
    }
  }
  const uint32_t full = info.piece_count - 1;
  auto& heads = unconfirmed[info.first_piece_slot];
  for (size_t i = 0; i < heads.size();) {
    if (heads[i].chain_length == full) {
      const uint64_t start = heads[i].offset;
      heads.erase(heads.begin() + static_cast<std::ptrdiff_t>(i));
      add_match(v.spec, start, static_cast<uint32_t>(abs - start + length), 0, false);
      continue;
    }
    ++i;
  }
}

void PatternScanner::Impl::update_chain_length(const SpecInfo& info, uint32_t piece, PieceMatch& m,
                                               uint32_t len) {
  if (m.chain_length == len) return;
  m.chain_length = len;
  if (piece == 0) return;
  auto& prev = unconfirmed[info.first_piece_slot + piece - 1];
  const int64_t gmin = info.gap_min[piece];
  const int64_t gmax = info.gap_max[piece] < 0 ? INT64_MAX / 4 : info.gap_max[piece];
  for (auto& p : prev) {
    const int64_t end = static_cast<int64_t>(p.offset + p.length);
    if (end + gmax >= static_cast<int64_t>(m.offset) &&
        end + gmin <= static_cast<int64_t>(m.offset))
      update_chain_length(info, piece - 1, p, len + 1);
  }
}

void PatternScanner::Impl::run_atomless_until(size_t end) {
  if (set.atomless.empty()) return;
  for (; atomless_cursor < end; ++atomless_cursor) {
    const size_t pos = atomless_cursor;
    for (uint32_t vi : set.atomless) {
      const Verifier& v = set.verifiers[vi];
      if (disabled[v.spec] || !v.first_bytes.test(data[pos])) continue;
      verify(v, pos, 0, -1);
    }
  }
}

PatternScanner::PatternScanner(const PatternSet& set) : impl_(std::make_unique<Impl>(set)) {}
PatternScanner::~PatternScanner() = default;

void PatternScanner::reset() {
  for (auto& m : impl_->matches) m.clear();
  for (auto& u : impl_->unconfirmed) u.clear();
  std::fill(impl_->disabled.begin(), impl_->disabled.end(), false);
  impl_->overflowed.clear();
}

ScanOutcome PatternScanner::scan_block(std::span<const uint8_t> block, uint64_t base,
                                       const ScanLimits& limits) {
  Impl& s = *impl_;
  s.data = block;
  s.base = base;
  s.limits = limits;
  s.too_many = false;
  // Hits arrive in end-offset order, which is yara's order too (its Aho-Corasick automaton
  // reports atoms where they end). Strings without atoms are tried at each offset right after
  // the atoms ending there, as yara's zero-length atom is; the order matters for chained hex
  // strings and for which match wins when two land on the same offset.
  s.atomless_cursor = 0;
  if (s.set.db != nullptr && !block.empty()) {
    auto cb = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                 void* ctx) -> int {
      auto* self = static_cast<Impl*>(ctx);
      const auto end = static_cast<size_t>(to);
      self->run_atomless_until(end);
      self->on_literal(self->set.literals[id], end);
      return 0;
    };
    hs_error_t rc = hs_scan(s.set.db, reinterpret_cast<const char*>(block.data()),
                            static_cast<unsigned>(block.size()), 0, s.scratch, cb, &s);
    if (rc != HS_SUCCESS) return ScanOutcome::kError;
  }
  s.run_atomless_until(block.size());
  return s.too_many ? ScanOutcome::kTooManyMatches : ScanOutcome::kOk;
}

std::span<const Match> PatternScanner::matches(size_t string_index) const {
  return impl_->matches[string_index];
}

std::optional<size_t> PatternScanner::overflowed_string() const {
  if (impl_->overflowed.empty()) return std::nullopt;
  return impl_->overflowed.front();
}

std::span<const size_t> PatternScanner::overflowed_strings() const { return impl_->overflowed; }

}  // namespace yarrow::match
