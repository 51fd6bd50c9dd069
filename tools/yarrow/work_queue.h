// A bounded multi-producer/multi-consumer queue of paths: the directory walker fills it while
// scanning threads drain it, so memory stays flat however large the tree.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace yarrow::cli {

class WorkQueue {
 public:
  explicit WorkQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. False once the queue was closed.
  bool push(std::string item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (items_.size() >= capacity_ && !closed_) {
      ++producers_waiting_;
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
      --producers_waiting_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (consumers_waiting_ > 0) not_empty_.notify_one();
    return true;
  }

  // Never blocks: false (nothing copied) when the queue is full or closed.
  bool try_push(const std::string& item) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(item);
    if (consumers_waiting_ > 0) not_empty_.notify_one();
    return true;
  }

  // Blocks while empty; nullopt when closed and drained.
  std::optional<std::string> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (items_.empty() && !closed_) {
      ++consumers_waiting_;
      not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
      --consumers_waiting_;
    }
    if (items_.empty()) return std::nullopt;
    std::string item = std::move(items_.front());
    items_.pop_front();
    // A blocked producer is woken only once half the queue has drained: waking it for every
    // item made producer and scanners trade the CPU once per file (a context switch each).
    if (producers_waiting_ > 0 && items_.size() <= capacity_ / 2) not_full_.notify_one();
    return item;
  }

  // No more items will come; consumers drain what is left.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  size_t capacity_;
  std::deque<std::string> items_;
  bool closed_ = false;
  int producers_waiting_ = 0;
  int consumers_waiting_ = 0;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
};

}  // namespace yarrow::cli
