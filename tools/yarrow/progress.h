// The progress line: on a terminal (stderr), one line redrawn in place at most 10 times a second
// (targets, bytes, rate, current target), erased when the run ends. Off when stderr is not a
// terminal or with --no-progress, so logs and pipes never see it.
//
// Anything else that writes to stderr while the line is shown must call erase_for_output()
// first (the sinks do), or its text would be glued to the progress line.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "output.h"

namespace yarrow::cli {

class Progress {
 public:
  // Starts the redraw thread when `enabled`; otherwise does nothing at all.
  Progress(const ScanStats& stats, bool enabled, std::FILE* err = stderr);
  ~Progress();  // stops and erases the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The target being scanned now (any thread; cheap).
  void set_current(const std::string& target);
  void stop();

  // Erases the line if one is shown; the next redraw brings it back.
  static void erase_for_output(std::FILE* err);
  // Whether a progress line is running: then stdout, if it is the same terminal, must be
  // flushed right after each write so the two don't interleave.
  static bool running();

  // The text of the line (exposed for tests).
  static std::string render(int64_t targets, int64_t bytes, double seconds,
                            const std::string& current, size_t width);

 private:
  void run();

  const ScanStats& stats_;
  std::FILE* err_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string current_;
  bool stopping_ = false;
  std::thread thread_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace yarrow::cli
