#include "procmem/process_info.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <sstream>

namespace yarrow::procmem {
namespace {

std::string proc_dir(int64_t pid) { return "/proc/" + std::to_string(pid); }

// Plain read(2): a process that exits between open and read makes the read fail with ESRCH,
// which std::filebuf turns into an exception thrown through istreambuf_iterator.
std::optional<std::string> read_whole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::optional<std::string> read_link(const std::string& path) {
  std::string buf(4096, '\0');
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n <= 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// A field of /proc/PID/status ("Uid:", "PPid:") up to the end of its line.
std::optional<std::string> status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::string value = line.substr(key.size());
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> comm(int64_t pid) {
  std::optional<std::string> text = read_whole(proc_dir(pid) + "/comm");
  if (!text) return std::nullopt;
  while (!text->empty() && text->back() == '\n') text->pop_back();
  return text;
}

std::optional<std::string> base_name(const std::optional<std::string>& path) {
  if (!path || path->empty()) return std::nullopt;
  const size_t slash = path->rfind('/');
  return slash == std::string::npos ? *path : path->substr(slash + 1);
}

// The kernel appends " (deleted)" to the exe link of a replaced binary; keep it: it matters.
std::optional<std::string> exe(int64_t pid) { return read_link(proc_dir(pid) + "/exe"); }

}  // namespace

std::vector<int64_t> list_pids() {
  std::vector<int64_t> pids;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return pids;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      continue;
    try {
      pids.push_back(std::stoll(name));
    } catch (const std::exception&) {
    }
  }
  ::closedir(dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

bool is_kernel_thread(int64_t pid) {
  std::optional<std::string> stat = read_whole(proc_dir(pid) + "/stat");
  if (!stat) return false;
  // "pid (comm) state ppid ... flags": comm may hold spaces and parentheses; skip past the last ')'.
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream in(stat->substr(close + 1));
  std::string field;
  uint64_t flags = 0;
  for (int i = 0; i < 7 && (in >> field); ++i) {  // state ppid pgrp session tty_nr tpgid flags
    if (i == 6) {
      try {
        flags = std::stoull(field);
      } catch (const std::exception&) {
        return false;
      }
    }
  }
  constexpr uint64_t kPfKthread = 0x00200000;
  return (flags & kPfKthread) != 0;
}

bool process_exists(int64_t pid) {
  if (pid <= 0) return false;
  struct stat st {};
  return ::stat(proc_dir(pid).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string user_name(uint32_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::string buf(16384, '\0');
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
    return found->pw_name;
  return std::to_string(uid);
}

std::optional<ProcessContext> process_context(int64_t pid) {
  std::optional<std::string> status = read_whole(proc_dir(pid) + "/status");
  if (!status) return std::nullopt;
  ProcessContext ctx;
  ctx.pid = pid;
  ctx.path = exe(pid);
  ctx.name = base_name(ctx.path);
  if (!ctx.name) ctx.name = comm(pid);  // kernel threads and unreadable exe links
  if (std::optional<std::string> cmdline = read_whole(proc_dir(pid) + "/cmdline");
      cmdline && !cmdline->empty()) {
    // NUL-separated arguments; the last one ends with a NUL too.
    while (!cmdline->empty() && cmdline->back() == '\0') cmdline->pop_back();
    std::replace(cmdline->begin(), cmdline->end(), '\0', ' ');
    ctx.command_line = *cmdline;
  }
  // Uid: real effective saved fs
  if (std::optional<std::string> uids = status_field(*status, "Uid:")) {
    std::istringstream in(*uids);
    uint64_t real = 0, effective = 0;
    if (in >> real) {
      ctx.user = user_name(static_cast<uint32_t>(real));
      if (in >> effective) ctx.elevated = effective == 0;
    }
  }
  if (std::optional<std::string> ppid = status_field(*status, "PPid:")) {
    try {
      const int64_t parent = std::stoll(*ppid);
      if (parent > 0) {
        ctx.parent_pid = parent;
        ctx.parent_path = exe(parent);
        ctx.parent_name = base_name(ctx.parent_path);
        if (!ctx.parent_name) ctx.parent_name = comm(parent);
      }
    } catch (const std::exception&) {
    }
  }
  return ctx;
}

}  // namespace yarrow::procmem
