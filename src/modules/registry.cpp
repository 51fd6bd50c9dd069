// The module table.
#include "modules/module.h"
#include "modules/modules_internal.h"

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace yarrow::modules {

std::span<const Module> all_modules() {
  static const Module kModules[] = {
      {"elf", &elf_schema, &elf_load, &elf_inert},
      {"math", &math_schema, &math_load},
      {"hash", &hash_schema, &no_load},
      {"time", &time_schema, &no_load},
      {"console", &console_schema, &no_load},
      {"pe", &pe_schema, &pe_load, &pe_inert},
      {"magic", &magic_schema, &magic_load},
      {"dex", &dex_schema, &dex_load},
      {"macho", &macho_schema, &macho_load},
      {"dotnet", &dotnet_schema, &dotnet_load},
  };
  return kModules;
}

std::string schema_fingerprint() {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the schemas' declarations
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  for (const Module& m : all_modules()) {
    const Schema& schema = m.schema();
    mix(m.name);
    for (size_t i = 0; i < schema.field_count(); ++i) {
      const Field& f = schema.field(static_cast<uint32_t>(i));
      mix(f.name);
      mix(std::to_string(static_cast<int>(f.type)) + "," + std::to_string(f.parent) + "," +
          std::to_string(f.child_count) + "," + std::to_string(f.overload_count));
      if (f.type == Type::kFunction)
        for (const Overload& o : schema.overloads(static_cast<uint32_t>(i))) mix(o.args + o.result);
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

const Module* find_module(std::string_view name) {
  for (const Module& m : all_modules())
    if (m.name == name) return &m;
  return nullptr;
}

namespace {
ValueTree build_tree(const Module& module, std::span<const uint8_t> data) {
  ValueTreeBuilder builder(module.schema());
  module.load(builder, data);
  return builder.finish();
}
}  // namespace

ValueTree load_module(const Module& module, std::span<const uint8_t> data) {
  if (module.inert != nullptr && module.inert(data)) {
    // Built on first use, from the first inert data seen: any other gives the same tree.
    // The lock covers the lookup only: map entries never move or change once built, so the
    // copy handed out happens outside it (scanning threads load modules for every file).
    static std::mutex mutex;
    static std::map<const Module*, ValueTree> inert_trees;
    const ValueTree* tree = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = inert_trees.find(&module);
      if (it == inert_trees.end()) it = inert_trees.emplace(&module, build_tree(module, data)).first;
      tree = &it->second;
    }
    return *tree;
  }
  return build_tree(module, data);
}

void no_load(ValueTreeBuilder&, std::span<const uint8_t>) {}

}  // namespace yarrow::modules
