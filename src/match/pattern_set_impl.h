// Internals of PatternSet, shared by the builder (pattern_set.cpp) and the scanner
// (pattern_scanner.cpp). Not part of the contract.
//
// Every string becomes one or more "pieces" (hex strings with long jumps are chained, everything
// else has one piece), and every piece one or more "variants" (ascii/wide, xor keys, base64
// shifts). Text variants are plain literals in the Vectorscan database; regex/hex variants put an
// atom (a literal run of the expression) in the database and are verified from the atom with the
// regex VM, forwards from the atom and exhaustively backwards, as yara does. Variants without a
// usable atom are tried at every offset whose first byte can start a match.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <string>
#include <vector>

#include "match/pattern_set.h"
#include "regex/ast.h"
#include "regex/program.h"

namespace yarrow::match {

// One regex/hex piece in one encoding (ascii or wide).
// One regex/hex piece. Like yara, every atom hit is verified ascii first and, if that fails
// and the string is wide, wide; the backward extension then uses the mode that worked.
struct Verifier {
  uint32_t spec = 0;
  uint32_t piece = 0;
  bool ascii = true;
  bool wide = false;
  regex::Program forward;  // the whole piece; atoms start it at their own pc
  // Per atom: what precedes the atom, right to left.
  std::vector<regex::Program> backwards;
  // Only for verifiers without an atom: bytes that can start a match.
  regex::ByteSet first_bytes;
};

// One Vectorscan literal.
struct Literal {
  enum class Kind : uint8_t { kText, kAtom };
  Kind kind = Kind::kText;
  uint32_t spec = 0;
  uint32_t verifier = 0;       // kAtom
  uint32_t forward_pc = 0;     // kAtom: where forward verification starts
  int32_t backward_prog = -1;  // kAtom: index into Verifier::backwards; -1: nothing before
  uint32_t length = 0;         // bytes of the literal
  bool wide = false;           // kText: fullword checks use the wide rules
  uint8_t xor_key = 0;
};

struct SpecInfo {
  StringSpec::Kind kind = StringSpec::Kind::kText;
  bool fullword = false;
  bool greedy = false;  // regex with a greedy quantifier: later matches at an offset replace
  bool single_match_ok = false;
  uint32_t piece_count = 1;
  uint32_t first_piece_slot = 0;  // index of piece 0 in the scanner's per-piece lists
  std::vector<int64_t> gap_min;   // gap before piece i (i >= 1); index 0 unused
  std::vector<int64_t> gap_max;   // -1: unbounded
};

struct PatternSet::Impl {
  std::vector<SpecInfo> specs;
  std::vector<Literal> literals;
  std::vector<std::string> literal_patterns;  // build time only (Vectorscan expressions)
  std::vector<bool> literal_caseless;         // build time only
  std::vector<Verifier> verifiers;
  std::vector<uint32_t> atomless;  // verifiers tried at every offset
  uint32_t piece_slots = 0;
  hs_database_t* db = nullptr;  // one block-mode database; pattern id = index in `literals`

  ~Impl() {
    if (db != nullptr) hs_free_database(db);
  }
};

// Helpers shared with tests: yara's three base64 encodings of `text` (edges trimmed).
std::vector<std::string> base64_variants(const std::string& text, const std::string& alphabet);

}  // namespace yarrow::match
