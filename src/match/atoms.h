// Atom extraction (internal). An atom is a short fixed-length pattern that must occur in every
// match; atoms go into the Vectorscan database and anchor verification (forwards from the atom,
// backwards from it). Which atoms are chosen changes what yara reports (it splits the regex at
// the atom), so this follows yara 4.2.3's atom tree: runs of up to 4 literal/masked bytes in a
// concatenation compete on quality, every branch of an alternation contributes atoms (one
// branch without atoms leaves the alternation without), repeats contribute their mandatory
// copies; classes and optional parts contribute nothing. Without atoms yara falls back to the
// expression's possible first bytes, computed with a quirk reproduced on purpose (see
// first_bytes). Quality follows yara's heuristic so the "may slow down scanning" warnings agree.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "regex/ast.h"

namespace yarrow::match {

inline constexpr int kMaxAtomQuality = 255;
inline constexpr int kMinAtomQuality = 0;
inline constexpr int kMaxAtomLength = 4;
// yara warns when a string's chosen atoms are below this quality.
inline constexpr int kAtomQualityWarningThreshold = kMaxAtomQuality - 20 * kMaxAtomLength + 38;

// yara's heuristic quality of an atom given as (byte, mask) pairs.
int atom_quality(const std::vector<std::pair<uint8_t, uint8_t>>& atom);
int atom_quality(std::span<const std::pair<uint8_t, uint8_t>> atom);
// Quality of the best atom of a literal (text strings).
int literal_quality(std::string_view bytes);

struct AtomLeaf {
  const regex::Node* start = nullptr;     // the kBytes node where the atom begins
  std::vector<regex::ByteSet> positions;  // what each atom byte may be
};

struct AtomSelection {
  // Empty: no atom; the expression is then tried (from its start) at every offset whose byte is
  // in `first_bytes`, which is what yara's fallback one-byte atoms amount to.
  std::vector<AtomLeaf> leaves;
  regex::ByteSet first_bytes;
  int quality = kMinAtomQuality;
};

AtomSelection select_atoms(const regex::Node& root);

// The positions at a fixed distance from a piece's only atom: the run of one-byte-wide
// positions around it. Not `known` when the atom's place is not (inside alternatives, or one of
// a repeat's copies, or a piece with several atoms).
struct AtomRegion {
  std::vector<int> exact;  // per position: the one byte it accepts, or -1
  size_t atom = 0;         // index of the atom's first position in `exact`
  bool known = false;
};
AtomRegion atom_region(const regex::Node& root, const AtomSelection& atoms);

// A run of exact bytes in the atom's region that is rarer in real files than the atom:
// Vectorscan looks for the run instead, and each hit is mapped back to where the atom is. Every
// match through that atom contains the run at that distance, so no match is lost, and yara's
// split at the atom (forward and backward verification) is unchanged. Short hex atoms such as
// `48 8D` otherwise hit every few dozen bytes of x86 code.
struct FilterWindow {
  std::string bytes;   // empty: Vectorscan looks for the atom itself
  int32_t offset = 0;  // window start minus atom start
};
FilterWindow select_filter_window(const AtomRegion& region, const AtomSelection& atoms,
                                  size_t max_len);

// Exact bytes at fixed distances from a piece's only atom (outside the atom), rarest first:
// every match through an atom hit has them, so a hit where one differs needs no regex run.
struct AtomContext {
  std::string bytes;
  std::vector<int64_t> offsets;  // parallel to bytes: position minus atom start
};
AtomContext select_atom_context(const AtomRegion& region, const AtomSelection& atoms,
                                size_t max_bytes);

// How rare a byte is in real files (executables, libraries, text), in bits: -log2 of its
// frequency, rounded. Zeros cost 2, spaces 4, most opcode and high bytes 9 to 11.
int byte_rarity(uint8_t byte);

}  // namespace yarrow::match
