// Rule application per event: one buffer per event, matches mapped back to fields, findings
// with the event's context, signer joins, policy application.
#include <gtest/gtest.h>

#include "hunt/hunter.h"
#include "hunt/normalize.h"
#include "test_util.h"
#include "yarrow/compiler.h"

namespace yarrow::hunt {
namespace {

std::shared_ptr<const Rules> compile(const std::string& source) {
  Compiler compiler;
  compiler.add_source(source);
  EXPECT_FALSE(compiler.has_errors());
  return compiler.build();
}

std::vector<HuntFinding> hunt_text(Hunter& hunter, const std::string& text) {
  std::vector<HuntFinding> out;
  std::string error;
  EXPECT_TRUE(hunter.hunt_input(memory_input(text), "mem", LogFormat::kAuto,
                                [&](const HuntFinding& f) { out.push_back(f); }, nullptr, error));
  return out;
}

constexpr const char* kMinerDns =
    R"({"EventID":22,"Computer":"WS01","UtcTime":"2026-11-24 02:10:10.000","ProcessGuid":"{G1}","ProcessId":"6244","Image":"C:\\Windows\\Sys64\\intelservice.exe","User":"WS01\\jdoe","QueryName":"barjuok.ryongnamsan.edu.kp"})"
    "\n";

TEST(Hunter, AllOfThemSeesStringsInDifferentFieldsOfOneEvent) {
  auto rules = compile(
      "rule both { strings: $img = \"\\\\Sys64\\\\intelservice.exe\" $dns = \"ryongnamsan\" "
      "condition: all of them }");
  Hunter hunter(rules, nullptr);
  auto found = hunt_text(hunter, kMinerDns);
  ASSERT_EQ(found.size(), 1u);
  const HuntFinding& f = found[0];
  EXPECT_EQ(f.line, 1u);
  EXPECT_EQ(f.finding.source, SourceKind::kEvent);
  EXPECT_EQ(f.matched_fields, (std::vector<std::string>{"process.path", "dns.query"}));
  ASSERT_EQ(f.hits.size(), 2u);
  EXPECT_EQ(f.hits[0].field, "process.path");
  EXPECT_EQ(f.hits[0].string_id, "$img");
  EXPECT_EQ(f.hits[0].offset, 10u);  // within the field, not the buffer
  EXPECT_EQ(f.hits[1].field, "dns.query");
  EXPECT_EQ(f.hits[1].offset, 8u);
  EXPECT_EQ(f.hits[1].data, "ryongnamsan");

  // The same two strings in two different events are not one match.
  auto split = hunt_text(hunter,
                         R"({"EventID":22,"Image":"C:\\Windows\\Sys64\\intelservice.exe","QueryName":"example.com"})"
                         "\n"
                         R"({"EventID":22,"Image":"C:\\Windows\\x.exe","QueryName":"ryongnamsan.edu.kp"})"
                         "\n");
  EXPECT_TRUE(split.empty());
}

TEST(Hunter, FieldsAreSeparatedSoNoStringSpansTwo) {
  // process.path ends with "intelservice.exe", dns.query starts with "barjuok": a string made of
  // both must not match across the separator.
  auto rules = compile("rule span { strings: $ = \"intelservice.exebarjuok\" condition: any of them }");
  Hunter hunter(rules, nullptr);
  EXPECT_TRUE(hunt_text(hunter, kMinerDns).empty());
}

TEST(Hunter, WideStringsDoNotMatchLogText) {
  // Logs are decoded to UTF-8 text: a wide-only string has nothing to match; ascii does.
  auto wide = compile("rule w { strings: $ = \"ryongnamsan\" wide condition: any of them }");
  Hunter wide_hunter(wide, nullptr);
  EXPECT_TRUE(hunt_text(wide_hunter, kMinerDns).empty());
  auto both = compile("rule w { strings: $ = \"RYONGNAMSAN\" nocase wide ascii condition: any of them }");
  Hunter both_hunter(both, nullptr);
  EXPECT_EQ(hunt_text(both_hunter, kMinerDns).size(), 1u);
}

TEST(Hunter, FindingCarriesTheEventContextAndNoPlaceholders) {
  auto rules = compile("rule r : miner { meta: a = 1 strings: $c = \"barjuok\" condition: $c }");
  Hunter hunter(rules, nullptr);
  auto found = hunt_text(hunter, kMinerDns);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = found[0].finding;
  EXPECT_EQ(f.rule, "r");
  EXPECT_EQ(f.tags, (std::vector<std::string>{"miner"}));
  EXPECT_EQ(f.meta.size(), 1u);
  EXPECT_EQ(f.host, "WS01");
  EXPECT_EQ(f.platform, Platform::kWindows);
  EXPECT_EQ(f.event_time, parse_timestamp("2026-11-24T02:10:10Z"));
  ASSERT_TRUE(f.process);
  EXPECT_EQ(f.process->pid, 6244);
  EXPECT_EQ(f.process->name, "intelservice.exe");
  EXPECT_EQ(f.process->user, "WS01\\jdoe");
  EXPECT_FALSE(f.process->command_line);  // Sysmon 22 has none: unknown, not ""
  EXPECT_FALSE(f.process->parent_name);
  EXPECT_FALSE(f.file);
  EXPECT_FALSE(f.network);
  EXPECT_FALSE(f.signer);
  ASSERT_TRUE(f.event);
  EXPECT_EQ(f.event->event_id, 22);
  EXPECT_EQ(f.matched_strings, (std::vector<std::string>{"$c"}));
  EXPECT_EQ(f.disposition, Disposition::kReported);
  EXPECT_EQ(hunter.stats().events, 1u);
  EXPECT_EQ(hunter.stats().findings, 1u);
}

TEST(Hunter, SignerIsJoinedFromTheProcessOwnImageLoad) {
  auto rules = compile("rule r { strings: $ = \"pool.kp\" condition: any of them }");
  Hunter hunter(rules, nullptr);
  std::string log =
      R"({"EventID":7,"Computer":"WS03","ProcessGuid":"{TV}","Image":"C:\\Program Files\\TeamViewer\\TeamViewer.exe","ImageLoaded":"C:\\Program Files\\TeamViewer\\TeamViewer.exe","Signed":"true","Signature":"TeamViewer Germany GmbH","SignatureStatus":"Valid"})"
      "\n"
      R"({"EventID":7,"Computer":"WS03","ProcessGuid":"{OTHER}","Image":"C:\\x.exe","ImageLoaded":"C:\\Windows\\System32\\ntdll.dll","Signed":"true","Signature":"Microsoft Windows","SignatureStatus":"Valid"})"
      "\n"
      R"({"EventID":3,"Computer":"WS03","ProcessGuid":"{TV}","Image":"C:\\Program Files\\TeamViewer\\TeamViewer.exe","DestinationHostname":"pool.kp","DestinationPort":"5938"})"
      "\n"
      R"({"EventID":3,"Computer":"WS03","ProcessGuid":"{OTHER}","Image":"C:\\x.exe","DestinationHostname":"pool.kp","DestinationPort":"5938"})"
      "\n";
  auto found = hunt_text(hunter, log);
  ASSERT_EQ(found.size(), 2u);
  ASSERT_TRUE(found[0].finding.signer);
  EXPECT_EQ(found[0].finding.signer->subject, "TeamViewer Germany GmbH");
  EXPECT_EQ(found[0].finding.signer->verified, true);
  // A DLL's signature says nothing about the process image.
  EXPECT_FALSE(found[1].finding.signer);
}

TEST(Hunter, DefenderSignerJoinedBySha1) {
  auto rules = compile("rule r { strings: $ = \"pool.kp\" condition: any of them }");
  Hunter hunter(rules, nullptr);
  std::string log =
      R"({"Type":"DeviceFileCertificateInfo","SHA1":"ABC","IsSigned":true,"Signer":"AnyDesk Software GmbH","IsTrusted":true})"
      "\n"
      R"({"Type":"DeviceNetworkEvents","ActionType":"ConnectionSuccess","RemoteUrl":"pool.kp","InitiatingProcessFolderPath":"C:\\Program Files\\AnyDesk\\AnyDesk.exe","InitiatingProcessFileName":"AnyDesk.exe","InitiatingProcessSHA1":"abc"})"
      "\n";
  auto found = hunt_text(hunter, log);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_TRUE(found[0].finding.signer);
  EXPECT_EQ(found[0].finding.signer->subject, "AnyDesk Software GmbH");
  ASSERT_TRUE(found[0].finding.network);
  EXPECT_EQ(found[0].finding.network->remote_address, "pool.kp");
}

TEST(Hunter, PolicyMarksFindingsWithoutDroppingThem) {
  auto rules = compile("rule r { strings: $c = \"pool.kp\" $e = \"evil.exe\" condition: any of them }");
  Diagnostics d;
  auto policy = Policy::load_string(
      "[[exclusion]]\nid = \"dev\"\nreason = \"developer tool\"\nrule.name = \"r\"\n"
      "rule.strings_only = \"$c\"\nsource = \"event\"\nprocess.path_prefix = 'C:\\DevTools\\'\n",
      "test.toml", d);
  ASSERT_TRUE(policy) << (d.empty() ? "" : d[0].to_string());
  Hunter hunter(rules, policy);
  auto found = hunt_text(
      hunter,
      R"({"EventID":22,"Image":"C:\\DevTools\\tool.exe","QueryName":"pool.kp"})"
      "\n"
      R"({"EventID":22,"Image":"C:\\DevTools\\evil.exe","QueryName":"pool.kp"})"
      "\n");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].finding.disposition, Disposition::kSuppressed);
  ASSERT_TRUE(found[0].finding.suppression);
  EXPECT_EQ(found[0].finding.suppression->id, "dev");
  EXPECT_EQ(found[0].finding.suppression->reason, "developer tool");
  EXPECT_EQ(found[1].finding.disposition, Disposition::kReported);  // $e matched too
  EXPECT_EQ(hunter.stats().suppressed, 1u);
  EXPECT_EQ(hunter.stats().findings, 2u);
}

TEST(Hunter, UnknownRecordsAreScannedWhole) {
  auto rules = compile("rule r { strings: $ = \"pool.kp\" condition: any of them }");
  Hunter hunter(rules, nullptr);
  auto found = hunt_text(hunter, R"({"msg":"connect to pool.kp","n":1})" "\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].matched_fields, (std::vector<std::string>{"msg"}));
  EXPECT_FALSE(found[0].finding.platform);
}

TEST(Hunter, MalformedRecordsAreCountedWithTheirLines) {
  auto rules = compile("rule r { condition: false }");
  Hunter hunter(rules, nullptr);
  std::vector<MalformedRecord> bad;
  std::string error;
  hunter.hunt_input(memory_input("{\"a\":1}\n{oops\n{\"a\":2}\n"), "m.jsonl", LogFormat::kAuto,
                    [](const HuntFinding&) {}, [&](const MalformedRecord& m) { bad.push_back(m); },
                    error);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].line, 2u);
  EXPECT_EQ(bad[0].input, "m.jsonl");
  EXPECT_EQ(hunter.stats().events, 2u);
  EXPECT_EQ(hunter.stats().malformed, 1u);
}

}  // namespace
}  // namespace yarrow::hunt
