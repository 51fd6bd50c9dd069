#include "compile/parse_pipeline.h"

#include <utility>

namespace yarrow::compile {

ParsePipeline::ParsePipeline(ParseFn parse, CheckFn check, parse::ParseOptions options)
    : thread_([this, parse = std::move(parse), check = std::move(check),
               options = std::move(options)]() mutable { run(parse, check, std::move(options)); }) {}

ParsePipeline::~ParsePipeline() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

ParsedRule ParsePipeline::take_new(const ast::Unit& unit) {
  ParsedRule packet;
  for (; sent_imports_ < unit.imports.size(); ++sent_imports_)
    packet.new_imports.push_back(unit.imports[sent_imports_]);
  for (; sent_files_ < unit.files.size(); ++sent_files_) {
    ast::SourceFile file;
    file.path = unit.files[sent_files_].path;
    file.line_starts = unit.files[sent_files_].line_starts;
    packet.new_files.push_back(std::move(file));
  }
  packet.diags = std::move(pending_diags_);
  pending_diags_.clear();
  return packet;
}

void ParsePipeline::publish() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < kMaxQueued || stopped_; });
  if (stopped_) throw Stop{};
  const bool was_empty = queue_.empty();
  for (ParsedRule& packet : batch_) queue_.push_back(std::move(packet));
  queued_.store(queue_.size(), std::memory_order_relaxed);
  lock.unlock();
  batch_.clear();
  if (was_empty) changed_.notify_all();
}

void ParsePipeline::run(const ParseFn& parse, const CheckFn& check, parse::ParseOptions options) {
  ast::Unit unit;
  options.on_rule = [this, &unit, &check](const ast::Unit&) {
    // The parser drops the rule and clears the arena after this returns; both move out here.
    ParsedRule packet = take_new(unit);
    packet.rule = std::move(unit.rules.back());
    packet.exprs = std::move(unit.exprs);
    unit.exprs.clear();
    // A full batch still waiting: the compiler is the slower side, so take some of its work.
    if (queued_.load(std::memory_order_relaxed) >= kBatch ||
        always_check_ahead_.load(std::memory_order_relaxed))
      check(unit, packet);
    batch_.push_back(std::move(packet));
    if (batch_.size() == kBatch) publish();
  };
  std::exception_ptr error;
  try {
    parse(options, unit, pending_diags_);
    batch_.push_back(take_new(unit));  // what follows the last rule
    publish();
  } catch (const Stop&) {
  } catch (...) {
    error = std::current_exception();
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
    if (error) error_ = error;
  }
  changed_.notify_all();
}

bool ParsePipeline::next(ParsedRule& out) {
  if (taken_.empty()) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !queue_.empty() || finished_; });
    if (queue_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return false;
    }
    taken_.swap(queue_);
    queued_.store(0, std::memory_order_relaxed);
    lock.unlock();
    changed_.notify_all();  // the parser may be waiting for room
  }
  out = std::move(taken_.front());
  taken_.pop_front();
  return true;
}

}  // namespace yarrow::compile
