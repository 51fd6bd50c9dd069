#include "target_context.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "compile/compiled_rules.h"
#include "procmem/process_info.h"
#include "util/digest.h"

namespace yarrow::cli {

const std::optional<std::string>& host_name() {
  static const std::optional<std::string> name = []() -> std::optional<std::string> {
    char buf[256] = {};
    if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return std::nullopt;
    return std::string(buf);
  }();
  return name;
}

std::optional<std::string> sha256_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  util::IncrementalDigest sha256(util::DigestAlgorithm::sha256);
  std::vector<uint8_t> buf(1 << 20);
  bool ok = true;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    sha256.update({buf.data(), static_cast<size_t>(n)});
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  return sha256.hex_final();
}

TargetContext file_target(const std::string& path, const struct stat& st) {
  TargetContext target;
  target.source = SourceKind::kFile;
  target.host = host_name();
  FileContext file;
  // Policies compare absolute paths; a relative target is taken from the working directory.
  file.path = path;
  if (!path.empty() && path[0] != '/') {
    std::error_code ec;
    const std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (!ec) file.path = (cwd / path).lexically_normal().string();
  }
  file.owner = procmem::user_name(st.st_uid);
  file.size = static_cast<uint64_t>(st.st_size);
  file.mtime = std::chrono::sys_seconds(std::chrono::seconds(st.st_mtim.tv_sec));
  target.file = std::move(file);
  return target;
}

namespace {

bool has_private_strings(const Rules& rules, const RuleInfo* rule) {
  const detail::CompiledRules& compiled = rules.compiled();
  const size_t index = static_cast<size_t>(rule - rules.rules().data());
  if (index >= compiled.rules.size()) return true;  // not ours: don't claim to know
  const detail::CompiledRule& cr = compiled.rules[index];
  for (uint32_t k = 0; k < cr.string_count; ++k)
    if (compiled.strings[cr.strings_begin + k].is_private) return true;
  return false;
}

}  // namespace

Finding make_finding(const Rules& rules, const RuleMatch& match, const TargetContext& target) {
  Finding f;
  const RuleInfo& rule = *match.rule;
  f.rule = rule.name;
  f.rule_namespace = rule.ns;
  f.tags = rule.tags;
  f.meta = rule.meta;
  std::vector<std::string> ids;
  for (const StringMatches& s : match.strings)
    if (!s.matches.empty()) ids.push_back(s.id);
  if (!has_private_strings(rules, match.rule)) f.matched_strings = std::move(ids);
  f.source = target.source;
  f.platform = Platform::kPosix;
  f.host = target.host;
  f.event_time = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  f.file = target.file;
  f.process = target.process;
  return f;
}

std::optional<Suppression> evaluate_policies(
    const std::vector<std::shared_ptr<const Policy>>& policies, Finding& finding) {
  for (const auto& policy : policies) {
    if (policy->apply(finding) == Disposition::kSuppressed) return finding.suppression;
  }
  return std::nullopt;
}

}  // namespace yarrow::cli
