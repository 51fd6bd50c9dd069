// Matcher partitions (perf): most of signature-base's strings belong to rules that start
// `uint16(0) == 0x5a4d and ...`. Such a rule is false on any file that doesn't start with MZ
// whatever its strings match, so its strings go into a Vectorscan database of their own that
// the scanner skips on those files (most of a Linux disk). The result of every rule is what it
// would be with one database; only match lists nobody reads are not built.
#pragma once

#include "compile/compiled_rules.h"

namespace yarrow::detail {

// Sets rules.partition_gates and every string's StringSpec::partition from the rules'
// conditions. Deterministic: a loaded rules file derives the same partitions it was built with.
// Call after conditions are compiled and before the pattern set is built.
void assign_partitions(CompiledRules& rules);

}  // namespace yarrow::detail
