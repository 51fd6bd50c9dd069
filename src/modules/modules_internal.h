// Per-module entry points wired into the registry; private to src/modules.
#pragma once

#include "modules/module.h"

namespace yarrow::modules {

const Schema& elf_schema();
void elf_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
bool elf_inert(std::span<const uint8_t> data);
const Schema& math_schema();
void math_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
const Schema& hash_schema();
const Schema& time_schema();
const Schema& console_schema();
const Schema& pe_schema();
void pe_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
bool pe_inert(std::span<const uint8_t> data);
void no_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
// magic, dex, macho, dotnet (modmore)
const Schema& magic_schema();
void magic_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
const Schema& dex_schema();
void dex_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
const Schema& macho_schema();
void macho_load(ValueTreeBuilder& b, std::span<const uint8_t> data);
const Schema& dotnet_schema();
void dotnet_load(ValueTreeBuilder& b, std::span<const uint8_t> data);

}  // namespace yarrow::modules
