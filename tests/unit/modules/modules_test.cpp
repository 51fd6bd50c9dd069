// Unit tests of the module model (schema layout, value tree, dump order) and module basics.
#include <gtest/gtest.h>

#include <string>

#include "modules/module.h"

namespace yarrow::modules {
namespace {

Result answer(const CallContext&, std::span<const Arg>) { return int64_t{42}; }

Schema sample_schema() {
  return SchemaBuilder("demo")
      .integer("a")
      .string("s")
      .begin_struct_array("items")
      .integer("x")
      .string("y")
      .end()
      .integer_dictionary("d")
      .function("f", "i", 'i', answer)
      .function("f", "s", 'i', answer)
      .build();
}

TEST(Schema, MembersAreContiguousAndOverloadsMerge) {
  Schema s = sample_schema();
  EXPECT_EQ(s.module_name(), "demo");
  EXPECT_EQ(s.field(Schema::kRoot).child_count, 5u);
  auto items = s.member(Schema::kRoot, "items");
  ASSERT_TRUE(items);
  EXPECT_EQ(s.field(*items).type, Type::kArray);
  uint32_t elem = s.element(*items);
  EXPECT_EQ(s.field(elem).type, Type::kStructure);
  EXPECT_EQ(s.member_position(elem, "y"), 1u);
  auto f = s.member(Schema::kRoot, "f");
  ASSERT_TRUE(f);
  EXPECT_EQ(s.overloads(*f).size(), 2u);
  EXPECT_FALSE(s.member(Schema::kRoot, "nope"));
  EXPECT_EQ(s.find_overload(*f, "s"), 1u);
  EXPECT_FALSE(s.find_overload(*f, "f"));
}

TEST(Schema, MathSignaturesMatchYaraExactly) {
  const Schema& s = find_module("math")->schema();
  auto to_number = s.member(Schema::kRoot, "to_number");
  ASSERT_TRUE(to_number);
  EXPECT_TRUE(s.find_overload(*to_number, "b"));
  EXPECT_FALSE(s.find_overload(*to_number, "i"));  // yara: wrong arguments
  auto mode = s.member(Schema::kRoot, "mode");
  EXPECT_TRUE(s.find_overload(*mode, ""));
}

class CollectHost : public ModuleHost {
 public:
  void console_log(std::string_view line) override { lines.emplace_back(line); }
  std::optional<int64_t> now() override { return 1234; }
  std::vector<std::string> lines;
};

TEST(Console, LogGoesToHostWithYaraFormatting) {
  const Module* m = find_module("console");
  ValueTree t = load_module(*m, {});
  CollectHost host;
  CallContext ctx{&t, ValueTree::kRoot, {}, &host};
  const Schema& s = m->schema();
  uint32_t log = *s.member(Schema::kRoot, "log");
  uint32_t hex = *s.member(Schema::kRoot, "hex");
  Arg two[] = {std::string_view("p\0q", 3), std::string_view("a\0b", 3)};
  auto r = s.overloads(log)[*s.find_overload(log, "ss")].impl(ctx, std::span<const Arg>(two));
  EXPECT_EQ(std::get<int64_t>(r), 1);
  Arg minus[] = {int64_t{-1}};
  s.overloads(hex)[*s.find_overload(hex, "i")].impl(ctx, std::span<const Arg>(minus));
  ASSERT_EQ(host.lines.size(), 2u);
  EXPECT_EQ(host.lines[0], "pa\\x00b");
  EXPECT_EQ(host.lines[1], "0xffffffffffffffff");
}

TEST(Time, NowUsesHostClock) {
  const Module* m = find_module("time");
  ValueTree t = load_module(*m, {});
  CollectHost host;
  CallContext ctx{&t, ValueTree::kRoot, {}, &host};
  uint32_t now = *m->schema().member(Schema::kRoot, "now");
  EXPECT_EQ(std::get<int64_t>(m->schema().overloads(now)[0].impl(ctx, {})), 1234);
}

TEST(ValueTree, UndefinedUntilSetAndArraysGrow) {
  Schema s = sample_schema();
  ValueTreeBuilder b(s);
  b.set_integer(ValueTreeBuilder::kRoot, "a", -5);
  uint32_t items = b.member(ValueTreeBuilder::kRoot, "items");
  b.set_string(b.element(items, 2), "y", std::string_view("a\0b", 3));
  b.set_integer(b.entry(b.member(ValueTreeBuilder::kRoot, "d"), "k"), 7);
  b.set_integer(ValueTreeBuilder::kRoot, "s", 1);  // wrong type: ignored
  ValueTree t = b.finish();
  EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "a")), -5);
  EXPECT_FALSE(t.string(t.member(ValueTree::kRoot, "s")));
  uint32_t arr = t.member(ValueTree::kRoot, "items");
  EXPECT_EQ(t.length(arr), 3u);
  EXPECT_EQ(t.child(arr, 0), kNoIndex);
  EXPECT_EQ(t.string(t.member(t.child(arr, 2), "y")), std::string_view("a\0b", 3));
  EXPECT_FALSE(t.integer(t.member(t.child(arr, 2), "x")));
  EXPECT_EQ(t.integer(t.lookup(t.member(ValueTree::kRoot, "d"), "k")), 7);
  EXPECT_EQ(t.lookup(t.member(ValueTree::kRoot, "d"), "z"), kNoIndex);
}

TEST(Dump, YaraOrderAndEscapes) {
  Schema s = sample_schema();
  ValueTreeBuilder b(s);
  b.set_integer(ValueTreeBuilder::kRoot, "a", 1);
  uint32_t items = b.member(ValueTreeBuilder::kRoot, "items");
  b.set_string(b.element(items, 1), "y", "q\x01");
  b.set_integer(b.entry(b.member(ValueTreeBuilder::kRoot, "d"), "k"), 7);
  std::string text = dump_yara(b.finish());
  EXPECT_EQ(text,
            "demo\n\td\n\t\tk = 7\n\titems\n\t\t[1]\n\t\t\tx = YR_UNDEFINED\n"
            "\t\t\ty = \"q\\x01\"\n\ts = YR_UNDEFINED\n\ta = 1\n");
}

TEST(Registry, KnowsModules) {
  for (const char* name : {"elf", "math", "hash", "time", "console"})
    EXPECT_NE(find_module(name), nullptr) << name;
  EXPECT_EQ(find_module("nope"), nullptr);
}

TEST(Elf, TruncatedInputsNeverCrash) {
  std::vector<uint8_t> data = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  data.resize(200, 0xff);
  for (size_t n = 0; n <= data.size(); ++n) {
    std::span<const uint8_t> part(data.data(), n);
    ValueTree t = load_module(*find_module("elf"), part);
    EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "ET_EXEC")), 2);
  }
}

TEST(Hash, KnownVectors) {
  const Module* m = find_module("hash");
  ValueTree t = load_module(*m, {});
  const Schema& s = m->schema();
  CallContext ctx{&t, ValueTree::kRoot, {}, nullptr};
  Arg abc = std::string_view("abc");
  auto md5 = s.overloads(*s.member(Schema::kRoot, "md5"));
  EXPECT_EQ(std::get<std::string>(md5[1].impl(ctx, {&abc, 1})), "900150983cd24fb0d6963f7d28e17f72");
  auto crc = s.overloads(*s.member(Schema::kRoot, "crc32"));
  EXPECT_EQ(std::get<int64_t>(crc[1].impl(ctx, {&abc, 1})), 0x352441c2);
  Arg bounds[] = {int64_t{0}, int64_t{1}};
  EXPECT_TRUE(std::holds_alternative<std::monostate>(md5[0].impl(ctx, std::span<const Arg>(bounds, 2))));
}

TEST(Pe, NonPeIsZeroAndFunctionsUndefined) {
  const Module* m = find_module("pe");
  ASSERT_NE(m, nullptr);
  std::vector<uint8_t> data(300, 0);
  ValueTree t = load_module(*m, data);
  EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "is_pe")), 0);
  EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "IMPORT_ANY")), -1);
  const Schema& s = m->schema();
  CallContext ctx{&t, ValueTree::kRoot, data, nullptr};
  uint32_t is_dll = *s.member(Schema::kRoot, "is_dll");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(s.overloads(is_dll)[0].impl(ctx, {})));
}

TEST(Pe, MinimalHeaderAndTruncationsNeverCrash) {
  // MZ header pointing at a PE32 header with one section and a bogus import directory.
  std::vector<uint8_t> data(1024, 0);
  data[0] = 'M'; data[1] = 'Z'; data[60] = 0x80;
  const uint8_t pe[] = {'P', 'E', 0, 0, 0x4c, 0x01, 1, 0};
  std::copy(std::begin(pe), std::end(pe), data.begin() + 0x80);
  data[0x80 + 20] = 224;                        // SizeOfOptionalHeader
  data[0x80 + 22] = 0x02; data[0x80 + 23] = 0x20;  // EXECUTABLE_IMAGE | DLL
  data[0x98] = 0x0b; data[0x99] = 0x01;           // PE32 magic
  data[0x98 + 92] = 16;                           // NumberOfRvaAndSizes
  data[0x98 + 104] = 0xff; data[0x98 + 105] = 0xff;  // import directory rva
  const Module* m = find_module("pe");
  for (size_t n = 0; n <= data.size(); n += 7) {
    std::span<const uint8_t> part(data.data(), n);
    ValueTree t = load_module(*m, part);
    std::string text = dump_yara(t);
    EXPECT_FALSE(text.empty());
  }
  ValueTree t = load_module(*m, data);
  EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "is_pe")), 1);
  EXPECT_EQ(t.integer(t.member(ValueTree::kRoot, "machine")), 0x14c);
  const Schema& s = m->schema();
  CallContext ctx{&t, ValueTree::kRoot, data, nullptr};
  uint32_t is_dll = *s.member(Schema::kRoot, "is_dll");
  EXPECT_EQ(std::get<int64_t>(s.overloads(is_dll)[0].impl(ctx, {})), 0x2000);
}

}  // namespace
}  // namespace yarrow::modules
