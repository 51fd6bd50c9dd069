// Event: one log record (a Defender/Sentinel row, a Sysmon event) reduced to the facts a hunt
// needs, plus every raw field it came with.
//
// Contract: as in yarrow::Finding, an empty optional means "the log did not say", never "none";
// normalizers never write placeholders. `raw` keeps all fields in record order, names as the log
// spelled them (nested JSON flattened with '.', XML EventData by their Name attribute).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace yarrow::hunt {

enum class EventKind : uint8_t {
  kProcessCreate,   // Sysmon 1, DeviceProcessEvents
  kNetworkConnect,  // Sysmon 3, DeviceNetworkEvents
  kFileCreate,      // Sysmon 11, DeviceFileEvents
  kDnsQuery,        // Sysmon 22, DnsEvents, DeviceEvents DnsQueryResponse
  kImageLoad,       // Sysmon 7: only used for the signer of a process image
  kCertificate,     // DeviceFileCertificateInfo: only used for signers
  kOther,           // anything else (DeviceEvents, other Sysmon ids): still scanned
};

const char* to_string(EventKind kind);

struct ProcessFacts {
  std::optional<int64_t> pid;
  std::optional<std::string> name;
  std::optional<std::string> path;
  std::optional<std::string> command_line;
  std::optional<std::string> user;  // "DOMAIN\\name" when the log gives a domain
  std::optional<std::string> sha1;
  std::optional<std::string> guid;  // Sysmon ProcessGuid
};

struct SignerFacts {
  std::string subject;
  std::optional<std::string> issuer;
  bool verified = false;
};

struct Event {
  uint64_t line = 0;          // first line of the record in its (decompressed) input
  std::string schema;         // "DeviceProcessEvents", "Sysmon", "DnsEvents", ...
  EventKind kind = EventKind::kOther;
  std::optional<std::chrono::sys_seconds> time;
  std::optional<std::string> host;
  std::optional<std::string> action;  // Defender ActionType
  std::optional<int64_t> event_id;
  std::optional<uint64_t> record_id;
  std::optional<std::string> channel;
  std::optional<std::string> provider;

  ProcessFacts process;  // the process the event is about (created one, or the actor)
  ProcessFacts parent;   // its parent
  std::optional<std::string> grandparent_name;

  std::optional<std::string> file_path;  // target file (created/modified/downloaded)
  std::optional<std::string> dns_query;
  std::optional<std::string> remote_url;
  std::optional<std::string> remote_host;
  std::optional<std::string> remote_ip;
  std::optional<uint16_t> remote_port;
  std::optional<std::string> protocol;
  std::optional<std::string> download_url;
  std::optional<std::string> download_referrer;
  std::optional<SignerFacts> signer;  // of the process image (kImageLoad/kCertificate, or joined)

  std::vector<std::pair<std::string, std::string>> raw;
};

// Parses the timestamps found in these logs: ISO 8601 with 'T' or ' ', optional fraction,
// optional 'Z' or ±hh:mm offset (no offset means UTC, as in Sysmon UtcTime). nullopt otherwise.
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);

}  // namespace yarrow::hunt
