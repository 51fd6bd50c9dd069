// One handler per condition key of an exclusion: type checks, value parsing, compilation.
#include <algorithm>

#include "policy/loader_context.h"
#include "policy/time_spec.h"

namespace yarrow::policy {
namespace {

const toml::table* as_table(Loader& l, const toml::node& node, const std::string& key) {
  const auto* t = node.as_table();
  if (!t) l.error(node.source(), "'" + key + "' must be a table, not " + Loader::type_name(node));
  return t;
}

template <TextField F, CaseRule R>
void glob_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  if (auto globs = l.text_globs(n, key))
    out.push_back(make_glob_condition(key, F, std::move(*globs), R));
}

template <TextField F>
void user_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  if (auto u = l.users(n, key)) out.push_back(make_user_condition(key, F, std::move(*u)));
}

template <TextField F>
void contains_handler(Loader& l, const toml::node& n, const std::string& key,
                      std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<std::string> needles;
  for (Item& item : *items) {
    if (item.text.empty()) {
      l.error(item.at, "empty string in '" + key + "' would match everything");
      return;
    }
    needles.push_back(std::move(item.text));
  }
  out.push_back(make_contains_condition(key, F, std::move(needles)));
}

template <PathField F>
void path_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<PathGlob> globs;
  bool ok = true;
  for (const Item& item : *items) {
    std::string reason;
    auto normalized = normalize_path_pattern(item.text, reason);
    std::optional<Glob> glob;
    if (normalized) glob = Glob::compile(normalized->text, GlobMode::kPath, reason);
    if (!glob) {
      if (normalized) {  // the glob error quotes the normalised form; quote what was written
        l.error(item.at, "bad path glob \"" + item.text + "\" in '" + key +
                             "': " + reason.substr(0, reason.rfind(" in \"")));
      } else {
        l.error(item.at, "bad path glob in '" + key + "': " + reason);
      }
      ok = false;
      continue;
    }
    globs.push_back({normalized->form, std::move(*glob)});
  }
  if (ok) out.push_back(make_path_glob_condition(key, F, std::move(globs)));
}

template <PathField F>
void prefix_handler(Loader& l, const toml::node& n, const std::string& key,
                    std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<NormalizedPath> prefixes;
  bool ok = true;
  for (const Item& item : *items) {
    std::string reason;
    if (item.text.find_first_of("*?[") != std::string::npos) {
      l.error(item.at, "'" + key + "' takes literal directories; use the glob key for \"" +
                           item.text + "\"");
      ok = false;
      continue;
    }
    auto normalized = normalize_path_pattern(item.text, reason);
    if (!normalized) {
      l.error(item.at, "bad path in '" + key + "': " + reason);
      ok = false;
      continue;
    }
    prefixes.push_back(std::move(*normalized));
  }
  if (ok) out.push_back(make_path_prefix_condition(key, F, std::move(prefixes)));
}

// Field selectors.
std::optional<std::string_view> rule_name(const FindingView& v) { return v.finding.rule; }
std::optional<std::string_view> rule_ns(const FindingView& v) { return v.finding.rule_namespace; }
std::optional<std::string_view> host_name(const FindingView& v) {
  if (!v.finding.host) return std::nullopt;
  return *v.finding.host;
}
template <auto Member>
std::optional<std::string_view> process_field(const FindingView& v) {
  if (!v.finding.process) return std::nullopt;
  const std::optional<std::string>& value = (*v.finding.process).*Member;
  if (!value) return std::nullopt;
  return *value;
}
std::optional<std::string_view> file_owner(const FindingView& v) {
  if (!v.finding.file || !v.finding.file->owner) return std::nullopt;
  return *v.finding.file->owner;
}
const std::optional<NormalizedPath>& file_path(const FindingView& v) { return v.file_path; }
const std::optional<NormalizedPath>& process_path(const FindingView& v) { return v.process_path; }
const std::optional<NormalizedPath>& parent_path(const FindingView& v) { return v.parent_path; }

constexpr TextField kProcessName = &process_field<&ProcessContext::name>;
constexpr TextField kCommandLine = &process_field<&ProcessContext::command_line>;
constexpr TextField kProcessUser = &process_field<&ProcessContext::user>;
constexpr TextField kParentName = &process_field<&ProcessContext::parent_name>;

void tags_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  if (auto g = l.text_globs(n, key)) out.push_back(make_tags_condition(std::move(*g)));
}
void strings_only_handler(Loader& l, const toml::node& n, const std::string& key,
                          std::vector<Condition>& out) {
  if (auto g = l.text_globs(n, key)) out.push_back(make_strings_only_condition(std::move(*g)));
}
void strings_absent_handler(Loader& l, const toml::node& n, const std::string& key,
                            std::vector<Condition>& out) {
  if (auto g = l.text_globs(n, key)) out.push_back(make_strings_absent_condition(std::move(*g)));
}

// Names listed in `names` map to bit positions; reports unknown ones.
std::optional<uint8_t> name_mask(Loader& l, const toml::node& n, const std::string& key,
                                 std::initializer_list<std::string_view> names) {
  auto items = l.strings(n, key);
  if (!items) return std::nullopt;
  uint8_t mask = 0;
  bool ok = true;
  for (const Item& item : *items) {
    size_t bit = 0;
    bool found = false;
    for (std::string_view name : names) {
      if (ascii_lower(item.text) == name) {
        mask |= static_cast<uint8_t>(1u << bit);
        found = true;
      }
      ++bit;
    }
    if (!found) {
      std::string expected;
      for (std::string_view name : names)
        expected += (expected.empty() ? "" : ", ") + std::string(name);
      l.error(item.at, "unknown value \"" + item.text + "\" in '" + key +
                           "' (expected one of: " + expected + ")");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return mask;
}

void source_handler(Loader& l, const toml::node& n, const std::string& key,
                    std::vector<Condition>& out) {
  if (auto m = name_mask(l, n, key, {"file", "process", "event"}))
    out.push_back(make_source_condition(*m));
}
void integrity_handler(Loader& l, const toml::node& n, const std::string& key,
                       std::vector<Condition>& out) {
  if (auto m = name_mask(l, n, key, {"untrusted", "low", "medium", "high", "system"}))
    out.push_back(make_integrity_condition(*m));
}
void elevated_handler(Loader& l, const toml::node& n, const std::string& key,
                      std::vector<Condition>& out) {
  if (const auto* b = n.as_boolean()) {
    out.push_back(make_elevated_condition(b->get()));
  } else {
    l.error(n.source(), "'" + key + "' must be a boolean, not " + Loader::type_name(n));
  }
}

template <bool Subject>
void signer_handler(Loader& l, const toml::node& n, const std::string& key,
                    std::vector<Condition>& out) {
  if (auto g = l.text_globs(n, key))
    out.push_back(make_signer_condition(key, Subject, std::move(*g)));
}

template <bool Referrer>
void url_handler(Loader& l, const toml::node& n, const std::string& key,
                 std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<Glob> globs;
  bool ok = true;
  for (const Item& item : *items) {
    const ParsedUrl url = parse_url(item.text);
    std::string reason;
    std::optional<Glob> g;
    if (url.host.empty()) {
      reason = "\"" + item.text + "\" is not an absolute URL (scheme://host/...)";
    } else {
      g = Glob::compile(url.normalized, GlobMode::kPath, reason);
    }
    if (!g) {
      l.error(item.at, "bad URL glob in '" + key + "': " + reason);
      ok = false;
      continue;
    }
    globs.push_back(std::move(*g));
  }
  if (ok) out.push_back(make_url_condition(key, Referrer, std::move(globs)));
}

void domain_handler(Loader& l, const toml::node& n, const std::string& key,
                    std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<std::string> domains;
  bool ok = true;
  for (const Item& item : *items) {
    std::string reason;
    if (!valid_domain_pattern(item.text, reason)) {
      l.error(item.at, "bad domain in '" + key + "': " + reason);
      ok = false;
      continue;
    }
    domains.push_back(normalize_domain(item.text));
  }
  if (ok) out.push_back(make_domain_condition(std::move(domains)));
}

void port_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  std::vector<const toml::node*> elements;
  if (const auto* a = n.as_array()) {
    for (const toml::node& e : *a) elements.push_back(&e);
  } else {
    elements.push_back(&n);
  }
  if (elements.empty()) {
    l.error(n.source(), "'" + key + "' is an empty list: the condition could never hold");
    return;
  }
  std::vector<std::pair<uint16_t, uint16_t>> ranges;
  bool ok = true;
  for (const toml::node* e : elements) {
    std::string reason;
    std::optional<std::pair<uint16_t, uint16_t>> range;
    if (const auto* i = e->as_integer()) {
      range = parse_port(i->get(), reason);
    } else if (const auto* s = e->as_string()) {
      range = parse_port_range(s->get(), reason);
    } else {
      reason = "expected a port number or a \"low-high\" string, not " + Loader::type_name(*e);
    }
    if (!range) {
      l.error(e->source(), "bad port in '" + key + "': " + reason);
      ok = false;
      continue;
    }
    ranges.push_back(*range);
  }
  if (ok) out.push_back(make_port_condition(std::move(ranges)));
}

void protocol_handler(Loader& l, const toml::node& n, const std::string& key,
                      std::vector<Condition>& out) {
  auto items = l.strings(n, key);
  if (!items) return;
  std::vector<std::string> protocols;
  bool ok = true;
  for (const Item& item : *items) {
    const std::string p = ascii_lower(item.text);
    const bool valid = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
    if (!valid) {
      l.error(item.at, "bad protocol \"" + item.text + "\" in '" + key +
                           "' (a name such as tls, ssh, tcp; no wildcards)");
      ok = false;
      continue;
    }
    protocols.push_back(p);
  }
  if (ok) out.push_back(make_protocol_condition(std::move(protocols)));
}

void time_handler(Loader& l, const toml::node& n, const std::string& key,
                  std::vector<Condition>& out) {
  const toml::table* t = as_table(l, n, key);
  if (!t) return;
  TimeWindow window;
  bool ok = true;
  bool has_zone = false;
  bool has_days_or_hours = false;
  for (auto&& [k, value] : *t) {
    const std::string sub = key + "." + std::string(k.str());
    if (k.str() == "zone") {
      has_zone = true;
      const auto* s = value.as_string();
      std::string reason;
      if (!s) {
        l.error(value.source(), "'" + sub + "' must be a string, not " + Loader::type_name(value));
        ok = false;
      } else if (!parse_zone(s->get(), window, reason)) {
        l.error(value.source(), "bad time zone in '" + sub + "': " + reason);
        ok = false;
      }
    } else if (k.str() == "days") {
      has_days_or_hours = true;
      auto items = l.strings(value, sub);
      if (!items) {
        ok = false;
        continue;
      }
      window.days = 0;
      for (const Item& item : *items) {
        std::string reason;
        auto mask = parse_days(item.text, reason);
        if (!mask) {
          l.error(item.at, "bad day in '" + sub + "': " + reason);
          ok = false;
        } else {
          window.days |= *mask;
        }
      }
    } else if (k.str() == "hours") {
      has_days_or_hours = true;
      auto items = l.strings(value, sub);
      if (!items) {
        ok = false;
        continue;
      }
      for (const Item& item : *items) {
        std::string reason;
        auto range = parse_hours(item.text, reason);
        if (!range) {
          l.error(item.at, "bad time range in '" + sub + "': " + reason);
          ok = false;
        } else {
          window.ranges.push_back(*range);
        }
      }
    } else {
      l.error(k.source(), "unknown key '" + sub + "' (expected one of: days, hours, zone)");
      ok = false;
    }
  }
  if (!has_zone) {
    l.error(n.source(),
            "'" + key + "' needs an explicit 'zone' (\"UTC\", \"+02:00\" or \"local\")");
    ok = false;
  }
  if (!has_days_or_hours) {
    l.error(n.source(), "'" + key + "' needs 'days' or 'hours'");
    ok = false;
  }
  if (ok) out.push_back(make_time_condition(std::move(window)));
}

template <const std::map<std::string, Handler>* Table>
void table_handler(Loader& l, const toml::node& n, const std::string& key,
                   std::vector<Condition>& out) {
  if (const toml::table* t = as_table(l, n, key)) l.dispatch(*t, key, *Table, out);
}

const std::map<std::string, Handler> kRuleKeys = {
    {"name", &glob_handler<&rule_name, CaseRule::kSensitive>},
    {"namespace", &glob_handler<&rule_ns, CaseRule::kSensitive>},
    {"tags", &tags_handler},
    {"strings_only", &strings_only_handler},
    {"strings_absent", &strings_absent_handler},
};
const std::map<std::string, Handler> kFileKeys = {
    {"path", &path_handler<&file_path>},
    {"path_prefix", &prefix_handler<&file_path>},
    {"owner", &user_handler<&file_owner>},
};
const std::map<std::string, Handler> kProcessKeys = {
    {"name", &glob_handler<kProcessName, CaseRule::kPlatform>},
    {"path", &path_handler<&process_path>},
    {"path_prefix", &prefix_handler<&process_path>},
    {"command_line", &glob_handler<kCommandLine, CaseRule::kPlatform>},
    {"command_line_contains", &contains_handler<kCommandLine>},
    {"user", &user_handler<kProcessUser>},
    {"integrity", &integrity_handler},
    {"elevated", &elevated_handler},
};
const std::map<std::string, Handler> kParentKeys = {
    {"name", &glob_handler<kParentName, CaseRule::kPlatform>},
    {"path", &path_handler<&parent_path>},
    {"path_prefix", &prefix_handler<&parent_path>},
};
const std::map<std::string, Handler> kSignerKeys = {
    {"subject", &signer_handler<true>},
    {"issuer", &signer_handler<false>},
};
const std::map<std::string, Handler> kDownloadKeys = {
    {"url", &url_handler<false>},
    {"domain", &domain_handler},
    {"referrer", &url_handler<true>},
};
const std::map<std::string, Handler> kNetworkKeys = {
    {"remote_port", &port_handler},
    {"protocol", &protocol_handler},
};
// Keys of an exclusion that are conditions (id and reason are handled apart).
const std::map<std::string, Handler> kConditionKeys = {
    {"rule", &table_handler<&kRuleKeys>},
    {"source", &source_handler},
    {"host", &glob_handler<&host_name, CaseRule::kInsensitive>},
    {"file", &table_handler<&kFileKeys>},
    {"process", &table_handler<&kProcessKeys>},
    {"parent", &table_handler<&kParentKeys>},
    {"signer", &table_handler<&kSignerKeys>},
    {"time", &time_handler},
    {"download", &table_handler<&kDownloadKeys>},
    {"network", &table_handler<&kNetworkKeys>},
};

}  // namespace

const std::map<std::string, Handler>& condition_keys() { return kConditionKeys; }

}  // namespace yarrow::policy
