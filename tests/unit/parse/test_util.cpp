#include "test_util.h"

namespace yarrow::parse::testing {
namespace {

using ast::ExprKind;

const char* kind_name(ExprKind k) {
  switch (k) {
    case ExprKind::kTrue: return "true";
    case ExprKind::kFalse: return "false";
    case ExprKind::kFilesize: return "filesize";
    case ExprKind::kEntrypoint: return "entrypoint";
    case ExprKind::kField: return "field";
    case ExprKind::kIndex: return "index";
    case ExprKind::kCall: return "call";
    case ExprKind::kIntRead: return "read";
    case ExprKind::kStringMatch: return "match";
    case ExprKind::kStringAt: return "at";
    case ExprKind::kStringIn: return "in";
    case ExprKind::kStringCount: return "count";
    case ExprKind::kStringCountIn: return "count-in";
    case ExprKind::kStringOffset: return "offset";
    case ExprKind::kStringLength: return "length";
    case ExprKind::kRange: return "range";
    case ExprKind::kNot: return "not";
    case ExprKind::kNeg: return "neg";
    case ExprKind::kBitNot: return "~";
    case ExprKind::kDefined: return "defined";
    case ExprKind::kAnd: return "and";
    case ExprKind::kOr: return "or";
    case ExprKind::kLt: return "<";
    case ExprKind::kLe: return "<=";
    case ExprKind::kGt: return ">";
    case ExprKind::kGe: return ">=";
    case ExprKind::kEq: return "==";
    case ExprKind::kNe: return "!=";
    case ExprKind::kAdd: return "+";
    case ExprKind::kSub: return "-";
    case ExprKind::kMul: return "*";
    case ExprKind::kDiv: return "\\";
    case ExprKind::kMod: return "%";
    case ExprKind::kBitAnd: return "&";
    case ExprKind::kBitOr: return "|";
    case ExprKind::kBitXor: return "^";
    case ExprKind::kShl: return "<<";
    case ExprKind::kShr: return ">>";
    case ExprKind::kContains: return "contains";
    case ExprKind::kIContains: return "icontains";
    case ExprKind::kStartsWith: return "startswith";
    case ExprKind::kIStartsWith: return "istartswith";
    case ExprKind::kEndsWith: return "endswith";
    case ExprKind::kIEndsWith: return "iendswith";
    case ExprKind::kIEquals: return "iequals";
    case ExprKind::kMatches: return "matches";
    case ExprKind::kOf: return "of";
    case ExprKind::kStringSet: return "strings";
    case ExprKind::kRuleSet: return "rules";
    case ExprKind::kForOf: return "for-of";
    case ExprKind::kForIn: return "for-in";
    case ExprKind::kEnumeration: return "enum";
    default: return "?";
  }
}

const char* quantifier_name(ast::Quantifier q) {
  switch (q) {
    case ast::Quantifier::kAll: return "all";
    case ast::Quantifier::kAny: return "any";
    case ast::Quantifier::kNone: return "none";
    case ast::Quantifier::kCount: return "count";
    case ast::Quantifier::kPercent: return "percent";
  }
  return "?";
}

}  // namespace

std::string sexpr(const ast::Unit& unit, ast::ExprId id) {
  if (id == ast::kNoExpr) return "-";
  const ast::Expr& e = unit.at(id);
  switch (e.kind) {
    case ExprKind::kInteger: return std::to_string(e.int_value);
    case ExprKind::kFloat: {
      std::string s = std::to_string(e.float_value);
      while (s.size() > 1 && s.back() == '0') s.pop_back();
      return s;
    }
    case ExprKind::kText: return "\"" + e.text + "\"";
    case ExprKind::kRegexp: {
      std::string s = "/" + e.text + "/";
      if (e.regex_flags & ast::kRegexNocase) s += 'i';
      if (e.regex_flags & ast::kRegexDotAll) s += 's';
      return s;
    }
    case ExprKind::kIdentifier: return e.text;
    case ExprKind::kStringSetItem:
    case ExprKind::kRuleSetItem: return e.text;
    case ExprKind::kStringMatch: return e.text;
    case ExprKind::kStringCount: return e.text;
    default: break;
  }
  std::string out = "(";
  out += kind_name(e.kind);
  if (e.kind == ExprKind::kOf || e.kind == ExprKind::kForOf || e.kind == ExprKind::kForIn) {
    out += std::string(" ") + quantifier_name(e.quantifier);
  }
  if (e.kind == ExprKind::kForIn) {
    for (const auto& v : e.loop_vars) out += " " + v;
  }
  if (e.kind == ExprKind::kField) out += " ." + e.text;
  if (e.kind == ExprKind::kStringSet && e.set_is_them) out += " them";
  if (e.kind == ExprKind::kIntRead) out += " " + std::to_string(static_cast<int>(e.reader));
  if (!e.text.empty() && e.kind != ExprKind::kField) out += " " + e.text;
  for (ast::ExprId kid : e.kids) out += " " + sexpr(unit, kid);
  out += ")";
  return out;
}

std::string cond(const std::string& condition) {
  Parsed p = parse("rule r { condition: " + condition + " }");
  if (!p.ok) return "ERR: " + p.first_error();
  return sexpr(p.unit, p.rule().condition);
}

std::string cond_s(const std::string& condition) {
  Parsed p = parse("rule r { strings: $a = \"a\" $b = \"b\" condition: " + condition + " }");
  if (!p.ok) return "ERR: " + p.first_error();
  return sexpr(p.unit, p.rule().condition);
}

}  // namespace yarrow::parse::testing
