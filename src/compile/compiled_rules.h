// The immutable, compiled form of a rule set: what Compiler::build() produces and what the
// evaluator and scanner read. Everything lives in flat vectors addressed by index (no pointers
// between parts) so it can later be serialised to disk as is, and shared read-only by every
// scanning thread. The only owning pointers are the pattern set and compiled regexes, which are
// rebuilt from their sources when loaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "match/pattern_set.h"
#include "regex/regex.h"
#include "yarrow/rules.h"
#include "yarrow/value.h"

namespace yarrow::detail {

// Condition code: a tree of typed nodes in one vector. Kids of a node are the slice
// `kids[kids_begin, kids_begin + kid_count)`. Types are fixed at compile time (yara's implicit
// conversions are explicit nodes), so the evaluator never guesses a type at run time. Booleans
// are integers 0/1 at run time, as in yara; any value may be undefined.
// kObject: a module structure, array or dictionary; at run time the index of its node in the
// module's per-scan ValueTree (never a value a rule can test).
enum class ValueType : uint8_t { kBool, kInt, kFloat, kString, kObject };

enum class Op : uint8_t {
  kConstInt,     // ival (also true/false, typed kBool)
  kConstFloat,   // fval
  kConstString,  // index into literals
  kFilesize,
  kEntrypoint,
  kExternal,     // index into externals
  kRuleRef,      // index into rules
  kLoopVar,      // slot = loop variable slot
  kIntRead,      // aux = ast::IntReader; kids = {offset}

  // String references; index = string, or, with aux2 == 1, the string held in loop slot `slot`
  // (the anonymous `$`, `#`, `@`, `!` inside a `for ... of` body).
  kStringFound,    // kids = {}
  kStringAt,       // kids = {offset}
  kStringIn,       // kids = {lo, hi}
  kStringCount,    // kids = {}
  kStringCountIn,  // kids = {lo, hi}
  kStringOffset,   // kids = {i} (1-based)
  kStringLength,   // kids = {i}

  kIntToFloat,  // kids = {int}
  kStrToBool,   // kids = {string}: non-empty

  kNot, kNeg, kBitNot, kDefined,
  kAnd, kOr,
  kLt, kLe, kGt, kGe, kEq, kNe,  // both kids int, both float, or both string
  kAdd, kSub, kMul, kDiv, kMod,
  kBitAnd, kBitOr, kBitXor, kShl, kShr,
  kContains, kIContains, kStartsWith, kIStartsWith, kEndsWith, kIEndsWith, kIEquals,
  kMatches,  // kids = {string}; index = regex

  // `Q of SET`: aux = Quant; kids = {quantity or none, [lo, hi]}; aux2 = 1 with `in (lo..hi)`.
  // The set is set_items[index, index + count): string indices (kOfStrings) or rule indices
  // (kOfRules).
  kOfStrings,
  kOfRules,
  // `for Q of SET : (body)`: aux = Quant; kids = {quantity or none, body}; the current string
  // goes into loop slot `slot`.
  kForOfStrings,
  // `for Q v in (lo..hi) : (body)`: kids = {quantity or none, lo, hi, body}; slot = variable.
  kForInRange,
  // `for Q v in (e1, e2, ...) : (body)`: kids = {quantity or none, body, e1, e2, ...}.
  kForInEnum,

  // Modules. `index` = the module's position in CompiledRules::imports; the node's type says
  // whether the result is a value (int/float/string, read from the tree) or an object (node).
  kModuleRoot,    // the module's root structure
  kModuleMember,  // kids = {structure}; count = member position among its siblings
  kModuleItem,    // kids = {array, integer index}
  kModuleLookup,  // kids = {dictionary, string key}
  // kids = {structure owning the function, args...}; ival = function's schema field,
  // count = overload position. A kRegexArg kid passes a regexp.
  kModuleCall,
  kRegexArg,      // index = regex
  // `for Q v in ARRAY` / `for Q k, v in DICT`: kids = {quantity or none, container, body};
  // slot = first variable; aux2 = 1 for a dictionary; count = the items' ValueType.
  kForInModule,
};

// How a quantifier is encoded in Node::aux for the of/for nodes.
enum class Quant : uint8_t { kAll, kAny, kNone, kCount, kPercent };

inline constexpr uint32_t kNoNode = UINT32_MAX;

struct Node {
  Op op = Op::kConstInt;
  ValueType type = ValueType::kBool;
  uint8_t aux = 0;
  uint8_t aux2 = 0;
  uint32_t index = 0;  // string / rule / external / literal / regex / set begin
  uint32_t count = 0;  // set size for of/for nodes
  uint32_t slot = 0;   // loop slot
  uint32_t kids_begin = 0;
  uint32_t kid_count = 0;
  int64_t ival = 0;
  double fval = 0;
};

// A node of the given operation and result type, every other field at its default.
inline Node make_node(Op op, ValueType type) {
  Node n;
  n.op = op;
  n.type = type;
  return n;
}

struct CompiledString {
  uint32_t rule = 0;        // owning rule
  std::string id;           // "$a" or "$"
  bool is_private = false;  // `private` modifier: matches are used but never reported
  bool is_hex = false;      // a hex string (yara prints its matches as hex bytes)
  // yara's fixed-offset optimisation: a string used only as `$a at C` keeps only the match
  // at C (which -s shows).
  std::optional<int64_t> fixed_offset;
};

struct CompiledRule {
  uint32_t ns = 0;             // index into namespaces
  uint32_t strings_begin = 0;  // slice of strings
  uint32_t string_count = 0;
  uint32_t condition = 0;      // root node, type kBool
  bool is_global = false;
  bool is_private = false;
};

struct External {
  std::string name;
  Value value;  // default value; its alternative is the variable's type
};

struct CompiledRegex {
  std::string source;
  bool nocase = false;
  bool dotall = false;
  std::unique_ptr<const regex::Regex> regex;  // null when the regex engine rejected it
};

// Which rules need evaluating when (see compile/prefilter.h). A "gated" rule is known to be
// false unless one of its trigger strings has a match; the strings that trigger rule evaluation
// are listed per string: string s triggers string_rules[string_begin[s], string_begin[s + 1]).
// Empty vectors: no prefilter, evaluate every rule.
struct RulePrefilter {
  std::vector<uint8_t> gated;          // parallel to rules
  std::vector<uint32_t> string_begin;  // strings.size() + 1 entries
  std::vector<uint32_t> string_rules;
};

// The test a rule's condition starts with, down the left spine of its `and`s, when it compares
// the file size or an integer read at a fixed offset with a constant (`uint16(0) == 0x5a4d`):
// if it is false or undefined, so is the rule. The evaluator decides rules by it before reading
// their nodes; the matcher partitions (compile/partitions.h) skip strings by it.
struct LeadingTest {
  enum class Kind : uint8_t { kNone, kFilesize, kRead };
  Kind kind = Kind::kNone;
  uint8_t reader = 0;  // ast::IntReader
  Op cmp = Op::kEq;
  int64_t offset = 0;
  int64_t value = 0;
};

struct CompiledRules {
  std::vector<RuleInfo> infos;  // parallel to rules
  std::vector<CompiledRule> rules;
  std::vector<CompiledString> strings;  // parallel to the pattern set's specs
  std::vector<std::string> namespaces;
  std::vector<std::string> imports;
  std::vector<External> externals;
  std::vector<Node> nodes;
  std::vector<uint32_t> kids;
  std::vector<uint32_t> set_items;
  std::vector<std::string> literals;
  std::vector<CompiledRegex> regexes;
  uint32_t loop_slots = 0;  // loop variable slots any condition needs
  std::unique_ptr<const match::PatternSet> patterns;  // null when there are no strings
  // Kept for serialisation and rebuilding; empty in rules compiled with
  // CompilerOptions::keep_string_specs false (they cannot be saved).
  std::vector<match::StringSpec> specs;
  RulePrefilter prefilter;  // derived from the conditions; rebuilt, never serialised
  // Gate of matcher partition p (p >= 1) at p - 1; derived from the conditions like the
  // prefilter, and assigned to specs[].partition before the pattern set is built.
  std::vector<LeadingTest> partition_gates;  // kRead with kEq only
  // Compiled with CompilerOptions::keep_rule_meta false: the rules' meta lists are empty, and
  // the rules cannot be saved (see specs for the other thing they would lack).
  bool meta_dropped = false;

  // Kid i of node n; kNoNode for an absent optional kid.
  uint32_t kid(const Node& n, uint32_t i) const { return kids[n.kids_begin + i]; }
};

// `rule`'s leading test (kind kNone when it has none); defined in compile/partitions.cpp.
LeadingTest leading_test(const CompiledRules& rules, const CompiledRule& rule);

}  // namespace yarrow::detail
