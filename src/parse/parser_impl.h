// The recursive-descent parser behind parse_source (internal to yarrow_parse). Declarations
// live in parser.cpp (rules, meta, strings, modifiers); conditions in expr_parser.cpp.
//
// Conditions follow yara's grammar, which splits `primary_expression` (values: numbers,
// strings, arithmetic, identifiers) from `expression` (booleans: and/or/not, comparisons,
// string matches, of/for). Comparisons take primary operands only, so they never chain, and a
// boolean cannot be an arithmetic operand. A parenthesised primary stays a primary.
#pragma once

#include <array>
#include <stdexcept>
#include <string>

#include "parse/token_stream.h"

namespace yarrow::parse {

// Unwinds the parser after the first error of a file (never leaves yarrow_parse).
struct ParseAbort {};

class Parser {
 public:
  Parser(ast::Unit& unit, Diagnostics& diags, const ParseOptions& options, TokenStream& stream);

  void parse_rules();  // until end of file; throws ParseAbort on error

 private:
  // Result of parsing a condition fragment: the node and whether it is a yara primary.
  struct Parsed {
    ast::ExprId id = ast::kNoExpr;
    bool primary = false;
  };

  // Tokens.
  const Token& peek(size_t ahead = 0);
  Token advance();
  bool at(Tok kind) { return peek().kind == kind; }
  bool accept(Tok kind);
  Token expect(Tok kind, const char* what);
  [[noreturn]] void fail_unexpected(const Token& token, const char* expecting = nullptr);
  [[noreturn]] void fail(const ast::Span& span, const char* code, const std::string& message);

  // Declarations (parser.cpp).
  void parse_import();
  void parse_rule();
  void parse_meta(ast::Rule& rule);
  void parse_strings(ast::Rule& rule);
  void parse_text_modifiers(ast::StringDecl& decl);
  void parse_regex_modifiers(ast::StringDecl& decl);
  void parse_hex_modifiers(ast::StringDecl& decl);
  void add_modifier(ast::StringDecl& decl, const ast::Modifier& modifier);
  void check_modifier_combination(const ast::StringDecl& decl);

  // Conditions (expr_parser.cpp).
  ast::ExprId parse_condition();
  Parsed parse_or();
  Parsed parse_and();
  Parsed parse_not();
  Parsed parse_expression_atom();
  Parsed parse_after_primary(ast::ExprId primary, const ast::Span& start);
  ast::ExprId parse_primary(bool allow_percent_of);
  ast::ExprId parse_binary(ast::ExprId left, int min_prec, bool top_level);
  ast::ExprId parse_unary();
  ast::ExprId parse_primary_atom();
  ast::ExprId parse_identifier_chain();
  ast::ExprId parse_range();
  ast::ExprId parse_string_set(bool allow_rule_set);
  ast::ExprId parse_of(ast::Quantifier q, ast::ExprId count, const ast::Span& start);
  ast::ExprId parse_for();
  ast::ExprId parse_string_ref();

  // Expression arena helpers.
  ast::ExprId add(ast::Expr expr);
  ast::Expr node(ast::ExprKind kind, const ast::Span& span);
  ast::Span span_of(ast::ExprId id) const { return unit_.exprs[id].span; }
  ast::Span join(const ast::Span& a, const ast::Span& b) const;
  void enter();  // recursion guard
  void leave() { --depth_; }

  ast::Unit& unit_;
  Diagnostics& diags_;
  const ParseOptions& options_;
  TokenStream& stream_;
  // The grammar needs two tokens of lookahead at most (`x % of`); a ring of them, where a
  // deque allocated and freed a block every few tokens.
  static constexpr size_t kLookahead = 2;
  std::array<Token, kLookahead> lookahead_;
  size_t look_first_ = 0;  // slot of the next token
  size_t look_count_ = 0;
  ast::Span last_span_;  // the last consumed token's span (a copy of the token would copy its text)
  std::string rule_name_;  // rule being parsed, for diagnostics
  uint32_t depth_ = 0;
};

// RAII recursion guard.
class DepthGuard {
 public:
  explicit DepthGuard(uint32_t& depth) : depth_(depth) {}
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  uint32_t& depth_;
};

}  // namespace yarrow::parse
