// Policy file → ExclusionSpec list. Validation is the policy library's job; this only reads
// the values back out of a file that already passed it.
#include "export/policy_model.h"

#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <sstream>

#include "yarrow/policy.h"

namespace yarrow::exporter {
namespace {

std::string scalar_text(const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* f = n.as_floating_point()) return std::to_string(f->get());
  return "";
}

std::vector<std::string> values_of(const toml::node& n) {
  std::vector<std::string> out;
  if (const auto* a = n.as_array()) {
    for (const toml::node& e : *a) out.push_back(scalar_text(e));
  } else {
    out.push_back(scalar_text(n));
  }
  return out;
}

void flatten(const toml::table& t, const std::string& prefix,
             const std::map<std::string, std::vector<std::string>>& groups, ExclusionSpec& out) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix.empty() && (key == "id" || key == "reason")) {
      if (key == "id") out.id = scalar_text(v);
      else out.reason = scalar_text(v);
      continue;
    }
    if (const auto* sub = v.as_table()) {
      flatten(*sub, key, groups, out);
      continue;
    }
    PolicyCondition c;
    c.key = key;
    for (std::string& value : values_of(v)) {
      auto g = value.size() > 1 && value[0] == '@' ? groups.find(value.substr(1)) : groups.end();
      if (g != groups.end()) {
        c.values.insert(c.values.end(), g->second.begin(), g->second.end());
      } else {
        c.values.push_back(std::move(value));
      }
    }
    out.conditions.push_back(std::move(c));
  }
}

}  // namespace

const PolicyCondition* ExclusionSpec::find(const std::string& key) const {
  for (const PolicyCondition& c : conditions)
    if (c.key == key) return &c;
  return nullptr;
}

std::optional<PolicySpec> load_policy_spec_string(const std::string& text,
                                                  const std::string& source_name,
                                                  Diagnostics& diagnostics) {
  if (!Policy::load_string(text, source_name, diagnostics)) return std::nullopt;
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {  // cannot happen after validation; kept for safety
    Diagnostic d;
    d.message = std::string(e.description());
    d.file = source_name;
    diagnostics.push_back(d);
    return std::nullopt;
  }
  PolicySpec spec;
  spec.source_name = source_name;
  if (const auto* d = root["description"].as_string()) spec.description = d->get();
  std::map<std::string, std::vector<std::string>> groups;
  if (const auto* g = root["groups"].as_table())
    for (const auto& [name, members] : *g) groups[std::string(name.str())] = values_of(members);
  if (const auto* list = root["exclusion"].as_array()) {
    for (const toml::node& n : *list) {
      const auto* t = n.as_table();
      if (!t) continue;
      ExclusionSpec e;
      flatten(*t, "", groups, e);
      spec.exclusions.push_back(std::move(e));
    }
  }
  return spec;
}

std::optional<PolicySpec> load_policy_spec(const std::string& path, Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostic d;
    d.message = "cannot read policy file";
    d.file = path;
    diagnostics.push_back(d);
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_policy_spec_string(ss.str(), path, diagnostics);
}

bool has_glob_chars(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

std::string glob_to_regex(const std::string& glob, bool path, bool nocase) {
  std::string out = nocase ? "(?i)^" : "^";
  const std::string sep = "[\\\\/]";
  const std::string not_sep = path ? "[^\\\\/]" : ".";
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (path && (c == '\\' || c == '/')) {
      // `\**\` (or trailing `\**`): zero or more whole components.
      if (glob.compare(i + 1, 2, "**") == 0 &&
          (i + 3 == glob.size() || glob[i + 3] == '\\' || glob[i + 3] == '/')) {
        out += i + 3 == glob.size() ? "(?:" + sep + ".*)?" : "(?:" + sep + ".*)?";
        i += 2;
        continue;
      }
      out += sep;
      continue;
    }
    if (c == '*') {
      if (path && glob.compare(i, 2, "**") == 0) {  // leading `**`
        out += ".*";
        ++i;
      } else {
        out += not_sep + "*";
      }
    } else if (c == '?') {
      out += not_sep;
    } else if (c == '[') {
      size_t close = glob.find(']', i + 2);
      if (close == std::string::npos) { out += "\\["; continue; }
      std::string body = glob.substr(i + 1, close - i - 1);
      std::string cls = "[";
      size_t p = 0;
      if (!body.empty() && body[0] == '!') { cls += "^"; p = 1; }
      for (; p < body.size(); ++p) {
        char b = body[p];
        if (b == '\\' || b == ']' || b == '[' || b == '^') cls.push_back('\\');
        cls.push_back(b);
      }
      out += cls + "]";
      i = close;
    } else if (std::string("\\.+()|{}^$").find(c) != std::string::npos) {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  return out + "$";
}

bool glob_matches(const std::string& glob, const std::string& text) {
  // Iterative wildcard match with one backtrack point; sets are compared literally enough for
  // rule names (which never contain brackets).
  size_t g = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
      ++g; ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = t;
    } else if (star != std::string::npos) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

}  // namespace yarrow::exporter
