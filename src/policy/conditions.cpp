#include "policy/conditions.h"

#include <ctime>

namespace yarrow::policy {

FindingView::FindingView(const Finding& f) : finding(f) {
  if (f.file) file_path = normalize_path(f.file->path);
  if (f.process) {
    if (f.process->path) process_path = normalize_path(*f.process->path);
    if (f.process->parent_path) parent_path = normalize_path(*f.process->parent_path);
  }
  if (f.download) {
    if (f.download->url) download_url = parse_url(*f.download->url);
    if (f.download->referrer) referrer_url = parse_url(*f.download->referrer);
  }
  if (f.platform) {
    windows = *f.platform == Platform::kWindows;
  } else {
    for (const auto* p : {&file_path, &process_path, &parent_path})
      if (*p && (*p)->form == PathForm::kWindows) windows = true;
  }
}

namespace {

bool fold_for(CaseRule rule, const FindingView& view) {
  switch (rule) {
    case CaseRule::kSensitive:
      return false;
    case CaseRule::kInsensitive:
      return true;
    case CaseRule::kPlatform:
      return view.windows;
  }
  return false;
}

bool any_glob(const std::vector<Glob>& globs, std::string_view subject, bool fold) {
  for (const Glob& g : globs)
    if (g.matches(subject, fold)) return true;
  return false;
}

}  // namespace

Condition make_glob_condition(std::string key, TextField field, std::vector<Glob> globs,
                              CaseRule rule) {
  return {std::move(key), [field, globs = std::move(globs), rule](const FindingView& v) {
            const std::optional<std::string_view> value = field(v);
            return value && any_glob(globs, *value, fold_for(rule, v));
          }};
}

Condition make_contains_condition(std::string key, TextField field,
                                  std::vector<std::string> needles) {
  return {std::move(key), [field, needles = std::move(needles)](const FindingView& v) {
            const std::optional<std::string_view> value = field(v);
            if (!value) return false;
            for (const std::string& n : needles)
              if (contains(*value, n, v.windows)) return true;
            return false;
          }};
}

Condition make_path_glob_condition(std::string key, PathField field, std::vector<PathGlob> globs) {
  return {std::move(key), [field, globs = std::move(globs)](const FindingView& v) {
            const std::optional<NormalizedPath>& path = field(v);
            if (!path) return false;
            for (const PathGlob& g : globs) {
              // Windows paths are lowercased by normalisation on both sides.
              if (g.form == path->form && g.glob.matches(path->text, false)) return true;
            }
            return false;
          }};
}

Condition make_path_prefix_condition(std::string key, PathField field,
                                     std::vector<NormalizedPath> prefixes) {
  return {std::move(key), [field, prefixes = std::move(prefixes)](const FindingView& v) {
            const std::optional<NormalizedPath>& path = field(v);
            if (!path) return false;
            for (const NormalizedPath& p : prefixes)
              if (path_has_prefix(*path, p)) return true;
            return false;
          }};
}

Condition make_user_condition(std::string key, TextField field, std::vector<UserPattern> users) {
  return {std::move(key), [field, users = std::move(users)](const FindingView& v) {
            const std::optional<std::string_view> user = field(v);
            if (!user || user->empty()) return false;
            for (const UserPattern& u : users) {
              const std::string_view subject = u.qualified ? *user : account_name(*user);
              if (u.glob.matches(subject, v.windows)) return true;
            }
            return false;
          }};
}

Condition make_tags_condition(std::vector<Glob> globs) {
  return {"rule.tags", [globs = std::move(globs)](const FindingView& v) {
            for (const std::string& tag : v.finding.tags)
              if (any_glob(globs, tag, false)) return true;
            return false;
          }};
}

Condition make_strings_only_condition(std::vector<Glob> globs) {
  return {"rule.strings_only", [globs = std::move(globs)](const FindingView& v) {
            const auto& matched = v.finding.matched_strings;
            if (!matched || matched->empty()) return false;
            for (const std::string& id : *matched)
              if (!any_glob(globs, id, false)) return false;
            return true;
          }};
}

Condition make_strings_absent_condition(std::vector<Glob> globs) {
  return {"rule.strings_absent", [globs = std::move(globs)](const FindingView& v) {
            const auto& matched = v.finding.matched_strings;
            if (!matched) return false;
            for (const std::string& id : *matched)
              if (any_glob(globs, id, false)) return false;
            return true;
          }};
}

Condition make_source_condition(uint8_t kinds_mask) {
  return {"source", [kinds_mask](const FindingView& v) {
            return (kinds_mask >> static_cast<unsigned>(v.finding.source)) & 1u;
          }};
}

Condition make_integrity_condition(uint8_t levels_mask) {
  return {"process.integrity", [levels_mask](const FindingView& v) {
            const auto& p = v.finding.process;
            return p && p->integrity &&
                   ((levels_mask >> static_cast<unsigned>(*p->integrity)) & 1u);
          }};
}

Condition make_elevated_condition(bool elevated) {
  return {"process.elevated", [elevated](const FindingView& v) {
            const auto& p = v.finding.process;
            return p && p->elevated && *p->elevated == elevated;
          }};
}

Condition make_signer_condition(std::string key, bool subject, std::vector<Glob> globs) {
  return {std::move(key), [subject, globs = std::move(globs)](const FindingView& v) {
            const auto& s = v.finding.signer;
            if (!s || !s->verified || !*s->verified) return false;
            const auto& value = subject ? s->subject : s->issuer;
            return value && any_glob(globs, *value, false);
          }};
}

Condition make_domain_condition(std::vector<std::string> domains) {
  return {"download.domain", [domains = std::move(domains)](const FindingView& v) {
            // Every host the finding names must be allowed, and there must be at least one:
            // a URL host and a separate domain field that disagree is not a trusted source.
            std::vector<std::string> hosts;
            if (v.finding.download && v.finding.download->domain)
              hosts.push_back(normalize_domain(*v.finding.download->domain));
            if (v.download_url && !v.download_url->host.empty())
              hosts.push_back(v.download_url->host);
            if (hosts.empty()) return false;
            for (const std::string& h : hosts) {
              bool ok = false;
              for (const std::string& d : domains) ok = ok || domain_matches(h, d);
              if (!ok) return false;
            }
            return true;
          }};
}

Condition make_url_condition(std::string key, bool referrer, std::vector<Glob> globs) {
  return {std::move(key), [referrer, globs = std::move(globs)](const FindingView& v) {
            const std::optional<ParsedUrl>& url = referrer ? v.referrer_url : v.download_url;
            return url && any_glob(globs, url->normalized, false);
          }};
}

Condition make_port_condition(std::vector<std::pair<uint16_t, uint16_t>> ranges) {
  return {"network.remote_port", [ranges = std::move(ranges)](const FindingView& v) {
            const auto& n = v.finding.network;
            if (!n || !n->remote_port) return false;
            for (const auto& [lo, hi] : ranges)
              if (*n->remote_port >= lo && *n->remote_port <= hi) return true;
            return false;
          }};
}

Condition make_protocol_condition(std::vector<std::string> protocols) {
  return {"network.protocol", [protocols = std::move(protocols)](const FindingView& v) {
            const auto& n = v.finding.network;
            if (!n || !n->protocol) return false;
            const std::string p = ascii_lower(*n->protocol);
            for (const std::string& q : protocols)
              if (p == q) return true;
            return false;
          }};
}

LocalTime to_window_time(std::chrono::sys_seconds t, const TimeWindow& window) {
  const int64_t secs = t.time_since_epoch().count();
  LocalTime out;
  if (window.local) {
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    localtime_r(&tt, &tm);
    out.weekday = tm.tm_wday;
    out.minute = tm.tm_hour * 60 + tm.tm_min;
    return out;
  }
  const int64_t shifted = secs + int64_t{window.offset_minutes} * 60;
  int64_t days = shifted / 86400;
  int64_t rem = shifted % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  out.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  out.minute = static_cast<int>(rem / 60);
  return out;
}

bool time_window_contains(const TimeWindow& window, LocalTime local) {
  auto day_ok = [&](int d) { return (window.days >> d) & 1u; };
  if (window.ranges.empty()) return day_ok(local.weekday);
  for (const auto& [start, end] : window.ranges) {
    if (start < end) {
      if (local.minute >= start && local.minute < end && day_ok(local.weekday)) return true;
    } else {  // crosses midnight: belongs to the day it starts on
      if (local.minute >= start && day_ok(local.weekday)) return true;
      if (local.minute < end && day_ok((local.weekday + 6) % 7)) return true;
    }
  }
  return false;
}

Condition make_time_condition(TimeWindow window) {
  return {"time", [window = std::move(window)](const FindingView& v) {
            if (!v.finding.event_time) return false;
            return time_window_contains(window, to_window_time(*v.finding.event_time, window));
          }};
}

}  // namespace yarrow::policy
