// hunt_fuzzer: the event-log readers of src/hunt on arbitrary bytes taken as one log file:
// format detection, CSV, JSON lines (and JSON arrays), Windows event XML, UTF-16 transcoding,
// gzip (through a real file descriptor, as `yarrow hunt` opens logs), then normalization and a
// full Hunter pass (rules/nkminer_monero.yar plus short-string rules, the shipped policy).
//
// Input: a log file as is (any log is a seed: format auto-detected, read from memory), or an
// option byte in 0x01..0x1f (not tab/LF/CR) then the log: bits 0-1 force the format (0 auto,
// 1 CSV, 2 JSON, 3 XML), bit 2 reads through a file (gzip-transparent, so a .gz seed works),
// bit 3 skips the Hunter pass.
// Checks: no crash / UB / leak / hang; records come in non-decreasing line order; a malformed
// record says why; the Hunter counts exactly the records the reader returned (events +
// malformed), and reading the same bytes twice gives the same records.
#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "hunt/hunter.h"
#include "hunt/normalize.h"
#include "hunt/reader.h"
#include "yarrow/compiler.h"
#include "yarrow/policy.h"

namespace yarrow::fuzz {
namespace {

using hunt::LogFormat;

constexpr const char* kExtraRules = R"(
rule short_strings {
  strings:
    $a = ".exe" nocase wide ascii
    $b = "cmd" nocase
    $c = /[a-z]{3}\.kp/
  condition:
    any of them
}
)";

struct Fixture {
  std::shared_ptr<const Rules> rules;
  std::shared_ptr<const Policy> policy;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    Compiler compiler;
#ifdef YARROW_SOURCE_DIR
    compiler.add_file(std::string(YARROW_SOURCE_DIR) + "/rules/nkminer_monero.yar");
    Diagnostics diags;
    out.policy = Policy::load_file(std::string(YARROW_SOURCE_DIR) + "/policies/nkminer_monero.toml",
                                   diags);
#endif
    compiler.add_source(kExtraRules);
    out.rules = compiler.build();
    return out;
  }();
  return f;
}

// The bytes as a file that zlib opens by path, like a log on disk.
class MemFile {
 public:
  explicit MemFile(std::string_view bytes) {
    fd_ = ::memfd_create("hunt_fuzz", MFD_CLOEXEC);
    if (fd_ < 0) return;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

std::unique_ptr<hunt::Input> make_input(std::string_view bytes, bool via_file) {
  if (!via_file) return hunt::memory_input(std::string(bytes));
  MemFile file(bytes);
  if (!file.ok()) return hunt::memory_input(std::string(bytes));
  std::string error;
  // zlib opens its own descriptor by path: the memfd may close right after.
  std::unique_ptr<hunt::Input> input = hunt::open_input(file.path(), error);
  fuzz_require(input != nullptr || !error.empty(), "hunt", "open_input failed without an error");
  return input != nullptr ? std::move(input) : hunt::memory_input(std::string());
}

struct Summary {
  std::vector<uint64_t> lines;
  std::vector<bool> malformed;
  bool failed = false;
  bool operator==(const Summary&) const = default;
};

Summary read_all(std::string_view bytes, LogFormat format, bool via_file) {
  Summary s;
  std::unique_ptr<hunt::RecordReader> reader =
      hunt::make_reader(make_input(bytes, via_file), format);
  fuzz_require(reader != nullptr, "hunt", "make_reader returned nullptr");
  hunt::RawRecord rec;
  uint64_t last_line = 0;
  while (reader->next(rec)) {
    fuzz_require(rec.line >= last_line, "hunt", "records out of line order");
    fuzz_require(!rec.malformed || !rec.error.empty(), "hunt", "malformed record without reason");
    last_line = rec.line;
    s.lines.push_back(rec.line);
    s.malformed.push_back(rec.malformed);
    if (!rec.malformed) {
      hunt::Event event = hunt::normalize(std::move(rec));
      (void)hunt::scanned_fields(event);
    }
    rec = hunt::RawRecord();
  }
  s.failed = reader->failed();
  fuzz_require(!s.failed || !reader->error().empty(), "hunt", "failed reader without error");
  return s;
}

}  // namespace

int hunt_one(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  LogFormat format = LogFormat::kAuto;
  bool via_file = false;
  bool hunter = true;
  if (size > 0 && data[0] >= 0x01 && data[0] <= 0x1f && data[0] != '\t' && data[0] != '\n' &&
      data[0] != '\r') {
    const uint8_t option = data[0];
    constexpr LogFormat kFormats[] = {LogFormat::kAuto, LogFormat::kCsv, LogFormat::kJsonLines,
                                      LogFormat::kXml};
    format = kFormats[option & 3];
    via_file = (option & 4) != 0;
    hunter = (option & 8) == 0;
    bytes.remove_prefix(1);
  }
  const Summary first = read_all(bytes, format, via_file);
  fuzz_require(read_all(bytes, format, via_file) == first, "hunt", "second read differs");

  const Fixture& f = fixture();
  if (hunter && f.rules != nullptr) {
    hunt::Hunter h(f.rules, f.policy);
    std::string error;
    uint64_t findings = 0;
    const bool ok = h.hunt_input(
        make_input(bytes, via_file), "fuzz.log", format,
        [&](const hunt::HuntFinding&) { ++findings; }, [](const hunt::MalformedRecord&) {}, error);
    fuzz_require(ok || !error.empty(), "hunt", "hunt_input failed without an error");
    const hunt::HuntStats& st = h.stats();
    fuzz_require(st.events + st.malformed == first.lines.size(), "hunt",
                 "hunter and reader disagree on the record count");
    fuzz_require(st.findings == findings, "hunt", "finding count differs from findings reported");
  }
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxLogInput) return 0;
  return yarrow::fuzz::hunt_one(data, size);
}
#endif
