#include "hunt/hunter.h"

#include <algorithm>

#include "hunt/normalize.h"

namespace yarrow::hunt {
namespace {

// Signer facts remembered at most this many at a time: the cache is cleared when full, which
// costs some joins on huge logs but keeps memory bounded.
constexpr size_t kMaxSigners = 200000;

std::string signer_key_guid(const Event& e) {
  return "guid:" + e.host.value_or("") + "|" + *e.process.guid;
}
std::string signer_key_sha1(const std::string& sha1) { return "sha1:" + sha1; }

bool same_path(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Finding make_finding(const Event& e, const RuleInfo& rule) {
  Finding f;
  f.rule = rule.name;
  f.rule_namespace = rule.ns;
  f.tags = rule.tags;
  f.meta = rule.meta;
  f.source = SourceKind::kEvent;
  if (e.schema != "unknown") f.platform = Platform::kWindows;  // every supported schema is Windows
  f.host = e.host;
  f.event_time = e.time;
  const ProcessFacts& p = e.process;
  if (p.pid || p.name || p.path || p.command_line || p.user || e.parent.name || e.parent.path) {
    ProcessContext pc;
    pc.pid = p.pid;
    pc.name = p.name;
    pc.path = p.path;
    pc.command_line = p.command_line;
    pc.user = p.user;
    pc.parent_pid = e.parent.pid;
    pc.parent_name = e.parent.name;
    pc.parent_path = e.parent.path;
    f.process = std::move(pc);
  }
  if (e.file_path) f.file = FileContext{*e.file_path, std::nullopt, std::nullopt, std::nullopt};
  if (e.download_url || e.download_referrer)
    f.download = DownloadContext{e.download_url, std::nullopt, e.download_referrer};
  if (e.remote_host || e.remote_ip || e.remote_url || e.remote_port) {
    NetworkContext n;
    n.remote_address = e.remote_host ? e.remote_host : e.remote_ip ? e.remote_ip : e.remote_url;
    n.remote_port = e.remote_port;
    n.protocol = e.protocol;
    if (n.protocol)
      for (char& c : *n.protocol) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    f.network = std::move(n);
  }
  if (e.signer) f.signer = SignerContext{e.signer->subject, e.signer->issuer, e.signer->verified};
  EventContext ec;
  ec.log = e.channel ? e.channel : std::optional<std::string>(e.schema);
  ec.provider = e.provider;
  ec.event_id = e.event_id;
  ec.record_id = e.record_id;
  f.event = std::move(ec);
  return f;
}

}  // namespace

std::vector<std::pair<const char*, const std::string*>> scanned_fields(const Event& e) {
  std::vector<std::pair<const char*, const std::string*>> out;
  scanned_fields(e, out);
  return out;
}

void scanned_fields(const Event& e, std::vector<std::pair<const char*, const std::string*>>& out) {
  out.clear();
  auto add = [&](const char* name, const std::optional<std::string>& v) {
    if (v && !v->empty()) out.emplace_back(name, &*v);
  };
  add("process.command_line", e.process.command_line);
  if (e.process.path) add("process.path", e.process.path);
  else add("process.name", e.process.name);
  add("parent.command_line", e.parent.command_line);
  if (e.parent.path) add("parent.path", e.parent.path);
  else add("parent.name", e.parent.name);
  add("grandparent.name", e.grandparent_name);
  add("file.path", e.file_path);
  add("dns.query", e.dns_query);
  add("network.url", e.remote_url);
  if (!e.remote_url || e.remote_host != e.remote_url) add("network.host", e.remote_host);
  add("network.ip", e.remote_ip);
  add("download.url", e.download_url);
  add("download.referrer", e.download_referrer);
  if (e.schema == "DeviceEvents" || e.schema == "unknown") {
    // No model for these records' payloads: every raw field is scanned, under its own name.
    for (const auto& [name, value] : e.raw)
      if (!value.empty() && (e.schema == "unknown" || name == "AdditionalFields"))
        out.emplace_back(name.c_str(), &value);
  }
}

Hunter::Hunter(std::shared_ptr<const Rules> rules, std::shared_ptr<const Policy> policy)
    : rules_(std::move(rules)), policy_(std::move(policy)), scanner_(rules_) {}

Hunter::~Hunter() = default;

bool Hunter::hunt_file(const std::string& path, LogFormat format, const FindingSink& sink,
                       const MalformedSink& malformed, std::string& error) {
  auto input = open_input(path, error);
  if (!input) {
    ++stats_.inputs;
    ++stats_.input_errors;
    return false;
  }
  return hunt_input(std::move(input), path, format, sink, malformed, error);
}

bool Hunter::hunt_input(std::unique_ptr<Input> input, const std::string& name, LogFormat format,
                        const FindingSink& sink, const MalformedSink& malformed,
                        std::string& error) {
  ++stats_.inputs;
  auto reader = make_reader(std::move(input), format);
  RawRecord record;
  while (reader->next(record)) {
    if (record.malformed) {
      ++stats_.malformed;
      if (malformed) malformed(MalformedRecord{name, record.line, record.error});
      continue;
    }
    ++stats_.events;
    Event event = normalize(std::move(record));
    hunt_event(event, name, sink);
  }
  if (reader->failed()) {
    ++stats_.input_errors;
    error = "read error: " + reader->error();
    return false;
  }
  return true;
}

void Hunter::remember_signer(const Event& e) {
  if (!e.signer) return;
  if (signers_.size() >= kMaxSigners) signers_.clear();
  if (e.kind == EventKind::kImageLoad) {
    // Sysmon logs a process's own image as its first loaded module: that load carries the
    // signature of the process image.
    if (e.process.guid && e.file_path && e.process.path && same_path(*e.file_path, *e.process.path))
      signers_[signer_key_guid(e)] = *e.signer;
    if (e.process.sha1) signers_[signer_key_sha1(*e.process.sha1)] = *e.signer;
  } else if (e.kind == EventKind::kCertificate && e.process.sha1) {
    signers_[signer_key_sha1(*e.process.sha1)] = *e.signer;
  }
}

void Hunter::join_signer(Event& e) const {
  if (e.signer || signers_.empty()) return;
  if (e.process.guid) {
    auto it = signers_.find(signer_key_guid(e));
    if (it != signers_.end()) {
      e.signer = it->second;
      return;
    }
  }
  if (e.process.sha1) {
    auto it = signers_.find(signer_key_sha1(*e.process.sha1));
    if (it != signers_.end()) e.signer = it->second;
  }
}

void Hunter::hunt_event(Event& event, const std::string& input, const FindingSink& sink) {
  if (event.kind == EventKind::kImageLoad || event.kind == EventKind::kCertificate) {
    remember_signer(event);
    if (event.kind == EventKind::kCertificate) return;  // no IOC-bearing field to scan
  } else {
    join_signer(event);
  }
  // Member scratch vectors: no allocation per event once they have grown.
  auto& fields = fields_;
  auto& starts = starts_;
  scanned_fields(event, fields);
  if (fields.empty()) return;
  buffer_.clear();
  starts.clear();
  for (const auto& [name, value] : fields) {
    if (!starts.empty()) buffer_ += '\0';
    starts.push_back(buffer_.size());
    buffer_ += *value;
  }
  result_.rules.clear();
  result_.warnings.clear();
  ScanStatus status = scanner_.scan_memory(
      {reinterpret_cast<const uint8_t*>(buffer_.data()), buffer_.size()}, result_);
  if (status != ScanStatus::kOk) {
    ++stats_.scan_errors;
    return;
  }
  for (const RuleMatch& m : result_.rules) {
    if (!m.matched || !m.rule) continue;
    HuntFinding hf;
    hf.finding = make_finding(event, *m.rule);
    hf.input = input;
    hf.line = event.line;
    hf.schema = event.schema;
    hf.kind = event.kind;
    std::vector<std::string> ids;
    std::vector<bool> field_hit(fields.size(), false);
    for (const StringMatches& sm : m.strings) {
      if (sm.matches.empty()) continue;
      if (std::find(ids.begin(), ids.end(), sm.id) == ids.end()) ids.push_back(sm.id);  // "$" repeats
      for (const StringMatch& match : sm.matches) {
        size_t at = static_cast<size_t>(match.offset);
        size_t fi = static_cast<size_t>(
            std::upper_bound(starts.begin(), starts.end(), at) - starts.begin() - 1);
        field_hit[fi] = true;
        hf.hits.push_back(FieldHit{fields[fi].first, sm.id, at - starts[fi], match.data});
      }
    }
    for (size_t i = 0; i < fields.size(); ++i)
      if (field_hit[i]) hf.matched_fields.emplace_back(fields[i].first);
    hf.finding.matched_strings = std::move(ids);
    if (policy_) policy_->apply(hf.finding);
    ++stats_.findings;
    if (hf.finding.disposition == Disposition::kSuppressed) ++stats_.suppressed;
    sink(hf);
  }
}

}  // namespace yarrow::hunt
