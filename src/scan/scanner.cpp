#include "yarrow/scanner.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "compile/compiled_rules.h"
#include "eval/evaluator.h"
#include "scan/entry_point.h"
#include "scan/fault_guard.h"
#include "util/mapped_pages.h"

namespace yarrow {

const char* to_string(ScanStatus status) {
  switch (status) {
    case ScanStatus::kOk: return "ok";
    case ScanStatus::kCannotOpen: return "could not open file";
    case ScanStatus::kCannotRead: return "could not map file";
    case ScanStatus::kTimeout: return "scanning timed out";
    case ScanStatus::kTooManyMatches: return "too many matches";
    case ScanStatus::kInternalError: return "internal error";
    case ScanStatus::kIsDirectory: return "is a directory";
  }
  return "unknown error";
}

constexpr size_t kReadInsteadOfMap = size_t{1} << 20;

struct Scanner::Impl {
  explicit Impl(const detail::CompiledRules& rules) : compiled(rules), evaluator(rules) {
    if (rules.patterns) patterns = std::make_unique<match::PatternScanner>(*rules.patterns);
    externals.reserve(rules.externals.size());
    for (const detail::External& e : rules.externals) externals.push_back(e.value);
    match_spans.resize(rules.strings.size());
    // Rules evaluated on every scan: those the prefilter can't gate, and global rules (their
    // failure must fail the namespace even when their strings didn't match).
    const detail::RulePrefilter& pf = rules.prefilter;
    if (pf.gated.size() == rules.rules.size()) {
      use_active = true;
      active_mark.assign(rules.rules.size(), 0);
      for (uint32_t r = 0; r < rules.rules.size(); ++r)
        if (!pf.gated[r] || rules.rules[r].is_global) always_active.push_back(r);
    }
  }

  // `drop_scanned`: set when `data` is a private mapping of a file (ScanLimits::drop_scanned).
  ScanStatus scan(std::span<const uint8_t> data, ScanResult& result,
                  void (*drop_scanned)(std::span<const uint8_t>) = nullptr);
  void begin(ScanResult& result);
  ScanStatus scan_block(std::span<const uint8_t> bytes, uint64_t base,
                        void (*drop_scanned)(std::span<const uint8_t>) = nullptr);
  // The matcher partitions a scan of `data` from offset 0 needs (compile/partitions.h).
  uint64_t partitions_for(std::span<const uint8_t> data) const;
  void keep_block_data(std::span<const uint8_t> bytes, uint64_t base);
  void collect_matches(ScanResult& result);
  void prefilter_rules(eval::EvalInput& input);
  ScanStatus finish(eval::EvalInput& input, std::span<const uint8_t> data, bool data_kept,
                    ScanResult& result);

  const detail::CompiledRules& compiled;
  ScanOptions options;
  eval::Evaluator evaluator;
  std::unique_ptr<match::PatternScanner> patterns;
  std::vector<Value> externals;
  // Scratch reused from scan to scan.
  std::vector<std::span<const match::Match>> match_spans;
  std::vector<uint32_t> spans_set;  // entries of match_spans the last scan filled
  // Rule prefilter: the rules this scan evaluates (ascending), built from always_active and
  // the rules of the strings that matched; active_mark dedupes while building.
  bool use_active = false;
  std::vector<uint32_t> always_active;
  std::vector<uint32_t> active;
  std::vector<uint8_t> active_mark;
  std::vector<uint8_t> matched;
  std::vector<uint8_t> read_buffer;  // scan_file: small files are read, not mapped
  uint64_t partitions = ~uint64_t{0};  // the current scan's, see partitions_for
  std::vector<std::vector<std::string>> kept_data;  // scan_blocks: match data per string
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Modules hook: console.log lines of the current scan go to its result.
  struct ConsoleHost : modules::ModuleHost {
    std::vector<std::string>* lines = nullptr;
    void console_log(std::string_view line) override {
      if (lines) lines->emplace_back(line);
    }
  } console_host;
};

Scanner::Scanner(std::shared_ptr<const Rules> rules, ScanOptions options)
    : rules_(std::move(rules)), impl_(std::make_unique<Impl>(rules_->compiled())) {
  impl_->options = options;
}

Scanner::~Scanner() = default;

bool Scanner::set_external(const std::string& name, Value value) {
  const auto& defs = impl_->compiled.externals;
  for (size_t i = 0; i < defs.size(); ++i) {
    if (defs[i].name != name) continue;
    // The type is fixed when the rules are compiled; booleans and integers are the same type
    // in yara (integers), so either may replace the other.
    const Value& def = defs[i].value;
    auto integral = [](const Value& v) {
      return std::holds_alternative<bool>(v) || std::holds_alternative<int64_t>(v);
    };
    if (def.index() != value.index() && !(integral(def) && integral(value))) return false;
    impl_->externals[i] = std::move(value);
    return true;
  }
  return false;
}

void Scanner::Impl::begin(ScanResult& result) {
  result.rules.clear();
  result.warnings.clear();
  deadline.reset();
  if (options.timeout_seconds > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  }
  if (patterns) patterns->reset();
  // Only what the previous scan touched: a scan costs nothing per string that never matched.
  for (uint32_t s : spans_set) match_spans[s] = {};
  spans_set.clear();
  for (auto& v : kept_data) v.clear();
}

ScanStatus Scanner::Impl::scan_block(std::span<const uint8_t> bytes, uint64_t base,
                                     void (*drop_scanned)(std::span<const uint8_t>)) {
  if (!patterns) return ScanStatus::kOk;
  match::ScanLimits limits;
  limits.max_matches_per_string = options.max_matches_per_string;
  limits.fast_mode = options.fast_mode;
  limits.deadline = deadline;
  limits.partitions = partitions;
  limits.drop_scanned = drop_scanned;
  switch (patterns->scan_block(bytes, base, limits)) {
    case match::ScanOutcome::kError: return ScanStatus::kInternalError;
    case match::ScanOutcome::kTimeout: return ScanStatus::kTimeout;
    default: return ScanStatus::kOk;
  }
}

uint64_t Scanner::Impl::partitions_for(std::span<const uint8_t> data) const {
  // Rules that don't match still show their strings when they are reported.
  if (options.report_non_matching) return ~uint64_t{0};
  uint64_t mask = 1;
  const auto& gates = compiled.partition_gates;
  for (size_t p = 0; p < gates.size() && p + 1 < 64; ++p)
    if (eval::leading_test_holds(gates[p], data)) mask |= uint64_t{1} << (p + 1);
  return mask;
}

void Scanner::Impl::keep_block_data(std::span<const uint8_t> bytes, uint64_t base) {
  // Blocks of a process are gone once scanned: copy what -s may print of the new matches.
  if (!patterns) return;
  kept_data.resize(compiled.strings.size());
  for (size_t s = 0; s < kept_data.size(); ++s) {
    std::span<const match::Match> ms = patterns->matches(s);
    for (size_t i = kept_data[s].size(); i < ms.size(); ++i) {
      std::string copy;
      if (ms[i].offset >= base && ms[i].offset - base < bytes.size()) {
        const size_t at = static_cast<size_t>(ms[i].offset - base);
        const size_t keep = std::min<size_t>({static_cast<size_t>(ms[i].length),
                                              static_cast<size_t>(options.max_match_data),
                                              bytes.size() - at});
        copy.assign(reinterpret_cast<const char*>(bytes.data() + at), keep);
      }
      kept_data[s].push_back(std::move(copy));
    }
  }
}

void Scanner::Impl::collect_matches(ScanResult& result) {
  if (!patterns) return;
  // A string that hit its cap keeps the matches found so far; yara warns and goes on.
  for (size_t s : patterns->overflowed_strings()) {
    if (s >= compiled.strings.size()) continue;
    const detail::CompiledString& cs = compiled.strings[s];
    result.warnings.push_back("rule \"" + compiled.infos[cs.rule].name +
                              "\": too many matches for " + cs.id +
                              ", results for this rule may be incorrect");
  }
  for (uint32_t s : patterns->touched_strings()) {
    std::span<const match::Match> ms = patterns->matches(s);
    if (const auto& fixed = compiled.strings[s].fixed_offset) {
      // Only the match at the fixed offset exists for yara.
      auto it = std::lower_bound(ms.begin(), ms.end(), *fixed,
                                 [](const match::Match& m, int64_t o) {
                                   return static_cast<int64_t>(m.offset) < o;
                                 });
      const size_t pos = static_cast<size_t>(it - ms.begin());
      const bool hit = it != ms.end() && static_cast<int64_t>(it->offset) == *fixed;
      ms = hit ? ms.subspan(pos, 1) : std::span<const match::Match>{};
    }
    match_spans[s] = ms;
    spans_set.push_back(s);
  }
}

void Scanner::Impl::prefilter_rules(eval::EvalInput& input) {
  // Rules gated by the prefilter stay false unless one of their trigger strings matched.
  if (!use_active) return;
  const detail::RulePrefilter& pf = compiled.prefilter;
  active.assign(always_active.begin(), always_active.end());
  if (patterns) {
    for (uint32_t r : always_active) active_mark[r] = 1;
    for (uint32_t s : patterns->touched_strings()) {
      if (s + 1 >= pf.string_begin.size()) continue;
      for (uint32_t i = pf.string_begin[s]; i < pf.string_begin[s + 1]; ++i) {
        const uint32_t r = pf.string_rules[i];
        if (active_mark[r]) continue;
        active_mark[r] = 1;
        active.push_back(r);
      }
    }
    for (uint32_t r : active) active_mark[r] = 0;
    if (active.size() > always_active.size()) std::sort(active.begin(), active.end());
  }
  input.active_only = true;
  input.active = active;
}

ScanStatus Scanner::Impl::finish(eval::EvalInput& input, std::span<const uint8_t> data,
                                 bool data_kept, ScanResult& result) {
  if (deadline && std::chrono::steady_clock::now() > *deadline) return ScanStatus::kTimeout;
  input.matches = match_spans;
  input.externals = externals;
  input.deadline = deadline;
  prefilter_rules(input);
  // Modules hook: console output and `-D` data.
  result.console.clear();
  result.module_data.clear();
  console_host.lines = &result.console;
  input.host = &console_host;
  if (evaluator.run(input, matched) == eval::EvalStatus::kTimeout) return ScanStatus::kTimeout;
  if (options.collect_module_data) {
    for (uint32_t m = 0; m < compiled.imports.size(); ++m) {
      result.module_data.push_back(modules::dump_yara(evaluator.module_tree(m)));
    }
  }

  // Only the evaluated rules can have matched: with the prefilter on, the report walks them
  // instead of every rule.
  const bool walk_all = !use_active || options.report_non_matching;
  const size_t n_walk = walk_all ? compiled.rules.size() : active.size();
  for (size_t w = 0; w < n_walk; ++w) {
    const size_t r = walk_all ? w : active[w];
    const detail::CompiledRule& rule = compiled.rules[r];
    if (rule.is_private) continue;
    if (!matched[r] && !options.report_non_matching) continue;
    RuleMatch rm;
    rm.rule = &compiled.infos[r];
    rm.matched = matched[r] != 0;
    rm.strings.reserve(rule.string_count);
    for (uint32_t k = 0; k < rule.string_count; ++k) {
      const uint32_t s = rule.strings_begin + k;
      const detail::CompiledString& cs = compiled.strings[s];
      StringMatches sm;
      sm.id = cs.id;
      sm.is_hex = cs.is_hex;
      // Matches of `private` strings are used by conditions but never reported.
      if (!cs.is_private) {
        sm.matches.reserve(match_spans[s].size());
        const match::Match* first = patterns ? patterns->matches(s).data() : nullptr;
        for (const match::Match& m : match_spans[s]) {
          StringMatch out;
          out.offset = static_cast<int64_t>(m.offset);
          out.length = m.length;
          out.xor_key = m.xor_key;
          if (data_kept) {
            const size_t i = static_cast<size_t>(&m - first);
            if (s < kept_data.size() && i < kept_data[s].size()) out.data = kept_data[s][i];
          } else if (m.offset < data.size()) {
            const size_t keep = std::min<size_t>({static_cast<size_t>(m.length),
                                                  static_cast<size_t>(options.max_match_data),
                                                  static_cast<size_t>(data.size() - m.offset)});
            out.data.assign(reinterpret_cast<const char*>(data.data() + m.offset), keep);
          }
          sm.matches.push_back(std::move(out));
        }
      }
      rm.strings.push_back(std::move(sm));
    }
    result.rules.push_back(std::move(rm));
  }
  return ScanStatus::kOk;
}

ScanStatus Scanner::Impl::scan(std::span<const uint8_t> data, ScanResult& result,
                               void (*drop_scanned)(std::span<const uint8_t>)) {
  begin(result);
  partitions = partitions_for(data);
  if (ScanStatus st = scan_block(data, 0, drop_scanned); st != ScanStatus::kOk) return st;
  collect_matches(result);
  eval::EvalInput input;
  input.data = data;
  input.base = 0;
  input.filesize = static_cast<int64_t>(data.size());
  input.entry_point = scan::entry_point_offset(data);
  return finish(input, data, /*data_kept=*/false, result);
}

ScanStatus Scanner::scan_blocks(BlockReader& reader, ScanResult& result) {
  Impl& im = *impl_;
  im.begin(result);
  // No integer reads in process memory: every partition's gate is undefined, so fails.
  im.partitions = im.options.report_non_matching ? ~uint64_t{0} : 1;
  uint64_t base = 0;
  std::span<const uint8_t> bytes;
  while (reader.next(base, bytes)) {
    if (ScanStatus st = im.scan_block(bytes, base); st != ScanStatus::kOk) return st;
    im.keep_block_data(bytes, base);
    if (im.deadline && std::chrono::steady_clock::now() > *im.deadline) {
      return ScanStatus::kTimeout;
    }
  }
  im.collect_matches(result);
  // Process memory: no file size, no entry point, no integer reads (see scanner.h).
  eval::EvalInput input;
  return im.finish(input, {}, /*data_kept=*/true, result);
}

ScanStatus Scanner::scan_memory(std::span<const uint8_t> data, ScanResult& result) {
  return impl_->scan(data, result);
}

ScanStatus Scanner::scan_file(const std::string& path, ScanResult& result) {
  result.rules.clear();
  result.warnings.clear();
  // O_NONBLOCK: a path that became a FIFO after the caller stat'ed it must not block this
  // thread in open() waiting for a writer (it has no effect on regular files).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ScanStatus::kCannotOpen;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return ScanStatus::kCannotRead;
  }
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    ::close(fd);
    return ScanStatus::kCannotOpen;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ScanStatus::kIsDirectory;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return impl_->scan({}, result);
  }
  if (size <= kReadInsteadOfMap) {
    // Small files are read into a reused buffer: cheaper than mapping them (no page faults,
    // no unmap with its TLB flush, which interrupts every other scanning thread), and most
    // files of a directory scan are small. Measured on the bench corpus with the seed rule:
    // 64 KiB took 0.15 s to 0.09 s (session 5); 256 KiB, 0.30 to 0.28 s at -p 1 and 0.21 to
    // 0.18 s at -p 2 (session 10); 1 MiB, 0.29 to 0.28 s and 0.166 to 0.154 s (session 11).
    // The buffer stays with the thread: elastic's -p 2 peak went from 64-67 to 67-69 MB (yara
    // 70); 4 MiB was no faster and reached 74 MB.
    std::vector<uint8_t>& buf = impl_->read_buffer;
    if (buf.size() < size) buf.resize(size);
    size_t got = 0;
    while (got < size) {
      const ssize_t n = ::pread(fd, buf.data() + got, size - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return ScanStatus::kCannotRead;
      }
      if (n == 0) break;  // the file shrank since fstat: scan what is there
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    return impl_->scan(std::span<const uint8_t>(buf.data(), got), result);
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return ScanStatus::kCannotRead;
  ScanStatus status;
  {
    // A file that shrinks while mapped must not kill the process (see scan/fault_guard.h).
    scan::MappedGuard guard(map, size);
    status = impl_->scan(std::span<const uint8_t>(static_cast<const uint8_t*>(map), size), result,
                         util::drop_mapped_pages);
    if (guard.faulted()) {
      result.rules.clear();
      status = ScanStatus::kCannotRead;
    }
  }
  ::munmap(map, size);
  return status;
}


}  // namespace yarrow
