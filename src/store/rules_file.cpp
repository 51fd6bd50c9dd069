// Serialization of detail::CompiledRules (see include/yarrow/rules_file.h for the contract).
//
// Layout: header | payload.
//   header  = magic "YARROWC\0", u32 format version, u64 build-id length, build id bytes,
//             u64 payload size, 16-byte XXH3-128 checksum of the payload (it detects damage;
//             the file is not signed).
//   payload = the built pattern set first (u8 present; then varint string count, u64 length
//             and its encoding, which ends with the serialized Vectorscan database), so that a
//             load can decode it on a second thread while it decodes the rest; then the
//             CompiledRules vectors in declaration order: varints for integer fields, counts
//             and string lengths (match/pattern_set_store.h's ByteWriter), fixed width for
//             doubles.
// Loading rebuilds nothing from the strings: the pattern set is loaded as built. The string
// specs are stored too, for the one case that needs them: Vectorscan refusing the stored
// database (a file compiled on a CPU with features this one lacks, or with another Vectorscan
// version), when the set is rebuilt from them. Condition regexes and the rule prefilter are
// derived from what is stored and rebuilt on load (cheap).
#include "yarrow/rules_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <type_traits>

#include "compile/compiled_rules.h"
#include "compile/partitions.h"
#include "compile/prefilter.h"
#include "match/pattern_set_store.h"
#include "modules/module.h"
#include "util/mapped_pages.h"

namespace yarrow {
namespace {

using detail::CompiledRules;
using detail::Node;
using detail::Op;

constexpr char kMagic[8] = {'Y', 'A', 'R', 'R', 'O', 'W', 'C', '\0'};
// 2: the built pattern set is stored; 3: filter windows; 4: one database per partition;
// 5: XXH3-128 checksum instead of SHA-256; 6: the pattern set first.
constexpr uint32_t kFormatVersion = 6;
constexpr size_t kChecksumSize = 16;  // XXH3-128

// A file written by one build must be read by a build with the same condition code and module
// schemas: the build id names the format and fingerprints every module schema.
std::string build_id() {
  static const std::string id = [] {
    std::string text = "yarrow-rules-v" + std::to_string(kFormatVersion) + ";ops=" +
                       std::to_string(static_cast<int>(Op::kForInModule));
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the schemas' declarations
    auto mix = [&h](std::string_view s) {
      for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
    };
    for (const modules::Module& m : modules::all_modules()) {
      const modules::Schema& schema = m.schema();
      mix(m.name);
      for (size_t i = 0; i < schema.field_count(); ++i) {
        const modules::Field& f = schema.field(static_cast<uint32_t>(i));
        mix(f.name);
        mix(std::to_string(static_cast<int>(f.type)) + "," + std::to_string(f.parent) + "," +
            std::to_string(f.child_count) + "," + std::to_string(f.overload_count));
        if (f.type == modules::Type::kFunction)
          for (const modules::Overload& o : schema.overloads(static_cast<uint32_t>(i)))
            mix(o.args + o.result);
      }
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return text + ";schemas=" + hex + ";patterns=" + match::pattern_set_layout_id();
  }();
  return id;
}

// Bytes already read that the caller may drop from memory (pages of a mapped file, which the
// kernel reads again if they are touched again); null when the bytes are not a mapping.
using Release = void (*)(std::span<const uint8_t>);

// XXH3-128 of `data` (canonical, big-endian bytes), hashed in slices that are released once
// hashed. XXH3 runs at memory speed; SHA-256 took 17 ms of the 110 ms a 29 MB file took to load.
bool checksum(std::span<const uint8_t> data, uint8_t out[kChecksumSize],
              Release release = nullptr) {
  constexpr size_t kSlice = size_t{1} << 20;
  XXH3_state_t* state = XXH3_createState();
  bool ok = state != nullptr && XXH3_128bits_reset(state) == XXH_OK;
  for (size_t at = 0; ok && at < data.size(); at += kSlice) {
    std::span<const uint8_t> slice = data.subspan(at, std::min(kSlice, data.size() - at));
    ok = XXH3_128bits_update(state, slice.data(), slice.size()) == XXH_OK;
    if (release != nullptr) release(slice);
  }
  if (ok) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state));
    std::memcpy(out, canonical.digest, kChecksumSize);
  }
  XXH3_freeState(state);
  return ok;
}

// ---- writing ------------------------------------------------------------------------------

using Writer = match::ByteWriter;
using Reader = match::ByteReader;

void write_value(Writer& w, const Value& v) {
  w.u8(static_cast<uint8_t>(v.index()));
  if (const bool* b = std::get_if<bool>(&v)) w.u8(*b);
  else if (const int64_t* i = std::get_if<int64_t>(&v)) w.i64(*i);
  else if (const double* d = std::get_if<double>(&v)) w.f64(*d);
  else w.str(std::get<std::string>(v));
}

// Adding a field to one of these structs changes its size: update the writer and the reader.
static_assert(sizeof(Node) == 40, "detail::Node changed: update src/store/rules_file.cpp");
static_assert(sizeof(detail::CompiledRule) == 20,
              "detail::CompiledRule changed: update src/store/rules_file.cpp");

void write_spec(Writer& w, const match::StringSpec& s) {
  w.u8(static_cast<uint8_t>(s.kind));
  w.str(s.value);
  w.u8(s.regex_nocase);
  w.u8(s.regex_dotall);
  w.u8(s.nocase);
  w.u8(s.ascii);
  w.u8(s.wide);
  w.u8(s.fullword);
  w.u8(s.xor_);
  w.u8(s.xor_min);
  w.u8(s.xor_max);
  w.u8(s.base64);
  w.u8(s.base64wide);
  w.u8(s.base64_alphabet.has_value());
  if (s.base64_alphabet) w.str(*s.base64_alphabet);
  w.u8(s.base64wide_alphabet.has_value());
  if (s.base64wide_alphabet) w.str(*s.base64wide_alphabet);
  w.u8(s.single_match_ok);
}

std::string write_payload(const CompiledRules& c) {
  Writer w;
  w.u8(c.patterns != nullptr);
  if (c.patterns != nullptr) {
    w.var(c.specs.size());
    Writer set;
    match::write_pattern_set(*c.patterns, set);
    w.blob(set.take());
  }
  w.var(c.infos.size());
  for (const RuleInfo& info : c.infos) {
    w.str(info.name);
    w.str(info.ns);
    w.strings(info.tags);
    w.var(info.meta.size());
    for (const MetaEntry& m : info.meta) {
      w.str(m.key);
      write_value(w, m.value);
    }
    w.strings(info.string_ids);
    w.u8(info.is_private);
    w.u8(info.is_global);
  }
  w.var(c.rules.size());
  for (const detail::CompiledRule& r : c.rules) {
    w.var(r.ns);
    w.var(r.strings_begin);
    w.var(r.string_count);
    w.var(r.condition);
    w.u8(r.is_global);
    w.u8(r.is_private);
  }
  w.var(c.strings.size());
  for (const detail::CompiledString& s : c.strings) {
    w.var(s.rule);
    w.str(s.id);
    w.u8(s.is_private);
    w.u8(s.fixed_offset.has_value());
    w.svar(s.fixed_offset.value_or(0));
  }
  w.strings(c.namespaces);
  w.strings(c.imports);
  w.var(c.externals.size());
  for (const detail::External& e : c.externals) {
    w.str(e.name);
    write_value(w, e.value);
  }
  w.var(c.nodes.size());
  for (const Node& n : c.nodes) {
    w.u8(static_cast<uint8_t>(n.op));
    w.u8(static_cast<uint8_t>(n.type));
    w.u8(n.aux);
    w.u8(n.aux2);
    w.var(n.index);
    w.var(n.count);
    w.var(n.slot);
    w.var(n.kids_begin);
    w.var(n.kid_count);
    w.svar(n.ival);
    w.f64(n.fval);
  }
  w.u32s(c.kids);
  w.u32s(c.set_items);
  w.strings(c.literals);
  w.var(c.regexes.size());
  for (const detail::CompiledRegex& r : c.regexes) {
    w.str(r.source);
    w.u8(r.nocase);
    w.u8(r.dotall);
  }
  w.var(c.loop_slots);
  w.var(c.specs.size());
  for (const match::StringSpec& s : c.specs) write_spec(w, s);
  return w.take();
}

// ---- reading ------------------------------------------------------------------------------

Value read_value(Reader& r) {
  switch (r.u8()) {
    case 0: return r.flag();
    case 1: return r.i64();
    case 2: return r.f64();
    case 3: return r.str();
    default: r.fail(); return int64_t{0};
  }
}

match::StringSpec read_spec(Reader& r) {
  match::StringSpec s;
  uint8_t kind = r.u8();
  if (kind > static_cast<uint8_t>(match::StringSpec::Kind::kRegex)) kind = 0xff;
  s.kind = static_cast<match::StringSpec::Kind>(kind);
  s.value = r.str();
  s.regex_nocase = r.flag();
  s.regex_dotall = r.flag();
  s.nocase = r.flag();
  s.ascii = r.flag();
  s.wide = r.flag();
  s.fullword = r.flag();
  s.xor_ = r.flag();
  s.xor_min = r.u8();
  s.xor_max = r.u8();
  s.base64 = r.flag();
  s.base64wide = r.flag();
  if (r.flag()) s.base64_alphabet = r.str();
  if (r.flag()) s.base64wide_alphabet = r.str();
  s.single_match_ok = r.flag();
  return s;
}

// The stored pattern set at the start of the payload: its bytes (empty when there is none) and
// the string count it was built for.
struct StoredPatterns {
  std::span<const uint8_t> bytes;
  uint64_t spec_count = 0;
};

bool read_stored_patterns(Reader& r, StoredPatterns& out) {
  out = {};
  if (r.flag()) {
    out.spec_count = r.var();
    out.bytes = r.blob();
    if (out.bytes.empty()) return false;
  }
  return r.ok();
}

// The rule tables, after the pattern set.
bool read_payload(Reader& r, CompiledRules& c) {
  c.infos.resize(r.count(7));
  for (RuleInfo& info : c.infos) {
    info.name = r.str();
    info.ns = r.str();
    info.tags = r.strings();
    info.meta.resize(r.count(3));
    for (MetaEntry& m : info.meta) {
      m.key = r.str();
      m.value = read_value(r);
      if (std::holds_alternative<double>(m.value)) return false;  // meta is never a float
    }
    info.string_ids = r.strings();
    info.is_private = r.flag();
    info.is_global = r.flag();
  }
  c.rules.resize(r.count(6));
  for (detail::CompiledRule& rule : c.rules) {
    rule.ns = r.var32();
    rule.strings_begin = r.var32();
    rule.string_count = r.var32();
    rule.condition = r.var32();
    rule.is_global = r.flag();
    rule.is_private = r.flag();
  }
  c.strings.resize(r.count(5));
  for (detail::CompiledString& s : c.strings) {
    s.rule = r.var32();
    s.id = r.str();
    s.is_private = r.flag();
    bool fixed = r.flag();
    int64_t offset = r.svar();
    if (fixed) s.fixed_offset = offset;
  }
  c.namespaces = r.strings();
  c.imports = r.strings();
  c.externals.resize(r.count(3));
  for (detail::External& e : c.externals) {
    e.name = r.str();
    e.value = read_value(r);
  }
  c.nodes.resize(r.count(18));
  for (Node& n : c.nodes) {
    n.op = static_cast<Op>(r.u8());
    n.type = static_cast<detail::ValueType>(r.u8());
    n.aux = r.u8();
    n.aux2 = r.u8();
    n.index = r.var32();
    n.count = r.var32();
    n.slot = r.var32();
    n.kids_begin = r.var32();
    n.kid_count = r.var32();
    n.ival = r.svar();
    n.fval = r.f64();
  }
  c.kids = r.u32s();
  c.set_items = r.u32s();
  c.literals = r.strings();
  c.regexes.resize(r.count(3));
  for (detail::CompiledRegex& re : c.regexes) {
    re.source = r.str();
    re.nocase = r.flag();
    re.dotall = r.flag();
  }
  c.loop_slots = r.var32();
  const size_t spec_count = r.count(16);
  c.specs.reserve(spec_count);
  for (size_t i = 0; i < spec_count && r.ok(); ++i) c.specs.push_back(read_spec(r));
  return r.ok() && r.at_end();
}

// Whether node `id` yields a node of module `module`'s value tree (the evaluator uses its value
// as an index into that tree): a structure, array or dictionary reached from that module's
// root, or a loop variable over one. Kids precede their parents, so one step is enough.
bool module_object(const CompiledRules& c, uint32_t id, uint32_t module) {
  if (id >= c.nodes.size()) return false;
  const Node& k = c.nodes[id];
  if (k.type != detail::ValueType::kObject) return false;
  // A loop variable over a module's array or dictionary holds its items' nodes; the evaluator
  // checks at run time that such a node belongs to the tree it is used with.
  if (k.op == Op::kLoopVar) return true;
  const bool object_op = k.op == Op::kModuleRoot || k.op == Op::kModuleMember ||
                         k.op == Op::kModuleItem || k.op == Op::kModuleLookup;
  return object_op && k.index == module;
}

// The kids the evaluator reads for each operation (node n's kids 0..required-1, the optional
// ones possibly kNoNode, any others never), so that a forged node cannot send it past its kids
// or into kNoNode.
std::string check_arity(const Node& n, const CompiledRules& c) {
  uint32_t required = 0;
  bool first_optional = false;  // kid 0 is a quantity that may be absent
  bool variadic = false;        // more kids than `required` are read too
  switch (n.op) {
    case Op::kIntRead: case Op::kStringAt: case Op::kStringOffset: case Op::kStringLength:
    case Op::kIntToFloat: case Op::kStrToBool: case Op::kNot: case Op::kNeg: case Op::kBitNot:
    case Op::kDefined: case Op::kMatches: case Op::kModuleMember:
      required = 1;
      break;
    case Op::kStringIn: case Op::kStringCountIn: case Op::kModuleItem: case Op::kModuleLookup:
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe:
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod:
    case Op::kBitAnd: case Op::kBitOr: case Op::kBitXor: case Op::kShl: case Op::kShr:
    case Op::kContains: case Op::kIContains: case Op::kStartsWith: case Op::kIStartsWith:
    case Op::kEndsWith: case Op::kIEndsWith: case Op::kIEquals: case Op::kAnd: case Op::kOr:
      required = 2;
      break;
    case Op::kOfStrings: case Op::kOfRules:
      required = n.aux2 != 0 ? 3 : 1;
      first_optional = true;
      break;
    case Op::kForOfStrings: case Op::kForInRange: case Op::kForInEnum: case Op::kForInModule:
      // {quantity, body}, {quantity, lo, hi, body}, {quantity, body, e1...}, {quantity,
      // container, body}
      required = n.op == Op::kForOfStrings ? 2 : n.op == Op::kForInRange ? 4 : 3;
      first_optional = true;
      variadic = n.op == Op::kForInEnum;
      break;
    case Op::kModuleCall:
      required = 1;
      variadic = true;
      break;
    default:
      break;
  }
  if (n.kid_count < required || (!variadic && n.kid_count > required))
    return "node has the wrong number of kids";
  if (first_optional) {
    // A count or percentage quantifier reads its quantity; all, any and none have none.
    if (n.aux > static_cast<uint8_t>(detail::Quant::kPercent)) return "bad quantifier";
    const bool counted = n.aux == static_cast<uint8_t>(detail::Quant::kCount) ||
                         n.aux == static_cast<uint8_t>(detail::Quant::kPercent);
    if (counted && c.kids[n.kids_begin] == detail::kNoNode) return "quantifier lacks its quantity";
  }
  for (uint32_t k = first_optional ? 1 : 0; k < n.kid_count; ++k)
    if (c.kids[n.kids_begin + k] == detail::kNoNode) return "node lacks a kid";
  return {};
}

// Every index the evaluator and scanner follow, checked against the table it indexes. Kids
// must precede their parent (the compiler emits them first), which also rules out cycles.
std::string check_indices(const CompiledRules& c) {
  auto in = [](uint64_t begin, uint64_t count, size_t size) { return begin + count <= size; };
  if (c.infos.size() != c.rules.size()) return "rule tables disagree";
  if (c.specs.size() != c.strings.size()) return "string tables disagree";
  if (c.loop_slots > 1u << 20) return "too many loop slots";
  for (const detail::CompiledRule& r : c.rules) {
    if (r.ns >= c.namespaces.size() || !in(r.strings_begin, r.string_count, c.strings.size()) ||
        r.condition >= c.nodes.size())
      return "rule out of range";
  }
  for (const detail::CompiledString& s : c.strings)
    if (s.rule >= c.rules.size()) return "string owner out of range";
  for (const match::StringSpec& s : c.specs) {
    if (static_cast<uint8_t>(s.kind) > static_cast<uint8_t>(match::StringSpec::Kind::kRegex))
      return "bad string kind";
    if ((s.base64_alphabet && s.base64_alphabet->size() != 64) ||
        (s.base64wide_alphabet && s.base64wide_alphabet->size() != 64))
      return "bad base64 alphabet";
  }
  for (const std::string& name : c.imports)
    if (modules::find_module(name) == nullptr) return "unknown module \"" + name + "\"";

  for (size_t i = 0; i < c.nodes.size(); ++i) {
    const Node& n = c.nodes[i];
    if (n.op > Op::kForInModule || n.type > detail::ValueType::kObject) return "bad node";
    if (!in(n.kids_begin, n.kid_count, c.kids.size())) return "node kids out of range";
    for (uint32_t k = 0; k < n.kid_count; ++k) {
      uint32_t kid = c.kids[n.kids_begin + k];
      if (kid != detail::kNoNode && kid >= i) return "node kid out of order";
    }
    if (std::string why = check_arity(n, c); !why.empty()) return why;
    bool loop_string = n.aux2 != 0;  // as the evaluator reads it
    switch (n.op) {
      case Op::kConstString:
        if (n.index >= c.literals.size()) return "literal out of range";
        break;
      case Op::kExternal:
        if (n.index >= c.externals.size()) return "external out of range";
        break;
      case Op::kRuleRef:
        if (n.index >= c.rules.size()) return "rule reference out of range";
        break;
      case Op::kLoopVar:
        if (n.slot >= c.loop_slots) return "loop slot out of range";
        break;
      case Op::kStringFound: case Op::kStringAt: case Op::kStringIn: case Op::kStringCount:
      case Op::kStringCountIn: case Op::kStringOffset: case Op::kStringLength:
        if (loop_string ? n.slot >= c.loop_slots : n.index >= c.strings.size())
          return "string reference out of range";
        break;
      case Op::kMatches: case Op::kRegexArg:
        if (n.index >= c.regexes.size()) return "regex out of range";
        break;
      case Op::kOfStrings: case Op::kForOfStrings: case Op::kOfRules: {
        if (!in(n.index, n.count, c.set_items.size())) return "set out of range";
        size_t limit = n.op == Op::kOfRules ? c.rules.size() : c.strings.size();
        for (uint32_t k = 0; k < n.count; ++k)
          if (c.set_items[n.index + k] >= limit) return "set item out of range";
        if (n.op == Op::kForOfStrings && n.slot >= c.loop_slots) return "loop slot out of range";
        break;
      }
      case Op::kForInRange: case Op::kForInEnum:
        if (n.slot >= c.loop_slots) return "loop slot out of range";
        break;
      case Op::kForInModule:
        if (n.slot + uint64_t{n.aux2 != 0 ? 2u : 1u} > c.loop_slots)
          return "loop slot out of range";
        if (n.index >= c.imports.size()) return "module out of range";
        if (!module_object(c, c.kids[n.kids_begin + 1], n.index))
          return "loop over something that is not a module container";
        break;
      case Op::kModuleRoot: case Op::kModuleMember: case Op::kModuleItem:
      case Op::kModuleLookup:
        if (n.index >= c.imports.size()) return "module out of range";
        // The evaluator follows kid 0 as a node of this module's value tree.
        if (n.op != Op::kModuleRoot && !module_object(c, c.kids[n.kids_begin], n.index))
          return "module field of something that is not a module structure";
        break;
      case Op::kModuleCall: {
        if (n.index >= c.imports.size()) return "module out of range";
        if (!module_object(c, c.kids[n.kids_begin], n.index))
          return "module call on something that is not a module structure";
        const modules::Schema& schema = modules::find_module(c.imports[n.index])->schema();
        if (n.ival < 0 || static_cast<uint64_t>(n.ival) >= schema.field_count())
          return "module function out of range";
        const modules::Field& f = schema.field(static_cast<uint32_t>(n.ival));
        if (f.type != modules::Type::kFunction || n.count >= f.overload_count)
          return "module function out of range";
        // The arguments as the overload declares them: the evaluator hands them to the
        // module's function by type.
        const modules::Overload& o = schema.overloads(static_cast<uint32_t>(n.ival))[n.count];
        if (o.impl == nullptr || o.args.size() + 1 != n.kid_count)
          return "module call does not fit its function";
        for (size_t a = 0; a < o.args.size(); ++a) {
          const Node& arg = c.nodes[c.kids[n.kids_begin + 1 + a]];
          const bool fits = o.args[a] == 'r'   ? arg.op == Op::kRegexArg
                            : o.args[a] == 'f' ? arg.type == detail::ValueType::kFloat
                            : o.args[a] == 's' ? arg.type == detail::ValueType::kString
                                               : arg.op != Op::kRegexArg &&
                                                     (arg.type == detail::ValueType::kInt ||
                                                      arg.type == detail::ValueType::kBool);
          if (!fits) return "module call does not fit its function";
        }
        break;
      }
      default:
        break;
    }
  }
  return {};
}

void fail(RulesFileError& error, RulesFileError::Kind kind, std::string message) {
  error.kind = kind;
  error.message = std::move(message);
}

}  // namespace

bool looks_like_rules_file(std::span<const uint8_t> bytes) {
  return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

std::string serialize_rules(const Rules& rules) {
  std::string payload = write_payload(rules.compiled());
  uint8_t digest[kChecksumSize] = {};
  checksum({reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}, digest);
  Writer header;
  for (char c : kMagic) header.u8(static_cast<uint8_t>(c));
  header.u32(kFormatVersion);
  header.blob(build_id());
  header.u64(payload.size());
  for (uint8_t b : digest) header.u8(b);
  return header.take() + payload;
}

namespace {

// deserialize_rules, releasing what it has read when `release` is set: peak memory is then the
// loaded rules plus the part of the file still being decoded, not plus the whole file.
std::shared_ptr<const Rules> deserialize(std::span<const uint8_t> bytes, RulesFileError& error,
                                         const ExternalOverrides& overrides, Release release) {
  using Kind = RulesFileError::Kind;
  if (!looks_like_rules_file(bytes)) {
    fail(error, Kind::kNotRulesFile, "not a yarrow compiled rules file");
    return nullptr;
  }
  Reader header(bytes.subspan(sizeof kMagic));
  uint32_t version = header.u32();
  std::span<const uint8_t> id_bytes = header.blob();
  std::string id(reinterpret_cast<const char*>(id_bytes.data()), id_bytes.size());
  uint64_t size = header.u64();
  uint8_t digest[kChecksumSize];
  for (uint8_t& b : digest) b = header.u8();
  if (!header.ok()) {
    fail(error, Kind::kCorrupt, "corrupt compiled rules file: truncated header");
    return nullptr;
  }
  if (version != kFormatVersion || id != build_id()) {
    // The message shows the file's build id: printable ASCII only, whatever the file holds.
    if (id.size() > 200) id.resize(200);
    for (char& c : id)
      if (c < 0x20 || c > 0x7e) c = '?';
    fail(error, Kind::kMismatched,
         "compiled rules file was written by another yarrow build (" + id +
             "); recompile the rules with `yarrow compile`");
    return nullptr;
  }
  size_t header_size = sizeof kMagic + 4 + 8 + id.size() + 8 + kChecksumSize;
  std::span<const uint8_t> payload = bytes.subspan(header_size);
  if (payload.size() != size) {
    fail(error, Kind::kCorrupt, "corrupt compiled rules file: truncated or padded");
    return nullptr;
  }
  auto intact = [&payload, &digest](Release drop) {
    uint8_t actual[kChecksumSize] = {};
    return checksum(payload, actual, drop) && std::memcmp(actual, digest, kChecksumSize) == 0;
  };
  auto compiled = std::make_unique<CompiledRules>();
  Reader reader(payload);
  StoredPatterns stored;
  const bool stored_ok = read_stored_patterns(reader, stored);  // two lengths, nothing decoded
  // A large pattern set (signature-base: its Vectorscan databases, 7,000 verifier programs) is
  // checksummed and then decoded on a second thread while this one decodes the rule tables;
  // the two share nothing until the string counts are compared below. The tables are decoded
  // before the checksum is known, which is safe: every decoder and check here already has to
  // withstand damaged files with a valid checksum (tests/cli/test_compiled.py forges them), and
  // nothing decoded is used unless the checksum holds. Small sets are not worth a thread.
  constexpr size_t kParallelPatternBytes = size_t{256} << 10;
  match::PatternSetLoad load;
  bool checksum_ok = false;
  std::jthread pattern_loader;
  if (stored_ok && stored.bytes.size() >= kParallelPatternBytes) {
    pattern_loader = std::jthread([&] {
      checksum_ok = intact(nullptr);  // pages are dropped after the decode, not while it reads
      if (checksum_ok) load = match::read_pattern_set(stored.bytes, stored.spec_count);
    });
  } else {
    checksum_ok = intact(release);
    if (checksum_ok && stored_ok && !stored.bytes.empty())
      load = match::read_pattern_set(stored.bytes, stored.spec_count);
  }
  const size_t tables_at = reader.position();
  const bool tables_ok = stored_ok && read_payload(reader, *compiled);
  if (pattern_loader.joinable()) pattern_loader.join();
  if (!checksum_ok) {
    fail(error, Kind::kCorrupt, "corrupt compiled rules file: checksum mismatch");
    return nullptr;
  }
  if (!tables_ok) {
    fail(error, Kind::kCorrupt, "corrupt compiled rules file: malformed payload");
    return nullptr;
  }
  if (release != nullptr) release(payload.subspan(tables_at));
  if (std::string why = check_indices(*compiled); !why.empty()) {
    fail(error, Kind::kCorrupt, "corrupt compiled rules file: " + why);
    return nullptr;
  }
  for (const auto& override_entry : overrides) {
    const std::string& name = override_entry.first;
    const Value& value = override_entry.second;
    auto it = std::find_if(compiled->externals.begin(), compiled->externals.end(),
                           [&name](const detail::External& e) { return e.name == name; });
    if (it == compiled->externals.end()) {
      fail(error, Kind::kBadExternal,
           "external variable \"" + name + "\" is not defined in the compiled rules");
      return nullptr;
    }
    if (it->value.index() != value.index()) {
      fail(error, Kind::kBadExternal, "invalid type for external variable \"" + name + "\"");
      return nullptr;
    }
    it->value = value;
  }
  for (detail::CompiledRegex& re : compiled->regexes) {
    std::string message;
    re.regex = regex::Regex::compile(re.source, re.nocase, re.dotall, message);
  }
  detail::assign_partitions(*compiled);  // as when the file was built
  if (!stored.bytes.empty()) {
    if (stored.spec_count != compiled->specs.size()) {
      fail(error, Kind::kCorrupt,
           "corrupt compiled rules file: the pattern set was built for other strings");
      return nullptr;
    }
    if (load.status == match::PatternSetLoad::Status::kCorrupt) {
      fail(error, Kind::kCorrupt, "corrupt compiled rules file: " + load.message);
      return nullptr;
    }
    compiled->patterns = std::move(load.set);  // null when kIncompatible: rebuilt below
    if (compiled->patterns &&
        compiled->patterns->partition_count() > compiled->partition_gates.size() + 1) {
      fail(error, Kind::kCorrupt, "corrupt compiled rules file: more databases than partitions");
      return nullptr;
    }
  }
  if (compiled->patterns == nullptr && !compiled->specs.empty()) {
    std::vector<match::SpecDiagnostic> diags;
    compiled->patterns = match::PatternSet::build(compiled->specs, match::BuildOptions{}, diags);
    if (compiled->patterns == nullptr) {
      fail(error, Kind::kCorrupt, "corrupt compiled rules file: its strings do not build");
      return nullptr;
    }
  }
  detail::build_prefilter(*compiled);
  return std::make_shared<const Rules>(std::move(compiled));
}

}  // namespace

std::shared_ptr<const Rules> deserialize_rules(std::span<const uint8_t> bytes,
                                               RulesFileError& error,
                                               const ExternalOverrides& overrides) {
  return deserialize(bytes, error, overrides, nullptr);
}

bool save_rules_file(const Rules& rules, const std::string& path, RulesFileError& error) {
  std::string bytes = serialize_rules(rules);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    fail(error, RulesFileError::Kind::kIo, "could not write " + path);
    return false;
  }
  return true;
}

std::shared_ptr<const Rules> load_rules_file(const std::string& path, RulesFileError& error,
                                             const ExternalOverrides& overrides) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(error, RulesFileError::Kind::kIo, "could not open file");
    return nullptr;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    fail(error, RulesFileError::Kind::kIo, "could not read file");
    return nullptr;
  }
  // A regular file is mapped, not copied, and what has been read is dropped as the load goes
  // (the checksum reads it all first, then decoding reads it again). Anything else (a pipe) is
  // read into memory.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
      fail(error, RulesFileError::Kind::kIo, "could not read file");
      return nullptr;
    }
    ::madvise(map, size, MADV_SEQUENTIAL);
    std::shared_ptr<const Rules> rules =
        deserialize({static_cast<const uint8_t*>(map), size}, error, overrides,
                    util::drop_mapped_pages);
    ::munmap(map, size);
    return rules;
  }
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail(error, RulesFileError::Kind::kIo, "could not read file");
      return nullptr;
    }
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return deserialize_rules({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, error,
                           overrides);
}

}  // namespace yarrow
