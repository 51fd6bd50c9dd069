// Storing and loading a built PatternSet (see pattern_set_store.h for the contract).
//
// Each stored struct has one field list below, walked by both the writer (Put) and the reader
// (Get), so a new field is one line in its list. The static_asserts catch a field added to a
// struct but not to its list (sizes as on x86-64 with libstdc++).
//
// Encoding, compact because a load reads and checksums every byte: one-byte integers, bools
// and enums as one byte; wider integers as varints (signed ones zigzagged); strings and
// vectors prefixed by their varint length; byte sets tagged (most are empty, full or one
// byte); regex instructions packed (a program is mostly byte-set steps); the Vectorscan
// database last, as a blob (u64 length).
#include <optional>
#include "match/pattern_set_store.h"

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "match/pattern_set_impl.h"

namespace yarrow::match {

#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Literal) == 40, "Literal changed: update its field list below");
static_assert(sizeof(Verifier) == 288, "Verifier changed: update its field list below");
static_assert(sizeof(SpecInfo) == 64, "SpecInfo changed: update its field list below");
static_assert(sizeof(TextCheck) == 40, "TextCheck changed: update its field list below");
static_assert(sizeof(PatternSet::Impl) == 392,
              "PatternSet::Impl changed: update its field list below");
static_assert(sizeof(regex::Inst) == 16, "regex::Inst changed: update put_inst / get_inst below");
static_assert(sizeof(regex::Program) == 80,
              "regex::Program changed: update Program::from_parts and put/get below");
#endif

// ---- field lists --------------------------------------------------------------------------
// `T` is the struct or `const` struct: the same list serves the writer and the reader.

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, SpecInfo>
void fields(Io& io, T& s) {
  io(s.kind);
  io(s.fullword);
  io(s.greedy);
  io(s.single_match_ok);
  io(s.piece_count);
  io(s.first_piece_slot);
  io(s.gap_min);
  io(s.gap_max);
}

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, Literal>
void fields(Io& io, T& l) {
  io(l.kind);
  io(l.spec);
  io(l.verifier);
  io(l.forward_pc);
  io(l.backward_prog);
  io(l.length);
  io(l.anchor_end);
  io(l.text_check);
  io(l.atom_offset);
  io(l.wide);
  io(l.xor_key);
}

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, MaskedByte>
void fields(Io& io, T& m) {
  io(m.value);
  io(m.mask);
}

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, FixedPiece>
void fields(Io& io, T& f) {
  io(f.masked);
  io(f.sets);
}

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, Verifier>
void fields(Io& io, T& v) {
  io(v.spec);
  io(v.piece);
  io(v.ascii);
  io(v.wide);
  io(v.forward);
  io(v.backwards);
  io(v.first_bytes);
  io(v.fixed);
  io(v.guards);
  io(v.max_length);
  io(v.context_bytes);
  io(v.context_offsets);
}

template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, TextCheck>
void fields(Io& io, T& t) {
  io(t.bytes);
  io(t.caseless);
}

// Impl::dbs and db_partition are stored apart (Vectorscan's own serialization);
// literal_patterns, literal_caseless and expansions are build-time only (empty once built).
template <class Io, class T>
  requires std::is_same_v<std::remove_const_t<T>, PatternSet::Impl>
void fields(Io& io, T& impl) {
  io(impl.specs);
  io(impl.literals);
  io(impl.verifiers);
  io(impl.texts);
  io(impl.group_begin);
  io(impl.group_members);
  io(impl.atomless);
  io(impl.canonical);
  io(impl.piece_slots);
  io(impl.max_pattern_bytes);
}

// ---- encoding -----------------------------------------------------------------------------

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

enum class SetTag : uint8_t { kEmpty, kAll, kOne, kBits };

// std::bitset<256> is four 64-bit words, bit i in word i / 64, in libstdc++ and libc++: on a
// little-endian machine its bytes are the canonical "bit i in byte i / 8" layout.
constexpr bool kBitsetIsBytes =
    std::endian::native == std::endian::little && sizeof(regex::ByteSet) == 32;

// What the VM relies on, checked per instruction while a program is decoded: every target and
// set index in range, a successor after every instruction that falls through, and greedy-loop
// splits whose exit lies ahead (the VM follows the exit of an already visited loop split; a
// forward exit keeps that finite).
bool inst_ok(const regex::Inst& in, size_t pc, size_t n, size_t set_count) {
  using Op = regex::Inst::Op;
  if (in.greedy_loop && (in.op != Op::kSplit || in.y <= pc)) return false;
  switch (in.op) {
    case Op::kSet:
      return in.x < set_count && pc + 1 < n;
    case Op::kSplit:
      return in.x < n && in.y < n;
    case Op::kJmp:
      return in.x < n;
    case Op::kMatch:
      return true;
    case Op::kBol:
    case Op::kEol:
    case Op::kWordB:
    case Op::kNotWordB:
      return pc + 1 < n;
  }
  return false;  // not an op
}

struct Put {
  ByteWriter& w;

  template <class T>
  void operator()(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      w.u8(v ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      (*this)(static_cast<std::underlying_type_t<T>>(v));
    } else if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
      w.u8(static_cast<uint8_t>(v));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      w.svar(v);
    } else if constexpr (std::is_integral_v<T>) {
      w.var(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      w.str(v);
    } else if constexpr (std::is_same_v<T, regex::ByteSet>) {
      put_set(v);
    } else if constexpr (std::is_same_v<T, regex::Program>) {
      (*this)(v.sets());  // first, so the reader can check set indices as it goes
      (*this)(v.insts());
      (*this)(v.code_start());
      (*this)(v.reverse());
    } else if constexpr (std::is_same_v<T, regex::Inst>) {
      put_inst(v);
    } else if constexpr (IsVector<T>::value) {
      w.var(v.size());
      for (const auto& x : v) (*this)(x);
    } else {
      fields(*this, v);
    }
  }

  // op | greedy_loop << 7, then only the operands the op uses.
  void put_inst(const regex::Inst& in) {
    using Op = regex::Inst::Op;
    w.u8(static_cast<uint8_t>(static_cast<uint8_t>(in.op) | (in.greedy_loop ? 0x80 : 0)));
    if (in.op == Op::kSet || in.op == Op::kSplit || in.op == Op::kJmp) w.var(in.x);
    if (in.op == Op::kSplit) w.var(in.y);
  }

  void put_set(const regex::ByteSet& s) {
    const size_t n = regex::byte_count(s);
    if (n == 0) {
      w.u8(static_cast<uint8_t>(SetTag::kEmpty));
    } else if (n == 256) {
      w.u8(static_cast<uint8_t>(SetTag::kAll));
    } else if (n == 1) {
      size_t b = 0;
      while (!s.test(b)) ++b;
      w.u8(static_cast<uint8_t>(SetTag::kOne));
      w.u8(static_cast<uint8_t>(b));
    } else {
      w.u8(static_cast<uint8_t>(SetTag::kBits));
      uint8_t bytes[32] = {};
      if constexpr (kBitsetIsBytes) {
        std::memcpy(bytes, &s, 32);
      } else {
        for (size_t i = 0; i < 256; ++i)
          if (s.test(i)) bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
      }
      w.raw(bytes, 32);
    }
  }
};

// The smallest encoding of a T (a default T: empty vectors and strings, empty byte sets): a
// stored count of Ts can't exceed the bytes left divided by this.
template <class T>
size_t min_encoded() {
  static const size_t n = [] {
    ByteWriter w;
    Put{w}(T{});
    return w.size();
  }();
  return n;
}

struct Get {
  ByteReader& r;

  template <class T>
  void operator()(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = r.flag();
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> u{};
      (*this)(u);
      v = static_cast<T>(u);  // range-checked by check_impl
    } else if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
      v = static_cast<T>(r.u8());
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      const int64_t x = r.svar();
      if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) r.fail();
      v = static_cast<T>(x);
    } else if constexpr (std::is_integral_v<T>) {
      const uint64_t u = r.var();
      if (u > std::numeric_limits<T>::max()) r.fail();
      v = static_cast<T>(u);
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = r.str();
    } else if constexpr (std::is_same_v<T, regex::ByteSet>) {
      get_set(v);
    } else if constexpr (std::is_same_v<T, regex::Program>) {
      std::vector<regex::ByteSet> sets;
      (*this)(sets);
      const uint64_t n = r.var();
      if (n == 0 || n > r.remaining()) {  // an instruction takes at least one byte
        r.fail();
        return;
      }
      std::vector<regex::Inst> insts(n);
      for (size_t pc = 0; pc < n && r.ok(); ++pc) {
        get_inst(insts[pc]);
        if (!inst_ok(insts[pc], pc, n, sets.size())) r.fail();
      }
      uint32_t code_start = 0;
      bool reverse = false;
      (*this)(code_start);
      (*this)(reverse);
      if (code_start >= n) r.fail();
      v = regex::Program::from_parts(std::move(insts), std::move(sets), code_start, reverse);
    } else if constexpr (std::is_same_v<T, regex::Inst>) {
      get_inst(v);
    } else if constexpr (IsVector<T>::value) {
      // A count the rest of the input can't hold is refused before anything is allocated.
      const uint64_t n = r.var();
      v.clear();
      if (n > r.remaining() / min_encoded<typename T::value_type>()) {
        r.fail();
        return;
      }
      v.resize(n);
      for (auto& x : v) {
        (*this)(x);
        if (!r.ok()) break;
      }
    } else {
      fields(*this, v);
    }
  }

  void get_inst(regex::Inst& in) {
    using Op = regex::Inst::Op;
    const uint8_t b = r.u8();
    in.op = static_cast<Op>(b & 0x7f);  // checked by inst_ok
    in.greedy_loop = (b & 0x80) != 0;
    in.x = in.y = 0;
    if (in.op == Op::kSet || in.op == Op::kSplit || in.op == Op::kJmp) (*this)(in.x);
    if (in.op == Op::kSplit) (*this)(in.y);
  }

  void get_set(regex::ByteSet& s) {
    s.reset();
    switch (static_cast<SetTag>(r.u8())) {
      case SetTag::kEmpty:
        break;
      case SetTag::kAll:
        s.set();
        break;
      case SetTag::kOne:
        s.set(r.u8());
        break;
      case SetTag::kBits: {
        std::span<const uint8_t> bytes = r.raw(32);
        if (bytes.size() != 32) break;
        if constexpr (kBitsetIsBytes) {
          std::memcpy(&s, bytes.data(), 32);
        } else {
          for (size_t i = 0; i < 256; ++i)
            if ((bytes[i / 8] >> (i % 8)) & 1) s.set(i);
        }
        break;
      }
      default:
        r.fail();
    }
  }
};

// ---- checks -------------------------------------------------------------------------------

std::string check_impl(const PatternSet::Impl& s, size_t spec_count) {
  if (s.specs.size() != spec_count) return "pattern set does not match the string table";
  uint64_t pieces = 0;
  for (const SpecInfo& info : s.specs) {
    if (info.kind > StringSpec::Kind::kRegex) return "bad pattern kind";
    if (info.piece_count == 0 || info.gap_min.size() != info.gap_max.size())
      return "bad chained string";
    if (info.piece_count > 1 ? info.gap_min.size() != info.piece_count
                             : info.gap_min.size() > 1)
      return "bad chained string";
    pieces += info.piece_count;
  }
  if (s.piece_slots > pieces) return "bad piece slots";
  for (const SpecInfo& info : s.specs)
    if (uint64_t{info.first_piece_slot} + info.piece_count > s.piece_slots)
      return "piece slot out of range";

  for (const Verifier& v : s.verifiers) {
    if (v.spec >= s.specs.size() || v.piece >= s.specs[v.spec].piece_count)
      return "verifier out of range";
    if (v.guards.size() > 2) return "too many guards";  // the scanner keeps two memo slots
    if (v.context_bytes.size() != v.context_offsets.size()) return "bad atom context";
    if (!v.fixed.masked.empty() && !v.fixed.sets.empty()) return "bad fixed piece";
  }
  for (const Literal& l : s.literals) {
    if (l.kind > Literal::Kind::kAtom || l.spec >= s.specs.size()) return "literal out of range";
    if (l.kind == Literal::Kind::kText) {
      if (l.text_check == UINT32_MAX) {
        if (l.anchor_end != static_cast<int64_t>(l.length)) return "bad text literal";
      } else if (l.text_check >= s.texts.size() ||
                 s.texts[l.text_check].bytes.size() != l.length || l.anchor_end < 0 ||
                 static_cast<uint32_t>(l.anchor_end) > l.length) {
        return "bad text literal";
      }
      continue;
    }
    if (l.verifier >= s.verifiers.size()) return "literal verifier out of range";
    const Verifier& v = s.verifiers[l.verifier];
    if (v.spec != l.spec || l.forward_pc >= v.forward.insts().size() ||
        (l.backward_prog != -1 &&
         (l.backward_prog < 0 || static_cast<size_t>(l.backward_prog) >= v.backwards.size())))
      return "bad atom literal";
  }
  for (uint32_t vi : s.atomless)
    if (vi >= s.verifiers.size()) return "atomless verifier out of range";
  if (!s.canonical.empty() && s.canonical.size() != s.specs.size()) return "bad string aliases";
  for (size_t i = 0; i < s.canonical.size(); ++i)
    if (s.canonical[i] > i || s.canonical[s.canonical[i]] != s.canonical[i])
      return "bad string aliases";
  if (s.group_begin.empty()) {
    if (!s.group_members.empty()) return "bad pattern groups";
  } else {
    if (s.group_begin.front() != 0 || s.group_begin.back() != s.group_members.size())
      return "bad pattern groups";
    for (size_t g = 1; g < s.group_begin.size(); ++g)
      if (s.group_begin[g] < s.group_begin[g - 1]) return "bad pattern groups";
  }
  for (uint32_t m : s.group_members)
    if (m >= s.literals.size()) return "pattern group member out of range";
  return {};
}

// ---- entry points -------------------------------------------------------------------------

std::string pattern_set_layout_id() {
  // The encoding of a default value of each stored struct has one byte or more per field, so a
  // field added to a list changes it; the sizes catch a field not yet in its list.
  ByteWriter w;
  Put put{w};
  put(SpecInfo{});
  put(Literal{});
  put(Verifier{});
  put(TextCheck{});
  const PatternSet::Impl empty;
  fields(put, empty);
  for (size_t n : {sizeof(SpecInfo), sizeof(Literal), sizeof(Verifier), sizeof(TextCheck),
                   sizeof(PatternSet::Impl), sizeof(regex::Inst), sizeof(regex::Program)})
    w.var(n);
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : w.take()) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void write_pattern_set(const PatternSet& set, ByteWriter& out) {
  const PatternSet::Impl& impl = set.impl();
  Put put{out};
  fields(put, impl);
  // Per database: its partition, whether it has patterns, then Vectorscan's bytes.
  out.var(impl.dbs.size());
  for (size_t d = 0; d < impl.dbs.size(); ++d) {
    hs_database_t* db = impl.dbs[d];
    out.var(impl.db_partition[d]);
    out.var(db != nullptr ? 1 : 0);
    if (db == nullptr) continue;
    char* bytes = nullptr;
    size_t length = 0;
    if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) {
      // Serializing only fails when out of memory; an empty blob makes the load rebuild.
      out.blob({});
      continue;
    }
    out.blob({bytes, length});
    std::free(bytes);
  }
}

PatternSetLoad read_pattern_set(std::span<const uint8_t> bytes, size_t spec_count) {
  using Status = PatternSetLoad::Status;
  PatternSetLoad result;
  auto impl = std::make_unique<PatternSet::Impl>();
  ByteReader r(bytes);
  Get get{r};
  fields(get, *impl);
  // Databases by partition, in ascending order, at most kMaxStoredDatabases of them.
  constexpr uint64_t kMaxStoredDatabases = 4096;
  const uint64_t db_count = r.var();
  std::vector<std::optional<std::span<const uint8_t>>> blobs;  // nullopt: no database
  bool partitions_ok = true;
  for (uint64_t i = 0; r.ok() && i < db_count && i < kMaxStoredDatabases; ++i) {
    const uint64_t partition = r.var();
    const uint64_t previous = impl->db_partition.empty() ? 0 : impl->db_partition.back();
    if (partition >= 64 || partition < previous || partition > previous + 1 ||
        (impl->db_partition.empty() && partition != 0))
      partitions_ok = false;
    impl->db_partition.push_back(static_cast<uint8_t>(partition & 63));
    if (r.var() != 0) {
      blobs.emplace_back(r.blob());
    } else {
      blobs.emplace_back();
    }
  }
  if (!r.ok() || !r.at_end() || db_count > kMaxStoredDatabases || !partitions_ok) {
    result.message = "malformed pattern set";
    return result;
  }
  if (std::string why = check_impl(*impl, spec_count); !why.empty()) {
    result.message = why;
    return result;
  }
  if (impl->group_begin.size() > 1 && blobs.empty()) {
    result.status = Status::kIncompatible;  // patterns without a database: rebuilt
    result.message = "no stored pattern database";
    return result;
  }
  for (const auto& db : blobs) {
    hs_database_t*& out = impl->dbs.emplace_back(nullptr);
    if (!db) continue;
    // Vectorscan checks the version, the platform (CPU features) and a CRC of the bytecode.
    if (db->empty() ||
        hs_deserialize_database(reinterpret_cast<const char*>(db->data()), db->size(), &out) !=
            HS_SUCCESS) {
      out = nullptr;
      result.status = Status::kIncompatible;
      result.message = "Vectorscan refused the stored database";
      return result;
    }
  }
  result.status = Status::kOk;
  result.set = PatternSet::from_impl(std::move(impl));
  return result;
}

std::unique_ptr<const PatternSet> PatternSet::from_impl(std::unique_ptr<Impl> impl) {
  return std::unique_ptr<const PatternSet>(new PatternSet(std::move(impl)));
}

}  // namespace yarrow::match
