// policy_fuzzer: Policy::load_string on TOML text, then evaluate/matching_ids/apply on a
// Finding decoded from the bytes after the first NUL (or on a fixed set of findings when there
// are none). Checks: nullptr iff an error was reported; evaluate() is the first of
// matching_ids(); apply() agrees with evaluate().
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "fuzz_targets.h"
#include "yarrow/policy.h"

namespace yarrow::fuzz {
namespace {

// Values that the seed policies (policies/*.toml) test for, so that random findings reach
// the matching paths and not only the "unknown field" ones.
constexpr const char* kPool[] = {
    "nkminer_monero",
    "default",
    "$c",
    "$a",
    "C:\\Program Files\\Vendor\\app.exe",
    "C:\\Windows\\System32\\wuauclt.exe",
    "C:\\Windows\\Sys64\\intelservice.exe",
    "C:\\Users\\jdoe\\Downloads\\setup.exe",
    "\\\\server\\share\\x.exe",
    "/usr/bin/xmrig",
    "/home/dev-alice/tools/./../x",
    "Administrator",
    "CORP\\SysAdmin",
    "NT AUTHORITY\\SYSTEM",
    "BUILTIN\\Administrators",
    "dev-bob",
    "intelservice.exe",
    "svchost.exe",
    "Microsoft Corporation",
    "https://github.com@evil.kp/x",
    "barjuok.ryongnamsan.edu.kp",
    "http://download.example.com:80/a/%7Eb/../c",
    "tcp",
    "Security",
    "",
};

std::string text(FuzzInput& in) {
  const uint8_t b = in.byte();
  if (b < 0xc0) return kPool[b % (sizeof(kPool) / sizeof(kPool[0]))];
  return in.string(48);
}

std::optional<std::string> maybe_text(FuzzInput& in) {
  if (!in.flag()) return std::nullopt;
  return text(in);
}

template <typename T>
std::optional<T> maybe_int(FuzzInput& in) {
  if (!in.flag()) return std::nullopt;
  return static_cast<T>(in.i64());
}

std::optional<std::chrono::sys_seconds> maybe_time(FuzzInput& in) {
  if (!in.flag()) return std::nullopt;
  // Around 2026 most of the time (hours/days windows), anything at all otherwise.
  const int64_t base = 1'780'000'000;
  const int64_t t = in.flag() ? base + static_cast<int64_t>(in.u32() % (14 * 86400)) : in.i64() / 4;
  return std::chrono::sys_seconds(std::chrono::seconds(t));
}

Finding decode_finding(FuzzInput& in) {
  Finding f;
  f.rule = text(in);
  if (in.flag()) f.rule_namespace = text(in);
  for (int n = in.byte() % 4; n > 0; --n) f.tags.push_back(text(in));
  for (int n = in.byte() % 3; n > 0; --n) {
    MetaEntry m;
    m.key = text(in);
    m.value = in.flag() ? Value(text(in)) : Value(in.i64());
    f.meta.push_back(std::move(m));
  }
  if (in.flag()) {
    f.matched_strings.emplace();
    for (int n = in.byte() % 4; n > 0; --n) f.matched_strings->push_back(text(in));
  }
  f.source = static_cast<SourceKind>(in.byte() % 3);
  if (in.flag()) f.platform = in.flag() ? Platform::kWindows : Platform::kPosix;
  f.host = maybe_text(in);
  f.event_time = maybe_time(in);
  const uint8_t present = in.byte();
  if (present & 0x01) {
    FileContext file;
    file.path = text(in);
    file.owner = maybe_text(in);
    file.size = maybe_int<uint64_t>(in);
    file.mtime = maybe_time(in);
    f.file = std::move(file);
  }
  if (present & 0x02) {
    ProcessContext p;
    p.pid = maybe_int<int64_t>(in);
    p.name = maybe_text(in);
    p.path = maybe_text(in);
    p.command_line = maybe_text(in);
    p.user = maybe_text(in);
    p.parent_pid = maybe_int<int64_t>(in);
    p.parent_name = maybe_text(in);
    p.parent_path = maybe_text(in);
    if (in.flag()) p.integrity = static_cast<Integrity>(in.byte() % 5);
    if (in.flag()) p.elevated = in.flag();
    f.process = std::move(p);
  }
  if (present & 0x04) {
    SignerContext s;
    s.subject = maybe_text(in);
    s.issuer = maybe_text(in);
    if (in.flag()) s.verified = in.flag();
    f.signer = std::move(s);
  }
  if (present & 0x08) {
    DownloadContext d;
    d.url = maybe_text(in);
    d.domain = maybe_text(in);
    d.referrer = maybe_text(in);
    f.download = std::move(d);
  }
  if (present & 0x10) {
    NetworkContext n;
    n.remote_address = maybe_text(in);
    n.remote_port = maybe_int<uint16_t>(in);
    n.protocol = maybe_text(in);
    f.network = std::move(n);
  }
  if (present & 0x20) {
    EventContext e;
    e.log = maybe_text(in);
    e.provider = maybe_text(in);
    e.event_id = maybe_int<int64_t>(in);
    e.record_id = maybe_int<uint64_t>(in);
    f.event = std::move(e);
  }
  return f;
}

void check(const Policy& policy, Finding finding) {
  const auto first = policy.evaluate(finding);
  const auto ids = policy.matching_ids(finding);
  fuzz_require(first.has_value() == !ids.empty(), "policy", "evaluate and matching_ids disagree");
  if (first) fuzz_require(first->id == ids.front(), "policy", "evaluate is not the first match");
  const Disposition d = policy.apply(finding);
  fuzz_require((d == Disposition::kSuppressed) == first.has_value(), "policy",
               "apply disagrees with evaluate");
  fuzz_require(finding.disposition == d, "policy", "apply did not record its disposition");
  fuzz_require(finding.suppression.has_value() == first.has_value(), "policy",
               "apply did not record the suppression");
}

}  // namespace

int policy_one(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view toml = all.substr(0, nul);

  Diagnostics diags;
  std::shared_ptr<const Policy> policy = Policy::load_string(toml, "fuzz.toml", diags);
  bool any_error = false;
  for (const Diagnostic& d : diags) {
    any_error |= d.severity == Severity::kError;
    fuzz_require(!d.message.empty(), "policy", "diagnostic without a message");
  }
  fuzz_require((policy == nullptr) == any_error, "policy", "load result disagrees with errors");
  if (!policy) return 0;
  for (const ExclusionInfo& e : policy->exclusions()) {
    fuzz_require(!e.id.empty(), "policy", "exclusion without an id");
  }

  if (nul == std::string_view::npos) {
    // No finding bytes: a few fixed findings, so that plain .toml seeds still evaluate.
    for (uint8_t seed = 0; seed < 8; ++seed) {
      const uint8_t bytes[] = {seed, 1, 4, seed, 1, 5, 1, 2, 0, 1, 1, 11, 1, 0, 0xff,
                               4,    1, 16, 1, 6, 1, 7, 1, 11, 0, 1, 1, 18, 1, 1};
      FuzzInput in(bytes, sizeof(bytes));
      check(*policy, decode_finding(in));
    }
    return 0;
  }
  FuzzInput in(data + nul + 1, size - nul - 1);
  while (!in.empty()) check(*policy, decode_finding(in));
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxPolicyInput) return 0;
  return yarrow::fuzz::policy_one(data, size);
}
#endif
