// Module expressions: identifiers that name modules (or loop variables holding module objects),
// field access, array indexing, dictionary lookup, function calls and loops over module
// containers. Everything is type-checked against the module's Schema here, with yara 4.2.3's
// messages, and lowered to member positions so the evaluator never compares names.
#include "compile/condition_compiler.h"
#include "modules/module.h"

namespace yarrow::compile {

using ast::ExprKind;
using detail::Node;
using detail::Op;
using detail::ValueType;
using modules::Type;

namespace {


const modules::Schema& schema_of(const detail::CompiledRules& out, uint32_t module) {
  return modules::find_module(out.imports[module])->schema();
}

}  // namespace

// A declaration's value type: scalars read their value, everything else stays an object.
static ValueType value_type(Type t) {
  switch (t) {
    case Type::kInteger: return ValueType::kInt;
    case Type::kFloat: return ValueType::kFloat;
    case Type::kString: return ValueType::kString;
    default: return ValueType::kObject;
  }
}

ConditionCompiler::Typed ConditionCompiler::typed_node(Op op, const Typed& base,
                                                       uint32_t element_field,
                                                       std::vector<uint32_t> kids, uint32_t count,
                                                       const std::string& name) {
  const modules::Schema& schema = schema_of(out_, base.module);
  const ValueType vt = value_type(schema.field(element_field).type);
  Node n = detail::make_node(op, vt);
  n.index = base.module;
  n.count = count;
  Typed t;
  t.node = emit_kids(n, kids);
  t.module = base.module;
  t.field = element_field;
  t.name = name;
  switch (vt) {
    case ValueType::kInt: t.kind = Kind::kInt; break;
    case ValueType::kFloat: t.kind = Kind::kFloat; break;
    case ValueType::kString: t.kind = Kind::kString; break;
    default: t.kind = Kind::kObject; break;
  }
  return t;
}

ConditionCompiler::Typed ConditionCompiler::designator(ast::ExprId id) {
  const ast::Expr& e = unit_.at(id);
  switch (e.kind) {
    case ExprKind::kIdentifier: return identifier(e);
    case ExprKind::kField: return module_field(e);
    case ExprKind::kIndex: return module_index(e);
    case ExprKind::kCall: return module_call(e);
    default: return expr(id);
  }
}

ConditionCompiler::Typed ConditionCompiler::module_value(ast::ExprId id) {
  Typed t = designator(id);
  if (t.kind == Kind::kObject) {
    // Structures, arrays, dictionaries and uncalled functions are not values.
    fail(unit_.at(id).span, "E222", "wrong usage of identifier \"" + t.name + "\"");
  }
  return t;
}

ConditionCompiler::Typed ConditionCompiler::module_field(const ast::Expr& e) {
  Typed base = designator(e.kids.at(0));
  const ast::Expr& base_expr = unit_.at(e.kids[0]);
  if (base.kind != Kind::kObject) {
    const std::string name = base.name.empty() ? base_expr.text : base.name;
    fail(e.span, "E222", "\"" + name + "\" is not a structure");
  }
  const modules::Schema& schema = schema_of(out_, base.module);
  if (schema.field(base.field).type != Type::kStructure) {
    fail(e.span, "E222", "\"" + base.name + "\" is not a structure");
  }
  auto member = schema.member(base.field, e.text);
  if (!member) fail(e.span, "E222", "invalid field name \"" + e.text + "\"");
  if (schema.field(*member).type == Type::kFunction) {
    Typed f = base;  // node: the structure that owns the function
    f.field = *member;
    f.name = e.text;
    return f;
  }
  const uint32_t position = *schema.member_position(base.field, e.text);
  return typed_node(Op::kModuleMember, base, *member, {base.node}, position, e.text);
}

ConditionCompiler::Typed ConditionCompiler::module_index(const ast::Expr& e) {
  Typed base = designator(e.kids.at(0));
  const ast::Expr& base_expr = unit_.at(e.kids[0]);
  Type type = Type::kInteger;
  if (base.kind == Kind::kObject) type = schema_of(out_, base.module).field(base.field).type;
  if (base.kind != Kind::kObject || (type != Type::kArray && type != Type::kDictionary)) {
    const std::string name = base.name.empty() ? base_expr.text : base.name;
    fail(e.span, "E222", "\"" + name + "\" is not an array or dictionary");
  }
  Typed key = primary(e.kids.at(1));
  const uint32_t element = schema_of(out_, base.module).element(base.field);
  if (type == Type::kArray) {
    if (key.kind != Kind::kInt) fail(e.span, "E222", "array indexes must be of integer type");
    return typed_node(Op::kModuleItem, base, element, {base.node, key.node}, 0, base.name);
  }
  if (key.kind != Kind::kString) fail(e.span, "E222", "dictionary keys must be of string type");
  return typed_node(Op::kModuleLookup, base, element, {base.node, key.node}, 0, base.name);
}

ConditionCompiler::Typed ConditionCompiler::module_call(const ast::Expr& e) {
  Typed callee = designator(e.kids.at(0));
  const ast::Expr& callee_expr = unit_.at(e.kids[0]);
  if (callee.kind != Kind::kObject ||
      schema_of(out_, callee.module).field(callee.field).type != Type::kFunction) {
    const std::string name = callee.name.empty() ? callee_expr.text : callee.name;
    fail(e.span, "E222", "\"" + name + "\" is not a function");
  }
  std::string letters;
  std::vector<uint32_t> kids{callee.node};
  for (size_t i = 1; i < e.kids.size(); ++i) {
    const ast::Expr& arg = unit_.at(e.kids[i]);
    if (arg.kind == ExprKind::kRegexp) {
      detail::CompiledRegex cr;
      cr.source = arg.text;
      cr.nocase = (arg.regex_flags & ast::kRegexNocase) != 0;
      cr.dotall = (arg.regex_flags & ast::kRegexDotAll) != 0;
      std::string error;
      cr.regex = regex::Regex::compile(cr.source, cr.nocase, cr.dotall, error);
      if (!cr.regex) fail(arg.span, "E223", "invalid regular expression: " + error);
      Node n = detail::make_node(Op::kRegexArg, ValueType::kObject);
      n.index = static_cast<uint32_t>(out_.regexes.size());
      out_.regexes.push_back(std::move(cr));
      kids.push_back(emit(n));
      letters += 'r';
      continue;
    }
    Typed a = expr(e.kids[i]);
    switch (a.kind) {
      case Kind::kBool: letters += 'b'; break;
      case Kind::kInt: letters += 'i'; break;
      case Kind::kFloat: letters += 'f'; break;
      case Kind::kString: letters += 's'; break;
      case Kind::kObject: letters += '?'; break;
    }
    kids.push_back(a.node);
  }
  const modules::Schema& schema = schema_of(out_, callee.module);
  auto overload = schema.find_overload(callee.field, letters);
  if (!overload) fail(e.span, "E222", "wrong arguments for function \"" + callee.name + "\"");
  const modules::Overload& chosen = schema.overloads(callee.field)[*overload];
  if (chosen.impl == nullptr) {
    // Declared (yara has it) but not implemented by yarrow: refuse rather than evaluate to a
    // silent undefined.
    fail(e.span, "E232", "function \"" + out_.imports[callee.module] + "." + callee.name +
                             "\" is not supported yet");
  }
  const char result = chosen.result;
  Node n = detail::make_node(Op::kModuleCall, result == 'f'   ? ValueType::kFloat
                                 : result == 's' ? ValueType::kString
                                                 : ValueType::kInt);
  n.index = callee.module;
  n.ival = callee.field;
  n.count = *overload;
  Typed t;
  t.node = emit_kids(n, kids);
  t.kind = n.type == ValueType::kFloat    ? Kind::kFloat
           : n.type == ValueType::kString ? Kind::kString
                                          : Kind::kInt;
  t.module = callee.module;
  t.name = callee.name;
  return t;
}

ConditionCompiler::Typed ConditionCompiler::module_iterable(const ast::Expr& loop, Node& n,
                                                            std::vector<LoopVar>& vars) {
  const ast::ExprId it_id = loop.kids.at(1);
  const ast::Expr& it = unit_.at(it_id);
  if (it.kind != ExprKind::kIdentifier && it.kind != ExprKind::kField &&
      it.kind != ExprKind::kIndex && it.kind != ExprKind::kCall) {
    fail(it.span, "E200", "syntax error");
  }
  Typed c = designator(it_id);
  Type type = Type::kInteger;
  if (c.kind == Kind::kObject) type = schema_of(out_, c.module).field(c.field).type;
  const std::string name = c.name.empty() ? it.text : c.name;
  if (c.kind != Kind::kObject || (type != Type::kArray && type != Type::kDictionary)) {
    fail(it.span, "E222", "identifier \"" + name + "\" is not iterable");
  }
  const size_t want = type == Type::kArray ? 1 : 2;
  if (loop.loop_vars.size() != want) {
    if (type == Type::kArray) {
      fail(loop.span, "E216",
           "iterator for \"" + name +
               "\" yields a single item on each iteration, but the loop expects " +
               std::to_string(loop.loop_vars.size()));
    }
    fail(loop.span, "E216",
         "iterator for \"" + name + "\" yields a key,value pair item on each iteration");
  }
  const modules::Schema& schema = schema_of(out_, c.module);
  const uint32_t element = schema.element(c.field);
  const ValueType vt = value_type(schema.field(element).type);
  auto kind_of = [](ValueType v) {
    switch (v) {
      case ValueType::kInt: return Kind::kInt;
      case ValueType::kFloat: return Kind::kFloat;
      case ValueType::kString: return Kind::kString;
      default: return Kind::kObject;
    }
  };
  if (type == Type::kDictionary) vars.push_back(LoopVar{loop.loop_vars[0], Kind::kString});
  vars.push_back(LoopVar{loop.loop_vars.back(), kind_of(vt), c.module, element});
  n.op = Op::kForInModule;
  n.index = c.module;
  n.aux2 = type == Type::kDictionary ? 1 : 0;
  n.count = static_cast<uint32_t>(vt);
  return c;
}

}  // namespace yarrow::compile
