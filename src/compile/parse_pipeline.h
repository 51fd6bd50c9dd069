// Parsing a large rule source on a second thread while the compiler's thread compiles the rules
// parsed so far (perf: parsing is about 40% of adding elastic's rules). When the compiler falls
// behind, the parser's thread also analyses the rules' strings (PatternSet::check(), a function
// of the string alone) before handing them over, so that the two threads share the work.
//
// The compiler sees exactly what the one-thread path shows it: the rules in source order, each
// with the imports and files read before its end and the parser's diagnostics emitted before it,
// then whatever came after the last rule. Only source text stays with the parser: the files
// handed over carry their path and line starts, which is all that locating a diagnostic needs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "compile/string_specs.h"
#include "parse/ast.h"
#include "parse/parser.h"
#include "yarrow/diagnostics.h"

namespace yarrow::compile {

// What the parser produced since the previous packet: one rule, or none in the last packet.
struct ParsedRule {
  std::optional<ast::Rule> rule;
  std::vector<ast::Expr> exprs;             // the rule's expression arena
  std::vector<ast::Import> new_imports;     // read since the previous packet
  std::vector<ast::SourceFile> new_files;   // opened since the previous packet, without text
  Diagnostics diags;                        // the parser's, emitted since the previous packet
  // Empty, or one per string of the rule: checked ahead on the parser's thread (null for a
  // string whose modifiers are invalid, which the compiler reports itself).
  std::vector<std::shared_ptr<const CheckedString>> checked;
};

class ParsePipeline {
 public:
  using ParseFn = std::function<void(const parse::ParseOptions&, ast::Unit&, Diagnostics&)>;
  // Fills packet.checked for the rule in packet.rule (run on the parser's thread).
  using CheckFn = std::function<void(const ast::Unit&, ParsedRule& packet)>;

  // Starts parsing on a thread of its own; `options.on_rule` is replaced.
  ParsePipeline(ParseFn parse, CheckFn check, parse::ParseOptions options);
  // Stops the parser (at its next rule) if it is still running, and waits for it.
  ~ParsePipeline();
  ParsePipeline(const ParsePipeline&) = delete;
  ParsePipeline& operator=(const ParsePipeline&) = delete;

  // The next packet, in source order; false once the last one has been taken. Rethrows what
  // the parser's thread threw (an allocation failure).
  bool next(ParsedRule& out);

  // Tests: check every rule ahead, whatever the queue holds (the choice otherwise depends on
  // timing, and either way must change nothing).
  static void always_check_ahead(bool on) { always_check_ahead_.store(on); }

 private:
  struct Stop {};  // thrown from on_rule to unwind a parser that is no longer wanted
  // Rules are handed over in batches: one per rule made the threads wake each other for every
  // rule, and parsing alone then took longer than parsing and compiling on one thread.
  static constexpr size_t kBatch = 32;
  static constexpr size_t kMaxQueued = 8 * kBatch;  // rules parsed ahead of the compiler

  void run(const ParseFn& parse, const CheckFn& check, parse::ParseOptions options);
  ParsedRule take_new(const ast::Unit& unit);
  void publish();  // hands batch_ over

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ParsedRule> queue_;
  std::atomic<size_t> queued_{0};  // queue_.size(), read by the parser without the lock
  bool finished_ = false;  // the last packet is queued
  bool stopped_ = false;   // the consumer has gone
  std::exception_ptr error_;
  // Parser thread only: the batch being filled, and how much of the unit earlier packets carried.
  std::vector<ParsedRule> batch_;
  size_t sent_imports_ = 0;
  size_t sent_files_ = 0;
  Diagnostics pending_diags_;
  // Compiler thread only: packets taken from the queue, not yet returned by next().
  std::deque<ParsedRule> taken_;
  std::thread thread_;
  static inline std::atomic<bool> always_check_ahead_{false};
};

}  // namespace yarrow::compile
