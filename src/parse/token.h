// Tokens produced by the YARA lexer (src/parse/lexer.h). Internal to yarrow_parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parse/ast.h"

namespace yarrow::parse {

enum class Tok : uint8_t {
  kEof,
  kError,  // the lexer already reported a diagnostic
  kIdentifier,
  kStringId,          // $a, $
  kStringIdWildcard,  // $a*, $*
  kStringCount,       // #a
  kStringOffset,      // @a
  kStringLength,      // !a
  kInteger,
  kFloat,
  kText,       // "..." (value unescaped)
  kHexString,  // { ... } (value = inside of the braces, comments removed)
  kRegex,      // /.../is (value = between the slashes, as written)
  kIntFunction,
  kEndOfInclude,  // end of an included file: only valid between rules, as in yara
  kInclude,  // `include "path"`, recognised by the lexer as yara does (text = path)
  // Keywords.
  kAll, kAnd, kAny, kAscii, kAt, kBase64, kBase64Wide, kCondition, kContains, kDefined,
  kEndsWith, kEntrypoint, kFalse, kFilesize, kFor, kFullword, kGlobal, kImport, kIContains,
  kIEndsWith, kIEquals, kIn, kIStartsWith, kMatches, kMeta, kNocase, kNone, kNot, kOf, kOr,
  kPrivate, kRule, kStartsWith, kStrings, kThem, kTrue, kWide, kXor,
  // Punctuation.
  kLParen, kRParen, kLBrace, kRBrace, kLBracket, kRBracket, kColon, kComma, kDot, kDotDot,
  kAssign, kEq, kNe, kLt, kLe, kGt, kGe, kShl, kShr, kPlus, kMinus, kStar, kBackslash,
  kPercent, kAmp, kPipe, kCaret, kTilde,
  kOther,  // any other printable ASCII character: always a syntax error
};

struct Token {
  Tok kind = Tok::kEof;
  ast::Span span;
  std::string text;  // identifiers, string/hex/regex values
  int64_t int_value = 0;
  double float_value = 0;
  uint32_t regex_flags = 0;
  ast::IntReader reader = ast::IntReader::kUint8;
};

// A short human-readable name for messages ("identifier", "`and`", "end of file").
std::string describe(const Token& token);

}  // namespace yarrow::parse
