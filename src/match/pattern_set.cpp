// Building a PatternSet: string specs -> literals for one Vectorscan database + regex verifiers.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "match/atoms.h"
#include "match/pattern_set_impl.h"

namespace yarrow::match {

using regex::Node;
using regex::NodeKind;

namespace {

constexpr const char* kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string widen(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

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
    if (set.count() == 1) {
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

// Longest text window compiled into the database.
constexpr size_t kTextWindow = 8;

// Where the most distinctive kTextWindow bytes of a literal start: many distinct bytes, few of
// the bytes that fill binaries (zeros, 0xff, padding, spaces).
size_t text_window(std::string_view bytes) {
  if (bytes.size() <= kTextWindow) return 0;
  auto score = [&](size_t at) {
    int s = 0;
    uint8_t seen[kTextWindow];
    size_t n = 0;
    for (size_t i = at; i < at + kTextWindow; ++i) {
      const auto c = static_cast<uint8_t>(bytes[i]);
      if (c == 0x00 || c == 0xff || c == 0x20 || c == 0xcc || c == 0x90) s -= 2;
      if (std::find(seen, seen + n, c) == seen + n) {
        seen[n++] = c;
        s += 3;
      }
    }
    return s;
  };
  size_t best_at = 0;
  int best = score(0);
  for (size_t at = 1; at + kTextWindow <= bytes.size(); ++at) {
    const int s = score(at);
    if (s > best) best = s, best_at = at;
  }
  return best_at;
}

struct TextVariant {
  std::string bytes;
  bool caseless = false;
  bool wide = false;
  uint8_t xor_key = 0;
};

std::vector<TextVariant> text_variants(const StringSpec& spec) {
  std::vector<TextVariant> out;
  const bool ascii = spec.ascii || !spec.wide;
  if (spec.base64 || spec.base64wide) {
    // yara encodes each plaintext form the string has (ascii, and the UTF-16LE form when `wide`
    // is given) and searches the encodings: as they are for base64, widened for base64wide.
    std::vector<std::string> plaintexts;
    if (ascii) plaintexts.push_back(spec.value);
    if (spec.wide) plaintexts.push_back(widen(spec.value));
    for (const std::string& plain : plaintexts) {
      if (spec.base64) {
        for (auto& v : base64_variants(plain, spec.base64_alphabet.value_or(kStdAlphabet)))
          out.push_back({v, false, false, 0});
      }
      if (spec.base64wide) {
        for (auto& v : base64_variants(plain, spec.base64wide_alphabet.value_or(kStdAlphabet)))
          out.push_back({widen(v), false, true, 0});
      }
    }
    return out;
  }
  if (spec.xor_) {
    for (int key = spec.xor_min; key <= spec.xor_max; ++key) {
      auto k = static_cast<char>(key);
      if (ascii) {
        std::string b = spec.value;
        for (auto& c : b) c ^= k;
        out.push_back({b, false, false, static_cast<uint8_t>(key)});
      }
      if (spec.wide) {
        std::string b = widen(spec.value);
        for (auto& c : b) c ^= k;
        out.push_back({b, false, true, static_cast<uint8_t>(key)});
      }
    }
    return out;
  }
  if (ascii) out.push_back({spec.value, spec.nocase, false, 0});
  if (spec.wide) out.push_back({widen(spec.value), spec.nocase, true, 0});
  return out;
}

struct ParsedSpec {
  std::vector<regex::HexPiece> pieces;
  bool greedy = false;
  bool dot_star = false;
};

std::optional<ParsedSpec> parse_spec(const StringSpec& spec, std::string& error) {
  ParsedSpec p;
  if (spec.kind == StringSpec::Kind::kRegex) {
    auto r =
        regex::parse_regex(spec.value, spec.regex_nocase || spec.nocase, spec.regex_dotall, error);
    if (!r) return std::nullopt;
    p.greedy = r->has_greedy;
    p.dot_star = r->has_dot_star;
    p.pieces = regex::split_regex_chain(std::move(r->root));
  } else {
    auto h = regex::parse_hex(spec.value, error);
    if (!h) return std::nullopt;
    p.pieces = std::move(*h);
  }
  return p;
}

// yara rates a text string by its best 4-byte window and by every atom derived from that
// window (xor keys applied, wide interleaving truncated to 4 bytes); the worst one counts.
int text_quality(const StringSpec& spec) {
  if (spec.base64 || spec.base64wide) {
    int q = kMaxAtomQuality;
    for (const auto& v : text_variants(spec)) q = std::min(q, literal_quality(v.bytes));
    return q;
  }
  const std::string& s = spec.value;
  if (s.empty()) return kMinAtomQuality;
  const size_t w = std::min<size_t>(s.size(), kMaxAtomLength);
  size_t best_at = 0;
  int best = -1;
  for (size_t i = 0; i + w <= s.size(); ++i) {
    int q = literal_quality(s.substr(i, w));
    if (q > best) best = q, best_at = i;
  }
  const std::string window = s.substr(best_at, w);
  int quality = best;
  const bool ascii = spec.ascii || !spec.wide;
  const int kmin = spec.xor_ ? spec.xor_min : 0;
  const int kmax = spec.xor_ ? spec.xor_max : 0;
  for (int key = kmin; key <= kmax; ++key) {
    auto k = static_cast<char>(key);
    if (ascii) {
      std::string a = window;
      for (auto& c : a) c ^= k;
      quality = std::min(quality, literal_quality(a));
    }
    if (spec.wide) {
      std::string a = widen(window).substr(0, kMaxAtomLength);
      for (auto& c : a) c ^= k;
      quality = std::min(quality, literal_quality(a));
    }
  }
  return quality;
}

std::vector<SpecDiagnostic> diagnose(const StringSpec& spec, size_t index,
                                     const ParsedSpec* parsed,
                                     const std::vector<AtomSelection>* atoms = nullptr) {
  std::vector<SpecDiagnostic> out;
  int quality = kMaxAtomQuality;
  if (spec.kind == StringSpec::Kind::kText) {
    quality = text_quality(spec);
  } else if (parsed != nullptr) {
    if (parsed->dot_star) {
      SpecDiagnostic d;
      d.spec_index = index;
      d.is_error = false;
      d.kind = SpecDiagnostic::Kind::kUnboundedDot;
      d.message =
          "contains .*, .+ or .{x,} consider using .{,N}, .{1,N} or {x,N} with a reasonable "
          "value for N";
      out.push_back(d);
    }
    if (atoms != nullptr) {
      for (const auto& a : *atoms) quality = std::min(quality, a.quality);
    } else {
      for (const auto& piece : parsed->pieces)
        quality = std::min(quality, select_atoms(piece.node).quality);
    }
  }
  if (quality < kAtomQualityWarningThreshold) {
    SpecDiagnostic d;
    d.spec_index = index;
    d.is_error = false;
    d.kind = SpecDiagnostic::Kind::kSlowScanning;
    d.message = "may slow down scanning";
    out.push_back(d);
  }
  return out;
}

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
bool fixed_positions(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == NodeKind::kBytes) {
    out.push_back(&node);
    return true;
  }
  if (node.kind != NodeKind::kConcat) return false;
  for (const auto& k : node.kids)
    if (!fixed_positions(k, out)) return false;
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
    if (k.kind == NodeKind::kBytes && k.set.count() == 1) {
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

bool add_verifier(PatternSet::Impl& impl, uint32_t spec, uint32_t piece, const Node& node,
                  bool ascii, bool wide, AtomSelection& atoms) {
  Verifier v;
  v.spec = spec;
  v.piece = piece;
  v.ascii = ascii;
  v.wide = wide;
  if (!v.forward.compile(node, false)) return false;
  const auto vi = static_cast<uint32_t>(impl.verifiers.size());
  std::vector<const Node*> positions;
  if (!wide && fixed_positions(node, positions) && !positions.empty() &&
      positions.size() <= regex::kScanLimit) {
    for (const Node* p : positions) v.fixed.push_back(p->set);
  } else {
    positions.clear();
  }
  if (v.fixed.empty() && !atoms.leaves.empty()) choose_guards(node, atoms, v);
  if (atoms.leaves.empty()) {
    v.first_bytes = v.forward.first_bytes();
    impl.atomless.push_back(vi);
  }
  for (const auto& leaf : atoms.leaves) {
    Literal lit;
    lit.kind = Literal::Kind::kAtom;
    lit.spec = spec;
    lit.verifier = vi;
    lit.forward_pc = static_cast<uint32_t>(std::max<int64_t>(v.forward.pc_of(leaf.start), 0));
    if (!v.fixed.empty()) {
      auto at = std::find(positions.begin(), positions.end(), leaf.start);
      if (at == positions.end()) {
        v.fixed.clear();  // cannot place the atom: keep the VM
      } else {
        lit.atom_offset = static_cast<uint32_t>(at - positions.begin());
      }
    }
    Node prefix;
    prefix.kind = NodeKind::kConcat;
    collect_prefix(node, leaf.start, prefix.kids);
    if (!prefix.kids.empty()) {
      regex::Program back;
      if (!back.compile(prefix, true)) return false;
      lit.backward_prog = static_cast<int32_t>(v.backwards.size());
      v.backwards.push_back(std::move(back));
    }
    for (int w = 0; w < 2; ++w) {
      if (w == 0 ? !ascii : !wide) continue;
      lit.wide = w == 1;
      lit.length = static_cast<uint32_t>(leaf.positions.size() * (lit.wide ? 2 : 1));
      lit.anchor_end = lit.length;
      impl.max_pattern_bytes = std::max(impl.max_pattern_bytes, lit.length);
      impl.literals.push_back(lit);
      impl.literal_patterns.push_back(atom_pattern(leaf.positions, lit.wide));
      impl.literal_caseless.push_back(false);
    }
  }
  impl.verifiers.push_back(std::move(v));
  return true;
}

}  // namespace

std::vector<std::string> base64_variants(const std::string& text, const std::string& alphabet) {
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, '\0');
    padded += text;
    std::string enc;
    size_t i = 0;
    for (; i + 3 <= padded.size(); i += 3) {
      uint32_t v = static_cast<uint8_t>(padded[i]) << 16 |
                   static_cast<uint8_t>(padded[i + 1]) << 8 | static_cast<uint8_t>(padded[i + 2]);
      for (int k = 3; k >= 0; --k) enc.push_back(alphabet[(v >> (6 * k)) & 63]);
    }
    size_t rest = padded.size() - i;
    // A trailing partial group leaves one character that depends on bytes that follow the
    // string; yara drops it together with the padding.
    if (rest == 1) {
      uint32_t v = static_cast<uint8_t>(padded[i]) << 16;
      enc.push_back(alphabet[(v >> 18) & 63]);
    } else if (rest == 2) {
      uint32_t v = static_cast<uint8_t>(padded[i]) << 16 | static_cast<uint8_t>(padded[i + 1]) << 8;
      enc.push_back(alphabet[(v >> 18) & 63]);
      enc.push_back(alphabet[(v >> 12) & 63]);
    }
    // Leading characters depend on the (unknown) bytes before the string.
    static constexpr size_t kDropLeft[3] = {0, 2, 3};
    size_t left = kDropLeft[shift];
    if (enc.size() <= left) {
      out.emplace_back();
      continue;
    }
    out.push_back(enc.substr(left));
  }
  return out;
}

// yara turns a regex made only of literal characters into a plain text string (same atoms,
// same verification as text). Returns the text spec when that applies.
static std::optional<StringSpec> literal_regex_as_text(const StringSpec& spec) {
  if (spec.kind != StringSpec::Kind::kRegex) return std::nullopt;
  std::string error;
  auto parsed = regex::parse_regex(spec.value, false, false, error);
  if (!parsed) return std::nullopt;
  std::vector<const Node*> items;
  if (parsed->root.kind == NodeKind::kConcat) {
    for (const auto& k : parsed->root.kids) items.push_back(&k);
  } else {
    items.push_back(&parsed->root);
  }
  std::string bytes;
  for (const Node* n : items) {
    if (n->kind != NodeKind::kBytes || n->origin != regex::ByteOrigin::kLiteral)
      return std::nullopt;
    size_t b = 0;
    while (!n->set.test(b)) ++b;
    bytes.push_back(static_cast<char>(b));
  }
  StringSpec text = spec;
  text.kind = StringSpec::Kind::kText;
  text.value = bytes;
  text.nocase = spec.nocase || spec.regex_nocase;
  return text;
}

std::vector<SpecDiagnostic> PatternSet::check(const StringSpec& original) {
  std::vector<SpecDiagnostic> out;
  auto as_text = literal_regex_as_text(original);
  const StringSpec& spec = as_text ? *as_text : original;
  if (spec.kind == StringSpec::Kind::kText) return diagnose(spec, 0, nullptr);
  std::string error;
  auto parsed = parse_spec(spec, error);
  if (!parsed) {
    SpecDiagnostic d;
    d.message = error;
    out.push_back(d);
    return out;
  }
  return diagnose(spec, 0, &*parsed);
}

PatternSet::PatternSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PatternSet::~PatternSet() = default;
size_t PatternSet::size() const { return impl_->specs.size(); }

std::unique_ptr<const PatternSet> PatternSet::build(std::span<const StringSpec> specs,
                                                    const BuildOptions& options,
                                                    std::vector<SpecDiagnostic>& diags) {
  auto impl = std::make_unique<Impl>();
  bool failed = false;
  for (size_t si = 0; si < specs.size(); ++si) {
    auto as_text = literal_regex_as_text(specs[si]);
    const StringSpec& spec = as_text ? *as_text : specs[si];
    SpecInfo info;
    info.kind = spec.kind;
    info.fullword = spec.fullword;
    info.single_match_ok = spec.single_match_ok;
    info.first_piece_slot = impl->piece_slots;
    const auto index = static_cast<uint32_t>(si);
    if (spec.kind == StringSpec::Kind::kText) {
      auto d = diagnose(spec, si, nullptr);
      diags.insert(diags.end(), d.begin(), d.end());
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
        lit.anchor_end = static_cast<uint32_t>(at + w);
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
    std::string error;
    auto parsed = parse_spec(spec, error);
    if (!parsed) {
      SpecDiagnostic d;
      d.spec_index = si;
      d.message = error;
      diags.push_back(d);
      failed = true;
      impl->specs.push_back(std::move(info));
      continue;
    }
    std::vector<AtomSelection> atoms;
    atoms.reserve(parsed->pieces.size());
    for (const auto& piece : parsed->pieces) atoms.push_back(select_atoms(piece.node));
    auto d = diagnose(spec, si, &*parsed, &atoms);
    diags.insert(diags.end(), d.begin(), d.end());
    info.greedy = parsed->greedy;
    info.piece_count = static_cast<uint32_t>(parsed->pieces.size());
    info.gap_min.assign(info.piece_count, 0);
    info.gap_max.assign(info.piece_count, 0);
    for (size_t p = 0; p + 1 < parsed->pieces.size(); ++p) {
      info.gap_min[p + 1] = parsed->pieces[p].gap_min;
      info.gap_max[p + 1] = parsed->pieces[p].gap_max;
    }
    const bool regex_string = spec.kind == StringSpec::Kind::kRegex;
    const bool ascii = !regex_string || spec.ascii || !spec.wide;
    const bool wide = regex_string && spec.wide;
    for (size_t p = 0; p < parsed->pieces.size(); ++p) {
      if (!add_verifier(*impl, index, static_cast<uint32_t>(p), parsed->pieces[p].node, ascii,
                        wide, atoms[p])) {
        SpecDiagnostic d;
        d.spec_index = si;
        d.message = "regular expression is too complex";
        diags.push_back(d);
        failed = true;
        break;
      }
    }
    impl->piece_slots += info.piece_count;
    impl->specs.push_back(std::move(info));
  }
  if (failed) return nullptr;

  if (!impl->literals.empty()) {
    // Vectorscan's pure-literal API mishandles literals that start with a NUL byte (and was no
    // faster to compile here), so every literal goes through the regex API, fully escaped.
    // Identical patterns of different strings (shared strings, windows, atoms) are compiled
    // once: pattern id i stands for a group of literals, in literal order. Within one string,
    // identical atoms (alternatives) keep their own ids: the order Vectorscan reports them in
    // decides which alternative is reported, as yara's atom order does.
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    std::unordered_map<std::string_view, uint32_t> group_of[2];
    std::vector<uint32_t> group(impl->literals.size());
    std::vector<uint32_t> group_size;
    std::vector<uint32_t> last_member;  // per group
    for (size_t i = 0; i < impl->literals.size(); ++i) {
      const bool caseless = impl->literal_caseless[i];
      auto [it, fresh] = group_of[caseless].try_emplace(impl->literal_patterns[i],
                                                        static_cast<uint32_t>(exprs.size()));
      if (!fresh && impl->literals[last_member[it->second]].spec == impl->literals[i].spec) {
        it->second = static_cast<uint32_t>(exprs.size());
        fresh = true;
      }
      if (fresh) {
        last_member.push_back(0);
        exprs.push_back(impl->literal_patterns[i].c_str());
        flags.push_back(caseless ? HS_FLAG_CASELESS : 0);
        ids.push_back(static_cast<unsigned>(ids.size()));
        group_size.push_back(0);
      }
      group[i] = it->second;
      last_member[it->second] = static_cast<uint32_t>(i);
      ++group_size[it->second];
    }
    impl->group_begin.assign(exprs.size() + 1, 0);
    for (size_t g = 0; g < group_size.size(); ++g)
      impl->group_begin[g + 1] = impl->group_begin[g] + group_size[g];
    impl->group_members.resize(impl->literals.size());
    {
      std::vector<uint32_t> fill(impl->group_begin.begin(), impl->group_begin.end() - 1);
      for (size_t i = 0; i < impl->literals.size(); ++i)
        impl->group_members[fill[group[i]]++] = static_cast<uint32_t>(i);
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &impl->db,
                         &err) != HS_SUCCESS) {
      SpecDiagnostic d;
      d.message = std::string("internal error building the pattern database: ") +
                  (err != nullptr ? err->message : "unknown");
      if (err != nullptr) hs_free_compile_error(err);
      diags.push_back(d);
      return nullptr;
    }
  }
  // The literal texts are only needed to build the database.
  impl->literal_patterns.clear();
  impl->literal_patterns.shrink_to_fit();
  impl->literal_caseless.clear();
  return std::unique_ptr<const PatternSet>(new PatternSet(std::move(impl)));
}

}  // namespace yarrow::match
