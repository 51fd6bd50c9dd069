// YARA rule → KQL hunting query (plain text or a Sentinel hunting-query YAML document).
#include <algorithm>
#include <sstream>

#include "export/export.h"
#include "export/kql_tables.h"
#include "export/text_util.h"

namespace yarrow::exporter {
namespace {

bool all_word_chars(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_word_byte(static_cast<unsigned char>(c));
  });
}

// One needle against one column. Operator choice (docs/export.md): `has` where KQL's term
// rule equals YARA's fullword rule (needle made only of [A-Za-z0-9]), `contains` for plain
// substrings, `_cs` variants when case matters, a regex only when nothing else is exact.
std::string needle_predicate(const std::string& column, const Needle& n) {
  if (n.kind == Needle::Kind::kRegex) return column + " matches regex " + kql_string(n.text);
  if (n.base64) return column + " contains_cs " + kql_string(n.text);
  if (n.fullword) {
    if (all_word_chars(n.text))
      return column + (n.nocase ? " has " : " has_cs ") + kql_string(n.text);
    return column + " matches regex " + kql_string(needle_regex(n));
  }
  return column + (n.nocase ? " contains " : " contains_cs ") + kql_string(n.text);
}

// The searched columns joined by a line break, so each literal needle is tested once per row.
// The separator is not alphanumeric, so `has` terms and fullword boundaries stay those of each
// column; YARA regexes are still tested column by column because their `^`/`$` anchor to a
// whole field.
std::vector<std::string> searched_columns(const KqlTable& table) {
  std::vector<std::string> cols = table.search_columns;
  for (const std::string& d : table.dynamic_columns) cols.push_back("tostring(" + d + ")");
  return cols;
}

constexpr const char* kJoinedColumn = "yarrow_text";

std::string string_predicate(const StringModel& s, const KqlTable& table) {
  std::vector<std::string> cols = searched_columns(table);
  const std::string joined = cols.size() == 1 ? cols[0] : kJoinedColumn;
  std::vector<std::string> parts;
  for (const Needle& n : s.needles) {
    bool yara_regex = n.kind == Needle::Kind::kRegex && !n.base64;
    if (yara_regex) {
      for (const std::string& c : cols) parts.push_back(needle_predicate(c, n));
    } else {
      parts.push_back(needle_predicate(joined, n));
    }
  }
  if (parts.empty()) return "false";
  if (parts.size() == 1) return parts[0];
  return "(" + join(parts, " or ") + ")";
}

std::string cond_kql(const Cond& c, const RuleModel& rule) {
  switch (c.kind) {
    case Cond::Kind::kTrue: return "true";
    case Cond::Kind::kFalse: return "false";
    case Cond::Kind::kString: return rule.find(c.id)->column;
    case Cond::Kind::kNot: return "not(" + cond_kql(c.kids[0], rule) + ")";
    case Cond::Kind::kAnd:
    case Cond::Kind::kOr: {
      std::vector<std::string> parts;
      for (const Cond& k : c.kids) parts.push_back(cond_kql(k, rule));
      return "(" + join(parts, c.kind == Cond::Kind::kAnd ? " and " : " or ") + ")";
    }
    case Cond::Kind::kAtLeast: {
      if (c.count <= 1) return kql_strings_predicate(c.ids, rule, true);
      if (c.count == c.ids.size()) return kql_strings_predicate(c.ids, rule, false);
      std::vector<std::string> terms;
      for (const std::string& id : c.ids) terms.push_back("toint(" + rule.find(id)->column + ")");
      return "(" + join(terms, " + ") + " >= " + std::to_string(c.count) + ")";
    }
  }
  return "false";
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

void table_branch(std::ostringstream& q, const RuleModel& rule, const PolicySpec* policy,
                  const KqlTable& table, const KqlOptions& options) {
  const std::string time_col = kql_time_column(options.flavor, table);
  q << "let yarrow_" << table.name << " = " << table.name << "\n";
  q << "| where " << time_col << " > ago(lookback)\n";
  std::vector<std::string> cols = searched_columns(table);
  if (cols.size() > 1)
    q << "| extend " << kJoinedColumn << " = strcat_delim(\"\\n\", " << join(cols, ", ") << ")\n";
  std::vector<std::string> ext;
  for (const StringModel& s : rule.strings)
    if (s.translatable) ext.push_back(s.column + " = " + string_predicate(s, table));
  q << "| extend " << join(ext, ",\n    ") << "\n";
  q << "| where " << cond_kql(rule.condition, rule) << "\n";
  if (policy) {
    std::vector<std::string> other_sources;
    for (const ExclusionSpec& e : policy->exclusions) {
      if (!exclusion_targets_rule(e, rule)) continue;
      std::string why_not;
      std::string p = kql_exclusion_predicate(e, rule, table, options.flavor, why_not);
      if (p.empty() && why_not.rfind("source is not", 0) == 0) {
        other_sources.push_back(e.id);
        continue;
      }
      if (p.empty()) {
        q << "// exclusion " << e.id << " not applied here: " << one_line(why_not) << "\n";
        continue;
      }
      q << "// exclusion " << e.id << ": " << one_line(e.reason) << "\n";
      q << "| where not(" << p << ")\n";
    }
    if (!other_sources.empty())
      q << "// exclusions for other sources than " << table.policy_source << ": "
        << join(other_sources, ", ") << "\n";
  }
  std::vector<std::string> matched;
  for (const StringModel& s : rule.strings)
    if (s.translatable)
      matched.push_back("iff(" + s.column + ", dynamic([" + kql_string(s.id).substr(1) +
                        "]), dynamic([]))");
  q << "| extend MatchedStrings = array_concat(" << join(matched, ", ") << ")\n";
  const std::string out_time =
      options.flavor == KqlFlavor::kDefender ? "Timestamp" : "TimeGenerated";
  std::vector<std::string> proj = {out_time == time_col ? out_time : out_time + " = " + time_col,
                                   "SourceTable = \"" + table.name + "\""};
  for (const auto& [name, expr] : table.projection)
    proj.push_back(name == expr ? name : name + " = " + expr);
  proj.push_back("HashAlgorithm = \"SHA256\"");
  proj.push_back("MatchedStrings");
  q << "| project " << join(proj, ", ") << ";\n";
}

std::vector<const KqlTable*> tables_for(KqlFlavor flavor) {
  std::vector<const KqlTable*> out;
  for (const KqlTable& t : kql_tables())
    if (!(t.sentinel_only && flavor == KqlFlavor::kDefender)) out.push_back(&t);
  return out;
}

void yaml_block(std::ostringstream& y, const std::string& key, const std::string& text,
                int indent) {
  std::string pad(indent, ' ');
  y << pad << key << ": |\n";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) y << pad << "  " << line << "\n";
}

}  // namespace

std::string kql_query(const RuleModel& rule, const PolicySpec* policy, const KqlOptions& options) {
  std::ostringstream q;
  q << kKqlRuleHeader << rule.name
    << (options.source_name.empty() ? "" : " (" + options.source_name + ")") << "\n";
  const std::string desc = rule.meta_value("description");
  if (!desc.empty()) q << "// " << one_line(desc) << "\n";
  q << "// flavor: "
    << (options.flavor == KqlFlavor::kSentinel ? "Microsoft Sentinel (TimeGenerated)"
                                               : "Defender XDR advanced hunting (Timestamp)")
    << "\n";
  if (options.flavor == KqlFlavor::kDefender)
    q << "// DnsEvents (Sentinel's DNS connector) is not in advanced hunting: DNS names are "
         "searched in DeviceNetworkEvents.RemoteUrl and DeviceEvents.AdditionalFields\n";
  for (const StringModel& s : rule.strings)
    if (s.translatable)
      q << "// " << s.column << ": " << s.id << " = " << one_line(s.original) << "\n";
  for (const std::string& n : rule.notes) q << "// not translated: " << one_line(n) << "\n";
  if (policy && !policy->source_name.empty())
    q << "// exclusions from " << policy->source_name << "\n";
  bool any = std::any_of(rule.strings.begin(), rule.strings.end(),
                         [](const StringModel& s) { return s.translatable; });
  if (!any) {
    q << "// no query: nothing in this rule can be searched in event fields\n";
    return q.str();
  }
  q << "let lookback = " << options.lookback << ";\n";
  auto tables = tables_for(options.flavor);
  std::vector<std::string> names;
  for (const KqlTable* t : tables) {
    table_branch(q, rule, policy, *t, options);
    names.push_back("yarrow_" + t->name);
  }
  q << "union " << join(names, ", ") << "\n";
  q << "| extend RuleName = " << kql_string(rule.name) << "\n";
  q << "| sort by " << (options.flavor == KqlFlavor::kDefender ? "Timestamp" : "TimeGenerated")
    << " desc\n";
  return q.str();
}

std::string sentinel_yaml(const RuleModel& rule, const PolicySpec* policy,
                          const KqlOptions& options) {
  std::string query = kql_query(rule, policy, options);
  std::ostringstream y;
  Attack attack = attack_for(rule);
  std::string flavor = options.flavor == KqlFlavor::kSentinel ? "sentinel" : "defender";
  y << "id: " << stable_uuid("kql:" + flavor + ":" + rule.name) << "\n";
  y << "name: " << yaml_quote(rule.name + " (YARA rule, exported by yarrow)") << "\n";
  std::string desc = rule.meta_value("description");
  std::string full = (desc.empty() ? "Hunts for the strings of YARA rule " + rule.name : desc) +
                     "\nTranslated from YARA rule " + rule.name +
                     " by yarrow export; untranslated parts are listed as comments in the "
                     "query.";
  std::string author = rule.meta_value("author");
  if (!author.empty()) full += "\nRule author: " + author;
  std::string ref = rule.meta_value("reference");
  if (!ref.empty()) full += "\nReference: " + ref;
  yaml_block(y, "description", full, 0);
  y << "requiredDataConnectors:\n";
  y << "  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n";
  for (const KqlTable* t : tables_for(options.flavor))
    if (!t->sentinel_only) y << "      - " << t->name << "\n";
  if (query.find("DeviceFileCertificateInfo") != std::string::npos)
    y << "      - DeviceFileCertificateInfo\n";  // signer exclusions
  if (options.flavor == KqlFlavor::kSentinel)
    y << "  - connectorId: DNS\n    dataTypes:\n      - DnsEvents\n";
  if (attack.tactics.empty()) {
    y << "tactics: []\n";
  } else {
    y << "tactics:\n";
    for (const auto& t : attack.tactics) y << "  - " << t << "\n";
  }
  if (attack.techniques.empty()) {
    y << "relevantTechniques: []\n";
  } else {
    y << "relevantTechniques:\n";
    for (const auto& t : attack.techniques) y << "  - " << t << "\n";
  }
  yaml_block(y, "query", query, 0);
  y << "entityMappings:\n";
  struct Map { const char* entity; std::vector<std::pair<const char*, const char*>> fields; };
  const std::vector<Map> maps = {
      {"Host", {{"HostName", "DeviceName"}}},
      {"Account", {{"Name", "AccountName"}, {"NTDomain", "AccountDomain"}}},
      {"Process", {{"CommandLine", "ProcessCommandLine"}}},
      {"File", {{"Name", "FileName"}, {"Directory", "FolderPath"}}},
      {"FileHash", {{"Algorithm", "HashAlgorithm"}, {"Value", "SHA256"}}},
      {"URL", {{"Url", "RemoteUrl"}}},
      {"IP", {{"Address", "RemoteIP"}}},
  };
  for (const Map& m : maps) {
    y << "  - entityType: " << m.entity << "\n    fieldMappings:\n";
    for (const auto& [id, col] : m.fields)
      y << "      - identifier: " << id << "\n        columnName: " << col << "\n";
  }
  y << "version: 1.0.0\n";
  return y.str();
}

std::string export_kql(const ast::Unit& unit, const PolicySpec* policy,
                       const KqlOptions& options) {
  std::string out;
  for (const ast::Rule& r : unit.rules) {
    RuleModel model = translate_rule(unit, r);
    if (options.format == KqlFormat::kYaml) {
      out += (out.empty() ? "" : "---\n") + sentinel_yaml(model, policy, options);
    } else {
      out += (out.empty() ? "" : "\n") + kql_query(model, policy, options);
    }
  }
  return out;
}

}  // namespace yarrow::exporter
