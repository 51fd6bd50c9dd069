// Storing a built PatternSet and loading it back (match/pattern_set_store.h): a loaded set finds
// exactly what the built one finds, storing it again gives the same bytes, and damaged or
// inconsistent input is refused (kCorrupt), never trusted; a database Vectorscan refuses is
// reported as kIncompatible so the caller can rebuild.
#include "match/pattern_set_store.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "match/pattern_set_impl.h"

namespace {

using yarrow::match::ByteReader;
using yarrow::match::ByteWriter;
using yarrow::match::PatternScanner;
using yarrow::match::PatternSet;
using yarrow::match::PatternSetLoad;
using yarrow::match::SpecDiagnostic;
using yarrow::match::StringSpec;
using Status = PatternSetLoad::Status;

StringSpec spec(StringSpec::Kind kind, std::string v) {
  StringSpec s;
  s.kind = kind;
  s.value = std::move(v);
  return s;
}
StringSpec text(std::string v) { return spec(StringSpec::Kind::kText, std::move(v)); }
StringSpec hex(std::string v) { return spec(StringSpec::Kind::kHex, std::move(v)); }
StringSpec regex(std::string v) { return spec(StringSpec::Kind::kRegex, std::move(v)); }

std::string widen(const std::string& s) {
  std::string out;
  for (char c : s) out += std::string{c, '\0'};
  return out;
}

// One string of every kind the set handles differently, and data where each of them matches.
struct Fixture {
  std::vector<StringSpec> specs;
  std::string data;

  Fixture() {
    auto add = [this](StringSpec s, const std::string& planted) {
      specs.push_back(std::move(s));
      data += "..." + planted + "...";
    };
    add(text("plain text longer than a window"), "plain text longer than a window");
    {
      auto s = text("CaseLess");
      s.nocase = true;
      add(s, "cASElESS");
    }
    {
      auto s = text("widetext");
      s.wide = true;
      s.ascii = true;
      add(s, widen("widetext") + " widetext");
    }
    {
      auto s = text("word");
      s.fullword = true;
      add(s, "words word xword");
    }
    {
      auto s = text("xored!");
      s.xor_ = true;
      s.xor_min = 1;
      s.xor_max = 9;
      std::string x = "xored!";
      for (char& c : x) c ^= 7;
      add(s, x);
    }
    {
      auto s = text("base64 me");
      s.base64 = true;
      s.base64wide = true;
      add(s, "YmFzZTY0IG1l " + widen("YmFzZTY0IG1l"));
    }
    add(regex("re+gex[0-9]{2,3}"), "reeegex123");
    {
      auto s = regex("n?o?cASe re");
      s.regex_nocase = true;
      add(s, "NOCASE RE");
    }
    {
      auto s = regex("w(i|o)de.re");
      s.wide = true;
      s.regex_dotall = true;
      add(s, widen("wide\nre"));
    }
    add(regex("(abc|xyz)+q\\b"), "abcxyzabcq ");
    add(regex("[0-9]\\d"), "42");  // no atom worth the name: tried at every offset
    add(regex("greedy.{0,20}end"), "greedy stuff end");
    add(hex("41 42 ?? 44 [2-4] 47"), "ABxDzzG");
    add(hex("61 ( 62 | 63 64 ) 65 ?5"), "acde5");
    add(hex("51 52 53 54 55 56 57 58 59"), "QRSTUVWXY");  // fixed: checked without the VM
    add(hex("4C 4F 4E 47 [300-400] 54 41 49 4C"), "LONG" + std::string(350, '-') + "TAIL");
  }
};

using Found = std::vector<std::tuple<uint64_t, uint32_t, uint8_t>>;

std::vector<Found> scan(const PatternSet& set, const std::string& data) {
  PatternScanner scanner(set);
  std::span<const uint8_t> block(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  scanner.scan_block(block, 0, {});
  std::vector<Found> out(set.size());
  for (size_t i = 0; i < set.size(); ++i)
    for (const auto& m : scanner.matches(i)) out[i].emplace_back(m.offset, m.length, m.xor_key);
  return out;
}

std::string store(const PatternSet& set) {
  ByteWriter w;
  yarrow::match::write_pattern_set(set, w);
  return w.take();
}

PatternSetLoad load(const std::string& bytes, size_t spec_count) {
  return yarrow::match::read_pattern_set(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, spec_count);
}

std::unique_ptr<const PatternSet> build(const std::vector<StringSpec>& specs) {
  std::vector<SpecDiagnostic> diags;
  auto set = PatternSet::build(specs, {}, diags);
  for (const SpecDiagnostic& d : diags)
    if (d.is_error) ADD_FAILURE() << "string " << d.spec_index << ": " << d.message;
  return set;
}

TEST(PatternSetStore, LoadedSetFindsWhatTheBuiltSetFinds) {
  Fixture f;
  auto built = build(f.specs);
  ASSERT_TRUE(built);
  const std::vector<Found> want = scan(*built, f.data);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FALSE(want[i].empty()) << "string " << i;

  const std::string bytes = store(*built);
  PatternSetLoad loaded = load(bytes, f.specs.size());
  ASSERT_EQ(loaded.status, Status::kOk) << loaded.message;
  EXPECT_EQ(scan(*loaded.set, f.data), want);
  // Every field survived: storing the loaded set gives the same bytes.
  EXPECT_EQ(store(*loaded.set), bytes);
}

TEST(PatternSetStore, SetWithoutLiterals) {
  auto built = build({regex("[0-9]\\d")});
  ASSERT_TRUE(built);
  EXPECT_TRUE(built->impl().dbs.empty());
  PatternSetLoad loaded = load(store(*built), 1);
  ASSERT_EQ(loaded.status, Status::kOk) << loaded.message;
  EXPECT_EQ(scan(*loaded.set, "a12b"), scan(*built, "a12b"));
}

TEST(PatternSetStore, StringCountMustMatch) {
  Fixture f;
  auto built = build(f.specs);
  ASSERT_TRUE(built);
  EXPECT_EQ(load(store(*built), f.specs.size() + 1).status, Status::kCorrupt);
}

TEST(PatternSetStore, ByteSetsKeepEveryBit) {
  // Empty, full, one byte and arbitrary sets take different encodings.
  yarrow::regex::ByteSet odd;
  for (int b : {0, 9, 64, 127, 128, 200, 255}) odd.set(b);
  yarrow::regex::ByteSet one;
  one.set(77);
  yarrow::regex::ByteSet all;
  all.set();
  std::vector<yarrow::regex::Inst> insts(5);
  for (uint32_t i = 0; i < 4; ++i) insts[i] = {yarrow::regex::Inst::Op::kSet, i, 0, false};
  auto impl = std::make_unique<PatternSet::Impl>();
  impl->specs.resize(1);
  yarrow::match::Verifier v;
  v.forward = yarrow::regex::Program::from_parts(insts, {odd, one, all, {}}, 0, false);
  v.first_bytes = odd;
  v.fixed.assign({odd, one, all, {}});  // odd and empty sets: kept whole
  yarrow::match::Verifier masked = v;
  masked.fixed.assign({one, all});  // an exact byte and ??: kept as masked bytes
  impl->verifiers.push_back(std::move(v));
  impl->verifiers.push_back(std::move(masked));
  impl->atomless.push_back(0);
  impl->piece_slots = 1;
  auto set = PatternSet::from_impl(std::move(impl));
  PatternSetLoad loaded = load(store(*set), 1);
  ASSERT_EQ(loaded.status, Status::kOk) << loaded.message;
  const auto& got = loaded.set->impl().verifiers.at(0);
  EXPECT_EQ(got.first_bytes, odd);
  EXPECT_EQ(got.fixed.sets, (std::vector<yarrow::regex::ByteSet>{odd, one, all, {}}));
  EXPECT_TRUE(got.fixed.masked.empty());
  const auto& got_masked = loaded.set->impl().verifiers.at(1).fixed;
  ASSERT_EQ(got_masked.masked.size(), 2u);
  EXPECT_TRUE(got_masked.sets.empty());
  EXPECT_EQ(got_masked.masked[0].value, 77);
  EXPECT_EQ(got_masked.masked[0].mask, 0xFF);
  EXPECT_EQ(got_masked.masked[1].mask, 0);
  EXPECT_EQ(got.forward.sets(), (std::vector<yarrow::regex::ByteSet>{odd, one, all, {}}));
}

TEST(PatternSetStore, RefusedDatabaseIsIncompatibleNotCorrupt) {
  Fixture f;
  auto built = build(f.specs);
  ASSERT_TRUE(built);
  std::string bytes = store(*built);
  // The serialized Vectorscan database is the last field; damage its middle (its CRC).
  bytes[bytes.size() - 100] ^= 0x20;
  EXPECT_EQ(load(bytes, f.specs.size()).status, Status::kIncompatible);
}

TEST(PatternSetStore, EveryTruncationIsRefused) {
  auto built = build({text("abc"), hex("41 [2] 42"), regex("x+y")});
  ASSERT_TRUE(built);
  const std::string bytes = store(*built);
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(load(bytes.substr(0, n), 3).status, Status::kOk) << n;
  EXPECT_NE(load(bytes + '\0', 3).status, Status::kOk);
}

TEST(PatternSetStore, DamagedBytesNeverCrashAScan) {
  Fixture f;
  auto built = build(f.specs);
  ASSERT_TRUE(built);
  const std::string bytes = store(*built);
  std::mt19937 rng(1);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = bytes;
    for (int k = 0; k < 1 + i % 3; ++k) {
      const size_t at = rng() % b.size();
      const uint8_t values[] = {0, 1, 2, 0x7f, 0x80, 0xff, static_cast<uint8_t>(rng())};
      b[at] = static_cast<char>(values[rng() % 7]);
    }
    PatternSetLoad loaded = load(b, f.specs.size());
    if (loaded.status != Status::kOk) continue;
    ++accepted;
    scan(*loaded.set, f.data);  // any result, but no crash (run under ASan in CI's sanitizer pass)
  }
  EXPECT_GT(accepted, 0);  // some damage is harmless (a flag, a key): those paths ran too
}

// A loaded Impl with one inconsistency, stored and loaded again: check_impl must refuse it.
class Forged : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = build(f_.specs);
    ASSERT_TRUE(built);
    bytes_ = store(*built);
  }
  // A mutable copy of the stored set (without its database: the checks come first).
  std::unique_ptr<PatternSet::Impl> copy() {
    PatternSetLoad loaded = load(bytes_, f_.specs.size());
    EXPECT_EQ(loaded.status, Status::kOk);
    const PatternSet::Impl& s = loaded.set->impl();
    auto c = std::make_unique<PatternSet::Impl>();
    c->specs = s.specs;
    c->literals = s.literals;
    c->verifiers = s.verifiers;
    c->texts = s.texts;
    c->group_begin = s.group_begin;
    c->group_members = s.group_members;
    c->atomless = s.atomless;
    c->canonical = s.canonical;
    c->piece_slots = s.piece_slots;
    c->max_pattern_bytes = s.max_pattern_bytes;
    return c;
  }
  // The message the loader gives for `impl`, or "" when it is not refused as corrupt.
  std::string refusal(std::unique_ptr<PatternSet::Impl> impl) {
    auto set = PatternSet::from_impl(std::move(impl));
    PatternSetLoad loaded = load(store(*set), f_.specs.size());
    return loaded.status == Status::kCorrupt ? loaded.message : "";
  }
  size_t first_atom(const PatternSet::Impl& s) {
    for (size_t i = 0; i < s.literals.size(); ++i)
      if (s.literals[i].kind == yarrow::match::Literal::Kind::kAtom) return i;
    ADD_FAILURE();
    return 0;
  }
  size_t first_text_check(const PatternSet::Impl& s) {
    for (size_t i = 0; i < s.literals.size(); ++i)
      if (s.literals[i].text_check != UINT32_MAX) return i;
    ADD_FAILURE();
    return 0;
  }
  Fixture f_;
  std::string bytes_;
};

TEST_F(Forged, IntactCopyIsOnlyMissingItsDatabase) {
  auto set = PatternSet::from_impl(copy());
  EXPECT_EQ(load(store(*set), f_.specs.size()).status, Status::kIncompatible);
}

// Databases come by partition, in order, from partition 0, without a partition left out.
TEST_F(Forged, DatabasePartitions) {
  auto with_partitions = [&](std::vector<uint8_t> partitions) {
    auto c = copy();
    c->dbs.assign(partitions.size(), nullptr);  // "no database" entries: the order is checked
    c->db_partition = std::move(partitions);
    auto set = PatternSet::from_impl(std::move(c));
    PatternSetLoad loaded = load(store(*set), f_.specs.size());
    return loaded.status == Status::kCorrupt ? loaded.message : "";
  };
  EXPECT_EQ(with_partitions({1}), "malformed pattern set");
  EXPECT_EQ(with_partitions({0, 2}), "malformed pattern set");
  EXPECT_EQ(with_partitions({0, 1, 0}), "malformed pattern set");
  EXPECT_EQ(with_partitions({0, 64}), "malformed pattern set");
  EXPECT_EQ(with_partitions({0, 0, 1, 1, 2}), "");
}

TEST_F(Forged, LiteralIndices) {
  using Kind = yarrow::match::Literal::Kind;
  auto mutate = [&](auto change) {
    auto c = copy();
    change(*c);
    return refusal(std::move(c));
  };
  EXPECT_NE(mutate([](auto& s) { s.literals[0].spec = 9999; }), "");
  EXPECT_NE(mutate([](auto& s) { s.literals[0].kind = static_cast<Kind>(7); }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_atom(s)].verifier = 9999; }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_atom(s)].forward_pc = 99999; }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_atom(s)].backward_prog = 77; }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_atom(s)].backward_prog = -2; }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_text_check(s)].text_check = 9999; }), "");
  EXPECT_NE(mutate([&](auto& s) { s.literals[first_text_check(s)].length += 1; }), "");
  EXPECT_NE(mutate([&](auto& s) {
              auto& l = s.literals[first_text_check(s)];
              l.anchor_end = static_cast<int32_t>(l.length) + 1;
            }),
            "");
}

TEST_F(Forged, VerifiersAndPrograms) {
  using Op = yarrow::regex::Inst::Op;
  auto mutate = [&](auto change) {
    auto c = copy();
    change(*c);
    return refusal(std::move(c));
  };
  auto with_insts = [](yarrow::regex::Program& p, auto change) {
    auto insts = p.insts();
    change(insts);
    p = yarrow::regex::Program::from_parts(insts, p.sets(), p.code_start(), p.reverse());
  };
  EXPECT_NE(mutate([](auto& s) { s.verifiers[0].spec = 9999; }), "");
  EXPECT_NE(mutate([](auto& s) { s.verifiers[0].piece = 5; }), "");
  EXPECT_NE(mutate([](auto& s) { s.verifiers[0].guards.assign(3, "ab"); }), "");
  EXPECT_NE(mutate([](auto& s) {
              auto& p = s.verifiers[0].forward;
              p = yarrow::regex::Program::from_parts({}, {}, 0, false);
            }),
            "");
  EXPECT_NE(mutate([](auto& s) {
              auto& p = s.verifiers[0].forward;
              p = yarrow::regex::Program::from_parts(p.insts(), p.sets(), 99999, false);
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              with_insts(s.verifiers[0].forward, [](auto& in) { in[0] = {Op::kJmp, 99999, 0}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              with_insts(s.verifiers[0].forward, [](auto& in) { in[0] = {Op::kSplit, 0, 99999}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              with_insts(s.verifiers[0].forward, [](auto& in) { in[0] = {Op::kSet, 99999, 0}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              // A step with nothing after it.
              with_insts(s.verifiers[0].forward, [](auto& in) { in.back() = {Op::kSet, 0, 0}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              with_insts(s.verifiers[0].forward, [](auto& in) { in.back() = {Op::kBol, 0, 0}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              // A greedy loop whose exit is behind it would make the VM cycle.
              with_insts(s.verifiers[0].forward,
                         [](auto& in) { in[0] = {Op::kSplit, 0, 0, true}; });
            }),
            "");
  EXPECT_NE(mutate([&](auto& s) {
              with_insts(s.verifiers[0].forward,
                         [](auto& in) { in[0].op = static_cast<Op>(40); });
            }),
            "");
}

TEST_F(Forged, SpecsGroupsAndSlots) {
  auto mutate = [&](auto change) {
    auto c = copy();
    change(*c);
    return refusal(std::move(c));
  };
  EXPECT_NE(mutate([](auto& s) { s.specs.pop_back(); }), "");
  EXPECT_NE(mutate([](auto& s) { s.specs[0].kind = static_cast<StringSpec::Kind>(9); }), "");
  EXPECT_NE(mutate([](auto& s) { s.specs[0].piece_count = 0; }), "");
  EXPECT_NE(mutate([](auto& s) { s.specs.back().first_piece_slot = 99999; }), "");
  EXPECT_NE(mutate([](auto& s) { s.specs.back().gap_max.pop_back(); }), "");
  EXPECT_NE(mutate([](auto& s) { s.piece_slots = 999999; }), "");
  EXPECT_NE(mutate([](auto& s) { s.group_members[0] = 99999; }), "");
  EXPECT_NE(mutate([](auto& s) { s.group_begin.back() += 1; }), "");
  EXPECT_NE(mutate([](auto& s) { std::swap(s.group_begin[1], s.group_begin[2]); }), "");
  EXPECT_NE(mutate([](auto& s) { s.group_begin[0] = 1; }), "");
  EXPECT_NE(mutate([](auto& s) { s.atomless.push_back(99999); }), "");
  EXPECT_NE(mutate([](auto& s) { s.canonical.assign(s.specs.size() + 1, 0); }), "");
  EXPECT_NE(mutate([](auto& s) {
              s.canonical.resize(s.specs.size());
              for (uint32_t i = 0; i < s.canonical.size(); ++i) s.canonical[i] = i;
              s.canonical[0] = 1;  // an alias must point back to an earlier string
            }),
            "");
}

TEST(PatternSetStore, IdenticalStringsShareOneMatcher) {
  // Aliases (PatternSet::Impl::canonical) survive the round trip.
  auto s = text("same");
  s.fullword = true;
  std::vector<StringSpec> specs{s, text("other"), s};
  auto built = build(specs);
  ASSERT_TRUE(built);
  PatternSetLoad loaded = load(store(*built), specs.size());
  ASSERT_EQ(loaded.status, Status::kOk) << loaded.message;
  const std::string data = "same other same";
  const auto want = scan(*built, data);
  EXPECT_EQ(want[2].size(), 2u);
  EXPECT_EQ(scan(*loaded.set, data), want);
  EXPECT_EQ(loaded.set->impl().canonical, built->impl().canonical);
}

TEST(ByteCodec, VarintsRoundTripAndRefuseOverlongInput) {
  ByteWriter w;
  const std::vector<uint64_t> values{0, 1, 127, 128, 300, UINT32_MAX, UINT64_MAX};
  for (uint64_t v : values) w.var(v);
  const std::string bytes = w.take();
  ByteReader r({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  for (uint64_t v : values) EXPECT_EQ(r.var(), v);
  EXPECT_TRUE(r.ok() && r.at_end());

  const std::string overlong(11, '\x80');
  ByteReader bad({reinterpret_cast<const uint8_t*>(overlong.data()), overlong.size()});
  bad.var();
  EXPECT_FALSE(bad.ok());
  const std::string too_big = std::string(9, '\xff') + '\x02';  // above 64 bits
  ByteReader big({reinterpret_cast<const uint8_t*>(too_big.data()), too_big.size()});
  big.var();
  EXPECT_FALSE(big.ok());
}

}  // namespace
