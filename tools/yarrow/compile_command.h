// `yarrow compile`: rule files → a precompiled rules file for `yarrow scan -C` (like yarac).
#pragma once

#include <string>
#include <vector>

namespace yarrow::cli {

// args: everything after `compile`. Returns the process exit status.
int run_compile_command(const std::vector<std::string>& args);

}  // namespace yarrow::cli
