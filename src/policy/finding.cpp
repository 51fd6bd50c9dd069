#include "yarrow/finding.h"

namespace yarrow {

const char* to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kFile:
      return "file";
    case SourceKind::kProcess:
      return "process";
    case SourceKind::kEvent:
      return "event";
  }
  return "unknown";
}

const char* to_string(Integrity level) {
  switch (level) {
    case Integrity::kUntrusted:
      return "untrusted";
    case Integrity::kLow:
      return "low";
    case Integrity::kMedium:
      return "medium";
    case Integrity::kHigh:
      return "high";
    case Integrity::kSystem:
      return "system";
  }
  return "unknown";
}

const char* to_string(Disposition disposition) {
  switch (disposition) {
    case Disposition::kReported:
      return "reported";
    case Disposition::kSuppressed:
      return "suppressed";
  }
  return "unknown";
}

}  // namespace yarrow
