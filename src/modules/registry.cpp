// The module table.
#include "modules/module.h"
#include "modules/modules_internal.h"

namespace yarrow::modules {

std::span<const Module> all_modules() {
  static const Module kModules[] = {
      {"elf", &elf_schema, &elf_load},
      {"math", &math_schema, &math_load},
      {"hash", &hash_schema, &no_load},
      {"time", &time_schema, &no_load},
      {"console", &console_schema, &no_load},
      {"pe", &pe_schema, &pe_load},
      {"magic", &magic_schema, &magic_load},
      {"dex", &dex_schema, &dex_load},
      {"macho", &macho_schema, &macho_load},
      {"dotnet", &dotnet_schema, &dotnet_load},
  };
  return kModules;
}

const Module* find_module(std::string_view name) {
  for (const Module& m : all_modules())
    if (m.name == name) return &m;
  return nullptr;
}

ValueTree load_module(const Module& module, std::span<const uint8_t> data) {
  ValueTreeBuilder builder(module.schema());
  module.load(builder, data);
  return builder.finish();
}

void no_load(ValueTreeBuilder&, std::span<const uint8_t>) {}

}  // namespace yarrow::modules
