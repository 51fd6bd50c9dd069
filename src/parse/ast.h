// The syntax tree of a YARA source unit (one file added to the compiler, with the files it
// includes). Produced by the parser (src/parse), consumed by the compiler (src/compile) and the
// exporters. Expressions live in one arena (`Unit::exprs`) and refer to each other by index, so
// the tree is flat, cheap to copy and needs no ownership pointers.
//
// Contract between parser and compiler: the table under ExprKind says, for every kind, which of
// `Expr`'s fields are set and what `kids` holds. Fields may be added; none are reused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yarrow::ast {

// A byte range in one source file. Line/column are computed when a diagnostic is printed.
struct Span {
  uint32_t file = 0;   // index into Unit::files
  uint32_t begin = 0;  // byte offset of the first character
  uint32_t end = 0;    // byte offset one past the last character
};

struct SourceFile {
  std::string path;  // as given (or resolved include path)
  std::string text;
  std::vector<uint32_t> line_starts;  // byte offset where each line starts; filled by the lexer

  // 1-based line and column (column counts bytes) of a byte offset.
  std::pair<uint32_t, uint32_t> line_col(uint32_t offset) const;
};

using ExprId = uint32_t;
inline constexpr ExprId kNoExpr = UINT32_MAX;

// Quantifier of `of` / `for` expressions.
enum class Quantifier : uint8_t {
  kAll,
  kAny,
  kNone,
  kCount,    // an expression: kids[0] of the enclosing node is the count
  kPercent,  // `N% of ...`: kids[0] is N
};

// Integer readers: int8(...), uint32be(...) and so on.
enum class IntReader : uint8_t {
  kInt8, kInt16, kInt32, kUint8, kUint16, kUint32,
  kInt8be, kInt16be, kInt32be, kUint8be, kUint16be, kUint32be,
};

enum class ExprKind : uint8_t {
  //                     fields used / kids layout
  kTrue,              // -
  kFalse,             // -
  kInteger,           // int_value (size suffixes KB/MB already applied; hex/octal decoded)
  kFloat,             // float_value
  kText,              // text = the unescaped bytes of a "..." literal
  kRegexp,            // text = regex source between the slashes (escapes kept as written);
                      //   regex_flags = kRegexNocase | kRegexDotAll
  kFilesize,          // -
  kEntrypoint,        // - (deprecated keyword; still parsed)
  kIdentifier,        // text = name (rule, external variable, module, loop variable)
  kField,             // text = field name; kids = {object}
  kIndex,             // kids = {object, index}
  kCall,              // kids = {callee, arg...}
  kIntRead,           // reader = which; kids = {offset}

  // String references. `text` is the identifier as written: "$a", "#a", "@a", "!a", or just
  // "$"/"#"/"@"/"!" inside a `for ... of` body (the string being iterated).
  kStringMatch,       // $a                          kids = {}
  kStringAt,          // $a at E                     kids = {E}
  kStringIn,          // $a in (L..H)                kids = {range}
  kStringCount,       // #a                          kids = {}
  kStringCountIn,     // #a in (L..H)                kids = {range}
  kStringOffset,      // @a or @a[E]                 kids = {} or {E}
  kStringLength,      // !a or !a[E]                 kids = {} or {E}

  kRange,             // (L..H)                      kids = {L, H}

  // Unary operators: kids = {operand}
  kNot, kNeg, kBitNot, kDefined,

  // Binary operators: kids = {lhs, rhs}
  kAnd, kOr,
  kLt, kLe, kGt, kGe, kEq, kNe,
  kAdd, kSub, kMul, kDiv, kMod,
  kBitAnd, kBitOr, kBitXor, kShl, kShr,
  kContains, kIContains, kStartsWith, kIStartsWith, kEndsWith, kIEndsWith, kIEquals,
  kMatches,           // kids = {lhs, regexp literal (kRegexp)}

  // `Q of SET`, optionally `Q of SET in (L..H)` or `Q of SET at E`.
  //   quantifier = Q; kids = {count-or-percent-expr or kNoExpr, set, range/at-expr or kNoExpr}
  //   of_anchor = none / in / at
  //   set is a kStringSet or a kRuleSet node.
  kOf,
  kStringSet,         // kids = items, each a kStringSetItem; `them` => set_is_them = true, no kids
  kStringSetItem,     // text = "$a" or "$a*" (wildcard when it ends with '*')
  kRuleSet,           // kids = items, each a kRuleSetItem
  kRuleSetItem,       // text = "rule_name" or "prefix*"

  // `for Q of SET : ( BODY )`
  //   quantifier = Q; kids = {count-or-percent-expr or kNoExpr, set (kStringSet), body}
  kForOf,
  // `for Q v1, v2 in ITERABLE : ( BODY )`
  //   quantifier = Q; loop_vars = {v1, v2}; kids = {count-expr or kNoExpr, iterable, body}
  //   iterable is a kRange, a kEnumeration, or any other expression (a module array/dict).
  kForIn,
  kEnumeration,       // (E1, E2, ...)                kids = {E1, E2, ...}
};

enum class OfAnchor : uint8_t { kNone, kIn, kAt };

inline constexpr uint32_t kRegexNocase = 1;  // trailing `i`
inline constexpr uint32_t kRegexDotAll = 2;  // trailing `s`

struct Expr {
  ExprKind kind = ExprKind::kFalse;
  Span span;
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;
  std::vector<ExprId> kids;
  uint32_t regex_flags = 0;
  IntReader reader = IntReader::kUint8;
  Quantifier quantifier = Quantifier::kAny;
  OfAnchor of_anchor = OfAnchor::kNone;
  bool set_is_them = false;
  std::vector<std::string> loop_vars;
};

struct Meta {
  enum class Type : uint8_t { kString, kInteger, kBoolean };
  std::string key;
  Type type = Type::kString;
  std::string string_value;  // unescaped bytes
  int64_t integer_value = 0;
  bool bool_value = false;
  Span span;
};

// One modifier as written, kept so the compiler can report misuse at its position.
struct Modifier {
  enum class Kind : uint8_t {
    kNocase, kWide, kAscii, kFullword, kPrivate, kXor, kBase64, kBase64Wide
  };
  Kind kind = Kind::kAscii;
  Span span;
  // xor: `xor` alone => 0..255; `xor(n)` => n..n; `xor(a-b)` => a..b. Values as written (the
  // compiler checks ranges, so out-of-range literals are kept as int64).
  // (The parser already rejects, as yara's parser does, xor(n > 255), xor(a-b) with a > b or
  // b > 255, alphabets whose length is not 64, duplicated modifiers and the forbidden
  // combinations: see docs/diagnostics.md E112-E119.)
  int64_t xor_min = 0;
  int64_t xor_max = 255;
  // base64 / base64wide: custom alphabet, unescaped, when given as base64("...").
  std::optional<std::string> alphabet;
};

struct StringDecl {
  enum class Kind : uint8_t { kText, kHex, kRegex };
  std::string id;  // "$a", or "$" for anonymous strings
  Kind kind = Kind::kText;
  // kText: unescaped bytes. kHex: the source between the braces, verbatim (comments removed).
  // kRegex: the source between the slashes, verbatim.
  std::string value;
  uint32_t regex_flags = 0;  // kRegexNocase | kRegexDotAll for kRegex
  std::vector<Modifier> modifiers;
  Span span;        // whole declaration
  Span value_span;  // the literal
};

struct Rule {
  std::string name;
  bool is_global = false;
  bool is_private = false;
  std::vector<std::string> tags;
  std::vector<Span> tag_spans;
  std::vector<Meta> meta;
  std::vector<StringDecl> strings;
  bool has_strings_section = false;
  ExprId condition = kNoExpr;
  Span span;       // from the first modifier/`rule` keyword to the closing brace
  Span name_span;
};

struct Import {
  std::string module;
  Span span;
};

// Everything parsed from one top-level file and its includes, in source order.
struct Unit {
  std::vector<SourceFile> files;  // files[0] is the top-level file
  std::vector<Import> imports;
  std::vector<Rule> rules;
  std::vector<Expr> exprs;  // the arena

  const Expr& at(ExprId id) const { return exprs[id]; }
};

}  // namespace yarrow::ast
