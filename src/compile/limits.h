// yara 4.2.3's compile-time limits that rules can observe (errors when exceeded).
#pragma once

#include <cstdint>

namespace yarrow::compile {

inline constexpr uint32_t kMaxLoopNesting = 4;  // YR_MAX_LOOP_NESTING
inline constexpr uint32_t kMaxLoopVars = 2;     // YR_MAX_LOOP_VARS

}  // namespace yarrow::compile
