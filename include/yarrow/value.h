// Typed values that cross the public API: external variables and rule metadata.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace yarrow {

// bool, integer, float or string, in that order of alternatives.
using Value = std::variant<bool, int64_t, double, std::string>;

}  // namespace yarrow
