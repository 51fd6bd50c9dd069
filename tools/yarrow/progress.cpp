#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

namespace yarrow::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);  // at most 10 redraws a second

// Whether a progress line is on the terminal now; shared with the sinks' stderr writes.
std::mutex g_line_mutex;
bool g_line_shown = false;
std::atomic<bool> g_running{false};

std::string human_bytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

size_t terminal_width(std::FILE* err) {
  winsize ws{};
  if (::ioctl(::fileno(err), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

Progress::Progress(const ScanStats& stats, bool enabled, std::FILE* err)
    : stats_(stats), err_(err), start_(std::chrono::steady_clock::now()) {
  if (enabled) {
    g_running = true;
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      g_running = false;  // no thread to draw it: no progress line
    }
  }
}

Progress::~Progress() { stop(); }

void Progress::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    erase_for_output(err_);
    g_running = false;
  }
}

void Progress::set_current(const std::string& target) {
  if (!thread_.joinable()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = target;
}

void Progress::erase_for_output(std::FILE* err) {
  std::lock_guard<std::mutex> lock(g_line_mutex);
  if (!g_line_shown) return;
  std::fputs("\r\x1b[K", err);
  std::fflush(err);
  g_line_shown = false;
}

bool Progress::running() { return g_running.load(std::memory_order_relaxed); }

std::string Progress::render(int64_t targets, int64_t bytes, double seconds,
                             const std::string& current, size_t width) {
  std::string line = std::to_string(targets) + (targets == 1 ? " target, " : " targets, ") +
                     human_bytes(static_cast<double>(bytes)) + ", " +
                     human_bytes(seconds > 0 ? static_cast<double>(bytes) / seconds : 0) + "/s";
  if (!current.empty()) {
    line += "  ";
    // Keep the end of a long path: that's the part that tells files apart.
    const size_t room = width > line.size() + 4 ? width - line.size() - 1 : 0;
    if (current.size() <= room)
      line += current;
    else if (room > 3)
      line += "..." + current.substr(current.size() - (room - 3));
  }
  if (width > 1 && line.size() > width - 1) line.resize(width - 1);  // never wrap
  return line;
}

void Progress::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kRedrawInterval, [this] { return stopping_; });
    if (stopping_) break;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string line = render(
        stats_.files_scanned.load() + stats_.processes_scanned.load() + stats_.errors.load(),
        stats_.bytes_scanned.load(), seconds, current_, terminal_width(err_));
    std::lock_guard<std::mutex> screen(g_line_mutex);
    std::fputs("\r\x1b[K", err_);
    std::fputs(line.c_str(), err_);
    std::fflush(err_);
    g_line_shown = true;
  }
}

}  // namespace yarrow::cli
