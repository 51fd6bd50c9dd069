// parse_fuzzer: rule text -> yarrow::parse::parse_source.
//
// Input: optional option byte in 0x01..0x1f except \t \n \r (so plain rule files are valid
// seeds), then the rule text. Includes are never followed: the fuzzer must not read files.
#include <string>
#include <string_view>

#include "fuzz_targets.h"
#include "parse/parser.h"

namespace yarrow::fuzz {
namespace {

bool is_option_byte(uint8_t b) { return b >= 0x01 && b <= 0x1f && b != '\t' && b != '\n' && b != '\r'; }

}  // namespace

int parse_one(const uint8_t* data, size_t size) {
  parse::ParseOptions options;
  options.allow_includes = false;
  if (size > 0 && is_option_byte(data[0])) {
    const uint8_t bits = data[0];
    if (bits & 0x01) options.max_expression_depth = 8;  // reach the depth-limit paths cheaply
    if (bits & 0x02) options.max_expression_depth = 64;
    ++data;
    --size;
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ast::Unit unit;
  Diagnostics diags;
  const bool ok = parse::parse_source(text, "fuzz.yar", options, unit, diags);

  bool any_error = false;
  for (const Diagnostic& d : diags) {
    any_error |= d.severity == Severity::kError;
    fuzz_require(!d.code.empty() && !d.message.empty(), "parse", "diagnostic without code/message");
    fuzz_require(d.message.find('\n') == std::string::npos, "parse", "multi-line diagnostic");
  }
  fuzz_require(ok == !any_error, "parse", "return value disagrees with error diagnostics");
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxRuleInput) return 0;
  return yarrow::fuzz::parse_one(data, size);
}
#endif
