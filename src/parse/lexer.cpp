#include "parse/lexer.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

namespace yarrow::parse {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_letter(c) || is_digit(c) || c == '_'; }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

struct Keyword {
  std::string_view word;
  Tok tok;
};

constexpr Keyword kKeywords[] = {
    {"all", Tok::kAll},
    {"and", Tok::kAnd},
    {"any", Tok::kAny},
    {"ascii", Tok::kAscii},
    {"at", Tok::kAt},
    {"base64", Tok::kBase64},
    {"base64wide", Tok::kBase64Wide},
    {"condition", Tok::kCondition},
    {"contains", Tok::kContains},
    {"defined", Tok::kDefined},
    {"endswith", Tok::kEndsWith},
    {"entrypoint", Tok::kEntrypoint},
    {"false", Tok::kFalse},
    {"filesize", Tok::kFilesize},
    {"for", Tok::kFor},
    {"fullword", Tok::kFullword},
    {"global", Tok::kGlobal},
    {"import", Tok::kImport},
    {"icontains", Tok::kIContains},
    {"iendswith", Tok::kIEndsWith},
    {"iequals", Tok::kIEquals},
    {"in", Tok::kIn},
    {"istartswith", Tok::kIStartsWith},
    {"matches", Tok::kMatches},
    {"meta", Tok::kMeta},
    {"nocase", Tok::kNocase},
    {"none", Tok::kNone},
    {"not", Tok::kNot},
    {"of", Tok::kOf},
    {"or", Tok::kOr},
    {"private", Tok::kPrivate},
    {"rule", Tok::kRule},
    {"startswith", Tok::kStartsWith},
    {"strings", Tok::kStrings},
    {"them", Tok::kThem},
    {"true", Tok::kTrue},
    {"wide", Tok::kWide},
    {"xor", Tok::kXor},
};

struct Reader {
  std::string_view word;
  ast::IntReader reader;
};

constexpr Reader kReaders[] = {
    {"int8", ast::IntReader::kInt8},       {"int16", ast::IntReader::kInt16},
    {"int32", ast::IntReader::kInt32},     {"uint8", ast::IntReader::kUint8},
    {"uint16", ast::IntReader::kUint16},   {"uint32", ast::IntReader::kUint32},
    {"int8be", ast::IntReader::kInt8be},   {"int16be", ast::IntReader::kInt16be},
    {"int32be", ast::IntReader::kInt32be}, {"uint8be", ast::IntReader::kUint8be},
    {"uint16be", ast::IntReader::kUint16be}, {"uint32be", ast::IntReader::kUint32be},
};

}  // namespace

Lexer::Lexer(std::string text, uint32_t file_index) : text_(std::move(text)), file_(file_index) {}

std::vector<uint32_t> Lexer::line_starts(const std::string& text) {
  std::vector<uint32_t> starts{0};
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p)));)
    starts.push_back(static_cast<uint32_t>(++p - begin));
  return starts;
}

Token Lexer::make(Tok kind, size_t begin) const {
  Token t;
  t.kind = kind;
  t.span = {file_, static_cast<uint32_t>(begin), static_cast<uint32_t>(pos_)};
  return t;
}

Token Lexer::fail(const char* code, std::string message, size_t offset) {
  error_ = {code, std::move(message), static_cast<uint32_t>(offset)};
  Token t = make(Tok::kError, offset);
  pos_ = text_.size();  // lexical errors end the file, as in yara
  return t;
}

void Lexer::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      // An unterminated block comment silently runs to the end of the file (yara does so).
      const size_t close = text_.find("*/", pos_ + 2);
      pos_ = close == std::string::npos ? text_.size() : close + 2;
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  if (pos_ >= text_.size()) return make(Tok::kEof, pos_);
  const size_t begin = pos_;
  const char c = text_[pos_];
  const unsigned char uc = static_cast<unsigned char>(c);
  if (uc < 32 || uc >= 127) return fail("E101", "non-ascii character", begin);

  if (is_letter(c) || c == '_') return lex_word(begin);
  if (is_digit(c)) return lex_number(begin);
  switch (c) {
    case '$': {
      ++pos_;
      while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
      Tok kind = Tok::kStringId;
      if (pos_ < text_.size() && text_[pos_] == '*') {
        ++pos_;
        kind = Tok::kStringIdWildcard;
      }
      Token t = make(kind, begin);
      t.text = text_.substr(begin, pos_ - begin);
      return t;
    }
    case '#': return lex_string_ref(begin, Tok::kStringCount);
    case '@': return lex_string_ref(begin, Tok::kStringOffset);
    case '!':
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') {
        pos_ += 2;
        return make(Tok::kNe, begin);
      }
      return lex_string_ref(begin, Tok::kStringLength);
    case '"': return lex_text(begin);
    case '/': return lex_regex(begin);
    case '{': {
      Token hex;
      if (scan_hex_string(hex)) return hex;
      ++pos_;
      return make(Tok::kLBrace, begin);
    }
    default: break;
  }

  auto two = [&](char second) {
    return pos_ + 1 < text_.size() && text_[pos_ + 1] == second;
  };
  Tok kind = Tok::kOther;
  size_t len = 1;
  switch (c) {
    case '(': kind = Tok::kLParen; break;
    case ')': kind = Tok::kRParen; break;
    case '}': kind = Tok::kRBrace; break;
    case '[': kind = Tok::kLBracket; break;
    case ']': kind = Tok::kRBracket; break;
    case ':': kind = Tok::kColon; break;
    case ',': kind = Tok::kComma; break;
    case '.':
      if (two('.')) kind = Tok::kDotDot, len = 2;
      else kind = Tok::kDot;
      break;
    case '=':
      if (two('=')) kind = Tok::kEq, len = 2;
      else kind = Tok::kAssign;
      break;
    case '<':
      if (two('=')) kind = Tok::kLe, len = 2;
      else if (two('<')) kind = Tok::kShl, len = 2;
      else kind = Tok::kLt;
      break;
    case '>':
      if (two('=')) kind = Tok::kGe, len = 2;
      else if (two('>')) kind = Tok::kShr, len = 2;
      else kind = Tok::kGt;
      break;
    case '+': kind = Tok::kPlus; break;
    case '-': kind = Tok::kMinus; break;
    case '*': kind = Tok::kStar; break;
    case '\\': kind = Tok::kBackslash; break;
    case '%': kind = Tok::kPercent; break;
    case '&': kind = Tok::kAmp; break;
    case '|': kind = Tok::kPipe; break;
    case '^': kind = Tok::kCaret; break;
    case '~': kind = Tok::kTilde; break;
    default: break;
  }
  pos_ += len;
  Token t = make(kind, begin);
  t.text = text_.substr(begin, len);
  return t;
}

Token Lexer::lex_string_ref(size_t begin, Tok kind) {
  ++pos_;
  while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
  Token t = make(kind, begin);
  t.text = text_.substr(begin, pos_ - begin);
  return t;
}

Token Lexer::lex_word(size_t begin) {
  while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
  const std::string_view word(text_.data() + begin, pos_ - begin);
  for (const Keyword& k : kKeywords) {
    if (k.word == word) return make(k.tok, begin);
  }
  for (const Reader& r : kReaders) {
    if (r.word == word) {
      Token t = make(Tok::kIntFunction, begin);
      t.reader = r.reader;
      t.text = std::string(word);
      return t;
    }
  }
  if (word == "include") {
    // yara only treats `include` as a directive when blanks and a quote follow it.
    size_t p = pos_;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    if (p > pos_ && p < text_.size() && text_[p] == '"') {
      const size_t close = text_.find('"', p + 1);
      if (close == std::string::npos) {
        // yara silently stops reading the file here.
        pos_ = text_.size();
        return make(Tok::kEof, pos_);
      }
      pos_ = close + 1;
      Token t = make(Tok::kInclude, begin);
      t.text = text_.substr(p + 1, close - p - 1);
      return t;
    }
  }
  if (word.size() > kMaxIdentifierLength) return fail("E106", "identifier too long", begin);
  Token t = make(Tok::kIdentifier, begin);
  t.text = std::string(word);
  return t;
}

Token Lexer::lex_number(size_t begin) {
  const size_t n = text_.size();
  auto overflow = [&]() {
    return fail("E105", "integer overflow in \"" + text_.substr(begin, pos_ - begin) + "\"",
                begin);
  };
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (text_[begin] == '0' && begin + 1 < n &&
      (text_[begin + 1] == 'x' || text_[begin + 1] == 'o')) {
    const bool hex = text_[begin + 1] == 'x';
    size_t p = begin + 2;
    auto ok = [&](char ch) { return hex ? is_hex_digit(ch) : (ch >= '0' && ch <= '7'); };
    if (p < n && ok(text_[p])) {
      uint64_t value = 0;
      bool over = false;
      while (p < n && ok(text_[p])) {
        const uint64_t digit = hex ? hex_value(text_[p]) : text_[p] - '0';
        const uint64_t base = hex ? 16 : 8;
        if (value > (kMax - digit) / base) over = true;
        else value = value * base + digit;
        ++p;
      }
      pos_ = p;
      if (over) return overflow();
      Token t = make(Tok::kInteger, begin);
      t.int_value = static_cast<int64_t>(value);
      return t;
    }
  }
  size_t p = begin;
  while (p < n && is_digit(text_[p])) ++p;
  if (p + 1 < n && text_[p] == '.' && is_digit(text_[p + 1])) {
    ++p;
    while (p < n && is_digit(text_[p])) ++p;
    pos_ = p;
    Token t = make(Tok::kFloat, begin);
    t.float_value = std::strtod(text_.substr(begin, p - begin).c_str(), nullptr);
    return t;
  }
  const size_t digits_end = p;
  uint64_t multiplier = 1;
  if (p + 1 < n && text_[p + 1] == 'B' && (text_[p] == 'K' || text_[p] == 'M')) {
    multiplier = text_[p] == 'K' ? 1024 : 1048576;
    p += 2;
  }
  pos_ = p;
  uint64_t value = 0;
  for (size_t i = begin; i < digits_end; ++i) {
    const uint64_t digit = static_cast<uint64_t>(text_[i] - '0');
    if (value > (kMax - digit) / 10) return overflow();
    value = value * 10 + digit;
  }
  if (value > kMax / multiplier) return overflow();
  Token t = make(Tok::kInteger, begin);
  t.int_value = static_cast<int64_t>(value * multiplier);
  return t;
}

Token Lexer::lex_text(size_t begin) {
  const size_t n = text_.size();
  std::string value;
  size_t p = begin + 1;
  while (true) {
    if (p >= n || text_[p] == '\n') {
      pos_ = p;
      return fail("E102", "unterminated string", begin);
    }
    const char c = text_[p];
    if (c == '"') break;
    if (c == '\\') {
      const char e = p + 1 < n ? text_[p + 1] : '\0';
      char decoded = 0;
      size_t used = 2;
      switch (e) {
        case 't': decoded = '\t'; break;
        case 'n': decoded = '\n'; break;
        case 'r': decoded = '\r'; break;
        case '"': decoded = '"'; break;
        case '\\': decoded = '\\'; break;
        case 'x':
          if (p + 3 < n && is_hex_digit(text_[p + 2]) && is_hex_digit(text_[p + 3])) {
            decoded = static_cast<char>(hex_value(text_[p + 2]) * 16 + hex_value(text_[p + 3]));
            used = 4;
            break;
          }
          [[fallthrough]];
        default:
          return fail("E103", "illegal escape sequence", p);
      }
      value.push_back(decoded);
      p += used;
    } else {
      // A run of plain characters in one append (metadata strings are long).
      size_t end = p + 1;
      while (end < n && text_[end] != '"' && text_[end] != '\\' && text_[end] != '\n') ++end;
      value.append(text_.data() + p, end - p);
      p = end;
    }
    if (value.size() > kMaxLiteralLength) return fail("E107", "out of space in lex_buf", begin);
  }
  pos_ = p + 1;
  Token t = make(Tok::kText, begin);
  t.text = std::move(value);
  return t;
}

Token Lexer::lex_regex(size_t begin) {
  const size_t n = text_.size();
  size_t p = begin + 1;
  size_t decoded_length = 0;  // what yara stores: `\/` counts as one byte
  while (true) {
    if (p >= n || text_[p] == '\n') {
      pos_ = p;
      return fail("E104", "unterminated regular expression", begin);
    }
    const char c = text_[p];
    if (c == '/') break;
    if (c == '\\' && p + 1 < n && text_[p + 1] != '\n') {
      decoded_length += text_[p + 1] == '/' ? 1 : 2;
      p += 2;
    } else {
      ++decoded_length;
      ++p;
    }
    if (decoded_length > kMaxLiteralLength) {
      return fail("E107", "out of space in lex_buf", begin);
    }
  }
  Token t;
  t.text = text_.substr(begin + 1, p - begin - 1);
  ++p;  // closing slash
  if (p < n && text_[p] == 'i') {
    t.regex_flags |= ast::kRegexNocase;
    ++p;
  }
  if (p < n && text_[p] == 's') {
    t.regex_flags |= ast::kRegexDotAll;
    ++p;
  }
  pos_ = p;
  Token made = make(Tok::kRegex, begin);
  made.text = std::move(t.text);
  made.regex_flags = t.regex_flags;
  return made;
}

// yara lexes `{` followed by hex-string characters and comments up to a `}` as one hex string
// token wherever it appears; anything else makes `{` a plain brace. With `//` comments the
// longest possible match wins, so a `}` inside such a comment is a candidate end as well.
bool Lexer::scan_hex_string(Token& out) {
  const size_t n = text_.size();
  const size_t begin = pos_;
  size_t p = begin + 1;
  size_t best_end = 0;  // one past the closing brace of the longest match
  bool any = false;
  std::string value;
  std::string best_value;
  while (p < n) {
    const char c = text_[p];
    if (is_hex_digit(c) || c == ' ' || c == '-' || c == '|' || c == '?' || c == '[' ||
        c == ']' || c == '(' || c == ')' || c == '\n' || c == '\r' || c == '\t') {
      value.push_back(c);
      ++p;
      any = true;
    } else if (c == '/' && p + 1 < n && text_[p + 1] == '*') {
      const size_t close = text_.find("*/", p + 2);
      if (close == std::string::npos) break;
      p = close + 2;
      value.push_back(' ');
      any = true;
    } else if (c == '/' && p + 1 < n && text_[p + 1] == '/') {
      size_t e = p + 2;
      while (e < n && text_[e] != '\n') {
        if (text_[e] == '}') {
          best_end = e + 1;
          best_value = value;
        }
        ++e;
      }
      p = e;
      value.push_back(' ');
      any = true;
    } else {
      break;
    }
  }
  if (any && p < n && text_[p] == '}') {
    best_end = p + 1;
    best_value = value;
  }
  if (best_end == 0) return false;
  pos_ = best_end;
  out = make(Tok::kHexString, begin);
  out.text = std::move(best_value);
  return true;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case Tok::kEof: return "end of file";
    case Tok::kError: return "invalid token";
    case Tok::kIdentifier: return "identifier \"" + token.text + "\"";
    case Tok::kStringId: return "string identifier";
    case Tok::kStringIdWildcard: return "string identifier with wildcard";
    case Tok::kStringCount: return "string count";
    case Tok::kStringOffset: return "string offset";
    case Tok::kStringLength: return "string length";
    case Tok::kInteger: return "integer number";
    case Tok::kFloat: return "floating point number";
    case Tok::kText: return "text string";
    case Tok::kHexString: return "hex string";
    case Tok::kRegex: return "regular expression";
    case Tok::kIntFunction: return "integer function";
    case Tok::kInclude: return "include";
    case Tok::kEndOfInclude: return "end of included file";
    default: break;
  }
  for (const Keyword& k : kKeywords) {
    if (k.tok == token.kind) {
      // Appended piece by piece: "<" + std::string(...) trips GCC 12's -Wrestrict false
      // positive (GCC bug 105329).
      std::string quoted = "<";
      quoted += k.word;
      quoted += '>';
      return quoted;
    }
  }
  if (!token.text.empty()) return "\"" + token.text + "\"";
  return "token";
}

}  // namespace yarrow::parse
