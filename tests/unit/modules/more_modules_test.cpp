// Unit tests for the magic, dex, macho and dotnet modules: schema shape, the undefined
// behaviour of short/malformed inputs, and function results on hand-built data. Parity with
// yara on real and mutated files is checked by diff_more.py / diff_magic.py (label modules).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "modules/module.h"

using namespace yarrow::modules;

namespace {

ValueTree load(const char* module, const std::vector<uint8_t>& data) {
  const Module* m = find_module(module);
  EXPECT_NE(m, nullptr) << module;
  return load_module(*m, data);
}

std::optional<int64_t> integer(const ValueTree& t, std::initializer_list<const char*> path) {
  uint32_t node = ValueTree::kRoot;
  for (const char* p : path) {
    node = t.member(node, p);
    if (node == kNoIndex) return std::nullopt;
  }
  return t.integer(node);
}

Result call(const char* module, const char* function, const std::vector<uint8_t>& data,
            std::vector<Arg> args, const char* sig) {
  const Module* m = find_module(module);
  const Schema& s = m->schema();
  auto fn = s.member(Schema::kRoot, function);
  EXPECT_TRUE(fn.has_value());
  auto overload = s.find_overload(*fn, sig);
  EXPECT_TRUE(overload.has_value()) << function << "(" << sig << ")";
  ValueTree tree = load_module(*m, data);
  CallContext ctx{&tree, ValueTree::kRoot, data, nullptr};
  return s.overloads(*fn)[*overload].impl(ctx, args);
}

void put32(std::vector<uint8_t>& d, size_t at, uint32_t v) {
  if (d.size() < at + 4) d.resize(at + 4);
  std::memcpy(d.data() + at, &v, 4);  // the tests run on little-endian hosts
}

TEST(MagicModule, TypeAndMimeType) {
  std::vector<uint8_t> text(100, 'a');
  text.push_back('\n');
  Result type = call("magic", "type", text, {}, "");
  ASSERT_TRUE(std::holds_alternative<std::string>(type));
  EXPECT_NE(std::get<std::string>(type).find("text"), std::string::npos);
  Result mime = call("magic", "mime_type", text, {}, "");
  ASSERT_TRUE(std::holds_alternative<std::string>(mime));
  EXPECT_EQ(std::get<std::string>(mime), "text/plain");
}

TEST(MagicModule, EmptyDataIsUndefinedLikeYara) {
  std::vector<uint8_t> empty;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(call("magic", "type", empty, {}, "")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(call("magic", "mime_type", empty, {}, "")));
}

TEST(MagicModule, CacheFollowsTheScannedBuffer) {
  // Two different buffers without a reload in between must not share a cached answer.
  const Module* m = find_module("magic");
  std::vector<uint8_t> a(64, 'x'), b = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  b.resize(64);
  ValueTree tree = load_module(*m, a);
  auto fn = *m->schema().member(Schema::kRoot, "mime_type");
  auto impl = m->schema().overloads(fn)[0].impl;
  Result ra = impl(CallContext{&tree, 0, a, nullptr}, {});
  Result rb = impl(CallContext{&tree, 0, b, nullptr}, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(ra));
  ASSERT_TRUE(std::holds_alternative<std::string>(rb));
  EXPECT_NE(std::get<std::string>(ra), std::get<std::string>(rb));
}

std::vector<uint8_t> dex_header() {
  std::vector<uint8_t> d(0x70, 0);
  std::memcpy(d.data(), "dex\n035", 8);
  put32(d, 32, 0x70);        // file_size
  put32(d, 36, 0x70);        // header_size
  put32(d, 40, 0x12345678);  // endian_tag
  return d;
}

TEST(DexModule, EmptyTablesGiveZeroCounts) {
  ValueTree t = load("dex", dex_header());
  EXPECT_EQ(integer(t, {"header", "endian_tag"}), 0x12345678);
  EXPECT_EQ(t.string(t.member(t.member(0, "header"), "magic")), "dex\n035");
  EXPECT_EQ(integer(t, {"number_of_methods"}), 0);
  EXPECT_EQ(integer(t, {"number_of_fields"}), 0);
  EXPECT_EQ(integer(t, {"NO_INDEX"}), 0xffffffff);
}

TEST(DexModule, ShortOrWrongMagicLeavesEverythingUndefined) {
  auto d = dex_header();
  d.pop_back();
  ValueTree t = load("dex", d);
  EXPECT_EQ(integer(t, {"header", "file_size"}), std::nullopt);
  EXPECT_EQ(integer(t, {"ACC_PUBLIC"}), 1);  // constants are always there
  auto e = dex_header();
  e[6] = '4';  // dex\n034 is not a version yara accepts
  EXPECT_EQ(integer(load("dex", e), {"header", "file_size"}), std::nullopt);
}

TEST(DexModule, TableThatDoesNotFitStopsTheParse) {
  auto d = dex_header();
  put32(d, 56, 1000);  // string_ids_size: 4000 bytes of ids in a 112-byte file
  ValueTree t = load("dex", d);
  EXPECT_EQ(integer(t, {"header", "string_ids_size"}), 1000);
  EXPECT_EQ(integer(t, {"number_of_methods"}), std::nullopt);
}

TEST(DexModule, FunctionsUndefinedWithoutMethods) {
  std::vector<uint8_t> junk(200, 0x41);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      call("dex", "has_method", junk, {std::string_view("x")}, "s")));
  Result r = call("dex", "has_class", dex_header(), {std::string_view("La;")}, "s");
  ASSERT_TRUE(std::holds_alternative<int64_t>(r));
  EXPECT_EQ(std::get<int64_t>(r), 0);
}

std::vector<uint8_t> macho64(uint32_t ncmds) {
  std::vector<uint8_t> d(32, 0);
  put32(d, 0, 0xfeedfacf);
  put32(d, 4, 0x01000007);
  put32(d, 12, 2);
  put32(d, 16, ncmds);
  return d;
}

TEST(MachoModule, HeaderOnly) {
  ValueTree t = load("macho", macho64(0));
  EXPECT_EQ(integer(t, {"magic"}), 0xfeedfacf);
  EXPECT_EQ(integer(t, {"cputype"}), 0x01000007);
  EXPECT_EQ(integer(t, {"number_of_segments"}), 0);
  EXPECT_EQ(integer(t, {"entry_point"}), std::nullopt);
  EXPECT_EQ(integer(t, {"MH_EXECUTE"}), 2);
}

TEST(MachoModule, CommandsPastTheEndAreIgnored) {
  ValueTree t = load("macho", macho64(1000));
  EXPECT_EQ(integer(t, {"ncmds"}), 1000);
  EXPECT_EQ(integer(t, {"number_of_segments"}), 0);
  auto short_file = macho64(0);
  short_file.resize(31);
  EXPECT_EQ(integer(load("macho", short_file), {"magic"}), std::nullopt);
}

TEST(MachoModule, FatWithTooManyArchitectures) {
  std::vector<uint8_t> d = {0xca, 0xfe, 0xba, 0xbe, 0xff, 0xff, 0xff, 0xff};
  ValueTree t = load("macho", d);
  EXPECT_EQ(integer(t, {"nfat_arch"}), 0xffffffff);
  EXPECT_EQ(t.length(t.member(0, "fat_arch")), 0u);
  // yara would walk 2^32 entries; the answer is the same "undefined", found at once.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      call("macho", "file_index_for_arch", d, {int64_t{7}}, "i")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      call("macho", "entry_point_for_arch", macho64(0), {int64_t{7}}, "i")));
}

TEST(DotnetModule, NotPeIsUndefinedNonDotnetPeIsZero) {
  std::vector<uint8_t> mz(256, 0);
  mz[0] = 'M';
  mz[1] = 'Z';
  EXPECT_EQ(integer(load("dotnet", mz), {"is_dotnet"}), std::nullopt);
  // A minimal PE32 with no COM descriptor: is_dotnet = 0.
  std::vector<uint8_t> pe(0x200, 0);
  pe[0] = 'M';
  pe[1] = 'Z';
  put32(pe, 0x3c, 0x40);
  put32(pe, 0x40, 0x4550);
  pe[0x44] = 0x4c;
  pe[0x45] = 0x01;
  pe[0x54] = 224;  // SizeOfOptionalHeader
  pe[0x58] = 0x0b;
  pe[0x59] = 0x01;
  EXPECT_EQ(integer(load("dotnet", pe), {"is_dotnet"}), 0);
  EXPECT_EQ(integer(load("dotnet", pe), {"number_of_streams"}), std::nullopt);
}

}  // namespace
