// Field mapping from each schema's real column / field names onto the Event model.
#include "hunt/normalize.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>

namespace yarrow::hunt {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

// Field lookup by short name: Winlogbeat prefixes are dropped so that the same alias list
// serves XML, Winlogbeat and NXLog records. The first non-empty value under a name wins.
class Fields {
 public:
  explicit Fields(const std::vector<std::pair<std::string, std::string>>& raw) {
    for (const auto& [name, value] : raw) {
      if (value.empty()) continue;
      std::string_view n = name;
      for (std::string_view prefix : {"winlog.event_data.", "winlog.user_data.", "winlog.",
                                      "event_data.", "EventData.", "data."}) {
        if (n.starts_with(prefix)) {
          n.remove_prefix(prefix.size());
          break;
        }
      }
      map_.emplace(n, value);
    }
  }
  std::optional<std::string> get(std::initializer_list<std::string_view> names) const {
    for (auto name : names) {
      auto it = map_.find(name);
      if (it != map_.end()) return std::string(it->second);
    }
    return std::nullopt;
  }
  bool has(std::string_view name) const { return map_.count(name) != 0; }

 private:
  std::unordered_map<std::string_view, std::string_view> map_;
};

std::optional<int64_t> to_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::string_view s = *text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  int64_t value = 0;
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  // Accept "123" and "123.0" (spreadsheet exports), nothing else.
  std::string_view rest(ptr, s.data() + s.size() - ptr);
  if (!rest.empty() && rest.find_first_not_of(".0 ") != std::string_view::npos) return std::nullopt;
  return value;
}

std::string file_name_of(const std::string& path) {
  size_t slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Defender's FolderPath usually ends with the file name; older exports give the folder only.
std::optional<std::string> join_path(const std::optional<std::string>& folder,
                                     const std::optional<std::string>& name) {
  if (!folder) return std::nullopt;
  if (!name || folder->size() < name->size()) return folder;
  std::string_view tail(folder->data() + folder->size() - name->size(), name->size());
  if (iequals(tail, *name)) return folder;
  std::string joined = *folder;
  if (!joined.empty() && joined.back() != '\\' && joined.back() != '/') joined += '\\';
  return joined + *name;
}

std::optional<std::string> account(const std::optional<std::string>& domain,
                                   const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  if (!domain || name->find('\\') != std::string::npos) return name;
  return *domain + "\\" + *name;
}

std::optional<std::string> hash_from_list(const std::optional<std::string>& hashes,
                                          std::string_view algo) {
  // Sysmon "SHA1=AB..,MD5=..,SHA256=..": returns the lowercase digest.
  if (!hashes) return std::nullopt;
  std::string_view s = *hashes;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && iequals(item.substr(0, eq), algo)) {
      std::string digest(item.substr(eq + 1));
      for (char& c : digest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return digest;
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

std::optional<std::string> lower(std::optional<std::string> s) {
  if (s) for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// RemoteUrl holds a bare host name as often as a URL: "host", "host:port", "scheme://host/...".
std::optional<std::string> host_of_url(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  size_t at = url.rfind('@');
  if (at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.starts_with('[')) url = url.substr(0, url.find(':'));
  if (url.empty()) return std::nullopt;
  return std::string(url);
}

bool truthy(const std::optional<std::string>& s) {
  return s && (iequals(*s, "true") || *s == "1");
}

void fill_common(const Fields& f, Event& e) {
  if (auto t = f.get({"UtcTime", "TimeCreated.SystemTime", "Timestamp", "TimeGenerated",
                      "@timestamp", "EventTime", "timestamp"}))
    e.time = parse_timestamp(*t);
  e.host = f.get({"Computer", "computer_name", "DeviceName", "host.name", "Hostname", "hostname"});
  e.record_id = [&]() -> std::optional<uint64_t> {
    auto v = to_int(f.get({"EventRecordID", "record_id", "RecordNumber"}));
    if (v && *v >= 0) return static_cast<uint64_t>(*v);
    return std::nullopt;
  }();
  e.channel = f.get({"Channel", "channel"});
  e.provider = f.get({"Provider.Name", "provider_name", "SourceName"});
}

void map_sysmon(const Fields& f, Event& e) {
  e.schema = "Sysmon";
  e.process.path = f.get({"Image"});
  e.process.command_line = f.get({"CommandLine"});
  e.process.pid = to_int(f.get({"ProcessId"}));
  e.process.user = f.get({"User"});
  e.process.guid = lower(f.get({"ProcessGuid"}));
  switch (e.event_id.value_or(-1)) {
    case 1:
      e.kind = EventKind::kProcessCreate;
      e.process.sha1 = hash_from_list(f.get({"Hashes"}), "SHA1");
      e.parent.path = f.get({"ParentImage"});
      e.parent.command_line = f.get({"ParentCommandLine"});
      e.parent.pid = to_int(f.get({"ParentProcessId"}));
      e.parent.user = f.get({"ParentUser"});
      e.parent.guid = lower(f.get({"ParentProcessGuid"}));
      break;
    case 3: {
      e.kind = EventKind::kNetworkConnect;
      e.protocol = f.get({"Protocol"});
      // Initiated=false: an inbound connection, whose remote end is the source.
      bool inbound = iequals(f.get({"Initiated"}).value_or("true"), "false");
      e.remote_ip = f.get({inbound ? "SourceIp" : "DestinationIp"});
      e.remote_host = f.get({inbound ? "SourceHostname" : "DestinationHostname"});
      auto port = to_int(f.get({inbound ? "SourcePort" : "DestinationPort"}));
      if (port && *port >= 0 && *port <= 65535) e.remote_port = static_cast<uint16_t>(*port);
      break;
    }
    case 7:
      e.kind = EventKind::kImageLoad;
      e.file_path = f.get({"ImageLoaded"});
      if (truthy(f.get({"Signed"})))
        if (auto subject = f.get({"Signature"}))
          e.signer = SignerFacts{*subject, std::nullopt,
                                 iequals(f.get({"SignatureStatus"}).value_or(""), "Valid")};
      e.process.sha1 = hash_from_list(f.get({"Hashes"}), "SHA1");
      break;
    case 11:
      e.kind = EventKind::kFileCreate;
      e.file_path = f.get({"TargetFilename"});
      break;
    case 15: {
      // FileCreateStreamHash: the Zone.Identifier stream records where a download came from.
      e.kind = EventKind::kFileCreate;
      e.file_path = f.get({"TargetFilename"});
      if (e.file_path) {
        size_t colon = e.file_path->find(':', 2);
        if (colon != std::string::npos) e.file_path->resize(colon);
      }
      if (auto contents = f.get({"Contents"})) {
        std::string_view s = *contents;
        size_t pos = 0;
        while (pos < s.size()) {
          size_t end = s.find_first_of(" \t\r\n", pos);
          if (end == std::string_view::npos) end = s.size();
          std::string_view token = s.substr(pos, end - pos);
          if (token.starts_with("HostUrl=")) e.download_url = std::string(token.substr(8));
          if (token.starts_with("ReferrerUrl=")) e.download_referrer = std::string(token.substr(12));
          pos = end + 1;
        }
      }
      break;
    }
    case 22:
      e.kind = EventKind::kDnsQuery;
      e.dns_query = f.get({"QueryName"});
      break;
    default:
      e.kind = EventKind::kOther;
      e.file_path = f.get({"TargetFilename", "TargetObject"});
  }
}

std::string defender_table(const Fields& f) {
  if (auto type = f.get({"Type", "$table", "TableName", "Table"})) return *type;
  auto action = f.get({"ActionType"}).value_or("");
  if (f.has("Signer") && (f.has("IsTrusted") || f.has("IsSigned"))) return "DeviceFileCertificateInfo";
  if (action == "ProcessCreated") return "DeviceProcessEvents";
  if (action.starts_with("Connection") || action.starts_with("InboundConnection") ||
      action == "ListeningConnectionCreated" || f.has("RemoteIP"))
    return "DeviceNetworkEvents";
  if (action.starts_with("File") && (f.has("FolderPath") || f.has("FileName")))
    return "DeviceFileEvents";
  if (f.has("ProcessCommandLine") && f.has("InitiatingProcessFileName")) return "DeviceProcessEvents";
  return "DeviceEvents";
}

void map_defender(const Fields& f, Event& e) {
  e.schema = defender_table(f);
  e.action = f.get({"ActionType"});
  ProcessFacts initiating;
  initiating.name = f.get({"InitiatingProcessFileName"});
  initiating.path = join_path(f.get({"InitiatingProcessFolderPath"}), initiating.name);
  initiating.command_line = f.get({"InitiatingProcessCommandLine"});
  initiating.pid = to_int(f.get({"InitiatingProcessId"}));
  initiating.user = account(f.get({"InitiatingProcessAccountDomain"}),
                            f.get({"InitiatingProcessAccountName"}));
  initiating.sha1 = lower(f.get({"InitiatingProcessSHA1"}));
  if (e.schema == "DeviceProcessEvents") {
    e.kind = EventKind::kProcessCreate;
    e.process.name = f.get({"FileName"});
    e.process.path = join_path(f.get({"FolderPath"}), e.process.name);
    e.process.command_line = f.get({"ProcessCommandLine"});
    e.process.pid = to_int(f.get({"ProcessId"}));
    e.process.user = account(f.get({"AccountDomain"}), f.get({"AccountName"}));
    e.process.sha1 = lower(f.get({"SHA1"}));
    e.parent = std::move(initiating);
    e.grandparent_name = f.get({"InitiatingProcessParentFileName"});
    return;
  }
  e.process = std::move(initiating);
  e.parent.name = f.get({"InitiatingProcessParentFileName"});
  e.parent.pid = to_int(f.get({"InitiatingProcessParentId"}));
  if (e.schema == "DeviceFileCertificateInfo") {
    e.kind = EventKind::kCertificate;
    e.process.sha1 = lower(f.get({"SHA1"}));
    if (truthy(f.get({"IsSigned"})))
      if (auto subject = f.get({"Signer"}))
        e.signer = SignerFacts{*subject, f.get({"Issuer"}), truthy(f.get({"IsTrusted"}))};
    return;
  }
  e.file_path = join_path(f.get({"FolderPath"}), f.get({"FileName"}));
  e.remote_ip = f.get({"RemoteIP"});
  e.remote_url = f.get({"RemoteUrl"});
  if (e.remote_url) e.remote_host = host_of_url(*e.remote_url);
  auto port = to_int(f.get({"RemotePort"}));
  if (port && *port >= 0 && *port <= 65535) e.remote_port = static_cast<uint16_t>(*port);
  e.protocol = f.get({"Protocol"});
  e.download_url = f.get({"FileOriginUrl"});
  e.download_referrer = f.get({"FileOriginReferrerUrl"});
  if (e.schema == "DeviceNetworkEvents") {
    e.kind = EventKind::kNetworkConnect;
  } else if (e.schema == "DeviceFileEvents") {
    e.kind = EventKind::kFileCreate;
  } else if (e.action && *e.action == "DnsQueryResponse") {
    e.kind = EventKind::kDnsQuery;
    if (auto extra = f.get({"AdditionalFields"})) {
      auto j = nlohmann::json::parse(*extra, nullptr, false);
      if (j.is_object() && j.contains("DnsQueryString") && j["DnsQueryString"].is_string())
        e.dns_query = j["DnsQueryString"].get<std::string>();
    }
  } else {
    e.kind = EventKind::kOther;
  }
}

}  // namespace

Event normalize(RawRecord&& record) {
  Event e;
  e.line = record.line;
  e.raw = std::move(record.fields);
  Fields f(e.raw);
  fill_common(f, e);
  auto provider = e.provider.value_or("");
  auto channel = e.channel.value_or("");
  e.event_id = to_int(f.get({"EventID", "event_id", "EventId"}));
  bool sysmon = icontains(provider, "Sysmon") || icontains(channel, "Sysmon") ||
                (e.event_id && (f.has("Image") || f.has("QueryName") || f.has("ImageLoaded")));
  if (sysmon) {
    map_sysmon(f, e);
  } else if (f.has("ActionType") || f.has("InitiatingProcessFileName") ||
             (f.has("SHA1") && f.has("Signer"))) {
    map_defender(f, e);
  } else if (f.get({"Type"}).value_or("") == "DnsEvents" || (f.has("Name") && f.has("QueryType"))) {
    e.schema = "DnsEvents";
    e.kind = EventKind::kDnsQuery;
    e.dns_query = f.get({"Name"});
  } else {
    e.schema = "unknown";
    e.kind = EventKind::kOther;
  }
  if (e.process.path && !e.process.name) e.process.name = file_name_of(*e.process.path);
  if (e.parent.path && !e.parent.name) e.parent.name = file_name_of(*e.parent.path);
  // Sysmon writes "-" for unknown values (e.g. DestinationHostname); that is not a value.
  for (auto* s : {&e.remote_host, &e.process.user, &e.parent.user, &e.parent.path,
                  &e.parent.command_line})
    if (*s && *s == "-") s->reset();
  return e;
}

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kProcessCreate: return "process";
    case EventKind::kNetworkConnect: return "network";
    case EventKind::kFileCreate: return "file";
    case EventKind::kDnsQuery: return "dns";
    case EventKind::kImageLoad: return "image_load";
    case EventKind::kCertificate: return "certificate";
    case EventKind::kOther: return "other";
  }
  return "?";
}

std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, y) || s.size() < 19 || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' ||
      !num(8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' ||
      !num(14, 2, mi) || s[16] != ':' || !num(17, 2, sec))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
    if (!num(pos + 1, 2, oh) || !num(pos + (colon ? 4 : 3), 2, om)) return std::nullopt;
    offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += colon ? 6 : 5;
  }
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '"')) ++pos;
  if (pos != s.size()) return std::nullopt;
  return sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - minutes(offset_minutes);
}

}  // namespace yarrow::hunt
