// Helpers for the parser tests: parse a snippet, render expressions as compact S-expressions
// so that tree shapes can be asserted in one line.
#pragma once

#include <string>

#include "parse/parser.h"

namespace yarrow::parse::testing {

struct Parsed {
  ast::Unit unit;
  Diagnostics diags;
  bool ok = false;

  const ast::Rule& rule(size_t i = 0) const { return unit.rules.at(i); }
  std::string first_error() const { return diags.empty() ? "" : diags[0].to_string(); }
};

inline Parsed parse(const std::string& text, const std::string& name = "t.yar") {
  Parsed p;
  p.ok = parse_source(text, name, ParseOptions{}, p.unit, p.diags);
  return p;
}

// (kind kid...) with literal values inline: 1, 1.5, "txt", /re/is, $a, ident.
std::string sexpr(const ast::Unit& unit, ast::ExprId id);

// Parses `rule r { condition: COND }` and renders the condition ("ERR: ..." on failure).
std::string cond(const std::string& condition);

// Same with a strings section declaring $a and $b.
std::string cond_s(const std::string& condition);

}  // namespace yarrow::parse::testing
