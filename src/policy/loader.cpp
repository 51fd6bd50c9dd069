// TOML policy file -> Policy::Impl, collecting every problem as a positioned Diagnostic.
#include "policy/loader.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "policy/loader_context.h"

namespace yarrow::policy {
namespace {

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.'))) return false;
  }
  return true;
}

}  // namespace

void Loader::load_groups(const toml::node& node) {
  const toml::table* t = node.as_table();
  if (!t) {
    error(node.source(), "'groups' must be a table of user lists, not " + type_name(node));
    return;
  }
  for (auto&& [k, value] : *t) {
    const std::string name(k.str());
    const std::string key = "groups." + name;
    if (!valid_name(name)) {
      error(k.source(), "bad group name '" + name + "' (letters, digits, '_', '-', '.')");
      continue;
    }
    auto items = strings(value, key);
    if (!items) {
      groups_[name];  // known, so that uses of it do not add "unknown group" errors
      continue;
    }
    std::vector<UserPattern> members;
    for (const Item& item : *items) {
      if (!item.text.empty() && item.text[0] == '@') {
        error(item.at, "groups cannot contain groups ('" + item.text + "' in '" + key + "')");
        continue;
      }
      if (auto u = user_pattern(item, key)) members.push_back(std::move(*u));
    }
    groups_[name] = std::move(members);
  }
}

void Loader::load_exclusion(const toml::node& node, Policy::Impl& impl,
                            std::map<std::string, uint32_t>& ids) {
  const toml::table* t = node.as_table();
  if (!t) {
    error(node.source(),
          "each 'exclusion' must be a table ([[exclusion]]), not " + type_name(node));
    return;
  }
  const size_t errors_before = errors_;
  Exclusion exclusion;
  exclusion.info.line = static_cast<uint32_t>(node.source().begin.line);
  bool has_id = false;
  bool has_reason = false;
  bool has_rule = false;
  for (auto&& [k, value] : *t) {
    const std::string key(k.str());
    if (key == "id" || key == "reason") {
      const auto* s = value.as_string();
      if (!s) {
        error(value.source(), "'" + key + "' must be a string, not " + type_name(value));
        continue;
      }
      if (key == "id") {
        has_id = true;
        exclusion.info.id = s->get();
        if (!valid_name(exclusion.info.id)) {
          error(value.source(),
                "bad exclusion id \"" + exclusion.info.id +
                    "\" (letters, digits, '_', '-', '.'; starting with a letter or digit)");
        } else if (auto [it, fresh] = ids.emplace(exclusion.info.id, exclusion.info.line); !fresh) {
          error(value.source(), "duplicate exclusion id \"" + exclusion.info.id +
                                    "\" (first defined at line " + std::to_string(it->second) +
                                    ")");
        }
      } else {
        has_reason = true;
        exclusion.info.reason = s->get();
        if (exclusion.info.reason.find_first_not_of(" \t\r\n") == std::string::npos)
          error(value.source(), "'reason' must not be empty: say why the finding is benign");
      }
      continue;
    }
    auto h = condition_keys().find(key);
    if (h == condition_keys().end()) {
      std::string expected = "id, reason";
      for (const auto& [name, _] : condition_keys()) expected += ", " + name;
      error(k.source(),
            "unknown key '" + key + "' in exclusion (expected one of: " + expected + ")");
      continue;
    }
    if (key == "rule") has_rule = true;
    h->second(*this, value, key, exclusion.conditions);
  }
  if (!has_id) error(node.source(), "exclusion without 'id'");
  if (!has_reason) {
    error(node.source(),
          "exclusion" + (exclusion.info.id.empty() ? "" : " \"" + exclusion.info.id + "\"") +
              " without 'reason' (required: it is recorded on every suppressed finding)");
  }
  if (errors_ != errors_before) return;
  if (exclusion.conditions.empty()) {
    error(node.source(), "exclusion \"" + exclusion.info.id +
                             "\" has no conditions: it would suppress every finding");
    return;
  }
  if (!has_rule)
    warning(node.source(),
            "exclusion \"" + exclusion.info.id + "\" applies to every rule (no 'rule' conditions)");
  impl.infos.push_back(exclusion.info);
  impl.exclusions.push_back(std::move(exclusion));
}

std::unique_ptr<Policy::Impl> Loader::load(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, file_);
  } catch (const toml::parse_error& e) {
    error(e.source(), std::string(e.description()));
    diagnostics_.insert(diagnostics_.end(), found_.begin(), found_.end());
    return nullptr;
  }
  auto impl = std::make_unique<Policy::Impl>();
  impl->source_name = file_;
  // Groups first: exclusions refer to them wherever they appear in the file.
  if (const toml::node* groups = root.get("groups")) load_groups(*groups);
  std::map<std::string, uint32_t> ids;
  for (auto&& [k, value] : root) {
    const std::string key(k.str());
    if (key == "groups") continue;
    if (key == "version") {
      const auto* v = value.as_integer();
      if (!v || v->get() != 1)
        error(value.source(), "unsupported policy 'version' (this build reads version = 1)");
    } else if (key == "description") {
      if (!value.is_string())
        error(value.source(), "'description' must be a string, not " + type_name(value));
    } else if (key == "exclusion") {
      const toml::array* a = value.as_array();
      if (!a) {
        error(value.source(), "'exclusion' must be an array of tables ([[exclusion]])");
        continue;
      }
      for (const toml::node& e : *a) load_exclusion(e, *impl, ids);
    } else {
      error(k.source(), "unknown top-level key '" + key +
                            "' (expected one of: version, description, groups, exclusion)");
    }
  }
  // toml++ tables iterate in key order; report in file order.
  std::stable_sort(found_.begin(), found_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  diagnostics_.insert(diagnostics_.end(), found_.begin(), found_.end());
  if (errors_ > 0) return nullptr;
  return impl;
}

std::unique_ptr<Policy::Impl> load_policy(std::string_view text, const std::string& source_name,
                                          Diagnostics& diagnostics) {
  Loader loader(source_name, diagnostics);
  return loader.load(text);
}

}  // namespace yarrow::policy
