// Building a PatternSet: string specs -> literals for Vectorscan databases + regex verifiers.
#include <algorithm>
#include <bit>
#include <array>
#include <deque>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "match/atoms.h"
#include "match/pattern_set_impl.h"
#include "match/spec_analysis.h"

namespace yarrow::match {

using regex::Node;
using regex::NodeKind;

namespace {

void append_byte(std::string& pat, uint8_t c) {
  static constexpr char kHex[] = "0123456789abcdef";
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    pat.push_back(static_cast<char>(c));
  } else {
    pat += "\\x";
    pat.push_back(kHex[c >> 4]);
    pat.push_back(kHex[c & 15]);
  }
}

// A Vectorscan expression matching exactly `bytes`.
std::string literal_pattern(std::string_view bytes) {
  std::string pat;
  for (char c : bytes) append_byte(pat, static_cast<uint8_t>(c));
  return pat;
}

// A fixed-length Vectorscan expression for an atom; wide atoms have a zero after each byte.
std::string atom_pattern(const std::vector<regex::ByteSet>& positions, bool wide) {
  std::string pat;
  for (const auto& set : positions) {
    if (regex::byte_count(set) == 1) {
      size_t b = 0;
      while (!set.test(b)) ++b;
      append_byte(pat, static_cast<uint8_t>(b));
    } else if (set.all()) {
      pat += "[\\x00-\\xff]";
    } else {
      pat += "[";
      for (int b = 0; b < 256; ++b) {
        if (!set.test(b)) continue;
        int e = b;
        while (e + 1 < 256 && set.test(e + 1)) ++e;
        pat += "\\x";
        static constexpr char kHex[] = "0123456789abcdef";
        pat.push_back(kHex[b >> 4]);
        pat.push_back(kHex[b & 15]);
        if (e > b) {
          pat += "-\\x";
          pat.push_back(kHex[e >> 4]);
          pat.push_back(kHex[e & 15]);
        }
        b = e;
      }
      pat += "]";
    }
    if (wide) pat += "\\x00";
  }
  return pat;
}

// The bytes a literal_pattern() or atom_pattern() expression matches: one per plain character,
// `\xHH` escape or `[...]` class.
size_t pattern_bytes(std::string_view pat) {
  size_t n = 0;
  for (size_t i = 0; i < pat.size(); ++n) {
    if (pat[i] == '\\') {
      i += 4;
    } else if (pat[i] == '[') {
      const size_t close = pat.find(']', i);
      i = close == std::string_view::npos ? pat.size() : close + 1;
    } else {
      ++i;
    }
  }
  return n;
}

// Most bytes of an atom's context compared before a regex run.
constexpr size_t kMaxContextBytes = 16;
// Above this many strings, filter windows are no longer than atoms (see PatternSet::build).
constexpr size_t kLongWindowMaxStrings = 20000;
// With a database of this many patterns or more, all databases compile on the building thread
// before the programs are built, none beside them: Vectorscan's compiler, which holds 2-2.5 KB
// per pattern until its database is done, then peaks beside the rules alone, and the next
// database and the programs reuse the memory it freed in this thread's heap.
// Signature-base (16,549 patterns in partition 0): the peak 117 -> 93 MB, the compile 0.25 ->
// 0.32 s (yara: 0.37 s). Elastic's 7,481 keep the overlap, worth 20 ms of its 90.
constexpr size_t kSerialDatabasePatterns = 10000;

}  // namespace

// Scored as 3 per distinct byte, -2 per filler byte and -4 when the window ends on a filler; the
// first best window wins. The window slides a byte at a time and its byte counts follow it: each
// text literal of each xor key passes through here, and rescoring every window from scratch
// took a quarter of the pattern set's first phase for signature-base.
size_t text_window(std::string_view text) {
  if (text.size() <= kTextWindow) return 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  auto filler = [](uint8_t c) {
    return c == 0x00 || c == 0xff || c == 0x20 || c == 0xcc || c == 0x90;
  };
  std::array<uint8_t, 256> count{};
  int distinct = 0, fillers = 0;
  auto enter = [&](uint8_t c) {
    distinct += count[c]++ == 0;
    fillers += filler(c);
  };
  auto leave = [&](uint8_t c) {
    distinct -= --count[c] == 0;
    fillers -= filler(c);
  };
  auto score = [&](size_t at) {
    return 3 * distinct - 2 * fillers - (filler(bytes[at + kTextWindow - 1]) ? 4 : 0);
  };
  for (size_t i = 0; i < kTextWindow; ++i) enter(bytes[i]);
  size_t best_at = 0;
  int best = score(0);
  for (size_t at = 1; at + kTextWindow <= text.size(); ++at) {
    leave(bytes[at - 1]);
    enter(bytes[at + kTextWindow - 1]);
    const int s = score(at);
    if (s > best) best = s, best_at = at;
  }
  return best_at;
}

namespace {

bool contains(const Node& n, const Node* target) {
  if (&n == target) return true;
  for (const auto& k : n.kids)
    if (contains(k, target)) return true;
  return false;
}

// Appends, in forward order, what precedes `target` on its path from `n`: the earlier siblings
// in every enclosing concatenation. An atom inside a repeat or an alternative branch starts at
// the beginning of that repeat/branch, so those add nothing.
void collect_prefix(const Node& n, const Node* target, std::vector<Node>& out) {
  if (&n == target) return;
  if (n.kind == NodeKind::kConcat) {
    for (size_t i = 0; i < n.kids.size(); ++i) {
      if (contains(n.kids[i], target)) {
        for (size_t j = 0; j < i; ++j) out.push_back(n.kids[j]);
        collect_prefix(n.kids[i], target, out);
        return;
      }
    }
    return;
  }
  for (const auto& k : n.kids) {
    if (contains(k, target)) {
      // yara's backward code for an atom inside x+ loops back through x: further copies of x
      // may precede the one holding the atom.
      if (n.kind == NodeKind::kRepeat && n.min == 1 && n.max < 0) {
        Node more = n;
        more.min = 0;
        out.push_back(std::move(more));
      }
      collect_prefix(k, target, out);
      return;
    }
  }
}

// Returns false when the expression is too large to compile (yara's repeat opcodes avoid the
// unrolling we do; such strings are rejected rather than matched wrongly).
// A piece that is a fixed sequence of single-byte positions (no jumps, alternatives, anchors or
// repeats) has exactly one possible match wherever its atom is found; collects the positions.
// With `repeats`, an exact repeat x{n} counts as n copies of x (only for pieces without atoms:
// an atom inside a repeated body would have no single place).
bool fixed_positions(const Node& node, std::vector<const Node*>& out, bool repeats = false) {
  if (node.kind == NodeKind::kBytes) {
    out.push_back(&node);
    return true;
  }
  if (repeats && node.kind == NodeKind::kRepeat && node.min == node.max && node.min >= 0 &&
      node.min <= static_cast<int64_t>(regex::kScanLimit) && !node.kids.empty()) {
    for (int64_t i = 0; i < node.min; ++i) {
      if (!fixed_positions(node.kids[0], out, true)) return false;
      if (out.size() > regex::kScanLimit) return false;
    }
    return true;
  }
  if (node.kind != NodeKind::kConcat) return false;
  for (const auto& k : node.kids)
    if (!fixed_positions(k, out, repeats)) return false;
  return true;
}

// Longest match of a node; -1 when unbounded or beyond what a guard window should cover.
int64_t max_match_length(const Node& n) {
  constexpr int64_t kCap = 1 << 14;
  switch (n.kind) {
    case NodeKind::kBytes: return 1;
    case NodeKind::kConcat:
    case NodeKind::kAlt: {
      int64_t total = 0;
      for (const auto& k : n.kids) {
        const int64_t m = max_match_length(k);
        if (m < 0) return -1;
        total = n.kind == NodeKind::kConcat ? total + m : std::max(total, m);
        if (total > kCap) return -1;
      }
      return total;
    }
    case NodeKind::kRepeat: {
      if (n.max < 0) return -1;
      const int64_t m = max_match_length(n.kids[0]);
      if (m < 0 || m * n.max > kCap) return -1;
      return m * n.max;
    }
    default: return 0;
  }
}

// Up to two of the longest runs of exact bytes at the top level of a piece (so present in every
// match), skipping a run that is no longer than the single atom inside it.
void choose_guards(const Node& node, const AtomSelection& atoms, Verifier& v) {
  if (node.kind != NodeKind::kConcat || v.wide) return;
  const int64_t max_len = max_match_length(node);
  if (max_len <= 0) return;
  std::vector<std::string> runs;
  std::string run;
  bool run_has_atom = false;
  auto close = [&]() {
    const bool redundant = run_has_atom && atoms.leaves.size() == 1 &&
                           run.size() <= atoms.leaves[0].positions.size();
    if (run.size() >= 2 && !redundant) runs.push_back(run);
    run.clear();
    run_has_atom = false;
  };
  for (const auto& k : node.kids) {
    if (k.kind == NodeKind::kBytes && regex::byte_count(k.set) == 1) {
      size_t b = 0;
      while (!k.set.test(b)) ++b;
      run.push_back(static_cast<char>(b));
      for (const auto& leaf : atoms.leaves) run_has_atom = run_has_atom || leaf.start == &k;
    } else {
      close();
    }
  }
  close();
  std::stable_sort(runs.begin(), runs.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  if (runs.size() > 2) runs.resize(2);
  v.guards = std::move(runs);
  v.max_length = static_cast<uint32_t>(max_len);
}

// Phase 1 of a regex/hex piece: its atoms' Vectorscan literals, in the order the scanner relies
// on (leaf by leaf, ascii then wide). Verification details are filled in by add_verifier.
// A piece that is only ascii may have a filter window (see select_filter_window): Vectorscan
// then looks for the window, and a hit's atom start is `anchor_end` bytes before the hit's end.
void add_atom_literals(PatternSet::Impl& impl, uint32_t spec, uint32_t verifier,
                       const AtomSelection& atoms, bool ascii, bool wide,
                       const FilterWindow& filter) {
  const bool filtered = !filter.bytes.empty() && ascii && !wide && atoms.leaves.size() == 1;
  for (const auto& leaf : atoms.leaves) {
    Literal lit;
    lit.kind = Literal::Kind::kAtom;
    lit.spec = spec;
    lit.verifier = verifier;
    for (int w = 0; w < 2; ++w) {
      if (w == 0 ? !ascii : !wide) continue;
      lit.wide = w == 1;
      if (filtered) {
        lit.length = static_cast<uint32_t>(filter.bytes.size());
        lit.anchor_end = filter.offset + static_cast<int32_t>(lit.length);
        impl.literal_patterns.push_back(literal_pattern(filter.bytes));
      } else {
        lit.length = static_cast<uint32_t>(leaf.positions.size() * (lit.wide ? 2 : 1));
        lit.anchor_end = static_cast<int32_t>(lit.length);
        impl.literal_patterns.push_back(atom_pattern(leaf.positions, lit.wide));
      }
      impl.max_pattern_bytes = std::max(impl.max_pattern_bytes, lit.length);
      impl.literals.push_back(lit);
      impl.literal_caseless.push_back(false);
    }
  }
}

// Phase 2: the piece's programs, and where each of its atom literals (from `first_literal` on,
// as add_atom_literals laid them out) starts verifying. Returns false when a program is too big.
bool add_verifier(PatternSet::Impl& impl, uint32_t spec, uint32_t piece, const Node& node,
                  bool ascii, bool wide, const AtomSelection& atoms, size_t first_literal) {
  Verifier v;
  v.spec = spec;
  v.piece = piece;
  v.ascii = ascii;
  v.wide = wide;
  const auto vi = static_cast<uint32_t>(impl.verifiers.size());
  std::vector<const Node*> positions;
  if (!wide && fixed_positions(node, positions, atoms.leaves.empty()) && !positions.empty() &&
      positions.size() <= regex::kScanLimit) {
    std::vector<regex::ByteSet> sets;
    sets.reserve(positions.size());
    for (const Node* p : positions) sets.push_back(p->set);
    v.fixed.assign(sets);
  } else {
    positions.clear();
  }
  // A fixed piece whose every atom has its place in it is only ever checked position by
  // position: its programs would never run, so they are not built (a one-instruction stub
  // keeps forward_pc 0 valid). This is most hex strings, and much of the rules' memory.
  bool vm_free = !v.fixed.empty() && !atoms.leaves.empty();
  for (const auto& leaf : atoms.leaves)
    vm_free = vm_free && std::find(positions.begin(), positions.end(), leaf.start) !=
                             positions.end();
  if (vm_free) {
    if (!v.forward.compile(Node{}, false, {})) return false;
    size_t li = first_literal;
    for (const auto& leaf : atoms.leaves) {
      const auto at = std::find(positions.begin(), positions.end(), leaf.start);
      for (int w = 0; w < 2; ++w) {
        if (w == 0 ? !ascii : !wide) continue;
        Literal& lit = impl.literals[li++];
        lit.verifier = vi;
        lit.forward_pc = 0;
        lit.backward_prog = -1;
        lit.atom_offset = static_cast<uint32_t>(at - positions.begin());
      }
    }
    impl.verifiers.push_back(std::move(v));
    return true;
  }
  std::vector<const Node*> starts;
  starts.reserve(atoms.leaves.size());
  for (const auto& leaf : atoms.leaves) starts.push_back(leaf.start);
  if (!v.forward.compile(node, false, starts)) return false;
  if (v.fixed.empty() && !atoms.leaves.empty()) choose_guards(node, atoms, v);
  if (v.fixed.empty() && !wide) {
    AtomContext context = select_atom_context(atom_region(node, atoms), atoms, kMaxContextBytes);
    v.context_bytes = std::move(context.bytes);
    v.context_offsets = std::move(context.offsets);
  }
  if (atoms.leaves.empty()) {
    v.first_bytes = v.forward.first_bytes();
    impl.atomless.push_back(vi);
  }
  size_t li = first_literal;
  for (const auto& leaf : atoms.leaves) {
    const auto forward_pc =
        static_cast<uint32_t>(std::max<int64_t>(v.forward.pc_of(leaf.start), 0));
    uint32_t atom_offset = 0;
    if (!v.fixed.empty()) {
      auto at = std::find(positions.begin(), positions.end(), leaf.start);
      if (at == positions.end()) {
        v.fixed.clear();  // cannot place the atom: keep the VM
      } else {
        atom_offset = static_cast<uint32_t>(at - positions.begin());
      }
    }
    int32_t backward_prog = -1;
    Node prefix;
    prefix.kind = NodeKind::kConcat;
    collect_prefix(node, leaf.start, prefix.kids);
    if (!prefix.kids.empty()) {
      regex::Program back;
      if (!back.compile(prefix, true, {})) return false;
      backward_prog = static_cast<int32_t>(v.backwards.size());
      v.backwards.push_back(std::move(back));
    }
    for (int w = 0; w < 2; ++w) {
      if (w == 0 ? !ascii : !wide) continue;
      Literal& lit = impl.literals[li++];
      lit.verifier = vi;
      lit.forward_pc = forward_pc;
      lit.atom_offset = atom_offset;
      lit.backward_prog = backward_prog;
    }
  }
  v.fixed.shrink_to_fit();
  v.backwards.shrink_to_fit();
  impl.verifiers.push_back(std::move(v));
  return true;
}


}  // namespace



PatternSet::PatternSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PatternSet::~PatternSet() = default;
size_t PatternSet::size() const { return impl_->specs.size(); }

void FixedPiece::assign(const std::vector<regex::ByteSet>& positions) {
  clear();
  for (const regex::ByteSet& set : positions) {
    // The set as (value, mask): the smallest byte it accepts is the value, and the mask keeps
    // the bits on which all its bytes agree; it fits if it has 2^(free bits) members.
    // Exact bytes and wildcards, most positions of hex strings, skip the walk over the set.
    const size_t count = regex::byte_count(set);
    const auto low = static_cast<uint8_t>(set._Find_first());
    uint8_t mask = count == 1 ? 0xFF : 0x00;
    if (count > 1 && count < set.size()) {
      mask = 0xFF;
      for (size_t b = set._Find_first(); b < set.size(); b = set._Find_next(b))
        mask = static_cast<uint8_t>(mask & ~(b ^ low));
    }
    const size_t free_bits = 8 - static_cast<size_t>(std::popcount(mask));
    if (count == 0 || count != (size_t{1} << free_bits)) {
      masked.clear();
      sets = positions;
      return;
    }
    masked.push_back({static_cast<uint8_t>(low & mask), mask});
  }
}

bool FixedPiece::uniform() const {
  for (size_t i = 1; i < size(); ++i) {
    if (masked.empty() ? sets[i] != sets[0]
                       : masked[i].value != masked[0].value || masked[i].mask != masked[0].mask)
      return false;
  }
  return !empty();
}
size_t PatternSet::partition_count() const {
  return impl_->db_partition.empty() ? 0 : impl_->db_partition.back() + size_t{1};
}
size_t PatternSet::database_count() const { return impl_->dbs.size(); }

namespace {

// A regex/hex piece between the two build phases: its atoms with their start nodes given by
// pre-order number (the tree itself is parsed again in phase 2 instead of being kept: holding
// every tree at once would cost more memory than parsing twice costs time).
struct PendingSpec {
  size_t spec = 0;
  StringSpec source;  // a copy: the caller may free the specs once the literals are collected
  bool ascii = true;
  bool wide = false;
  std::shared_ptr<const CheckedSpec> checked;
  std::vector<size_t> first_literal;  // per piece
};

// The byte sets of an atom_pattern() expression, position by position.
std::vector<regex::ByteSet> pattern_positions(std::string_view pat) {
  auto hex_value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  auto byte_at = [&](size_t& i) {  // one byte: \xHH or a plain character
    if (pat[i] == '\\') {
      const int v = hex_value(pat[i + 2]) * 16 + hex_value(pat[i + 3]);
      i += 4;
      return v;
    }
    return static_cast<int>(static_cast<uint8_t>(pat[i++]));
  };
  std::vector<regex::ByteSet> out;
  for (size_t i = 0; i < pat.size();) {
    regex::ByteSet set;
    if (pat[i] != '[') {
      set.set(static_cast<size_t>(byte_at(i)));
    } else {
      ++i;
      while (pat[i] != ']') {
        const int lo = byte_at(i);
        int hi = lo;
        if (pat[i] == '-') {
          ++i;
          hi = byte_at(i);
        }
        for (int b = lo; b <= hi; ++b) set.set(static_cast<size_t>(b));
      }
      ++i;
    }
    out.push_back(set);
  }
  return out;
}

// Vectorscan handles an atom with a byte class (E8 ?? 00 00) by searching its exact bytes and
// checking the rest; when those are the commonest bytes of binaries (00 00 ?? 01) it checks at
// nearly every offset: one such atom of Yara-Rules took half of Vectorscan's time on the corpus.
// Written out as the exact literals it stands for, it is one cheap pattern among many. Only
// dense atoms with at most kMaxAtomExpansion forms are expanded: each literal adds compile time
// (Yara-Rules: 7 atoms, 1,300 literals, 0.04 s).
constexpr size_t kMaxAtomExpansion = 256;
constexpr int kDenseRunBits = 8;  // an exact run at most this rare (byte_rarity sum) is dense

std::vector<std::string> dense_atom_expansion(std::string_view pat) {
  if (pat.find('[') == std::string_view::npos) return {};
  const auto positions = pattern_positions(pat);
  size_t forms = 1;
  int best_run_bits = 0, run_bits = 0;
  for (const auto& set : positions) {
    forms *= regex::byte_count(set);
    if (forms > kMaxAtomExpansion) return {};
    if (regex::byte_count(set) == 1) {
      run_bits += byte_rarity(static_cast<uint8_t>(set._Find_first()));
      best_run_bits = std::max(best_run_bits, run_bits);
    } else {
      run_bits = 0;
    }
  }
  if (best_run_bits > kDenseRunBits) return {};
  std::vector<std::string> out(1);
  for (const auto& set : positions) {
    std::vector<std::string> next;
    for (const auto& prefix : out)
      for (size_t b = set._Find_first(); b < set.size(); b = set._Find_next(b)) {
        next.push_back(prefix);
        append_byte(next.back(), static_cast<uint8_t>(b));
      }
    out = std::move(next);
  }
  return out;
}

// One Vectorscan database, as a job that can run on its own thread: it reads only `exprs`,
// `flags` and `ids` (pointing into Impl::literal_patterns and Impl::expansions, untouched
// meanwhile).
struct DatabaseJob {
  uint8_t partition = 0;
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
  hs_database_t* db = nullptr;
  std::string error;
  bool ok = true;

  void run() {
    if (exprs.empty()) return;  // a partition without patterns has no database
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      ok = false;
      error = err != nullptr ? err->message : "unknown";
      if (err != nullptr) hs_free_compile_error(err);
      db = nullptr;
    }
  }
};

// Union-find over groups: the groups of one string, and so of every string sharing a group
// with it, must go into one database (a string sees its hits in end-offset order).
struct GroupSets {
  std::vector<uint32_t> parent;
  uint32_t find(uint32_t g) {
    while (parent[g] != g) g = parent[g] = parent[parent[g]];
    return g;
  }
  void join(uint32_t a, uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

// plan_databases' dealing of a partition with more than `max_patterns` patterns among
// databases of about equal size (see there): sets of groups, each into the current database
// until the next would overflow its share; pinned sets first, then those with short patterns,
// then the rest, each kind in order of its first group.
void deal_groups(const PatternSet::Impl& impl, const std::vector<uint32_t>& group,
                 const std::vector<bool>& pinned, const std::vector<uint8_t>& group_partition,
                 const std::vector<const char*>& forms, const std::vector<uint32_t>& form_begin,
                 const std::vector<size_t>& partition_forms, size_t max_patterns,
                 std::vector<DatabaseJob>& jobs, std::vector<uint32_t>& group_job) {
  const auto groups = static_cast<uint32_t>(group_partition.size());
  GroupSets sets;
  sets.parent.resize(groups);
  for (uint32_t g = 0; g < groups; ++g) sets.parent[g] = g;
  std::vector<uint8_t> set_pinned(groups, 0);
  for (size_t i = 0; i < impl.literals.size(); ++i) {
    if (i > 0 && impl.literals[i - 1].spec == impl.literals[i].spec)
      sets.join(group[i - 1], group[i]);
    if (pinned[impl.literals[i].spec]) set_pinned[group[i]] = 1;
  }
  std::vector<uint32_t> set_forms(groups, 0);
  std::vector<uint8_t> set_short(groups, 0);  // has a pattern shorter than a full text window
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t root = sets.find(g);
    set_forms[root] += form_begin[g + 1] - form_begin[g];
    set_pinned[root] |= set_pinned[g];
    if (pattern_bytes(forms[form_begin[g]]) < kTextWindow) set_short[root] = 1;
  }
  std::vector<uint32_t> set_job(groups, 0);
  for (size_t p = 0; p < partition_forms.size(); ++p) {
    // The sets of partition p, each named by its root group.
    auto set_here = [&](uint32_t g) { return group_partition[g] == p && sets.find(g) == g; };
    const size_t first_job = jobs.size();
    const size_t forms_here = partition_forms[p];
    const size_t count = std::max<size_t>(1, (forms_here + max_patterns - 1) / max_patterns);
    const size_t target = (forms_here + count - 1) / count;
    jobs.emplace_back().partition = static_cast<uint8_t>(p);
    std::vector<size_t> job_forms{0};
    // Pinned sets first, into the first database (a pinned set is in partition 0).
    for (uint32_t g = 0; g < groups; ++g) {
      if (!set_here(g) || set_pinned[g] == 0) continue;
      set_job[g] = static_cast<uint32_t>(first_job);
      job_forms.front() += set_forms[g];
    }
    // Sets with short patterns first, then those whose patterns all have 8 bytes: the
    // databases of long patterns only are the fastest to scan (Vectorscan's literal matcher
    // steps by its shortest pattern). A set that does not fit opens the next database, unless
    // this is the last one.
    for (uint8_t want_short : {1, 0}) {
      for (uint32_t g = 0; g < groups; ++g) {
        if (!set_here(g) || set_pinned[g] != 0 || set_short[g] != want_short) continue;
        if (job_forms.size() < count && job_forms.back() > 0 &&
            job_forms.back() + set_forms[g] > target) {
          jobs.emplace_back().partition = static_cast<uint8_t>(p);
          job_forms.push_back(0);
        }
        set_job[g] = static_cast<uint32_t>(jobs.size() - 1);
        job_forms.back() += set_forms[g];
      }
    }
  }
  for (uint32_t g = 0; g < groups; ++g) group_job[g] = set_job[sets.find(g)];
}

// Vectorscan's pure-literal API mishandles literals that start with a NUL byte (and was no
// faster to compile here), so every literal goes through the regex API, fully escaped.
// Identical patterns of different strings (shared strings, windows, atoms) are compiled once:
// pattern id i stands for a group of literals, in literal order. Within one string, identical
// atoms (alternatives) keep their own ids: the order Vectorscan reports them in decides which
// alternative is reported, as yara's atom order does.
// A partition of more than `max_patterns` patterns is dealt out among databases of about equal
// size, whole strings (with whatever shares a group with them) at a time, in order; strings
// marked in `pinned` (those with atomless pieces, verified along the first database's hits) go
// into partition 0's first database.
void plan_databases(PatternSet::Impl& impl, std::span<const uint8_t> spec_partition,
                    const std::vector<bool>& pinned, size_t max_patterns,
                    std::vector<DatabaseJob>& jobs) {
  size_t partitions = 1;
  for (const Literal& lit : impl.literals)
    partitions = std::max<size_t>(partitions, spec_partition[lit.spec] + 1u);
  // Per partition and case: pattern text -> group.
  std::vector<std::array<std::unordered_map<std::string_view, uint32_t>, 2>> group_of(partitions);
  std::vector<uint32_t> group(impl.literals.size());
  std::vector<uint32_t> group_size;
  std::vector<uint32_t> last_member;  // per group
  // Per group: its partition, whether it is caseless, and its Vectorscan expressions
  // forms[form_begin[g], form_begin[g + 1]): the pattern, or the exact literals it stands for.
  std::vector<uint8_t> group_partition;
  std::vector<uint8_t> group_caseless;
  std::vector<uint32_t> form_begin{0};
  std::vector<const char*> forms;
  for (size_t i = 0; i < impl.literals.size(); ++i) {
    const bool caseless = impl.literal_caseless[i];
    const uint8_t partition = spec_partition[impl.literals[i].spec];
    auto [it, fresh] = group_of[partition][caseless].try_emplace(
        impl.literal_patterns[i], static_cast<uint32_t>(group_size.size()));
    if (!fresh && impl.literals[last_member[it->second]].spec == impl.literals[i].spec) {
      it->second = static_cast<uint32_t>(group_size.size());
      fresh = true;
    }
    if (fresh) {
      last_member.push_back(0);
      group_size.push_back(0);
      group_partition.push_back(partition);
      group_caseless.push_back(caseless ? 1 : 0);
      auto expanded = dense_atom_expansion(impl.literal_patterns[i]);
      if (expanded.empty()) forms.push_back(impl.literal_patterns[i].c_str());
      // Each form under the group's id: at any offset at most one of them matches.
      for (auto& form : expanded)
        forms.push_back(impl.expansions.emplace_back(std::move(form)).c_str());
      form_begin.push_back(static_cast<uint32_t>(forms.size()));
    }
    group[i] = it->second;
    last_member[it->second] = static_cast<uint32_t>(i);
    ++group_size[it->second];
  }
  const auto groups = static_cast<uint32_t>(group_size.size());
  impl.group_begin.assign(groups + 1, 0);
  for (size_t g = 0; g < groups; ++g)
    impl.group_begin[g + 1] = impl.group_begin[g] + group_size[g];
  impl.group_members.resize(impl.literals.size());
  std::vector<uint32_t> fill(impl.group_begin.begin(), impl.group_begin.end() - 1);
  for (size_t i = 0; i < impl.literals.size(); ++i)
    impl.group_members[fill[group[i]]++] = static_cast<uint32_t>(i);

  // Which database of its partition each group goes to.
  std::vector<size_t> partition_forms(partitions, 0);
  for (uint32_t g = 0; g < groups; ++g)
    partition_forms[group_partition[g]] += form_begin[g + 1] - form_begin[g];
  std::vector<uint32_t> group_job(groups, 0);
  if (max_patterns == 0 ||
      *std::max_element(partition_forms.begin(), partition_forms.end()) <= max_patterns) {
    for (size_t p = 0; p < partitions; ++p) jobs.emplace_back().partition = static_cast<uint8_t>(p);
    for (uint32_t g = 0; g < groups; ++g) group_job[g] = group_partition[g];
  } else {
    deal_groups(impl, group, pinned, group_partition, forms, form_begin, partition_forms,
                max_patterns, jobs, group_job);
  }
  for (uint32_t g = 0; g < groups; ++g) {
    DatabaseJob& job = jobs[group_job[g]];
    for (uint32_t f = form_begin[g]; f < form_begin[g + 1]; ++f) {
      job.exprs.push_back(forms[f]);
      job.flags.push_back(group_caseless[g] != 0 ? HS_FLAG_CASELESS : 0);
      job.ids.push_back(g);
    }
  }
}

// Whether two specs find the same matches (every field that shapes them is equal).
bool same_matches(const StringSpec& a, const StringSpec& b) {
  return a.kind == b.kind && a.value == b.value && a.regex_nocase == b.regex_nocase &&
         a.regex_dotall == b.regex_dotall && a.nocase == b.nocase && a.ascii == b.ascii &&
         a.wide == b.wide && a.fullword == b.fullword && a.xor_ == b.xor_ &&
         a.xor_min == b.xor_min && a.xor_max == b.xor_max && a.base64 == b.base64 &&
         a.base64wide == b.base64wide && a.single_match_ok == b.single_match_ok &&
         a.base64_alphabet == b.base64_alphabet && a.base64wide_alphabet == b.base64wide_alphabet;
}

// For each spec, the first spec identical to it (same_matches()), which builds the literals and
// verifiers they share. Specs are hashed in place: a key string per spec cost elastic's compile
// a millisecond and a half.
std::vector<uint32_t> first_identical(std::span<const StringSpec> specs) {
  const auto hash = [specs](uint32_t i) {
    const StringSpec& s = specs[i];
    const uint64_t flags = static_cast<uint64_t>(s.kind) | uint64_t{s.nocase} << 8 |
                           uint64_t{s.wide} << 9 | uint64_t{s.ascii} << 10 |
                           uint64_t{s.xor_} << 11 | uint64_t{s.base64} << 12 |
                           uint64_t{s.base64wide} << 13 | uint64_t{s.fullword} << 14;
    return std::hash<std::string_view>{}(s.value) ^ (flags * 0x9e3779b97f4a7c15ULL);
  };
  const auto equal = [specs](uint32_t a, uint32_t b) { return same_matches(specs[a], specs[b]); };
  std::unordered_set<uint32_t, decltype(hash), decltype(equal)> first(specs.size(), hash, equal);
  std::vector<uint32_t> out(specs.size());
  for (size_t i = 0; i < specs.size(); ++i)
    out[i] = *first.insert(static_cast<uint32_t>(i)).first;
  return out;
}

// Each string's partition (StringSpec::partition) as its literals will use it: identical
// strings share one set of literals, so they keep a partition only if all of them have it.
std::vector<uint8_t> agreed_partitions(std::span<const StringSpec> specs,
                                       std::span<const uint32_t> first) {
  std::vector<uint8_t> out(specs.size(), 0);
  for (size_t i = 0; i < specs.size(); ++i) {
    uint8_t& agreed = out[first[i]];
    if (first[i] == i) agreed = specs[i].partition;
    else if (agreed != specs[i].partition) agreed = 0;
  }
  for (size_t i = 0; i < specs.size(); ++i) out[i] = out[first[i]];
  return out;
}

// The literal texts are only needed to build the database.
void release_patterns(PatternSet::Impl& impl) {
  impl.literal_patterns.clear();
  impl.literal_patterns.shrink_to_fit();
  impl.literal_caseless.clear();
  impl.literal_caseless.shrink_to_fit();
  impl.expansions.clear();
  impl.expansions.shrink_to_fit();
}

}  // namespace

std::unique_ptr<const PatternSet> PatternSet::build(std::span<const StringSpec> specs,
                                                    const BuildOptions& options,
                                                    std::vector<SpecDiagnostic>& diags) {
  return build(specs, options, diags, {});
}

std::unique_ptr<const PatternSet> PatternSet::build(
    std::span<const StringSpec> specs, const BuildOptions& options,
    std::vector<SpecDiagnostic>& diags,
    std::span<const std::shared_ptr<const CheckedSpec>> checked) {
  // Phase 1 collects every Vectorscan literal; the databases then compile on a thread of their
  // own while phase 2 builds the verifiers' programs, or before phase 2 without a thread.
  auto impl = std::make_unique<Impl>();
  bool failed = false;
  const size_t first_diag = diags.size();
  std::vector<PendingSpec> pending;
  uint32_t verifier_count = 0;
  const std::vector<uint32_t> first_of_kind = first_identical(specs);
  // Filter windows of up to 8 bytes take a quarter off Vectorscan's time on a set like
  // elastic's (9,000 literals), but add to it on one like signature-base's (23,000, most of them
  // 8-byte text windows already, measured with bench/): large sets keep windows of atom size.
  const bool long_windows = specs.size() <= kLongWindowMaxStrings;
  std::vector<uint8_t> spec_partition = agreed_partitions(specs, first_of_kind);
  std::vector<bool> pinned(specs.size(), false);  // has atomless pieces (see plan_databases)
  impl->canonical.reserve(specs.size());
  impl->specs.reserve(specs.size());
  // Plain text that check() has seen: nothing to parse, and its warnings are reported already
  // (signature-base has 16,000 such strings; analysing them again took a fifth of phase 1).
  const auto checked_text = std::make_shared<const CheckedSpec>();
  for (size_t si = 0; si < specs.size(); ++si) {
    std::shared_ptr<const CheckedSpec> cs = si < checked.size() ? checked[si] : nullptr;
    if (cs == nullptr && si < checked.size() && specs[si].kind == StringSpec::Kind::kText)
      cs = checked_text;
    if (cs == nullptr) cs = std::make_shared<const CheckedSpec>(analyse(specs[si]));
    const StringSpec& spec = cs->as_text ? *cs->as_text : specs[si];
    for (SpecDiagnostic d : cs->diags) {
      d.spec_index = si;
      diags.push_back(std::move(d));
    }
    SpecInfo info;
    info.kind = spec.kind;
    info.fullword = spec.fullword;
    info.single_match_ok = specs[si].single_match_ok;  // set after check()
    info.first_piece_slot = impl->piece_slots;
    const auto index = static_cast<uint32_t>(si);
    if (!cs->parsed) {
      failed = true;
      impl->canonical.push_back(index);
      impl->specs.push_back(std::move(info));
      continue;
    }
    // A string identical to an earlier one gets no literals or verifiers of its own.
    impl->canonical.push_back(first_of_kind[si]);
    if (first_of_kind[si] != index) {
      impl->piece_slots += info.piece_count;  // an unused slot keeps the slot layout uniform
      impl->specs.push_back(std::move(info));
      continue;
    }
    if (spec.kind == StringSpec::Kind::kText) {
      for (auto& v : text_variants(spec)) {
        if (v.bytes.empty()) continue;
        Literal lit;
        lit.kind = Literal::Kind::kText;
        lit.spec = index;
        lit.length = static_cast<uint32_t>(v.bytes.size());
        lit.wide = v.wide;
        lit.xor_key = v.xor_key;
        // Long literals put only their most distinctive window in the database (Vectorscan's
        // compile time grows with literal length and count); the rest is compared on a hit.
        const size_t at = text_window(v.bytes);
        const size_t w = std::min(v.bytes.size(), kTextWindow);
        lit.anchor_end = static_cast<int32_t>(at + w);
        if (w < v.bytes.size()) {
          lit.text_check = static_cast<uint32_t>(impl->texts.size());
          impl->texts.push_back(TextCheck{v.bytes, v.caseless});
        }
        impl->literals.push_back(lit);
        impl->max_pattern_bytes = std::max(impl->max_pattern_bytes, static_cast<uint32_t>(w));
        impl->literal_patterns.push_back(literal_pattern(std::string_view(v.bytes).substr(at, w)));
        impl->literal_caseless.push_back(v.caseless);
      }
      impl->piece_slots += 1;
      impl->specs.push_back(std::move(info));
      continue;
    }
    info.greedy = cs->greedy;
    info.piece_count = static_cast<uint32_t>(cs->pieces.size());
    info.gap_min.assign(info.piece_count, 0);
    info.gap_max.assign(info.piece_count, 0);
    for (size_t p = 0; p + 1 < cs->pieces.size(); ++p) {
      info.gap_min[p + 1] = cs->pieces[p].gap_min;
      info.gap_max[p + 1] = cs->pieces[p].gap_max;
    }
    // Atomless pieces run along the scan of partition 0's first database.
    for (const CheckedPiece& cp : cs->pieces) {
      if (!cp.atoms.leaves.empty()) continue;
      spec_partition[si] = 0;
      pinned[si] = true;
    }
    const bool regex_string = spec.kind == StringSpec::Kind::kRegex;
    PendingSpec ps;
    ps.spec = si;
    ps.source = specs[si];
    ps.ascii = !regex_string || spec.ascii || !spec.wide;
    ps.wide = regex_string && spec.wide;
    for (const CheckedPiece& cp : cs->pieces) {
      ps.first_literal.push_back(impl->literals.size());
      add_atom_literals(*impl, index, verifier_count++, cp.atoms, ps.ascii, ps.wide,
                        long_windows ? cp.filter : cp.short_filter);
    }
    ps.checked = std::move(cs);
    pending.push_back(std::move(ps));
    impl->piece_slots += info.piece_count;
    impl->specs.push_back(std::move(info));
  }

  std::vector<DatabaseJob> jobs;
  // The databases compile independently, largest first in job_order. The worker takes them
  // from the front. This thread takes them from the back: before phase 2 all but the largest
  // (phase 2 would wait for that one), so that the programs then reuse the memory Vectorscan's
  // compiler freed in this thread's heap (signature-base: two databases compiled side by side
  // peaked 20 MB higher, for the same compile time), and after phase 2 whatever the worker has
  // not started.
  std::vector<size_t> job_order;
  std::mutex job_mutex;
  size_t job_front = 0, job_back = 0;  // the unclaimed jobs: job_order[job_front, job_back)
  auto run_from_front = [&] {
    for (;;) {
      std::unique_lock lock(job_mutex);
      if (job_front == job_back) return;
      const size_t job = job_order[job_front++];
      lock.unlock();
      jobs[job].run();
    }
  };
  auto run_from_back = [&](size_t keep_first) {
    for (;;) {
      std::unique_lock lock(job_mutex);
      if (job_back == job_front || job_back <= keep_first) return;
      const size_t job = job_order[--job_back];
      lock.unlock();
      jobs[job].run();
    }
  };
  std::jthread worker;  // declared after what it works on: joined before those go
  auto specs_done = [&](bool databases_first) {  // neither `specs` nor `checked` read from here
    if (!failed && options.specs_done != nullptr)
      options.specs_done(options.beside_context, databases_first);
  };
  if (impl->literals.empty()) specs_done(false);
  if (!failed && !impl->literals.empty()) {
    plan_databases(*impl, spec_partition, pinned, options.max_database_patterns, jobs);
    for (size_t j = 0; j < jobs.size(); ++j) job_order.push_back(j);
    std::stable_sort(job_order.begin(), job_order.end(), [&jobs](size_t a, size_t b) {
      return jobs[a].exprs.size() > jobs[b].exprs.size();
    });
    job_back = job_order.size();
    // The worker overlaps the databases with phase 2 (elastic: 15 ms of 120), and keeps
    // Vectorscan's compiler, whose garbage is most of the compile's peak, in a heap of its own
    // that the CLI hands back to the system once the build is over (see yarrow's main.cpp).
    const bool databases_first = !options.background_database ||
                                 jobs[job_order[0]].exprs.size() >= kSerialDatabasePatterns;
    specs_done(databases_first);
    if (!databases_first) {
      try {
        worker = std::jthread(run_from_front);
      } catch (const std::system_error&) {
        // No thread to be had (thread limit, memory): this one compiles them all below.
      }
    }
    if (!worker.joinable()) {
      run_from_back(0);
      release_patterns(*impl);
    } else {
      run_from_back(1);
    }
  }

  // Phase 2. Its diagnostics go after phase 1's of the same string, as when one pass did both.
  std::vector<SpecDiagnostic> late;
  std::vector<const Node*> numbered;
  for (PendingSpec& ps : pending) {
    std::string error;
    auto parsed = parse_spec(ps.source, error);  // never a literal regex: those are text
    for (size_t p = 0; parsed && p < parsed->pieces.size(); ++p) {
      const CheckedPiece& cp = ps.checked->pieces[p];
      const Node& node = parsed->pieces[p].node;
      AtomSelection atoms = cp.atoms;
      if (!cp.start_number.empty()) {
        numbered.clear();
        number_nodes(node, numbered);
        for (size_t l = 0; l < atoms.leaves.size(); ++l)
          atoms.leaves[l].start = numbered[cp.start_number[l]];
      }
      if (!add_verifier(*impl, static_cast<uint32_t>(ps.spec), static_cast<uint32_t>(p), node,
                        ps.ascii, ps.wide, atoms, ps.first_literal[p])) {
        SpecDiagnostic d;
        d.spec_index = ps.spec;
        d.message = "regular expression is too complex";
        late.push_back(d);
        failed = true;
        break;
      }
    }
  }
  pending.clear();
  if (!late.empty()) {
    diags.insert(diags.end(), late.begin(), late.end());
    std::stable_sort(diags.begin() + static_cast<std::ptrdiff_t>(first_diag), diags.end(),
                     [](const auto& x, const auto& y) {
      return x.spec_index < y.spec_index;
    });
  }
  if (worker.joinable() && !failed) run_from_back(0);  // those the worker has not started
  // The programs are final; the worker never reads them.
  impl->verifiers.shrink_to_fit();
  if (!failed && options.beside_databases != nullptr)
    options.beside_databases(options.beside_context);
  if (worker.joinable()) worker.join();
  for (const DatabaseJob& job : jobs) {  // freed with impl
    impl->dbs.push_back(job.db);
    impl->db_partition.push_back(job.partition);
  }
  if (failed) return nullptr;
  for (const DatabaseJob& job : jobs) {
    if (job.ok) continue;
    SpecDiagnostic d;
    d.message = "internal error building the pattern database: " + job.error;
    diags.push_back(d);
    return nullptr;
  }
  release_patterns(*impl);
  impl->literals.shrink_to_fit();
  return std::unique_ptr<const PatternSet>(new PatternSet(std::move(impl)));
}

}  // namespace yarrow::match
