// The YARA front end: lexer + recursive-descent parser for the whole YARA 4.2.3 rule language,
// producing the AST of parse/ast.h. It does syntax, literal and string-modifier checks exactly
// where yara does them; checks that need names or types (undefined identifiers, duplicates,
// type errors) belong to the compiler. Errors are appended to `diags` as data ("E1xx" codes,
// docs/diagnostics.md); parsing of a file stops at its first syntax error, as yara's does in
// practice. Never prints, never throws, bounded recursion on hostile input.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "parse/ast.h"
#include "yarrow/diagnostics.h"

namespace yarrow::parse {

struct ParseOptions {
  uint32_t max_include_depth = 16;  // files open at once, the top-level file included
  bool allow_includes = true;
  uint32_t max_expression_depth = 1000;
  // Called after each rule is parsed, with the rule at unit.rules.back() and the imports read so
  // far in unit.imports. The parser then drops the rule and its expressions, so that a large
  // file never holds more than one rule's syntax tree (the compiler's memory peak).
  std::function<void(const ast::Unit&)> on_rule;
};

// Parses `text`; `display_name` names it in diagnostics and its directory anchors relative
// includes (empty name: includes are relative to the current directory). Appends to `unit`
// (files, imports, rules, exprs) and to `diags`. Returns false if any error was found.
bool parse_source(std::string_view text, const std::string& display_name,
                  const ParseOptions& options, ast::Unit& unit, Diagnostics& diags);

// Reads the file and parses it; an unreadable file is an error diagnostic (E121).
bool parse_file(const std::string& path, const ParseOptions& options, ast::Unit& unit,
                Diagnostics& diags);

}  // namespace yarrow::parse
