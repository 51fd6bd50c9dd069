#include "scan_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "json_output.h"
#include "output.h"
#include "procmem/process_info.h"
#include "progress.h"
#include "rule_loading.h"
#include "scan_args.h"
#include "scan_session.h"
#include "target_walk.h"
#include "version.h"
#include "work_queue.h"
#include "yarrow/policy.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {
namespace {

constexpr int64_t kMaxThreads = 32;    // yara's YR_MAX_THREADS
constexpr size_t kQueueCapacity = 256;  // paths waiting for a scanning thread
constexpr const char* kUsage =
    "Usage: yarrow scan [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR | PID";

int fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

int unsupported(const std::string& what) {
  return fail("error: " + what + " is not supported yet");
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

std::string default_rules_dir() {
  const char* env = std::getenv("YARROW_RULES_DIR");
  return env != nullptr && *env != '\0' ? env : kDefaultRulesDir;
}

// The rule files of a rule pack, sorted so that compilation order is stable.
std::vector<std::string> rule_files_in(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string ext = entry.path().extension().string();
    if ((ext == ".yar" || ext == ".yara") && entry.is_regular_file(ec))
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TextFormat text_format(const ScanArgs& args, bool many_targets) {
  TextFormat f;
  f.print_tags = args.print_tags;
  f.print_meta = args.print_meta;
  f.print_namespace = args.print_namespace;
  f.print_strings = args.print_strings;
  f.print_string_length = args.print_string_length;
  f.print_xor_key = args.print_xor_key;
  f.count_only = args.count_only;
  f.count_with_path = many_targets;
  return f;
}

int scan_single(ScanSession& session, const std::string& target) {
  Scanner scanner(session.rules(), session.scanner_options());
  ScanResult result;
  // yara's `yara RULES PID`: a number that names no file is a process.
  if (all_digits(target) && ::access(target.c_str(), F_OK) != 0) {
    int64_t pid = 0;
    try {
      pid = std::stoll(target);
    } catch (const std::exception&) {
      pid = -1;
    }
    return session.scan_process(scanner, result, pid, target) ? 0 : 1;
  }
  return session.scan_target(scanner, result, target) ? 0 : 1;
}

// Up to `count` threads running `body`: fewer when the system refuses more (thread limit,
// memory), which only makes the scan slower.
std::vector<std::thread> start_threads(int64_t count, const std::function<void()>& body) {
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < count; ++i) {
    try {
      threads.emplace_back(body);
    } catch (const std::system_error&) {
      break;
    }
  }
  return threads;
}

// --pid (one or more) and --all-processes. A single --pid fails the run when it can't be
// scanned, like `yara RULES PID`; over several processes an error is reported and the scan goes
// on (processes exit at any moment), like a directory.
int scan_processes(ScanSession& session, const ScanArgs& args, std::vector<int64_t> pids) {
  int64_t threads = args.threads;
  if (threads == kThreadsNotGiven)
    threads = std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, kMaxThreads);
  threads = std::clamp<int64_t>(threads, 1, kMaxThreads);
  if (pids.size() == 1 && !args.all_processes) {
    Scanner scanner(session.rules(), session.scanner_options());
    ScanResult result;
    return session.scan_process(scanner, result, pids[0], std::to_string(pids[0])) ? 0 : 1;
  }
  session.set_exits_expected(true);
  WorkQueue queue(kQueueCapacity);
  auto scan_queued = [&] {
    Scanner scanner(session.rules(), session.scanner_options());
    ScanResult result;
    while (std::optional<std::string> pid = queue.pop())
      session.scan_process(scanner, result, std::stoll(*pid), *pid);
  };
  std::vector<std::thread> workers = start_threads(threads, scan_queued);
  if (workers.empty()) {
    // Not a thread to be had: scan them one by one here.
    Scanner scanner(session.rules(), session.scanner_options());
    ScanResult result;
    for (int64_t pid : pids) session.scan_process(scanner, result, pid, std::to_string(pid));
    return 0;
  }
  for (int64_t pid : pids) queue.push(std::to_string(pid));
  queue.close();
  for (std::thread& worker : workers) worker.join();
  return 0;
}

// A directory or a scan list: a walker feeds paths to `threads` scanning threads. As in yara,
// -a bounds the whole run: once the deadline passes, remaining files are not scanned.
int scan_many(ScanSession& session, const ScanArgs& args, OutputSink& sink, bool is_list) {
  const std::string& target = args.positional.back();
  int64_t threads = args.threads;
  if (threads == kThreadsNotGiven)
    threads = std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, kMaxThreads);
  const time_t deadline =
      std::time(nullptr) + static_cast<time_t>(std::min<int64_t>(args.timeout, int64_t{1} << 40));
  auto expired = [deadline] { return std::time(nullptr) >= deadline; };

  // The walk's only notes are files skipped by -z.
  Note note = [&](const std::string& line) {
    session.stats().skipped.fetch_add(1, std::memory_order_relaxed);
    sink.note(line);
  };
  WalkOptions walk;
  walk.recursive = args.recursive;
  walk.follow_symlinks = args.follow_symlinks;
  walk.skip_larger = args.skip_larger;

  WorkQueue queue(kQueueCapacity);
  auto scan_queued = [&] {
    Scanner scanner(session.rules(), session.scanner_options());
    ScanResult result;
    // The walker hands over a scan list's lines without a stat (a path lookup costs as much as
    // scanning a small file): a line that turns out to be a directory is walked here. With one
    // scanning thread its files are scanned as the walk finds them, in yara's order; with more,
    // they are queued for every thread, or scanned here while the queue is full.
    VisitFile visit_listed_dir = [&](const std::string& file) {
      if (expired()) return false;
      if (threads > 1 && queue.try_push(file)) return true;
      session.scan_target(scanner, result, file);
      return true;
    };
    while (std::optional<std::string> path = queue.pop()) {
      if (expired()) continue;  // drain without scanning so the walker never blocks
      bool is_directory = false;
      session.scan_target(scanner, result, *path, is_list ? &is_directory : nullptr);
      if (is_directory) walk_directory(*path, walk, visit_listed_dir, note);
    }
  };
  // The first scanner runs on this thread, the walk on its own: the heap this thread freed
  // after compiling the rules is reused by the scan instead of new memory mapped for another
  // thread's heap.
  std::vector<std::thread> workers = start_threads(threads - 1, scan_queued);

  // yara with no scanning threads walks but scans nothing. Without a thread for the walk nor
  // for scanning, this one scans each file as the walk reaches it.
  std::optional<Scanner> walker_scanner;
  ScanResult walker_result;
  VisitFile visit = [&](const std::string& path) {
    if (expired()) return false;
    if (walker_scanner) session.scan_target(*walker_scanner, walker_result, path);
    else if (threads > 0) queue.push(path);
    return true;
  };

  bool list_opened = true;
  // `scanners_walk_listed_dirs`: the scanning threads walk a list's directories (see
  // scan_queued); otherwise the walker stats each line to walk them itself.
  auto walk_all = [&](bool scanners_walk_listed_dirs) {
    if (is_list && scanners_walk_listed_dirs)
      list_opened = read_scan_list(target, visit);
    else if (is_list)
      list_opened = walk_scan_list(target, walk, visit, note);
    else
      walk_directory(target, walk, visit, note);
    queue.close();
  };
  std::vector<std::thread> walker = threads > 0 ? start_threads(1, [&] { walk_all(true); })
                                                : std::vector<std::thread>{};
  if (!walker.empty()) {
    scan_queued();
    walker[0].join();
  } else {
    // Other scanning threads drain the queue; with none, this thread scans what it walks.
    if (threads > 0 && workers.empty())
      walker_scanner.emplace(session.rules(), session.scanner_options());
    walk_all(/*scanners_walk_listed_dirs=*/!workers.empty());
  }
  for (std::thread& worker : workers) worker.join();
  if (!list_opened) return fail("error: could not open file \"" + target + "\".");
  return 0;
}

}  // namespace

int run_scan_command(const std::vector<std::string>& argv) {
  ParseResult parsed = parse_scan_args(argv);
  if (!parsed.error.empty()) return fail(parsed.error);
  const ScanArgs& args = parsed.args;

  if (args.version) {
    std::printf("yarrow %s (YARA %s compatible)\n", kYarrowVersion, kYaraVersion);
    return 0;
  }
  if (args.help) {
    std::printf(
        "yarrow %s, a YARA-compatible pattern matching engine.\n%s\n\n"
        "Mandatory arguments to long options are mandatory for short options too.\n\n",
        kYarrowVersion, kUsage);
    print_scan_help(std::cout);
    std::cout << "\nWith no RULES_FILE, the rule files (*.yar, *.yara) of " << default_rules_dir()
              << " are used.\nOptions marked \"not supported yet\" end with an error.\n";
    return 0;
  }
  if (args.threads > kMaxThreads)
    return fail("maximum number of threads is " + std::to_string(kMaxThreads));
  if (args.module_names) return unsupported("-M (modules)");
  const bool process_mode = !args.pids.empty() || args.all_processes;
  if (args.positional.empty() && !process_mode)
    return fail(std::string("yarrow scan: wrong number of arguments\n") + kUsage +
                "\n\nTry `--help` for more options");
  if (args.output_format != "text" && args.output_format != "json")
    return fail("yarrow scan: unknown output format `" + args.output_format +
                "` (text or json)");
  if (!args.pids.empty() && args.all_processes)
    return fail("yarrow scan: --pid and --all-processes exclude each other");
  std::vector<int64_t> pids;
  for (const std::string& pid : args.pids) {
    if (!all_digits(pid) || pid.size() > 18)
      return fail("yarrow scan: --pid needs a process id, got `" + pid + "`");
    pids.push_back(std::stoll(pid));
  }
  // -x MODULE=FILE: checked like yara (syntax, readable file); no yarrow module reads extra
  // data (yara's only user is cuckoo), so the content is not used.
  for (const std::string& md : args.module_data) {
    const size_t eq = md.find('=');
    if (eq == std::string::npos) return fail("error: wrong syntax for `-x` option.");
    const std::string file = md.substr(eq + 1);
    std::ifstream in(file, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(file, ec))
      return fail("error: could not open file \"" + file + "\".");
  }

  // In process mode every positional argument is a rule file: the targets are processes.
  std::vector<std::string> rule_args(args.positional.begin(),
                                     args.positional.end() - (process_mode ? 0 : 1));
  if (args.compiled_rules && rule_args.size() != 1)
    return fail(rule_args.empty()
                    ? "error: -C needs a compiled rules file (see `yarrow compile`)"
                    : "error: can't accept multiple rules files if one of them is in compiled "
                      "form.");
  if (rule_args.empty()) {
    // yarrow's own convenience (yara needs a rule file): the shipped rule pack.
    std::string dir = default_rules_dir();
    rule_args = rule_files_in(dir);
    if (rule_args.empty())
      return fail("yarrow scan: no rule file given and no *.yar files in " + dir + "\n" + kUsage +
                  "\n\nTry `--help` for more options");
  }
  std::shared_ptr<const Rules> rules = args.compiled_rules
                                           ? load_compiled_rules(args, rule_args[0], stderr)
                                           : load_rules(args, rule_args, stderr);
  if (rules == nullptr) return 1;
  // The process ends with the scan: freeing tens of thousands of small rule objects at exit
  // would only cost time (about 20 ms for signature-base). A global reference keeps them alive
  // to the end, where the OS reclaims the memory at once (and leak checkers see it reachable).
  static std::shared_ptr<const Rules>* const kept_until_exit = new std::shared_ptr<const Rules>();
  *kept_until_exit = rules;

  SessionExtras extras;
  extras.json = args.output_format == "json";
  for (const std::string& file : args.policy_files) {
    Diagnostics diags;
    std::shared_ptr<const Policy> policy = Policy::load_file(file, diags);
    for (const Diagnostic& d : diags) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    if (policy == nullptr) return 1;
    extras.policies.push_back(std::move(policy));
  }
  if (args.all_processes) {
    // Never itself: its own memory holds every rule's strings.
    const int64_t self = ::getpid();
    for (int64_t pid : procmem::list_pids())
      if (pid != self && !procmem::is_kernel_thread(pid)) pids.push_back(pid);
  }

  static char stdout_buffer[1 << 16];
  std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));

  const auto started = std::chrono::steady_clock::now();
  const std::string target = process_mode ? std::string() : args.positional.back();
  bool target_is_dir = !process_mode && is_directory(target);
  YaraTextSink text_sink(text_format(args, target_is_dir || args.scan_list || pids.size() > 1));
  text_sink.set_show_suppressed(args.show_suppressed);
  JsonSink json_sink;
  OutputSink& sink = extras.json ? static_cast<OutputSink&>(json_sink) : text_sink;
  if (args.print_stats) sink.rules_stats(*rules);

  int status;
  ScanStats* stats = nullptr;
  std::unique_ptr<ScanSession> session;
  if (args.scan_list && target_is_dir) {
    sink.flush();
    status = fail("error: cannot use a directory as scan list.");
  } else {
    session = std::make_unique<ScanSession>(rules, args, sink, extras);
    stats = &session->stats();
    const bool show_progress = !args.no_progress && ::isatty(STDERR_FILENO) == 1;
    Progress progress(*stats, show_progress);
    session->set_progress(show_progress ? &progress : nullptr);
    if (process_mode)
      status = scan_processes(*session, args, pids);
    else if (args.scan_list || target_is_dir)
      status = scan_many(*session, args, sink, args.scan_list);
    else
      status = scan_single(*session, target);
    progress.stop();
    session->set_progress(nullptr);
  }
  sink.flush();
  if (stats != nullptr) {
    const int64_t suppressed = stats->suppressed.load();
    if (suppressed > 0) {
      std::fprintf(stderr, "yarrow: %lld finding%s suppressed by policy%s\n",
                   static_cast<long long>(suppressed), suppressed == 1 ? "" : "s",
                   args.show_suppressed ? "" : " (--show-suppressed to list)");
    }
    if (extras.json) {
      RunSummary summary;
      summary.files_scanned = stats->files_scanned.load();
      summary.processes_scanned = stats->processes_scanned.load();
      summary.bytes_scanned = stats->bytes_scanned.load();
      summary.errors = stats->errors.load();
      summary.skipped = stats->skipped.load();
      summary.findings = stats->findings.load();
      summary.suppressed = suppressed;
      summary.duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      summary.exit_status = status;
      json_sink.summary(summary);
    }
  }
  std::fflush(stderr);
  return status;
}

}  // namespace yarrow::cli
