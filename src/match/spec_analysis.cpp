// Analysis of one string spec before building (see spec_analysis.h): variants, parsing, atom
// choice, filter windows, and yara's warnings.
#include "match/spec_analysis.h"

#include <algorithm>

#include "match/pattern_set_impl.h"

namespace yarrow::match {

using regex::Node;
using regex::NodeKind;

namespace {

constexpr const char* kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

}  // namespace

std::string widen(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

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

void number_nodes(const Node& n, std::vector<const Node*>& out) {
  out.push_back(&n);
  for (const auto& k : n.kids) number_nodes(k, out);
}

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
std::optional<StringSpec> literal_regex_as_text(const StringSpec& spec) {
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


CheckedSpec analyse(const StringSpec& original) {
  CheckedSpec cs;
  cs.as_text = literal_regex_as_text(original);
  const StringSpec& spec = cs.as_text ? *cs.as_text : original;
  if (spec.kind == StringSpec::Kind::kText) {
    cs.diags = diagnose(spec, 0, nullptr);
    return cs;
  }
  std::string error;
  auto parsed = parse_spec(spec, error);
  if (!parsed) {
    SpecDiagnostic d;
    d.message = error;
    cs.diags.push_back(d);
    cs.parsed = false;
    return cs;
  }
  std::vector<AtomSelection> atoms;
  atoms.reserve(parsed->pieces.size());
  for (const auto& piece : parsed->pieces) atoms.push_back(select_atoms(piece.node));
  cs.diags = diagnose(spec, 0, &*parsed, &atoms);
  cs.greedy = parsed->greedy;
  std::vector<const Node*> numbered;
  for (size_t p = 0; p < parsed->pieces.size(); ++p) {
    CheckedPiece cp;
    cp.gap_min = parsed->pieces[p].gap_min;
    cp.gap_max = parsed->pieces[p].gap_max;
    const AtomRegion region = atom_region(parsed->pieces[p].node, atoms[p]);
    cp.filter = select_filter_window(region, atoms[p], 8);
    cp.short_filter = select_filter_window(region, atoms[p], kMaxAtomLength);
    if (!atoms[p].leaves.empty()) {
      numbered.clear();
      number_nodes(parsed->pieces[p].node, numbered);
      for (auto& leaf : atoms[p].leaves) {
        const auto at = std::find(numbered.begin(), numbered.end(), leaf.start);
        cp.start_number.push_back(static_cast<uint32_t>(at - numbered.begin()));
        leaf.start = nullptr;
      }
    }
    cp.atoms = std::move(atoms[p]);
    cs.pieces.push_back(std::move(cp));
  }
  return cs;
}

std::vector<SpecDiagnostic> PatternSet::check(const StringSpec& spec) {
  return analyse(spec).diags;
}

std::vector<SpecDiagnostic> PatternSet::check(const StringSpec& spec,
                                              std::shared_ptr<const CheckedSpec>& checked) {
  CheckedSpec cs = analyse(spec);
  auto diags = cs.diags;
  // Plain text is cheap to look at again; keeping it would only cost memory.
  if (cs.as_text || spec.kind != StringSpec::Kind::kText) {
    checked = std::make_shared<const CheckedSpec>(std::move(cs));
  } else {
    checked = nullptr;
  }
  return diags;
}

}  // namespace yarrow::match
