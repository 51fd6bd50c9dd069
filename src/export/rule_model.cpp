// Rule → neutral search model. See rule_model.h for the contract; docs/export.md for the
// reasoning behind each mapping.
#include "export/rule_model.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace yarrow::exporter {
namespace {

using ast::ExprKind;
using ast::Modifier;

std::string span_text(const ast::Unit& unit, const ast::Span& span) {
  if (span.file >= unit.files.size()) return "";
  const std::string& t = unit.files[span.file].text;
  if (span.begin >= t.size() || span.end > t.size() || span.end < span.begin) return "";
  std::string s = t.substr(span.begin, span.end - span.begin);
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

bool valid_utf8_printable(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += len;
  }
  return true;
}

std::string hex_byte_escape(unsigned char c) {
  static const char* kDigits = "0123456789abcdef";
  return std::string("\\x") + kDigits[c >> 4] + kDigits[c & 15];
}

// Plain hex strings only ("4D 5A 90"): wildcards, jumps, alternatives and negations have no
// equivalent over decoded text fields.
std::optional<std::string> plain_hex_bytes(const std::string& src) {
  std::string out;
  std::string digits;
  for (char c : src) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits.push_back(c);
    if (digits.size() == 2) {
      out.push_back(static_cast<char>(std::stoi(digits, nullptr, 16)));
      digits.clear();
    }
  }
  if (!digits.empty() || out.empty()) return std::nullopt;
  return out;
}

// YARA regex source → RE2, or nullopt with a reason. YARA's syntax is close to RE2's; the
// differences that matter are `{,n}`, repetition bounds above RE2's 1000, and escapes RE2 lacks.
std::optional<std::string> yara_regex_to_re2(const std::string& src, std::string& reason) {
  std::string out;
  for (size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    if (c == '\\') {
      if (i + 1 >= src.size()) { reason = "trailing backslash"; return std::nullopt; }
      char e = src[++i];
      if (std::isalpha(static_cast<unsigned char>(e)) &&
          std::string("wWsSdDbBnrtfvax").find(e) == std::string::npos) {
        reason = std::string("escape \\") + e + " has no RE2 equivalent";
        return std::nullopt;
      }
      out.push_back('\\');
      out.push_back(e);
      continue;
    }
    if (c == '{') {
      size_t close = src.find('}', i);
      std::string body = close == std::string::npos ? "" : src.substr(i + 1, close - i - 1);
      bool is_rep = !body.empty() &&
                    body.find_first_not_of("0123456789,") == std::string::npos &&
                    std::count(body.begin(), body.end(), ',') <= 1 && body != ",";
      if (is_rep) {
        if (body[0] == ',') body = "0" + body;
        for (size_t p = 0; p < body.size();) {
          size_t q = body.find(',', p);
          std::string num = body.substr(p, q == std::string::npos ? std::string::npos : q - p);
          if (!num.empty() && std::stol(num) > 1000) {
            reason = "repetition bound above 1000 (RE2's limit)";
            return std::nullopt;
          }
          if (q == std::string::npos) break;
          p = q + 1;
        }
        out += "{" + body + "}";
        i = close;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::string widen(const std::string& s) {
  std::string w;
  for (char c : s) { w.push_back(c); w.push_back('\0'); }
  return w;
}

class Translator {
 public:
  Translator(const ast::Unit& unit, RuleModel& model) : unit_(unit), model_(model) {}

  void add_string(const ast::StringDecl& decl, int& anon) {
    StringModel s;
    s.id = decl.id == "$" ? "$anon" + std::to_string(++anon) : decl.id;
    s.column = "s_" + s.id.substr(1);
    s.original = span_text(unit_, decl.value_span);
    bool wide = false, ascii = false;
    const Modifier* x = nullptr;
    const Modifier* b64 = nullptr;
    for (const Modifier& m : decl.modifiers) {
      switch (m.kind) {
        case Modifier::Kind::kNocase: s.nocase = true; break;
        case Modifier::Kind::kFullword: s.fullword = true; break;
        case Modifier::Kind::kWide: wide = true; break;
        case Modifier::Kind::kAscii: ascii = true; break;
        case Modifier::Kind::kXor: x = &m; break;
        case Modifier::Kind::kBase64: s.base64 = true; b64 = &m; break;
        case Modifier::Kind::kBase64Wide: s.base64wide = true; b64 = &m; break;
        case Modifier::Kind::kPrivate: break;
      }
    }
    auto untranslatable = [&](const std::string& why) {
      s.translatable = false;
      model_.notes.push_back(s.id + " = " + s.original + ": not translated (" + why + ")");
    };
    switch (decl.kind) {
      case ast::StringDecl::Kind::kText: {
        s.plain_text = decl.value;
        if (x && !(x->xor_min == 0 && x->xor_max == 0)) {
          if (x->xor_min > 0) { untranslatable("xor with a non-zero key"); break; }
          model_.notes.push_back(s.id + ": xor: only key 0 (the plain text) is searched");
        }
        if (b64) {
          std::string alphabet = b64->alphabet.value_or(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
          s.custom_alphabet = b64->alphabet.has_value();
          // `wide base64` encodes the UTF-16LE text (e.g. PowerShell -EncodedCommand).
          std::vector<std::string> sources;
          if (!wide || ascii) sources.push_back(decl.value);
          if (wide) sources.push_back(widen(decl.value));
          for (const std::string& src : sources)
            for (const std::string& f : base64_forms(src, alphabet)) {
              Needle n;
              n.text = f;
              n.base64 = true;
              if (!valid_utf8_printable(f)) {
                n.kind = Needle::Kind::kRegex;
                n.text = regex_escape(f);
              }
              s.needles.push_back(n);
            }
          s.translatable = !s.needles.empty();
          if (!s.translatable) untranslatable("too short to have a base64 form");
          break;
        }
        // ascii/wide: event fields hold decoded text, so both encodings are the same text.
        add_literal(s, decl.value);
        break;
      }
      case ast::StringDecl::Kind::kHex: {
        auto bytes = plain_hex_bytes(decl.value);
        if (!bytes) {
          untranslatable("hex string with wildcards, jumps, alternatives or negations");
          break;
        }
        add_literal(s, *bytes);
        break;
      }
      case ast::StringDecl::Kind::kRegex: {
        std::string reason;
        auto re = yara_regex_to_re2(decl.value, reason);
        if (!re) { untranslatable("regular expression: " + reason); break; }
        std::string flags;
        if ((decl.regex_flags & ast::kRegexNocase) || s.nocase) flags += "i";
        if (decl.regex_flags & ast::kRegexDotAll) flags += "s";
        std::string pat = *re;
        if (s.fullword) pat = "(?:^|[^0-9A-Za-z])(?:" + pat + ")(?:[^0-9A-Za-z]|$)";
        if (!flags.empty()) pat = "(?" + flags + ")" + pat;
        Needle n;
        n.kind = Needle::Kind::kRegex;
        n.text = pat;
        s.needles.push_back(n);
        s.translatable = true;
        break;
      }
    }
    model_.strings.push_back(std::move(s));
  }

  std::optional<Cond> cond(ast::ExprId id) {
    if (id == ast::kNoExpr) return std::nullopt;
    const ast::Expr& e = unit_.at(id);
    switch (e.kind) {
      case ExprKind::kTrue: return Cond{Cond::Kind::kTrue};
      case ExprKind::kFalse: return Cond{Cond::Kind::kFalse};
      case ExprKind::kStringMatch: {
        const StringModel* s = model_.find(e.text);
        if (s && s->translatable) {
          Cond c{Cond::Kind::kString};
          c.id = s->id;
          return c;
        }
        return unknown(e, "string that cannot be searched");
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        Cond c{e.kind == ExprKind::kAnd ? Cond::Kind::kAnd : Cond::Kind::kOr};
        Cond::Kind saved = parent_;
        parent_ = c.kind;
        for (ast::ExprId k : e.kids)
          if (auto sub = cond(k)) c.kids.push_back(std::move(*sub));
        parent_ = saved;
        if (c.kids.empty()) return std::nullopt;
        if (c.kids.size() == 1) return std::move(c.kids[0]);
        return c;
      }
      case ExprKind::kNot: {
        negated_ = !negated_;
        auto sub = cond(e.kids[0]);
        negated_ = !negated_;
        if (!sub) return std::nullopt;
        Cond c{Cond::Kind::kNot};
        c.kids.push_back(std::move(*sub));
        return c;
      }
      case ExprKind::kOf:
        if (e.of_anchor != ast::OfAnchor::kNone)
          return unknown(e, "string offsets (at/in) have no meaning in event fields");
        return quantified(e, e.kids[1]);
      case ExprKind::kForOf: {
        const ast::Expr& body = unit_.at(e.kids[2]);
        if (body.kind == ExprKind::kStringMatch && body.text == "$") return quantified(e, e.kids[1]);
        return unknown(e, "for-of body other than `$`");
      }
      case ExprKind::kStringAt: case ExprKind::kStringIn:
        return unknown(e, "string offsets have no meaning in event fields");
      case ExprKind::kStringCount: case ExprKind::kStringCountIn:
        return unknown(e, "occurrence counts");
      case ExprKind::kStringOffset: case ExprKind::kStringLength:
        return unknown(e, "match offsets/lengths");
      case ExprKind::kFilesize: case ExprKind::kIntRead: case ExprKind::kEntrypoint:
        return unknown(e, "file content/size");
      case ExprKind::kIdentifier: case ExprKind::kField: case ExprKind::kCall:
      case ExprKind::kIndex:
        return unknown(e, "reference to another rule, an external variable or a module");
      default:
        return unknown(e, "expression over file data");
    }
  }

  std::optional<Cond> quantified(const ast::Expr& e, ast::ExprId set_id) {
    const ast::Expr& set = unit_.at(set_id);
    if (set.kind != ExprKind::kStringSet) return unknown(e, "rule sets");
    std::vector<std::string> all;
    if (set.set_is_them) {
      for (const StringModel& s : model_.strings) all.push_back(s.id);
    } else {
      for (ast::ExprId item : set.kids) {
        const std::string& pat = unit_.at(item).text;
        bool wild = !pat.empty() && pat.back() == '*';
        std::string prefix = wild ? pat.substr(0, pat.size() - 1) : pat;
        for (const StringModel& s : model_.strings) {
          bool hit = wild ? s.id.compare(0, prefix.size(), prefix) == 0 : s.id == pat;
          if (hit && std::find(all.begin(), all.end(), s.id) == all.end()) all.push_back(s.id);
        }
      }
    }
    std::vector<std::string> known;
    for (const std::string& id : all)
      if (model_.find(id)->translatable) known.push_back(id);
    size_t unknown_count = all.size() - known.size();
    int64_t need = 0;
    switch (e.quantifier) {
      case ast::Quantifier::kAny: need = 1; break;
      case ast::Quantifier::kAll: need = static_cast<int64_t>(all.size()); break;
      case ast::Quantifier::kNone: need = 0; break;
      case ast::Quantifier::kCount:
      case ast::Quantifier::kPercent: {
        if (e.kids[0] == ast::kNoExpr || unit_.at(e.kids[0]).kind != ExprKind::kInteger)
          return unknown(e, "non-constant quantifier");
        int64_t v = unit_.at(e.kids[0]).int_value;
        need = e.quantifier == ast::Quantifier::kCount
                   ? v
                   : (v * static_cast<int64_t>(all.size()) + 99) / 100;
        break;
      }
    }
    if (need > static_cast<int64_t>(all.size())) return Cond{Cond::Kind::kFalse};
    if (unknown_count > 0)
      model_.notes.push_back("condition `" + span_text(unit_, e.span) + "`: " +
                             std::to_string(unknown_count) +
                             " string(s) cannot be searched; counted as matched where that "
                             "widens the query, ignored otherwise");
    if (e.quantifier == ast::Quantifier::kNone) {
      if (known.empty()) return std::nullopt;
      Cond c{Cond::Kind::kNot};
      Cond any{Cond::Kind::kAtLeast};
      any.count = 1;
      any.ids = known;
      c.kids.push_back(std::move(any));
      return c;
    }
    int64_t adjusted = std::max<int64_t>(1, need - static_cast<int64_t>(unknown_count));
    if (need == 0) return Cond{Cond::Kind::kTrue};
    if (known.empty()) return std::nullopt;
    Cond c{Cond::Kind::kAtLeast};
    c.count = static_cast<uint32_t>(std::min<int64_t>(adjusted, known.size()));
    c.ids = known;
    return c;
  }

 private:
  std::optional<Cond> unknown(const ast::Expr& e, const std::string& why) {
    // Leaving an operand out widens an AND and narrows an OR (the other way round under NOT).
    bool widens = (parent_ == Cond::Kind::kAnd) != negated_;
    model_.notes.push_back("condition `" + span_text(unit_, e.span) + "` not translated (" + why +
                           (widens ? "): left out, which widens the query"
                                   : "): left out, so what only it would find is missed"));
    return std::nullopt;
  }

  void add_literal(StringModel& s, const std::string& bytes) {
    Needle n;
    n.nocase = s.nocase;
    n.fullword = s.fullword;
    n.text = bytes;
    if (!valid_utf8_printable(bytes)) {
      // Control bytes: only a regex can name them in every backend.
      Needle r;
      r.kind = Needle::Kind::kRegex;
      r.text = needle_regex(n);
      s.needles.push_back(r);
    } else {
      s.needles.push_back(n);
    }
    s.translatable = true;
  }

  const ast::Unit& unit_;
  RuleModel& model_;
  Cond::Kind parent_ = Cond::Kind::kAnd;  // operator the current operand belongs to
  bool negated_ = false;                  // under an odd number of `not`
};

bool implies_some_match(const Cond& c) {
  switch (c.kind) {
    case Cond::Kind::kString: return true;
    case Cond::Kind::kAtLeast: return c.count >= 1;
    case Cond::Kind::kAnd:
      return std::any_of(c.kids.begin(), c.kids.end(), implies_some_match);
    case Cond::Kind::kOr:
      return std::all_of(c.kids.begin(), c.kids.end(), implies_some_match);
    default: return false;
  }
}

}  // namespace

bool is_word_byte(unsigned char c) { return std::isalnum(c) != 0 && c < 0x80; }

std::string regex_escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      out += hex_byte_escape(c);
    } else if (std::string("\\.+*?()|[]{}^$").find(static_cast<char>(c)) != std::string::npos) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string needle_regex(const Needle& n) {
  if (n.kind == Needle::Kind::kRegex) return n.text;
  std::string pat = regex_escape(n.text);
  if (n.fullword) pat = "(?:^|[^0-9A-Za-z])" + pat + "(?:[^0-9A-Za-z]|$)";
  if (n.nocase) pat = "(?i)" + pat;
  return pat;
}

std::vector<std::string> base64_forms(const std::string& text, const std::string& alphabet) {
  // For each alignment i (i unknown bytes before the text), keep only the output characters
  // whose six bits all come from the text itself.
  std::vector<std::string> forms;
  const size_t n = text.size();
  for (size_t i = 0; i < 3; ++i) {
    std::string bytes(i, '\0');
    bytes += text;
    std::string enc;
    size_t bits = bytes.size() * 8;
    for (size_t k = 0; 6 * k < bits; ++k) {
      unsigned v = 0;
      for (size_t b = 0; b < 6; ++b) {
        size_t bit = 6 * k + b;
        unsigned bitv = 0;
        if (bit < bits) bitv = (static_cast<unsigned char>(bytes[bit / 8]) >> (7 - bit % 8)) & 1;
        v = (v << 1) | bitv;
      }
      enc.push_back(alphabet[v]);
    }
    size_t first = (8 * i + 5) / 6;
    size_t last = (8 * i + 8 * n) / 6;  // one past
    if (last > first) forms.push_back(enc.substr(first, last - first));
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

const StringModel* RuleModel::find(const std::string& id) const {
  for (const StringModel& s : strings)
    if (s.id == id) return &s;
  return nullptr;
}

std::string RuleModel::meta_value(const std::string& key) const {
  for (const auto& [k, v] : meta)
    if (k == key) return v;
  return "";
}

RuleModel translate_rule(const ast::Unit& unit, const ast::Rule& rule) {
  RuleModel model;
  model.name = rule.name;
  model.tags = rule.tags;
  for (const ast::Meta& m : rule.meta) {
    std::string v = m.type == ast::Meta::Type::kString    ? m.string_value
                    : m.type == ast::Meta::Type::kInteger ? std::to_string(m.integer_value)
                                                          : (m.bool_value ? "true" : "false");
    model.meta.emplace_back(m.key, v);
  }
  if (rule.is_private)
    model.notes.push_back("private rule: YARA never reports it on its own (other rules use it)");
  if (rule.is_global)
    model.notes.push_back("global rule: in YARA it gates every other rule of the namespace; "
                          "exported as a stand-alone hunt");
  Translator t(unit, model);
  int anon = 0;
  for (const ast::StringDecl& s : rule.strings) t.add_string(s, anon);

  std::vector<std::string> searchable;
  for (const StringModel& s : model.strings)
    if (s.translatable) searchable.push_back(s.id);

  auto c = t.cond(rule.condition);
  Cond baseline{Cond::Kind::kAtLeast};
  baseline.count = 1;
  baseline.ids = searchable;
  if (!c) {
    model.condition = baseline;
  } else if (implies_some_match(*c) || searchable.empty()) {
    model.condition = std::move(*c);
  } else {
    // A hunting query must be about some string being seen: rows where nothing matched are
    // never results, whatever the rest of the condition says.
    model.notes.push_back("the condition does not require any string; the query also requires "
                          "one of the rule's strings to be seen");
    Cond both{Cond::Kind::kAnd};
    both.kids.push_back(std::move(*c));
    both.kids.push_back(baseline);
    model.condition = std::move(both);
  }
  if (searchable.empty()) model.notes.push_back("no string of the rule can be searched");
  return model;
}

}  // namespace yarrow::exporter
