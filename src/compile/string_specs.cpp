#include "compile/string_specs.h"

#include <string>

#include "compile/condition_compiler.h"

namespace yarrow::compile {

namespace {

using Mod = ast::Modifier::Kind;

const char* modifier_name(Mod k) {
  switch (k) {
    case Mod::kNocase: return "nocase";
    case Mod::kWide: return "wide";
    case Mod::kAscii: return "ascii";
    case Mod::kFullword: return "fullword";
    case Mod::kPrivate: return "private";
    case Mod::kXor: return "xor";
    case Mod::kBase64: return "base64";
    case Mod::kBase64Wide: return "base64wide";
  }
  return "?";
}

}  // namespace

std::optional<match::StringSpec> make_string_spec(const ast::Unit& unit, const ast::Rule& rule,
                                                  const ast::StringDecl& decl,
                                                  Diagnostics& diags) {
  auto error = [&](const ast::Span& span, const char* code, std::string message) {
    Diagnostic d;
    d.code = code;
    d.message = std::move(message);
    d.rule = rule.name;
    locate(unit, span, d);
    diags.push_back(std::move(d));
    return std::nullopt;
  };

  match::StringSpec spec;
  switch (decl.kind) {
    case ast::StringDecl::Kind::kText: spec.kind = match::StringSpec::Kind::kText; break;
    case ast::StringDecl::Kind::kHex: spec.kind = match::StringSpec::Kind::kHex; break;
    case ast::StringDecl::Kind::kRegex: spec.kind = match::StringSpec::Kind::kRegex; break;
  }
  spec.value = decl.value;
  spec.regex_nocase = (decl.regex_flags & ast::kRegexNocase) != 0;
  spec.regex_dotall = (decl.regex_flags & ast::kRegexDotAll) != 0;

  uint32_t seen = 0;
  const ast::Modifier* xor_mod = nullptr;
  const ast::Modifier* b64 = nullptr;
  const ast::Modifier* b64w = nullptr;
  for (const ast::Modifier& m : decl.modifiers) {
    uint32_t bit = 1u << static_cast<uint32_t>(m.kind);
    if (seen & bit) return error(m.span, "E224", "duplicated modifier");
    seen |= bit;
    // Hex strings take only `private`; regexes take no xor/base64 (a syntax error in yara).
    bool allowed = true;
    if (decl.kind == ast::StringDecl::Kind::kHex) allowed = m.kind == Mod::kPrivate;
    if (decl.kind == ast::StringDecl::Kind::kRegex) {
      allowed = m.kind != Mod::kXor && m.kind != Mod::kBase64 && m.kind != Mod::kBase64Wide;
    }
    if (!allowed) return error(m.span, "E200", "syntax error");
    switch (m.kind) {
      case Mod::kNocase: spec.nocase = true; break;
      case Mod::kWide: spec.wide = true; break;
      case Mod::kAscii: spec.ascii = true; break;
      case Mod::kFullword: spec.fullword = true; break;
      case Mod::kPrivate: break;
      case Mod::kXor: xor_mod = &m; break;
      case Mod::kBase64: b64 = &m; break;
      case Mod::kBase64Wide: b64w = &m; break;
    }
  }
  auto has = [&](Mod k) { return (seen & (1u << static_cast<uint32_t>(k))) != 0; };
  auto combo = [&](Mod a, Mod b) -> std::optional<match::StringSpec> {
    const ast::Modifier* where = nullptr;
    for (const ast::Modifier& m : decl.modifiers) {
      if (m.kind == a || m.kind == b) where = &m;
    }
    return error(where ? where->span : decl.span, "E225",
                 std::string("invalid modifier combination: ") + modifier_name(a) + " " +
                     modifier_name(b));
  };
  if (has(Mod::kXor) && has(Mod::kNocase)) return combo(Mod::kXor, Mod::kNocase);
  if (has(Mod::kBase64) && has(Mod::kXor)) return combo(Mod::kBase64, Mod::kXor);
  if (has(Mod::kBase64Wide) && has(Mod::kXor)) return combo(Mod::kBase64Wide, Mod::kXor);
  if (has(Mod::kBase64) && has(Mod::kNocase)) return combo(Mod::kBase64, Mod::kNocase);
  if (has(Mod::kBase64Wide) && has(Mod::kNocase)) return combo(Mod::kBase64Wide, Mod::kNocase);
  if (has(Mod::kBase64) && has(Mod::kFullword)) return combo(Mod::kBase64, Mod::kFullword);
  if (has(Mod::kBase64Wide) && has(Mod::kFullword)) {
    return combo(Mod::kBase64Wide, Mod::kFullword);
  }

  if (xor_mod) {
    if (xor_mod->xor_min < 0 || xor_mod->xor_min > 255 || xor_mod->xor_max < 0 ||
        xor_mod->xor_max > 255) {
      return error(xor_mod->span, "E226", "invalid xor range");
    }
    if (xor_mod->xor_min > xor_mod->xor_max) {
      return error(xor_mod->span, "E226", "xor lower bound exceeds upper bound");
    }
    spec.xor_ = true;
    spec.xor_min = static_cast<uint8_t>(xor_mod->xor_min);
    spec.xor_max = static_cast<uint8_t>(xor_mod->xor_max);
  }
  for (const ast::Modifier* m : {b64, b64w}) {
    if (m && m->alphabet && m->alphabet->size() != 64) {
      return error(m->span, "E227", "length of base64 alphabet must be 64");
    }
  }
  static const std::string kDefaultAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (b64 && b64w && b64->alphabet.value_or(kDefaultAlphabet) !=
                         b64w->alphabet.value_or(kDefaultAlphabet)) {
    return error(b64w->span, "E227", "can not specify multiple alphabets");
  }
  if (b64) {
    spec.base64 = true;
    spec.base64_alphabet = b64->alphabet;
  }
  if (b64w) {
    spec.base64wide = true;
    spec.base64wide_alphabet = b64w->alphabet;
  }
  if (decl.kind == ast::StringDecl::Kind::kText && decl.value.empty()) {
    return error(decl.value_span, "E228", "empty string \"" + decl.id + "\"");
  }
  return spec;
}

namespace {

// Everything PatternSet::check() reads of a spec (not single_match_ok, which is set later).
std::string check_key(const match::StringSpec& s) {
  std::string key;
  key.reserve(s.value.size() + 24);
  const bool flags[] = {s.regex_nocase, s.regex_dotall, s.nocase, s.ascii, s.wide, s.fullword,
                        s.xor_, s.base64, s.base64wide, s.base64_alphabet.has_value(),
                        s.base64wide_alphabet.has_value()};
  key += static_cast<char>('0' + static_cast<int>(s.kind));
  for (bool f : flags) key += f ? '1' : '0';
  key += static_cast<char>(s.xor_min);
  key += static_cast<char>(s.xor_max);
  key += s.base64_alphabet.value_or("");
  key += s.base64wide_alphabet.value_or("");
  key += s.value;
  return key;
}

}  // namespace

const std::shared_ptr<const CheckedString>& StringChecks::check(const match::StringSpec& spec) {
  auto [it, fresh] = memo_.try_emplace(check_key(spec));
  if (fresh) {
    auto checked = std::make_shared<CheckedString>();
    checked->diags = match::PatternSet::check(spec, checked->checked);
    it->second = std::move(checked);
  }
  return it->second;
}

}  // namespace yarrow::compile
