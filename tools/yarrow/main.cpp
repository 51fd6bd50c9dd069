// yarrow: the command-line front end. Subcommands dispatch here; `scan` is yara-compatible.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "compile_command.h"
#include "export_command.h"
#include "hunt_command.h"
#include "rule_loading.h"
#include "scan_command.h"
#include "version.h"

#ifdef YARROW_HAVE_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "yarrow %s, a YARA-compatible pattern matching engine.\n"
               "Usage: yarrow COMMAND [ARGS]...\n"
               "\n"
               "Commands:\n"
               "  scan    scan files, directories or a scan list with YARA rules;\n"
               "          takes the options of yara %s (see `yarrow scan --help`)\n"
               "  compile compile rules once into a file for `scan -C` (like yarac)\n"
               "  hunt    apply rules (and an exclusion policy) to event logs\n"
               "          (see `yarrow hunt --help`)\n"
               "  export  rules (and a policy) as KQL hunting queries or Sigma rules\n"
               "          (see `yarrow export --help`)\n"
               "\n"
               "Options:\n"
               "  -h,  --help       show this help and exit\n"
               "  -v,  --version    show version information\n",
               yarrow::cli::kYarrowVersion, yarrow::cli::kYaraVersion);
}

// Hands the heap's free pages back to the system now. mimalloc keeps freed pages for reuse and
// gives them back only 25 ms after they are freed, and then only as the thread that owns them
// allocates or frees again.
void release_free_memory() {
#ifdef YARROW_HAVE_MIMALLOC
  const long page_reset = mi_option_get(mi_option_page_reset);
  const long delay = mi_option_get(mi_option_decommit_delay);
  mi_option_set(mi_option_page_reset, 1);
  mi_option_set(mi_option_decommit_delay, 0);
  mi_collect(true);
  mi_option_set(mi_option_page_reset, page_reset);
  mi_option_set(mi_option_decommit_delay, delay);
#endif
}

// Once the rules are built, most of the heap is the compiler's garbage: it goes back, and from
// then on every page goes back as soon as it is free. With mimalloc's delay, the garbage
// lingered for hundreds of milliseconds into the scan and the scan's own freed pages stayed:
// signature-base over the bench corpus peaked at 84 / 90 MB (-p 1 / -p 2) instead of 80 / 81,
// at the same speed (the scan allocates little: per-thread buffers and match lists).
void release_after_build() {
  release_free_memory();
#ifdef YARROW_HAVE_MIMALLOC
  mi_option_set(mi_option_decommit_delay, 0);
#endif
}

// --low-memory: freed pages go back to the system at once instead of after mimalloc's delay
// (25 ms), and new memory comes in 4 KiB pages. The compiler's garbage then never piles up:
// signature-base's peak 100 -> 77 MB with the smaller databases --low-memory also asks for,
// the compile 0.21 -> 0.31 s (pages faulted in again); the scan, measured on the bench corpus,
// no slower for it (docs/performance.md).
void use_less_memory() {
#ifdef YARROW_HAVE_MIMALLOC
  mi_option_set(mi_option_large_os_pages, 0);
  mi_option_set(mi_option_decommit_delay, 0);
  mi_collect(true);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  yarrow::cli::AllocatorHooks hooks;
  // Vectorscan's compiler then peaks beside the rules alone (see CompilerOptions).
  hooks.before_databases = release_free_memory;
  hooks.after_build = release_after_build;
  hooks.low_memory = use_less_memory;
  yarrow::cli::set_allocator_hooks(hooks);
  if (argc < 2) {
    print_usage(stderr);
    return 1;
  }
  std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    print_usage(stdout);
    return 0;
  }
  if (command == "-v" || command == "--version") {
    std::printf("yarrow %s (YARA %s compatible)\n", yarrow::cli::kYarrowVersion,
                yarrow::cli::kYaraVersion);
    return 0;
  }
  if (command == "scan") {
    std::vector<std::string> args(argv + 2, argv + argc);
    return yarrow::cli::run_scan_command(args);
  }
  if (command == "compile") {
    std::vector<std::string> args(argv + 2, argv + argc);
    return yarrow::cli::run_compile_command(args);
  }
  // The subcommands get argv from their own name on (argv[0] = "hunt" / "export").
  if (command == "hunt") return yarrow::cli::run_hunt_command(argc - 1, argv + 1);
  if (command == "export") return yarrow::cli::run_export_command(argc - 1, argv + 1);
  std::fprintf(stderr, "yarrow: unknown command `%s`\nTry `yarrow --help`.\n", command.c_str());
  return 1;
}
