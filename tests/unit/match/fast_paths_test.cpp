// The matcher's fast paths (perf): long text literals found through a window of them,
// fixed-length hex strings verified without the regex VM, shared patterns, per-scan reset of
// only what matched, and the deadline checked while verifying. Expectations come from a naive
// search over the same data, so they hold whatever window or atom the builder picks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "match/atoms.h"
#include "match/pattern_set.h"
#include "match/pattern_set_impl.h"
#include "regex/ast.h"

namespace {

using yarrow::match::PatternScanner;
using yarrow::match::PatternSet;
using yarrow::match::ScanLimits;
using yarrow::match::ScanOutcome;
using yarrow::match::SpecDiagnostic;
using yarrow::match::StringSpec;

StringSpec spec(StringSpec::Kind kind, std::string v) {
  StringSpec s;
  s.kind = kind;
  s.value = std::move(v);
  return s;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint64_t> offsets(const PatternScanner& scanner, size_t i) {
  std::vector<uint64_t> out;
  for (const auto& m : scanner.matches(i)) out.push_back(m.offset);
  return out;
}

// Offsets where `needle` occurs, with `eq` deciding byte equality.
template <typename Eq>
std::vector<uint64_t> naive(const std::string& hay, size_t n, Eq eq) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + n <= hay.size(); ++i) {
    bool ok = true;
    for (size_t k = 0; k < n && ok; ++k) ok = eq(static_cast<uint8_t>(hay[i + k]), k);
    if (ok) out.push_back(i);
  }
  return out;
}

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

TEST(FastPaths, LongLiteralsMatchWhereverTheyOccur) {
  // Random data over a small alphabet so that windows hit often and the rest decides.
  std::mt19937 rng(7);
  std::string data(20000, 'a');
  for (auto& c : data) c = "abAB\0x"[rng() % 6];
  const std::vector<std::string> needles = {data.substr(0, 30), data.substr(19980, 20),
                                            data.substr(777, 9), data.substr(5000, 64),
                                            std::string("abababababababab"), "aBaB\0xaBaB"};
  std::vector<StringSpec> specs;
  for (const auto& n : needles) specs.push_back(spec(StringSpec::Kind::kText, n));
  std::string upper = data.substr(3000, 12);
  for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  StringSpec nocase = spec(StringSpec::Kind::kText, upper);
  nocase.nocase = true;
  specs.push_back(nocase);
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  ASSERT_EQ(scanner.scan_block(bytes(data), 0, {}), ScanOutcome::kOk);
  for (size_t i = 0; i < needles.size(); ++i) {
    const std::string& n = needles[i];
    auto want = naive(data, n.size(), [&](uint8_t c, size_t k) { return c == uint8_t(n[k]); });
    EXPECT_EQ(offsets(scanner, i), want) << "needle " << i;
  }
  const std::string& n = nocase.value;
  auto want = naive(data, n.size(),
                    [&](uint8_t c, size_t k) { return lower(c) == lower(uint8_t(n[k])); });
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(offsets(scanner, needles.size()), want);
}

TEST(FastPaths, WideWindowsEndOnACharacterAndStillFindEveryMatch) {
  // Vectorscan's small-set matcher filters on a pattern's last bytes: a window of a wide
  // literal ending on its zero byte would pass at every UTF-16 occurrence of one letter.
  const std::vector<std::string> words = {"barjuok.ryongnamsan.edu.kp", "C:\\Windows\\Sys64\\",
                                          "82e999fb-a6e0-4094", "Jawhar\\documents"};
  std::vector<StringSpec> specs;
  for (const auto& w : words) {
    StringSpec s = spec(StringSpec::Kind::kText, w);
    s.nocase = true;
    s.ascii = true;
    s.wide = true;
    specs.push_back(s);
  }
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  size_t wide_literals = 0;
  for (const auto& lit : set->impl().literals) {
    if (!lit.wide) continue;
    ++wide_literals;
    // UTF-16LE: characters at even offsets, so a window ending on one ends at an odd offset.
    ASSERT_GT(lit.anchor_end, 0);
    EXPECT_EQ(lit.anchor_end % 2, 1) << "spec " << lit.spec << " window ends on a zero byte";
  }
  EXPECT_EQ(wide_literals, words.size());

  // UTF-16 text with the words planted, in mixed case, at odd and even offsets.
  std::mt19937 rng(11);
  std::string text;
  std::vector<std::vector<uint64_t>> planted(words.size());
  for (int round = 0; round < 200; ++round) {
    if (rng() % 7 == 0) text.push_back('x');  // shifts the UTF-16 alignment
    const size_t w = rng() % (words.size() + 3);
    std::string chars = w < words.size() ? words[w] : "some filler text, ";
    for (auto& c : chars)
      if (rng() % 2) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    if (w < words.size()) planted[w].push_back(text.size());
    for (char c : chars) {
      text.push_back(c);
      text.push_back('\0');
    }
  }
  PatternScanner scanner(*set);
  ASSERT_EQ(scanner.scan_block(bytes(text), 0, {}), ScanOutcome::kOk);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string wide;
    for (char c : words[i]) wide += std::string{c, '\0'};
    auto want = naive(text, wide.size(),
                      [&](uint8_t c, size_t k) { return lower(c) == lower(uint8_t(wide[k])); });
    EXPECT_EQ(want, planted[i]) << "word " << i;
    EXPECT_FALSE(want.empty()) << "word " << i;
    EXPECT_EQ(offsets(scanner, i), want) << "word " << i;
  }
}

TEST(FastPaths, FixedHexStringsMatchPositionByPosition) {
  std::mt19937 rng(11);
  std::string data(50000, '\0');
  for (auto& c : data) c = static_cast<char>("\x4d\x5a\x90\x00\x41\xff"[rng() % 6]);
  // Masks, nibbles and wildcards, but no jumps or alternatives.
  std::vector<StringSpec> specs = {spec(StringSpec::Kind::kHex, "4D 5A ?? 00 41"),
                                   spec(StringSpec::Kind::kHex, "5A 9? 41 ?? 00 4D"),
                                   spec(StringSpec::Kind::kHex, "4D 5A 90 00 [1] 41"),
                                   spec(StringSpec::Kind::kHex, "4D (5A | 41) 90")};
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  // A one-byte jump is a wildcard: the first three take the fast path, alternatives the VM.
  const auto& impl = set->impl();
  ASSERT_EQ(impl.verifiers.size(), 4u);
  EXPECT_FALSE(impl.verifiers[0].fixed.empty());
  EXPECT_FALSE(impl.verifiers[1].fixed.empty());
  EXPECT_FALSE(impl.verifiers[2].fixed.empty());
  EXPECT_TRUE(impl.verifiers[3].fixed.empty());
  PatternScanner scanner(*set);
  ASSERT_EQ(scanner.scan_block(bytes(data), 0, {}), ScanOutcome::kOk);
  const uint8_t p0[] = {0x4d, 0x5a, 0, 0x00, 0x41};
  auto want0 = naive(data, 5, [&](uint8_t c, size_t k) { return k == 2 || c == p0[k]; });
  EXPECT_FALSE(want0.empty());
  EXPECT_EQ(offsets(scanner, 0), want0);
  auto want1 = naive(data, 6, [&](uint8_t c, size_t k) {
    switch (k) {
      case 0: return c == 0x5a;
      case 1: return (c & 0xf0) == 0x90;
      case 2: return c == 0x41;
      case 3: return true;
      case 4: return c == 0x00;
      default: return c == 0x4d;
    }
  });
  EXPECT_EQ(offsets(scanner, 1), want1);
  auto want2 = naive(data, 6, [&](uint8_t c, size_t k) {
    const int p[] = {0x4d, 0x5a, 0x90, 0x00, -1, 0x41};
    return p[k] < 0 || c == p[k];
  });
  EXPECT_EQ(offsets(scanner, 2), want2);
}

TEST(FastPaths, FixedPiecesKeepMaskedBytesWhenTheyCan) {
  using yarrow::match::FixedPiece;
  using yarrow::regex::ByteSet;
  auto exact = [](int b) {
    ByteSet s;
    s.set(static_cast<size_t>(b));
    return s;
  };
  ByteSet any;
  any.set();
  ByteSet high_nibble_9;  // 9?
  for (int b = 0x90; b <= 0x9f; ++b) high_nibble_9.set(static_cast<size_t>(b));
  ByteSet low_nibble_5;  // ?5
  for (int b = 0x05; b <= 0xf5; b += 0x10) low_nibble_5.set(static_cast<size_t>(b));
  FixedPiece f;
  f.assign({exact(0x4d), any, high_nibble_9, low_nibble_5});
  ASSERT_EQ(f.masked.size(), 4u);
  EXPECT_TRUE(f.sets.empty());
  // Every byte at every position: the masked test says what the set says.
  const std::vector<ByteSet> sets = {exact(0x4d), any, high_nibble_9, low_nibble_5};
  for (size_t i = 0; i < sets.size(); ++i)
    for (int b = 0; b < 256; ++b)
      EXPECT_EQ(f.test(i, static_cast<uint8_t>(b)), sets[i].test(static_cast<size_t>(b)))
          << i << " " << b;
  // [a-c] has three members: no mask describes it, so the piece keeps whole sets.
  ByteSet a_to_c;
  for (int b = 'a'; b <= 'c'; ++b) a_to_c.set(static_cast<size_t>(b));
  ByteSet a_or_b;  // 0x61, 0x62: two members, but they differ in two bits
  a_or_b.set('a');
  a_or_b.set('b');
  for (const ByteSet& odd : {a_to_c, a_or_b}) {
    f.assign({exact(0x4d), odd});
    EXPECT_TRUE(f.masked.empty());
    ASSERT_EQ(f.sets.size(), 2u);
    for (int b = 0; b < 256; ++b)
      EXPECT_EQ(f.test(1, static_cast<uint8_t>(b)), odd.test(static_cast<size_t>(b)));
  }
  f.assign({low_nibble_5, low_nibble_5, low_nibble_5});
  EXPECT_TRUE(f.uniform());
  f.assign({low_nibble_5, high_nibble_9});
  EXPECT_FALSE(f.uniform());
}

TEST(FastPaths, ResetClearsOnlyWhatMatchedAndTracksTouchedStrings) {
  std::vector<StringSpec> specs = {spec(StringSpec::Kind::kText, "hello"),
                                   spec(StringSpec::Kind::kText, "world"),
                                   spec(StringSpec::Kind::kHex, "68 65 6C"),
                                   spec(StringSpec::Kind::kText, "hello")};
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  const std::string a = "say hello, hello";
  ASSERT_EQ(scanner.scan_block(bytes(a), 0, {}), ScanOutcome::kOk);
  std::vector<uint32_t> touched(scanner.touched_strings().begin(),
                                scanner.touched_strings().end());
  std::sort(touched.begin(), touched.end());
  EXPECT_EQ(touched, (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_EQ(offsets(scanner, 0), (std::vector<uint64_t>{4, 11}));
  EXPECT_EQ(offsets(scanner, 3), (std::vector<uint64_t>{4, 11}));  // shared pattern
  scanner.reset();
  EXPECT_TRUE(scanner.touched_strings().empty());
  const std::string b = "world";
  ASSERT_EQ(scanner.scan_block(bytes(b), 0, {}), ScanOutcome::kOk);
  EXPECT_TRUE(scanner.matches(0).empty());
  EXPECT_TRUE(scanner.matches(2).empty());
  EXPECT_EQ(offsets(scanner, 1), (std::vector<uint64_t>{0}));
}

// Scans `data` in small overlapping chunks (as blocks over Vectorscan's 4 GiB limit are): every
// string must have the matches of the whole-block scan `whole`.
void expect_same_when_chunked(const PatternSet& set, const std::string& data,
                              const PatternScanner& whole, size_t strings) {
  for (uint64_t chunk : {64u, 100u, 257u}) {
    PatternScanner chunked(set);
    ScanLimits limits;
    limits.chunk_bytes = chunk;
    ASSERT_EQ(chunked.scan_block(bytes(data), 0, limits), ScanOutcome::kOk);
    for (size_t i = 0; i < strings; ++i)
      EXPECT_EQ(offsets(chunked, i), offsets(whole, i)) << "string " << i << " chunk " << chunk;
  }
}

TEST(FastPaths, ChunkedScanFindsTheSameMatches) {
  // Blocks over Vectorscan's 4 GiB limit are scanned in overlapping chunks; small chunks here
  // put many occurrences across chunk borders.
  std::mt19937 rng(5);
  std::string data(30000, 'a');
  for (auto& c : data) c = "abc\0"[rng() % 4];
  std::vector<StringSpec> specs = {spec(StringSpec::Kind::kText, data.substr(100, 3)),
                                   spec(StringSpec::Kind::kText, data.substr(2000, 8)),
                                   spec(StringSpec::Kind::kText, data.substr(900, 20)),
                                   spec(StringSpec::Kind::kHex, "61 62 ?? 63"),
                                   spec(StringSpec::Kind::kRegex, "ab[bc]+a")};
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner whole(*set);
  ASSERT_EQ(whole.scan_block(bytes(data), 0, {}), ScanOutcome::kOk);
  for (size_t i = 0; i < specs.size(); ++i) EXPECT_FALSE(whole.matches(i).empty()) << i;
  expect_same_when_chunked(*set, data, whole, specs.size());
}

// The atom region, filter window and context of a hex string's only piece.
struct AtomChoice {
  yarrow::match::AtomSelection atoms;
  yarrow::match::AtomRegion region;
};
AtomChoice choose_for_hex(const std::string& hex) {
  std::string error;
  auto pieces = yarrow::regex::parse_hex(hex, error);
  EXPECT_TRUE(pieces) << error;
  static std::vector<yarrow::regex::HexPiece> keep;  // the nodes must outlive the choice
  keep = std::move(*pieces);
  AtomChoice c;
  c.atoms = yarrow::match::select_atoms(keep[0].node);
  c.region = yarrow::match::atom_region(keep[0].node, c.atoms);
  return c;
}

TEST(FastPaths, FilterWindowIsARarerRunAtAFixedDistance) {
  // yara's atom is 4 bytes of the 8-byte run; the window is the whole run, and its offset maps
  // a hit back to the atom.
  AtomChoice c = choose_for_hex("48 8D ?? ?? 9A 7B 3C 5D 6E 1F 2A 4B");
  ASSERT_TRUE(c.region.known);
  ASSERT_EQ(c.region.exact.size(), 12u);
  const auto w = yarrow::match::select_filter_window(c.region, c.atoms, 8);
  EXPECT_EQ(w.bytes, std::string("\x9a\x7b\x3c\x5d\x6e\x1f\x2a\x4b", 8));
  EXPECT_EQ(w.offset, 4 - static_cast<int32_t>(c.region.atom));
  // Capped at 4 bytes, the window is no longer than the atom and is only taken if rarer.
  const auto w4 = yarrow::match::select_filter_window(c.region, c.atoms, 4);
  EXPECT_LE(w4.bytes.size(), 4u);
  // A short atom with nothing rarer around it keeps the atom.
  AtomChoice zeros = choose_for_hex("00 00 ?? 00");
  EXPECT_TRUE(yarrow::match::select_filter_window(zeros.region, zeros.atoms, 8).bytes.empty());
  // Atoms inside alternatives have no single place: no region, so no window and no context.
  AtomChoice alt = choose_for_hex("( 41 42 43 44 | 45 46 47 48 ) ?? 00");
  EXPECT_EQ(alt.atoms.leaves.size(), 2u);
  EXPECT_FALSE(alt.region.known);
  EXPECT_TRUE(yarrow::match::select_filter_window(alt.region, alt.atoms, 8).bytes.empty());
  EXPECT_TRUE(yarrow::match::select_atom_context(alt.region, alt.atoms, 16).bytes.empty());
}

TEST(FastPaths, AtomContextSkipsTheAtomAndPutsRareBytesFirst) {
  AtomChoice c = choose_for_hex("00 00 ?? E8 ?? 9A 7B 3C 5D ?? 00");
  ASSERT_TRUE(c.region.known);
  const auto ctx = yarrow::match::select_atom_context(c.region, c.atoms, 16);
  ASSERT_EQ(ctx.bytes.size(), ctx.offsets.size());
  const size_t atom_len = c.atoms.leaves[0].positions.size();
  for (int64_t off : ctx.offsets)
    EXPECT_TRUE(off < 0 || off >= static_cast<int64_t>(atom_len)) << off;  // never the atom
  for (size_t i = 1; i < ctx.bytes.size(); ++i)
    EXPECT_GE(yarrow::match::byte_rarity(static_cast<uint8_t>(ctx.bytes[i - 1])),
              yarrow::match::byte_rarity(static_cast<uint8_t>(ctx.bytes[i])));
  EXPECT_EQ(yarrow::match::select_atom_context(c.region, c.atoms, 2).bytes.size(), 2u);
}

TEST(FastPaths, WindowsAndContextAcrossChunkBorders) {
  // Strings whose Vectorscan literal is a filter window (before or after the atom) or that are
  // checked by their atom's context, planted many times in random bytes: every chunk size finds
  // what a whole-block scan finds, which is what a naive search finds.
  std::mt19937 rng(11);
  std::string data(40000, '\0');
  for (auto& c : data) c = static_cast<char>(rng() % 256);
  const std::string run = "\x9a\x7b\x3c\x5d\x6e\x1f\x2a\x4b";
  std::vector<uint64_t> planted;
  for (size_t at = 50; at + 40 < data.size(); at += 997) {
    data.replace(at, 2, "\x48\x8d");
    data.replace(at + 4, 8, run);
    data.replace(at + 20, 10, "xy12345678");
    data.replace(at + 30, 3, "abz");
    planted.push_back(at);
  }
  std::vector<StringSpec> specs = {spec(StringSpec::Kind::kHex, "48 8D ?? ?? 9A 7B 3C 5D 6E 1F 2A 4B"),
                                   spec(StringSpec::Kind::kHex, "9A 7B 3C 5D 6E 1F 2A 4B"),
                                   spec(StringSpec::Kind::kRegex, "xy.{2}345678[a-c]+z"),
                                   spec(StringSpec::Kind::kHex, "48 8D [2] 9A [2-30] 38 61")};
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner whole(*set);
  ASSERT_EQ(whole.scan_block(bytes(data), 0, {}), ScanOutcome::kOk);
  EXPECT_EQ(offsets(whole, 0), planted);
  EXPECT_EQ(offsets(whole, 3), planted);
  EXPECT_EQ(offsets(whole, 2).size(), planted.size());
  expect_same_when_chunked(*set, data, whole, specs.size());
}

TEST(FastPaths, DeadlineStopsPathologicalVerification) {
  // /\x00+/ over zeros verifies up to 4 KB from every offset: minutes without a deadline.
  std::vector<StringSpec> specs = {spec(StringSpec::Kind::kRegex, "\\x00+")};
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  ASSERT_TRUE(set);
  PatternScanner scanner(*set);
  const std::string zeros(8 << 20, '\0');
  ScanLimits limits;
  const auto start = std::chrono::steady_clock::now();
  limits.deadline = start + std::chrono::milliseconds(200);
  EXPECT_EQ(scanner.scan_block(bytes(zeros), 0, limits), ScanOutcome::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace

namespace {

// literal_quality() rates each window of exact bytes without building (byte, mask) atoms; it
// must give what atom_quality() gives for those atoms, including the penalty for atoms of one
// common byte (00, 20, 90, CC, FF) and the bonus per distinct byte.
TEST(FastPaths, LiteralQualityEqualsAtomQualityOfEveryWindow) {
  std::mt19937 rng(20261124);
  const uint8_t alphabet[] = {0x00, 0x20, 0x90, 0xCC, 0xFF, 'a', 'Z', '7', 0x41, 0xE8};
  for (int round = 0; round < 20000; ++round) {
    std::string text(1 + rng() % 9, '\0');
    for (char& c : text)
      c = static_cast<char>(rng() % 3 ? alphabet[rng() % sizeof alphabet] : rng() % 256);
    const size_t w = std::min<size_t>(text.size(), yarrow::match::kMaxAtomLength);
    int expected = yarrow::match::kMinAtomQuality;
    for (size_t i = 0; i + w <= text.size(); ++i) {
      std::vector<std::pair<uint8_t, uint8_t>> atom;
      for (size_t k = 0; k < w; ++k) atom.emplace_back(static_cast<uint8_t>(text[i + k]), 0xFF);
      expected = std::max(expected, yarrow::match::atom_quality(atom));
    }
    ASSERT_EQ(yarrow::match::literal_quality(text), expected) << "round " << round;
  }
}

}  // namespace

namespace {

// The window rating as first written: every window rescored from scratch. text_window() slides
// its counts instead and must pick the same window.
size_t rescored_text_window(const std::string& bytes) {
  const size_t width = yarrow::match::kTextWindow;
  if (bytes.size() <= width) return 0;
  auto filler = [](uint8_t c) {
    return c == 0x00 || c == 0xff || c == 0x20 || c == 0xcc || c == 0x90;
  };
  auto score = [&](size_t at) {
    int s = 0;
    std::string seen;
    for (size_t i = at; i < at + width; ++i) {
      const auto c = static_cast<uint8_t>(bytes[i]);
      if (filler(c)) s -= 2;
      if (seen.find(static_cast<char>(c)) == std::string::npos) {
        seen.push_back(static_cast<char>(c));
        s += 3;
      }
    }
    if (filler(static_cast<uint8_t>(bytes[at + width - 1]))) s -= 4;
    return s;
  };
  size_t best_at = 0;
  int best = score(0);
  for (size_t at = 1; at + width <= bytes.size(); ++at) {
    if (score(at) > best) best = score(at), best_at = at;
  }
  return best_at;
}

TEST(FastPaths, SlidingTextWindowPicksTheRescoredWindow) {
  std::mt19937 rng(20261125);
  // Few distinct bytes, so that windows tie and repeat, fillers among them.
  const uint8_t alphabet[] = {0x00, 0x20, 0x90, 0xCC, 0xFF, 'a', 'b', 'Z', 0x41, 0xE8};
  size_t moved = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text(1 + rng() % 40, '\0');
    for (char& c : text)
      c = static_cast<char>(rng() % 4 ? alphabet[rng() % sizeof alphabet] : rng() % 256);
    const size_t expected = rescored_text_window(text);
    moved += expected != 0;
    ASSERT_EQ(yarrow::match::text_window(text), expected) << "round " << round;
  }
  EXPECT_GT(moved, 10000u);  // most inputs pick a window other than the first
}

}  // namespace
