// Finding: one rule match together with the context an analyst (or an exclusion policy) needs
// to judge it: what matched, where it was seen (file, process, event) and around what.
//
// Collectors fill what they know and leave the rest empty: every field that a collector may not
// know is a std::optional, and an empty optional means "unknown", never "none". Policies rely on
// that distinction (a condition about an unknown field does not hold), so a collector must not
// write placeholder values such as "" or 0 for things it did not observe.
//
// A finding is never deleted by a policy: it is marked suppressed with the id and reason of the
// exclusion that matched, so reports and audits still see it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "yarrow/rules.h"  // MetaEntry

namespace yarrow {

enum class SourceKind : uint8_t { kFile, kProcess, kEvent };

// Operating-system conventions of the finding's host, when the collector knows them. Decides
// whether names (processes, users) compare case-insensitively; see docs/policy.md.
enum class Platform : uint8_t { kWindows, kPosix };

// Windows mandatory integrity levels of a process token.
enum class Integrity : uint8_t { kUntrusted, kLow, kMedium, kHigh, kSystem };

struct FileContext {
  std::string path;  // as observed: Windows (C:\..., \\server\...) or POSIX (/...) form
  std::optional<std::string> owner;  // account name, e.g. "CORP\\alice" or "root"
  std::optional<uint64_t> size;
  std::optional<std::chrono::sys_seconds> mtime;
};

struct ProcessContext {
  std::optional<int64_t> pid;
  std::optional<std::string> name;          // image name, e.g. "intelservice.exe"
  std::optional<std::string> path;          // image path
  std::optional<std::string> command_line;  // full command line as the OS reports it
  std::optional<std::string> user;          // account running it, e.g. "WS01\\jdoe"
  std::optional<int64_t> parent_pid;
  std::optional<std::string> parent_name;
  std::optional<std::string> parent_path;
  std::optional<Integrity> integrity;
  std::optional<bool> elevated;  // token elevated (UAC) / effective uid 0
};

// Code signature of the scanned file or of the process image.
struct SignerContext {
  std::optional<std::string> subject;  // e.g. "Microsoft Corporation"
  std::optional<std::string> issuer;
  // Whether the collector verified the signature chain. Signer conditions in policies only hold
  // for verified signatures: an unverified subject is just text an attacker can write.
  std::optional<bool> verified;
};

// Where a file came from (browser download records, Zone.Identifier, package metadata).
struct DownloadContext {
  std::optional<std::string> url;
  std::optional<std::string> domain;  // host the file was downloaded from, when given apart
  std::optional<std::string> referrer;
};

struct NetworkContext {
  std::optional<std::string> remote_address;  // IP or host name
  std::optional<uint16_t> remote_port;
  std::optional<std::string> protocol;  // "tcp", "tls", "ssh", "http", ...
};

struct EventContext {
  std::optional<std::string> log;  // channel / log name
  std::optional<std::string> provider;
  std::optional<int64_t> event_id;
  std::optional<uint64_t> record_id;
};

struct Suppression {
  std::string id;      // the exclusion's id in the policy
  std::string reason;  // the exclusion's documented reason
};

enum class Disposition : uint8_t { kReported, kSuppressed };

struct Finding {
  // What matched.
  std::string rule;
  std::string rule_namespace = "default";
  std::vector<std::string> tags;
  std::vector<MetaEntry> meta;
  // Identifiers ("$a", ...) of the strings that matched, when the scanner reports them.
  std::optional<std::vector<std::string>> matched_strings;

  // Where it was seen.
  SourceKind source = SourceKind::kFile;
  std::optional<Platform> platform;
  std::optional<std::string> host;
  std::optional<std::chrono::sys_seconds> event_time;  // when observed / when the event happened
  std::optional<FileContext> file;
  std::optional<ProcessContext> process;
  std::optional<SignerContext> signer;
  std::optional<DownloadContext> download;
  std::optional<NetworkContext> network;
  std::optional<EventContext> event;

  // Outcome of policy evaluation; set by Policy::apply.
  Disposition disposition = Disposition::kReported;
  std::optional<Suppression> suppression;
};

const char* to_string(SourceKind kind);
const char* to_string(Integrity level);
const char* to_string(Disposition disposition);

}  // namespace yarrow
