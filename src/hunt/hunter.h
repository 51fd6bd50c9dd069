// Hunter: applies compiled rules (and optionally an exclusion policy) to log events.
//
//   yarrow::hunt::Hunter hunter(rules, policy);           // policy may be nullptr
//   hunter.hunt_file("DeviceProcessEvents.csv.gz", LogFormat::kAuto,
//                    [](const HuntFinding& f) { print(f); });
//   HuntStats s = hunter.stats();
//
// How a rule applies to an event (docs/hunt.md): the event's IOC-bearing fields are joined,
// in a fixed order, into one UTF-8 buffer separated by NUL bytes, and the rules are scanned over
// that buffer once, so a condition sees strings found in different fields of the same event
// (`all of them`). Each string match is mapped back to the field it starts in. Signer facts
// are joined from earlier Sysmon 7 / DeviceFileCertificateInfo records (bounded memory).
// A Hunter is single-threaded; the Rules and Policy it holds are shared read-only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hunt/event.h"
#include "hunt/reader.h"
#include "yarrow/finding.h"
#include "yarrow/policy.h"
#include "yarrow/rules.h"
#include "yarrow/scanner.h"

namespace yarrow::hunt {

// One string match inside one scanned field.
struct FieldHit {
  std::string field;      // "process.command_line", "dns.query", ... (docs/hunt.md)
  std::string string_id;  // "$c"
  uint64_t offset = 0;    // within the field's value
  std::string data;       // matched bytes (up to the scanner's max_match_data)
};

struct HuntFinding {
  Finding finding;       // source kEvent; disposition set by the policy, if any
  std::string input;     // the file it was read from
  uint64_t line = 0;     // first line of the record
  std::string schema;    // "Sysmon", "DeviceProcessEvents", ...
  EventKind kind = EventKind::kOther;
  std::vector<FieldHit> hits;
  std::vector<std::string> matched_fields;  // distinct hit fields, in buffer order
};

struct MalformedRecord {
  std::string input;
  uint64_t line = 0;
  std::string error;
};

struct HuntStats {
  uint64_t inputs = 0;
  uint64_t events = 0;     // well-formed records read
  uint64_t malformed = 0;  // records that could not be parsed
  uint64_t findings = 0;   // rule matches, reported + suppressed
  uint64_t suppressed = 0;
  uint64_t input_errors = 0;  // files that could not be opened or read to the end
  uint64_t scan_errors = 0;   // events whose scan failed (timeout, too many matches): no result
};

// The fields scanned for an event, in buffer order: {name, value}. Exposed for tests and docs.
std::vector<std::pair<const char*, const std::string*>> scanned_fields(const Event& event);
void scanned_fields(const Event& event,
                    std::vector<std::pair<const char*, const std::string*>>& out);

class Hunter {
 public:
  using FindingSink = std::function<void(const HuntFinding&)>;
  using MalformedSink = std::function<void(const MalformedRecord&)>;

  Hunter(std::shared_ptr<const Rules> rules, std::shared_ptr<const Policy> policy);
  ~Hunter();

  // Reads one log and reports each finding (suppressed ones too) to `sink` in file order.
  // False when the file could not be opened or was cut short (`error` says why); findings
  // before the failure were reported.
  bool hunt_file(const std::string& path, LogFormat format, const FindingSink& sink,
                 const MalformedSink& malformed, std::string& error);
  // Same, from an already opened input (tests, stdin).
  bool hunt_input(std::unique_ptr<Input> input, const std::string& name, LogFormat format,
                  const FindingSink& sink, const MalformedSink& malformed, std::string& error);

  // Scans one event; findings go to `sink`. Also records signer facts the event carries.
  void hunt_event(Event& event, const std::string& input, const FindingSink& sink);

  const HuntStats& stats() const { return stats_; }

 private:
  void remember_signer(const Event& event);
  void join_signer(Event& event) const;

  std::shared_ptr<const Rules> rules_;
  std::shared_ptr<const Policy> policy_;
  Scanner scanner_;
  ScanResult result_;
  std::string buffer_;
  std::vector<std::pair<const char*, const std::string*>> fields_;
  std::vector<size_t> starts_;
  std::unordered_map<std::string, SignerFacts> signers_;
  HuntStats stats_;
};

}  // namespace yarrow::hunt
