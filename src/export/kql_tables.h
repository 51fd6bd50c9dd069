// The Microsoft tables a hunting query searches, and which of their columns stand for which
// fact of a finding. Column names are the real ones of the Defender XDR advanced-hunting schema
// (DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents, DeviceEvents,
// DeviceFileCertificateInfo) and of Sentinel's DnsEvents; tests/kql/schemas.mjs declares the
// same tables for the validator.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "export/export.h"

namespace yarrow::exporter {

struct KqlTable {
  std::string name;
  std::string policy_source;  // the policy `source` these rows correspond to
  bool sentinel_only = false;
  std::vector<std::string> search_columns;   // string columns searched for the rule's strings
  std::vector<std::string> dynamic_columns;  // dynamic columns searched through tostring()
  // Output column → expression, in output order (the same names for every table).
  std::vector<std::pair<std::string, std::string>> projection;
  // Policy fact → column (see kql_exclusions.cpp): "process.path", "process.name",
  // "process.command_line", "process.account", "process.domain", "process.integrity",
  // "process.sha1", "parent.name", "parent.path", "file.path", "file.sha1", "host",
  // "download.url", "download.referrer", "network.remote_port", "network.transport".
  std::map<std::string, std::string> facts;
};

const std::vector<KqlTable>& kql_tables();
std::string kql_time_column(KqlFlavor flavor, const KqlTable& table);

// KQL string literal for arbitrary text (verbatim form, quotes doubled).
std::string kql_string(const std::string& text);

// The exclusion as a KQL predicate over `table`'s rows, or empty with `why_not` set when some
// condition has no column there (then the exclusion is not applied: unknown is never excluded).
std::string kql_exclusion_predicate(const ExclusionSpec& exclusion, const RuleModel& rule,
                                    const KqlTable& table, KqlFlavor flavor,
                                    std::string& why_not);
// Whether rule.name / rule.namespace / rule.tags allow the exclusion to apply to this rule.
bool exclusion_targets_rule(const ExclusionSpec& exclusion, const RuleModel& rule);
// KQL predicate meaning "string `id` matched" is the boolean column StringModel::column.
std::string kql_strings_predicate(const std::vector<std::string>& ids, const RuleModel& rule,
                                  bool any);

}  // namespace yarrow::exporter
