// Turns a rule's string declarations into matcher StringSpecs, checking modifiers the way
// yara 4.2.3 does (duplicates, invalid combinations, xor ranges, base64 alphabets, empty
// strings). Errors are recorded as Diagnostics.
#pragma once

#include <optional>

#include "match/pattern_set.h"
#include "parse/ast.h"
#include "yarrow/diagnostics.h"

namespace yarrow::compile {

// Returns the spec, or nullopt after recording an error for `decl`.
std::optional<match::StringSpec> make_string_spec(const ast::Unit& unit, const ast::Rule& rule,
                                                  const ast::StringDecl& decl,
                                                  Diagnostics& diags);

}  // namespace yarrow::compile
