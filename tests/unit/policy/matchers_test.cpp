// One test per condition kind: what it matches, what it does not, and that an unknown field
// never matches.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "yarrow/policy.h"

namespace yarrow {
namespace {

using namespace std::chrono;

std::shared_ptr<const Policy> with(const std::string& conditions,
                                   const std::string& preamble = "") {
  Diagnostics d;
  auto p = Policy::load_string(
      preamble + "\n[[exclusion]]\nid = \"x\"\nreason = \"because\"\n" + conditions + "\n",
      "t.toml", d);
  std::string s;
  for (const Diagnostic& x : d)
    if (x.severity == Severity::kError) s += x.to_string() + "\n";
  EXPECT_TRUE(p) << s;
  return p;
}

bool hit(const std::shared_ptr<const Policy>& p, const Finding& f) {
  return p && p->evaluate(f).has_value();
}

Finding windows_process(const std::string& path) {
  Finding f;
  f.rule = "r";
  f.source = SourceKind::kProcess;
  f.process.emplace();
  f.process->path = path;
  f.process->name = path.substr(path.rfind('\\') + 1);
  return f;
}

Finding file_at(const std::string& path) {
  Finding f;
  f.rule = "r";
  f.source = SourceKind::kFile;
  f.file.emplace();
  f.file->path = path;
  return f;
}

TEST(PolicyMatch, RuleNameNamespaceTags) {
  auto p =
      with("rule.name = \"nk*\"\nrule.namespace = \"default\"\nrule.tags = [\"miner\", \"apt?\"]");
  Finding f;
  f.rule = "nkminer_monero";
  f.tags = {"x", "apt3"};
  EXPECT_TRUE(hit(p, f));
  f.tags = {"x"};
  EXPECT_FALSE(hit(p, f));
  f.tags = {"miner"};
  f.rule = "NKminer";  // rule identifiers are case-sensitive
  EXPECT_FALSE(hit(p, f));
  f.rule = "nk";
  f.rule_namespace = "other";
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, MatchedStrings) {
  auto only = with("rule.strings_only = [\"$c\", \"$x*\"]");
  auto absent = with("rule.strings_absent = \"$b\"");
  Finding f;
  f.rule = "r";
  EXPECT_FALSE(hit(only, f));  // unknown matched strings
  EXPECT_FALSE(hit(absent, f));
  f.matched_strings = std::vector<std::string>{"$c", "$x1"};
  EXPECT_TRUE(hit(only, f));
  EXPECT_TRUE(hit(absent, f));
  f.matched_strings->push_back("$b");
  EXPECT_FALSE(hit(only, f));
  EXPECT_FALSE(hit(absent, f));
}

TEST(PolicyMatch, WindowsPathGlobsAreCaseAndSeparatorInsensitive) {
  auto p = with("file.path = 'C:\\Program Files\\Vendor\\**\\*.dll'");
  EXPECT_TRUE(hit(p, file_at("c:/program files/VENDOR/bin/x64/lic.DLL")));
  EXPECT_TRUE(hit(p, file_at("\\\\?\\C:\\Program Files\\Vendor\\lic.dll")));
  EXPECT_FALSE(hit(p, file_at("C:\\Program Files\\Vendor\\lic.exe")));
  EXPECT_FALSE(hit(p, file_at("C:\\Program Files\\Vendor2\\lic.dll")));
  EXPECT_FALSE(hit(p, file_at("/Program Files/Vendor/lic.dll")));  // other form
  Finding no_file;
  no_file.rule = "r";
  EXPECT_FALSE(hit(p, no_file));
}

TEST(PolicyMatch, PosixPathGlobsAreCaseSensitive) {
  auto p = with("file.path = \"/opt/vendor/**\"");
  EXPECT_TRUE(hit(p, file_at("/opt/vendor/lib/x.so")));
  EXPECT_TRUE(hit(p, file_at("/opt//vendor/./lib/x.so")));
  EXPECT_FALSE(hit(p, file_at("/opt/Vendor/lib/x.so")));
  EXPECT_FALSE(hit(p, file_at("/opt/vendor/../../tmp/x")));
}

TEST(PolicyMatch, PathPrefixResolvesDotsBeforeComparing) {
  auto p = with("process.path_prefix = ['C:\\Program Files\\', '/usr/lib/']");
  EXPECT_TRUE(hit(p, windows_process("C:\\PROGRAM FILES\\Vendor\\agent.exe")));
  EXPECT_FALSE(hit(p, windows_process("C:\\Program Files\\..\\Windows\\Sys64\\intelservice.exe")));
  EXPECT_FALSE(hit(p, windows_process("C:\\Program Files Evil\\agent.exe")));
  EXPECT_FALSE(hit(p, windows_process("C:\\ProgramData\\agent.exe")));
  Finding posix = windows_process("/usr/lib/x/agent");
  EXPECT_TRUE(hit(p, posix));
}

TEST(PolicyMatch, FileOwnerAndUsersWithGroups) {
  const std::string groups = "[groups]\nadmins = [\"Administrator\", \"CORP\\\\sysadmin\"]\n";
  auto p = with("process.user = [\"@admins\", \"svc-*\"]", groups);
  Finding f = windows_process("C:\\x.exe");
  for (const char* ok :
       {"WS01\\Administrator", "administrator", "corp\\SysAdmin", "CORP\\svc-backup"}) {
    f.process->user = ok;
    EXPECT_TRUE(hit(p, f)) << ok;
  }
  for (const char* no : {"WS01\\jdoe", "OTHER\\sysadmin", "Administrator2", ""}) {
    f.process->user = no;
    EXPECT_FALSE(hit(p, f)) << no;
  }
  f.process->user.reset();
  EXPECT_FALSE(hit(p, f));
  auto owner = with("file.owner = \"NT SERVICE\\\\TrustedInstaller\"");
  Finding g = file_at("C:\\Windows\\x.dll");
  EXPECT_FALSE(hit(owner, g));
  g.file->owner = "NT SERVICE\\trustedinstaller";
  EXPECT_TRUE(hit(owner, g));
  g.file->owner = "TrustedInstaller";  // a bare account from another authority
  EXPECT_FALSE(hit(owner, g));
}

TEST(PolicyMatch, PosixUsersAreCaseSensitive) {
  auto p = with("process.user = \"deploy\"");
  Finding f = windows_process("C:\\x.exe");
  f.platform = Platform::kPosix;
  f.process->user = "Deploy";
  EXPECT_FALSE(hit(p, f));
  f.process->user = "deploy";
  EXPECT_TRUE(hit(p, f));
  f.platform = Platform::kWindows;
  f.process->user = "DEPLOY";
  EXPECT_TRUE(hit(p, f));
}

TEST(PolicyMatch, ProcessNameCommandLineAndParent) {
  auto p = with(
      "process.name = \"agent*.exe\"\n"
      "process.command_line = \"* --update *\"\n"
      "process.command_line_contains = \"--server patch.example.com\"\n"
      "parent.name = \"services.exe\"\n"
      "parent.path = 'C:\\Windows\\System32\\services.exe'");
  Finding f = windows_process("C:\\Program Files\\A\\Agent64.EXE");
  f.process->command_line =
      "\"C:\\Program Files\\A\\Agent64.exe\" --update --SERVER patch.example.com";
  f.process->parent_name = "SERVICES.EXE";
  f.process->parent_path = "C:\\Windows\\system32\\services.exe";
  EXPECT_TRUE(hit(p, f));
  f.process->parent_path = "C:\\Users\\jdoe\\services.exe";
  EXPECT_FALSE(hit(p, f));
  f.process->parent_path = "C:\\Windows\\System32\\services.exe";
  f.process->command_line = "agent.exe --server patch.example.com";
  EXPECT_FALSE(hit(p, f));
  f.process->command_line.reset();
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, IntegrityElevationAndSource) {
  auto p = with(
      "process.integrity = [\"high\", \"system\"]\nprocess.elevated = true\nsource = \"process\"");
  Finding f = windows_process("C:\\x.exe");
  EXPECT_FALSE(hit(p, f));
  f.process->integrity = Integrity::kHigh;
  f.process->elevated = true;
  EXPECT_TRUE(hit(p, f));
  f.process->integrity = Integrity::kMedium;
  EXPECT_FALSE(hit(p, f));
  f.process->integrity = Integrity::kSystem;
  f.process->elevated = false;
  EXPECT_FALSE(hit(p, f));
  f.process->elevated = true;
  f.source = SourceKind::kEvent;
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, SignerNeedsVerifiedSignature) {
  auto p = with(
      "signer.subject = \"Microsoft Corporation\"\nsigner.issuer = \"Microsoft Code Signing "
      "PCA*\"");
  Finding f = windows_process("C:\\x.exe");
  f.signer =
      SignerContext{"Microsoft Corporation", "Microsoft Code Signing PCA 2011", std::nullopt};
  EXPECT_FALSE(hit(p, f));  // validity unknown
  f.signer->verified = false;
  EXPECT_FALSE(hit(p, f));
  f.signer->verified = true;
  EXPECT_TRUE(hit(p, f));
  f.signer->subject = "microsoft corporation";  // signer names compare exactly
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, TimeWindowCrossingMidnight) {
  auto p = with("time.zone = \"UTC\"\ntime.days = [\"fri\"]\ntime.hours = \"22:00-06:00\"");
  Finding f;
  f.rule = "r";
  EXPECT_FALSE(hit(p, f));  // no time
  // 2026-11-20 is a Friday.
  const sys_days friday = year{2026} / November / 20;
  auto at = [&](sys_days d, int h, int m) { return sys_seconds(d) + hours(h) + minutes(m); };
  f.event_time = at(friday, 22, 0);
  EXPECT_TRUE(hit(p, f));
  f.event_time = at(friday, 21, 59);
  EXPECT_FALSE(hit(p, f));
  f.event_time = at(friday + days(1), 5, 59);  // Saturday morning: Friday's window
  EXPECT_TRUE(hit(p, f));
  f.event_time = at(friday + days(1), 6, 0);
  EXPECT_FALSE(hit(p, f));
  f.event_time = at(friday, 3, 0);  // Friday morning belongs to Thursday's window
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, TimeWindowWithOffset) {
  auto p = with("time.zone = \"+09:00\"\ntime.days = \"weekdays\"\ntime.hours = [\"09:00-17:00\"]");
  Finding f;
  f.rule = "r";
  const sys_days monday = year{2026} / November / 23;
  f.event_time = sys_seconds(monday) + hours(1);  // 10:00 Monday in +09:00
  EXPECT_TRUE(hit(p, f));
  f.event_time = sys_seconds(monday) + hours(9);  // 18:00
  EXPECT_FALSE(hit(p, f));
  f.event_time = sys_seconds(monday) - hours(20);  // Sunday 13:00 in +09:00
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, TimeWindowInLocalZone) {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "XST-09", 1);  // POSIX spelling of UTC+09:00
  auto p = with("time.zone = \"local\"\ntime.hours = \"09:00-10:00\"");
  Finding f;
  f.rule = "r";
  f.event_time = sys_seconds(sys_days(year{2026} / November / 23)) + minutes(30);  // 09:30 local
  EXPECT_TRUE(hit(p, f));
  f.event_time = *f.event_time + hours(1);
  EXPECT_FALSE(hit(p, f));
  if (old_tz)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST(PolicyMatch, SubTableFormEqualsDottedKeys) {
  auto p = with("[exclusion.process]\nname = \"a.exe\"\nuser = \"bob\"");
  Finding f = windows_process("C:\\a.exe");
  f.process->user = "bob";
  EXPECT_TRUE(hit(p, f));
  f.process->user = "eve";
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, DownloadDomainUrlAndReferrer) {
  auto domain = with("download.domain = [\"github.com\", \"sourceforge.net\"]");
  Finding f = file_at("C:\\Users\\a\\Downloads\\t.zip");
  EXPECT_FALSE(hit(domain, f));
  f.download = DownloadContext{"https://objects.GitHub.com/x/t.zip", std::nullopt, std::nullopt};
  EXPECT_TRUE(hit(domain, f));
  f.download->url = "https://github.com@barjuok.ryongnamsan.edu.kp/t.zip";
  EXPECT_FALSE(hit(domain, f));
  f.download->url = "https://github.com.evil.kp/t.zip";
  EXPECT_FALSE(hit(domain, f));
  f.download->url.reset();
  f.download->domain = "downloads.sourceforge.net";
  EXPECT_TRUE(hit(domain, f));
  f.download->url = "https://evil.kp/t.zip";  // the two records disagree: not trusted
  EXPECT_FALSE(hit(domain, f));

  auto url = with(
      "download.url = \"https://github.com/org/tool/releases/download/**\"\n"
      "download.referrer = \"https://github.com/org/tool/*\"");
  Finding g = file_at("C:\\Users\\a\\Downloads\\t.zip");
  g.download = DownloadContext{"HTTPS://GITHUB.COM/org/tool/releases/download/v1/t.zip",
                               std::nullopt, "https://github.com/org/tool/releases"};
  EXPECT_TRUE(hit(url, g));
  g.download->url = "https://github.com/org/tool2/releases/download/v1/t.zip";
  EXPECT_FALSE(hit(url, g));
  g.download->url = "https://github.com/org/tool/releases/download/v1/t.zip";
  g.download->referrer = "https://github.com/Org/tool/releases";  // URL paths keep case
  EXPECT_FALSE(hit(url, g));
}

TEST(PolicyMatch, NetworkPortAndProtocolAndHost) {
  auto p = with(
      "network.remote_port = [22, \"8000-8100\"]\nnetwork.protocol = [\"SSH\", \"tls\"]\nhost = "
      "\"build-*\"");
  Finding f;
  f.rule = "r";
  f.host = "BUILD-07";
  f.network = NetworkContext{"10.0.0.1", 8080, "TLS"};
  EXPECT_TRUE(hit(p, f));
  f.network->remote_port = 443;
  EXPECT_FALSE(hit(p, f));
  f.network->remote_port = 22;
  f.network->protocol = "tcp";
  EXPECT_FALSE(hit(p, f));
  f.network->protocol = "ssh";
  f.host.reset();
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, FirstMatchInFileOrderAndApplyKeepsFinding) {
  Diagnostics d;
  auto p = Policy::load_string(R"(
[[exclusion]]
id = "second-in-alphabet"
reason = "first in file"
rule.name = "r*"
[[exclusion]]
id = "a-first-in-alphabet"
reason = "second in file"
rule.name = "r"
)",
                               "t.toml", d);
  ASSERT_TRUE(p);
  Finding f;
  f.rule = "r";
  auto s = p->evaluate(f);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, "second-in-alphabet");
  EXPECT_EQ(s->reason, "first in file");
  EXPECT_EQ(p->matching_ids(f),
            (std::vector<std::string>{"second-in-alphabet", "a-first-in-alphabet"}));
  EXPECT_EQ(p->apply(f), Disposition::kSuppressed);
  EXPECT_EQ(f.disposition, Disposition::kSuppressed);
  ASSERT_TRUE(f.suppression);
  EXPECT_EQ(f.suppression->id, "second-in-alphabet");
  EXPECT_EQ(f.rule, "r");  // the finding itself is untouched
  f.rule = "x";
  EXPECT_EQ(p->apply(f), Disposition::kReported);
  EXPECT_FALSE(f.suppression);
}

TEST(PolicyMatch, AllConditionsMustHold) {
  auto p = with("rule.name = \"r\"\nprocess.name = \"a.exe\"\nprocess.user = \"bob\"");
  Finding f = windows_process("C:\\a.exe");
  EXPECT_FALSE(hit(p, f));  // user unknown
  f.process->user = "bob";
  EXPECT_TRUE(hit(p, f));
  f.rule = "other";
  EXPECT_FALSE(hit(p, f));
}

TEST(PolicyMatch, ConcurrentEvaluation) {
  auto p = with("process.path = 'C:\\Program Files\\**'\nprocess.user = \"admin\"");
  std::vector<std::thread> threads;
  std::atomic<int> hits{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        Finding f = windows_process(i % 2 ? "C:\\Program Files\\x.exe" : "C:\\Temp\\x.exe");
        f.process->user = "admin";
        if (p->evaluate(f)) ++hits;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(hits.load(), 4 * 1000);
}

}  // namespace
}  // namespace yarrow
