// compile_fuzzer: rule text -> yarrow::Compiler (parse, names and types, string specs, matcher
// database) -> build().
//
// Input: optional option byte in 0x01..0x1f except \t \n \r, then rule text. With option bit
// 0x02 the text is split at NUL bytes into up to four sources added one after the other (in
// namespaces picked by bit 0x04), as `yara a.yar ns:b.yar` would. Includes are disabled. With
// bit 0x10 the sources are parsed on a second thread (checking strings there too when the text's
// length is odd), then compiled a second time with CompilerOptions::parallel_build off, and the
// diagnostics and the built rules (serialized) must be the same.
#include <memory>
#include <string>
#include <string_view>

#include "compile/parse_pipeline.h"
#include "fuzz_targets.h"
#include "yarrow/compiler.h"
#include "yarrow/rules_file.h"

namespace yarrow::fuzz {
namespace {

bool is_option_byte(uint8_t b) { return b >= 0x01 && b <= 0x1f && b != '\t' && b != '\n' && b != '\r'; }

size_t error_count(const Diagnostics& diags) {
  size_t n = 0;
  for (const Diagnostic& d : diags) n += d.severity == Severity::kError;
  return n;
}

void define_externals(Compiler& compiler) {
  fuzz_require(compiler.define_external("ext_int", int64_t{7}), "compile", "define_external");
  fuzz_require(compiler.define_external("ext_bool", true), "compile", "define_external");
  fuzz_require(compiler.define_external("ext_str", std::string("fuzz")), "compile",
               "define_external");
  fuzz_require(compiler.define_external("ext_float", 1.5), "compile", "define_external");
  fuzz_require(!compiler.define_external("ext_int", int64_t{8}), "compile",
               "define_external accepted a duplicate");
}

void add_sources(Compiler& compiler, uint8_t bits, std::string_view text) {
  for (int i = 0; i < 4; ++i) {
    std::string_view part = text;
    if ((bits & 0x02) && i < 3) {
      const size_t nul = text.find('\0');
      if (nul != std::string_view::npos) {
        part = text.substr(0, nul);
        text.remove_prefix(nul + 1);
      } else {
        text = {};
      }
    } else {
      text = {};
    }
    const std::string ns = (bits & 0x04) ? "ns" + std::to_string(i % 2) : "default";
    const size_t before = error_count(compiler.diagnostics());
    const bool ok = compiler.add_source(part, ns, "fuzz" + std::to_string(i) + ".yar");
    const size_t after = error_count(compiler.diagnostics());
    fuzz_require(ok == (after == before), "compile", "add_source result disagrees with errors");
    if (text.empty()) break;
  }
}

}  // namespace

int compile_one(const uint8_t* data, size_t size) {
  uint8_t bits = 0;
  if (size > 0 && is_option_byte(data[0])) {
    bits = data[0];
    ++data;
    --size;
  }
  CompilerOptions options;
  options.allow_includes = false;
  if (bits & 0x08) options.max_strings_per_rule = 3;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (bits & 0x10) options.parallel_parse_min_bytes = 0;
  Compiler compiler(options);
  if (bits & 0x01) define_externals(compiler);
  compile::ParsePipeline::always_check_ahead((bits & 0x10) && size % 2 == 1);
  add_sources(compiler, bits, text);
  compile::ParsePipeline::always_check_ahead(false);
  std::unique_ptr<Compiler> again_owner;
  if (bits & 0x10) {
    CompilerOptions one_thread = options;
    one_thread.parallel_build = false;
    again_owner = std::make_unique<Compiler>(one_thread);
    Compiler& again = *again_owner;
    if (bits & 0x01) define_externals(again);
    add_sources(again, bits, text);
    const Diagnostics& a = compiler.diagnostics();
    const Diagnostics& b = again.diagnostics();
    fuzz_require(a.size() == b.size(), "compile", "parallel_build changed the diagnostic count");
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
      fuzz_require(a[i].to_string() == b[i].to_string(), "compile",
                   "parallel_build changed a diagnostic");
  }
  for (const Diagnostic& d : compiler.diagnostics()) {
    fuzz_require(!d.code.empty() && !d.message.empty(), "compile", "diagnostic without code/message");
  }

  const bool had_errors = compiler.has_errors();
  std::shared_ptr<const Rules> rules = compiler.build();
  fuzz_require((rules == nullptr) == had_errors, "compile", "build() result disagrees with errors");
  if (rules) {
    size_t strings = 0;
    for (const RuleInfo& info : rules->rules()) {
      fuzz_require(!info.name.empty(), "compile", "rule without a name");
      strings += info.string_ids.size();
    }
    fuzz_require(strings == rules->string_count(), "compile", "string_count mismatch");
  }
  if (again_owner) {
    std::shared_ptr<const Rules> sequential = again_owner->build();
    fuzz_require((sequential == nullptr) == (rules == nullptr), "compile",
                 "parallel_build changed whether the rules build");
    if (rules && sequential)
      fuzz_require(serialize_rules(*rules) == serialize_rules(*sequential), "compile",
                   "parallel_build changed the built rules");
  }
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxRuleInput) return 0;
  return yarrow::fuzz::compile_one(data, size);
}
#endif
