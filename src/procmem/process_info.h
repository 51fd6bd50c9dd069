// Facts about running Linux processes, read from /proc. Processes exit at any moment: every
// function here copes with a process vanishing half-way and reports what it could read, leaving
// the rest unknown (empty optionals), never invented.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "yarrow/finding.h"

namespace yarrow::procmem {

// Numeric entries of /proc, ascending. Excludes nothing (the caller decides about itself).
std::vector<int64_t> list_pids();

// Kernel threads have no user memory to scan (PF_KTHREAD in /proc/PID/stat).
bool is_kernel_thread(int64_t pid);

// True while /proc/PID exists.
bool process_exists(int64_t pid);

// The process context of `pid` (finding.h), from /proc/PID/{exe,cmdline,status,comm} and the
// parent's entries. nullopt when the process does not exist (any more).
std::optional<ProcessContext> process_context(int64_t pid);

// Account name for a uid via getpwuid_r; the number as text when it has no name.
std::string user_name(uint32_t uid);

}  // namespace yarrow::procmem
