#include "parse/parser.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "parse/parser_impl.h"

namespace yarrow::parse {
namespace {

constexpr std::string_view kDefaultBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

using Kind = ast::Modifier::Kind;

bool has(const ast::StringDecl& decl, Kind kind) {
  for (const ast::Modifier& m : decl.modifiers) {
    if (m.kind == kind) return true;
  }
  return false;
}

const ast::Modifier* find(const ast::StringDecl& decl, Kind kind) {
  for (const ast::Modifier& m : decl.modifiers) {
    if (m.kind == kind) return &m;
  }
  return nullptr;
}

}  // namespace

Parser::Parser(ast::Unit& unit, Diagnostics& diags, const ParseOptions& options,
               TokenStream& stream)
    : unit_(unit), diags_(diags), options_(options), stream_(stream) {}

const Token& Parser::peek(size_t ahead) {
  ahead = std::min(ahead, kLookahead - 1);
  while (look_count_ <= ahead) {
    Token& slot = lookahead_[(look_first_ + look_count_) % kLookahead];
    slot = stream_.next();
    ++look_count_;
    if (slot.kind == Tok::kError) break;
  }
  return lookahead_[(look_first_ + std::min(ahead, look_count_ - 1)) % kLookahead];
}

Token Parser::advance() {
  peek();
  Token t = std::move(lookahead_[look_first_]);
  look_first_ = (look_first_ + 1) % kLookahead;
  --look_count_;
  if (t.kind == Tok::kError) fail_unexpected(t);
  last_span_ = t.span;
  return t;
}

bool Parser::accept(Tok kind) {
  if (peek().kind != kind) return false;
  advance();
  return true;
}

Token Parser::expect(Tok kind, const char* what) {
  if (peek().kind != kind) fail_unexpected(peek(), what);
  return advance();
}

void Parser::fail_unexpected(const Token& token, const char* expecting) {
  // A lexical error already has its diagnostic.
  if (token.kind == Tok::kError) throw ParseAbort{};
  std::string message = "syntax error, unexpected " + describe(token);
  if (expecting != nullptr) message += std::string(", expecting ") + expecting;
  fail(token.span, "E100", message);
}

void Parser::fail(const ast::Span& span, const char* code, const std::string& message) {
  stream_.report(span, code, message, rule_name_);
  throw ParseAbort{};
}

void Parser::parse_rules() {
  while (true) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kEof: return;
      case Tok::kEndOfInclude: advance(); break;
      case Tok::kImport: parse_import(); break;
      case Tok::kRule:
      case Tok::kGlobal:
      case Tok::kPrivate: parse_rule(); break;
      default: fail_unexpected(t, "rule or import");
    }
  }
}

void Parser::parse_import() {
  const Token keyword = advance();
  const Token name = expect(Tok::kText, "text string");
  unit_.imports.push_back({name.text, join(keyword.span, name.span)});
}

void Parser::parse_rule() {
  ast::Rule rule;
  const ast::Span start = peek().span;
  while (true) {
    if (accept(Tok::kGlobal)) rule.is_global = true;
    else if (accept(Tok::kPrivate)) rule.is_private = true;
    else break;
  }
  expect(Tok::kRule, "<rule>");
  const Token name = expect(Tok::kIdentifier, "identifier");
  rule.name = name.text;
  rule.name_span = name.span;
  rule_name_ = name.text;
  stream_.set_rule(rule_name_);
  if (accept(Tok::kColon)) {
    do {
      const Token tag = expect(Tok::kIdentifier, "identifier");
      rule.tags.push_back(tag.text);
      rule.tag_spans.push_back(tag.span);
    } while (at(Tok::kIdentifier));
  }
  expect(Tok::kLBrace, "'{'");
  if (at(Tok::kMeta)) parse_meta(rule);
  if (at(Tok::kStrings)) parse_strings(rule);
  expect(Tok::kCondition, "<condition>");
  expect(Tok::kColon, "':'");
  rule.condition = parse_condition();
  const Token close = expect(Tok::kRBrace, "'}'");
  rule.span = join(start, close.span);
  unit_.rules.push_back(std::move(rule));
  rule_name_.clear();
  stream_.set_rule({});
  if (options_.on_rule) {
    options_.on_rule(unit_);
    unit_.rules.pop_back();
    unit_.exprs.clear();  // conditions are the arena's only users
  }
}

void Parser::parse_meta(ast::Rule& rule) {
  advance();
  expect(Tok::kColon, "':'");
  do {
    Token key = expect(Tok::kIdentifier, "identifier");
    expect(Tok::kAssign, "'='");
    ast::Meta meta;
    meta.key = std::move(key.text);
    Token value = advance();
    switch (value.kind) {
      case Tok::kText:
        meta.type = ast::Meta::Type::kString;
        meta.string_value = std::move(value.text);
        break;
      case Tok::kInteger:
        meta.type = ast::Meta::Type::kInteger;
        meta.integer_value = value.int_value;
        break;
      case Tok::kMinus: {
        const Token number = expect(Tok::kInteger, "integer number");
        meta.type = ast::Meta::Type::kInteger;
        meta.integer_value = -number.int_value;
        break;
      }
      case Tok::kTrue:
      case Tok::kFalse:
        meta.type = ast::Meta::Type::kBoolean;
        meta.bool_value = value.kind == Tok::kTrue;
        break;
      default: fail_unexpected(value, "text string, number or boolean");
    }
    meta.span = join(key.span, last_span_);
    rule.meta.push_back(std::move(meta));
  } while (at(Tok::kIdentifier));
}

void Parser::parse_strings(ast::Rule& rule) {
  advance();
  rule.has_strings_section = true;
  expect(Tok::kColon, "':'");
  do {
    const Token id = expect(Tok::kStringId, "string identifier");
    expect(Tok::kAssign, "'='");
    ast::StringDecl decl;
    decl.id = id.text;
    const Token value = advance();
    decl.value = value.text;
    decl.value_span = value.span;
    switch (value.kind) {
      case Tok::kText:
        decl.kind = ast::StringDecl::Kind::kText;
        parse_text_modifiers(decl);
        break;
      case Tok::kRegex:
        decl.kind = ast::StringDecl::Kind::kRegex;
        decl.regex_flags = value.regex_flags;
        parse_regex_modifiers(decl);
        break;
      case Tok::kHexString:
        decl.kind = ast::StringDecl::Kind::kHex;
        parse_hex_modifiers(decl);
        break;
      default: fail_unexpected(value, "text string, hex string or regular expression");
    }
    decl.span = join(id.span, last_span_);
    if (decl.kind == ast::StringDecl::Kind::kText && decl.value.empty()) {
      fail(decl.span, "E119", "empty string \"" + decl.id + "\"");
    }
    // yara checks combinations after the emptiness of the string.
    if (decl.kind == ast::StringDecl::Kind::kText) check_modifier_combination(decl);
    rule.strings.push_back(std::move(decl));
  } while (at(Tok::kStringId));
}

void Parser::add_modifier(ast::StringDecl& decl, const ast::Modifier& modifier) {
  if (has(decl, modifier.kind)) fail(modifier.span, "E112", "duplicated modifier");
  decl.modifiers.push_back(modifier);
  // base64 and base64wide must agree on the alphabet (the default one when not given).
  const ast::Modifier* b64 = find(decl, Kind::kBase64);
  const ast::Modifier* b64w = find(decl, Kind::kBase64Wide);
  if (b64 != nullptr && b64w != nullptr) {
    const std::string_view a = b64->alphabet ? *b64->alphabet : kDefaultBase64Alphabet;
    const std::string_view b = b64w->alphabet ? *b64w->alphabet : kDefaultBase64Alphabet;
    if (a != b) fail(modifier.span, "E118", "can not specify multiple alphabets");
  }
}

void Parser::parse_text_modifiers(ast::StringDecl& decl) {
  while (true) {
    ast::Modifier m;
    m.span = peek().span;
    switch (peek().kind) {
      case Tok::kWide: m.kind = Kind::kWide; advance(); break;
      case Tok::kAscii: m.kind = Kind::kAscii; advance(); break;
      case Tok::kNocase: m.kind = Kind::kNocase; advance(); break;
      case Tok::kFullword: m.kind = Kind::kFullword; advance(); break;
      case Tok::kPrivate: m.kind = Kind::kPrivate; advance(); break;
      case Tok::kXor:
        m.kind = Kind::kXor;
        advance();
        if (accept(Tok::kLParen)) {
          const Token lo = expect(Tok::kInteger, "integer number");
          if (accept(Tok::kMinus)) {
            const Token hi = expect(Tok::kInteger, "integer number");
            expect(Tok::kRParen, "')'");
            m.span = join(m.span, last_span_);
            m.xor_min = lo.int_value;
            m.xor_max = hi.int_value;
            if (m.xor_min > m.xor_max) {
              fail(m.span, "E115", "xor lower bound exceeds upper bound");
            }
            if (m.xor_max > 255) {
              fail(m.span, "E116", "upper bound for xor range exceeded (max: 255)");
            }
          } else {
            expect(Tok::kRParen, "')'");
            m.span = join(m.span, last_span_);
            m.xor_min = m.xor_max = lo.int_value;
            if (lo.int_value > 255) fail(m.span, "E114", "invalid xor range");
          }
        }
        break;
      case Tok::kBase64:
      case Tok::kBase64Wide:
        m.kind = peek().kind == Tok::kBase64 ? Kind::kBase64 : Kind::kBase64Wide;
        advance();
        if (accept(Tok::kLParen)) {
          const Token alphabet = expect(Tok::kText, "text string");
          expect(Tok::kRParen, "')'");
          m.span = join(m.span, last_span_);
          if (alphabet.text.size() != 64) {
            fail(m.span, "E117", "length of base64 alphabet must be 64");
          }
          m.alphabet = alphabet.text;
        }
        break;
      default: return;
    }
    add_modifier(decl, m);
  }
}

void Parser::parse_regex_modifiers(ast::StringDecl& decl) {
  while (true) {
    ast::Modifier m;
    m.span = peek().span;
    switch (peek().kind) {
      case Tok::kWide: m.kind = Kind::kWide; break;
      case Tok::kAscii: m.kind = Kind::kAscii; break;
      case Tok::kNocase: m.kind = Kind::kNocase; break;
      case Tok::kFullword: m.kind = Kind::kFullword; break;
      case Tok::kPrivate: m.kind = Kind::kPrivate; break;
      default: return;
    }
    advance();
    add_modifier(decl, m);
  }
}

void Parser::parse_hex_modifiers(ast::StringDecl& decl) {
  while (at(Tok::kPrivate)) {
    ast::Modifier m;
    m.kind = Kind::kPrivate;
    m.span = advance().span;
    add_modifier(decl, m);
  }
}

// The pairs yara refuses, in the order yara checks them (the first one found is reported).
void Parser::check_modifier_combination(const ast::StringDecl& decl) {
  static constexpr struct {
    Kind a;
    Kind b;
    const char* text;
  } kForbidden[] = {
      {Kind::kXor, Kind::kNocase, "xor nocase"},
      {Kind::kBase64, Kind::kNocase, "base64 nocase"},
      {Kind::kBase64Wide, Kind::kNocase, "base64wide nocase"},
      {Kind::kBase64, Kind::kFullword, "base64 fullword"},
      {Kind::kBase64Wide, Kind::kFullword, "base64wide fullword"},
      {Kind::kBase64, Kind::kXor, "base64 xor"},
      {Kind::kBase64Wide, Kind::kXor, "base64wide xor"},
  };
  for (const auto& f : kForbidden) {
    if (has(decl, f.a) && has(decl, f.b)) {
      const ast::Modifier* m = find(decl, f.b);
      fail(m->span, "E113", std::string("invalid modifier combination: ") + f.text);
    }
  }
}

ast::ExprId Parser::add(ast::Expr expr) {
  unit_.exprs.push_back(std::move(expr));
  return static_cast<ast::ExprId>(unit_.exprs.size() - 1);
}

ast::Expr Parser::node(ast::ExprKind kind, const ast::Span& span) {
  ast::Expr e;
  e.kind = kind;
  e.span = span;
  return e;
}

ast::Span Parser::join(const ast::Span& a, const ast::Span& b) const {
  if (a.file != b.file) return a;  // an include in the middle: keep the start
  return {a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

void Parser::enter() {
  if (++depth_ > options_.max_expression_depth) {
    fail(peek().span, "E120", "expression nested too deeply");
  }
}

namespace {

bool parse_text(std::string text, const std::string& display_name, const ParseOptions& options,
                ast::Unit& unit, Diagnostics& diags) {
  const size_t errors_before = diags.size();
  ast::SourceFile file;
  file.path = display_name;
  file.text = std::move(text);
  file.line_starts = Lexer::line_starts(file.text);
  unit.files.push_back(std::move(file));
  TokenStream stream(unit, diags, options);
  stream.push_file(static_cast<uint32_t>(unit.files.size() - 1));
  Parser parser(unit, diags, options, stream);
  try {
    parser.parse_rules();
  } catch (const ParseAbort&) {
    // The diagnostic is already recorded.
  }
  for (size_t i = errors_before; i < diags.size(); ++i) {
    if (diags[i].severity == Severity::kError) return false;
  }
  return true;
}

}  // namespace

bool parse_source(std::string_view text, const std::string& display_name,
                  const ParseOptions& options, ast::Unit& unit, Diagnostics& diags) {
  return parse_text(std::string(text), display_name, options, unit, diags);
}

bool parse_file(const std::string& path, const ParseOptions& options, ast::Unit& unit,
                Diagnostics& diags) {
  // Read straight into the string the unit keeps: one copy of a large rule file, not three.
  // Pipes are read too (`<(...)`); a directory opens but reads as nothing, so it is refused.
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  std::ifstream in(path, std::ios::binary);
  std::string text;
  bool readable = in && !std::filesystem::is_directory(status);
  if (readable) {
    size_t size = 0;
    if (std::filesystem::is_regular_file(status)) {
      const auto bytes = std::filesystem::file_size(path, ec);
      if (!ec) size = static_cast<size_t>(bytes);
    }
    read_stream(in, size, text);
    readable = !in.bad();
  }
  if (!readable) {
    Diagnostic d;
    d.code = "E121";
    d.message = "could not open file: " + path;
    d.file = path;
    diags.push_back(std::move(d));
    return false;
  }
  return parse_text(std::move(text), path, options, unit, diags);
}

}  // namespace yarrow::parse
