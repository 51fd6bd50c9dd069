// Condition AST shapes: every construct and precedence level (parse/ast.h ExprKind table).
#include <gtest/gtest.h>

#include "test_util.h"

namespace yarrow::parse::testing {
namespace {

TEST(ExprTest, Literals) {
  EXPECT_EQ(cond("true"), "(true)");
  EXPECT_EQ(cond("false"), "(false)");
  EXPECT_EQ(cond("1"), "1");
  EXPECT_EQ(cond("0x1F"), "31");
  EXPECT_EQ(cond("0o17"), "15");
  EXPECT_EQ(cond("2KB"), "2048");
  EXPECT_EQ(cond("3MB"), "3145728");
  EXPECT_EQ(cond("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(cond("1.5"), "1.5");
  EXPECT_EQ(cond("\"a\\x41\\n\""), "\"aA\n\"");
  EXPECT_EQ(cond("/a\\/b/is"), "/a\\/b/is");
  EXPECT_EQ(cond("filesize"), "(filesize)");
  EXPECT_EQ(cond("entrypoint"), "(entrypoint)");
}

TEST(ExprTest, IntegerReaders) {
  Parsed p = parse("rule r { condition: uint32be(4) }");
  ASSERT_TRUE(p.ok) << p.first_error();
  const ast::Expr& e = p.unit.at(p.rule().condition);
  EXPECT_EQ(e.kind, ast::ExprKind::kIntRead);
  EXPECT_EQ(e.reader, ast::IntReader::kUint32be);
  ASSERT_EQ(e.kids.size(), 1u);
  EXPECT_EQ(p.unit.at(e.kids[0]).int_value, 4);
  EXPECT_EQ(cond("int8(0) + int16(1)"), "(+ (read 0 0) (read 1 1))");
}

TEST(ExprTest, ArithmeticPrecedence) {
  EXPECT_EQ(cond("1 + 2 * 3 == 7"), "(== (+ 1 (* 2 3)) 7)");
  EXPECT_EQ(cond("1 - 2 - 3 == 0"), "(== (- (- 1 2) 3) 0)");
  EXPECT_EQ(cond("8 \\ 2 % 3 == 1"), "(== (% (\\ 8 2) 3) 1)");
  EXPECT_EQ(cond("1 << 2 + 1 == 8"), "(== (<< 1 (+ 2 1)) 8)");
  EXPECT_EQ(cond("1 | 2 ^ 3 & 4 == 0"), "(== (| 1 (^ 2 (& 3 4))) 0)");
  EXPECT_EQ(cond("1 & 2 << 1 == 0"), "(== (& 1 (<< 2 1)) 0)");
  EXPECT_EQ(cond("-1 + ~2 == 0"), "(== (+ (neg 1) (~ 2)) 0)");
  EXPECT_EQ(cond("- -1 == 1"), "(== (neg (neg 1)) 1)");
  EXPECT_EQ(cond("-(1 + 2) * 3 == 0"), "(== (* (neg (+ 1 2)) 3) 0)");
  EXPECT_EQ(cond("(1 + 2) * 3 == 9"), "(== (* (+ 1 2) 3) 9)");
  EXPECT_EQ(cond("1 >> 2 << 3"), "(<< (>> 1 2) 3)");
}

TEST(ExprTest, BooleanPrecedence) {
  EXPECT_EQ(cond("true or false and false"), "(or (true) (and (false) (false)))");
  EXPECT_EQ(cond("not true and false"), "(and (not (true)) (false))");
  EXPECT_EQ(cond("not 1 == 2"), "(not (== 1 2))");
  EXPECT_EQ(cond("defined 1 + 1 == 2"), "(defined (== (+ 1 1) 2))");
  EXPECT_EQ(cond("defined true and false"), "(and (defined (true)) (false))");
  EXPECT_EQ(cond("not not true"), "(not (not (true)))");
  EXPECT_EQ(cond("(true or false) and true"), "(and (or (true) (false)) (true))");
  EXPECT_EQ(cond("1 < 2 and 3 >= 2 or 1 != 1"), "(or (and (< 1 2) (>= 3 2)) (!= 1 1))");
}

TEST(ExprTest, Comparisons) {
  EXPECT_EQ(cond("1 <= 2"), "(<= 1 2)");
  EXPECT_EQ(cond("1 > 2"), "(> 1 2)");
  EXPECT_EQ(cond("\"a\" contains \"b\""), "(contains \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" icontains \"b\""), "(icontains \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" startswith \"b\""), "(startswith \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" istartswith \"b\""), "(istartswith \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" endswith \"b\""), "(endswith \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" iendswith \"b\""), "(iendswith \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" iequals \"b\""), "(iequals \"a\" \"b\")");
  EXPECT_EQ(cond("\"a\" matches /a.c/i"), "(matches \"a\" /a.c/i)");
}

TEST(ExprTest, ParenthesisedPrimaryStaysPrimary) {
  EXPECT_EQ(cond("(1) == 1"), "(== 1 1)");
  EXPECT_EQ(cond("((1 + 1)) * 2 == 4"), "(== (* (+ 1 1) 2) 4)");
  EXPECT_EQ(cond("(1 == 1)"), "(== 1 1)");
}

TEST(ExprTest, StringReferences) {
  EXPECT_EQ(cond_s("$a"), "$a");
  EXPECT_EQ(cond_s("$a at 10 + 1"), "(at $a (+ 10 1))");
  EXPECT_EQ(cond_s("$a in (0..filesize - 1)"), "(in $a (range 0 (- (filesize) 1)))");
  EXPECT_EQ(cond_s("#a == 2"), "(== #a 2)");
  EXPECT_EQ(cond_s("#a in (0..10) == 1"), "(== (count-in #a (range 0 10)) 1)");
  EXPECT_EQ(cond_s("@a == 0"), "(== (offset @a) 0)");
  EXPECT_EQ(cond_s("@a[2] == 0"), "(== (offset @a 2) 0)");
  EXPECT_EQ(cond_s("!a == 1"), "(== (length !a) 1)");
  EXPECT_EQ(cond_s("!a[1 + 1] == 1"), "(== (length !a (+ 1 1)) 1)");
  EXPECT_EQ(cond_s("!a != 1"), "(!= (length !a) 1)");
}

TEST(ExprTest, OfExpressions) {
  EXPECT_EQ(cond_s("any of them"), "(of any - (strings them) -)");
  EXPECT_EQ(cond_s("all of ($a, $b*)"), "(of all - (strings $a $b*) -)");
  EXPECT_EQ(cond_s("none of ($*)"), "(of none - (strings $*) -)");
  EXPECT_EQ(cond_s("2 of them"), "(of count 2 (strings them) -)");
  EXPECT_EQ(cond_s("1 + 1 of them"), "(of count (+ 1 1) (strings them) -)");
  EXPECT_EQ(cond_s("50% of them"), "(of percent 50 (strings them) -)");
  EXPECT_EQ(cond_s("1 * 50% of them"), "(of percent (* 1 50) (strings them) -)");
  EXPECT_EQ(cond_s("any of them in (0..100)"), "(of any - (strings them) (range 0 100))");
  EXPECT_EQ(cond("any of (r1, r2*)"), "(of any - (rules r1 r2*) -)");
  EXPECT_EQ(cond("any of (r1 *)"), "(of any - (rules r1*) -)");

  Parsed p = parse("rule r { strings: $a = \"a\" condition: any of them in (0..1) }");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.unit.at(p.rule().condition).of_anchor, ast::OfAnchor::kIn);
  EXPECT_TRUE(p.unit.at(p.unit.at(p.rule().condition).kids[1]).set_is_them);
}

TEST(ExprTest, ForLoops) {
  EXPECT_EQ(cond_s("for any of ($a, $b) : ($ at 0)"),
            "(for-of any - (strings $a $b) (at $ 0))");
  EXPECT_EQ(cond_s("for 2 of them : (# > 1 and @ == 0 and ! == 1)"),
            "(for-of count 2 (strings them) (and (and (> # 1) (== (offset @) 0)) "
            "(== (length !) 1)))");
  EXPECT_EQ(cond("for all i in (1..3) : (i > 0)"),
            "(for-in all i - (range 1 3) (> i 0))");
  EXPECT_EQ(cond("for none i in (1, 2, 3) : (i == 4)"),
            "(for-in none i - (enum 1 2 3) (== i 4))");
  EXPECT_EQ(cond("for any i in (7) : (true)"), "(for-in any i - (enum 7) (true))");
  EXPECT_EQ(cond("for 2 k, v in m.dict : (v == 1)"),
            "(for-in count k v 2 (field .dict m) (== v 1))");
}

TEST(ExprTest, IdentifiersFieldsIndexCalls) {
  EXPECT_EQ(cond("r1"), "r1");
  EXPECT_EQ(cond("pe.sections[0].name == \"x\""),
            "(== (field .name (index (field .sections pe) 0)) \"x\")");
  EXPECT_EQ(cond("m.f(1, \"a\", /x/) == 0"), "(== (call (field .f m) 1 \"a\" /x/) 0)");
  EXPECT_EQ(cond("m.g()"), "(call (field .g m))");
  EXPECT_EQ(cond("m.h(1 == 1)"), "(call (field .h m) (== 1 1))");
}

TEST(ExprTest, Spans) {
  Parsed p = parse("rule r { condition: 1 + 22 == 3 }");
  ASSERT_TRUE(p.ok);
  const ast::Expr& e = p.unit.at(p.rule().condition);
  EXPECT_EQ(e.span.begin, 20u);
  EXPECT_EQ(e.span.end, 31u);
}

TEST(ExprTest, DeepNestingIsADiagnosticNotACrash) {
  std::string deep(100000, '(');
  Parsed p = parse("rule r { condition: " + deep + "1 }");
  EXPECT_FALSE(p.ok);
  ASSERT_FALSE(p.diags.empty());
  EXPECT_EQ(p.diags[0].code, "E120");

  std::string negs;
  for (int i = 0; i < 50000; ++i) negs += "- ";
  p = parse("rule r { condition: " + negs + "1 == 1 }");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E120");

  std::string nots;
  for (int i = 0; i < 50000; ++i) nots += "not ";
  p = parse("rule r { condition: " + nots + "true }");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E120");

  // Operator chains build a left-leaning tree, so they count towards the
  // depth bound too (docs/differences.md#expression-depth)...
  std::string chain = "1";
  for (int i = 0; i < 20000; ++i) chain += " + 1";
  p = parse("rule r { condition: " + chain + " == 0 }");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.diags.at(0).code, "E120");

  // ...while chains well below it are fine.
  chain = "1";
  for (int i = 0; i < 900; ++i) chain += " + 1";
  p = parse("rule r { condition: " + chain + " == 901 }");
  EXPECT_TRUE(p.ok) << p.first_error();
}

TEST(ExprTest, ModerateNestingIsAccepted) {
  std::string open(200, '(');
  std::string close(200, ')');
  Parsed p = parse("rule r { condition: " + open + "1" + close + " == 1 }");
  EXPECT_TRUE(p.ok) << p.first_error();
}

}  // namespace
}  // namespace yarrow::parse::testing
