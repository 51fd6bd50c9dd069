// Turns a rule's string declarations into matcher StringSpecs, checking modifiers the way
// yara 4.2.3 does (duplicates, invalid combinations, xor ranges, base64 alphabets, empty
// strings). Errors are recorded as Diagnostics.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "match/pattern_set.h"
#include "parse/ast.h"
#include "yarrow/diagnostics.h"

namespace yarrow::compile {

// Returns the spec, or nullopt after recording an error for `decl`.
std::optional<match::StringSpec> make_string_spec(const ast::Unit& unit, const ast::Rule& rule,
                                                  const ast::StringDecl& decl,
                                                  Diagnostics& diags);

// PatternSet::check()'s verdict on one string: its diagnostics and the analysis the pattern set
// reuses (null for plain text).
struct CheckedString {
  std::vector<match::SpecDiagnostic> diags;
  std::shared_ptr<const match::CheckedSpec> checked;
};

// PatternSet::check() remembered per string: it is a function of the spec alone, and rule sets
// repeat strings a lot (signature-base: about a third), so identical specs are checked once.
// One thread per instance.
class StringChecks {
 public:
  const std::shared_ptr<const CheckedString>& check(const match::StringSpec& spec);

 private:
  std::unordered_map<std::string, std::shared_ptr<const CheckedString>> memo_;
};

}  // namespace yarrow::compile
