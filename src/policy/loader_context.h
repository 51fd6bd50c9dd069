// The state of one policy load, shared by the loader (file structure: ids, reasons, groups) and
// the condition-key handlers (one per key of an exclusion, in condition_keys.cpp).
#pragma once

#include <toml++/toml.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/conditions.h"
#include "yarrow/diagnostics.h"

namespace yarrow::policy {

// A string value and where the policy wrote it, for diagnostics.
struct Item {
  std::string text;
  toml::source_region at;
};

class Loader;
// Reads the value of one condition key; appends its compiled condition or reports errors.
using Handler = void (*)(Loader&, const toml::node&, const std::string&, std::vector<Condition>&);

class Loader {
 public:
  Loader(std::string file, Diagnostics& diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics) {}

  std::unique_ptr<Policy::Impl> load(std::string_view text);

  void error(const toml::source_region& at, std::string message) {
    add(Severity::kError, at, std::move(message));
  }
  void warning(const toml::source_region& at, std::string message) {
    add(Severity::kWarning, at, std::move(message));
  }

  // A string or an array of strings; nullopt (after reporting) on anything else or when empty.
  std::optional<std::vector<Item>> strings(const toml::node& node, const std::string& key) {
    std::vector<Item> items;
    if (const auto* s = node.as_string()) {
      items.push_back({s->get(), node.source()});
      return items;
    }
    const auto* array = node.as_array();
    if (!array) {
      error(node.source(),
            "'" + key + "' must be a string or an array of strings, not " + type_name(node));
      return std::nullopt;
    }
    bool ok = true;
    for (const toml::node& element : *array) {
      if (const auto* s = element.as_string()) {
        items.push_back({s->get(), element.source()});
      } else {
        error(element.source(),
              "'" + key + "' must contain only strings, found " + type_name(element));
        ok = false;
      }
    }
    if (ok && items.empty()) {
      error(node.source(), "'" + key + "' is an empty list: the condition could never hold");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return items;
  }

  std::optional<std::vector<Glob>> text_globs(const toml::node& node, const std::string& key) {
    auto items = strings(node, key);
    if (!items) return std::nullopt;
    std::vector<Glob> globs;
    bool ok = true;
    for (const Item& item : *items) {
      std::string reason;
      if (auto g = Glob::compile(item.text, GlobMode::kText, reason)) {
        globs.push_back(std::move(*g));
      } else {
        error(item.at, "bad glob in '" + key + "': " + reason);
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return globs;
  }

  std::optional<std::vector<UserPattern>> users(const toml::node& node, const std::string& key) {
    auto items = strings(node, key);
    if (!items) return std::nullopt;
    std::vector<UserPattern> out;
    bool ok = true;
    for (const Item& item : *items) {
      if (!item.text.empty() && item.text[0] == '@') {
        auto group = groups_.find(item.text.substr(1));
        if (group == groups_.end()) {
          error(item.at, "unknown user group '" + item.text.substr(1) + "' in '" + key +
                             "' (define it under [groups])");
          ok = false;
        } else {
          out.insert(out.end(), group->second.begin(), group->second.end());
        }
        continue;
      }
      if (auto u = user_pattern(item, key)) {
        out.push_back(std::move(*u));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<UserPattern> user_pattern(const Item& item, const std::string& key) {
    std::string reason;
    auto g = Glob::compile(item.text, GlobMode::kText, reason);
    if (!g) {
      error(item.at, "bad user pattern in '" + key + "': " + reason);
      return std::nullopt;
    }
    return UserPattern{std::move(*g), item.text.find('\\') != std::string::npos};
  }

  // Visits every key of `table`, dispatching to `handlers`; unknown keys are errors.
  void dispatch(const toml::table& table, const std::string& prefix,
                const std::map<std::string, Handler>& handlers, std::vector<Condition>& out) {
    for (auto&& [k, value] : table) {
      const std::string key =
          prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      auto h = handlers.find(std::string(k.str()));
      if (h == handlers.end()) {
        std::string expected;
        for (const auto& [name, _] : handlers) expected += (expected.empty() ? "" : ", ") + name;
        error(k.source(), "unknown key '" + key + "' (expected one of: " + expected + ")");
        continue;
      }
      h->second(*this, value, key, out);
    }
  }

  static std::string type_name(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::table:
        return "a table";
      case toml::node_type::array:
        return "an array";
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a float";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::date:
        return "a date";
      case toml::node_type::time:
        return "a time";
      case toml::node_type::date_time:
        return "a date-time";
      default:
        return "nothing";
    }
  }

 private:
  void add(Severity severity, const toml::source_region& at, std::string message) {
    Diagnostic d;
    d.severity = severity;
    d.message = std::move(message);
    d.file = file_;
    d.line = static_cast<uint32_t>(at.begin.line);
    d.column = static_cast<uint32_t>(at.begin.column);
    found_.push_back(std::move(d));
    if (severity == Severity::kError) ++errors_;
  }

  void load_groups(const toml::node& node);
  void load_exclusion(const toml::node& node, Policy::Impl& impl,
                      std::map<std::string, uint32_t>& ids);

  std::string file_;
  Diagnostics& diagnostics_;
  Diagnostics found_;
  size_t errors_ = 0;
  std::map<std::string, std::vector<UserPattern>> groups_;
};

// Keys of an exclusion that are conditions (id and reason are handled by the loader).
const std::map<std::string, Handler>& condition_keys();

}  // namespace yarrow::policy
