#include "match/atoms.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace yarrow::match {

using regex::ByteSet;
using regex::Node;
using regex::NodeKind;

// Atom quality, calibrated against yara 4.2.3's warnings: known bytes score 20 (letters 18,
// very common bytes 12), nibble masks 4, full wildcards -10, plus 2 per distinct known byte;
// atoms made of one very common byte are penalised instead.
namespace {

int known_byte_score(uint8_t byte) {
  if (byte == 0x00 || byte == 0x20 || byte == 0xCC || byte == 0xFF) return 12;
  const uint8_t lower = (byte >= 'A' && byte <= 'Z') ? byte + 32 : byte;
  return (lower >= 'a' && lower <= 'z') ? 18 : 20;
}

// The quality of an atom of `length` positions whose scores add up to `score`, with `unique`
// distinct known bytes (`only` is the value when there is one).
int rate_atom(int score, int unique, uint8_t only, size_t length) {
  if (unique == 1 && (only == 0x00 || only == 0x20 || only == 0x90 || only == 0xCC || only == 0xFF))
    score -= 10 * static_cast<int>(length);
  else
    score += 2 * unique;
  return kMaxAtomQuality - 20 * kMaxAtomLength + score;
}

// atom_quality() of `w` exact bytes (every mask 0xFF) without building the atom: text strings
// rate every window of their bytes this way (264,000 windows for elastic's rules).
int exact_atom_quality(const uint8_t* bytes, size_t w) {
  int score = 0, unique = 0;
  for (size_t k = 0; k < w; ++k) {
    score += known_byte_score(bytes[k]);
    bool seen = false;
    for (size_t j = 0; j < k; ++j) seen = seen || bytes[j] == bytes[k];
    unique += seen ? 0 : 1;
  }
  return rate_atom(score, unique, w > 0 ? bytes[0] : 0, w);
}

}  // namespace

int atom_quality(const std::vector<std::pair<uint8_t, uint8_t>>& atom) {
  return atom_quality(std::span<const std::pair<uint8_t, uint8_t>>(atom));
}

int atom_quality(std::span<const std::pair<uint8_t, uint8_t>> atom) {
  int score = 0;
  ByteSet seen;
  int unique = 0;
  for (auto [byte, mask] : atom) {
    switch (mask) {
      case 0x00:
        score -= 10;
        break;
      case 0x0F:
      case 0xF0:
        score += 4;
        break;
      case 0xFF:
        score += known_byte_score(byte);
        if (!seen.test(byte)) {
          seen.set(byte);
          ++unique;
        }
        break;
      default:
        break;
    }
  }
  return rate_atom(score, unique, unique == 1 ? static_cast<uint8_t>(seen._Find_first()) : 0,
                   atom.size());
}

namespace {

struct RunItem {
  const Node* node;
  uint8_t value;
  uint8_t mask;
};

// yara trims unknown bytes at the edges of an atom and shrinks mostly-unknown atoms to one byte.
// Returns the quality and sets [first, first + len) to the kept part.
int trim_and_rate(std::span<const RunItem> win, size_t& first, size_t& len) {
  size_t left = 0;
  while (left < win.size() && win[left].mask == 0) ++left;
  size_t right = win.size();
  while (right > left && win[right - 1].mask == 0) --right;
  first = left;
  len = right - left;
  if (len == 0) {
    first = 0;
    return -1;
  }
  int ff = 0, zero = 0;
  for (size_t i = left; i < right; ++i) {
    if (win[i].mask == 0xFF)
      ++ff;
    else if (win[i].mask == 0)
      ++zero;
  }
  if (zero >= ff) len = 1;
  std::pair<uint8_t, uint8_t> a[kMaxAtomLength];
  for (size_t i = 0; i < len; ++i) a[i] = {win[first + i].value, win[first + i].mask};
  return atom_quality(std::span<const std::pair<uint8_t, uint8_t>>(a, len));
}

struct Candidate {
  int quality = -1;
  std::vector<AtomLeaf> leaves;
};

ByteSet set_of(const RunItem& it) {
  if (it.node->kind == NodeKind::kBytes) return it.node->set;
  ByteSet s;
  s.set();
  return s;
}

class Extractor {
 public:
  // One OR node of yara's atom tree: candidates compete, the best one wins.
  struct Or {
    std::vector<Candidate> cands;
    std::vector<RunItem> run;
  };

  Candidate choose(Or& o) {
    flush(o);
    if (o.cands.empty()) return Candidate{kMinAtomQuality, {}};
    size_t best = 0;  // the first of the best
    for (size_t i = 1; i < o.cands.size(); ++i)
      if (o.cands[i].quality > o.cands[best].quality) best = i;
    return std::move(o.cands[best]);
  }

  void process(const Node& n, Or& o) {
    uint8_t v, m;
    switch (n.kind) {
      case NodeKind::kBytes:
        switch (n.origin) {
          case regex::ByteOrigin::kLiteral:
          case regex::ByteOrigin::kAny:
          case regex::ByteOrigin::kHex:
            if (as_masked(n, v, m)) {
              o.run.push_back({&n, v, m});
              return;
            }
            flush(o);
            return;
          default:
            flush(o);
            return;
        }
      case NodeKind::kConcat:
        for (const auto& k : n.kids) process(k, o);
        return;
      case NodeKind::kAlt: {
        // yara appends the alternation's atoms before the run that precedes it, so on equal
        // quality the alternation wins.
        std::vector<const Node*> branches;
        for (const auto& k : n.kids) branches.push_back(&k);
        alternation(branches, o, false);
        flush(o);
        return;
      }
      case NodeKind::kRepeat: {
        const Node& kid = n.kids[0];
        if (n.min >= 1) {
          if (kid.kind == NodeKind::kBytes && as_masked(kid, v, m)) {
            for (int i = 0; i < std::min(n.min, kMaxAtomLength); ++i) o.run.push_back({&kid, v, m});
          } else {
            process(kid, o);
          }
        }
        flush(o);
        return;
      }
      default:
        flush(o);
        return;
    }
  }

 private:
  static bool as_masked(const Node& n, uint8_t& value, uint8_t& mask) {
    if (n.kind != NodeKind::kBytes) return false;
    size_t count = regex::byte_count(n.set);
    if (count >= 255) {
      value = 0, mask = 0;
      return true;
    }
    const size_t first = n.set._Find_first();
    if (count == 1 || (count == 2 && n.literal)) {
      value = static_cast<uint8_t>(first), mask = 0xFF;
      return true;
    }
    if (count == 16) {
      // Exactly 16 bytes: a nibble mask if they are the 16 that share first's high nibble
      // (step 1) or its low nibble (step 16).
      for (auto [mk, step] : {std::pair{uint8_t{0xF0}, 1}, std::pair{uint8_t{0x0F}, 16}}) {
        const size_t base = first & mk;
        bool ok = true;
        for (size_t k = 0; k < 16 && ok; ++k) ok = n.set.test(base + k * step);
        if (ok) {
          value = static_cast<uint8_t>(base), mask = mk;
          return true;
        }
      }
    }
    return false;
  }

  // An alternation needs atoms from every branch; a branch without atoms leaves the whole
  // alternation without atoms (yara then looks elsewhere or scans every offset).
  // `optional` is yara's x? quirk: x's atoms are used even though x may be absent.
  bool alternation(const std::vector<const Node*>& branches, Or& o, bool optional) {
    Candidate all;
    int q = kMaxAtomQuality;
    for (const Node* b : branches) {
      Or sub;
      process(*b, sub);
      Candidate c = choose(sub);
      if (c.leaves.empty()) {
        if (optional) continue;
        return false;
      }
      q = std::min(q, c.quality);
      for (auto& l : c.leaves) all.leaves.push_back(std::move(l));
    }
    if (all.leaves.empty()) return false;
    all.quality = optional ? kMinAtomQuality : q;
    o.cands.push_back(std::move(all));
    return true;
  }

  // Ends the current run of literal bytes: its best window of up to 4 bytes becomes a leaf.
  void flush(Or& o) {
    if (o.run.empty()) return;
    const auto& run = o.run;
    size_t w = std::min<size_t>(run.size(), kMaxAtomLength);
    int best_q = -2;
    size_t best_i = 0, best_first = 0, best_len = 0;
    for (size_t i = 0; i + w <= run.size(); ++i) {
      size_t first, len;
      int q = trim_and_rate(std::span<const RunItem>(run.data() + i, w), first, len);
      if (q > best_q) {
        best_q = q, best_i = i, best_first = first, best_len = len;
      }
    }
    if (best_len == 0) {
      // A run of wildcards still competes (at the lowest quality) but yields no atom; if it
      // wins, the expression has no atoms.
      o.cands.push_back(Candidate{kMinAtomQuality, {}});
    } else {
      Candidate c;
      c.quality = best_q;
      AtomLeaf leaf;
      leaf.start = run[best_i + best_first].node;
      for (size_t k = 0; k < best_len; ++k)
        leaf.positions.push_back(set_of(run[best_i + best_first + k]));
      c.leaves.push_back(std::move(leaf));
      o.cands.push_back(std::move(c));
    }
    o.run.clear();
  }
};

// The bytes a match can start with, as yara computes them when an expression has no atoms.
// Like yara 4.2.3, `x?` is treated as if x were mandatory (so /a?\W/ only matches at 'a');
// x*, x{0,n} and assertions are skipped over correctly.
regex::ByteSet first_bytes_of(const Node& n, bool& can_be_empty) {
  regex::ByteSet out;
  switch (n.kind) {
    case NodeKind::kBytes:
      can_be_empty = false;
      return n.set;
    case NodeKind::kConcat:
      for (const auto& k : n.kids) {
        bool e = false;
        out |= first_bytes_of(k, e);
        if (!e) {
          can_be_empty = false;
          return out;
        }
      }
      can_be_empty = true;
      return out;
    case NodeKind::kAlt: {
      bool any_empty = false;
      for (const auto& k : n.kids) {
        bool e = false;
        out |= first_bytes_of(k, e);
        any_empty = any_empty || e;
      }
      can_be_empty = any_empty;
      return out;
    }
    case NodeKind::kRepeat: {
      bool e = false;
      out = first_bytes_of(n.kids[0], e);
      can_be_empty = (n.min == 0 && n.max != 1) || e;
      return out;
    }
    default:
      can_be_empty = true;
      return out;
  }
}

}  // namespace

int literal_quality(std::string_view bytes) {
  if (bytes.empty()) return kMinAtomQuality;
  size_t w = std::min<size_t>(bytes.size(), kMaxAtomLength);
  int best = kMinAtomQuality;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  for (size_t i = 0; i + w <= bytes.size(); ++i)
    best = std::max(best, exact_atom_quality(data + i, w));
  return best;
}

AtomSelection select_atoms(const Node& root) {
  Extractor ex;
  Extractor::Or top;
  ex.process(root, top);
  Candidate c = ex.choose(top);
  AtomSelection sel;
  sel.quality = std::max(c.quality, kMinAtomQuality);
  // A branch without atoms contributes nothing; if every branch lacks them there is no atom.
  sel.leaves = std::move(c.leaves);
  // A lone /x?/ or /x??/: yara verifies from x itself, so even the lazy form reports x.
  if (sel.leaves.empty() && root.kind == NodeKind::kRepeat && root.min == 0 && root.max == 1 &&
      root.kids[0].kind == NodeKind::kBytes) {
    sel.leaves.push_back(AtomLeaf{&root.kids[0], {root.kids[0].set}});
  }
  if (sel.leaves.empty()) {
    bool can_be_empty = false;
    sel.first_bytes = first_bytes_of(root, can_be_empty);
    if (can_be_empty) sel.first_bytes.set();
  }
  return sel;
}

int byte_rarity(uint8_t byte) {
  // Measured once on the 128 MiB sample of bench/corpus.py's file selection (Debian 12's
  // /usr/bin, /usr/lib/x86_64-linux-gnu and /usr/share): round(-log2(frequency)).
  static constexpr uint8_t kBits[256] = {
     2,  7,  7,  8,  7,  8,  9,  9,  8,  7,  7,  9,  9, 10,  8,  7,
     8, 10, 10, 10, 10,  9, 10, 10,  9, 11, 11, 10, 10, 10, 10,  9,
     4, 10,  9, 10,  7,  9, 10,  9,  8,  9,  9, 10,  8,  7,  7,  8,
     7,  7,  8,  8,  8,  8,  9,  9,  8,  9,  9,  9,  8,  9,  9, 11,
     8,  7,  8,  8,  7,  7,  9,  9,  6,  7, 10, 10,  7,  8,  8,  8,
     8, 10,  8,  8,  8,  9,  9, 10, 10, 10, 11,  9, 10,  9, 10,  7,
    10,  6,  8,  6,  7,  5,  7,  8,  7,  6, 10,  9,  6,  7,  6,  6,
     7, 10,  6,  6,  6,  7,  8,  9,  8,  8, 10, 10,  9, 10, 10, 10,
     9, 10, 10,  8,  8,  8, 10, 11, 10,  7, 11,  7, 10,  8, 10, 10,
    10, 11, 11, 11, 10, 10, 11, 11, 10, 11, 11, 11, 10, 11, 11, 11,
    10, 11, 11, 11, 10, 11, 11, 11, 10, 11, 11, 11, 11, 11, 10, 10,
    10, 11, 11, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,  9, 10,
     8,  9, 10,  9,  9, 10, 10,  9, 10, 10, 11, 11, 11, 11, 11, 11,
     8,  9, 10, 11, 11, 11, 11, 11, 10, 10, 11, 10, 11, 11, 11, 10,
     9, 10, 10, 10, 11, 11, 10, 10,  8,  9, 10,  9,  9, 10, 10, 10,
    10, 11, 10, 10, 11, 10, 10, 10,  9, 10, 10, 10,  9, 10,  9,  5
  };
  return kBits[byte];
}

namespace {

// The piece's positions in order, nested concatenations flattened; anything that is not one
// byte wide (alternatives, repeats, assertions) is a null barrier.
void flatten_positions(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == NodeKind::kConcat) {
    for (const auto& k : n.kids) flatten_positions(k, out);
  } else if (n.kind == NodeKind::kRepeat && n.min == n.max && n.min <= 64 &&
             n.kids[0].kind == NodeKind::kBytes) {
    out.insert(out.end(), static_cast<size_t>(n.min), &n.kids[0]);  // hex jumps [n]
  } else {
    out.push_back(n.kind == NodeKind::kBytes ? &n : nullptr);
  }
}

// Rarity of one position in bits: -log2 of the summed frequencies of the bytes it accepts.
double position_rarity(const regex::ByteSet& set) {
  if (regex::byte_count(set) > 16) return 0;
  double p = 0;
  for (size_t b = set._Find_first(); b < set.size(); b = set._Find_next(b))
    p += std::ldexp(1.0, -byte_rarity(static_cast<uint8_t>(b)));
  return p >= 1 ? 0 : -std::log2(p);
}

// The byte a position accepts when it accepts exactly one, else -1.
int exact_byte(const Node* n) {
  if (n == nullptr || regex::byte_count(n->set) != 1) return -1;
  return static_cast<int>(n->set._Find_first());
}

}  // namespace

AtomRegion atom_region(const Node& root, const AtomSelection& atoms) {
  AtomRegion r;
  if (atoms.leaves.size() != 1) return r;
  std::vector<const Node*> pos;
  flatten_positions(root, pos);
  const Node* start = atoms.leaves[0].start;
  const auto at = std::find(pos.begin(), pos.end(), start);
  if (at == pos.end() || std::count(pos.begin(), pos.end(), start) != 1) return r;
  const size_t atom = static_cast<size_t>(at - pos.begin());
  size_t lo = atom, hi = atom;
  while (lo > 0 && pos[lo - 1] != nullptr) --lo;
  while (hi < pos.size() && pos[hi] != nullptr) ++hi;
  r.exact.resize(hi - lo);
  for (size_t i = lo; i < hi; ++i) r.exact[i - lo] = exact_byte(pos[i]);
  r.atom = atom - lo;
  r.known = true;
  return r;
}

FilterWindow select_filter_window(const AtomRegion& region, const AtomSelection& atoms,
                                  size_t max_len) {
  FilterWindow out;
  if (!region.known) return out;
  const std::vector<int>& exact = region.exact;
  double best = 0;
  for (const regex::ByteSet& set : atoms.leaves[0].positions) best += position_rarity(set);
  best += 1;  // a window has to be clearly rarer than the atom to replace it
  size_t best_at = 0, best_len = 0;
  for (size_t start = 0; start < exact.size(); ++start) {
    double score = 0;
    for (size_t len = 1; len <= max_len && start + len <= exact.size(); ++len) {
      const int byte = exact[start + len - 1];
      if (byte < 0) break;
      score += byte_rarity(static_cast<uint8_t>(byte));
      if (score > best) best = score, best_at = start, best_len = len;
    }
  }
  if (best_len == 0) return out;
  for (size_t i = best_at; i < best_at + best_len; ++i) out.bytes.push_back(static_cast<char>(exact[i]));
  out.offset = static_cast<int32_t>(best_at) - static_cast<int32_t>(region.atom);
  return out;
}

AtomContext select_atom_context(const AtomRegion& region, const AtomSelection& atoms,
                                size_t max_bytes) {
  AtomContext out;
  if (!region.known) return out;
  const size_t atom_len = atoms.leaves[0].positions.size();
  std::vector<size_t> picks;
  for (size_t i = 0; i < region.exact.size(); ++i)
    if (region.exact[i] >= 0 && (i < region.atom || i >= region.atom + atom_len)) picks.push_back(i);
  // Rarest first: a hit that fails is then mostly rejected by the first comparison.
  std::stable_sort(picks.begin(), picks.end(), [&](size_t a, size_t b) {
    return byte_rarity(static_cast<uint8_t>(region.exact[a])) >
           byte_rarity(static_cast<uint8_t>(region.exact[b]));
  });
  if (picks.size() > max_bytes) picks.resize(max_bytes);
  for (size_t i : picks) {
    out.bytes.push_back(static_cast<char>(region.exact[i]));
    out.offsets.push_back(static_cast<int64_t>(i) - static_cast<int64_t>(region.atom));
  }
  return out;
}

}  // namespace yarrow::match
