// Internals of PatternSet, shared by the builder (pattern_set.cpp) and the scanner
// (pattern_scanner.cpp). Not part of the contract.
//
// Every string becomes one or more "pieces" (hex strings with long jumps are chained, everything
// else has one piece), and every piece one or more "variants" (ascii/wide, xor keys, base64
// shifts). Text variants are literals in the Vectorscan database (long ones only by their most
// distinctive 8-byte window, the rest compared on a hit); regex/hex variants put an atom (a
// literal run of the expression) in the database and are verified from the atom with the regex
// VM, forwards from the atom and exhaustively backwards, as yara does. Variants without a usable
// atom are tried at every offset whose first byte can start a match.
//
// Speed-ups that never change a result: identical patterns of different strings share one
// Vectorscan id (a group); a piece that is a fixed sequence of byte sets (hex without jumps or
// alternatives) is checked position by position instead of by the VM; and a VM verification is
// skipped when a literal run every match must contain ("guard") is absent from the bytes a match
// around the atom could cover, or when an exact byte at a fixed distance from the atom (its
// "context") differs. An atom's Vectorscan literal may be a rarer "filter window" near it.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "match/pattern_set.h"
#include "regex/ast.h"
#include "regex/program.h"

namespace yarrow::match {

// One regex/hex piece in one encoding (ascii or wide).
// One regex/hex piece. Like yara, every atom hit is verified ascii first and, if that fails
// and the string is wide, wide; the backward extension then uses the mode that worked.
// A byte position that accepts exactly the bytes b with (b & mask) == value: an exact byte
// (mask FF), `??` (mask 00) or a nibble wildcard (F0 / 0F).
struct MaskedByte {
  uint8_t value = 0;
  uint8_t mask = 0;
};

// The positions of a fixed piece. Hex strings need only masked bytes, 2 bytes a position
// instead of a 32-byte set (signature-base, Yara-Rules and elastic together: 568,000
// positions, 17 MB less to load); a piece with any other set keeps whole sets.
class FixedPiece {
 public:
  void assign(const std::vector<regex::ByteSet>& sets);
  bool empty() const { return masked.empty() && sets.empty(); }
  size_t size() const { return masked.empty() ? sets.size() : masked.size(); }
  bool test(size_t i, uint8_t b) const {
    return masked.empty() ? sets[i].test(b) : (b & masked[i].mask) == masked[i].value;
  }
  // Every position accepts the same bytes ([0-9a-f]{32}).
  bool uniform() const;
  void clear() {
    masked.clear();
    sets.clear();
  }
  void shrink_to_fit() {
    masked.shrink_to_fit();
    sets.shrink_to_fit();
  }

  // One of the two is used (stored as such by pattern_set_store.cpp).
  std::vector<MaskedByte> masked;
  std::vector<regex::ByteSet> sets;
};

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
  // Non-empty when the piece is a fixed sequence of byte sets (a hex string without jumps or
  // alternatives): its only possible match is checked position by position, without the VM.
  FixedPiece fixed;
  // Literal runs every match of the piece contains, and the piece's longest match: an atom hit
  // with a guard missing from [atom - max_length, atom + max_length] can't yield a match, so the
  // VM is not run for it (ascii-only pieces).
  std::vector<std::string> guards;
  uint32_t max_length = 0;
  // Ascii pieces with one atom: exact bytes at fixed distances from the atom's start (see
  // select_atom_context), compared before the guards and the VM.
  std::string context_bytes;
  std::vector<int64_t> context_offsets;  // parallel to context_bytes
};

// A text literal whose Vectorscan pattern is only a window of it: the rest is compared here.
struct TextCheck {
  std::string bytes;
  bool caseless = false;
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
  // Bytes from the literal's start (the atom's, for kAtom) to where its Vectorscan pattern ends:
  // the pattern may be a window of a longer text literal, or a filter window near an atom
  // (negative when the window lies wholly before the atom).
  int32_t anchor_end = 0;
  uint32_t text_check = UINT32_MAX;  // kText: index into texts when only a window is in the db
  uint32_t atom_offset = 0;          // kAtom with a fixed verifier: bytes from piece to atom
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
  std::vector<TextCheck> texts;
  // Vectorscan pattern id -> literals: identical patterns are compiled once; pattern i stands
  // for literals group_members[group_begin[i], group_begin[i + 1]).
  std::vector<uint32_t> group_begin;
  std::vector<uint32_t> group_members;
  std::vector<uint32_t> atomless;  // verifiers tried at every offset
  // Identical strings (same kind, source and modifiers, in any rules; signature-base has about
  // 10,000) are built and matched once: spec i's matches are those of spec canonical[i], the
  // first of its kind (canonical[i] == i for that one). Empty: every spec stands for itself.
  std::vector<uint32_t> canonical;
  uint32_t piece_slots = 0;
  uint32_t max_pattern_bytes = 0;  // longest Vectorscan pattern: overlap between scan chunks
  // Block-mode databases, by partition: one or more per partition (null for a partition without
  // patterns), a large partition's patterns dealt out among several (see
  // BuildOptions::max_database_patterns). db_partition[d] is database d's partition, in
  // ascending order. Pattern id = group index; a group, and every literal of a string, lies in
  // one database, and strings with atomless pieces lie in partition 0's first.
  std::vector<hs_database_t*> dbs;
  std::vector<uint8_t> db_partition;  // parallel to dbs
  std::deque<std::string> expansions;  // build time only (exact literals of dense atoms)

  ~Impl() {
    for (hs_database_t* db : dbs)
      if (db != nullptr) hs_free_database(db);
  }
};

// Helpers shared with tests: yara's three base64 encodings of `text` (edges trimmed).
std::vector<std::string> base64_variants(const std::string& text, const std::string& alphabet);

// Longest text window compiled into the database.
constexpr size_t kTextWindow = 8;
// Where the most distinctive kTextWindow bytes of a text literal start: many distinct bytes, few
// of the bytes that fill binaries (zeros, 0xff, padding, spaces), and not ending on one of those.
// Vectorscan's small-set matcher (Teddy) filters on a literal's last three bytes: a wide window
// that ends "\0c\0" passes wherever UTF-16 text has that one letter, one ending "c\0d" only where
// it has the pair (the seed rule over UTF-16 text: 1.1 -> 5.9 GB/s).
size_t text_window(std::string_view text);

}  // namespace yarrow::match
