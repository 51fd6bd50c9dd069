#include "scan_command.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "output.h"
#include "rule_loading.h"
#include "scan_args.h"
#include "scan_session.h"
#include "target_walk.h"
#include "version.h"
#include "work_queue.h"
#include "yarrow/scanner.h"

namespace yarrow::cli {
namespace {

constexpr int64_t kMaxThreads = 32;    // yara's YR_MAX_THREADS
constexpr size_t kQueueCapacity = 64;  // paths waiting for a scanning thread
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
  if (all_digits(target) && ::access(target.c_str(), F_OK) != 0)
    return fail("error scanning " + target + ": scanning process memory is not supported yet");
  Scanner scanner(session.rules(), session.scanner_options());
  ScanResult result;
  return session.scan_target(scanner, result, target) ? 0 : 1;
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

  WorkQueue queue(kQueueCapacity);
  std::vector<std::thread> workers;
  for (int64_t i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      Scanner scanner(session.rules(), session.scanner_options());
      ScanResult result;
      while (std::optional<std::string> path = queue.pop()) {
        if (expired()) continue;  // drain without scanning so the walker never blocks
        session.scan_target(scanner, result, *path);
      }
    });
  }

  // yara with no scanning threads walks but scans nothing.
  VisitFile visit = [&](const std::string& path) {
    if (expired()) return false;
    if (threads > 0) queue.push(path);
    return true;
  };
  Note note = [&](const std::string& line) { sink.note(line); };
  WalkOptions walk;
  walk.recursive = args.recursive;
  walk.follow_symlinks = args.follow_symlinks;
  walk.skip_larger = args.skip_larger;

  bool list_opened = true;
  if (is_list)
    list_opened = walk_scan_list(target, walk, visit, note);
  else
    walk_directory(target, walk, visit, note);
  queue.close();
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
    std::cout << std::flush;
    print_scan_help(std::cout);
    std::cout << "\nWith no RULES_FILE, the rule files (*.yar, *.yara) of " << default_rules_dir()
              << " are used.\nOptions marked \"not supported yet\" end with an error.\n";
    return 0;
  }
  if (args.threads > kMaxThreads)
    return fail("maximum number of threads is " + std::to_string(kMaxThreads));
  if (args.module_names) return unsupported("-M (modules)");
  if (args.positional.empty())
    return fail(std::string("yarrow scan: wrong number of arguments\n") + kUsage +
                "\n\nTry `--help` for more options");
  if (!args.module_data.empty()) return unsupported("-x (module data)");
  if (args.print_module_data) return unsupported("-D (module data)");
  if (args.compiled_rules) return unsupported("-C (compiled rules)");

  std::vector<std::string> rule_args(args.positional.begin(), args.positional.end() - 1);
  if (rule_args.empty()) {
    // yarrow's own convenience (yara needs a rule file): the shipped rule pack.
    std::string dir = default_rules_dir();
    rule_args = rule_files_in(dir);
    if (rule_args.empty())
      return fail("yarrow scan: no rule file given and no *.yar files in " + dir + "\n" + kUsage +
                  "\n\nTry `--help` for more options");
  }
  std::shared_ptr<const Rules> rules = load_rules(args, rule_args, stderr);
  if (rules == nullptr) return 1;

  static char stdout_buffer[1 << 16];
  std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));

  const std::string& target = args.positional.back();
  bool target_is_dir = is_directory(target);
  YaraTextSink sink(text_format(args, target_is_dir || args.scan_list));
  if (args.print_stats) sink.rules_stats(*rules);

  int status;
  if (args.scan_list && target_is_dir) {
    sink.flush();
    status = fail("error: cannot use a directory as scan list.");
  } else {
    ScanSession session(rules, args, sink);
    if (args.scan_list || target_is_dir)
      status = scan_many(session, args, sink, args.scan_list);
    else
      status = scan_single(session, target);
  }
  sink.flush();
  return status;
}

}  // namespace yarrow::cli
