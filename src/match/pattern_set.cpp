// Building a PatternSet: string specs -> literals for one Vectorscan database + regex verifiers.
#include <algorithm>

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
    p.pieces.push_back(regex::HexPiece{std::move(r->root), 0, 0});
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
                                     const ParsedSpec* parsed) {
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
    for (const auto& piece : parsed->pieces)
      quality = std::min(quality, select_atoms(piece.node).quality);
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
bool add_verifier(PatternSet::Impl& impl, uint32_t spec, uint32_t piece, const Node& node,
                  bool ascii, bool wide) {
  Verifier v;
  v.spec = spec;
  v.piece = piece;
  v.ascii = ascii;
  v.wide = wide;
  if (!v.forward.compile(node, false)) return false;
  const auto vi = static_cast<uint32_t>(impl.verifiers.size());
  AtomSelection atoms = select_atoms(node);
  if (atoms.leaves.empty()) {
    v.first_bytes = atoms.first_bytes;
    impl.atomless.push_back(vi);
  }
  for (const auto& leaf : atoms.leaves) {
    Literal lit;
    lit.kind = Literal::Kind::kAtom;
    lit.spec = spec;
    lit.verifier = vi;
    lit.forward_pc = static_cast<uint32_t>(std::max<int64_t>(v.forward.pc_of(leaf.start), 0));
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
        impl->literals.push_back(lit);
        impl->literal_patterns.push_back(literal_pattern(v.bytes));
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
    auto d = diagnose(spec, si, &*parsed);
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
                        wide)) {
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
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < impl->literals.size(); ++i) {
      exprs.push_back(impl->literal_patterns[i].c_str());
      flags.push_back(impl->literal_caseless[i] ? HS_FLAG_CASELESS : 0);
      ids.push_back(static_cast<unsigned>(i));
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
