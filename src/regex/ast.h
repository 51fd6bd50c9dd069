// Internal syntax tree shared by yara's regex dialect and hex strings (yara compiles both into
// the same kind of program). Case-insensitivity is folded into the byte sets by the parsers, so
// the tree and everything downstream are case-agnostic.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yarrow::regex {

using ByteSet = std::bitset<256>;

// set.count(), with the CPU's POPCNT where it has one: x86-64's baseline lacks it, so
// std::bitset::count calls into libgcc for each word (1.4% of elastic's compile).
size_t byte_count(const ByteSet& set);

enum class NodeKind : uint8_t {
  kEmpty,
  kBytes,  // one byte from `set`
  kConcat,
  kAlt,     // kids in priority order
  kRepeat,  // kids[0] repeated min..max (max < 0: unbounded)
  kBol,
  kEol,
  kWordBoundary,
  kNonWordBoundary,
};

// Where a kBytes node came from; yara treats these differently when choosing atoms.
enum class ByteOrigin : uint8_t {
  kLiteral,
  kAny,
  kClass,
  kWord,
  kNonWord,
  kSpace,
  kNonSpace,
  kDigit,
  kNonDigit,
  kHex
};

struct Node {
  NodeKind kind = NodeKind::kEmpty;
  ByteOrigin origin = ByteOrigin::kLiteral;
  ByteSet set;
  // For kBytes: true when the set came from a single literal (possibly case-folded), which makes
  // it usable inside an atom.
  bool literal = false;
  int min = 0;
  int max = -1;
  bool greedy = true;
  // kRepeat written as {n,m} / {n,} (yara's range) rather than * + ?; `.{n,}` is then bounded by
  // kMaxRepeat when yara chains at it.
  bool braces = false;
  // Written inside parentheses. yara treats a quantified `(.)` as any other group, not as its
  // repeat-any form of `.` (no chaining, no .* warning, x? entry rule applies).
  bool group = false;
  std::vector<Node> kids;
};

// yara's limit on repeat bounds ({n,m} with m above it is rejected).
inline constexpr int kMaxRepeat = 32767;
// yara's cap on how many bytes a single regex/hex verification may consume forward.
inline constexpr size_t kScanLimit = 4096;
// Hex jumps longer than this split a hex string into chained pieces (as yara does).
inline constexpr int kChainingThreshold = 200;

struct ParseResult {
  Node root;
  bool has_greedy = false;    // any greedy quantifier (decides yara's dedupe policy)
  bool has_dot_star = false;  // .*, .+ or .{n,} (yara warns about it)
};

std::optional<ParseResult> parse_regex(std::string_view source, bool nocase, bool dotall,
                                       std::string& error);

// One chained piece of a hex string and the gap allowed before the next piece.
struct HexPiece {
  Node node;
  int gap_min = 0;  // gap to the NEXT piece
  int gap_max = 0;  // -1: unbounded
};

// Splits a parsed regex into chained pieces the way yara does: a top-level concatenation is cut
// at each lazy `.{n,m}?` (n or m above kChainingThreshold, not first or last), which becomes the
// gap between two pieces (`.{n,}?` counts as `.{n,32767}?`). yara matches the pieces separately,
// so the gap accepts any byte, even '\n' without /s. Other expressions stay one piece.
std::vector<HexPiece> split_regex_chain(Node root);

// Parses a hex string (text between braces). Long jumps at top level split the string into
// several pieces, as yara does.
std::optional<std::vector<HexPiece>> parse_hex(std::string_view source, std::string& error);

// yara's ASCII-only case helpers.
inline uint8_t alt_case(uint8_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c >= 'A' && c <= 'Z') return c + 32;
  return c;
}
inline bool is_alnum(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_word_char(uint8_t c) { return is_alnum(c) || c == '_'; }

}  // namespace yarrow::regex
