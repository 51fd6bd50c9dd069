// YARA rule → Sigma rules, one per Windows log source category. See docs/export.md.
#include <algorithm>
#include <map>
#include <sstream>

#include "export/text_util.h"
#include "export/export.h"
#include "export/kql_tables.h"  // exclusion_targets_rule

namespace yarrow::exporter {
namespace {

struct Category {
  const char* name;           // Sigma logsource category
  const char* title;          // for the rule title
  const char* policy_source;  // the policy `source` these events correspond to
  std::vector<std::string> search_fields;
  std::map<std::string, std::string> facts;  // policy fact → Sigma field
};

const std::vector<Category>& categories() {
  static const std::vector<Category> c = {
      {"process_creation", "process creation", "process",
       {"CommandLine", "Image", "ParentCommandLine", "ParentImage", "CurrentDirectory"},
       {{"process.path", "Image"}, {"process.command_line", "CommandLine"},
        {"process.user", "User"}, {"process.integrity", "IntegrityLevel"},
        {"parent.path", "ParentImage"}}},
      {"file_event", "file event", "file", {"TargetFilename", "Image"},
       {{"file.path", "TargetFilename"}}},
      {"network_connection", "network connection", "process",
       {"DestinationHostname", "Image"},
       {{"process.path", "Image"}, {"process.user", "User"},
        {"network.remote_port", "DestinationPort"}, {"network.transport", "Protocol"}}},
      {"dns_query", "DNS query", "event", {"QueryName", "Image"}, {}},
  };
  return c;
}

// Sigma plain values treat `*` and `?` as wildcards and `\` as their escape.
std::string sigma_escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '*' || c == '?') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\\') {
      bool special = i + 1 == s.size() || s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\';
      out += special ? "\\\\" : "\\";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string key_id(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_');
  return out;
}

// One needle as (modifier chain, value).
std::pair<std::string, std::string> needle_sigma(const Needle& n) {
  if (n.kind == Needle::Kind::kRegex) return {"re", n.text};
  if (n.base64) return {"contains|cased", sigma_escape(n.text)};
  if (n.fullword) {
    Needle plain = n;
    plain.nocase = false;
    return {n.nocase ? "re|i" : "re", needle_regex(plain)};
  }
  return {n.nocase ? "contains" : "contains|cased", sigma_escape(n.text)};
}

void emit_list(std::ostringstream& y, const std::string& indent,
               const std::vector<std::string>& values) {
  for (const std::string& v : values) y << indent << "- " << yaml_quote(v) << "\n";
}

std::string cond_sigma(const Cond& c, const RuleModel& rule, std::vector<std::string>& notes) {
  auto sel = [&](const std::string& id) { return "sel_" + rule.find(id)->column.substr(2); };
  auto join = [](const std::vector<std::string>& p, const std::string& op) {
    std::string out;
    for (size_t i = 0; i < p.size(); ++i) out += (i ? op : "") + p[i];
    return p.size() == 1 ? out : "(" + out + ")";
  };
  size_t translatable = std::count_if(rule.strings.begin(), rule.strings.end(),
                                      [](const StringModel& s) { return s.translatable; });
  switch (c.kind) {
    case Cond::Kind::kTrue: return "1 of sel_*";  // Sigma has no literal true; see notes
    case Cond::Kind::kFalse: return "not 1 of sel_*";
    case Cond::Kind::kString: return sel(c.id);
    case Cond::Kind::kNot: return "not " + cond_sigma(c.kids[0], rule, notes);
    case Cond::Kind::kAnd:
    case Cond::Kind::kOr: {
      std::vector<std::string> p;
      for (const Cond& k : c.kids) p.push_back(cond_sigma(k, rule, notes));
      return join(p, c.kind == Cond::Kind::kAnd ? " and " : " or ");
    }
    case Cond::Kind::kAtLeast: {
      std::vector<std::string> s;
      for (const std::string& id : c.ids) s.push_back(sel(id));
      if (c.ids.size() == translatable && c.count <= 1) return "1 of sel_*";
      if (c.ids.size() == translatable && c.count == c.ids.size()) return "all of sel_*";
      if (c.count <= 1) return join(s, " or ");
      if (c.count == c.ids.size()) return join(s, " and ");
      // N of M: Sigma has only `1 of` and `all of`; spell out the combinations when few.
      std::vector<std::string> combos;
      std::vector<bool> pick(c.ids.size(), false);
      std::fill(pick.begin(), pick.begin() + c.count, true);
      do {
        std::vector<std::string> one;
        for (size_t i = 0; i < pick.size(); ++i)
          if (pick[i]) one.push_back(s[i]);
        combos.push_back(join(one, " and "));
      } while (std::prev_permutation(pick.begin(), pick.end()) && combos.size() <= 64);
      if (combos.size() > 64) {
        notes.push_back("`" + std::to_string(c.count) + " of` " + std::to_string(c.ids.size()) +
                        " strings has too many combinations for Sigma: widened to `1 of`");
        return join(s, " or ");
      }
      return join(combos, " or ");
    }
  }
  return "1 of sel_*";
}

// The exclusion as a Sigma filter map (written into `y`) plus an extra condition on string
// selections; false with `why_not` when a condition has no field in this category.
bool exclusion_filter(const ExclusionSpec& e, const RuleModel& rule, const Category& cat,
                      std::ostringstream& y, std::string& extra, std::string& why_not) {
  std::ostringstream m;
  std::vector<std::string> extras;
  if (const PolicyCondition* src = e.find("source");
      src && std::find(src->values.begin(), src->values.end(), cat.policy_source) ==
                 src->values.end()) {
    why_not = std::string("source is not ") + cat.policy_source;
    return false;
  }
  for (const PolicyCondition& c : e.conditions) {
    const std::string& k = c.key;
    auto field = [&](const std::string& fact) -> std::string {
      auto it = cat.facts.find(fact);
      if (it == cat.facts.end()) why_not = "'" + k + "' has no field in " + cat.name;
      return it == cat.facts.end() ? "" : it->second;
    };
    auto strip = [](std::string re) {  // "(?i)^body$" → "body"
      if (re.rfind("(?i)", 0) == 0) re = re.substr(4);
      return re.substr(1, re.size() - 2);
    };
    if (k == "rule.name" || k == "rule.namespace" || k == "rule.tags") continue;
    if (k == "rule.strings_only" || k == "rule.strings_absent") {
      std::vector<std::string> in, out;
      for (const StringModel& s : rule.strings) {
        if (!s.translatable) continue;
        bool hit = std::any_of(c.values.begin(), c.values.end(),
                               [&](const std::string& g) { return glob_matches(g, s.id); });
        (hit ? in : out).push_back("sel_" + s.column.substr(2));
      }
      auto any = [](const std::vector<std::string>& v) {
        std::string o;
        for (size_t i = 0; i < v.size(); ++i) o += (i ? " or " : "") + v[i];
        return v.size() == 1 ? o : "(" + o + ")";
      };
      if (k == "rule.strings_absent") {
        if (!in.empty()) extras.push_back("not " + any(in));
      } else {
        if (in.empty()) { why_not = "no string of the rule matches " + k; return false; }
        extras.push_back(any(in));
        if (!out.empty()) extras.push_back("not " + any(out));
      }
      continue;
    }
    if (k == "source") {
      if (std::find(c.values.begin(), c.values.end(), cat.policy_source) == c.values.end()) {
        why_not = std::string("its source is not \"") + cat.policy_source + "\"";
        return false;
      }
      continue;
    }
    std::vector<std::string> vals;
    std::string key;
    if (k == "file.path" || k == "process.path" || k == "parent.path") {
      std::string f = field(k);
      if (f.empty()) return false;
      bool glob = std::any_of(c.values.begin(), c.values.end(), has_glob_chars);
      key = glob ? f + "|re" : f;
      for (const auto& v : c.values) vals.push_back(glob ? glob_to_regex(v, true, true) : sigma_escape(v));
    } else if (k == "file.path_prefix" || k == "process.path_prefix" || k == "parent.path_prefix") {
      std::string f = field(k.substr(0, k.find('.')) + ".path");
      if (f.empty()) return false;
      key = f + "|startswith";
      for (std::string v : c.values) {
        if (v.empty() || (v.back() != '\\' && v.back() != '/')) v.push_back('\\');
        vals.push_back(sigma_escape(v));
      }
    } else if (k == "process.name" || k == "parent.name") {
      std::string f = field(k.substr(0, k.find('.')) + ".path");
      if (f.empty()) return false;
      bool glob = std::any_of(c.values.begin(), c.values.end(), has_glob_chars);
      key = glob ? f + "|re" : f + "|endswith";
      for (const auto& v : c.values)
        vals.push_back(glob ? "(?i)(?:^|[\\\\/])" + strip(glob_to_regex(v, false, true)) + "$"
                            : sigma_escape("\\" + v));
    } else if (k == "process.command_line") {
      std::string f = field(k);
      if (f.empty()) return false;
      key = f + "|re";
      for (const auto& v : c.values) vals.push_back(glob_to_regex(v, false, true));
    } else if (k == "process.command_line_contains") {
      std::string f = field("process.command_line");
      if (f.empty()) return false;
      key = f + "|contains";
      for (const auto& v : c.values) vals.push_back(sigma_escape(v));
    } else if (k == "process.user") {
      std::string f = field(k);
      if (f.empty()) return false;
      key = f + "|re";
      for (const auto& v : c.values) {
        size_t bs = v.rfind('\\');
        if (bs == std::string::npos)
          vals.push_back("(?i)^(?:[^\\\\]*\\\\)?" + strip(glob_to_regex(v, false, true)) + "$");
        else
          vals.push_back("(?i)^" + strip(glob_to_regex(v.substr(0, bs), false, true)) + "\\\\" +
                         strip(glob_to_regex(v.substr(bs + 1), false, true)) + "$");
      }
    } else if (k == "process.integrity") {
      std::string f = field(k);
      if (f.empty()) return false;
      key = f;
      vals = c.values;
    } else if (k == "network.remote_port") {
      std::string f = field(k);
      if (f.empty()) return false;
      key = f;
      for (const auto& v : c.values) {
        if (v.find('-') != std::string::npos) { why_not = "port ranges"; return false; }
        vals.push_back(v);
      }
    } else if (k == "network.protocol") {
      std::string f = field("network.transport");
      if (f.empty()) return false;
      key = f;
      for (const auto& v : c.values) {
        std::string lv = key_id(v);
        if (lv != "tcp" && lv != "udp") {
          why_not = "network.protocol \"" + v + "\" is an application protocol; Sysmon records only the transport";
          return false;
        }
        vals.push_back(lv);
      }
    } else {
      why_not = "'" + k + "' has no field in " + cat.name;
      return false;
    }
    m << "    " << key << ":\n";
    for (const auto& v : vals) m << "      - " << yaml_quote(v) << "\n";
  }
  std::string body = m.str();
  // An exclusion about matched strings only needs no filter map: it lives in the condition.
  if (!body.empty()) y << "  filter_" << key_id(e.id) << ":\n" << body;
  for (size_t i = 0; i < extras.size(); ++i) extra += (i ? " and " : "") + extras[i];
  return true;
}

std::string tag(const std::string& prefix, std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0 && prefix == "attack") out.push_back('-');
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    out.push_back(keep ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_');
  }
  return prefix + "." + out;
}

}  // namespace

std::string sigma_rules(const RuleModel& rule, const PolicySpec* policy,
                        const SigmaOptions& options) {
  std::ostringstream out;
  bool any = std::any_of(rule.strings.begin(), rule.strings.end(),
                         [](const StringModel& s) { return s.translatable; });
  if (!any) {
    out << "# yarrow export: rule " << rule.name
        << ": no Sigma rule, nothing in it can be searched in event fields\n";
    return out.str();
  }
  Attack attack = attack_for(rule);
  std::vector<std::string> fps;
  if (policy)
    for (const ExclusionSpec& e : policy->exclusions)
      if (exclusion_targets_rule(e, rule) && e.reason.size() >= 2 &&
          std::find(fps.begin(), fps.end(), e.reason) == fps.end())
        fps.push_back(e.reason);
  if (fps.empty()) fps.push_back("Unknown");
  bool first = true;
  for (const Category& cat : categories()) {
    std::ostringstream y;
    std::vector<std::string> notes = rule.notes;
    if (!first) y << "---\n";
    first = false;
    y << "# yarrow export: rule " << rule.name
      << (options.source_name.empty() ? "" : " (" + options.source_name + ")") << "\n";
    y << "title: " << yaml_quote(rule.name + ": " + cat.title + " (YARA rule, exported by yarrow)") << "\n";
    y << "id: " << stable_uuid("sigma:" + std::string(cat.name) + ":" + rule.name) << "\n";
    y << "status: experimental\n";
    std::string desc = rule.meta_value("description");
    y << "description: "
      << yaml_quote((desc.empty() ? "Strings of YARA rule " + rule.name : desc) +
           " (translated from YARA rule " + rule.name + " by yarrow export)")
      << "\n";
    std::vector<std::string> refs;
    for (const auto& [k, v] : rule.meta)
      if ((k == "reference" || k == "references" || k == "url") &&
          std::find(refs.begin(), refs.end(), v) == refs.end())
        refs.push_back(v);
    if (!refs.empty()) {
      y << "references:\n";
      emit_list(y, "  ", refs);
    }
    std::string author = rule.meta_value("author");
    if (!author.empty()) y << "author: " << yaml_quote(author) << "\n";
    y << "date: " << options.date << "\n";
    std::vector<std::string> tags;
    for (const auto& t : attack.tactics) tags.push_back(tag("attack", t));
    for (const auto& t : attack.techniques) tags.push_back(tag("attack", t));
    for (const auto& t : rule.tags) tags.push_back(tag("yara", t));
    std::sort(tags.begin() + static_cast<long>(attack.tactics.size() + attack.techniques.size()), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    if (!tags.empty()) {
      y << "tags:\n";
      for (const auto& t : tags) y << "  - " << t << "\n";
    }
    y << "logsource:\n  category: " << cat.name << "\n  product: windows\n";
    y << "detection:\n";
    for (const StringModel& s : rule.strings) {
      if (!s.translatable) continue;
      y << "  sel_" << s.column.substr(2) << ":  # " << s.id << "\n";
      // Group needles by modifier chain: one map per (field, modifiers), maps are OR-ed.
      std::vector<std::pair<std::string, std::vector<std::string>>> groups;
      for (const Needle& n : s.needles) {
        auto [mods, value] = needle_sigma(n);
        // clang 14 can't capture structured bindings (.ci/sanitize builds with it).
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&mods = mods](const auto& g) { return g.first == mods; });
        if (it == groups.end()) groups.push_back({mods, {value}});
        else it->second.push_back(value);
      }
      for (const std::string& f : cat.search_fields)
        for (const auto& [mods, values] : groups) {
          y << "    - " << f << "|" << mods << ":\n";
          emit_list(y, "        ", values);
        }
    }
    std::string condition = cond_sigma(rule.condition, rule, notes);
    std::vector<std::string> applied_notes, filters, other_sources;
    if (policy) {
      for (const ExclusionSpec& e : policy->exclusions) {
        if (!exclusion_targets_rule(e, rule)) continue;
        std::ostringstream f;
        std::string extra, why_not;
        bool ok = exclusion_filter(e, rule, cat, f, extra, why_not);
        if (!ok && why_not.rfind("source is not", 0) == 0) {
          other_sources.push_back(e.id);
          continue;
        }
        if (!ok) {
          applied_notes.push_back("exclusion " + e.id + " not applied: " + why_not);
          continue;
        }
        applied_notes.push_back("exclusion " + e.id + ": " + e.reason);
        y << f.str();
        std::string filt = "filter_" + key_id(e.id);
        if (f.str().empty()) filt = "(" + extra + ")";
        else if (!extra.empty()) filt = "(" + filt + " and " + extra + ")";
        if (filt == "()") filt = "1 of sel_*";  // an exclusion with no condition left
        filters.push_back("not " + filt);
      }
    }
    if (!filters.empty()) {
      bool simple = condition.find(' ') == std::string::npos || condition == "1 of sel_*" ||
                    condition == "all of sel_*";
      if (!simple) condition = "(" + condition + ")";
      for (const std::string& f : filters) condition += " and " + f;
    }
    y << "  condition: " << condition << "\n";
    y << "falsepositives:\n";
    emit_list(y, "  ", fps);
    std::string level = rule.meta_value("severity");
    if (level.empty()) level = rule.meta_value("level");
    static const std::vector<std::string> kLevels = {"informational", "low", "medium", "high",
                                                     "critical"};
    if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) level = "high";
    y << "level: " << level << "\n";
    for (const auto& n : notes) y << "# not translated: " << n << "\n";
    for (const auto& n : applied_notes) y << "# " << n << "\n";
    if (!other_sources.empty()) {
      y << "# exclusions for other sources than " << cat.policy_source << ":";
      for (const auto& id : other_sources) y << " " << id;
      y << "\n";
    }
    out << y.str();
  }
  return out.str();
}

std::string export_sigma(const ast::Unit& unit, const PolicySpec* policy,
                         const SigmaOptions& options) {
  std::string out;
  for (const ast::Rule& r : unit.rules) {
    std::string one = sigma_rules(translate_rule(unit, r), policy, options);
    if (!out.empty() && one.rfind("---", 0) != 0) out += "---\n";
    out += one;
  }
  return out;
}

}  // namespace yarrow::exporter
