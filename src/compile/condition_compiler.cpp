#include "compile/condition_compiler.h"

#include <limits>

#include "compile/limits.h"

namespace yarrow::compile {

using ast::ExprKind;
using detail::Node;
using detail::Op;
using detail::ValueType;

void locate(const ast::Unit& unit, const ast::Span& span, Diagnostic& d) {
  if (span.file >= unit.files.size()) return;
  const ast::SourceFile& f = unit.files[span.file];
  d.file = f.path;
  auto [line, col] = f.line_col(span.begin);
  d.line = line;
  d.column = col;
}

ConditionCompiler::ConditionCompiler(const ast::Unit& unit, detail::CompiledRules& out,
                                     Diagnostics& diags, const ConditionEnv& env)
    : unit_(unit), out_(out), diags_(diags), env_(env) {}

std::optional<uint32_t> ConditionCompiler::compile(const ast::Rule& rule, uint32_t first_string,
                                                   std::vector<StringUse>& uses) {
  rule_ = &rule;
  first_string_ = first_string;
  uses.assign(rule.strings.size(), StringUse{});
  uses_ = &uses;
  loops_.clear();
  next_slot_ = 0;
  try {
    if (rule.condition == ast::kNoExpr) fail(rule.span, "E200", "syntax error");
    return boolean(rule.condition);
  } catch (const Failed&) {
    return std::nullopt;
  }
}

void ConditionCompiler::fail(const ast::Span& span, const std::string& code,
                             const std::string& message) {
  Diagnostic d;
  d.code = code;
  d.message = message;
  d.rule = rule_ ? rule_->name : "";
  locate(unit_, span, d);
  diags_.push_back(std::move(d));
  throw Failed{};
}

void ConditionCompiler::warn(const ast::Span& span, const std::string& code,
                             const std::string& message) {
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = code;
  d.message = message;
  d.rule = rule_ ? rule_->name : "";
  locate(unit_, span, d);
  diags_.push_back(std::move(d));
}

const char* ConditionCompiler::kind_name(Kind k) {
  switch (k) {
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kObject: return "object";
  }
  return "?";
}


uint32_t ConditionCompiler::emit(Node node, std::initializer_list<uint32_t> kids) {
  node.kids_begin = static_cast<uint32_t>(out_.kids.size());
  node.kid_count = static_cast<uint32_t>(kids.size());
  out_.kids.insert(out_.kids.end(), kids.begin(), kids.end());
  out_.nodes.push_back(node);
  return static_cast<uint32_t>(out_.nodes.size() - 1);
}

uint32_t ConditionCompiler::emit_kids(Node node, const std::vector<uint32_t>& kids) {
  node.kids_begin = static_cast<uint32_t>(out_.kids.size());
  node.kid_count = static_cast<uint32_t>(kids.size());
  out_.kids.insert(out_.kids.end(), kids.begin(), kids.end());
  out_.nodes.push_back(node);
  return static_cast<uint32_t>(out_.nodes.size() - 1);
}

static Node make(Op op, ValueType type) {
  Node n;
  n.op = op;
  n.type = type;
  return n;
}

uint32_t ConditionCompiler::to_float(const Typed& t) {
  if (t.kind == Kind::kFloat) return t.node;
  return emit(make(Op::kIntToFloat, ValueType::kFloat), {t.node});
}

ConditionCompiler::Typed ConditionCompiler::primary(ast::ExprId id) {
  Typed t = expr(id);
  if (!t.primary) fail(unit_.at(id).span, "E200", "syntax error");
  return t;
}

uint32_t ConditionCompiler::boolean(ast::ExprId id) {
  Typed t = expr(id);
  if (t.kind == Kind::kString) {
    if (t.literal_string) {
      warn(unit_.at(id).span, "W200",
           "using literal string \"" + unit_.at(id).text + "\" in a boolean operation");
    }
    return emit(make(Op::kStrToBool, ValueType::kBool), {t.node});
  }
  return t.node;
}

ConditionCompiler::Typed ConditionCompiler::int_operand(ast::ExprId id, const char* op) {
  Typed t = primary(id);
  if (t.kind != Kind::kInt) {
    fail(unit_.at(id).span, "E209",
         std::string("wrong type \"") + kind_name(t.kind) + "\" for " + op + " operator");
  }
  return t;
}

ConditionCompiler::Typed ConditionCompiler::expr(ast::ExprId id) {
  const ast::Expr& e = unit_.at(id);
  Typed t;
  switch (e.kind) {
    case ExprKind::kTrue:
    case ExprKind::kFalse: {
      Node n = make(Op::kConstInt, ValueType::kBool);
      n.ival = e.kind == ExprKind::kTrue;
      t.node = emit(n);
      t.kind = Kind::kBool;
      t.primary = false;
      return t;
    }
    case ExprKind::kInteger: {
      Node n = make(Op::kConstInt, ValueType::kInt);
      n.ival = e.int_value;
      t.node = emit(n);
      t.kind = Kind::kInt;
      t.constant = e.int_value;
      return t;
    }
    case ExprKind::kFloat: {
      Node n = make(Op::kConstFloat, ValueType::kFloat);
      n.fval = e.float_value;
      t.node = emit(n);
      t.kind = Kind::kFloat;
      return t;
    }
    case ExprKind::kText: {
      Node n = make(Op::kConstString, ValueType::kString);
      n.index = static_cast<uint32_t>(out_.literals.size());
      out_.literals.push_back(e.text);
      t.node = emit(n);
      t.kind = Kind::kString;
      t.literal_string = true;
      return t;
    }
    case ExprKind::kRegexp:
      fail(e.span, "E200", "syntax error");
    case ExprKind::kFilesize:
      t.node = emit(make(Op::kFilesize, ValueType::kInt));
      t.kind = Kind::kInt;
      return t;
    case ExprKind::kEntrypoint:
      warn(e.span, "W201",
           "Using deprecated \"entrypoint\" keyword. Use the \"entry_point\" function from PE "
           "module instead");
      t.node = emit(make(Op::kEntrypoint, ValueType::kInt));
      t.kind = Kind::kInt;
      return t;
    case ExprKind::kIdentifier:
    case ExprKind::kField:
    case ExprKind::kIndex:
    case ExprKind::kCall:
      return module_value(id);
    case ExprKind::kIntRead: {
      Typed off = primary(e.kids.at(0));
      if (off.kind != Kind::kInt) {
        fail(unit_.at(e.kids[0]).span, "E209",
             std::string("wrong type \"") + kind_name(off.kind) +
                 "\" for intXXXX or uintXXXX operator");
      }
      Node n = make(Op::kIntRead, ValueType::kInt);
      n.aux = static_cast<uint8_t>(e.reader);
      t.node = emit(n, {off.node});
      t.kind = Kind::kInt;
      return t;
    }
    case ExprKind::kStringMatch:
    case ExprKind::kStringAt:
    case ExprKind::kStringIn:
    case ExprKind::kStringCount:
    case ExprKind::kStringCountIn:
    case ExprKind::kStringOffset:
    case ExprKind::kStringLength:
      return string_ref(e);
    case ExprKind::kRange:
    case ExprKind::kStringSet:
    case ExprKind::kStringSetItem:
    case ExprKind::kRuleSet:
    case ExprKind::kRuleSetItem:
    case ExprKind::kEnumeration:
      fail(e.span, "E200", "syntax error");
    case ExprKind::kNot: {
      uint32_t k = boolean(e.kids.at(0));
      t.node = emit(make(Op::kNot, ValueType::kBool), {k});
      t.primary = false;
      return t;
    }
    case ExprKind::kDefined: {
      uint32_t k = boolean(e.kids.at(0));
      t.node = emit(make(Op::kDefined, ValueType::kBool), {k});
      t.primary = false;
      return t;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      uint32_t a = boolean(e.kids.at(0));
      uint32_t b = boolean(e.kids.at(1));
      t.node = emit(make(e.kind == ExprKind::kAnd ? Op::kAnd : Op::kOr, ValueType::kBool), {a, b});
      t.primary = false;
      return t;
    }
    case ExprKind::kNeg: {
      Typed a = primary(e.kids.at(0));
      if (a.kind != Kind::kInt && a.kind != Kind::kFloat) {
        fail(unit_.at(e.kids[0]).span, "E209",
             std::string("wrong type \"") + kind_name(a.kind) + "\" for - operator");
      }
      Node n = make(Op::kNeg, a.kind == Kind::kInt ? ValueType::kInt : ValueType::kFloat);
      t.node = emit(n, {a.node});
      t.kind = a.kind;
      // Negation wraps like yara's (INT64_MIN stays INT64_MIN).
      if (a.constant) t.constant = static_cast<int64_t>(0 - static_cast<uint64_t>(*a.constant));
      return t;
    }
    case ExprKind::kBitNot: {
      Typed a = int_operand(e.kids.at(0), "~");
      t.node = emit(make(Op::kBitNot, ValueType::kInt), {a.node});
      t.kind = Kind::kInt;
      if (a.constant) t.constant = ~*a.constant;
      return t;
    }
    case ExprKind::kLt:
    case ExprKind::kLe:
    case ExprKind::kGt:
    case ExprKind::kGe:
    case ExprKind::kEq:
    case ExprKind::kNe:
      return comparison(e);
    case ExprKind::kAdd:
    case ExprKind::kSub:
    case ExprKind::kMul:
    case ExprKind::kDiv:
      return arithmetic(e);
    case ExprKind::kMod:
    case ExprKind::kBitAnd:
    case ExprKind::kBitOr:
    case ExprKind::kBitXor:
    case ExprKind::kShl:
    case ExprKind::kShr:
      return bitwise(e);
    case ExprKind::kContains:
    case ExprKind::kIContains:
    case ExprKind::kStartsWith:
    case ExprKind::kIStartsWith:
    case ExprKind::kEndsWith:
    case ExprKind::kIEndsWith:
    case ExprKind::kIEquals:
    case ExprKind::kMatches:
      return string_operator(e);
    case ExprKind::kOf:
      return of_expr(e);
    case ExprKind::kForOf:
      return for_of(e);
    case ExprKind::kForIn:
      return for_in(e);
  }
  fail(e.span, "E200", "syntax error");
}

ConditionCompiler::Typed ConditionCompiler::arithmetic(const ast::Expr& e) {
  Typed a = primary(e.kids.at(0));
  Typed b = primary(e.kids.at(1));
  auto numeric = [](Kind k) { return k == Kind::kInt || k == Kind::kFloat; };
  if (!numeric(a.kind) || !numeric(b.kind)) fail(e.span, "E208", "type mismatch");
  Op op = e.kind == ExprKind::kAdd   ? Op::kAdd
          : e.kind == ExprKind::kSub ? Op::kSub
          : e.kind == ExprKind::kMul ? Op::kMul
                                     : Op::kDiv;
  Typed t;
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) {
    if (op == Op::kDiv && b.constant && *b.constant == 0) {
      fail(e.span, "E210", "division by zero");
    }
    if (a.constant && b.constant) {
      int64_t x = *a.constant, y = *b.constant, r = 0;
      bool overflow = false;
      const char* sym = "+";
      switch (op) {
        case Op::kAdd: overflow = __builtin_add_overflow(x, y, &r); break;
        case Op::kSub: overflow = __builtin_sub_overflow(x, y, &r); sym = "-"; break;
        case Op::kMul: overflow = __builtin_mul_overflow(x, y, &r); sym = "*"; break;
        default:
          // INT64_MIN \ -1 crashes yara at compile time; here it stays a run-time value
          // (undefined), see docs/differences.md.
          if (!(x == std::numeric_limits<int64_t>::min() && y == -1)) t.constant = x / y;
          break;
      }
      if (overflow) {
        fail(e.span, "E211",
             "integer overflow in \"" + std::to_string(x) + " " + sym + " " + std::to_string(y) +
                 "\"");
      }
      if (op != Op::kDiv) t.constant = r;
    }
    t.node = emit(make(op, ValueType::kInt), {a.node, b.node});
    t.kind = Kind::kInt;
    return t;
  }
  uint32_t fa = to_float(a), fb = to_float(b);
  t.node = emit(make(op, ValueType::kFloat), {fa, fb});
  t.kind = Kind::kFloat;
  return t;
}

ConditionCompiler::Typed ConditionCompiler::bitwise(const ast::Expr& e) {
  const char* sym = "%";
  Op op = Op::kMod;
  switch (e.kind) {
    case ExprKind::kMod: sym = "%"; op = Op::kMod; break;
    case ExprKind::kBitAnd: sym = "&"; op = Op::kBitAnd; break;
    case ExprKind::kBitOr: sym = "|"; op = Op::kBitOr; break;
    case ExprKind::kBitXor: sym = "^"; op = Op::kBitXor; break;
    case ExprKind::kShl: sym = "<<"; op = Op::kShl; break;
    default: sym = ">>"; op = Op::kShr; break;
  }
  Typed a = int_operand(e.kids.at(0), sym);
  Typed b = int_operand(e.kids.at(1), sym);
  Typed t;
  if (op == Op::kMod && b.constant && *b.constant == 0) fail(e.span, "E210", "division by zero");
  if ((op == Op::kShl || op == Op::kShr) && b.constant && *b.constant < 0) {
    fail(e.span, "E212", "negative shift amount");
  }
  if (a.constant && b.constant) {
    int64_t x = *a.constant, y = *b.constant;
    switch (op) {
      case Op::kMod:
        if (!(x == std::numeric_limits<int64_t>::min() && y == -1)) t.constant = x % y;
        break;
      case Op::kBitAnd: t.constant = x & y; break;
      case Op::kBitOr: t.constant = x | y; break;
      case Op::kBitXor: t.constant = x ^ y; break;
      case Op::kShl:
        t.constant = y >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(x) << y);
        break;
      default: t.constant = y >= 64 ? 0 : x >> y; break;
    }
  }
  t.node = emit(make(op, ValueType::kInt), {a.node, b.node});
  t.kind = Kind::kInt;
  return t;
}

ConditionCompiler::Typed ConditionCompiler::comparison(const ast::Expr& e) {
  Typed a = primary(e.kids.at(0));
  Typed b = primary(e.kids.at(1));
  Op op = Op::kEq;
  switch (e.kind) {
    case ExprKind::kLt: op = Op::kLt; break;
    case ExprKind::kLe: op = Op::kLe; break;
    case ExprKind::kGt: op = Op::kGt; break;
    case ExprKind::kGe: op = Op::kGe; break;
    case ExprKind::kEq: op = Op::kEq; break;
    default: op = Op::kNe; break;
  }
  auto numeric = [](Kind k) { return k == Kind::kInt || k == Kind::kFloat; };
  Typed t;
  t.primary = false;
  if (a.kind == Kind::kString && b.kind == Kind::kString) {
    t.node = emit(make(op, ValueType::kBool), {a.node, b.node});
  } else if (a.kind == Kind::kInt && b.kind == Kind::kInt) {
    t.node = emit(make(op, ValueType::kBool), {a.node, b.node});
  } else if (numeric(a.kind) && numeric(b.kind)) {
    uint32_t fa = to_float(a), fb = to_float(b);
    t.node = emit(make(op, ValueType::kBool), {fa, fb});
  } else {
    fail(e.span, "E208", "type mismatch");
  }
  return t;
}

ConditionCompiler::Typed ConditionCompiler::string_operator(const ast::Expr& e) {
  const char* name = "contains";
  Op op = Op::kContains;
  switch (e.kind) {
    case ExprKind::kContains: name = "contains"; op = Op::kContains; break;
    case ExprKind::kIContains: name = "icontains"; op = Op::kIContains; break;
    case ExprKind::kStartsWith: name = "startswith"; op = Op::kStartsWith; break;
    case ExprKind::kIStartsWith: name = "istartswith"; op = Op::kIStartsWith; break;
    case ExprKind::kEndsWith: name = "endswith"; op = Op::kEndsWith; break;
    case ExprKind::kIEndsWith: name = "iendswith"; op = Op::kIEndsWith; break;
    case ExprKind::kIEquals: name = "iequals"; op = Op::kIEquals; break;
    default: name = "matches"; op = Op::kMatches; break;
  }
  Typed a = primary(e.kids.at(0));
  if (a.kind != Kind::kString) {
    fail(unit_.at(e.kids[0]).span, "E209",
         std::string("wrong type \"") + kind_name(a.kind) + "\" for " + name + " operator");
  }
  Typed t;
  t.primary = false;
  if (op == Op::kMatches) {
    const ast::Expr& re = unit_.at(e.kids.at(1));
    if (re.kind != ExprKind::kRegexp) fail(re.span, "E200", "syntax error");
    detail::CompiledRegex cr;
    cr.source = re.text;
    cr.nocase = (re.regex_flags & ast::kRegexNocase) != 0;
    cr.dotall = (re.regex_flags & ast::kRegexDotAll) != 0;
    std::string error;
    cr.regex = regex::Regex::compile(cr.source, cr.nocase, cr.dotall, error);
    if (!cr.regex) fail(re.span, "E223", "invalid regular expression: " + error);
    Node n = make(Op::kMatches, ValueType::kBool);
    n.index = static_cast<uint32_t>(out_.regexes.size());
    out_.regexes.push_back(std::move(cr));
    t.node = emit(n, {a.node});
    return t;
  }
  Typed b = primary(e.kids.at(1));
  if (b.kind != Kind::kString) {
    fail(unit_.at(e.kids[1]).span, "E209",
         std::string("wrong type \"") + kind_name(b.kind) + "\" for " + name + " operator");
  }
  t.node = emit(make(op, ValueType::kBool), {a.node, b.node});
  return t;
}

ConditionCompiler::Typed ConditionCompiler::identifier(const ast::Expr& e) {
  Typed t;
  // Loop variables shadow externals and rules, innermost first.
  for (size_t l = loops_.size(); l-- > 0;) {
    const Loop& loop = loops_[l];
    for (size_t v = 0; v < loop.vars.size(); ++v) {
      const LoopVar& var = loop.vars[v];
      if (var.name != e.text) continue;
      static constexpr ValueType kTypes[] = {ValueType::kBool, ValueType::kInt, ValueType::kFloat,
                                             ValueType::kString, ValueType::kObject};
      Node n = make(Op::kLoopVar, kTypes[static_cast<int>(var.kind)]);
      n.slot = loop.first_slot + static_cast<uint32_t>(v);
      t.node = emit(n);
      t.kind = var.kind;
      t.module = var.module;
      t.field = var.field;
      t.name = var.name;
      return t;
    }
  }
  if (auto ext = env_.find_external(e.text)) {
    const Value& v = out_.externals[*ext].value;
    Node n = make(Op::kExternal, ValueType::kInt);
    n.index = *ext;
    // Boolean externals are integers in yara (so `flag + 1` is valid).
    if (std::holds_alternative<double>(v)) {
      n.type = ValueType::kFloat;
      t.kind = Kind::kFloat;
    } else if (std::holds_alternative<std::string>(v)) {
      n.type = ValueType::kString;
      t.kind = Kind::kString;
    } else {
      t.kind = Kind::kInt;
    }
    t.node = emit(n);
    return t;
  }
  if (auto module = env_.find_module(e.text)) {
    Node n = make(Op::kModuleRoot, ValueType::kObject);
    n.index = *module;
    t.node = emit(n);
    t.kind = Kind::kObject;
    t.module = *module;
    t.field = 0;
    t.name = e.text;
    return t;
  }
  if (auto rule = env_.find_rule(e.text)) {
    Node n = make(Op::kRuleRef, ValueType::kBool);
    n.index = *rule;
    t.node = emit(n);
    t.kind = Kind::kBool;
    return t;
  }
  fail(e.span, "E201", "undefined identifier \"" + e.text + "\"");
}

}  // namespace yarrow::compile
