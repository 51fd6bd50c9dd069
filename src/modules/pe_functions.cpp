// pe: the module's functions with yara 4.2.3's semantics, including its quirks (each noted
// where it is reproduced). They read the finished tree, the scanned bytes, and PeData for what
// the tree does not hold; a tree without PeData is a non-PE file (yara's module->data == NULL).
#include <cstdio>
#include <cstring>

#include "modules/pe_internal.h"
#include "util/digest.h"

namespace yarrow::modules::pe_detail {
namespace {

const PeData* pe_data(const CallContext& c) {
  return static_cast<const PeData*>(c.tree->module_data());
}

std::optional<int64_t> root_integer(const CallContext& c, std::string_view name) {
  return c.tree->integer(c.tree->member(ValueTree::kRoot, name));
}

// Arguments reach yara's functions as C strings: they end at the first NUL.
std::string_view c_arg(const Arg& a) {
  std::string_view s = std::get<std::string_view>(a);
  return s.substr(0, s.find('\0'));
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// yr_re_match's value (see RegexArg::match_end): -1 for no match.
int64_t match_end(const RegexArg& re, std::string_view subject) {
  if (re.match_end) return re.match_end(re.impl, subject);
  if (!re.matches(re.impl, subject)) return -1;
  return subject.empty() ? 0 : 1;
}

bool is_flag_form(std::span<const Arg> a) { return std::holds_alternative<int64_t>(a[0]); }

constexpr int64_t kImportStandard = 1, kImportDelayed = 2;

// How many imports of `dlls` the (flag-less) argument list selects: a 0/1 answer for a
// function name or ordinal, a count for a DLL alone or the regex pair.
int64_t count_imports(const std::vector<ImportedDll>& dlls, std::span<const Arg> a) {
  if (std::holds_alternative<RegexArg>(a[0])) {
    const RegexArg& dll_re = std::get<RegexArg>(a[0]);
    const RegexArg& fn_re = std::get<RegexArg>(a[1]);
    int64_t n = 0;
    for (const ImportedDll& dll : dlls) {
      // 4.2.3 tests yr_re_match() > 0 here, unlike exports(/re/) which takes any match.
      if (match_end(dll_re, dll.name) <= 0) continue;
      for (const ImportedFunction& f : dll.functions)
        if (match_end(fn_re, f.name) > 0) ++n;
    }
    return n;
  }
  std::string_view dll_name = c_arg(a[0]);
  int64_t n = 0;
  for (const ImportedDll& dll : dlls) {
    if (!iequals(dll.name, dll_name)) continue;
    for (const ImportedFunction& f : dll.functions) {
      if (a.size() == 1) {
        ++n;
      } else if (std::holds_alternative<int64_t>(a[1])) {
        if (f.has_ordinal && uint64_t{f.ordinal} == static_cast<uint64_t>(std::get<int64_t>(a[1])))
          return 1;
      } else if (iequals(f.name, c_arg(a[1]))) {
        return 1;
      }
    }
  }
  return n;
}

// Index of the first export whose name satisfies `pred`, or -1.
template <typename Pred>
int64_t find_export(const CallContext& c, int64_t n, Pred pred) {
  const ValueTree& t = *c.tree;
  uint32_t list = t.member(ValueTree::kRoot, "export_details");
  for (int64_t i = 0; i < n; ++i) {
    uint32_t e = t.child(list, static_cast<size_t>(i));
    if (e == kNoIndex) continue;
    auto name = t.string(t.member(e, "name"));
    if (name && pred(*name)) return i;
  }
  return -1;
}

int64_t find_export_ordinal(const CallContext& c, int64_t n, int64_t ordinal) {
  const ValueTree& t = *c.tree;
  uint32_t list = t.member(ValueTree::kRoot, "export_details");
  for (int64_t i = 0; i < n; ++i) {
    uint32_t e = t.child(list, static_cast<size_t>(i));
    if (e == kNoIndex) continue;
    if (t.integer(t.member(e, "ordinal")) == ordinal) return i;
  }
  return -1;
}

// Shared by exports() and exports_index(): the matching export's index, -1 when none, or
// nullopt when yara answers before looking (no exports, or its ordinal range quirk).
std::optional<int64_t> export_search(const CallContext& c, const Arg& a, int64_t n) {
  if (n == 0) return std::nullopt;
  if (auto* ordinal = std::get_if<int64_t>(&a)) {
    // 4.2.3 compares the ordinal with the number of exports, not with the ordinal range.
    if (*ordinal == 0 || *ordinal > n) return std::nullopt;
    return find_export_ordinal(c, n, *ordinal);
  }
  if (auto* re = std::get_if<RegexArg>(&a))
    return find_export(c, n, [&](std::string_view s) {
      return match_end(*re, s.substr(0, s.find('\0'))) != -1;
    });
  std::string_view wanted = std::get<std::string_view>(a);  // compared as a sized string
  return find_export(c, n, [&](std::string_view s) { return iequals(s, wanted); });
}

uint64_t rich_count(const CallContext& c, uint64_t version, uint64_t toolid, bool& defined) {
  const ValueTree& t = *c.tree;
  uint32_t rich = t.member(ValueTree::kRoot, "rich_signature");
  auto length = t.integer(t.member(rich, "length"));
  auto clear = t.string(t.member(rich, "clear_data"));
  defined = length && clear;
  if (!defined) return 0;
  if (version == kYrUndefined && toolid == kYrUndefined) return 0;
  uint64_t result = 0;
  int64_t entries = *length >= 16 ? (*length - 16) / 8 : 0;
  for (int64_t i = 0; i < entries; ++i) {
    size_t at = 16 + 8 * static_cast<size_t>(i);
    if (at + 8 > clear->size()) break;
    ByteView v({reinterpret_cast<const uint8_t*>(clear->data()), clear->size()}, false);
    uint32_t id_version = v.u32(at);
    bool match_version = version == (id_version & 0xffff);
    bool match_toolid = toolid == (id_version >> 16);
    if ((version == kYrUndefined || match_version) && (toolid == kYrUndefined || match_toolid))
      result += v.u32(at + 4);
  }
  return result;
}

Result rich_result(const CallContext& c, uint64_t version, uint64_t toolid) {
  bool defined = false;
  uint64_t n = rich_count(c, version, toolid, defined);
  if (!defined) return {};
  return static_cast<int64_t>(n);
}

Result resource_language_match(const CallContext& c, uint64_t wanted, uint64_t mask) {
  auto n = root_integer(c, "number_of_resources");
  if (!n || !pe_data(c)) return {};
  const ValueTree& t = *c.tree;
  uint32_t list = t.member(ValueTree::kRoot, "resources");
  for (int64_t i = 0; i < static_cast<int32_t>(*n); ++i) {
    uint32_t e = t.child(list, static_cast<size_t>(i));
    // An undefined language reads as yara's sentinel value, which the mask does not hide.
    uint64_t language = kYrUndefined;
    if (e != kNoIndex)
      if (auto l = t.integer(t.member(e, "language"))) language = static_cast<uint64_t>(*l);
    if ((language & mask) == wanted) return int64_t{1};
  }
  return int64_t{0};
}

}  // namespace

Result is_dll(const CallContext& c, std::span<const Arg>) {
  auto ch = root_integer(c, "characteristics");
  if (!ch) return {};
  return *ch & 0x2000;  // yara returns the flag itself, not 1
}

Result is_32bit(const CallContext& c, std::span<const Arg>) {
  auto magic = root_integer(c, "opthdr_magic");
  if (!magic) return {};
  return int64_t{*magic == kPe64Magic ? 0 : 1};
}

Result is_64bit(const CallContext& c, std::span<const Arg>) {
  auto magic = root_integer(c, "opthdr_magic");
  if (!magic) return {};
  return int64_t{*magic == kPe64Magic ? 1 : 0};
}

Result rva_to_offset(const CallContext& c, std::span<const Arg> a) {
  const PeData* pe = pe_data(c);
  if (!pe) return {};
  ByteView v(c.data, false);
  PeImage image{v, pe->nt, v.u16(pe->nt + 24) == kPe64Magic};
  int64_t off = image.rva_to_offset(static_cast<uint64_t>(std::get<int64_t>(a[0])));
  if (off == -1) return {};
  return off;
}

// section_index(name | file offset): first section matching, from the parsed fields.
Result section_index(const CallContext& c, std::span<const Arg> a) {
  const ValueTree& t = *c.tree;
  auto n = root_integer(c, "number_of_sections");
  if (!n) return {};
  uint32_t sections = t.member(ValueTree::kRoot, "sections");
  int64_t limit = std::min<int64_t>(*n, kMaxSections);
  for (int64_t i = 0; i < limit; ++i) {
    uint32_t s = t.child(sections, static_cast<size_t>(i));
    if (s == kNoIndex) continue;
    if (std::holds_alternative<std::string_view>(a[0])) {
      // yara compares C strings: both sides stop at their first NUL.
      auto sect = t.string(t.member(s, "name"));
      if (sect && c_arg(a[0]) == sect->substr(0, sect->find('\0'))) return i;
    } else {
      int64_t addr = std::get<int64_t>(a[0]);
      auto off = t.integer(t.member(s, "raw_data_offset"));
      auto size = t.integer(t.member(s, "raw_data_size"));
      if (off && size && addr >= *off && addr < *off + *size) return i;
    }
  }
  return {};
}

Result calculate_checksum(const CallContext& c, std::span<const Arg>) {
  const PeData* pe = pe_data(c);
  if (!pe) return {};
  const uint64_t checksum_at = pe->nt + 24 + 64;  // same offset for PE32 and PE32+
  const size_t size = c.data.size();
  const uint8_t* d = c.data.data();
  uint64_t sum = 0;
  for (size_t i = 0; i <= size / 4; ++i) {
    if (4 * i == checksum_at) continue;
    if (4 * i + 4 <= size) {
      sum += uint64_t{d[4 * i]} | uint64_t{d[4 * i + 1]} << 8 | uint64_t{d[4 * i + 2]} << 16 |
             uint64_t{d[4 * i + 3]} << 24;
    } else {
      for (size_t j = 0; j < size % 4; ++j) sum += uint64_t{d[4 * i + j]} << (8 * j);
    }
    if (sum > 0xffffffff) sum = (sum & 0xffffffff) + (sum >> 32);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  sum += sum >> 16;
  sum &= 0xffff;
  sum += size;
  return static_cast<int64_t>(sum);
}

Result imphash(const CallContext& c, std::span<const Arg>) {
  const PeData* pe = pe_data(c);
  if (!pe) return {};
  util::IncrementalDigest md5(util::DigestAlgorithm::md5);
  bool first = true;
  std::string item;
  for (const ImportedDll& dll : pe->imports) {
    // Only the first '.' counts, and any name continuing ".ocx"/".sys"/".dll" is cut there.
    std::string_view name = dll.name;
    size_t dot = name.find('.');
    if (dot != std::string_view::npos && name.size() - dot >= 4) {
      std::string ext(name.substr(dot, 4));
      for (char& ch : ext) ch = lower(ch);
      if (ext == ".ocx" || ext == ".sys" || ext == ".dll") name = name.substr(0, dot);
    }
    for (const ImportedFunction& f : dll.functions) {
      item.clear();
      if (!first) item += ',';
      item.append(name);
      item += '.';
      item.append(f.name);
      for (char& ch : item) ch = lower(ch);
      md5.update({reinterpret_cast<const uint8_t*>(item.data()), item.size()});
      first = false;
    }
  }
  std::optional<std::string> hex = md5.hex_final();
  if (!hex) return {};
  return std::move(*hex);
}

Result exports(const CallContext& c, std::span<const Arg> a) {
  if (!pe_data(c)) return {};
  auto n = root_integer(c, "number_of_exports");
  auto found = export_search(c, a[0], static_cast<int32_t>(n.value_or(0)));
  return int64_t{found && *found >= 0 ? 1 : 0};
}

Result exports_index(const CallContext& c, std::span<const Arg> a) {
  if (!pe_data(c)) return {};
  auto n = root_integer(c, "number_of_exports");
  auto found = export_search(c, a[0], static_cast<int32_t>(n.value_or(0)));
  if (!found || *found < 0) return {};
  return *found;
}

Result imports(const CallContext& c, std::span<const Arg> a) {
  const PeData* pe = pe_data(c);
  if (!pe) return {};
  if (!is_flag_form(a)) return count_imports(pe->imports, a);
  const int64_t flags = std::get<int64_t>(a[0]);
  std::span<const Arg> rest = a.subspan(1);
  // With a function name or ordinal the answer is 0/1; a DLL alone or regexes add counts.
  const bool boolean = rest.size() == 2 && !std::holds_alternative<RegexArg>(rest[0]);
  int64_t n = 0;
  if (flags & kImportStandard) n += count_imports(pe->imports, rest);
  if (boolean && n) return int64_t{1};
  if (flags & kImportDelayed) n += count_imports(pe->delayed, rest);
  return boolean ? int64_t{n ? 1 : 0} : n;
}

Result locale(const CallContext& c, std::span<const Arg> a) {
  return resource_language_match(c, static_cast<uint64_t>(std::get<int64_t>(a[0])), 0xffff);
}

Result language(const CallContext& c, std::span<const Arg> a) {
  return resource_language_match(c, static_cast<uint64_t>(std::get<int64_t>(a[0])), 0xff);
}

Result rich_version(const CallContext& c, std::span<const Arg> a) {
  return rich_result(c, static_cast<uint64_t>(std::get<int64_t>(a[0])), kYrUndefined);
}
Result rich_version_toolid(const CallContext& c, std::span<const Arg> a) {
  return rich_result(c, static_cast<uint64_t>(std::get<int64_t>(a[0])),
                     static_cast<uint64_t>(std::get<int64_t>(a[1])));
}
Result rich_toolid(const CallContext& c, std::span<const Arg> a) {
  return rich_result(c, kYrUndefined, static_cast<uint64_t>(std::get<int64_t>(a[0])));
}
Result rich_toolid_version(const CallContext& c, std::span<const Arg> a) {
  return rich_result(c, static_cast<uint64_t>(std::get<int64_t>(a[1])),
                     static_cast<uint64_t>(std::get<int64_t>(a[0])));
}

// signatures[i].valid_on(t): ctx.self is the signature element.
Result valid_on(const CallContext& c, std::span<const Arg> a) {
  const ValueTree& t = *c.tree;
  auto before = t.integer(t.member(c.self, "not_before"));
  auto after = t.integer(t.member(c.self, "not_after"));
  if (!before || !after) return {};
  int64_t when = std::get<int64_t>(a[0]);
  return int64_t{when >= *before && when <= *after ? 1 : 0};
}

}  // namespace yarrow::modules::pe_detail
