// Policy exclusions → KQL predicates. Each condition key maps to a column of the table when the
// table records that fact; when it does not, the exclusion is not applied to that table, which
// is what the policy itself does with a fact a collector did not record (docs/policy.md:
// "unknown is never excluded"). An exclusion must never become broader in translation.
#include <algorithm>
#include <cstdlib>

#include "export/kql_tables.h"
#include "export/text_util.h"

namespace yarrow::exporter {
namespace {

std::string any_of(const std::vector<std::string>& parts) {
  if (parts.size() == 1) return parts[0];
  return "(" + join(parts, " or ") + ")";
}

// Text compared to a glob (policy syntax): exact comparison when it has no wildcard.
std::string text_glob(const std::string& column, const std::string& glob, bool nocase) {
  if (!has_glob_chars(glob)) return column + (nocase ? " =~ " : " == ") + kql_string(glob);
  return column + " matches regex " + kql_string(glob_to_regex(glob, false, nocase));
}

std::string path_glob(const std::string& column, const std::string& glob) {
  if (!has_glob_chars(glob)) return column + " =~ " + kql_string(glob);
  return column + " matches regex " + kql_string(glob_to_regex(glob, true, true));
}

std::string path_prefix(const std::string& column, std::string prefix) {
  // Component-wise: `C:\Program Files` must not cover `C:\Program Files Evil\x`.
  char sep = prefix.find('\\') != std::string::npos || prefix.size() < 2 || prefix[1] == ':' ? '\\'
                                                                                           : '/';
  if (prefix.empty() || prefix.back() != sep) prefix.push_back(sep);
  return column + " startswith " + kql_string(prefix);
}

int day_number(const std::string& d, bool& ok) {
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::string s = d.substr(0, 3);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 7; ++i)
    if (s == kDays[i]) return i;
  ok = false;
  return 0;
}

int minutes(const std::string& hhmm) {
  return std::atoi(hhmm.substr(0, 2).c_str()) * 60 + std::atoi(hhmm.substr(3, 2).c_str());
}

// time.zone + time.days + time.hours → predicate over the event time; empty if untranslatable.
std::string time_predicate(const ExclusionSpec& e, const std::string& time_col,
                           std::string& why_not) {
  const PolicyCondition* zone = e.find("time.zone");
  std::string z = zone && !zone->values.empty() ? zone->values[0] : "UTC";
  int offset = 0;
  std::string zz = z;
  if (zz.rfind("UTC", 0) == 0) zz = zz.substr(3);
  if (z == "local") {
    why_not = "time.zone = \"local\" depends on each host's zone, which the tables do not record";
    return "";
  }
  if (!zz.empty()) {
    int sign = zz[0] == '-' ? -1 : 1;
    offset = sign * minutes(zz.substr(1));
  }
  std::string t = offset == 0 ? time_col : "(" + time_col + " + " + std::to_string(offset) + "m)";
  std::vector<int> days;
  if (const PolicyCondition* d = e.find("time.days")) {
    for (const std::string& v : d->values) {
      std::string lv = v;
      for (char& c : lv) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lv == "weekdays") { for (int i = 1; i <= 5; ++i) days.push_back(i); continue; }
      if (lv == "weekend") { days.push_back(0); days.push_back(6); continue; }
      bool ok = true;
      int n = day_number(lv, ok);
      if (!ok) { why_not = "unknown day \"" + v + "\""; return ""; }
      days.push_back(n);
    }
  } else {
    for (int i = 0; i < 7; ++i) days.push_back(i);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::vector<std::string> ds;
  for (int d : days) ds.push_back(std::to_string(d));
  std::string day_set = "(" + join(ds, ", ") + ")";
  std::string day = "toint(dayofweek(" + t + ") / 1d)";
  std::string prev_day = "((toint(dayofweek(" + t + ") / 1d) + 6) % 7)";
  std::string minute = "(hourofday(" + t + ") * 60 + datetime_part(\"minute\", " + t + "))";
  std::vector<std::string> parts;
  const PolicyCondition* h = e.find("time.hours");
  std::vector<std::string> ranges = h ? h->values : std::vector<std::string>{"00:00-24:00"};
  for (const std::string& r : ranges) {
    int s = minutes(r.substr(0, 5)), en = minutes(r.substr(6, 5));
    if (s < en) {
      parts.push_back("(" + day + " in " + day_set + " and " + minute + " >= " +
                      std::to_string(s) + " and " + minute + " < " + std::to_string(en) + ")");
    } else {  // crosses midnight: belongs to the day it starts on
      parts.push_back("((" + day + " in " + day_set + " and " + minute + " >= " +
                      std::to_string(s) + ") or (" + prev_day + " in " + day_set + " and " +
                      minute + " < " + std::to_string(en) + "))");
    }
  }
  return any_of(parts);
}

std::string column_or_fail(const KqlTable& table, const std::string& fact, const std::string& key,
                           std::string& why_not) {
  auto it = table.facts.find(fact);
  if (it != table.facts.end()) return it->second;
  why_not = "'" + key + "' has no column in " + table.name;
  return "";
}

}  // namespace

bool exclusion_targets_rule(const ExclusionSpec& exclusion, const RuleModel& rule) {
  for (const PolicyCondition& c : exclusion.conditions) {
    auto any_glob = [&](const std::string& text) {
      return std::any_of(c.values.begin(), c.values.end(),
                         [&](const std::string& g) { return glob_matches(g, text); });
    };
    if (c.key == "rule.name" && !any_glob(rule.name)) return false;
    if (c.key == "rule.namespace" && !any_glob("default")) return false;
    if (c.key == "rule.tags" && std::none_of(rule.tags.begin(), rule.tags.end(), any_glob))
      return false;
  }
  return true;
}

std::string kql_strings_predicate(const std::vector<std::string>& ids, const RuleModel& rule,
                                  bool any) {
  std::vector<std::string> cols;
  for (const std::string& id : ids)
    if (const StringModel* s = rule.find(id); s && s->translatable) cols.push_back(s->column);
  if (cols.empty()) return any ? "false" : "true";
  if (cols.size() == 1) return cols[0];
  return "(" + join(cols, any ? " or " : " and ") + ")";
}

std::string kql_exclusion_predicate(const ExclusionSpec& e, const RuleModel& rule,
                                    const KqlTable& table, KqlFlavor flavor,
                                    std::string& why_not) {
  std::vector<std::string> conj;
  bool time_done = false;
  if (const PolicyCondition* src = e.find("source");
      src && std::find(src->values.begin(), src->values.end(), table.policy_source) ==
                 src->values.end()) {
    why_not = "source is not " + table.policy_source;
    return "";
  }
  for (const PolicyCondition& c : e.conditions) {
    const std::string& k = c.key;
    const auto& vals = c.values;
    std::vector<std::string> alts;
    auto col = [&](const std::string& fact) { return column_or_fail(table, fact, k, why_not); };
    if (k == "rule.name" || k == "rule.namespace" || k == "rule.tags") {
      continue;  // checked once per rule by exclusion_targets_rule
    } else if (k == "rule.strings_only" || k == "rule.strings_absent") {
      std::vector<std::string> in, out;
      for (const StringModel& s : rule.strings) {
        bool hit = std::any_of(vals.begin(), vals.end(),
                               [&](const std::string& g) { return glob_matches(g, s.id); });
        (hit ? in : out).push_back(s.id);
      }
      if (k == "rule.strings_absent") {
        conj.push_back("not(" + kql_strings_predicate(in, rule, true) + ")");
      } else {
        std::string some = kql_strings_predicate(in, rule, true);
        if (some == "false") { why_not = "no string of the rule matches " + k; return ""; }
        conj.push_back(some);
        if (!out.empty()) conj.push_back("not(" + kql_strings_predicate(out, rule, true) + ")");
      }
      continue;
    } else if (k == "source") {
      if (std::find(vals.begin(), vals.end(), table.policy_source) == vals.end()) {
        why_not = "its source is not \"" + table.policy_source + "\"";
        return "";
      }
      continue;
    } else if (k == "host") {
      std::string cn = col("host");
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(text_glob(cn, v, true));
    } else if (k == "file.path" || k == "process.path" || k == "parent.path") {
      std::string fact = k;
      std::string cn = col(fact);
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(path_glob(cn, v));
    } else if (k == "file.path_prefix" || k == "process.path_prefix" ||
               k == "parent.path_prefix") {
      std::string cn = col(k.substr(0, k.find('.')) + ".path");
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(path_prefix(cn, v));
    } else if (k == "process.name" || k == "parent.name") {
      std::string cn = col(k);
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(text_glob(cn, v, true));
    } else if (k == "process.command_line") {
      std::string cn = col(k);
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(text_glob(cn, v, true));
    } else if (k == "process.command_line_contains") {
      std::string cn = col("process.command_line");
      if (cn.empty()) return "";
      for (const auto& v : vals) alts.push_back(cn + " contains " + kql_string(v));
    } else if (k == "process.user") {
      std::string acc = col("process.account");
      if (acc.empty()) return "";
      std::string dom = col("process.domain");
      if (dom.empty()) return "";
      for (const auto& v : vals) {
        size_t bs = v.rfind('\\');
        if (bs == std::string::npos) {
          alts.push_back(text_glob(acc, v, true));
        } else {
          // Defender records "NT AUTHORITY" / "nt authority" style domains and bare names.
          alts.push_back("(" + text_glob(dom, v.substr(0, bs), true) + " and " +
                         text_glob(acc, v.substr(bs + 1), true) + ")");
        }
      }
    } else if (k == "process.integrity") {
      std::string cn = col(k);
      if (cn.empty()) return "";
      std::vector<std::string> q;
      for (const auto& v : vals) q.push_back(kql_string(v));
      alts.push_back(cn + " in~ (" + join(q, ", ") + ")");
    } else if (k == "signer.subject" || k == "signer.issuer") {
      std::string sha = col(table.policy_source == "file" ? "file.sha1" : "process.sha1");
      if (sha.empty()) return "";
      // Only verified signatures count: IsTrusted is Defender's verdict on the chain.
      std::string field = k == "signer.subject" ? "Signer" : "Issuer";
      std::vector<std::string> m;
      for (const auto& v : vals) m.push_back(text_glob(field, v, false));
      alts.push_back(sha + " in ((DeviceFileCertificateInfo | where IsTrusted == true and " +
                     any_of(m) + " | distinct SHA1))");
    } else if (k.rfind("time.", 0) == 0) {
      if (time_done) continue;
      time_done = true;
      std::string p = time_predicate(e, kql_time_column(flavor, table), why_not);
      if (p.empty()) return "";
      alts.push_back(p);
    } else if (k == "download.domain") {
      std::string cn = col("download.url");
      if (cn.empty()) return "";
      std::string host = "tostring(parse_url(" + cn + ").Host)";
      for (const auto& v : vals)
        alts.push_back("(" + host + " =~ " + kql_string(v) + " or " + host + " endswith " +
                       kql_string("." + v) + ")");
    } else if (k == "download.url" || k == "download.referrer") {
      std::string cn = col(k);
      if (cn.empty()) return "";
      for (const auto& v : vals)
        alts.push_back(cn + " matches regex " + kql_string(glob_to_regex(v, true, false)));
    } else if (k == "network.remote_port") {
      std::string cn = col(k);
      if (cn.empty()) return "";
      for (const auto& v : vals) {
        size_t dash = v.find('-');
        if (dash == std::string::npos) alts.push_back(cn + " == " + v);
        else alts.push_back(cn + " between (" + v.substr(0, dash) + " .. " + v.substr(dash + 1) + ")");
      }
    } else if (k == "network.protocol") {
      std::string cn = col("network.transport");
      if (cn.empty()) return "";
      for (const auto& v : vals) {
        std::string lv = v;
        for (char& ch : lv) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lv != "tcp" && lv != "udp") {
          why_not = "network.protocol \"" + v + "\" is an application protocol; " + table.name +
                    " records only the transport (Protocol: Tcp/Udp)";
          return "";
        }
        alts.push_back(cn + " =~ " + kql_string(v));
      }
    } else {
      why_not = "'" + k + "' has no column in " + table.name;
      return "";
    }
    conj.push_back(any_of(alts));
  }
  if (conj.empty()) return "true";
  return join(conj, " and ");
}

}  // namespace yarrow::exporter
