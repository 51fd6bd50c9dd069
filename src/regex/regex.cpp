#include "regex/regex.h"

#include "regex/ast.h"
#include "regex/program.h"

namespace yarrow::regex {
namespace {

class CompiledRegex final : public Regex {
 public:
  explicit CompiledRegex(Program prog) : prog_(std::move(prog)) {}

  bool search(std::string_view subject) const override {
    // Each thread gets its own scratch; regexes are shared read-only.
    thread_local VmScratch scratch;
    std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(subject.data()), subject.size());
    ExecOptions opt;
    // yara runs `matches` from the very start of the code (strings start at their atoms).
    opt.start_pc = prog_.code_start();
    for (size_t start = 0; start <= data.size(); ++start) {
      if (exec_forward(prog_, data, start, opt, scratch) >= 0) return true;
    }
    return false;
  }

 private:
  Program prog_;
};

}  // namespace

std::unique_ptr<const Regex> Regex::compile(std::string_view source, bool nocase, bool dotall,
                                            std::string& error) {
  auto parsed = parse_regex(source, nocase, dotall, error);
  if (!parsed) return nullptr;
  Program prog;
  if (!prog.compile(parsed->root, false)) {
    error = "regular expression is too complex";
    return nullptr;
  }
  return std::make_unique<CompiledRegex>(std::move(prog));
}

}  // namespace yarrow::regex
