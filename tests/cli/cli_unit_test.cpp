// Unit tests of the CLI's pure parts: yara's argument grammar, -d typing, rule-argument
// splitting and the byte-level output renderings; yarrow's own options, the progress line and
// the JSON lines rendering.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json_output.h"
#include "progress.h"
#include "rule_loading.h"
#include "scan_args.h"
#include "yara_format.h"

namespace yarrow::cli {
namespace {

ParseResult parse(std::vector<std::string> argv) { return parse_scan_args(argv); }

TEST(ScanArgs, ClusterAndValues) {
  ParseResult r = parse({"-sgl", "5", "rules.yar", "-d", "x=1", "target"});
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.args.print_strings);
  EXPECT_TRUE(r.args.print_tags);
  EXPECT_EQ(r.args.max_rules, 5);
  EXPECT_EQ(r.args.defines, std::vector<std::string>{"x=1"});
  EXPECT_EQ(r.args.positional, (std::vector<std::string>{"rules.yar", "target"}));
}

TEST(ScanArgs, IntegersAreStrtollBaseZero) {
  EXPECT_EQ(parse({"-l", "0x10"}).args.max_rules, 16);
  EXPECT_EQ(parse({"-l", "010"}).args.max_rules, 8);
  EXPECT_EQ(parse({"--max-rules=-3"}).args.max_rules, -3);
  EXPECT_EQ(parse({"-l", ""}).args.max_rules, 0);
  EXPECT_EQ(parse({"-l", "1x"}).error, "option `-l` requires an integer argument");
  EXPECT_EQ(parse({"-l5"}).error, "option `-l5` requires an integer argument");
  EXPECT_EQ(parse({"--max-rules", "5"}).error, "option `--max-rules` requires an integer argument");
}

TEST(ScanArgs, FlagsToggleAndMayBeGivenOnce) {
  EXPECT_FALSE(parse({"-N"}).args.follow_symlinks);
  EXPECT_TRUE(parse({"--count=whatever"}).args.count_only);
  EXPECT_EQ(parse({"-c", "-c"}).error, "too many `-c` options");
  EXPECT_EQ(parse({"-NN"}).error, "too many `-NN` options");
}

TEST(ScanArgs, UnknownAndPositional) {
  EXPECT_EQ(parse({"--nope"}).error, "unknown option `--nope`");
  EXPECT_EQ(parse({"-sQ"}).error, "unknown option `-sQ`");
  ParseResult r = parse({"-", "--", "x"});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.args.positional, (std::vector<std::string>{"-", "--", "x"}));
}

TEST(ScanArgs, ValueTakenEvenIfItLooksLikeAnOption) {
  ParseResult r = parse({"-i", "-s", "a", "b"});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.args.identifiers, std::vector<std::string>{"-s"});
  EXPECT_FALSE(r.args.print_strings);
}

TEST(ScanArgs, ListLimit) {
  std::vector<std::string> argv;
  for (int i = 0; i < 33; ++i) argv.insert(argv.end(), {"-t", "x"});
  EXPECT_EQ(parse(argv).error, "too many `-t` options");
}

TEST(DefineValue, Typing) {
  EXPECT_EQ(infer_define_value("12"), Value(int64_t{12}));
  EXPECT_EQ(infer_define_value("-7"), Value(int64_t{-7}));
  EXPECT_EQ(infer_define_value("4294967297"), Value(int64_t{1}));
  EXPECT_EQ(infer_define_value("1.5"), Value(1.5));
  EXPECT_EQ(infer_define_value("1."), Value(1.0));
  EXPECT_EQ(infer_define_value(".5"), Value(std::string(".5")));
  EXPECT_EQ(infer_define_value("true"), Value(true));
  EXPECT_EQ(infer_define_value("false"), Value(false));
  EXPECT_EQ(infer_define_value("True"), Value(std::string("True")));
  EXPECT_EQ(infer_define_value("-"), Value(std::string("-")));
  EXPECT_EQ(infer_define_value(""), Value(std::string("")));
  EXPECT_EQ(infer_define_value("1e5"), Value(std::string("1e5")));
}

TEST(RuleArg, NamespaceSplit) {
  // yara 4.2.3 (checked with `yara -e ns:/abs/r.yar`): ":/" separates, ":\" does not.
  RuleArg abs = split_rule_arg("ns:/no/such/file.yar");
  EXPECT_EQ(abs.ns, "ns");
  EXPECT_EQ(abs.path, "/no/such/file.yar");
  EXPECT_EQ(split_rule_arg("C:\\no\\such.yar").ns, "default");
  RuleArg a = split_rule_arg("ns:no_such_file.yar");
  EXPECT_EQ(a.ns, "ns");
  EXPECT_EQ(a.path, "no_such_file.yar");
  EXPECT_EQ(split_rule_arg("plain.yar").ns, "default");
  EXPECT_EQ(split_rule_arg("-").path, "-");
}

TEST(YaraFormat, Printable) {
  std::string out;
  append_printable(out, std::string_view("a\0\x7f~ \xff", 6));
  EXPECT_EQ(out, "a\\x00\\x7F~ \\xFF");
  out.clear();
  append_printable(out, "\x60\x61", 0x01);
  EXPECT_EQ(out, "a`");
}

TEST(YaraFormat, HexBytes) {
  std::string out;
  append_hex_bytes(out, "\x01\xab");
  EXPECT_EQ(out, "01 AB");
  out.clear();
  append_hex_bytes(out, std::string(65, 'A'));
  EXPECT_EQ(out.size(), 64 * 3 - 1 + 4);
  EXPECT_EQ(out.substr(out.size() - 4), " ...");
  out.clear();
  append_hex_bytes(out, std::string(64, 'A'));
  EXPECT_EQ(out.find("..."), std::string::npos);
}

TEST(YaraFormat, MetaEscaping) {
  std::string out;
  append_meta_escaped(out, std::string_view("q\"'\\\t\n\x01\x7f\xc3\xa9", 11));
  EXPECT_EQ(out, "q\\\"\\'\\\\\\t\\n\\001\\177\\303\\251");
  out.clear();
  append_meta_escaped(out, std::string_view("ab\0cd", 5));
  EXPECT_EQ(out, "ab");
}

TEST(YaraFormat, Offset) {
  std::string out;
  append_offset(out, 0);
  append_offset(out, 0x1aF);
  EXPECT_EQ(out, "0x00x1af");
}

TEST(ScanArgs, YarrowOptionsTakeSeparateOrJoinedValues) {
  ParseResult r = parse({"--policy", "a.toml", "--policy=b.toml", "--output", "json", "--pid",
                         "12", "--no-progress", "--show-suppressed", "r.yar"});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.args.policy_files, (std::vector<std::string>{"a.toml", "b.toml"}));
  EXPECT_EQ(r.args.output_format, "json");
  EXPECT_EQ(r.args.pids, std::vector<std::string>{"12"});
  EXPECT_TRUE(r.args.no_progress);
  EXPECT_TRUE(r.args.show_suppressed);
  EXPECT_EQ(r.args.positional, std::vector<std::string>{"r.yar"});
  // yara's own long options keep yara's grammar: no separate value.
  EXPECT_EQ(parse({"--timeout", "5"}).error, "option `--timeout` requires an integer argument");
  EXPECT_EQ(parse({"--policy"}).error, "option `--policy` requires a string argument");
}

TEST(Progress, LineFitsTheTerminalAndKeepsThePathEnd) {
  std::string line = Progress::render(3, 5 * 1024 * 1024, 2.0, "/very/long/path/to/file.bin", 50);
  EXPECT_LE(line.size(), 49u);
  EXPECT_EQ(line.find("/very"), std::string::npos);  // the start of the path is cut
  EXPECT_NE(line.find("3 targets"), std::string::npos);
  EXPECT_NE(line.find("5.0 MiB"), std::string::npos);
  EXPECT_NE(line.find("2.5 MiB/s"), std::string::npos);
  EXPECT_NE(line.find("file.bin"), std::string::npos);
  EXPECT_EQ(Progress::render(1, 10, 0, "", 80), "1 target, 10 B, 0 B/s");
}

TEST(JsonSink, FailedTargetsHaveNoFindingLines) {
  FileReport report;
  report.path = "x";
  report.ok = false;
  report.error = "could not open file";
  EXPECT_EQ(JsonSink::render(report), "");
}

}  // namespace
}  // namespace yarrow::cli
