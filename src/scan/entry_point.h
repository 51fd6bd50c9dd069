// The deprecated `entrypoint` keyword: the file offset of a PE or ELF entry point found in the
// headers at the start of the scanned bytes, computed the way yara 4.2.3 does (including its
// fallbacks to 0 on truncated headers). nullopt (undefined) for anything else.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace yarrow::scan {

std::optional<int64_t> entry_point_offset(std::span<const uint8_t> data);

}  // namespace yarrow::scan
