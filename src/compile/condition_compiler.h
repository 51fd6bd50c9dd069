// Semantic analysis of one rule's condition: checks it the way yara 4.2.3's parser does (types,
// implicit conversions, identifiers, constant checks) and lowers it to typed detail::Node code.
// Errors stop the analysis of the condition at the first one, as yara's parser does; they are
// recorded as Diagnostics, never thrown out of this component.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compile/compiled_rules.h"
#include "parse/ast.h"
#include "yarrow/diagnostics.h"

namespace yarrow::compile {

// What the condition may refer to, besides the rule's own strings.
struct ConditionEnv {
  // Looks a rule up by name in the rule's namespace (rules declared so far, the rule itself
  // included, as in yara). Returns its index in CompiledRules::rules.
  virtual std::optional<uint32_t> find_rule(std::string_view name) const = 0;
  // Rules of the namespace whose name starts with `prefix`, in declaration order. Records the
  // prefix as used by a wildcard rule set.
  virtual std::vector<uint32_t> rules_with_prefix(std::string_view prefix) const = 0;
  virtual std::optional<uint32_t> find_external(std::string_view name) const = 0;
  // A module imported into the rule's namespace: its index in CompiledRules::imports.
  virtual std::optional<uint32_t> find_module(std::string_view name) const { return std::nullopt; }
  virtual ~ConditionEnv() = default;
};

// How a condition uses one of its rule's strings; drives two of yara's scan-time behaviours.
struct StringUse {
  bool referenced = false;
  // Only ever tested for presence (`$a`, `of`, `$` in a for-of body): in fast mode the matcher
  // may stop after the first match.
  bool single_match = true;
  // Only ever used as `$a at C` with one constant C: yara keeps just the match at C.
  enum class Fixed : uint8_t { kUnset, kAt, kNever } fixed = Fixed::kUnset;
  int64_t fixed_offset = 0;
};

class ConditionCompiler {
 public:
  ConditionCompiler(const ast::Unit& unit, detail::CompiledRules& out, Diagnostics& diags,
                    const ConditionEnv& env);

  // Compiles `rule`'s condition, whose strings are out.strings[first_string, +count).
  // Returns the root node, or nullopt after recording an error. `uses` receives, per string
  // of the rule, how the condition uses it.
  std::optional<uint32_t> compile(const ast::Rule& rule, uint32_t first_string,
                                  std::vector<StringUse>& uses);

 private:
  // kObject: a module structure, array, dictionary or function (see module_exprs.cpp); only
  // ever the base of a field access, index, call or loop, never a value.
  enum class Kind : uint8_t { kBool, kInt, kFloat, kString, kObject };
  struct Typed {
    uint32_t node = 0;
    Kind kind = Kind::kBool;
    bool primary = true;                  // usable where yara's grammar wants a primary_expression
    std::optional<int64_t> constant;      // integer value known at compile time
    bool literal_string = false;
    // Objects: the module (index into imports), its schema declaration and the identifier as
    // yara names it in messages. For a function, `node` is the structure that owns it.
    uint32_t module = 0;
    uint32_t field = 0;
    std::string name;
  };
  struct LoopVar {
    std::string name;
    Kind kind = Kind::kInt;
    uint32_t module = 0;  // objects
    uint32_t field = 0;
  };
  struct Loop {
    std::vector<LoopVar> vars;  // empty for `for ... of`
    uint32_t first_slot = 0;
    bool is_for_of = false;
  };
  struct Failed {};  // internal: unwinds to compile() after a diagnostic is recorded

  Typed expr(ast::ExprId id);
  Typed primary(ast::ExprId id);
  uint32_t boolean(ast::ExprId id);  // yara's boolean_expression: strings become "non-empty"
  Typed int_operand(ast::ExprId id, const char* op);
  Typed arithmetic(const ast::Expr& e);
  Typed bitwise(const ast::Expr& e);
  Typed comparison(const ast::Expr& e);
  Typed string_operator(const ast::Expr& e);
  Typed identifier(const ast::Expr& e);
  // Module expressions (module_exprs.cpp).
  Typed designator(ast::ExprId id);  // may return an object
  Typed module_value(ast::ExprId id);  // a designator that must be a value
  Typed module_field(const ast::Expr& e);
  Typed module_index(const ast::Expr& e);
  Typed module_call(const ast::Expr& e);
  Typed typed_node(detail::Op op, const Typed& base, uint32_t element_field,
                   std::vector<uint32_t> kids, uint32_t count, const std::string& name);
  Typed module_iterable(const ast::Expr& loop, detail::Node& n, std::vector<LoopVar>& vars);
  Typed string_ref(const ast::Expr& e);
  Typed of_expr(const ast::Expr& e);
  Typed for_of(const ast::Expr& e);
  Typed for_in(const ast::Expr& e);
  uint32_t quantity(const ast::Expr& e, uint8_t& quant);
  std::vector<uint32_t> string_set(ast::ExprId set_id);
  std::vector<uint32_t> rule_set(ast::ExprId set_id);
  std::pair<uint32_t, uint32_t> range(ast::ExprId range_id);
  uint32_t resolve_string(const ast::Expr& e, std::string_view id, bool& from_loop,
                          uint32_t& slot);

  uint32_t emit(detail::Node node, std::initializer_list<uint32_t> kids = {});
  uint32_t emit_kids(detail::Node node, const std::vector<uint32_t>& kids);
  uint32_t to_float(const Typed& t);
  [[noreturn]] void fail(const ast::Span& span, const std::string& code,
                         const std::string& message);
  void warn(const ast::Span& span, const std::string& code, const std::string& message);
  static const char* kind_name(Kind k);

  const ast::Unit& unit_;
  detail::CompiledRules& out_;
  Diagnostics& diags_;
  const ConditionEnv& env_;
  const ast::Rule* rule_ = nullptr;
  uint32_t first_string_ = 0;
  std::vector<StringUse>* uses_ = nullptr;
  std::vector<Loop> loops_;
  uint32_t next_slot_ = 0;
};

// Diagnostic position helper shared by the compiler parts.
void locate(const ast::Unit& unit, const ast::Span& span, Diagnostic& d);

}  // namespace yarrow::compile
