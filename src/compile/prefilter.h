// Rule prefilter: decides, once per rule set, which rules can only be true when at least one of
// a known set of strings ("triggers") has a match, so that a scan evaluates such a rule only
// when one of its triggers matched. A skipped rule's result is false, which is exactly what
// evaluating it would give (the reasoning below follows the evaluator's semantics, undefined
// values included); rules with side effects (module calls such as console.log) or conditions
// the analysis doesn't understand are always evaluated.
#pragma once

#include "compile/compiled_rules.h"

namespace yarrow::detail {

// Fills rules.prefilter from the rules' condition code. Call after conditions are compiled.
void build_prefilter(CompiledRules& rules);

}  // namespace yarrow::detail
