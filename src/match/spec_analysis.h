// What the builder needs to know about one string before building anything (internal): its
// text variants, or its parsed pieces with their atoms and filter windows, and the warnings
// yara gives for it. PatternSet::check computes this once per string; PatternSet::build reuses
// it, so a string is analysed once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match/atoms.h"
#include "match/pattern_set.h"
#include "regex/ast.h"

namespace yarrow::match {

// The UTF-16LE form of ascii bytes, as yara's `wide`.
std::string widen(std::string_view s);

struct TextVariant {
  std::string bytes;
  bool caseless = false;
  bool wide = false;
  uint8_t xor_key = 0;
};

// The byte strings a text string is searched as (ascii/wide, xor keys, base64 encodings).
std::vector<TextVariant> text_variants(const StringSpec& spec);

struct ParsedSpec {
  std::vector<regex::HexPiece> pieces;
  bool greedy = false;
  bool dot_star = false;
};

std::optional<ParsedSpec> parse_spec(const StringSpec& spec, std::string& error);

// Pre-order numbering of a tree's nodes: atom starts are remembered by number between the two
// phases, which parse the same source into identical trees.
void number_nodes(const regex::Node& n, std::vector<const regex::Node*>& out);

// A spec as check() leaves it for build(): parsed once, atoms chosen once. The trees are not
// kept (holding every tree until build() would cost more memory than parsing again costs
// time); atom starts are remembered by their node's pre-order number instead.
struct CheckedPiece {
  AtomSelection atoms;                 // leaf starts are null; see start_number
  std::vector<uint32_t> start_number;  // per leaf
  FilterWindow filter;                 // for a piece with one atom: up to 8 bytes
  FilterWindow short_filter;           // up to 4 bytes
  int64_t gap_min = 0;                 // gap to the next piece
  int64_t gap_max = 0;
};

struct CheckedSpec {
  std::optional<StringSpec> as_text;  // a regex of literal characters, as text
  bool parsed = true;
  bool greedy = false;
  std::vector<CheckedPiece> pieces;
  std::vector<SpecDiagnostic> diags;  // spec_index 0
};

// Analyses one spec; a regex or hex string that does not parse gives parsed = false and the
// error as a diagnostic.
CheckedSpec analyse(const StringSpec& spec);

}  // namespace yarrow::match
