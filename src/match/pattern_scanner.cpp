// PatternScanner: runs the Vectorscan database over a block, verifies atom hits with the regex
// VM and records matches with yara 4.2.3's rules (sorted, one per offset, per-string cap,
// chained hex pieces combined with their gaps).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "match/pattern_set_impl.h"
#include "regex/lazy_dfa.h"

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
    // One scratch fits every partition's database (hs_alloc_scratch grows it).
    for (hs_database_t* db : set.dbs)
      if (db != nullptr) hs_alloc_scratch(db, &scratch);
    matches.resize(set.specs.size());
    disabled.assign(set.specs.size(), false);
    unconfirmed.resize(set.piece_slots);
    // Identical strings share the first one's matches; `aliases` lists the others per first.
    for (uint32_t i = 0; i < set.canonical.size(); ++i) {
      if (set.canonical[i] == i) continue;
      if (aliases.empty()) aliases.resize(set.specs.size());
      aliases[set.canonical[i]].push_back(i);
    }
    for (uint32_t vi : set.atomless) {
      const Verifier& v = set.verifiers[vi];
      for (size_t b = 0; b < 256; ++b)
        if (v.first_bytes.test(b)) atomless_start[b] = true;
      atomless_uniform.push_back(v.fixed.uniform());
    }
    atomless_run_end.assign(set.atomless.size(), 0);
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
  std::vector<std::vector<uint32_t>> aliases;  // empty when no string has a twin
  // What reset() has to clear: strings with matches and piece slots with unconfirmed matches
  // since the last reset, so that a scan costs nothing per string that never matched.
  std::vector<uint32_t> touched;
  std::vector<uint32_t> touched_slots;
  regex::VmScratch vm;
  std::vector<int> lengths;
  size_t atomless_cursor = 0;  // next offset where atomless verifiers still have to run
  bool atomless_start[256] = {};  // bytes that can start some atomless verifier's match
  // Atomless pieces that are one byte set repeated n times ([0-9a-f]{32}) match where a run of
  // that set is at least n long: the run's end, found once, answers every offset inside it.
  std::vector<uint8_t> atomless_uniform;  // parallel to set.atomless
  std::vector<size_t> atomless_run_end;   // per block: where the current run of the set ends

  // Runs the verifiers without atoms (yara's zero-length atom) at every offset before `end`.
  void run_atomless_until(size_t end);

  // Forward programs that keep running become lazy DFAs (regex/lazy_dfa.h), per verifier.
  struct ForwardRunner {
    uint32_t vm_runs = 0;  // kNoDfa: the program has assertions
    std::unique_ptr<regex::LazyDfa> dfa;
  };
  static constexpr uint32_t kNoDfa = UINT32_MAX;
  static constexpr uint32_t kRunsBeforeDfa = 4;   // rarely run programs keep no table
  std::vector<ForwardRunner> forward_runners;
  // Transitions all of this scanner's DFAs may hold together: 32 MiB.
  size_t dfa_budget = size_t{8} << 20;
  int run_forward(const Verifier& v, size_t atom_start, const regex::ExecOptions& opt);

  // Per-block state.
  std::span<const uint8_t> data;
  uint64_t base = 0;
  ScanLimits limits;
  bool too_many = false;
  bool timed_out = false;
  size_t chunk_base = 0;   // offset of the chunk Vectorscan is scanning
  size_t covered_end = 0;  // hits ending at or before this were reported by an earlier chunk
  uint32_t until_clock_check = 0;
  // True (and the scan must stop) once the deadline has passed; reads the clock every few calls.
  bool out_of_time() {
    if (!limits.deadline) return false;
    if (until_clock_check-- != 0) return timed_out;
    until_clock_check = 255;
    if (std::chrono::steady_clock::now() > *limits.deadline) timed_out = true;
    return timed_out;
  }

  void add_match(uint32_t spec, uint64_t offset, uint32_t length, uint8_t xor_key, bool replace);
  void on_literal(const Literal& lit, size_t end);
  void verify(const Verifier& v, size_t atom_start, uint32_t forward_pc, int32_t backward_prog);
  void verify_fixed(const Verifier& v, size_t atom_start, uint32_t atom_offset);
  bool text_ok(const TextCheck& t, size_t start) const;
  // Whether guard `g` occurs inside [lo, hi); `slot` keys the per-block search memo.
  bool guard_in(size_t slot, const std::string& g, size_t lo, size_t hi);
  struct GuardState {
    uint32_t generation = 0;  // valid for the block scanned with this generation
    size_t from = 0;          // last window searched: [from, to)
    size_t to = 0;
    size_t found = SIZE_MAX;  // first occurrence at or after `from`; SIZE_MAX: none in window
  };
  std::vector<GuardState> guard_state;
  uint32_t generation = 0;
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
    if (!aliases.empty()) overflowed.insert(overflowed.end(), aliases[spec].begin(), aliases[spec].end());
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
  if (list.empty()) {
    touched.push_back(spec);
    if (!aliases.empty()) touched.insert(touched.end(), aliases[spec].begin(), aliases[spec].end());
  }
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), Match{offset, length, xor_key});
}

void PatternScanner::Impl::on_literal(const Literal& lit, size_t end) {
  if (disabled[lit.spec]) return;
  // Fast mode, as yara does it: once a string that only needs to be present has a match, later
  // atom hits are not verified; but every match the verification of one hit yields is kept.
  if (limits.fast_mode && set.specs[lit.spec].single_match_ok && !matches[lit.spec].empty()) return;
  const int64_t signed_start = static_cast<int64_t>(end) - lit.anchor_end;
  if (signed_start < 0 || static_cast<uint64_t>(signed_start) >= data.size()) return;
  const auto start = static_cast<size_t>(signed_start);
  if (lit.kind == Literal::Kind::kText) {
    if (lit.text_check != UINT32_MAX && !text_ok(set.texts[lit.text_check], start)) return;
    const SpecInfo& info = set.specs[lit.spec];
    if (info.fullword && !fullword_ok(start, lit.length, lit.wide)) return;
    add_match(lit.spec, base + start, lit.length, lit.xor_key, false);
    return;
  }
  const Verifier& v = set.verifiers[lit.verifier];
  if (!v.fixed.empty()) {
    verify_fixed(v, start, lit.atom_offset);
    return;
  }
  verify(v, start, lit.forward_pc, lit.backward_prog);
}

bool PatternScanner::Impl::guard_in(size_t slot, const std::string& g, size_t lo, size_t hi) {
  // Atom hits of one verifier mostly come in increasing order with overlapping windows: what
  // the last search found (or ruled out) answers most queries without searching again.
  if (guard_state.size() <= slot) guard_state.resize(set.verifiers.size() * 2);
  GuardState& st = guard_state[slot];
  const size_t n = g.size();
  if (hi < lo || hi - lo < n) return false;
  size_t from = lo;
  if (st.generation == generation && lo >= st.from) {
    if (st.found != SIZE_MAX && st.found >= lo) return st.found + n <= hi;
    if (st.found == SIZE_MAX && st.to >= n) from = std::max(lo, st.to - n + 1);
  }
  const void* p = from < hi && hi - from >= n ? memmem(data.data() + from, hi - from, g.data(), n)
                                              : nullptr;
  st.generation = generation;
  st.from = lo;
  st.to = hi;
  st.found = p == nullptr ? SIZE_MAX : static_cast<size_t>(static_cast<const uint8_t*>(p) - data.data());
  return p != nullptr;
}

bool PatternScanner::Impl::text_ok(const TextCheck& t, size_t start) const {
  const size_t n = t.bytes.size();
  if (start > data.size() || data.size() - start < n) return false;
  const uint8_t* p = data.data() + start;
  if (!t.caseless) return std::memcmp(p, t.bytes.data(), n) == 0;
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<uint8_t>(t.bytes[i]);
    if (p[i] != b && regex::alt_case(p[i]) != b) return false;
  }
  return true;
}

void PatternScanner::Impl::verify_fixed(const Verifier& v, size_t atom_start, uint32_t atom_offset) {
  // The piece's one possible match is where its atom puts it.
  if (atom_start < atom_offset) return;
  const size_t start = atom_start - atom_offset;
  const size_t n = v.fixed.size();
  if (start > data.size() || data.size() - start < n) return;
  const uint8_t* p = data.data() + start;
  for (size_t i = 0; i < n; ++i)
    if (!v.fixed.test(i, p[i])) return;
  on_piece_match(v, start, static_cast<uint32_t>(n), false);
}

void PatternScanner::Impl::verify(const Verifier& v, size_t atom_start, uint32_t forward_pc,
                                  int32_t backward_prog) {
  for (size_t i = 0; i < v.context_bytes.size(); ++i) {
    const int64_t at = static_cast<int64_t>(atom_start) + v.context_offsets[i];
    if (at < 0 || at >= static_cast<int64_t>(data.size()) ||
        data[static_cast<size_t>(at)] != static_cast<uint8_t>(v.context_bytes[i]))
      return;
  }
  if (!v.guards.empty()) {
    const size_t lo = atom_start > v.max_length ? atom_start - v.max_length : 0;
    const size_t hi = std::min(data.size(), atom_start + v.max_length);
    const size_t vi = static_cast<size_t>(&v - set.verifiers.data());
    for (size_t g = 0; g < v.guards.size(); ++g) {
      if (!guard_in(vi * 2 + g, v.guards[g], lo, hi)) return;
    }
  }
  regex::ExecOptions opt;
  opt.start_pc = forward_pc;
  int fwd = -1;
  if (v.ascii) fwd = run_forward(v, atom_start, opt);
  if (fwd < 0 && v.wide) {
    opt.wide = true;
    fwd = run_forward(v, atom_start, opt);
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

int PatternScanner::Impl::run_forward(const Verifier& v, size_t atom_start,
                                      const regex::ExecOptions& opt) {
  if (forward_runners.empty()) forward_runners.resize(set.verifiers.size());
  ForwardRunner& r = forward_runners[static_cast<size_t>(&v - set.verifiers.data())];
  if (r.dfa) {
    const int n = r.dfa->exec_forward(data, atom_start, opt, vm);
    if (n != regex::LazyDfa::kGaveUp) return n;
  } else if (r.vm_runs != kNoDfa && ++r.vm_runs == kRunsBeforeDfa) {
    if (regex::LazyDfa::eligible(v.forward)) {
      r.dfa = std::make_unique<regex::LazyDfa>(v.forward, &dfa_budget);
      return run_forward(v, atom_start, opt);
    }
    r.vm_runs = kNoDfa;
  }
  return regex::exec_forward(v.forward, data, atom_start, opt, vm);
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
    if (list.empty()) touched_slots.push_back(slot);
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
    if (!atomless_start[data[pos]]) continue;  // no verifier can start here
    if (out_of_time()) return;
    for (size_t k = 0; k < set.atomless.size(); ++k) {
      const Verifier& v = set.verifiers[set.atomless[k]];
      if (disabled[v.spec] || !v.first_bytes.test(data[pos])) continue;
      if (v.fixed.empty()) {
        verify(v, pos, 0, -1);
      } else if (!atomless_uniform[k]) {
        verify_fixed(v, pos, 0);
      } else {
        size_t& run_end = atomless_run_end[k];
        if (run_end <= pos) {
          run_end = pos;
          while (run_end < data.size() && v.fixed.test(0, data[run_end])) ++run_end;
        }
        if (run_end - pos >= v.fixed.size())
          on_piece_match(v, pos, static_cast<uint32_t>(v.fixed.size()), false);
      }
    }
  }
}

PatternScanner::PatternScanner(const PatternSet& set) : impl_(std::make_unique<Impl>(set)) {}
PatternScanner::~PatternScanner() = default;

void PatternScanner::reset() {
  Impl& s = *impl_;
  // A list that grew long on one file gives its memory back rather than holding it for every
  // file after (a string with thousands of matches in one file of a directory scan).
  auto empty = [](auto& list) {
    constexpr size_t kKeptMatches = 1024;
    if (list.capacity() > kKeptMatches) {
      std::remove_reference_t<decltype(list)>().swap(list);
    } else {
      list.clear();
    }
  };
  for (uint32_t i : s.touched) empty(s.matches[i]);
  for (uint32_t i : s.touched_slots) empty(s.unconfirmed[i]);
  for (size_t i : s.overflowed) s.disabled[i] = false;
  s.touched.clear();
  s.touched_slots.clear();
  s.overflowed.clear();
}

std::span<const uint32_t> PatternScanner::touched_strings() const { return impl_->touched; }

ScanOutcome PatternScanner::scan_block(std::span<const uint8_t> block, uint64_t base,
                                       const ScanLimits& limits) {
  Impl& s = *impl_;
  s.data = block;
  s.base = base;
  s.limits = limits;
  s.too_many = false;
  s.timed_out = false;
  s.until_clock_check = 0;
  if (++s.generation == 0) {  // wrapped: forget every memo
    std::fill(s.guard_state.begin(), s.guard_state.end(), Impl::GuardState{});
    s.generation = 1;
  }
  // Hits arrive in end-offset order, which is yara's order too (its Aho-Corasick automaton
  // reports atoms where they end). Strings without atoms are tried at each offset right after
  // the atoms ending there, as yara's zero-length atom is; the order matters for chained hex
  // strings and for which match wins when two land on the same offset.
  s.atomless_cursor = 0;
  std::fill(s.atomless_run_end.begin(), s.atomless_run_end.end(), 0);
  // Partition 0's first database first: strings without atoms run along its hits, and those
  // with atomless pieces have their literals there. The other databases' strings all have
  // atoms, and no string spans two databases, so each string still sees its hits in end-offset
  // order.
  for (size_t d = 0; d < s.set.dbs.size() && !block.empty(); ++d) {
    hs_database_t* db = s.set.dbs[d];
    const size_t p = s.set.db_partition[d];
    if (db == nullptr || (p < 64 && p > 0 && ((limits.partitions >> p) & 1) == 0)) continue;
    if (d > 0) s.run_atomless_until(block.size());
    auto cb = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                 void* ctx) -> int {
      auto* self = static_cast<Impl*>(ctx);
      const size_t end = self->chunk_base + static_cast<size_t>(to);
      if (end <= self->covered_end) return 0;  // seen in the previous, overlapping chunk
      if (self->out_of_time()) return 1;  // stops hs_scan
      self->run_atomless_until(end);
      const PatternSet::Impl& set = self->set;
      // A database loaded from a file is trusted no further than its checksums: an id past the
      // group table (a forged file with a valid CRC) is ignored, not followed.
      if (id + 1 >= set.group_begin.size()) return 0;
      for (uint32_t i = set.group_begin[id]; i < set.group_begin[id + 1]; ++i)
        self->on_literal(set.literals[set.group_members[i]], end);
      return 0;
    };
    // Chunks overlap by the longest pattern minus one byte, so every occurrence lies whole in
    // some chunk; hits ending inside the overlap were reported by the previous chunk. Hits
    // still arrive in end-offset order, and verification reads the whole block.
    uint64_t max_chunk = limits.chunk_bytes != 0 ? limits.chunk_bytes : uint64_t{UINT32_MAX};
    const bool drop = limits.drop_scanned != nullptr && block.size() > kDropChunkBytes;
    if (drop) max_chunk = std::min(max_chunk, kDropChunkBytes);
    const size_t overlap = s.set.max_pattern_bytes > 0 ? s.set.max_pattern_bytes - 1 : 0;
    s.chunk_base = 0;
    s.covered_end = 0;
    size_t dropped = 0;
    while (true) {
      const size_t len =
          static_cast<size_t>(std::min<uint64_t>(block.size() - s.chunk_base, max_chunk));
      hs_error_t rc = hs_scan(db, reinterpret_cast<const char*>(block.data() + s.chunk_base),
                              static_cast<unsigned>(len), 0, s.scratch, cb, &s);
      if (s.timed_out) return ScanOutcome::kTimeout;
      if (rc != HS_SUCCESS) return ScanOutcome::kError;
      const size_t chunk_end = s.chunk_base + len;
      // Everything before the next chunk's start has been scanned by this database; a
      // verification that reads back into it touches the page again.
      if (drop) {
        // Up to a 2 MiB boundary of the address space: the kernel may map a file's pages by
        // 2 MiB (large page-cache folios), and only whole such mappings leave when dropped.
        constexpr uintptr_t kHuge = uintptr_t{2} << 20;
        const uintptr_t at = reinterpret_cast<uintptr_t>(block.data());
        const uintptr_t boundary = (at + chunk_end - overlap) & ~(kHuge - 1);
        const size_t upto = chunk_end >= block.size() ? block.size()
                            : boundary > at           ? boundary - at
                                                      : 0;
        if (upto > dropped) {
          limits.drop_scanned(block.subspan(dropped, upto - dropped));
          dropped = upto;
        }
      }
      if (chunk_end >= block.size() || len <= overlap) break;
      s.covered_end = chunk_end;
      s.chunk_base = chunk_end - overlap;
    }
  }
  s.run_atomless_until(block.size());
  if (s.timed_out) return ScanOutcome::kTimeout;
  return s.too_many ? ScanOutcome::kTooManyMatches : ScanOutcome::kOk;
}

std::span<const Match> PatternScanner::matches(size_t string_index) const {
  const auto& canonical = impl_->set.canonical;
  if (string_index < canonical.size()) string_index = canonical[string_index];
  return impl_->matches[string_index];
}

std::optional<size_t> PatternScanner::overflowed_string() const {
  if (impl_->overflowed.empty()) return std::nullopt;
  return impl_->overflowed.front();
}

std::span<const size_t> PatternScanner::overflowed_strings() const { return impl_->overflowed; }

}  // namespace yarrow::match
