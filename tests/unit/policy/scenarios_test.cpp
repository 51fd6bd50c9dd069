// The shipped policies/nkminer_monero.toml against the five false-positive scenarios of its
// brief and against the real attack: each scenario's benign finding is suppressed by the
// expected exclusion; the attack's findings, including the variants that each scenario's
// literal wording would have hidden, stay reported under the whole policy.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "yarrow/policy.h"

namespace yarrow {
namespace {

using namespace std::chrono;

constexpr const char* kWallet =
    "4JUdGzvrMFDWrUUwY3toJATSeNwjn54LkCnKBPRzDuhzi5vSepHfUckJNxRL2gjkNrSqtCoRUrEDAgRwsQvVCjZbRy5Y"
    "eFCqgoUMnzumvS";
constexpr const char* kPool = "barjuok.ryongnamsan.edu.kp";

// A weekday night, inside the shipped off-hours window (22:00-05:00 UTC).
sys_seconds weekday_night() { return sys_days(year{2026} / November / 24) + hours(2); }

class Scenarios : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Diagnostics d;
    policy_ = Policy::load_file(YARROW_POLICY_DIR "/nkminer_monero.toml", d);
    ASSERT_TRUE(policy_) << (d.empty() ? "" : d[0].to_string());
  }

  static Finding base(SourceKind source, std::vector<std::string> strings) {
    Finding f;
    f.rule = "nkminer_monero";
    f.source = source;
    f.platform = Platform::kWindows;
    f.host = "WS01";
    f.matched_strings = std::move(strings);
    f.event_time = weekday_night();
    return f;
  }

  static Finding process(const std::string& path, const std::string& user,
                         std::vector<std::string> strings = {"$c"}) {
    Finding f = base(SourceKind::kProcess, std::move(strings));
    f.process.emplace();
    f.process->pid = 4242;
    f.process->path = path;
    f.process->name = path.substr(path.rfind('\\') + 1);
    f.process->user = user;
    f.process->integrity = Integrity::kMedium;
    f.process->elevated = false;
    f.process->parent_name = "explorer.exe";
    f.process->parent_path = "C:\\Windows\\explorer.exe";
    return f;
  }

  static Finding file(const std::string& path, const std::string& owner,
                      std::vector<std::string> strings = {"$c"}) {
    Finding f = base(SourceKind::kFile, std::move(strings));
    f.file = FileContext{path, owner, 1u << 20, std::nullopt};
    return f;
  }

  static SignerContext signed_by(const std::string& subject) {
    return SignerContext{subject, "Some Trusted CA", true};
  }

  // --- the real attack ------------------------------------------------------------------------

  static Finding attack_installer_file() {
    return file("C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe", "WS01\\jdoe",
                {"$a", "$b", "$c", "$d", "$e", "$f", "$g"});
  }
  static Finding attack_installer_process() {
    Finding f = process("C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe", "WS01\\jdoe",
                        {"$a", "$b", "$c", "$d", "$e", "$f", "$g"});
    f.process->command_line = "\"C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe\"";
    return f;
  }
  static Finding attack_dropped_file() {
    return file("C:\\Windows\\Sys64\\updater.exe", "WS01\\jdoe", {"$b", "$c"});
  }
  static Finding attack_miner_process() {
    Finding f = process("C:\\Windows\\Sys64\\intelservice.exe", "WS01\\jdoe", {"$b", "$c", "$e"});
    f.process->command_line = std::string("C:\\Windows\\Sys64\\intelservice.exe -o ") + kPool +
                              ":8080 -u " + kWallet + " -p KJU";
    f.process->parent_name = "SoftwareInstaller.exe";
    f.process->parent_path = "C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe";
    f.network = NetworkContext{kPool, 8080, "tcp"};
    return f;
  }

  static std::vector<Finding> attack() {
    return {attack_installer_file(), attack_installer_process(), attack_dropped_file(),
            attack_miner_process()};
  }

  static void expect_reported(const Finding& f, const std::string& what) {
    const auto s = policy_->evaluate(f);
    EXPECT_FALSE(s) << what << " was suppressed by " << (s ? s->id : "");
  }

  static void expect_suppressed_by(const Finding& f, const std::string& id) {
    const auto s = policy_->evaluate(f);
    ASSERT_TRUE(s) << "benign finding not suppressed; expected " << id;
    EXPECT_EQ(s->id, id);
    EXPECT_FALSE(s->reason.empty());
  }

  static std::shared_ptr<const Policy> policy_;
};

std::shared_ptr<const Policy> Scenarios::policy_;

TEST_F(Scenarios, RealAttackIsReported) {
  int i = 0;
  for (Finding f : attack()) {
    expect_reported(f, "attack finding " + std::to_string(i++));
    EXPECT_EQ(policy_->apply(f), Disposition::kReported);
  }
}

TEST_F(Scenarios, AttackWithOnlyThePoolStringIsStillReported) {
  // Defence in depth: even a variant whose scanned bytes only mention the pool stays visible,
  // because no exclusion trusts the locations, users or binaries the attack uses.
  for (Finding f : attack()) {
    f.matched_strings = std::vector<std::string>{"$c"};
    expect_reported(f, f.file ? f.file->path : *f.process->path);
  }
}

TEST_F(Scenarios, UnknownContextIsReported) {
  Finding bare;
  bare.rule = "nkminer_monero";
  bare.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(bare, "finding without context");
  Finding benign = process("C:\\Program Files\\Vendor\\agent.exe", "WS01\\Administrator");
  benign.matched_strings.reset();  // scanner did not say which strings matched
  expect_reported(benign, "finding without matched strings");
}

TEST_F(Scenarios, S1AdminInstalledPackage) {
  Finding proc = process("C:\\Program Files\\LicensedApp\\licd.exe", "WS01\\Administrator");
  expect_suppressed_by(proc, "s1-admin-package-process");
  Finding disk =
      file("C:\\Program Files (x86)\\LicensedApp\\telemetry.dll", "NT SERVICE\\TrustedInstaller");
  expect_suppressed_by(disk, "s1-admin-package-file");
  // Literal reading "started by an admin account": the victim is an admin.
  Finding miner = attack_miner_process();
  miner.process->user = "WS01\\Administrator";
  expect_reported(miner, "miner run by Administrator");
  miner.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(miner, "miner run by Administrator, pool only");
  // Path tricks towards Program Files.
  miner.process->path = "C:\\Program Files\\..\\Windows\\Sys64\\intelservice.exe";
  expect_reported(miner, "dot-dot path");
  miner.process->path = "C:\\Program Files Evil\\intelservice.exe";
  expect_reported(miner, "sibling of Program Files");
  // The victim is an admin who copied the installer under Program Files: trusted location and
  // owner, but the wallet and drop paths matched, which no licensed package contains.
  Finding copied = attack_installer_file();
  copied.file->path = "C:\\Program Files\\Soft\\SoftwareInstaller.exe";
  copied.file->owner = "BUILTIN\\Administrators";
  expect_reported(copied, "attack installer under Program Files, admin-owned");
  // A standard user cannot be the owner of an admin-installed file.
  Finding user_file = file("C:\\Program Files\\LicensedApp\\x.dll", "WS01\\jdoe");
  expect_reported(user_file, "Program Files file owned by a standard user");
  for (const Finding& f : attack()) expect_reported(f, "attack");
}

TEST_F(Scenarios, S2PatchManagement) {
  Finding wu = process("C:\\Windows\\System32\\wuauclt.exe", "NT AUTHORITY\\SYSTEM");
  wu.signer = signed_by("Microsoft Windows");
  expect_suppressed_by(wu, "s2-windows-update-agent");
  Finding service = process("C:\\Windows\\System32\\svchost.exe", "NT AUTHORITY\\SYSTEM");
  service.signer = signed_by("Microsoft Windows");
  service.process->command_line = "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv";
  expect_suppressed_by(service, "s2-windows-update-service");
  service.process->command_line = "C:\\Windows\\system32\\svchost.exe -k netsvcs -p";
  expect_reported(service, "shared svchost instance");
  Finding altiris =
      process("C:\\Program Files\\Altiris\\Altiris Agent\\AeXNSAgent.exe", "NT AUTHORITY\\SYSTEM");
  expect_suppressed_by(altiris, "s2-altiris-agent");
  Finding cache =
      file("C:\\Windows\\SoftwareDistribution\\Download\\a1b2\\update.cab", "NT AUTHORITY\\SYSTEM");
  expect_suppressed_by(cache, "s2-update-download-cache");
  Finding job = process("C:\\Program Files\\PatchTool\\apply.exe", "NT AUTHORITY\\SYSTEM");
  job.process->parent_name = "svchost.exe";
  job.process->parent_path = "C:\\Windows\\System32\\svchost.exe";
  expect_suppressed_by(job, "s2-scheduled-offhours-patch");
  job.event_time = sys_days(year{2026} / November / 24) + hours(14);  // business hours
  expect_reported(job, "scheduled job outside the window");

  // Literal reading "scheduled, off-hours": the miner persisted as a nightly scheduled task.
  Finding miner = attack_miner_process();
  miner.process->parent_name = "svchost.exe";
  miner.process->parent_path = "C:\\Windows\\System32\\svchost.exe";
  miner.process->user = "NT AUTHORITY\\SYSTEM";
  miner.event_time = weekday_night();
  expect_reported(miner, "miner as a nightly scheduled task");
  miner.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(miner, "miner as a nightly scheduled task, pool only");
  // A tool *named* like an agent, or an agent whose signature is not verified.
  Finding fake = process("C:\\Windows\\Sys64\\wuauclt.exe", "NT AUTHORITY\\SYSTEM");
  fake.signer = signed_by("Microsoft Windows");
  expect_reported(fake, "wuauclt.exe outside System32");
  Finding unsigned_wu = wu;
  unsigned_wu.signer->verified = false;
  expect_reported(unsigned_wu, "unverified signature");
  for (const Finding& f : attack()) expect_reported(f, "attack");
}

TEST_F(Scenarios, S3CodeSigning) {
  Finding signtool =
      process("C:\\Program Files (x86)\\Windows Kits\\10\\bin\\10.0.22621.0\\x64\\signtool.exe",
              "CORP\\dev-alice");
  signtool.signer = signed_by("Microsoft Corporation");
  expect_suppressed_by(signtool, "s3-signtool");
  Finding devfile = file("C:\\DevTools\\certcheck\\certcheck.exe", "CORP\\dev-alice");
  expect_suppressed_by(devfile, "s3-devtools-file");
  Finding devproc = process("C:\\DevTools\\certcheck\\certcheck.exe", "CORP\\dev-alice");
  expect_suppressed_by(devproc, "s3-devtools-process");

  // Literal reading "SignTool": the miner renamed signtool.exe.
  Finding miner = attack_miner_process();
  miner.process->name = "signtool.exe";
  miner.process->path = "C:\\Windows\\Sys64\\signtool.exe";
  miner.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(miner, "miner renamed signtool.exe");
  // The victim is a developer who ran the installer from C:\DevTools.
  Finding dev_victim = attack_installer_file();
  dev_victim.file->path = "C:\\DevTools\\SoftwareInstaller.exe";
  dev_victim.file->owner = "CORP\\dev-alice";
  expect_reported(dev_victim, "attack installer in C:\\DevTools owned by a developer");
  // Literal reading "C:\DevTools": any user may create it; the attack drops there.
  Finding dropped = file("C:\\DevTools\\intelservice.exe", "WS01\\jdoe", {"$c"});
  expect_reported(dropped, "drop in C:\\DevTools by a standard user");
  Finding run = process("C:\\DevTools\\intelservice.exe", "WS01\\jdoe", {"$b", "$c"});
  expect_reported(run, "miner run from C:\\DevTools");
  for (const Finding& f : attack()) expect_reported(f, "attack");
}

TEST_F(Scenarios, S4RemoteManagement) {
  Finding tv =
      process("C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe", "NT AUTHORITY\\SYSTEM");
  tv.signer = signed_by("TeamViewer Germany GmbH");
  tv.network = NetworkContext{kPool, 5938, "tcp"};
  expect_suppressed_by(tv, "s4-remote-management-tool");
  Finding ssh = process("C:\\Windows\\System32\\OpenSSH\\ssh.exe", "WS01\\jdoe");
  ssh.signer = signed_by("Microsoft Windows");
  ssh.network = NetworkContext{kPool, 22, "ssh"};
  expect_suppressed_by(ssh, "s4-openssh-session");

  // Literal reading "uses TLS/SSH": xmrig with --tls to the pool on 443.
  Finding miner = attack_miner_process();
  miner.network = NetworkContext{kPool, 443, "tls"};
  miner.process->command_line = *miner.process->command_line + " --tls";
  expect_reported(miner, "miner over TLS");
  miner.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(miner, "miner over TLS, pool only");
  miner.network = NetworkContext{kPool, 22, "ssh"};
  expect_reported(miner, "miner claiming ssh on 22");
  // A renamed binary in the tool's folder without the vendor's verified signature.
  Finding fake = process("C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe", "WS01\\jdoe");
  fake.signer = SignerContext{"AnyDesk Software GmbH", "Self", false};
  expect_reported(fake, "unverified AnyDesk");
  for (const Finding& f : attack()) expect_reported(f, "attack");
}

TEST_F(Scenarios, S5OpenSourceDownload) {
  Finding tool = file("C:\\Users\\jdoe\\Downloads\\example-tool-1.2.zip", "WS01\\jdoe");
  tool.download = DownloadContext{
      "https://objects.githubusercontent.com/github-production-release-asset/123/tool.zip",
      std::nullopt, "https://github.com/example-org/example-tool/releases/tag/v1.2"};
  expect_suppressed_by(tool, "s5-vetted-open-source-download");

  // Literal reading "standard-privilege user" / "from GitHub": the installer was downloaded by
  // an ordinary user from an attacker's GitHub repository.
  Finding installer = attack_installer_file();
  installer.download =
      DownloadContext{"https://objects.githubusercontent.com/release/SoftwareInstaller.exe",
                      std::nullopt, "https://github.com/attacker/soft/releases/tag/v1"};
  expect_reported(installer, "installer from an attacker's GitHub project");
  installer.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(installer, "installer from an attacker's GitHub project, pool only");
  // A recorded referrer that only looks like the vetted project's page.
  Finding dotted = tool;
  dotted.download->referrer =
      "https://github.com/example-org/example-tool/releases/../../../attacker/soft/releases/tag/v1";
  expect_reported(dotted, "referrer escaping the vetted project with ..");
  // The vetted project's page as referrer but the file served from elsewhere.
  Finding swapped = tool;
  swapped.download->url = "https://barjuok.ryongnamsan.edu.kp/tool.zip";
  expect_reported(swapped, "vetted referrer, foreign host");
  // Standard-user processes are never excluded as such.
  Finding proc = attack_installer_process();
  proc.matched_strings = std::vector<std::string>{"$c"};
  expect_reported(proc, "installer run by a standard user");
  for (const Finding& f : attack()) expect_reported(f, "attack");
}

}  // namespace
}  // namespace yarrow
