// Exporting YARA rules (and an exclusion policy) as log-search content for SOC teams:
// Microsoft Sentinel / Defender advanced-hunting KQL queries and Sigma rules.
//
// Contract: the exporters work on parsed rules (parse/ast.h) and a policy read back as data
// (export/policy_model.h). They never print; everything that could not be translated is part
// of the output as a comment, never silently dropped. Output is deterministic (ids are
// name-based UUIDs) so that re-exporting an unchanged rule gives byte-identical content.
// The mapping and its reasons: docs/export.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/policy_model.h"
#include "export/rule_model.h"
#include "parse/ast.h"

namespace yarrow::exporter {

enum class KqlFlavor : uint8_t {
  kSentinel,  // Log Analytics workspace: TimeGenerated, DnsEvents available
  kDefender,  // Defender XDR advanced hunting: Timestamp, no DnsEvents
};
enum class KqlFormat : uint8_t { kKql, kYaml };

struct KqlOptions {
  KqlFlavor flavor = KqlFlavor::kSentinel;
  KqlFormat format = KqlFormat::kKql;
  std::string lookback = "14d";
  std::string source_name;  // rule file, for comments
};

// The header line that starts each rule's query in KQL output (validators split on it).
inline constexpr const char* kKqlRuleHeader = "// yarrow export: rule ";

// One hunting query (plain KQL) for one rule.
std::string kql_query(const RuleModel& rule, const PolicySpec* policy, const KqlOptions& options);
// The same as a Sentinel hunting-query YAML document.
std::string sentinel_yaml(const RuleModel& rule, const PolicySpec* policy,
                          const KqlOptions& options);
// Every rule of `unit`, in the chosen format.
std::string export_kql(const ast::Unit& unit, const PolicySpec* policy, const KqlOptions& options);

struct SigmaOptions {
  std::string date = "2026-01-01";  // YYYY-MM-DD; the CLI passes today's date
  std::string source_name;
};
// One Sigma rule per log source category, as YAML documents separated by `---`.
std::string sigma_rules(const RuleModel& rule, const PolicySpec* policy,
                        const SigmaOptions& options);
std::string export_sigma(const ast::Unit& unit, const PolicySpec* policy,
                         const SigmaOptions& options);

// RFC 4122 version-5 UUID (SHA-1, name-based) of `name` in yarrow's export namespace.
std::string stable_uuid(const std::string& name);

// ATT&CK tactics and techniques for a rule: from meta (mitre_attack, technique(s), tactic(s)),
// else from keywords of its name and description (cryptominers → Impact / T1496).
struct Attack {
  std::vector<std::string> tactics;     // Sentinel names: "Impact", "CommandAndControl"
  std::vector<std::string> techniques;  // "T1496"
};
Attack attack_for(const RuleModel& rule);

}  // namespace yarrow::exporter
