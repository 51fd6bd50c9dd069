// Includes: relative resolution, spans and diagnostics in included files, cycles, depth.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/token_stream.h"
#include "test_util.h"

namespace yarrow::parse::testing {
namespace {
namespace fs = std::filesystem;

class IncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("yarrow_parse_inc_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& rel, const std::string& text) {
    const fs::path p = dir_ / rel;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  Parsed parse_path(const std::string& path, ParseOptions options = {}) {
    Parsed p;
    p.ok = parse_file(path, options, p.unit, p.diags);
    return p;
  }

  fs::path dir_;
};

TEST_F(IncludeTest, RelativeToIncludingFile) {
  const std::string top = write("top.yar", "include \"sub/a.yar\"\nrule top { condition: a }\n");
  write("sub/a.yar", "include \"b.yar\"\nrule a { condition: b }\n");
  write("sub/b.yar", "import \"pe\"\nrule b { condition: true }\n");
  Parsed p = parse_path(top);
  ASSERT_TRUE(p.ok) << p.first_error();
  ASSERT_EQ(p.unit.rules.size(), 3u);
  EXPECT_EQ(p.unit.rules[0].name, "b");
  EXPECT_EQ(p.unit.rules[1].name, "a");
  EXPECT_EQ(p.unit.rules[2].name, "top");
  ASSERT_EQ(p.unit.files.size(), 3u);
  EXPECT_EQ(p.unit.files[0].path, top);
  EXPECT_EQ(p.unit.rules[0].span.file, 2u);
  EXPECT_EQ(fs::path(p.unit.files[p.unit.rules[0].span.file].path).filename(), "b.yar");
  EXPECT_EQ(p.unit.imports.at(0).span.file, 2u);
  EXPECT_FALSE(p.unit.files[2].line_starts.empty());
}

// Each file's lexer borrows its text while it reads it; the unit gets every text back, also
// when the parse stops with an error inside an include (exports quote the source).
TEST_F(IncludeTest, UnitKeepsEveryFilesText) {
  const std::string a_text = "include \"b.yar\"\nrule a { condition: b }\n";
  const std::string b_text = "rule b { condition: true }\n";
  const std::string top = write("sub/a.yar", a_text);
  write("sub/b.yar", b_text);
  Parsed p = parse_path(top);
  ASSERT_TRUE(p.ok) << p.first_error();
  ASSERT_EQ(p.unit.files.size(), 2u);
  EXPECT_EQ(p.unit.files[0].text, a_text);
  EXPECT_EQ(p.unit.files[1].text, b_text);

  const std::string bad_text = "rule c { condition: ) }\n";
  write("sub/bad.yar", bad_text);
  const std::string top2_text = "include \"bad.yar\"\nrule d { condition: true }\n";
  const std::string top2 = write("sub/top2.yar", top2_text);
  Parsed q = parse_path(top2);
  EXPECT_FALSE(q.ok);
  ASSERT_EQ(q.unit.files.size(), 2u);
  EXPECT_EQ(q.unit.files[0].text, top2_text);
  EXPECT_EQ(q.unit.files[1].text, bad_text);
}

// Rule files are read in blocks: a file larger than a block, a file with no size to go by
// (a stream), and sizes that changed since they were taken all read whole.
TEST(ReadStream, ReadsEverythingWhateverTheHint) {
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  std::string expected = "kept:";
  expected += big;
  for (size_t hint : {size_t{0}, size_t{1}, size_t{65536}, big.size() - 1, big.size(),
                      big.size() + 1, big.size() * 2}) {
    std::istringstream in(big);
    std::string out = "kept:";
    read_stream(in, hint, out);
    EXPECT_FALSE(in.bad());
    EXPECT_EQ(out, expected) << "hint " << hint;
  }
  std::istringstream empty("");
  std::string out;
  read_stream(empty, 0, out);
  EXPECT_TRUE(out.empty());
}

TEST_F(IncludeTest, NoFallbackToCurrentDirectory) {
  // yara 4.2.3 does not retry the name relative to the working directory.
  const std::string top = write("sub/top.yar", "include \"other.yar\"\n");
  write("other.yar", "rule o { condition: true }\n");
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  Parsed p = parse_path(top);
  fs::current_path(old);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E108");
}

TEST_F(IncludeTest, ErrorsPointIntoTheIncludedFile) {
  const std::string top = write("top.yar", "rule t { condition: true }\ninclude \"bad.yar\"\n");
  write("bad.yar", "\n\nrule bad {\n  condition: 1 ==\n}\n");
  Parsed p = parse_path(top);
  ASSERT_FALSE(p.ok);
  const Diagnostic& d = p.diags.at(0);
  EXPECT_EQ(fs::path(d.file).filename(), "bad.yar");
  EXPECT_EQ(d.line, 5u);
  EXPECT_EQ(d.column, 1u);
  EXPECT_EQ(d.rule, "bad");
}

TEST_F(IncludeTest, MissingFile) {
  const std::string top = write("top.yar", "\ninclude \"nope.yar\"\n");
  Parsed p = parse_path(top);
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E108");
  EXPECT_EQ(p.diags.at(0).message, "can't open include file: nope.yar");
  EXPECT_EQ(p.diags.at(0).line, 2u);
}

// Like yara 4.2.3, only regular files can be included; reading /dev/zero (or a FIFO) would never
// end (found while hardening the front end; see docs/robustness.md).
TEST_F(IncludeTest, DevicesAreNotIncluded) {
  for (const char* device : {"/dev/zero", "/dev/null"}) {
    const std::string top =
        write("top.yar", std::string("include \"") + device + "\"\nrule r { condition: true }\n");
    Parsed p = parse_path(top);
    ASSERT_FALSE(p.ok) << device;
    EXPECT_EQ(p.diags.at(0).code, "E108");
    EXPECT_EQ(p.diags.at(0).message, std::string("can't open include file: ") + device);
  }
}

TEST_F(IncludeTest, Cycles) {
  const std::string self = write("self.yar", "include \"self.yar\"\n");
  Parsed p = parse_path(self);
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E109");

  const std::string b = write("b.yar", "include \"c.yar\"\n");
  write("c.yar", "include \"./b.yar\"\n");
  p = parse_path(b);
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E109");
  EXPECT_EQ(fs::path(p.diags.at(0).file).filename(), "c.yar");
}

TEST_F(IncludeTest, SameFileTwiceIsNotACycle) {
  const std::string top = write("top.yar", "include \"a.yar\"\ninclude \"a.yar\"\n");
  write("a.yar", "import \"pe\"\n");
  Parsed p = parse_path(top);
  EXPECT_TRUE(p.ok) << p.first_error();
  EXPECT_EQ(p.unit.imports.size(), 2u);
}

TEST_F(IncludeTest, DepthLimitCountsOpenFiles) {
  // i0 includes i1 ... includes i20; yara allows 16 files open at once.
  for (int i = 0; i < 20; ++i) {
    write("i" + std::to_string(i) + ".yar", "include \"i" + std::to_string(i + 1) + ".yar\"\n");
  }
  write("i20.yar", "rule z { condition: true }\n");
  Parsed ok = parse_path((dir_ / "i5.yar").string());  // i5..i20: 16 files
  EXPECT_TRUE(ok.ok) << ok.first_error();
  Parsed bad = parse_path((dir_ / "i4.yar").string());  // 17 files
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.diags.at(0).code, "E110");
  EXPECT_EQ(fs::path(bad.diags.at(0).file).filename(), "i19.yar");
}

TEST_F(IncludeTest, IncludesCanBeDisabled) {
  const std::string top = write("top.yar", "include \"a.yar\"\n");
  write("a.yar", "");
  ParseOptions options;
  options.allow_includes = false;
  Parsed p = parse_path(top, options);
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E111");
}

TEST_F(IncludeTest, IncludedFileMustEndBetweenRules) {
  // Spliced at token level, but the end of an included file is a token that yara only
  // accepts between rules.
  const std::string top = write("top.yar", "rule r {\ninclude \"cond.yar\"\n}\n");
  write("cond.yar", "condition: true");
  Parsed p = parse_path(top);
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(fs::path(p.diags.at(0).file).filename(), "cond.yar");

  const std::string top2 = write("top2.yar", "rule r {\ninclude \"rest.yar\"\n");
  write("rest.yar", "condition: true }\nrule s { condition: r }\n");
  Parsed q = parse_path(top2);
  ASSERT_TRUE(q.ok) << q.first_error();
  EXPECT_EQ(q.unit.rules.size(), 2u);
}

TEST_F(IncludeTest, StringSourceIncludesRelativeToCwd) {
  write("a.yar", "rule a { condition: true }\n");
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  Parsed p = parse("include \"a.yar\"", "");
  fs::current_path(old);
  EXPECT_TRUE(p.ok) << p.first_error();
  EXPECT_EQ(p.unit.rules.size(), 1u);
}

}  // namespace
}  // namespace yarrow::parse::testing
