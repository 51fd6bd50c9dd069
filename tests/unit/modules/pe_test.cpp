// Unit tests of the pe module's parts that do not need the reference: ordinal names, export
// parsing on a PE built in memory, function edge cases, robustness on truncated/garbage input.
// Byte-for-byte parity with yara is checked by diff_pe.py and diff_pe_functions.py.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/pe_internal.h"

using namespace yarrow::modules;

namespace {

void put16(std::vector<uint8_t>& d, size_t at, uint16_t v) { std::memcpy(&d[at], &v, 2); }
void put32(std::vector<uint8_t>& d, size_t at, uint32_t v) { std::memcpy(&d[at], &v, 4); }

// A PE32+ DLL with one section (RVA 0x1000 at file offset 0x200) holding an export directory:
// base 1, three functions (RVA 0x1100, a forwarder into the directory, 0), names "Beta" for
// index 0 and "alpha" for index 1.
std::vector<uint8_t> make_pe() {
  std::vector<uint8_t> d(0x400, 0);
  d[0] = 'M';
  d[1] = 'Z';
  put32(d, 60, 0x80);
  const size_t nt = 0x80, opt = nt + 24;
  put32(d, nt, 0x4550);
  put16(d, nt + 4, 0x8664);
  put16(d, nt + 6, 1);
  put16(d, nt + 20, 240);
  put16(d, nt + 22, 0x2022);
  put16(d, opt, 0x20b);
  put32(d, opt + 32, 0x1000);  // section alignment
  put32(d, opt + 36, 0x200);   // file alignment
  put32(d, opt + 56, 0x2000);  // size of image
  put32(d, opt + 108, 16);
  put32(d, opt + 112, 0x1000);  // export directory
  put32(d, opt + 116, 0x100);
  const size_t sec = opt + 240;
  std::memcpy(&d[sec], ".edata", 6);
  put32(d, sec + 8, 0x200);
  put32(d, sec + 12, 0x1000);
  put32(d, sec + 16, 0x200);
  put32(d, sec + 20, 0x200);
  const size_t e = 0x200;  // RVA 0x1000
  put32(d, e + 12, 0x1080);  // DLL name
  put32(d, e + 16, 1);       // ordinal base
  put32(d, e + 20, 3);
  put32(d, e + 24, 2);
  put32(d, e + 28, 0x1040);  // functions
  put32(d, e + 32, 0x1050);  // names
  put32(d, e + 36, 0x1060);  // name ordinals
  put32(d, e + 0x40, 0x1100);
  put32(d, e + 0x44, 0x10a0);  // inside the directory: a forwarder
  put32(d, e + 0x48, 0);
  put32(d, e + 0x50, 0x1090);
  put32(d, e + 0x54, 0x1098);
  put16(d, e + 0x60, 0);
  put16(d, e + 0x62, 1);
  std::strcpy(reinterpret_cast<char*>(&d[e + 0x80]), "test.dll");
  std::strcpy(reinterpret_cast<char*>(&d[e + 0x90]), "Beta");
  std::strcpy(reinterpret_cast<char*>(&d[e + 0x98]), "alpha");
  std::strcpy(reinterpret_cast<char*>(&d[e + 0xa0]), "KERNEL32.Sleep");
  return d;
}

struct Loaded {
  std::vector<uint8_t> data;
  ValueTree tree;
};

Loaded load(std::vector<uint8_t> data) {
  ValueTree tree = load_module(*find_module("pe"), data);
  return {std::move(data), std::move(tree)};
}

Result call(const Loaded& l, std::string_view name, std::string_view sig, std::vector<Arg> args,
            uint32_t self = ValueTree::kRoot) {
  const Schema& s = l.tree.schema();
  uint32_t owner = self == ValueTree::kRoot ? Schema::kRoot : l.tree.node(self).field;
  auto fn = s.member(owner, name);
  EXPECT_TRUE(fn.has_value()) << name;
  auto o = s.find_overload(*fn, sig);
  EXPECT_TRUE(o.has_value()) << name << "(" << sig << ")";
  CallContext ctx{&l.tree, self, l.data, nullptr};
  return s.overloads(*fn)[*o].impl(ctx, args);
}

int64_t integer(const Result& r) { return std::get<int64_t>(r); }
bool undefined(const Result& r) { return std::holds_alternative<std::monostate>(r); }

TEST(PeOrdinals, TablesAndFallback) {
  using pe_detail::ordinal_name;
  EXPECT_EQ(ordinal_name("WS2_32.dll", 16), "recv");
  EXPECT_EQ(ordinal_name("wsock32.DLL", 151), "__WSAFDIsSet");
  EXPECT_EQ(ordinal_name("ws2_32.dllX", 3), "closesocket");  // prefix match, as yara
  EXPECT_EQ(ordinal_name("OleAut32.dll", 2), "SysAllocString");
  EXPECT_EQ(ordinal_name("ws2_32", 16), "ord16");  // too short for the prefix
  EXPECT_EQ(ordinal_name("ws2_32.dll", 400), "ord400");
  EXPECT_EQ(ordinal_name("kernel32.dll", 1), "ord1");
  EXPECT_EQ(ordinal_name("oleaut32.dll", 65535), "ord65535");
}

TEST(PeExports, ParsedFromBuiltPe) {
  Loaded l = load(make_pe());
  const ValueTree& t = l.tree;
  EXPECT_EQ(t.integer(t.member(0, "number_of_exports")), 3);
  EXPECT_EQ(t.string(t.member(0, "dll_name")), "test.dll");
  uint32_t list = t.member(0, "export_details");
  ASSERT_EQ(t.length(list), 3u);
  uint32_t e0 = t.child(list, 0), e1 = t.child(list, 1), e2 = t.child(list, 2);
  EXPECT_EQ(t.integer(t.member(e0, "ordinal")), 1);
  EXPECT_EQ(t.string(t.member(e0, "name")), "Beta");
  EXPECT_EQ(t.integer(t.member(e0, "offset")), 0x300);
  EXPECT_EQ(t.string(t.member(e1, "forward_name")), "KERNEL32.Sleep");
  EXPECT_FALSE(t.integer(t.member(e1, "offset")).has_value());
  EXPECT_EQ(t.string(t.member(e1, "name")), "alpha");
  EXPECT_FALSE(t.string(t.member(e2, "name")).has_value());
  EXPECT_EQ(t.integer(t.member(e2, "ordinal")), 3);
}

TEST(PeFunctions, ExportsAndIndex) {
  Loaded l = load(make_pe());
  EXPECT_EQ(integer(call(l, "exports", "s", {std::string_view("ALPHA")})), 1);
  EXPECT_EQ(integer(call(l, "exports", "s", {std::string_view("gamma")})), 0);
  EXPECT_EQ(integer(call(l, "exports", "i", {int64_t{3}})), 1);
  // 4.2.3 compares an ordinal with the number of exports: ordinal 4 > 3 exports is false.
  EXPECT_EQ(integer(call(l, "exports", "i", {int64_t{4}})), 0);
  EXPECT_EQ(integer(call(l, "exports_index", "s", {std::string_view("alpha")})), 1);
  EXPECT_TRUE(undefined(call(l, "exports_index", "s", {std::string_view("gamma")})));
  EXPECT_TRUE(undefined(call(l, "exports_index", "i", {int64_t{0}})));
  EXPECT_EQ(integer(call(l, "is_dll", "", {})), 0x2000);
  EXPECT_EQ(integer(call(l, "is_64bit", "", {})), 1);
}

TEST(PeFunctions, ImportsWithoutImportDirectory) {
  Loaded l = load(make_pe());
  EXPECT_EQ(integer(call(l, "imports", "s", {std::string_view("kernel32.dll")})), 0);
  EXPECT_EQ(integer(call(l, "imports", "iss", {int64_t{-1}, std::string_view("a"), std::string_view("b")})), 0);
  auto h = call(l, "imphash", "", {});
  EXPECT_EQ(std::get<std::string>(h), "d41d8cd98f00b204e9800998ecf8427e");  // md5 of nothing
}

TEST(PeFunctions, UndefinedOnNonPe) {
  Loaded l = load(std::vector<uint8_t>(300, 'A'));
  EXPECT_TRUE(undefined(call(l, "imphash", "", {})));
  EXPECT_TRUE(undefined(call(l, "exports", "s", {std::string_view("x")})));
  EXPECT_TRUE(undefined(call(l, "imports", "s", {std::string_view("x")})));
  EXPECT_TRUE(undefined(call(l, "calculate_checksum", "", {})));
  EXPECT_TRUE(undefined(call(l, "locale", "i", {int64_t{0x409}})));
}

TEST(PeFunctions, ChecksumSkipsTheChecksumField) {
  std::vector<uint8_t> d = make_pe();
  Loaded a = load(d);
  put32(d, 0x80 + 24 + 64, 0xdeadbeef);
  Loaded b = load(d);
  EXPECT_EQ(integer(call(a, "calculate_checksum", "", {})), integer(call(b, "calculate_checksum", "", {})));
}

TEST(PeSignatures, GarbageSecurityDirectory) {
  std::vector<uint8_t> d = make_pe();
  const size_t opt = 0x80 + 24;
  put32(d, opt + 112 + 8 * 4, 0x300);  // file offset
  put32(d, opt + 112 + 8 * 4 + 4, 0x100);
  put32(d, 0x300, 0x100);
  put16(d, 0x304, 0x200);
  put16(d, 0x306, 2);
  for (size_t i = 0x308; i < 0x400; ++i) d[i] = static_cast<uint8_t>(i * 7);
  Loaded l = load(d);
  EXPECT_EQ(l.tree.integer(l.tree.member(0, "number_of_signatures")), 0);
  // Directory running past the end of the file: still 0, nothing parsed.
  put32(d, opt + 112 + 8 * 4 + 4, 0x1000);
  Loaded m = load(d);
  EXPECT_EQ(m.tree.integer(m.tree.member(0, "number_of_signatures")), 0);
}

TEST(PeRobustness, EveryTruncationLoads) {
  std::vector<uint8_t> d = make_pe();
  for (size_t n = 0; n <= d.size(); n += 7) {
    Loaded l = load(std::vector<uint8_t>(d.begin(), d.begin() + static_cast<long>(n)));
    auto is_pe = l.tree.integer(l.tree.member(0, "is_pe"));
    ASSERT_TRUE(is_pe.has_value());
    EXPECT_FALSE(dump_yara(l.tree).empty());
    if (*is_pe) (void)call(l, "exports", "s", {std::string_view("alpha")});
  }
}

TEST(PeRobustness, RandomExportDirectories) {
  std::vector<uint8_t> d = make_pe();
  uint32_t state = 12345;
  for (int round = 0; round < 500; ++round) {
    std::vector<uint8_t> m = d;
    for (int k = 0; k < 6; ++k) {
      state = state * 1103515245 + 12345;
      m[0x200 + (state >> 8) % 0x100] = static_cast<uint8_t>(state >> 24);
    }
    Loaded l = load(std::move(m));
    EXPECT_EQ(l.tree.integer(l.tree.member(0, "is_pe")), 1);
    (void)call(l, "exports_index", "s", {std::string_view("alpha")});
  }
}

}  // namespace
