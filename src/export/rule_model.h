// Neutral model of what a YARA rule searches for, shared by the KQL and Sigma exporters.
//
// Contract: a log-search backend can only look for text in decoded event fields, never for bytes
// at offsets. translate_rule() turns each string into one or more Needles (literal text or an
// RE2 regex) or marks it untranslatable with a reason, and turns the condition into a boolean
// tree over string ids. Parts that cannot be expressed are never silently dropped: each one adds
// a line to `notes`, and the condition is simplified so that the query gets BROADER (an
// untranslatable operand of AND is dropped as if true), except where the operand is the only
// evidence (an OR operand we cannot search is dropped: nothing can find it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parse/ast.h"

namespace yarrow::exporter {

// One thing to look for in a text field.
struct Needle {
  enum class Kind : uint8_t {
    kLiteral,  // `text` is the exact (UTF-8) text
    kRegex,    // `text` is an RE2 pattern (flags already inlined as (?i)/(?s))
  };
  Kind kind = Kind::kLiteral;
  std::string text;
  bool nocase = false;    // literal only: compare ignoring ASCII case
  bool fullword = false;  // literal only: delimited by non-alphanumeric characters
  // Literal derived from a base64/base64wide modifier: the encoded form, always case-sensitive.
  bool base64 = false;
};

struct StringModel {
  std::string id;        // "$a"; anonymous strings get "$anon1", "$anon2", ...
  std::string column;    // identifier usable in KQL/Sigma: "s_a", "s_anon1"
  std::string original;  // the value as written, for comments
  bool translatable = false;
  std::vector<Needle> needles;  // any of them matching means the string matched
  // Source text as written in the rule (for Sigma's own base64offset modifier).
  std::string plain_text;  // unescaped literal when the string is a text string, else ""
  bool base64 = false, base64wide = false, custom_alphabet = false;
  bool nocase = false, fullword = false;
};

struct Cond {
  enum class Kind : uint8_t { kTrue, kFalse, kString, kAnd, kOr, kNot, kAtLeast };
  Cond() = default;
  explicit Cond(Kind k) : kind(k) {}
  Kind kind = Kind::kTrue;
  std::string id;                 // kString
  uint32_t count = 0;             // kAtLeast: at least `count` of `ids`
  std::vector<std::string> ids;   // kAtLeast
  std::vector<Cond> kids;         // kAnd, kOr, kNot
};

struct RuleModel {
  std::string name;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> meta;  // key, value as text
  std::vector<StringModel> strings;
  Cond condition;
  std::vector<std::string> notes;  // what was not translated, and how that was handled

  const StringModel* find(const std::string& id) const;
  std::string meta_value(const std::string& key) const;  // first value, or ""
};

RuleModel translate_rule(const ast::Unit& unit, const ast::Rule& rule);

// Helpers exposed for tests and for both backends.
bool is_word_byte(unsigned char c);  // YARA's fullword and KQL's term character: [A-Za-z0-9]
// Escapes text so that RE2 matches it literally.
std::string regex_escape(const std::string& text);
// The needle as one RE2 pattern (literal needles get their nocase/fullword semantics).
std::string needle_regex(const Needle& n);
// The three base64 forms YARA searches for `text` (alphabet of 64 characters).
std::vector<std::string> base64_forms(const std::string& text, const std::string& alphabet);

}  // namespace yarrow::exporter
