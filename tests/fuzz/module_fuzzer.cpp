// module_fuzzer: the module parsers (src/modules) on arbitrary bytes taken as the scanned file.
// For each module: load_module (the elf/pe/math parsers), dump_yara of the tree, and every
// function reachable from the root or from a structure member of the root, called with hostile
// arguments (offsets and sizes around 0, the data size and the int64 extremes; strings from a
// pool; a regex that matches everything or nothing).
//
// Input: plain bytes (any file is a seed: every module is run on it), or an option byte in
// 0x01..0x1f (not tab/LF/CR) followed by the file: bits 0-3 pick one module (modulo their
// number, in all_modules() order), bit 4 skips the function calls. Argument choices are derived
// from the file's size and middle byte.
// Checks: no crash / UB / leak; loading the same bytes twice gives the same dump (no state
// leaks between loads); string results of functions are bounded by a sane size.
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "fuzz_targets.h"
#include "modules/module.h"

namespace yarrow::fuzz {
namespace {

using modules::Arg;
using modules::Field;
using modules::Module;
using modules::Result;
using modules::Schema;
using modules::Type;
using modules::ValueTree;

class NullHost final : public modules::ModuleHost {
 public:
  void console_log(std::string_view line) override { bytes_ += line.size(); }
  std::optional<int64_t> now() override { return 1700000000; }
  size_t bytes_ = 0;
};

constexpr const char* kStrings[] = {
    "",      "kernel32.dll", "KERNEL32.dll", "CreateFileA", ".text", "libc.so.6", "puts",
    "main",  "\x00\xff",     "a",            "ws2_32.dll",  "*",     "%s%n%x",    "..",
};

bool match_all(const void*, std::string_view) { return true; }
bool match_none(const void*, std::string_view) { return false; }

int64_t int_arg(uint8_t choice, size_t size) {
  const int64_t n = static_cast<int64_t>(size);
  switch (choice % 12) {
    case 0: return 0;
    case 1: return 1;
    case 2: return -1;
    case 3: return n;
    case 4: return n - 1;
    case 5: return n + 1;
    case 6: return n / 2;
    case 7: return INT64_MAX;
    case 8: return INT64_MIN;
    case 9: return 0x7fffffff;
    case 10: return 64;
    default: return 2;
  }
}

// Calls every overload of `function` (owned by tree node `self`) a few times.
void call_function(const ValueTree& tree, uint32_t self, const Schema& schema, uint32_t function,
                   std::span<const uint8_t> data, uint8_t seed, NullHost& host) {
  for (const modules::Overload& o : schema.overloads(function)) {
    for (uint8_t round = 0; round < 3; ++round) {
      std::vector<Arg> args;
      uint8_t choice = static_cast<uint8_t>(seed + round * 5);
      for (char letter : o.args) {
        choice = static_cast<uint8_t>(choice * 7 + 3);
        switch (letter) {
          case 'i':
          case 'b': args.emplace_back(int_arg(choice, data.size())); break;
          case 'f': args.emplace_back(static_cast<double>(int_arg(choice, data.size())) / 3); break;
          case 's': {
            const char* s = kStrings[choice % (sizeof(kStrings) / sizeof(kStrings[0]))];
            args.emplace_back(std::string_view(s, s[0] == '\0' && (choice & 1) ? 2 : std::strlen(s)));
            break;
          }
          case 'r': {
            modules::RegexArg r;
            r.matches = (choice & 1) ? &match_all : &match_none;
            args.emplace_back(r);
            break;
          }
          default: fuzz_fail("module", "unknown signature letter");
        }
      }
      modules::CallContext ctx;
      ctx.tree = &tree;
      ctx.self = self;
      ctx.data = data;
      ctx.host = &host;
      const Result r = o.impl(ctx, args);
      if (const std::string* s = std::get_if<std::string>(&r))
        fuzz_require(s->size() <= data.size() + 4096, "module", "string result larger than data");
      if (const double* d = std::get_if<double>(&r)) fuzz_require(*d == *d, "module", "NaN result");
    }
  }
}

void run_module(const Module& module, std::span<const uint8_t> data, bool calls, uint8_t seed) {
  const ValueTree tree = modules::load_module(module, data);
  const std::string dump = modules::dump_yara(tree);
  {
    const ValueTree again = modules::load_module(module, data);
    fuzz_require(modules::dump_yara(again) == dump, "module", "two loads of the same bytes differ");
  }
  if (!calls) return;
  const Schema& schema = tree.schema();
  NullHost host;
  const Field& root = schema.field(Schema::kRoot);
  for (uint32_t k = 0; k < root.child_count; ++k) {
    const uint32_t index = root.first_child + k;
    const Field& f = schema.field(index);
    if (f.type == Type::kFunction) {
      call_function(tree, ValueTree::kRoot, schema, index, data, seed, host);
    } else if (f.type == Type::kStructure) {
      const uint32_t node = tree.child(ValueTree::kRoot, k);
      if (node == modules::kNoIndex) continue;
      for (uint32_t j = 0; j < f.child_count; ++j) {
        const uint32_t member = f.first_child + j;
        if (schema.field(member).type == Type::kFunction)
          call_function(tree, node, schema, member, data, seed, host);
      }
    }
  }
}

}  // namespace

int module_one(const uint8_t* bytes, size_t size) {
  FuzzInput in(bytes, size);
  const std::span<const Module> all = modules::all_modules();
  bool calls = true;
  uint8_t seed = 0;
  int only = -1;
  if (size > 0 && bytes[0] >= 0x01 && bytes[0] <= 0x1f && bytes[0] != '\t' && bytes[0] != '\n' &&
      bytes[0] != '\r') {
    const uint8_t option = in.byte();
    only = static_cast<int>((option & 0x0f) % all.size());
    calls = (option & 0x10) == 0;
  }
  const std::span<const uint8_t> data = in.rest();
  if (!data.empty()) seed = static_cast<uint8_t>(data.size() * 31 + data[data.size() / 2]);
  for (size_t i = 0; i < all.size(); ++i) {
    if (only >= 0 && static_cast<size_t>(only) != i) continue;
    run_module(all[i], data, calls, seed);
  }
  return 0;
}

}  // namespace yarrow::fuzz

#ifdef YARROW_LIBFUZZER_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > yarrow::fuzz::kMaxModuleInput) return 0;
  return yarrow::fuzz::module_one(data, size);
}
#endif
