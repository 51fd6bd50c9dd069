// Conditions: yara's `boolean_expression` / `expression` / `primary_expression` grammar.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parse/parser_impl.h"

namespace yarrow::parse {
namespace {

using ast::ExprKind;

// Binary operators of primary expressions and their yara precedence (higher binds tighter).
struct BinaryOp {
  ExprKind kind;
  int prec;
};

std::optional<BinaryOp> binary_op(Tok tok) {
  switch (tok) {
    case Tok::kPipe: return BinaryOp{ExprKind::kBitOr, 1};
    case Tok::kCaret: return BinaryOp{ExprKind::kBitXor, 2};
    case Tok::kAmp: return BinaryOp{ExprKind::kBitAnd, 3};
    case Tok::kShl: return BinaryOp{ExprKind::kShl, 4};
    case Tok::kShr: return BinaryOp{ExprKind::kShr, 4};
    case Tok::kPlus: return BinaryOp{ExprKind::kAdd, 5};
    case Tok::kMinus: return BinaryOp{ExprKind::kSub, 5};
    case Tok::kStar: return BinaryOp{ExprKind::kMul, 6};
    case Tok::kBackslash: return BinaryOp{ExprKind::kDiv, 6};
    case Tok::kPercent: return BinaryOp{ExprKind::kMod, 6};
    default: return std::nullopt;
  }
}

// Operators that turn two primaries into a boolean expression (never chained in yara).
std::optional<ExprKind> comparison_op(Tok tok) {
  switch (tok) {
    case Tok::kLt: return ExprKind::kLt;
    case Tok::kLe: return ExprKind::kLe;
    case Tok::kGt: return ExprKind::kGt;
    case Tok::kGe: return ExprKind::kGe;
    case Tok::kEq: return ExprKind::kEq;
    case Tok::kNe: return ExprKind::kNe;
    case Tok::kContains: return ExprKind::kContains;
    case Tok::kIContains: return ExprKind::kIContains;
    case Tok::kStartsWith: return ExprKind::kStartsWith;
    case Tok::kIStartsWith: return ExprKind::kIStartsWith;
    case Tok::kEndsWith: return ExprKind::kEndsWith;
    case Tok::kIEndsWith: return ExprKind::kIEndsWith;
    case Tok::kIEquals: return ExprKind::kIEquals;
    default: return std::nullopt;
  }
}

}  // namespace

ast::ExprId Parser::parse_condition() {
  const ast::ExprId root = parse_or().id;
  // Operator chains (`a or b or c ...`) build trees as deep as they are long without nesting
  // in the source. The compiler and evaluator walk trees recursively, so bound the depth of the
  // tree itself, measured without recursion, and report it instead of overflowing the stack.
  std::vector<std::pair<ast::ExprId, uint32_t>> stack{{root, 1}};
  while (!stack.empty()) {
    const auto [id, depth] = stack.back();
    stack.pop_back();
    if (depth > options_.max_expression_depth) {
      fail(unit_.exprs[id].span, "E120",
           "expression nested too deeply (more than " +
               std::to_string(options_.max_expression_depth) + " levels, counting operator chains)");
    }
    for (const ast::ExprId kid : unit_.exprs[id].kids)
      if (kid != ast::kNoExpr) stack.push_back({kid, depth + 1});
  }
  return root;
}

Parser::Parsed Parser::parse_or() {
  Parsed left = parse_and();
  while (at(Tok::kOr)) {
    advance();
    const Parsed right = parse_and();
    ast::Expr e = node(ExprKind::kOr, join(span_of(left.id), span_of(right.id)));
    e.kids = {left.id, right.id};
    left = {add(std::move(e)), false};
  }
  return left;
}

Parser::Parsed Parser::parse_and() {
  Parsed left = parse_not();
  while (at(Tok::kAnd)) {
    advance();
    const Parsed right = parse_not();
    ast::Expr e = node(ExprKind::kAnd, join(span_of(left.id), span_of(right.id)));
    e.kids = {left.id, right.id};
    left = {add(std::move(e)), false};
  }
  return left;
}

// `not` and `defined` bind tighter than and/or but looser than comparisons.
Parser::Parsed Parser::parse_not() {
  enter();
  DepthGuard guard(depth_);
  if (at(Tok::kNot) || at(Tok::kDefined)) {
    const Token op = advance();
    const Parsed operand = parse_not();
    ast::Expr e = node(op.kind == Tok::kNot ? ExprKind::kNot : ExprKind::kDefined,
                       join(op.span, span_of(operand.id)));
    e.kids = {operand.id};
    return {add(std::move(e)), false};
  }
  return parse_expression_atom();
}

Parser::Parsed Parser::parse_expression_atom() {
  const Token& t = peek();
  const ast::Span start = t.span;
  switch (t.kind) {
    case Tok::kTrue:
    case Tok::kFalse: {
      const Token v = advance();
      return {add(node(v.kind == Tok::kTrue ? ExprKind::kTrue : ExprKind::kFalse, v.span)),
              false};
    }
    case Tok::kStringId: return {parse_string_ref(), false};
    case Tok::kFor: return {parse_for(), false};
    case Tok::kAll:
    case Tok::kAny:
    case Tok::kNone: {
      const Tok q = advance().kind;
      expect(Tok::kOf, "<of>");
      const ast::Quantifier quantifier = q == Tok::kAll   ? ast::Quantifier::kAll
                                         : q == Tok::kAny ? ast::Quantifier::kAny
                                                          : ast::Quantifier::kNone;
      return {parse_of(quantifier, ast::kNoExpr, start), false};
    }
    case Tok::kLParen: {
      // Either `( expression )` or `( primary )`; yara prefers the primary reading, so a
      // parenthesised primary can go on as an operand.
      advance();
      const Parsed inner = parse_or();
      expect(Tok::kRParen, "')'");
      if (!inner.primary) return inner;
      const ast::ExprId primary = parse_binary(inner.id, 0, true);
      return parse_after_primary(primary, start);
    }
    default: {
      const ast::ExprId primary = parse_primary(true);
      return parse_after_primary(primary, start);
    }
  }
}

Parser::Parsed Parser::parse_after_primary(ast::ExprId primary, const ast::Span& start) {
  const Tok tok = peek().kind;
  if (const auto op = comparison_op(tok)) {
    advance();
    const ast::ExprId rhs = parse_primary(false);
    ast::Expr e = node(*op, join(span_of(primary), span_of(rhs)));
    e.kids = {primary, rhs};
    return {add(std::move(e)), false};
  }
  if (tok == Tok::kMatches) {
    advance();
    const Token re = expect(Tok::kRegex, "regular expression");
    ast::Expr r = node(ExprKind::kRegexp, re.span);
    r.text = re.text;
    r.regex_flags = re.regex_flags;
    const ast::ExprId rid = add(std::move(r));
    ast::Expr e = node(ExprKind::kMatches, join(span_of(primary), re.span));
    e.kids = {primary, rid};
    return {add(std::move(e)), false};
  }
  if (tok == Tok::kOf) {
    advance();
    return {parse_of(ast::Quantifier::kCount, primary, start), false};
  }
  if (tok == Tok::kPercent && peek(1).kind == Tok::kOf) {
    advance();
    advance();
    return {parse_of(ast::Quantifier::kPercent, primary, start), false};
  }
  return {primary, true};
}

ast::ExprId Parser::parse_primary(bool allow_percent_of) {
  return parse_binary(parse_unary(), 0, allow_percent_of);
}

// Precedence climbing over the primary operators. `top_level` is true only for the operand
// that may be followed by `% of` (yara's `primary_expression '%' _OF_`): anywhere else a
// `%` followed by `of` is a syntax error, as in yara's LALR parser.
ast::ExprId Parser::parse_binary(ast::ExprId left, int min_prec, bool top_level) {
  while (true) {
    const auto op = binary_op(peek().kind);
    if (!op || op->prec < min_prec) return left;
    if (op->kind == ExprKind::kMod && peek(1).kind == Tok::kOf) {
      if (top_level) return left;
      fail_unexpected(peek(1));
    }
    advance();
    const ast::ExprId right = parse_binary(parse_unary(), op->prec + 1, false);
    ast::Expr e = node(op->kind, join(span_of(left), span_of(right)));
    e.kids = {left, right};
    left = add(std::move(e));
  }
}

ast::ExprId Parser::parse_unary() {
  enter();
  DepthGuard guard(depth_);
  if (at(Tok::kMinus) || at(Tok::kTilde)) {
    const Token op = advance();
    const ast::ExprId operand = parse_unary();
    ast::Expr e = node(op.kind == Tok::kMinus ? ExprKind::kNeg : ExprKind::kBitNot,
                       join(op.span, span_of(operand)));
    e.kids = {operand};
    return add(std::move(e));
  }
  return parse_primary_atom();
}

ast::ExprId Parser::parse_primary_atom() {
  const Token& t = peek();
  switch (t.kind) {
    case Tok::kLParen: {
      advance();
      const ast::ExprId inner = parse_primary(false);
      expect(Tok::kRParen, "')'");
      return inner;
    }
    case Tok::kFilesize: return add(node(ExprKind::kFilesize, advance().span));
    case Tok::kEntrypoint: return add(node(ExprKind::kEntrypoint, advance().span));
    case Tok::kIntFunction: {
      const Token fn = advance();
      expect(Tok::kLParen, "'('");
      const ast::ExprId offset = parse_primary(false);
      expect(Tok::kRParen, "')'");
      ast::Expr e = node(ExprKind::kIntRead, join(fn.span, last_span_));
      e.reader = fn.reader;
      e.kids = {offset};
      return add(std::move(e));
    }
    case Tok::kInteger: {
      const Token v = advance();
      ast::Expr e = node(ExprKind::kInteger, v.span);
      e.int_value = v.int_value;
      return add(std::move(e));
    }
    case Tok::kFloat: {
      const Token v = advance();
      ast::Expr e = node(ExprKind::kFloat, v.span);
      e.float_value = v.float_value;
      return add(std::move(e));
    }
    case Tok::kText: {
      const Token v = advance();
      ast::Expr e = node(ExprKind::kText, v.span);
      e.text = v.text;
      return add(std::move(e));
    }
    case Tok::kRegex: {
      const Token v = advance();
      ast::Expr e = node(ExprKind::kRegexp, v.span);
      e.text = v.text;
      e.regex_flags = v.regex_flags;
      return add(std::move(e));
    }
    case Tok::kStringCount: {
      const Token v = advance();
      if (accept(Tok::kIn)) {
        const ast::ExprId range = parse_range();
        ast::Expr e = node(ExprKind::kStringCountIn, join(v.span, last_span_));
        e.text = v.text;
        e.kids = {range};
        return add(std::move(e));
      }
      ast::Expr e = node(ExprKind::kStringCount, v.span);
      e.text = v.text;
      return add(std::move(e));
    }
    case Tok::kStringOffset:
    case Tok::kStringLength: {
      const Token v = advance();
      ast::Expr e = node(
          v.kind == Tok::kStringOffset ? ExprKind::kStringOffset : ExprKind::kStringLength,
          v.span);
      e.text = v.text;
      if (accept(Tok::kLBracket)) {
        e.kids = {parse_primary(false)};
        expect(Tok::kRBracket, "']'");
        e.span = join(v.span, last_span_);
      }
      return add(std::move(e));
    }
    case Tok::kIdentifier: return parse_identifier_chain();
    default: fail_unexpected(t);
  }
}

ast::ExprId Parser::parse_identifier_chain() {
  const Token name = expect(Tok::kIdentifier, "identifier");
  ast::Expr first = node(ExprKind::kIdentifier, name.span);
  first.text = name.text;
  ast::ExprId current = add(std::move(first));
  while (true) {
    if (accept(Tok::kDot)) {
      const Token field = expect(Tok::kIdentifier, "identifier");
      ast::Expr e = node(ExprKind::kField, join(name.span, field.span));
      e.text = field.text;
      e.kids = {current};
      current = add(std::move(e));
    } else if (accept(Tok::kLBracket)) {
      const ast::ExprId index = parse_primary(false);
      expect(Tok::kRBracket, "']'");
      ast::Expr e = node(ExprKind::kIndex, join(name.span, last_span_));
      e.kids = {current, index};
      current = add(std::move(e));
    } else if (accept(Tok::kLParen)) {
      std::vector<ast::ExprId> kids{current};
      if (!at(Tok::kRParen)) {
        do {
          kids.push_back(parse_or().id);
        } while (accept(Tok::kComma));
      }
      expect(Tok::kRParen, "')'");
      ast::Expr e = node(ExprKind::kCall, join(name.span, last_span_));
      e.kids = std::move(kids);
      current = add(std::move(e));
    } else {
      return current;
    }
  }
}

ast::ExprId Parser::parse_range() {
  const Token open = expect(Tok::kLParen, "'('");
  const ast::ExprId lo = parse_primary(false);
  expect(Tok::kDotDot, "'..'");
  const ast::ExprId hi = parse_primary(false);
  expect(Tok::kRParen, "')'");
  ast::Expr e = node(ExprKind::kRange, join(open.span, last_span_));
  e.kids = {lo, hi};
  return add(std::move(e));
}

ast::ExprId Parser::parse_string_ref() {
  const Token id = advance();
  if (accept(Tok::kAt)) {
    const ast::ExprId offset = parse_primary(false);
    ast::Expr e = node(ExprKind::kStringAt, join(id.span, span_of(offset)));
    e.text = id.text;
    e.kids = {offset};
    return add(std::move(e));
  }
  if (accept(Tok::kIn)) {
    const ast::ExprId range = parse_range();
    ast::Expr e = node(ExprKind::kStringIn, join(id.span, last_span_));
    e.text = id.text;
    e.kids = {range};
    return add(std::move(e));
  }
  ast::Expr e = node(ExprKind::kStringMatch, id.span);
  e.text = id.text;
  return add(std::move(e));
}

ast::ExprId Parser::parse_string_set(bool allow_rule_set) {
  if (at(Tok::kThem)) {
    ast::Expr e = node(ExprKind::kStringSet, advance().span);
    e.set_is_them = true;
    return add(std::move(e));
  }
  const Token open = expect(Tok::kLParen, "'(' or <them>");
  const bool rules = allow_rule_set && at(Tok::kIdentifier);
  std::vector<ast::ExprId> items;
  do {
    if (rules) {
      const Token name = expect(Tok::kIdentifier, "identifier");
      ast::Expr item = node(ExprKind::kRuleSetItem, name.span);
      item.text = name.text;
      if (accept(Tok::kStar)) {
        item.text += '*';
        item.span = join(name.span, last_span_);
      }
      items.push_back(add(std::move(item)));
    } else {
      const Token& t = peek();
      if (t.kind != Tok::kStringId && t.kind != Tok::kStringIdWildcard) {
        fail_unexpected(t, "string identifier");
      }
      const Token id = advance();
      ast::Expr item = node(ExprKind::kStringSetItem, id.span);
      item.text = id.text;
      items.push_back(add(std::move(item)));
    }
  } while (accept(Tok::kComma));
  expect(Tok::kRParen, "')'");
  ast::Expr e = node(rules ? ExprKind::kRuleSet : ExprKind::kStringSet,
                     join(open.span, last_span_));
  e.kids = std::move(items);
  return add(std::move(e));
}

ast::ExprId Parser::parse_of(ast::Quantifier q, ast::ExprId count, const ast::Span& start) {
  const ast::ExprId set = parse_string_set(true);
  ast::Expr e = node(ExprKind::kOf, start);
  e.quantifier = q;
  ast::ExprId anchor = ast::kNoExpr;
  // yara 4.2.3 has `Q of STRINGS in (L..H)` but not for rule sets nor for `N% of`.
  if (unit_.exprs[set].kind == ExprKind::kStringSet && q != ast::Quantifier::kPercent &&
      accept(Tok::kIn)) {
    anchor = parse_range();
    e.of_anchor = ast::OfAnchor::kIn;
  }
  e.span = join(start, last_span_);
  e.kids = {count, set, anchor};
  return add(std::move(e));
}

ast::ExprId Parser::parse_for() {
  const Token keyword = advance();
  ast::Quantifier q = ast::Quantifier::kCount;
  ast::ExprId count = ast::kNoExpr;
  switch (peek().kind) {
    case Tok::kAll: q = ast::Quantifier::kAll; advance(); break;
    case Tok::kAny: q = ast::Quantifier::kAny; advance(); break;
    case Tok::kNone: q = ast::Quantifier::kNone; advance(); break;
    default: count = parse_primary(false); break;
  }
  if (accept(Tok::kOf)) {
    const ast::ExprId set = parse_string_set(false);
    expect(Tok::kColon, "':'");
    expect(Tok::kLParen, "'('");
    const ast::ExprId body = parse_or().id;
    expect(Tok::kRParen, "')'");
    ast::Expr e = node(ExprKind::kForOf, join(keyword.span, last_span_));
    e.quantifier = q;
    e.kids = {count, set, body};
    return add(std::move(e));
  }
  ast::Expr e = node(ExprKind::kForIn, keyword.span);
  e.quantifier = q;
  do {
    e.loop_vars.push_back(expect(Tok::kIdentifier, "identifier or <of>").text);
  } while (accept(Tok::kComma));
  expect(Tok::kIn, "<in>");
  ast::ExprId iterable;
  if (at(Tok::kLParen)) {
    const Token open = advance();
    const ast::ExprId first = parse_primary(false);
    if (accept(Tok::kDotDot)) {
      const ast::ExprId hi = parse_primary(false);
      expect(Tok::kRParen, "')'");
      ast::Expr r = node(ExprKind::kRange, join(open.span, last_span_));
      r.kids = {first, hi};
      iterable = add(std::move(r));
    } else {
      std::vector<ast::ExprId> items{first};
      while (accept(Tok::kComma)) items.push_back(parse_primary(false));
      expect(Tok::kRParen, "')'");
      ast::Expr en = node(ExprKind::kEnumeration, join(open.span, last_span_));
      en.kids = std::move(items);
      iterable = add(std::move(en));
    }
  } else {
    iterable = parse_identifier_chain();
  }
  expect(Tok::kColon, "':'");
  expect(Tok::kLParen, "'('");
  const ast::ExprId body = parse_or().id;
  expect(Tok::kRParen, "')'");
  e.span = join(keyword.span, last_span_);
  e.kids = {count, iterable, body};
  return add(std::move(e));
}

}  // namespace yarrow::parse
